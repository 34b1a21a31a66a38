// Sign-in: check the token with GET /v1/me before keeping it, then open the role's first page.
import { api, homeFor, session, showError, t } from "./app.js";

const form = document.getElementById("signin-form");
const input = document.getElementById("token");

async function enter(token) {
  const me = await api("/v1/me", { token });
  session.save(token);
  location.assign(homeFor(me.role));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await enter(input.value.trim());
  } catch (error) {
    showError(error.status === 401 ? new Error(t("signin.bad_token")) : error);
    input.focus();
  }
});

if (session.token()) enter(session.token()).catch(() => session.clear());
