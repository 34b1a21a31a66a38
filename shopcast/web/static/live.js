// Go live: publish the chosen camera and microphone over WHIP (RFC 9725). The server takes no
// trickled candidates, so the offer is sent once ICE gathering is complete.
import { api, element, errorOf, formatTime, listAll, showError, signedIn, t } from "./app.js";
import { setUpEncoderPanel, showEncoderSettings } from "./encoder.js";
import { followPins } from "./pins.js";

const NEW_STREAM = "new";
const GATHERING_LIMIT_MS = 5000;
const sourceSelect = document.getElementById("stream-source");
const cameraSelect = document.getElementById("camera");
const microphoneSelect = document.getElementById("microphone");
const preview = document.getElementById("preview");
const goLive = document.getElementById("go-live");
const stopLive = document.getElementById("stop-live");
const stateBox = document.getElementById("connection-state");
const messageBox = document.getElementById("live-message");
const timerBox = document.getElementById("live-timer");

let bookings = [];
let media = null;
let deviceProblem = ""; // why no camera or microphone could be opened, shown until one is
let live = null; // {pc, resource, key, streamId, bookingId, timer}

function showState(state) {
  stateBox.dataset.state = state;
  stateBox.textContent = t(`live.state.${state}`);
}

function showMessage(text) {
  messageBox.textContent = text;
  messageBox.hidden = !text;
}

async function openDevices() {
  media?.getTracks().forEach((track) => track.stop());
  const wanted = (select) => (select.value ? { deviceId: { exact: select.value } } : true);
  media = await navigator.mediaDevices.getUserMedia({ video: wanted(cameraSelect), audio: wanted(microphoneSelect) });
  deviceProblem = "";
  preview.srcObject = media;
  // A device changed while live goes on air in place of the old one, on the same connection.
  for (const sender of live?.pc.getSenders() ?? []) {
    const track = media.getTracks().find((candidate) => candidate.kind === sender.track?.kind);
    if (track) await sender.replaceTrack(track);
  }
}

async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const fill = (select, kind) => {
    const found = devices.filter((d) => d.kind === kind);
    select.replaceChildren(...found.map((d, i) => element("option", { value: d.deviceId, text: d.label || `${kind} ${i + 1}` })));
  };
  fill(cameraSelect, "videoinput");
  fill(microphoneSelect, "audioinput");
}

async function listSources() {
  const soon = Date.now() + 7 * 24 * 3600 * 1000; // this week's bookings, and any live stream
  bookings = (await listAll("/v1/bookings")).filter(
    (b) => b.state === "confirmed" && new Date(b.stream_key_valid_until) > new Date() && new Date(b.starts_at) < soon,
  );
  const options = bookings.map((b) =>
    element("option", { value: b.id, text: t("live.booking", { start: formatTime(new Date(b.starts_at)), end: formatTime(new Date(b.ends_at)) }) }),
  );
  sourceSelect.replaceChildren(...options, element("option", { value: NEW_STREAM, text: t("live.new_stream") }));
}

// A booking's key works only in its window: say so before the server would refuse with 403.
function checkWindow() {
  const booking = bookings.find((b) => b.id === sourceSelect.value);
  const now = new Date();
  const outside = booking && (now < new Date(booking.stream_key_valid_from) || now > new Date(booking.stream_key_valid_until));
  showMessage(outside ? t("live.outside_window") : deviceProblem);
  goLive.disabled = Boolean(outside) || !media || Boolean(live);
}

async function streamKey() {
  const booking = bookings.find((b) => b.id === sourceSelect.value);
  if (booking) return { key: booking.stream_key, bookingId: booking.id, streamId: null };
  const stream = await api("/v1/live-streams", { method: "POST", body: { title: `Live ${formatTime(new Date())}` } });
  return { key: stream.stream_key, bookingId: null, streamId: stream.id };
}

function gatheringComplete(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => pc.iceGatheringState === "complete" && resolve();
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, GATHERING_LIMIT_MS);
  });
}

// H.264 streams get a low-latency preview HLS for the PD's monitor, VP8 ones do not; the server
// answers with the first codec of the offer that it records, so constrained baseline goes first.
function preferH264(transceiver) {
  const codecs = RTCRtpSender.getCapabilities("video")?.codecs ?? [];
  const rank = (c) => {
    if (c.mimeType !== "video/H264") return 2;
    return /profile-level-id=42e0/.test(c.sdpFmtpLine ?? "") && /packetization-mode=1/.test(c.sdpFmtpLine ?? "") ? 0 : 1;
  };
  if (codecs.some((c) => rank(c) === 0)) transceiver.setCodecPreferences([...codecs].sort((a, b) => rank(a) - rank(b)));
}

const REFUSALS = { 401: "live.unknown_key", 403: "live.outside_window", 409: "live.already_live" };

async function offer(pc, key) {
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc);
  const response = await fetch("/v1/live/whip", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/sdp" },
    body: pc.localDescription.sdp,
  });
  if (!response.ok) throw await errorOf(response);
  await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  return new URL(response.headers.get("Location"), location.href).href;
}

function startTimer() {
  const began = Date.now();
  const tick = () => {
    const seconds = Math.floor((Date.now() - began) / 1000);
    timerBox.textContent = `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
    timerBox.dateTime = `PT${seconds}S`;
  };
  tick();
  return setInterval(tick, 500);
}

function watchConnection(pc) {
  pc.addEventListener("connectionstatechange", () => {
    if (pc.connectionState === "connected") {
      showState("live");
      live.timer ??= startTimer();
      recordingOf(live).then((stream) => followPins(stream?.id ?? null)).catch(showError);
    } else if (pc.connectionState === "failed") {
      showState("failed");
    }
  });
}

async function start(event) {
  event.preventDefault();
  showMessage("");
  goLive.disabled = true;
  showState("connecting");
  try {
    const source = await streamKey();
    const pc = new RTCPeerConnection({ iceServers: [] });
    live = { pc, ...source, timer: null };
    watchConnection(pc);
    for (const track of media.getTracks()) {
      const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [media] });
      if (track.kind === "video") preferH264(transceiver);
    }
    live.resource = await offer(pc, source.key);
    stopLive.disabled = false;
  } catch (error) {
    live?.pc.close();
    live = null;
    showState("idle");
    checkWindow();
    showMessage(REFUSALS[error.status] ? t(REFUSALS[error.status]) : t("error.generic", { message: error.message }));
  }
}

async function recordingOf(session) {
  const streams = await listAll("/v1/live-streams");
  return streams.find((s) => s.id === session.streamId || (session.bookingId && s.booking_id === session.bookingId));
}

async function showRecording(session) {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const stream = await recordingOf(session);
    if (stream?.asset_id) {
      const link = element("a", { href: `/web/assets/${stream.asset_id}`, "data-asset-id": stream.asset_id, text: stream.title ?? stream.asset_id });
      const [before, after] = t("live.recording", { link: "\u0000" }).split("\u0000");
      document.getElementById("recording").replaceChildren(before, link, after);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function stop() {
  const session = live;
  live = null;
  stopLive.disabled = true;
  clearInterval(session.timer);
  try {
    await fetch(session.resource, { method: "DELETE", headers: { Authorization: `Bearer ${session.key}` } });
  } finally {
    session.pc.close();
    showState("ended");
    checkWindow();
  }
  await showRecording(session);
}

async function main() {
  await signedIn();
  await listSources();
  try {
    await openDevices();
    await listDevices();
  } catch (error) {
    media = null;
    deviceProblem = t("live.no_devices", { message: error.message });
  }
  sourceSelect.addEventListener("change", checkWindow);
  checkWindow();
  cameraSelect.addEventListener("change", () => openDevices().catch(showError));
  microphoneSelect.addEventListener("change", () => openDevices().catch(showError));
  document.getElementById("live-form").addEventListener("submit", start);
  stopLive.addEventListener("click", () => stop().catch(showError));
  setUpEncoderPanel();
  document.getElementById("encoder-show").addEventListener("click", () =>
    showEncoderSettings(bookings.find((b) => b.id === sourceSelect.value) ?? null).catch(showError),
  );
  document.body.dataset.ready = "true";
}

main().catch(showError);
