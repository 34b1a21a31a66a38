// Asset list: every asset the caller may see, with its state and each job's progress, refreshed
// while something is still being worked on.
import { element, listAll, showError, signedIn, stateLabel, t } from "./app.js";

const REFRESH_MS = 2000;
const list = document.getElementById("assets");

function jobProgress(job) {
  const label = `${job.kind}: ${stateLabel(job.state)}`;
  return element(
    "li",
    { "data-kind": job.kind, "data-state": job.state },
    element("label", { text: label }),
    element("progress", { max: "1", value: String(job.progress ?? 0), "aria-label": label }),
  );
}

function assetItem(asset) {
  const title = asset.title || asset.id;
  return element(
    "li",
    { "data-asset-id": asset.id, "data-state": asset.state },
    element("a", { href: `/web/assets/${asset.id}`, text: title }),
    " ",
    element("span", { class: "state", text: `${t("assets.state")}: ${stateLabel(asset.state)}` }),
    element("ul", { "aria-label": t("assets.jobs") }, ...asset.jobs.map(jobProgress)),
  );
}

const busy = (asset) =>
  ["uploading", "processing"].includes(asset.state) || asset.jobs.some((j) => ["queued", "running"].includes(j.state));

async function draw() {
  const assets = await listAll("/v1/assets");
  list.replaceChildren(...assets.map(assetItem));
  document.getElementById("assets-empty").hidden = assets.length > 0;
  if (assets.some(busy)) setTimeout(() => draw().catch(showError), REFRESH_MS);
}

async function main() {
  await signedIn();
  await draw();
  document.body.dataset.ready = "true";
}

main().catch(showError);
