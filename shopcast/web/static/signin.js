// Sign-in: a name and password, or the one-time link in the address (`#link=...`, never sent to
// the server by the browser), become a session cookie; then the role's first page opens.
import { api, homeFor, session, showError, t } from "./app.js";

const form = document.getElementById("signin-form");

function refusal(error) {
  if (error.code === "signin_throttled") return new Error(t("signin.throttled", { seconds: error.retryAfter ?? "?" }));
  if (error.code === "invalid_link") return new Error(t("signin.bad_link"));
  if (error.status === 401) return new Error(t("signin.bad_password"));
  return error;
}

async function signIn(body) {
  const signed = await api("/v1/sessions", { method: "POST", body });
  session.save(signed.csrf_token);
  location.assign(homeFor(signed.user.role));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = document.getElementById("name").value.trim();
  const password = document.getElementById("password");
  try {
    await signIn({ name, password: password.value });
  } catch (error) {
    showError(refusal(error));
    password.value = "";
    password.focus();
  }
});

// A link in the address (`#link=...`) is taken out of it at once, and used only when the visitor
// says so: a link someone else sent must not sign this browser into their account unasked.
let pendingLink = null;
const linkBox = document.getElementById("link-signin");

function takeLink() {
  const link = new URLSearchParams(location.hash.slice(1)).get("link");
  if (!link) return false;
  history.replaceState(null, "", location.pathname + location.search); // out of history and sight
  pendingLink = link;
  linkBox.hidden = false;
  document.getElementById("link-continue").focus();
  return true;
}

document.getElementById("link-continue").addEventListener("click", async () => {
  const link = pendingLink;
  pendingLink = null;
  linkBox.hidden = true;
  try {
    await signIn({ link });
  } catch (error) {
    showError(refusal(error));
  }
});

async function start() {
  if (!takeLink()) {
    const current = await session.current();
    if (current) {
      location.assign(homeFor(current.user.role));
      return;
    }
  }
  document.body.dataset.ready = "true";
}

window.addEventListener("hashchange", takeLink); // a link pasted into an open sign-in tab
start();
