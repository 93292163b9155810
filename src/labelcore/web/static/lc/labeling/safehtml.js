// HyperText arrives sanitized by the server (labelcore.sanitize, nh3). As a second line we
// never hand it to the live page: it is parsed into a detached <template> (inert: nothing
// loads, no script or handler runs, no style applies), and only allow-listed elements and
// attributes are copied over as new nodes.

const KEEP = new Set("a abbr b blockquote br caption cite code dd del div dl dt em h1 h2 h3 h4 h5 h6 hr i ins kbd li mark ol p pre q s small span strong sub sup table tbody td tfoot th thead tr u ul".split(" "));
const DROP = new Set("script style template iframe frame frameset object embed noscript svg math link meta base form input button textarea select option audio video source track canvas".split(" "));
const ATTRS = { a: ["href", "title"], td: ["colspan", "rowspan"], th: ["colspan", "rowspan"], "*": ["title"] };

/** Is this URL safe to put in an href? (http, https, mailto, or relative) */
export function safeHref(url) {
  const v = String(url || "").trim();
  if (!v) return false;
  // Strip control characters and whitespace that browsers ignore inside schemes.
  const squeezed = v.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(squeezed);
  if (!m) return !squeezed.startsWith("//");
  return ["http", "https", "mailto"].includes(m[1].toLowerCase());
}

/** Copy sanitized HTML into `target` as fresh nodes; returns target. */
export function renderSafeHTML(html, target) {
  const tpl = document.createElement("template");
  tpl.innerHTML = String(html ?? "");
  copyChildren(tpl.content, target, 0);
  return target;
}

function copyChildren(src, dst, depth) {
  if (depth > 60) return;
  for (const n of Array.from(src.childNodes)) {
    if (n.nodeType === Node.TEXT_NODE) dst.append(document.createTextNode(n.data));
    else if (n.nodeType === Node.ELEMENT_NODE) {
      const tag = n.tagName.toLowerCase();
      if (DROP.has(tag)) continue;
      if (!KEEP.has(tag)) {
        copyChildren(n, dst, depth + 1);
        continue;
      }
      const el = document.createElement(tag);
      const allowed = (ATTRS[tag] || []).concat(ATTRS["*"]);
      for (const name of allowed) {
        const v = n.getAttribute(name);
        if (v === null) continue;
        if (name === "href") {
          if (!safeHref(v)) continue;
          el.setAttribute("rel", "noopener noreferrer nofollow");
          el.setAttribute("target", "_blank");
        }
        el.setAttribute(name, v);
      }
      copyChildren(n, el, depth + 1);
      dst.append(el);
    }
  }
}
