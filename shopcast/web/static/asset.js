// Asset review: the player with subtitle tracks, the subtitle editor, highlight proposals and the
// clip editor, and what the embed player's viewers did (views, plays, watch time, each product's
// impressions and clicks).
// The asset is polled until it plays and its subtitles are in.
import { api, element, showError, signedIn, stateLabel, t } from "./app.js";
import { setUpClipEditor } from "./clips.js";
import { showHighlights } from "./highlights.js";
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

let reloadHighlights = null;

async function refresh(fillEditor) {
  asset = await api(`/v1/assets/${assetId}`);
  show(asset, fillEditor);
  if (reloadHighlights) await reloadHighlights(); // proposals follow the subtitles
  if (!settled(asset) && !["rejected", "failed"].includes(asset.state)) {
    setTimeout(() => refresh(fillEditor).catch(showError), REFRESH_MS);
  }
}

function duration(seconds) {
  const s = Math.floor(seconds);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${Math.floor(s / 60)}:${ss}`;
}

function statsBlock(stats) {
  const number = (value) => value.toLocaleString(document.documentElement.lang);
  const figure = (key, value) => [element("dt", { text: t(key) }), element("dd", { text: value })];
  const rows = stats.products.map((p) =>
    element("tr", { "data-sku": p.sku },
      element("th", { scope: "row", text: p.sku }),
      element("td", { text: number(p.impressions) }),
      element("td", { text: number(p.clicks) })));
  const header = element("tr", {}, ...["stats.sku", "stats.impressions", "stats.clicks"].map((key) => element("th", { scope: "col", text: t(key) })));
  const none = element("p", { id: "stats-none", text: t("stats.none") });
  none.hidden = stats.views > 0;
  return element("section", { id: "stats", class: "card", "aria-labelledby": "stats-title", "data-views": String(stats.views) },
    element("h2", { id: "stats-title", text: t("stats.title") }),
    none,
    element("dl", { class: "stats" },
      ...figure("stats.views", number(stats.views)),
      ...figure("stats.plays", number(stats.plays)),
      ...figure("stats.watch", duration(stats.watch_s))),
    rows.length ? element("table", { class: "stats" }, element("thead", {}, header), element("tbody", {}, ...rows)) : "");
}

async function showStats() {
  let stats;
  try {
    stats = await api(`/v1/assets/${assetId}/stats`);
  } catch (error) {
    if (error.status === 404) return; // not someone who may see this asset's viewers
    throw error;
  }
  const block = statsBlock(stats);
  const current = document.getElementById("stats");
  if (current) current.replaceWith(block);
  else document.getElementById("asset").after(block);
}

async function main() {
  await signedIn();
  const fillEditor = setUpSubtitleEditor(() => asset, async () => {
    asset = await api(`/v1/assets/${assetId}`);
    video.dataset.subtitles = "";
    show(asset, fillEditor);
  });
  await refresh(fillEditor);
  await showStats();
  await setUpClipEditor(assetId, video);
  reloadHighlights = await showHighlights(assetId, video);
  document.body.dataset.ready = "true";
}

main().catch(showError);
