// Text and HyperText objects: span regions made with Labels / HyperTextLabels.
import { h } from "../dom.js";
import { resolve } from "../config.js";
import { t } from "../i18n.js";
import { SpanObject, cpLen } from "../spans.js";
import { renderSafeHTML } from "../safehtml.js";

function decode(value, encoding) {
  try {
    if (encoding === "base64") return atob(value);
    if (encoding === "base64unicode") return new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
  } catch (_e) {
    return value;
  }
  return value;
}

class TextObject extends SpanObject {
  constructor(node, ctx) {
    super(node, ctx);
    const raw = resolve(node.attrs.value, ctx.data);
    let text = raw === undefined || raw === null ? "" : Array.isArray(raw) ? raw.join("\n") : typeof raw === "object" ? JSON.stringify(raw) : String(raw);
    text = decode(text, node.attrs.encoding);
    this.text = text;
    this.saveText = node.attrs.savetextresult !== "no" && node.attrs.valuetype !== "url";
    this.loadError = "";
  }

  render(container) {
    super.render(container);
    this.box.classList.add("lc-text-plain");
    if (this.node.attrs.valuetype === "url" && this.text) this.fetchText(this.text);
  }

  async fetchText(url) {
    const shown = this.text;
    this.text = "";
    this.refresh();
    try {
      const resp = await fetch(url, { credentials: "same-origin" });
      if (!resp.ok) throw new Error(String(resp.status));
      this.text = await resp.text();
    } catch (_e) {
      this.loadError = t("Could not load the text from {url}.", { url: shown });
      this.engine.notify(this.loadError);
    }
    this.refresh();
  }

  buildBase(root) {
    const node = document.createTextNode(this.text);
    root.append(node);
    return [{ node, g0: 0, len: cpLen(this.text) }];
  }

  toValue(a, b) {
    const v = { start: a, end: b };
    if (this.saveText) v.text = this.textOf(a, b);
    return v;
  }

  fromValue(v) {
    if (!v || typeof v.start !== "number" || typeof v.end !== "number") return null;
    return [v.start, v.end];
  }
}

class HyperTextObject extends SpanObject {
  constructor(node, ctx) {
    super(node, ctx);
    const raw = resolve(node.attrs.value, ctx.data);
    this.html = raw === undefined || raw === null ? "" : String(raw);
    this.saveText = node.attrs.savetextresult !== "no";
    this.collapsesSpace = true; // HTML white space collapses: see SpanObject.decoratePiece
  }

  render(container) {
    super.render(container);
    this.box.classList.add("lc-hypertext");
  }

  buildBase(root) {
    const holder = h("div", { class: "lc-hypertext-body" });
    renderSafeHTML(this.html, holder);
    root.append(holder);
    const pieces = [];
    let g = 0;
    // Global offsets count code points of every text node and 1 for each <br>, as Label
    // Studio counts them (refresh() fills that gap with a newline in this.chars).
    const walker = document.createTreeWalker(holder, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeType !== Node.TEXT_NODE) {
        if (n.nodeName === "BR") g += 1;
        continue;
      }
      const len = cpLen(n.data);
      pieces.push({ node: n, g0: g, len, xpath: xpathOf(n, holder) });
      g += len;
    }
    return pieces;
  }

  pieceAt(x, preferNext) {
    let found = null;
    for (const p of this.pieces) {
      if (x >= p.g0 && x <= p.g0 + p.len) {
        found = p;
        if (!preferNext || x < p.g0 + p.len) break;
      }
    }
    return found;
  }

  toValue(a, b) {
    const pa = this.pieceAt(a, true), pb = this.pieceAt(b, false);
    const v = {
      start: pa ? pa.xpath : "", startOffset: pa ? a - pa.g0 : a,
      end: pb ? pb.xpath : "", endOffset: pb ? b - pb.g0 : b,
      globalOffsets: { start: a, end: b },
    };
    if (this.saveText) v.text = this.textOf(a, b);
    return v;
  }

  fromValue(v) {
    if (!v) return null;
    if (v.globalOffsets && typeof v.globalOffsets.start === "number") return [v.globalOffsets.start, v.globalOffsets.end];
    const ps = this.pieces.find((p) => p.xpath === v.start), pe = this.pieces.find((p) => p.xpath === v.end);
    if (!ps || !pe) return null;
    return [ps.g0 + Number(v.startOffset || 0), pe.g0 + Number(v.endOffset || 0)];
  }
}

/** "/p[2]/text()[1]" for a text node, relative to root (Label Studio's HyperText paths). */
export function xpathOf(textNode, root) {
  const parts = [];
  let idx = 1;
  for (let s = textNode.previousSibling; s; s = s.previousSibling) if (s.nodeType === Node.TEXT_NODE) idx++;
  parts.unshift(`text()[${idx}]`);
  for (let el = textNode.parentNode; el && el !== root; el = el.parentNode) {
    let i = 1;
    for (let s = el.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === el.tagName) i++;
    parts.unshift(`${el.tagName.toLowerCase()}[${i}]`);
  }
  return "/" + parts.join("/");
}

export const text = { create: (node, ctx) => new TextObject(node, ctx) };
export const hypertext = { create: (node, ctx) => new HyperTextObject(node, ctx) };
