// Asset review: the player with subtitle tracks, the subtitle editor and the clip editor. The asset
// is polled until it plays and its subtitles are in.
import { api, showError, signedIn, stateLabel, t } from "./app.js";
import { setUpClipEditor } from "./clips.js";
import { attachHls, showSubtitleTracks } from "./player.js";
import { setUpSubtitleEditor } from "./subtitles.js";

const REFRESH_MS = 2000;
const assetId = document.getElementById("asset").dataset.assetId;
const video = document.getElementById("player");
let asset = null;

function show(current, fillEditor) {
  document.getElementById("player-title").textContent = current.title || current.id;
  document.getElementById("asset-state").textContent = `${t("assets.state")}: ${stateLabel(current.state)}`;
  document.getElementById("asset").dataset.state = current.state;
  const url = current.playback?.hls;
  document.getElementById("not-playable").hidden = Boolean(url);
  if (url) attachHls(video, url);
  // by language and kind, not URL: every read signs the URLs anew
  const languages = current.subtitles.map((s) => `${s.language}:${s.kind}`).join(" ");
  if (video.dataset.subtitles !== languages) {
    video.dataset.subtitles = languages;
    showSubtitleTracks(video, current.subtitles, document.documentElement.lang);
  }
  fillEditor(current);
}

const settled = (a) => a.playback?.hls && a.subtitles.length && !a.jobs.some((j) => ["queued", "running"].includes(j.state));

async function refresh(fillEditor) {
  asset = await api(`/v1/assets/${assetId}`);
  show(asset, fillEditor);
  if (!settled(asset) && !["rejected", "failed"].includes(asset.state)) {
    setTimeout(() => refresh(fillEditor).catch(showError), REFRESH_MS);
  }
}

async function main() {
  await signedIn();
  const fillEditor = setUpSubtitleEditor(() => asset, async () => {
    asset = await api(`/v1/assets/${assetId}`);
    video.dataset.subtitles = "";
    show(asset, fillEditor);
  });
  await refresh(fillEditor);
  await setUpClipEditor(assetId, video);
  document.body.dataset.ready = "true";
}

main().catch(showError);
