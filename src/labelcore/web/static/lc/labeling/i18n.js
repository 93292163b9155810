// Every string the labeling screen shows goes through t(). The page hands in a catalog
// (msgid -> translation) made by labelcore.web.i18n on the server; without one, English.

let catalog = {};

/** Install a translation catalog (an object mapping English msgids to translations). */
export function setCatalog(next) {
  catalog = next && typeof next === "object" ? next : {};
}

/** Translate msgid and fill {placeholders} from params. */
export function t(msgid, params) {
  let s = Object.prototype.hasOwnProperty.call(catalog, msgid) ? String(catalog[msgid]) : msgid;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(params, k) ? String(params[k]) : m));
  }
  return s;
}

/** Read a catalog from a <script type="application/json"> element, if the page has one. */
export function loadCatalogFrom(doc, id) {
  const el = doc.getElementById(id);
  if (!el) return;
  try {
    setCatalog(JSON.parse(el.textContent || "{}"));
  } catch (_err) {
    setCatalog({});
  }
}
