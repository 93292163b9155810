// Visual tags: View, Header, Style (scoped to this labeling screen), Collapse/Panel, Filter,
// Markdown (a small safe subset, built as DOM nodes), Table (task data as text).
import { h, setStyles, toText } from "../dom.js";
import { resolve, csv } from "../config.js";
import { t } from "../i18n.js";

class Visual {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
  }
  serialize() { return []; }
  load() {}
  hotkeys() { return []; }
}

class View extends Visual {
  render(container) {
    const el = h("div", { class: "lc-view" });
    if (this.node.attrs.style) setStyles(el, this.node.attrs.style);
    if (this.node.attrs.classname) el.classList.add(...this.node.attrs.classname.split(/\s+/).filter((c) => /^[\w-]+$/.test(c)));
    this.el = el;
    container.append(el);
    this.ctx.renderChildren(this.node, el);
  }
}

class Header extends Visual {
  render(container) {
    const size = Math.min(6, Math.max(1, Number(this.node.attrs.size || 4)));
    const text = this.node.attrs.value !== undefined ? toText(resolve(this.node.attrs.value, this.ctx.data)) : this.node.text;
    const el = h(`h${size}`, { class: "lc-header" + (this.node.attrs.underline === "true" ? " lc-underline" : "") }, text);
    if (this.node.attrs.style) setStyles(el, this.node.attrs.style);
    this.el = el;
    container.append(el);
  }
}

/** Prefix every selector with the screen's scope so a config's CSS never styles the host page. */
export function scopeCss(css, scope) {
  const sheet = new CSSStyleSheet();
  const out = new CSSStyleSheet();
  try {
    sheet.replaceSync(css);
  } catch (_e) {
    return out;
  }
  const scopeSel = (sel) => sel.split(",").map((s) => {
    const x = s.trim().replace(/^(html|body|:root)\b/, "");
    return `${scope} ${x}`.trim();
  }).join(", ");
  const rewrite = (rules, into) => {
    for (const rule of Array.from(rules)) {
      if (rule instanceof CSSStyleRule) into.push(`${scopeSel(rule.selectorText)} { ${rule.style.cssText} }`);
      else if (rule instanceof CSSMediaRule) {
        const inner = [];
        rewrite(rule.cssRules, inner);
        into.push(`@media ${rule.conditionText} { ${inner.join("\n")} }`);
      }
      // @import, @font-face, @keyframes and others are dropped: no outside loads, no globals.
    }
  };
  const lines = [];
  rewrite(sheet.cssRules, lines);
  out.replaceSync(lines.join("\n"));
  return out;
}

class Style extends Visual {
  render(_container) {
    const scope = `.lc-labeling[data-lc-scope="${this.ctx.engine.scopeId}"]`;
    this.sheet = scopeCss(this.node.text || "", scope);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
    this.ctx.engine.onDestroy(() => {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== this.sheet);
    });
  }
}

class Collapse extends Visual {
  render(container) {
    const accordion = this.node.attrs.accordion !== "false";
    const el = h("div", { class: "lc-collapse" + (this.node.attrs.bordered === "true" ? " lc-bordered" : "") });
    const panels = [];
    for (const panel of this.node.children.filter((c) => c.tag === "panel")) {
      const d = h("details", { class: "lc-panel", open: panel.attrs.open === "true" }, h("summary", { class: "lc-panel-title" }, panel.attrs.value || ""));
      const body = h("div", { class: "lc-panel-body" });
      d.append(body);
      d.addEventListener("toggle", () => {
        if (accordion && d.open) panels.forEach((p) => { if (p !== d) p.open = false; });
      });
      panels.push(d);
      el.append(d);
      this.ctx.renderChildren(panel, body);
    }
    this.el = el;
    container.append(el);
  }
}

/** PagedView (what a Repeater with mode="pagination" becomes): one child at a time. */
class PagedView extends Visual {
  render(container) {
    const pages = this.node.children.map(() => h("div", { class: "lc-page-item" }));
    this.pages = pages;
    this.at = 0;
    this.info = h("span", { class: "lc-paged-info", "aria-live": "polite" });
    this.prev = h("button", { type: "button", class: "lc-btn lc-paged-prev", onclick: () => this.go(this.at - 1) }, t("Previous item"));
    this.next = h("button", { type: "button", class: "lc-btn lc-paged-next", onclick: () => this.go(this.at + 1) }, t("Next item"));
    this.el = h("div", { class: "lc-paged" }, h("div", { class: "lc-paged-nav" }, this.prev, this.info, this.next), pages);
    container.append(this.el);
    this.node.children.forEach((child, i) => this.ctx.renderChildren({ children: [child] }, pages[i]));
    this.go(0);
  }

  /** Show the page holding `el` (a control with a problem, say). */
  reveal(el) {
    const i = this.pages.findIndex((p) => p.contains(el));
    if (i >= 0) this.go(i);
  }

  go(i) {
    if (!this.pages.length) return;
    this.at = Math.max(0, Math.min(this.pages.length - 1, i));
    // a class, not `hidden`: controls on other pages still count (required is checked)
    this.pages.forEach((p, j) => p.classList.toggle("lc-page-off", j !== this.at));
    this.prev.disabled = this.at === 0;
    this.next.disabled = this.at === this.pages.length - 1;
    this.info.textContent = t("Item {n} of {total}", { n: this.at + 1, total: this.pages.length });
  }
}

class Filter extends Visual {
  render(container) {
    const a = this.node.attrs;
    this.input = h("input", { type: "search", class: "lc-input lc-filter", placeholder: a.placeholder || t("Quick filter"), "aria-label": t("Filter labels"), oninput: () => this.apply() });
    this.el = this.input;
    container.append(this.input);
  }

  apply() {
    const min = Number(this.node.attrs.minlength || 3);
    let v = this.input.value;
    if (this.node.attrs.cleanup !== "false") v = v.trim();
    for (const name of csv(this.node.attrs.toname)) {
      const ctl = this.ctx.engine.instance(name);
      if (!ctl || !("filterText" in ctl)) continue;
      ctl.filterText = v.length >= min ? v : "";
      ctl.filterCase = this.node.attrs.casesensitive === "true";
      ctl.refresh();
    }
  }

  hotkeys() {
    const key = this.node.attrs.hotkey;
    return key ? [{ key, label: t("Focus the label filter"), run: () => this.input.focus() }] : [];
  }
}

/** Markdown: headings, paragraphs, lists, **bold**, *italic*, `code` — all as DOM nodes. */
export function renderMarkdown(src, into) {
  const blocks = String(src).replace(/\r\n/g, "\n").split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split("\n").filter((l) => l.trim());
    if (!lines.length) continue;
    const hm = /^(#{1,6})\s+(.*)$/.exec(lines[0]);
    if (hm && lines.length === 1) into.append(inline(h(`h${hm[1].length}`, { class: "lc-md-h" }), hm[2]));
    else if (lines.every((l) => /^\s*[-*]\s+/.test(l))) into.append(h("ul", {}, lines.map((l) => inline(h("li"), l.replace(/^\s*[-*]\s+/, "")))));
    else if (lines.every((l) => /^\s*\d+\.\s+/.test(l))) into.append(h("ol", {}, lines.map((l) => inline(h("li"), l.replace(/^\s*\d+\.\s+/, "")))));
    else into.append(inline(h("p"), lines.join(" ")));
  }
  return into;
}

function inline(el, text) {
  const re = /(\*\*[^*]+\*\*|\*[^*]+\*|`[^`]+`)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    el.append(text.slice(last, m.index));
    const tok = m[0];
    if (tok.startsWith("**")) el.append(h("strong", {}, tok.slice(2, -2)));
    else if (tok.startsWith("`")) el.append(h("code", {}, tok.slice(1, -1)));
    else el.append(h("em", {}, tok.slice(1, -1)));
    last = m.index + tok.length;
  }
  el.append(text.slice(last));
  return el;
}

class Markdown extends Visual {
  render(container) {
    const src = this.node.attrs.value !== undefined ? toText(resolve(this.node.attrs.value, this.ctx.data)) : this.node.text;
    this.el = renderMarkdown(src, h("div", { class: "lc-markdown" }));
    if (this.node.attrs.style) setStyles(this.el, this.node.attrs.style);
    container.append(this.el);
  }
}

class Table extends Visual {
  constructor(node, ctx) {
    super(node, ctx);
    this.name = node.attrs.name;
  }

  render(container) {
    let v = resolve(this.node.attrs.value, this.ctx.data);
    if (typeof v === "string") {
      try { v = JSON.parse(v); } catch (_e) { /* keep the string */ }
    }
    const table = h("table", { class: "lc-table lc-data-table", dataset: { lcObject: this.name || "" } });
    if (Array.isArray(v) && v.every((r) => r && typeof r === "object" && !Array.isArray(r))) {
      const cols = [...new Set(v.flatMap((r) => Object.keys(r)))];
      table.append(h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, v.map((r) => h("tr", {}, cols.map((c) => h("td", {}, toText(r[c])))))));
    } else if (v && typeof v === "object") {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
      table.append(h("tbody", {}, entries.map(([k, x]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, toText(x))))));
    } else table.append(h("tbody", {}, h("tr", {}, h("td", {}, toText(v)))));
    this.el = table;
    container.append(table);
  }
}

export const view = { create: (n, c) => new View(n, c) };
export const header = { create: (n, c) => new Header(n, c) };
export const style = { create: (n, c) => new Style(n, c) };
export const collapse = { create: (n, c) => new Collapse(n, c) };
export const filter = { create: (n, c) => new Filter(n, c) };
export const markdown = { create: (n, c) => new Markdown(n, c) };
export const table = { create: (n, c) => new Table(n, c) };
export const pagedview = { create: (n, c) => new PagedView(n, c) };
