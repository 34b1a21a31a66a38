// Clip editor and clip status: in and out marked from the player's playhead, aspect and focus point,
// product tags at the playhead; the asset's clips with their render progress and a publish button.
import { api, element, listAll, showError, stateLabel, t } from "./app.js";

const REFRESH_MS = 2000;
const form = document.getElementById("clip-form");
const inBox = document.getElementById("clip-in");
const outBox = document.getElementById("clip-out");
const tagList = document.getElementById("product-tags");
const clipList = document.getElementById("clips");
const channelSelect = document.getElementById("publish-channel");
const products = [];
const publications = new Map(); // clip id -> latest publication

const seconds = (value) => Math.round(value * 10) / 10;

function tagProduct(video) {
  const field = (id) => document.getElementById(id).value.trim();
  const product = { sku: field("product-sku"), name: field("product-name"), url: field("product-url"), at_s: seconds(video.currentTime) };
  if (!product.sku || !product.name || !product.url) return;
  products.push(product);
  tagList.append(element("li", { text: `${product.at_s} s: ${product.name} (${product.sku})` }));
}

function clipRequest(assetId) {
  const number = (id) => Number(document.getElementById(id).value);
  const title = document.getElementById("clip-name").value.trim();
  return {
    asset_id: assetId,
    ranges: [{ in_s: number("clip-in"), out_s: number("clip-out") }],
    aspect: document.getElementById("clip-aspect").value,
    focus: { x: number("focus-x"), y: number("focus-y") },
    ...(title ? { title } : {}),
    products,
  };
}

function publishButton(clip) {
  const button = element("button", { type: "button", "data-publish": clip.id, text: t("clip.publish") });
  button.disabled = clip.state !== "ready" || !channelSelect.value;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const publication = await api("/v1/publications", { method: "POST", body: { clip_id: clip.id, channel_id: channelSelect.value } });
      publications.set(clip.id, publication);
      await drawClips(clip.asset_id);
    } catch (error) {
      showError(error);
      button.disabled = false;
    }
  });
  return button;
}

function clipItem(clip) {
  const publication = publications.get(clip.id);
  const label = `${clip.title ?? clip.id.slice(0, 8)} · ${clip.aspect} · ${clip.width}×${clip.height} · ${seconds(clip.duration_s)} s: ${stateLabel(clip.state)}`;
  return element(
    "li",
    { "data-clip-id": clip.id, "data-state": clip.state, "data-aspect": clip.aspect },
    element("span", { text: label }),
    element("progress", { max: "1", value: String(clip.progress ?? 0), "aria-label": label }),
    publishButton(clip),
    publication
      ? element("span", { class: "publication", "data-state": publication.state, text: t("clip.published", { state: stateLabel(publication.state) }) })
      : "",
  );
}

async function refreshPublications() {
  for (const [clipId, publication] of publications) {
    if (!["delivered", "failed"].includes(publication.state)) publications.set(clipId, await api(`/v1/publications/${publication.id}`));
  }
}

async function drawClips(assetId) {
  clearTimeout(drawClips.timer);
  await refreshPublications();
  const clips = await listAll(`/v1/clips?asset_id=${assetId}`);
  clipList.replaceChildren(...clips.map(clipItem));
  document.getElementById("clips-none").hidden = clips.length > 0;
  const pending = clips.some((c) => ["queued", "rendering"].includes(c.state)) ||
    [...publications.values()].some((p) => !["delivered", "failed"].includes(p.state));
  if (pending) drawClips.timer = setTimeout(() => drawClips(assetId).catch(showError), REFRESH_MS);
}

async function createClip(event, assetId) {
  event.preventDefault();
  const status = document.getElementById("clip-status");
  try {
    await api("/v1/clips", { method: "POST", body: clipRequest(assetId) });
    status.textContent = t("clip.created");
    await drawClips(assetId);
  } catch (error) {
    status.textContent = t("error.generic", { message: error.message });
  }
}

export async function setUpClipEditor(assetId, video) {
  document.getElementById("mark-in").addEventListener("click", () => { inBox.value = seconds(video.currentTime); });
  document.getElementById("mark-out").addEventListener("click", () => { outBox.value = seconds(video.currentTime); });
  document.getElementById("tag-product").addEventListener("click", () => tagProduct(video));
  form.addEventListener("submit", (event) => createClip(event, assetId));
  const channels = await listAll("/v1/channels");
  channelSelect.replaceChildren(...channels.map((c) => element("option", { value: c.id, text: `${c.name} (${c.profile})` })));
  channelSelect.addEventListener("change", () => drawClips(assetId).catch(showError));
  for (const publication of await listAll("/v1/publications")) {
    if (publication.clip_id) publications.set(publication.clip_id, publication);
  }
  await drawClips(assetId);
}
