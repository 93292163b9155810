// What every page module shares: the page data block, the translation catalog, and a JSON
// API client that sends the CSRF header and turns error bodies into ApiError.
import { loadCatalogFrom, t } from "../labeling/i18n.js";

export { t };

/** The page's data (rendered by labelcore.web.pages as a JSON data block). */
export function pageData() {
  loadCatalogFrom(document, "lc-i18n");
  const el = document.getElementById("lc-page-data");
  return el ? JSON.parse(el.textContent || "{}") : {};
}

export class ApiError extends Error {
  constructor(status, body, message) {
    super(message);
    this.status = status;
    this.body = body || {};
  }

  /** The problem list of a labelcore error body ([{message, code, ...}]). */
  get problems() {
    return Array.isArray(this.body.errors) ? this.body.errors : [];
  }
}

/** Call the JSON API: api(page, "POST", "/projects", {title}) -> parsed JSON (null for 204). */
export function api(page, method, path, body, extra) {
  return request(page, method, page.api + path, body, extra);
}

/** Call any labelcore URL (the pages' own JSON helpers) the same way. */
export async function request(page, method, url, body, extra) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers[page.csrfHeader || "X-CSRFToken"] = page.csrfToken || "";
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url, { method, headers: { ...headers, ...(extra || {}) }, body: payload, credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(0, null, t("The server could not be reached: {error}", { error: err.message }));
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (_e) { data = { detail: text.slice(0, 200) }; }
  }
  if (!resp.ok) throw new ApiError(resp.status, data, (data && (data.detail || data.code)) || t("Request failed ({status}).", { status: resp.status }));
  return data;
}

/** Debounce: run fn once, `ms` after the last call. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.flush = (...args) => { clearTimeout(timer); return fn(...args); };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** A random unique_id for idempotent submits (kept until the submit succeeds). */
export function newUniqueId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
