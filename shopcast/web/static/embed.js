// The shoppable embed player: plays the signed HLS with the vendored hls.js (or the browser's own
// HLS), shows the cards of the products on screen at the playhead, lists every product with a jump
// to its moment, and sends beacons for the stats. Every request goes to this page's own origin.
import { startHls } from "./player.js";

const config = JSON.parse(document.getElementById("embed-config").textContent);
const messages = JSON.parse(document.getElementById("embed-messages").textContent);
const video = document.getElementById("embed-video");
const cardsBox = document.getElementById("cards");
const list = document.getElementById("product-list");
const captionsButton = document.getElementById("captions");
const PROGRESS_EVERY_S = 5;

const session = viewerSession();
const shown = new Set(); // SKUs whose impression this page has sent
let lastProgressAt = 0;
let lastPosition = 0;
let played = false;

function viewerSession() {
  // One viewer session per page load: a reload is a new one (no storage a browser may partition).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Beacons gather for up to a second and go as one batch (the server's cost is per request); a click
// goes at once, with what gathered before it, since the viewer may be leaving for the shop.
const FLUSH_AFTER_MS = 1000;
const BATCH_MAX = 20;
let pending = [];
let flushTimer = null;

function beacon(type, atS, sku) {
  const body = { token: config.token, type, session, at_s: Math.max(0, atS || 0), sku: sku || null };
  body[`${config.kind}_id`] = config.id;
  pending.push(body);
  if (type === "product_click" || pending.length >= BATCH_MAX) flush();
  else if (flushTimer === null) flushTimer = setTimeout(flush, FLUSH_AFTER_MS);
}

function flush() {
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushTimer = null;
  if (pending.length === 0) return;
  const beacons = pending.splice(0, BATCH_MAX);
  fetch(config.beacons, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ beacons }),
    keepalive: true,
  }).catch(() => undefined); // stats are best effort: the viewer never sees a failed beacon
  if (pending.length > 0) flush();
}

addEventListener("pagehide", flush);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") flush();
});

function price(product) {
  if (product.price == null) return "";
  if (!product.currency) return String(product.price);
  try {
    return new Intl.NumberFormat(document.documentElement.lang, { style: "currency", currency: product.currency }).format(product.price);
  } catch {
    return `${product.price} ${product.currency}`;
  }
}

function clock(seconds) {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function picture(product) {
  if (!product.image_url) return null;
  const img = document.createElement("img");
  Object.assign(img, { src: product.image_url, alt: "", loading: "lazy", referrerPolicy: "no-referrer" });
  return img;
}

function buyLink(product) {
  if (!product.url) return null;
  const link = document.createElement("a");
  Object.assign(link, { href: product.url, target: "_blank", rel: "noopener noreferrer", className: "buy" });
  link.textContent = messages["embed.buy"];
  link.setAttribute("aria-label", `${messages["embed.buy"]}: ${product.name}`);
  link.addEventListener("click", () => beacon("product_click", video.currentTime, product.sku));
  return link;
}

function card(product) {
  const box = document.createElement("article");
  box.className = "card";
  box.dataset.sku = product.sku;
  const text = document.createElement("div");
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = product.name;
  const cost = document.createElement("div");
  cost.className = "price";
  cost.textContent = price(product);
  text.append(name, cost);
  const link = buyLink(product);
  if (link) text.append(link);
  box.append(...[picture(product), text].filter(Boolean));
  return box;
}

function listItem(product) {
  const item = document.createElement("li");
  item.dataset.sku = product.sku;
  const jump = document.createElement("button");
  jump.type = "button";
  jump.className = "jump";
  jump.setAttribute("aria-label", `${product.name}, ${messages["embed.jump"].replace("{time}", clock(product.start_s))}`);
  jump.append(product.name);
  const at = document.createElement("span");
  at.className = "at";
  at.textContent = `${clock(product.start_s)} · ${price(product)}`;
  jump.append(at);
  jump.addEventListener("click", () => {
    video.currentTime = product.start_s + 0.01;
    video.play().catch(() => undefined);
  });
  item.append(...[picture(product), jump, buyLink(product)].filter(Boolean));
  return item;
}

function onScreen(t) {
  return config.products.filter((p) => p.start_s <= t && t < p.end_s);
}

function showCards() {
  const current = onScreen(video.currentTime);
  const skus = current.map((p) => p.sku).join(" ");
  if (cardsBox.dataset.skus === skus) return;
  cardsBox.dataset.skus = skus;
  cardsBox.replaceChildren(...current.map(card));
  for (const item of list.children) item.dataset.current = String(current.some((p) => p.sku === item.dataset.sku));
  for (const product of current) {
    if (shown.has(product.sku)) continue;
    shown.add(product.sku);
    beacon("product_impression", video.currentTime, product.sku);
  }
}

function sendProgress() {
  lastProgressAt = video.currentTime;
  beacon("progress", video.currentTime);
}

function attach() {
  if (window.Hls?.isSupported()) {
    startHls(video, config.hls, () => { document.getElementById("embed-error").hidden = false; });
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = config.hls;
  } else {
    document.getElementById("embed-error").hidden = false;
  }
}

function setUpCaptions() {
  if (!config.captions.length) return;
  config.captions.forEach((caption, index) => {
    const track = document.createElement("track");
    Object.assign(track, { kind: "subtitles", srclang: caption.language, label: caption.language, src: caption.url });
    track.default = index === 0 && caption.language === document.documentElement.lang;
    video.append(track);
  });
  captionsButton.hidden = false;
  const sync = () => {
    const on = Array.from(video.textTracks).some((track) => track.mode === "showing");
    captionsButton.setAttribute("aria-pressed", String(on));
  };
  captionsButton.addEventListener("click", () => {
    const on = captionsButton.getAttribute("aria-pressed") !== "true";
    const tracks = Array.from(video.textTracks);
    const wanted = tracks.find((track) => track.language === document.documentElement.lang) || tracks[0];
    for (const track of tracks) track.mode = on && track === wanted ? "showing" : "disabled";
    sync();
  });
  video.textTracks.addEventListener("change", sync);
  sync();
}

function listen() {
  video.addEventListener("playing", () => {
    // the first play counts the play; later ones (after a pause or a seek) re-anchor watch time
    played = true;
    beacon("play", video.currentTime);
  });
  video.addEventListener("timeupdate", () => {
    showCards();
    if (!video.paused && video.currentTime - lastProgressAt >= PROGRESS_EVERY_S) sendProgress();
    if (!video.seeking) lastPosition = video.currentTime;
  });
  video.addEventListener("seeking", () => {
    showCards();
    if (played) beacon("progress", lastPosition); // what was watched up to the seek
  });
  video.addEventListener("seeked", () => {
    lastProgressAt = video.currentTime;
    showCards();
  });
  video.addEventListener("pause", () => {
    if (!video.seeking) sendProgress();
  });
  video.addEventListener("ended", sendProgress);
}

function main() {
  if (config.poster) video.poster = config.poster;
  list.replaceChildren(...config.products.map(listItem));
  document.querySelector(".list").hidden = config.products.length === 0;
  setUpCaptions();
  listen();
  attach();
  showCards();
  beacon("view", 0);
  document.body.dataset.ready = "true";
}

main();
