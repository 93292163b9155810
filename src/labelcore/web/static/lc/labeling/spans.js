// Span regions over text: the shared machinery of Text, HyperText and Paragraphs.
// Offsets are code points of the object's text (Python's str indices), as Label Studio stores
// them (not JavaScript's UTF-16 indices), so the server can check `text == data[start:end]`:
// an emoji counts 1, a combining accent 1 of its own. The keyboard caret moves by user-perceived
// characters, so it never splits an emoji or an accent from its letter.
// A subclass supplies buildBase(), toValue(), fromValue().
import { h, clear, safeColor } from "./dom.js";
import { t } from "./i18n.js";

export const cpLen = (s) => Array.from(s).length;
const WORD = /[\p{L}\p{M}\p{N}_'’-]/u;
const GRAPHEMES = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/** Code-point offsets where user-perceived characters (grapheme clusters) of chars start. */
function clusterStarts(chars) {
  const starts = new Set([0, chars.length]);
  if (!GRAPHEMES) {
    for (let i = 1; i < chars.length; i++) starts.add(i);
    return starts;
  }
  let cp = 0;
  for (const { segment } of GRAPHEMES.segment(chars.join(""))) {
    starts.add(cp);
    cp += cpLen(segment);
  }
  return starts;
}

export class SpanObject {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.granularity = node.attrs.granularity === "word" ? "word" : "symbol";
    this.selectable = node.attrs.selectionenabled !== "false";
    this.caret = 0;
    this.anchor = null; // keyboard selection anchor
    this.pending = null; // [a, b) selected but not labeled yet
    this.focused = false;
    this.nodeStart = new WeakMap();
    this.pieces = [];
    this.chars = [];
  }

  /** Build the base DOM into root; return pieces [{node, g0, len, ...}] in order. */
  buildBase(_root) {
    return [];
  }

  render(container) {
    this.box = h("div", {
      class: "lc-text lc-object",
      tabindex: "0",
      role: "document",
      "aria-label": t("Text to label: select with the mouse, or with Shift+arrow keys, then press a label key or Enter"),
      dataset: { lcObject: this.name },
      // The caret shows only for keyboard use, and the mouse never shows or hides it before
      // a drag ends: it is an inline-block that keeps leading white space from collapsing (and
      // adds a line before a block), so showing it on a mouse press moved the text under the
      // pointer and the selection landed elsewhere or made nothing.
      onmouseup: (e) => {
        this.onMouseUp(e);
        if (this.focused) this.showCaret(false);
      },
      onkeydown: (e) => this.onKeyDown(e),
      onfocus: () => this.showCaret(this.box.matches(":focus-visible")),
      onblur: () => this.showCaret(false),
    });
    container.append(this.box);
    this.refresh();
  }

  showCaret(on) {
    this.focused = on;
    this.box.classList.toggle("lc-focused", on);
  }

  serialize() {
    return [];
  }

  load(_results) {}

  hotkeys() {
    return [];
  }

  regions() {
    return this.engine.regions.filter((r) => r.to_name === this.name);
  }

  /** Region value -> [start, end] global offsets (null when it does not fit this text). */
  rangeOf(region) {
    const r = this.fromValue(region.value);
    if (!r || !(r[0] < r[1]) || r[0] < 0 || r[1] > this.chars.length) return null;
    return r;
  }

  refresh() {
    if (!this.box) return;
    clear(this.box);
    this.box.classList.toggle("lc-focused", this.focused);
    this.pieces = this.buildBase(this.box);
    const texts = [];
    let prevEnd = 0;
    for (const p of this.pieces) {
      if (p.g0 > prevEnd) texts.push("\n".repeat(p.g0 - prevEnd));
      texts.push(p.node.data);
      prevEnd = p.g0 + p.len;
    }
    this.chars = Array.from(texts.join(""));
    this.stops = null; // grapheme cluster starts, computed when the keyboard first needs them
    const spans = [];
    for (const reg of this.regions()) {
      const r = this.rangeOf(reg);
      if (r) spans.push({ reg, s: r[0], e: r[1] });
    }
    for (const p of this.pieces) this.decoratePiece(p, spans);
  }

  decoratePiece(piece, spans) {
    const cuts = new Set([piece.g0, piece.g0 + piece.len]);
    const inPiece = (x) => x > piece.g0 && x < piece.g0 + piece.len;
    for (const sp of spans) {
      if (inPiece(sp.s)) cuts.add(sp.s);
      if (inPiece(sp.e)) cuts.add(sp.e);
    }
    if (this.pending) this.pending.forEach((x) => inPiece(x) && cuts.add(x));
    // hidden by CSS unless focused from the keyboard; never inside white space the HTML
    // collapses (an inline-block there would make it show, or add a line before a block)
    const showCaret = !this.pending && !(this.collapsesSpace && !/\S/u.test(piece.node.data));
    if (showCaret && inPiece(this.caret)) cuts.add(this.caret);
    const points = [...cuts].sort((a, b) => a - b);
    const chars = Array.from(piece.node.data);
    const frag = document.createDocumentFragment();
    const caretEl = () => h("span", { class: "lc-caret", "aria-hidden": "true" });
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      if (showCaret && this.caret === a) frag.append(caretEl());
      const tn = document.createTextNode(chars.slice(a - piece.g0, b - piece.g0).join(""));
      this.nodeStart.set(tn, a);
      const cover = spans.filter((sp) => sp.s <= a && sp.e >= b);
      const pend = this.pending && this.pending[0] <= a && this.pending[1] >= b;
      if (!cover.length && !pend) frag.append(tn);
      else {
        cover.sort((x, y) => (x.e - x.s) - (y.e - y.s));
        const top = cover[0];
        const seg = h("span", { class: "lc-span" + (pend ? " lc-pending" : "") }, tn);
        if (top) {
          const sel = cover.some((c) => c.reg.id === this.engine.selectedId);
          seg.classList.add("lc-region");
          if (sel) seg.classList.add("lc-region-selected");
          if (cover.length > 1) seg.classList.add("lc-overlap");
          seg.dataset.regions = cover.map((c) => c.reg.id).join(" ");
          seg.style.setProperty("--lc-region-color", safeColor(this.engine.regionColor(top.reg), "#36b37e"));
          seg.style.setProperty("--lc-depth", String(cover.length));
          seg.addEventListener("click", (ev) => this.onRegionClick(ev, cover));
        }
        frag.append(seg);
      }
    }
    if (showCaret && this.caret === piece.g0 + piece.len && this.caret === this.lastEnd()) frag.append(caretEl());
    piece.node.replaceWith(frag);
  }

  lastEnd() {
    const last = this.pieces[this.pieces.length - 1];
    return last ? last.g0 + last.len : 0;
  }

  onRegionClick(ev, cover) {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    ev.stopPropagation();
    const ids = cover.map((c) => c.reg.id);
    const cur = ids.indexOf(this.engine.selectedId);
    const next = ids[(cur + 1) % ids.length];
    this.engine.regionClicked(next);
  }

  pointToOffset(container, offset) {
    if (container.nodeType === Node.TEXT_NODE && this.nodeStart.has(container)) {
      return this.nodeStart.get(container) + cpLen(container.data.slice(0, offset));
    }
    const walker = document.createTreeWalker(this.box, NodeFilter.SHOW_TEXT);
    let target = container.nodeType === Node.TEXT_NODE ? container : container.childNodes[offset] || null;
    let after = null;
    let before = null;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!this.nodeStart.has(n)) continue;
      const pos = target ? target.compareDocumentPosition(n) : Node.DOCUMENT_POSITION_PRECEDING;
      if (target && (n === target || target.contains(n) || pos & Node.DOCUMENT_POSITION_FOLLOWING)) {
        after = n;
        break;
      }
      before = n;
    }
    if (after) return this.nodeStart.get(after);
    if (before) return this.nodeStart.get(before) + cpLen(before.data);
    return 0;
  }

  onMouseUp(_ev) {
    if (!this.selectable) return;
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return;
    const range = sel.getRangeAt(0);
    if (!this.box.contains(range.commonAncestorContainer)) return;
    let a = this.pointToOffset(range.startContainer, range.startOffset);
    let b = this.pointToOffset(range.endContainer, range.endOffset);
    sel.removeAllRanges();
    [a, b] = this.expand(Math.min(a, b), Math.max(a, b));
    if (a >= b) return;
    this.caret = b;
    this.apply(a, b);
  }

  /** Apply word granularity and trim surrounding whitespace. */
  expand(a, b) {
    const c = this.chars;
    if (this.granularity === "word") {
      while (a > 0 && WORD.test(c[a - 1] || "") && WORD.test(c[a] || "")) a--;
      while (b < c.length && WORD.test(c[b] || "") && WORD.test(c[b - 1] || "")) b++;
      while (a < b && /\s/u.test(c[a])) a++;
      while (b > a && /\s/u.test(c[b - 1])) b--;
    }
    return [a, b];
  }

  /** Label [a, b) with the active label, or keep it pending until a label key is pressed. */
  apply(a, b) {
    const active = this.engine.activeLabelsFor(this.name);
    if (active) {
      this.pending = null;
      this.anchor = null;
      this.engine.createSpanRegion(this, active.control, active.values, a, b);
    } else {
      this.pending = [a, b];
      this.engine.notify(t("Now choose a label for the selected text."));
      this.refresh();
    }
  }

  /** Called by a Labels control hotkey/button: label the pending selection if there is one. */
  takePending(control, values) {
    if (!this.pending) return false;
    const [a, b] = this.expand(this.pending[0], this.pending[1]);
    this.pending = null;
    this.anchor = null;
    this.engine.createSpanRegion(this, control, values, a, b);
    return true;
  }

  step(from, dir) {
    const c = this.chars;
    if (!this.stops) this.stops = clusterStarts(c);
    let x = from + dir;
    while (x > 0 && x < c.length && !this.stops.has(x)) x += dir;
    if (this.granularity === "word") {
      if (dir > 0) {
        while (x < c.length && !WORD.test(c[x - 1] || "")) x++;
        while (x < c.length && WORD.test(c[x] || "")) x++;
      } else {
        while (x > 0 && !WORD.test(c[x] || "")) x--;
        while (x > 0 && WORD.test(c[x - 1] || "")) x--;
      }
      while (x > 0 && x < c.length && !this.stops.has(x)) x += dir;
    }
    return Math.max(0, Math.min(c.length, x));
  }

  onKeyDown(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const dir = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
    if (dir) {
      ev.preventDefault();
      this.focused = true; // the keyboard is in use: refresh() shows the caret
      if (ev.shiftKey) {
        if (this.anchor === null) this.anchor = this.pending ? this.pending[0] : this.caret;
        this.caret = this.step(this.caret, dir);
        const a = Math.min(this.anchor, this.caret), b = Math.max(this.anchor, this.caret);
        this.pending = a < b ? [a, b] : null;
      } else {
        this.caret = this.step(this.caret, dir);
        this.anchor = null;
        this.pending = null;
      }
      this.refresh();
    } else if (ev.key === "Enter" && this.pending) {
      ev.preventDefault();
      const [a, b] = this.expand(this.pending[0], this.pending[1]);
      const active = this.engine.activeLabelsFor(this.name);
      if (!active) this.engine.notify(t("Choose a label first (press its key)."));
      else if (a < b) { this.pending = null; this.anchor = null; this.engine.createSpanRegion(this, active.control, active.values, a, b); }
    } else if (ev.key === "Escape" && this.pending) {
      ev.stopPropagation();
      this.pending = null;
      this.anchor = null;
      this.refresh();
    }
  }

  textOf(a, b) {
    return this.chars.slice(a, b).join("");
  }
}
