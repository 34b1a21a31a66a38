// Highlight proposals on the asset page: each with its time, score and why, a preview that plays
// it in the page's player, and one button that renders it as a vertical short (or hides it).
import { api, element, showError, t } from "./app.js";

function clock(seconds) {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

let stopPreview = null;

function preview(video, highlight) {
  if (stopPreview) video.removeEventListener("timeupdate", stopPreview);
  stopPreview = () => {
    if (video.currentTime >= highlight.end_s) {
      video.pause();
      video.removeEventListener("timeupdate", stopPreview);
      stopPreview = null;
    }
  };
  video.addEventListener("timeupdate", stopPreview);
  video.currentTime = highlight.start_s;
  video.play().catch(() => {});
}

function item(highlight, video, reload) {
  const status = element("p", { role: "status", class: "highlight-status" });
  const decide = async (action) => {
    for (const button of buttons) button.disabled = true; // one decision per highlight
    try {
      const answer = await api(`/v1/highlights/${highlight.id}/${action}`, { method: "POST", body: action === "accept" ? { aspect: "9:16" } : {} });
      status.textContent = action === "accept" ? t("hl.accepted", { clip: answer.id }) : t("hl.dismissed");
      await reload();
    } catch (error) {
      for (const button of buttons) button.disabled = false;
      showError(error);
    }
  };
  const buttons = highlight.state === "proposed"
    ? [element("button", { type: "button", class: "hl-accept", text: t("hl.accept") }),
       element("button", { type: "button", class: "hl-dismiss", text: t("hl.dismiss") })]
    : [];
  if (buttons.length) {
    buttons[0].addEventListener("click", () => decide("accept"));
    buttons[1].addEventListener("click", () => decide("dismiss"));
  }
  const play = element("button", { type: "button", class: "hl-preview", text: t("hl.preview") });
  play.addEventListener("click", () => preview(video, highlight));
  const when = `${clock(highlight.start_s)}–${clock(highlight.end_s)}`;
  return element("li", { "data-highlight-id": highlight.id, "data-state": highlight.state },
    element("strong", { text: highlight.title }),
    element("span", { text: ` ${when} · ${t("hl.score")} ${Math.round(highlight.score * 100)}` }),
    element("p", { class: "hl-reason", text: highlight.reason }),
    highlight.clip_id ? element("p", { text: t("hl.clip", { clip: highlight.clip_id }) }) : "",
    play, ...buttons, status);
}

export async function showHighlights(assetId, video) {
  const list = document.getElementById("highlights");
  const none = document.getElementById("highlights-none");
  const reload = async () => {
    const highlights = await api(`/v1/assets/${assetId}/highlights`);
    none.hidden = highlights.length > 0;
    list.replaceChildren(...highlights.map((h) => item(h, video, reload)));
  };
  await reload();
  return reload;
}
