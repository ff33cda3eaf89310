// The native API, called with the signed-in key.  The key lives in sessionStorage only (this tab,
// forgotten when it closes); it never goes into the URL, a cookie or localStorage.

const STORAGE_KEY = "billstats.apiKey";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.problems = error.problems || [];
  }
}

export function storedKey() {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeKey(key) {
  sessionStorage.setItem(STORAGE_KEY, key.trim());
}

export function forgetKey() {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * A key handed over in the URL fragment (`/dashboard#key=<token>`, as printed by `billstats
 * demo`): stored in the session, then removed from the address bar and the history entry.
 */
export function takeKeyFromFragment() {
  if (!location.hash) return false;
  const fragment = new URLSearchParams(location.hash.slice(1));
  const key = fragment.get("key");
  history.replaceState(null, "", location.pathname + location.search);
  if (!key) return false;
  storeKey(key);
  return true;
}

/** The URL of an API path relative to the page (works behind a path prefix). */
export function apiUrl(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  return url;
}

async function request(path, params, signal) {
  const key = storedKey();
  if (!key) throw new ApiError(401, { error: { code: "unauthorized", message: "not signed in" } });
  const response = await fetch(apiUrl(path, params), {
    headers: { Authorization: `Bearer ${key}` },
    cache: "no-store",
    signal,
  });
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  return response;
}

export async function getJSON(path, params = {}, signal = undefined) {
  return (await request(path, params, signal)).json();
}

export async function getBlob(path, params = {}, signal = undefined) {
  return (await request(path, params, signal)).blob();
}

/** Every page of a cursor-paginated listing (`/v1/products`...), up to `max` records. */
export async function listAll(path, params = {}, signal = undefined, max = 5000) {
  const out = [];
  let cursor = null;
  do {
    const page = await getJSON(path, { ...params, limit: 500, cursor }, signal);
    out.push(...page.data);
    cursor = page.has_more ? page.next_cursor : null;
  } while (cursor && out.length < max);
  return out;
}
