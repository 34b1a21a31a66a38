// Account: change one's password (every other browser is signed out; this one gets a new
// session), and see and end the browsers signed in as oneself.
import { api, element, formatTime, showError, signedIn, t } from "./app.js";

const list = document.getElementById("sessions");

function sessionItem(item) {
  const seen = t("account.seen", { time: formatTime(new Date(item.last_seen_at)), address: item.address });
  const children = [element("span", { text: item.user_agent || t("account.unknown_browser") }), " ", element("span", { text: seen })];
  if (item.current) {
    children.push(" ", element("strong", { text: t("account.this_browser") }));
  } else {
    const end = element("button", { type: "button", text: t("account.end") });
    end.addEventListener("click", async () => {
      try {
        await api(`/v1/sessions/${item.id}`, { method: "DELETE" });
        await draw();
      } catch (error) {
        showError(error);
      }
    });
    children.push(" ", end);
  }
  return element("li", { "data-session-id": item.id, "data-current": String(item.current) }, ...children);
}

async function draw() {
  const { items } = await api("/v1/sessions");
  list.replaceChildren(...items.map(sessionItem));
}

document.getElementById("password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const current = document.getElementById("current-password");
  const next = document.getElementById("new-password");
  const done = document.getElementById("password-done");
  done.hidden = true;
  try {
    await api("/v1/me/password", { method: "PUT", body: { current_password: current.value, new_password: next.value } });
    current.value = "";
    next.value = "";
    done.hidden = false;
    await draw();
  } catch (error) {
    showError(error.status === 401 ? new Error(t("account.wrong_current")) : error);
  }
});

async function main() {
  await signedIn();
  await draw();
  document.body.dataset.ready = "true";
}

main().catch(showError);
