// Image with RectangleLabels/Rectangle: draw a box with a label chosen, move it by dragging,
// resize it by its corner handle, select it by clicking, delete it with Delete/Backspace.
// Coordinates are stored as Label Studio stores them: x, y, width, height in percent of the
// image, rotation in degrees, and original_width/original_height/image_rotation on the item.
import { h, clear, safeColor } from "../dom.js";
import { labelItems, csv, resolve } from "../config.js";
import { t } from "../i18n.js";
import { displayKey } from "../hotkeys.js";

const SVG = "http://www.w3.org/2000/svg";
const MIN = 0.5; // percent: smaller drags are clicks, not boxes

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const round = (v) => Math.round(v * 1e6) / 1e6;

/** Only http(s), same-origin paths and raster data: URLs reach <img src>. */
function safeSrc(url) {
  if (typeof url !== "string") return "";
  if (/^https?:\/\//i.test(url) || url.startsWith("/")) return url;
  if (/^data:image\/(png|jpeg|gif|webp);/i.test(url)) return url;
  return "";
}

class ImageObject {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.src = safeSrc(resolve(node.attrs.value, ctx.data));
    this.naturalWidth = 0;
    this.naturalHeight = 0;
    this.drag = null;
  }

  render(container) {
    this.el = h("div", { class: "lc-image", dataset: { lcObject: this.name } });
    this.img = h("img", { class: "lc-image-img", alt: t("Image to label"), draggable: "false" });
    this.overlay = svg("svg", { class: "lc-image-overlay", tabindex: "0", role: "application", "aria-label": t("Image regions") });
    this.img.addEventListener("load", () => {
      this.naturalWidth = this.img.naturalWidth;
      this.naturalHeight = this.img.naturalHeight;
      this.el.dataset.loaded = "true";
      this.refresh();
    });
    if (this.src) this.img.src = this.src;
    // layout through the CSSOM (allowed by the page's CSP): the overlay covers the image exactly
    Object.assign(this.el.style, { position: "relative", display: "inline-block", lineHeight: "0", userSelect: "none" });
    Object.assign(this.img.style, { display: "block", maxWidth: "100%" });
    Object.assign(this.overlay.style, { position: "absolute", left: "0", top: "0", width: "100%", height: "100%", cursor: "crosshair", touchAction: "none" });
    this.el.append(this.img, this.overlay);
    this.overlay.addEventListener("pointerdown", (e) => this.down(e));
    this.overlay.addEventListener("pointermove", (e) => this.move(e));
    this.overlay.addEventListener("pointerup", (e) => this.up(e));
    this.overlay.addEventListener("keydown", (e) => this.key(e));
    container.append(this.el);
  }

  rectControl() {
    return this.engine.controlsOf(this.name).find((c) => c.type === "rectanglelabels" || c.type === "rectangle") || null;
  }

  pct(e) {
    const b = this.overlay.getBoundingClientRect();
    return { x: clamp(((e.clientX - b.left) / b.width) * 100, 0, 100), y: clamp(((e.clientY - b.top) / b.height) * 100, 0, 100) };
  }

  down(e) {
    if (e.button !== 0 || !this.naturalWidth) return;
    const p = this.pct(e);
    const target = e.target;
    const id = target.dataset ? target.dataset.region : undefined;
    this.overlay.setPointerCapture(e.pointerId);
    if (id) {
      const r = this.engine.region(id);
      if (!r || r.readonly) return;
      this.engine.selectRegion(id);
      this.drag = { mode: target.dataset.handle ? "resize" : "move", id, start: p, orig: { ...r.value } };
      return;
    }
    const ctl = this.rectControl();
    if (!ctl) return;
    const values = ctl.activeValues();
    if (values === null) return;
    this.drag = { mode: "draw", ctl, values, start: p, now: p };
  }

  move(e) {
    if (!this.drag) return;
    const p = this.pct(e);
    const d = this.drag;
    if (d.mode === "draw") {
      d.now = p;
      this.drawGhost(d);
      return;
    }
    const r = this.engine.region(d.id);
    if (!r) return;
    const dx = p.x - d.start.x;
    const dy = p.y - d.start.y;
    if (d.mode === "move") {
      r.value.x = round(clamp(d.orig.x + dx, 0, 100 - d.orig.width));
      r.value.y = round(clamp(d.orig.y + dy, 0, 100 - d.orig.height));
    } else {
      r.value.width = round(clamp(d.orig.width + dx, MIN, 100 - d.orig.x));
      r.value.height = round(clamp(d.orig.height + dy, MIN, 100 - d.orig.y));
    }
    this.refresh();
  }

  up(e) {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    if (this.ghost) { this.ghost.remove(); this.ghost = null; }
    if (d.mode === "draw") {
      const box = this.box(d.start, this.pct(e));
      if (box.width < MIN || box.height < MIN) {
        this.engine.selectRegion(null);
        return;
      }
      d.ctl.addRegion(this, { ...box, rotation: 0 }, d.values);
      return;
    }
    const r = this.engine.region(d.id);
    if (r && (r.value.x !== d.orig.x || r.value.y !== d.orig.y || r.value.width !== d.orig.width || r.value.height !== d.orig.height)) {
      this.engine.updateRegion(d.id, {});
    }
  }

  key(e) {
    const sel = this.engine.selectedRegion();
    if (!sel || sel.to_name !== this.name) return;
    if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      this.engine.deleteRegion(sel.id);
    }
  }

  box(a, b) {
    return { x: round(Math.min(a.x, b.x)), y: round(Math.min(a.y, b.y)), width: round(Math.abs(b.x - a.x)), height: round(Math.abs(b.y - a.y)) };
  }

  drawGhost(d) {
    const b = this.box(d.start, d.now);
    if (!this.ghost) {
      this.ghost = svg("rect", { class: "lc-image-ghost" });
      this.overlay.append(this.ghost);
    }
    for (const k of ["x", "y", "width", "height"]) this.ghost.setAttribute(k, `${b[k]}%`);
  }

  refresh() {
    if (!this.overlay) return;
    clear(this.overlay);
    const selected = this.engine.selectedRegion();
    for (const r of this.engine.regions) {
      if (r.to_name !== this.name || !("width" in r.value)) continue;
      const color = this.engine.regionColor(r);
      const g = svg("g", { class: "lc-image-region" + (selected && selected.id === r.id ? " lc-selected" : ""), "data-region-id": r.id });
      const { x, y, width, height } = r.value;
      // rotation is around the top-left corner, as Label Studio rotates boxes
      if (r.value.rotation) g.setAttribute("transform", `rotate(${r.value.rotation} ${x} ${y})`);
      const rect = svg("rect", { x: `${x}%`, y: `${y}%`, width: `${width}%`, height: `${height}%`, class: "lc-image-rect", stroke: color, "stroke-width": 2, fill: color, "fill-opacity": 0.15, "data-region": r.id });
      const handle = svg("rect", { x: `${x + width}%`, y: `${y + height}%`, width: 10, height: 10, transform: "translate(-5 -5)", class: "lc-image-handle", fill: color, "data-region": r.id, "data-handle": "se" });
      g.append(rect, handle);
      this.overlay.append(g);
    }
  }

  serialize() { return []; }
  load() {}
  hotkeys() { return []; }
}

class RectangleControl {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.toNames = csv(node.attrs.toname);
    this.type = node.tag === "rectangle" ? "rectangle" : "rectanglelabels";
    this.items = this.type === "rectangle" ? [] : labelItems(node, ctx.data, "label");
    this.active = new Set(this.items.filter((i) => i.selected).map((i) => i.result));
  }

  colorOf(result) {
    const item = this.items.find((i) => i.result === result);
    return safeColor(item && item.background, "#ff8800");
  }

  render(container) {
    if (this.type === "rectangle") return;
    this.el = h("div", { class: "lc-labels", role: "group", "aria-label": t("Labels") });
    container.append(this.el);
    this.refresh();
  }

  refresh() {
    if (!this.el) return;
    clear(this.el);
    const sel = this.engine.selectedRegion();
    const mine = sel && sel.from_name === this.name ? sel : null;
    for (const item of this.items) {
      const on = mine ? (mine.value[this.type] || []).includes(item.result) : this.active.has(item.result);
      const btn = h("button", {
        type: "button", class: "lc-label" + (on ? " lc-on" : ""), "aria-pressed": on ? "true" : "false",
        dataset: { value: item.result }, onclick: () => this.choose(item),
      }, h("span", { class: "lc-label-swatch", "aria-hidden": "true" }), item.value, item.hotkey ? h("kbd", { class: "lc-kbd" }, displayKey(item.hotkey)) : null);
      btn.style.setProperty("--lc-label-color", safeColor(item.background, "#ff8800"));
      this.el.append(btn);
    }
  }

  choose(item) {
    const sel = this.engine.selectedRegion();
    if (sel && sel.from_name === this.name) {
      this.engine.updateRegion(sel.id, { [this.type]: [item.result] });
      return;
    }
    if (this.active.has(item.result)) this.active.clear();
    else { this.active.clear(); this.active.add(item.result); }
    this.refresh();
  }

  /** Labels for a new box (Rectangle: none needed), or null when no label is chosen. */
  activeValues() {
    if (this.type === "rectangle") return [];
    return this.active.size ? [...this.active] : null;
  }

  addRegion(obj, geometry, values) {
    const value = this.type === "rectangle" ? { ...geometry } : { ...geometry, [this.type]: values };
    const id = Math.random().toString(36).slice(2, 12);
    this.engine.regions.push({ id, from_name: this.name, to_name: obj.name, type: this.type, value, origin: "manual", size: [obj.naturalWidth, obj.naturalHeight] });
    this.engine.selectedId = id;
    this.engine.notify(t("Region added: {labels}", { labels: values.join(", ") || this.name }));
    this.engine.changed();
  }

  serialize() {
    return this.engine.regions.filter((r) => r.from_name === this.name).map((r) => {
      const obj = this.engine.instance(r.to_name);
      const [w, hgt] = r.size || [obj ? obj.naturalWidth : 0, obj ? obj.naturalHeight : 0];
      return { ...this.engine.regionItem(r), original_width: w, original_height: hgt, image_rotation: 0 };
    });
  }

  load(results) {
    this.engine.regions = this.engine.regions.filter((r) => r.from_name !== this.name);
    for (const r of results) {
      if (r.from_name !== this.name || r.type !== this.type || !r.value || !this.toNames.includes(r.to_name)) continue;
      const size = r.original_width && r.original_height ? [r.original_width, r.original_height] : null;
      this.engine.regions.push({ id: String(r.id), from_name: r.from_name, to_name: r.to_name, type: r.type, value: { ...r.value }, origin: r.origin || "manual", score: r.score, readonly: r.readonly === true, size });
    }
  }

  hotkeys() {
    return this.items.filter((i) => i.hotkey).map((i) => ({ key: i.hotkey, label: t("Label: {label}", { label: i.value }), run: () => this.choose(i) }));
  }
}

export const image = { create: (node, ctx) => new ImageObject(node, ctx) };
export const rectanglelabels = { create: (node, ctx) => new RectangleControl(node, ctx) };
export const rectangle = rectanglelabels;
