// Paragraphs (plain or dialogue layout) with ParagraphLabels: span regions whose start/end
// are paragraph indices as strings and startOffset/endOffset offsets inside them.
import { h } from "../dom.js";
import { resolve } from "../config.js";
import { SpanObject, cpLen } from "../spans.js";

const PALETTE = ["#dbeafe", "#fce7f3", "#dcfce7", "#fef3c7", "#ede9fe", "#ffedd5"];

class ParagraphsObject extends SpanObject {
  constructor(node, ctx) {
    super(node, ctx);
    let v = resolve(node.attrs.value, ctx.data);
    if (typeof v === "string") {
      try { v = JSON.parse(v); } catch (_e) { v = []; }
    }
    this.nameKey = node.attrs.namekey || "author";
    this.textKey = node.attrs.textkey || "text";
    this.items = Array.isArray(v) ? v.filter((p) => p && typeof p === "object") : [];
    this.dialogue = node.attrs.layout === "dialogue";
    this.saveText = node.attrs.savetextresult !== "no";
    this.authors = [];
  }

  render(container) {
    super.render(container);
    this.box.classList.add("lc-paragraphs");
    if (this.dialogue) this.box.classList.add("lc-dialogue");
  }

  buildBase(root) {
    const pieces = [];
    let g = 0;
    this.items.forEach((p, i) => {
      const author = p[this.nameKey] === undefined ? "" : String(p[this.nameKey]);
      const text = p[this.textKey] === undefined ? "" : String(p[this.textKey]);
      if (!this.authors.includes(author)) this.authors.push(author);
      const node = document.createTextNode(text);
      const row = h("div", { class: "lc-para", dataset: { index: String(i) } },
        h("span", { class: "lc-para-author", "aria-hidden": this.dialogue ? null : null }, author),
        h("span", { class: "lc-para-text" }, node));
      row.style.setProperty("--lc-author-color", PALETTE[this.authors.indexOf(author) % PALETTE.length]);
      root.append(row);
      const len = cpLen(text);
      pieces.push({ node, g0: g, len, index: i });
      g += len + 1; // a virtual newline between paragraphs
    });
    return pieces;
  }

  locate(x, isEnd) {
    for (let k = 0; k < this.pieces.length; k++) {
      const p = this.pieces[k];
      if (isEnd ? x > p.g0 && x <= p.g0 + p.len : x >= p.g0 && x < p.g0 + p.len) return [p.index, x - p.g0];
    }
    const last = this.pieces[this.pieces.length - 1];
    return last ? [last.index, last.len] : [0, 0];
  }

  toValue(a, b) {
    const [ia, oa] = this.locate(a, false);
    const [ib, ob] = this.locate(b, true);
    const v = { start: String(ia), end: String(ib), startOffset: oa, endOffset: ob };
    if (this.saveText) v.text = this.textOf(a, b);
    return v;
  }

  fromValue(v) {
    if (!v || v.start === undefined || v.end === undefined) return null;
    const ps = this.pieces.find((p) => p.index === Number(v.start));
    const pe = this.pieces.find((p) => p.index === Number(v.end));
    if (!ps || !pe) return null;
    return [ps.g0 + Number(v.startOffset || 0), pe.g0 + Number(v.endOffset || 0)];
  }
}

export const paragraphs = { create: (n, c) => new ParagraphsObject(n, c) };
