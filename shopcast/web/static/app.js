// What every page shares: the token (sessionStorage only, so it dies with the tab), API calls that
// turn `{"error": {code, message}}` into exceptions, the page's messages, and role-aware navigation.

const TOKEN_KEY = "shopcast.token";
const MESSAGES = JSON.parse(document.getElementById("messages").textContent);

export function t(key, values = {}) {
  const text = MESSAGES[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  save: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
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
  return new ApiError(response.status, code, message);
}

export function authHeaders(token = session.token()) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

// JSON in and out; `body` objects are sent as JSON, strings as they are.
export async function api(path, { method = "GET", body, headers = {}, token } = {}) {
  const init = { method, headers: { ...authHeaders(token ?? session.token()), ...headers } };
  if (body !== undefined && typeof body !== "string") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await errorOf(response);
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
  document.getElementById("signout").addEventListener("click", () => {
    session.clear();
    location.assign("/web/");
  });
}

// Resolves to the signed-in user ({id, name, role}) or sends the visitor to the sign-in page.
export async function signedIn() {
  if (!session.token()) {
    location.assign("/web/");
    return new Promise(() => {});
  }
  let me;
  try {
    me = await api("/v1/me");
  } catch (error) {
    if (error.status === 401) {
      session.clear();
      location.assign("/web/");
      return new Promise(() => {});
    }
    throw error;
  }
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
