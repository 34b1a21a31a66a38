// The go-live page's encoder panel: the RTMP server, stream key and SRT URL that OBS, PRISM or a
// hardware encoder take, with copy buttons, and the stream's state as the encoder connects.
import { api, formatTime, listAll, showError, t } from "./app.js";
import { followDestinations, refreshDestinations } from "./destinations.js";
import { followPins } from "./pins.js";

const POLL_MS = 2000;
const panel = document.getElementById("encoder-settings");
const stateBox = document.getElementById("encoder-state");
const refusedBox = document.getElementById("encoder-refused");
let watching = null; // {streamId, bookingId}
let timer = null;

function fill(id, value) {
  const box = document.getElementById(id);
  box.value = value ?? t("live.encoder.off");
  box.dataset.off = value ? "false" : "true";
}

function copyButton(box) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = t("live.copy");
  button.dataset.copyFor = box.id;
  if (box.hidden) button.hidden = true;
  button.addEventListener("click", async () => {
    box.select();
    try {
      await navigator.clipboard.writeText(box.value);
      button.textContent = t("live.copied");
    } catch {
      // No clipboard permission (plain HTTP): the text stays selected for Ctrl+C.
    }
  });
  box.after(button);
}

async function streamOf(source) {
  if (source.streamId) return api(`/v1/live-streams/${source.streamId}`);
  // A booking's stream is made by its first publish: until then there is nothing to watch.
  return (await listAll("/v1/live-streams")).find((s) => s.booking_id === source.bookingId) ?? null;
}

function showStream(stream) {
  const state = stream?.state ?? "idle";
  stateBox.dataset.state = state;
  stateBox.dataset.ingest = stream?.ingest ?? "";
  stateBox.textContent = state === "live" ? t("live.encoder.live", { ingest: stream.ingest.toUpperCase() }) : t(`live.state.${state}`);
  const refusal = stream?.health?.last_refused;
  refusedBox.hidden = !refusal;
  if (refusal) refusedBox.textContent = t("live.encoder.refused", { time: formatTime(new Date(refusal.at)), message: refusal.message });
}

async function watch() {
  try {
    const stream = await streamOf(watching);
    showStream(stream);
    followDestinations(stream?.id ?? null);
    followPins(stream?.id ?? null);
    await refreshDestinations();
  } catch (error) {
    showError(error);
  }
}

// For the chosen booking, or (null) for a new live stream made here.
export async function showEncoderSettings(booking) {
  const target = booking ?? (await api("/v1/live-streams", { method: "POST", body: { title: `Live ${formatTime(new Date())}` } }));
  fill("encoder-rtmp", target.rtmp_url);
  fill("encoder-key", target.stream_key);
  fill("encoder-srt", target.srt_url);
  fill("encoder-rtmps", target.rtmps_url);
  for (const node of document.querySelectorAll("[data-rtmps]")) node.hidden = !target.rtmps_url;
  panel.hidden = false;
  watching = booking ? { bookingId: booking.id } : { streamId: target.id };
  clearInterval(timer);
  timer = setInterval(watch, POLL_MS);
  await watch();
}

export function setUpEncoderPanel() {
  for (const box of document.querySelectorAll("[data-copyable]")) copyButton(box);
}
