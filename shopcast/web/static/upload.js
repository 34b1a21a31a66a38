// Upload page: one file at a time through our tus client, with a progress bar and a pause button.
import { element, showError, signedIn, t } from "./app.js";
import { TusUpload } from "./tus.js";

const form = document.getElementById("upload-form");
const fileInput = document.getElementById("file");
const startButton = document.getElementById("upload-start");
const pauseButton = document.getElementById("upload-pause");
const bar = document.getElementById("upload-progress");
const status = document.getElementById("upload-status");

function linkTo(assetId) {
  const link = element("a", { href: `/web/assets/${assetId}`, "data-asset-id": assetId, text: assetId });
  const [before, after] = t("upload.done", { link: "\u0000" }).split("\u0000");
  status.replaceChildren(before, link, after);
}

async function send(event) {
  event.preventDefault();
  const file = fileInput.files[0];
  const upload = new TusUpload(file, {
    onProgress: (sent, total) => { bar.value = total ? sent / total : 1; },
    onResume: (offset) => { status.textContent = t("upload.resumed", { percent: Math.floor((100 * offset) / file.size) }); },
  });
  startButton.disabled = true;
  pauseButton.disabled = false;
  pauseButton.onclick = () => upload.pause();
  try {
    const assetId = await upload.run();
    if (bar.value >= 1) linkTo(assetId);
  } catch (error) {
    status.textContent = t("upload.failed", { message: error.message });
  } finally {
    startButton.disabled = false;
    pauseButton.disabled = true;
  }
}

async function main() {
  await signedIn();
  form.addEventListener("submit", send);
  document.body.dataset.ready = "true";
}

main().catch(showError);
