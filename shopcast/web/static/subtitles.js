// Subtitle editor: the cues of one language as text boxes; saving PUTs the whole track back as
// WebVTT (`PUT /v1/assets/{id}/subtitles/{lang}`), which Whisper never overwrites afterwards.
import { api, element, showError, t } from "./app.js";

const select = document.getElementById("subs-language");
const list = document.getElementById("cues");
const save = document.getElementById("subs-save");
const status = document.getElementById("subs-status");
const TIMING = /^(\S+)\s+-->\s+(\S+)/;

export function parseVtt(text) {
  return text.replace(/\r/g, "").split(/\n\n+/).flatMap((block) => {
    const lines = block.split("\n");
    const at = lines.findIndex((line) => TIMING.test(line));
    if (at < 0) return [];
    const [, start, end] = lines[at].match(TIMING);
    return [{ start, end, text: lines.slice(at + 1).join("\n") }];
  });
}

export function vttOf(cues) {
  return `WEBVTT\n\n${cues.map((c) => `${c.start} --> ${c.end}\n${c.text.trim() || " "}`).join("\n\n")}\n`;
}

function cueItem(cue, index) {
  const id = `cue-${index}`;
  const box = element("textarea", { id, "data-start": cue.start });
  box.value = cue.text;
  return element("li", {}, element("label", { for: id, text: t("subs.cue", { start: cue.start, end: cue.end }) }), box);
}

async function showLanguage(asset) {
  const sub = asset.subtitles.find((s) => s.language === select.value);
  status.textContent = sub?.quality === "draft" ? t("subs.draft_note") : "";
  if (!sub) return;
  const cues = parseVtt(await (await fetch(sub.vtt_url)).text());
  list.replaceChildren(...cues.map(cueItem));
  list.cues = cues;
  save.disabled = false;
}

async function saveLanguage(asset, onSaved) {
  const cues = list.cues.map((cue, i) => ({ ...cue, text: document.getElementById(`cue-${i}`).value }));
  await api(`/v1/assets/${asset.id}/subtitles/${select.value}`, {
    method: "PUT",
    body: vttOf(cues),
    headers: { "Content-Type": "text/vtt" },
  });
  status.textContent = t("subs.saved");
  await onSaved();
}

// Fills the editor once the asset has subtitles; `onSaved` refreshes the page's copy of the asset.
export function setUpSubtitleEditor(getAsset, onSaved) {
  let shown = false;
  select.addEventListener("change", () => showLanguage(getAsset()).catch(showError));
  save.addEventListener("click", () => saveLanguage(getAsset(), onSaved).catch(showError));
  return (asset) => {
    document.getElementById("subs-none").hidden = asset.subtitles.length > 0;
    if (shown || !asset.subtitles.length) return;
    shown = true;
    const label = (s) => `${s.language} (${s.kind})` + (s.quality === "draft" ? ` · ${t("subs.draft")}` : "");
    select.replaceChildren(...asset.subtitles.map((s) => element("option", { value: s.language, text: label(s) })));
    showLanguage(asset).catch(showError);
  };
}
