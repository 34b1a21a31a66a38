// A small tus 1.0.0 client: POST creates, HEAD finds where to resume, PATCH sends chunks with a
// sha256 Upload-Checksum. The upload URL is remembered per file fingerprint in localStorage, so
// choosing the same file after a reload (or a crash) continues instead of starting over.
import { authHeaders, errorOf } from "./app.js";

const TUS = { "Tus-Resumable": "1.0.0" };
const CHUNK_BYTES = 1 << 20;
const RETRIES = 8;
const STORE_PREFIX = "shopcast.tus.";

const fingerprint = (file) => `${STORE_PREFIX}${file.name}:${file.size}:${file.lastModified}`;
const base64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const utf8Base64 = (text) => base64(new TextEncoder().encode(text));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class TusUpload {
  // onProgress(sent, total) after each chunk; onResume(offset) when a remembered upload continues.
  constructor(file, { onProgress = () => {}, onResume = () => {} } = {}) {
    this.file = file;
    this.onProgress = onProgress;
    this.onResume = onResume;
    this.paused = false;
  }

  pause() {
    this.paused = true;
  }

  // Resolves to the asset id once every byte is stored; rejects with ApiError otherwise.
  async run() {
    this.paused = false;
    let offset = await this.#resumeOrCreate();
    let failures = 0;
    while (offset < this.file.size && !this.paused) {
      try {
        offset = await this.#patch(offset);
        failures = 0;
        this.onProgress(offset, this.file.size);
      } catch (error) {
        failures += 1;
        if (failures > RETRIES || (error.status && ![409, 423, 429, 500, 502, 503].includes(error.status))) throw error;
        await sleep(500 * failures);
        offset = await this.#offset();
      }
    }
    if (offset >= this.file.size) localStorage.removeItem(fingerprint(this.file));
    return this.url.split("/").pop();
  }

  async #resumeOrCreate() {
    this.url = localStorage.getItem(fingerprint(this.file));
    if (this.url) {
      try {
        const offset = await this.#offset();
        this.onResume(offset);
        this.onProgress(offset, this.file.size);
        return offset;
      } catch (error) {
        if (![404, 410].includes(error.status)) throw error;
      }
    }
    await this.#create();
    return 0;
  }

  async #create() {
    const metadata = `filename ${utf8Base64(this.file.name)},title ${utf8Base64(this.file.name)}`;
    const response = await fetch("/v1/uploads", {
      method: "POST",
      headers: { ...TUS, ...authHeaders(), "Upload-Length": String(this.file.size), "Upload-Metadata": metadata },
    });
    if (response.status !== 201) throw await errorOf(response);
    this.url = new URL(response.headers.get("Location"), location.href).href;
    localStorage.setItem(fingerprint(this.file), this.url);
  }

  async #offset() {
    const response = await fetch(this.url, { method: "HEAD", headers: { ...TUS, ...authHeaders() }, cache: "no-store" });
    if (!response.ok) throw Object.assign(new Error(response.statusText), { status: response.status });
    return Number(response.headers.get("Upload-Offset"));
  }

  async #patch(offset) {
    const chunk = await this.file.slice(offset, offset + CHUNK_BYTES).arrayBuffer();
    const digest = await crypto.subtle.digest("SHA-256", chunk);
    const response = await fetch(this.url, {
      method: "PATCH",
      headers: {
        ...TUS,
        ...authHeaders(),
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": String(offset),
        "Upload-Checksum": `sha256 ${base64(digest)}`,
      },
      body: chunk,
    });
    if (response.status !== 204) throw await errorOf(response);
    return Number(response.headers.get("Upload-Offset"));
  }
}
