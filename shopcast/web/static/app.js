// What every page shares: the session (an HttpOnly cookie the page never sees, and its CSRF token,
// kept in sessionStorage and sent as X-CSRF-Token), API calls that turn `{"error": {code, message}}`
// into exceptions, the page's messages, and role-aware navigation.

const CSRF_KEY = "shopcast.csrf";
const MESSAGES = JSON.parse(document.getElementById("messages").textContent);

export function t(key, values = {}) {
  const text = MESSAGES[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export const session = {
  csrf: () => sessionStorage.getItem(CSRF_KEY),
  save: (csrf) => sessionStorage.setItem(CSRF_KEY, csrf),
  clear: () => sessionStorage.removeItem(CSRF_KEY),
  // The signed-in session ({id, user, csrf_token, expires_at}), or null when signed out.
  async current() {
    try {
      const current = await api("/v1/sessions/current");
      session.save(current.csrf_token);
      return current;
    } catch (error) {
      if (error.status !== 401) throw error;
      session.clear();
      return null;
    }
  },
};

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export async function errorOf(response) {
  let code = `http_${response.status}`;
  let message = response.statusText;
  try {
    const body = await response.json();
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, code, message, response.headers.get("Retry-After"));
}

// The cookie goes by itself; a change must also show the session's CSRF token.
export function authHeaders() {
  const csrf = session.csrf();
  return csrf ? { "X-CSRF-Token": csrf } : {};
}

// JSON in and out; `body` objects are sent as JSON, strings as they are. A change refused for a
// stale CSRF token (someone signed in again in another tab) is sent once more with the current one.
export async function api(path, { method = "GET", body, headers = {} } = {}, retried = false) {
  const init = { method, headers: { ...authHeaders(), ...headers } };
  if (body !== undefined && typeof body !== "string") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    const error = await errorOf(response);
    if (error.code === "csrf_failed" && !retried && (await session.current())) {
      return api(path, { method, body, headers }, true);
    }
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

export async function listAll(path) {
  const items = [];
  let cursor = null;
  do {
    const joiner = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${joiner}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

export function showError(error) {
  const box = document.getElementById("page-error");
  box.textContent = t("error.generic", { message: error.message });
  box.hidden = false;
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

export function stateLabel(state) {
  return t(`state.${state}`);
}

function showNavigation(me) {
  const nav = document.getElementById("nav");
  for (const item of nav.querySelectorAll("li[data-roles]")) {
    item.hidden = !item.dataset.roles.split(" ").includes(me.role);
  }
  nav.hidden = false;
  document.getElementById("whoami").textContent = t("signin.as", { name: me.name, role: t(`role.${me.role}`) });
  document.getElementById("signout").addEventListener("click", async () => {
    try {
      await api("/v1/sessions/current", { method: "DELETE" });
    } catch (error) {
      if (error.status !== 401) {
        showError(error); // still signed in: say so rather than pretend
        return;
      }
    }
    session.clear();
    location.assign("/web/");
  });
}

// Resolves to the signed-in user ({id, name, role}) or sends the visitor to the sign-in page.
export async function signedIn() {
  const current = await session.current();
  if (!current) {
    location.assign("/web/");
    return new Promise(() => {});
  }
  const me = current.user;
  showNavigation(me);
  const allowed = document.body.dataset.roles.split(" ").filter(Boolean);
  if (allowed.length && !allowed.includes(me.role)) showError(new Error(t("error.forbidden_page")));
  return me;
}

export function homeFor(role) {
  return { creator: "/web/book", pd: "/web/assets", partner: "/web/partner", admin: "/web/assets" }[role];
}

export function formatTime(date) {
  return date.toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" });
}
