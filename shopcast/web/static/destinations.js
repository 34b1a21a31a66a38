// The go-live page's restream destinations: the shopping platforms this stream is pushed to while
// live, each with its state, and a form to add one (the platform's RTMP(S) or SRT URL with its key).
import { api, element, showError, t } from "./app.js";

const list = document.getElementById("destinations");
const form = document.getElementById("destination-form");
let streamId = null;

function item(destination) {
  const state = element("strong", { "data-state": destination.state, text: t(`destination.state.${destination.state}`) });
  const toggle = element("button", { type: "button", text: destination.enabled ? t("destination.disable") : t("destination.enable") });
  toggle.addEventListener("click", () =>
    api(`/v1/live-streams/${streamId}/destinations/${destination.id}`, { method: "PATCH", body: { enabled: !destination.enabled } })
      .then(refreshDestinations)
      .catch(showError),
  );
  const details = destination.last_error && destination.state !== "live" ? ` (${destination.last_error})` : "";
  return element(
    "li",
    { "data-destination-id": destination.id },
    `${destination.name}: `,
    element("code", { text: destination.url_masked }),
    " ",
    state,
    details,
    ` ${t("destination.reconnects", { count: destination.reconnects })} `,
    toggle,
  );
}

export async function refreshDestinations() {
  if (!streamId) return;
  const destinations = await api(`/v1/live-streams/${streamId}/destinations`);
  list.replaceChildren(...destinations.map(item));
}

export function followDestinations(id) {
  streamId = id;
  form.hidden = !id;
}

async function add(event) {
  event.preventDefault();
  const body = {
    name: document.getElementById("destination-name").value,
    url: document.getElementById("destination-url").value,
    save: document.getElementById("destination-save").checked,
  };
  await api(`/v1/live-streams/${streamId}/destinations`, { method: "POST", body });
  form.reset();
  await refreshDestinations();
}

form.addEventListener("submit", (event) => add(event).catch(showError));
