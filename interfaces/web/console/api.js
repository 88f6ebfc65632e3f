// The console's only way to the server: the REST contract, with the pasted token.
const KEY = "lottery.token";

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || "http_" + status;
    this.details = e.details || {};
  }
  get problems() { return Array.isArray(this.details.problems) ? this.details.problems : []; }
  // refusesToken: the token itself is of no use here, so the user must sign in again. That is
  // every 401, and a 403 whose details.scope is "route" (the token lacks a role the whole
  // route needs). Any other 403 refuses one action on one object, e.g. an admin approving
  // an activity they created: it is shown at that action and the user stays signed in.
  get refusesToken() { return this.status === 401 || (this.status === 403 && this.details.scope === "route"); }
}

let onAuthFailure = () => {};
export function setAuthFailureHandler(fn) { onAuthFailure = fn; }

export function token() { return sessionStorage.getItem(KEY) || ""; }
export function setToken(t) { sessionStorage.setItem(KEY, t); }
export function clearToken() { sessionStorage.removeItem(KEY); }

// claims decodes the JWT payload for display only; the server checks the signature.
export function claims(t = token()) {
  const part = t.split(".")[1];
  if (!part) throw new Error("this is not a JWT: it needs three dot-separated parts");
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  const c = JSON.parse(json);
  if (!Array.isArray(c.roles)) c.roles = [];
  return c;
}

export function isAdmin() {
  try { return claims().roles.includes("admin"); } catch { return false; }
}

// subject is who the token says the user is ("sub"), as the server records it in created_by.
export function subject() {
  try { return String(claims().sub || ""); } catch { return ""; }
}

// download fetches a file the API serves (a CSV export) and returns it with the name the
// server gave it; a refusal arrives as the same ApiError as api()'s.
export async function download(path) {
  const resp = await fetch("/api/v1" + path, { headers: { Authorization: "Bearer " + token() } });
  if (!resp.ok) {
    const json = (resp.headers.get("Content-Type") || "").startsWith("application/json");
    const err = new ApiError(resp.status, json ? await resp.json() : null);
    if (err.refusesToken) onAuthFailure(err);
    throw err;
  }
  const name = ((resp.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/) || [])[1] || "download";
  return { blob: await resp.blob(), name, headers: resp.headers };
}

export async function api(method, path, body, contentType) {
  const headers = { Authorization: "Bearer " + token(), Accept: "application/json" };
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType || "application/json";
    payload = contentType ? body : JSON.stringify(body);
  }
  const resp = await fetch("/api/v1" + path, { method, headers, body: payload });
  let data = null;
  if ((resp.headers.get("Content-Type") || "").startsWith("application/json")) data = await resp.json();
  if (!resp.ok) {
    const err = new ApiError(resp.status, data);
    if (err.refusesToken) onAuthFailure(err);
    throw err;
  }
  return data;
}

// apiAll reads every page of a list (GET path?limit=100&cursor=…) and returns all items:
// for the pickers and lists that must show every award, not the first hundred.
export async function apiAll(path) {
  const items = [];
  let cursor = "";
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", `${path}${sep}limit=100${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor || "";
  } while (cursor);
  return { items };
}
