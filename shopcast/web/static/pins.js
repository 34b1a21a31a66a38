// The go-live page's product pins: while the stream is live, the creator or PD pins the product on
// screen now (by SKU from the catalogue, or typed in) and ends it; the show's pins are listed with
// when each began. Players of the preview, the replay and every clip show the same products.
import { api, element, showError, t } from "./app.js";

const POLL_MS = 2000;
const panel = document.getElementById("pins");
const form = document.getElementById("pin-form");
const list = document.getElementById("pin-list");
const endButton = document.getElementById("pin-end");
const skuInput = document.getElementById("pin-sku");
const catalogue = document.getElementById("pin-catalogue");
let streamId = null;
let timer = null;

function clock(seconds) {
  const s = Math.floor(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function item(pin) {
  const open = pin.end_s === null;
  return element(
    "li",
    { "data-sku": pin.sku, "data-open": String(open) },
    element("time", { text: clock(pin.start_s) }),
    ` ${pin.sku}: ${pin.name}`,
    open ? element("strong", { text: ` ${t("pin.on_screen")}` }) : "",
  );
}

async function refresh() {
  if (!streamId) return;
  const [stream, pins] = await Promise.all([
    api(`/v1/live-streams/${streamId}`),
    api(`/v1/live-streams/${streamId}/products`),
  ]);
  const live = stream.state === "live";
  for (const control of form.elements) control.disabled = !live;
  endButton.disabled = !live || !pins.products.some((p) => p.end_s === null);
  list.replaceChildren(...pins.products.map(item));
}

async function fillCatalogue() {
  const page = await api("/v1/products?limit=200");
  catalogue.replaceChildren(...page.items.map((p) => element("option", { value: p.sku, text: p.name })));
}

export function followPins(id) {
  if (id === streamId) return;
  streamId = id;
  panel.hidden = !id;
  clearInterval(timer);
  if (!id) return;
  fillCatalogue().catch(() => undefined); // partners and empty catalogues: type the product in
  timer = setInterval(() => refresh().catch(showError), POLL_MS);
  refresh().catch(showError);
}

async function pin(event) {
  event.preventDefault();
  const body = { sku: skuInput.value.trim() };
  for (const field of ["name", "price", "url"]) {
    const value = document.getElementById(`pin-${field}`).value.trim();
    if (value) body[field] = field === "price" ? Number(value) : value;
  }
  await api(`/v1/live-streams/${streamId}/products`, { method: "POST", body });
  form.reset();
  await refresh();
}

form.addEventListener("submit", (event) => pin(event).catch(showError));
endButton.addEventListener("click", () =>
  api(`/v1/live-streams/${streamId}/products/current`, { method: "DELETE" }).then(refresh).catch(showError),
);
