// Small DOM helpers. Everything that comes from a task or a config goes in as text
// (Node.append(string) / textContent), never as HTML.

/** Create an element: h("button", {class: "lc-x", onclick: fn}, "text", childNode). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = String(v);
    else if (k === "style") setStyles(el, v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Apply styles through the CSSOM (allowed by a strict CSP, unlike style="" markup). */
export function setStyles(el, styles) {
  if (!styles) return;
  if (typeof styles === "string") {
    for (const decl of styles.split(";")) {
      const i = decl.indexOf(":");
      if (i < 0) continue;
      const prop = decl.slice(0, i).trim().toLowerCase();
      const value = decl.slice(i + 1).trim();
      if (!prop || /url\s*\(|expression\s*\(/i.test(value)) continue;
      el.style.setProperty(prop, value);
    }
    return;
  }
  for (const [k, v] of Object.entries(styles)) el.style.setProperty(k, String(v));
}

/** A random region/result id like Label Studio's (10 characters). */
export function uid() {
  const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => abc[b & 63]).join("");
}

/** Remove every child of an element. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** A display string for any task value (objects as JSON), inserted later as text. */
export function toText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Colors from configs are data: accept only simple color syntaxes. */
export function safeColor(value, fallback) {
  if (typeof value !== "string") return fallback;
  const v = value.trim();
  if (/^#[0-9a-f]{3,8}$/i.test(v) || /^[a-z]{3,20}$/i.test(v)) return v;
  if (/^(rgb|rgba|hsl|hsla)\([\d\s.,%]+\)$/i.test(v)) return v;
  return fallback;
}

export function isTrue(v) {
  return v === true || v === "true" || v === "1" || v === "yes";
}

/** A path on this site: "/..." but not "//host", "/\host" or "/<tab>/host" (browsers read a
 * backslash as a slash and drop tabs and newlines in URLs, so all name another host). */
export function isSitePath(url) {
  if (typeof url !== "string") return false;
  const u = url.replace(/[\t\n\r]/g, "");
  return u.startsWith("/") && !/^\/[\/\\]/.test(u);
}
