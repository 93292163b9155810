// The Image object tag: shows the task's image with an SVG overlay where the image controls'
// regions (image_controls.js) are drawn and edited. Mouse: with a label chosen, drag to draw a
// box or an ellipse (from its centre), click to put a keypoint, click points for a polygon
// (click the first point or press Enter to close, Escape cancels). Drag a shape to move it,
// drag its handle to resize it (a polygon's handles are its points; Alt+click removes one).
// Delete/Backspace removes the selected region. Coordinates: percentages of the image.
import { h, clear } from "../dom.js";
import { resolve } from "../config.js";
import { t } from "../i18n.js";
import { KINDS, svg, clamp, round } from "./image_shapes.js";

const CLOSE_PX = 8; // clicking this close to a polygon's first point closes it

/** Only http(s), same-origin paths and raster data: URLs reach <img src>. */
export function safeSrc(url) {
  if (typeof url !== "string") return "";
  if (/^https?:\/\//i.test(url) || (url.startsWith("/") && !url.startsWith("//"))) return url;
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
    this.natural = [0, 0];
    this.drag = null;
    this.pending = null; // polygon being drawn: {ctl, values, points}
    this.zoom = null; // null: fit the width available; a number: that many screen px per image px
    this.brightness = 100;
    this.contrast = 100;
  }

  size() {
    return [...this.natural];
  }

  render(container) {
    this.el = h("div", { class: "lc-image", dataset: { lcObject: this.name } });
    this.img = h("img", { class: "lc-image-img", alt: t("Image to label"), draggable: "false" });
    this.overlay = svg("svg", { class: "lc-image-overlay", tabindex: "0", role: "application", "aria-label": t("Image regions") });
    // layout through the CSSOM (allowed by the page's CSP): the overlay covers the image exactly
    Object.assign(this.el.style, { position: "relative", display: "inline-block", lineHeight: "0", userSelect: "none" });
    Object.assign(this.img.style, { display: "block", maxWidth: "100%" });
    Object.assign(this.overlay.style, { position: "absolute", left: "0", top: "0", width: "100%", height: "100%", cursor: "crosshair", touchAction: "none", overflow: "visible" });
    this.img.addEventListener("load", () => {
      this.natural = [this.img.naturalWidth, this.img.naturalHeight];
      this.el.dataset.loaded = "true";
      this.refresh();
    });
    if (this.src) this.img.src = this.src;
    this.el.append(this.img, this.overlay);
    // zoom and pan: the image grows inside a scrolling box; Ctrl+wheel zooms too
    this.scroller = h("div", { class: "lc-image-scroll" });
    Object.assign(this.scroller.style, { overflow: "auto", maxWidth: "100%", maxHeight: "80vh" });
    this.scroller.append(this.el);
    this.scroller.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      this.setZoom(this.currentZoom() * (e.deltaY < 0 ? 1.25 : 0.8));
    }, { passive: false });
    container.append(this.toolbar(), this.scroller);
    if (!this.src) container.append(h("p", { class: "lc-problem" }, t("This image URL cannot be shown.")));
    this.overlay.addEventListener("pointerdown", (e) => this.down(e));
    this.overlay.addEventListener("pointermove", (e) => this.move(e));
    this.overlay.addEventListener("pointerup", (e) => this.up(e));
    this.overlay.addEventListener("keydown", (e) => this.key(e));
  }

  toolbar() {
    const btn = (label, run, cls) => h("button", { type: "button", class: `lc-btn lc-image-${cls}`, onclick: run }, label);
    const slider = (label, cls, set) => {
      const input = h("input", { type: "range", min: "0", max: "200", value: "100", class: `lc-image-${cls}`, "aria-label": label });
      input.addEventListener("input", () => { set(Number(input.value)); this.applyFilter(); });
      return h("label", { class: "lc-image-adjust" }, label, " ", input);
    };
    return h("div", { class: "lc-image-tools", role: "toolbar", "aria-label": t("Image tools") },
      btn(t("Zoom in"), () => this.setZoom(this.currentZoom() * 1.25), "zoom-in"),
      btn(t("Zoom out"), () => this.setZoom(this.currentZoom() * 0.8), "zoom-out"),
      btn(t("Fit"), () => this.setZoom(null), "fit"),
      btn(t("Original size"), () => this.setZoom(1), "original"),
      slider(t("Brightness"), "brightness", (v) => { this.brightness = v; }),
      slider(t("Contrast"), "contrast", (v) => { this.contrast = v; }));
  }

  currentZoom() {
    if (this.zoom !== null || !this.natural[0]) return this.zoom || 1;
    return this.img.getBoundingClientRect().width / this.natural[0];
  }

  /** Show the image at `zoom` screen px per image px (null: fit). Regions keep their percentages. */
  setZoom(zoom) {
    this.zoom = zoom === null ? null : clamp(zoom, 0.05, 32);
    if (this.zoom === null) Object.assign(this.img.style, { width: "", maxWidth: "100%" });
    else Object.assign(this.img.style, { width: `${Math.round(this.natural[0] * this.zoom)}px`, maxWidth: "none" });
    this.el.dataset.zoom = this.zoom === null ? "fit" : String(this.zoom);
    this.refresh();
  }

  applyFilter() {
    this.img.style.filter = `brightness(${this.brightness}%) contrast(${this.contrast}%)`;
  }

  /** The control to draw with: one with a chosen label, else a label-less tool. */
  drawingControl() {
    const ctls = this.engine.controlsOf(this.name).filter((c) => c.kind);
    return ctls.find((c) => !c.tool && c.active.size) || ctls.find((c) => c.tool) || null;
  }

  pct(e) {
    const b = this.overlay.getBoundingClientRect();
    return { x: round(clamp(((e.clientX - b.left) / b.width) * 100, 0, 100)), y: round(clamp(((e.clientY - b.top) / b.height) * 100, 0, 100)) };
  }

  down(e) {
    if (e.button !== 0 || !this.natural[0]) return;
    this.overlay.focus({ preventScroll: true });
    const p = this.pct(e);
    if (this.pending) return this.addPoint(p, e);
    const id = e.target.dataset ? e.target.dataset.region : undefined;
    const r = id ? this.engine.region(id) : null;
    if (r) {
      const kind = KINDS[this.kindOfRegion(r)];
      const handle = e.target.dataset.handle;
      if (r.readonly || !kind) return this.engine.selectRegion(id);
      if (e.altKey && handle && handle.startsWith("p")) {
        if (r.value.points.length > 3) {
          const i = Number(handle.slice(1));
          this.engine.updateRegion(id, { points: r.value.points.filter((_, j) => j !== i) });
        } else this.engine.notify(t("A polygon needs at least three points."));
        return;
      }
      this.engine.selectRegion(id);
      this.overlay.setPointerCapture(e.pointerId);
      this.drag = { mode: handle ? "edit" : "move", handle, id, kind, start: p, orig: JSON.parse(JSON.stringify(r.value)), moved: false };
      return;
    }
    const ctl = this.drawingControl();
    const values = ctl ? ctl.activeValues() : null;
    if (!ctl || values === null) return this.engine.selectRegion(null);
    const kind = KINDS[ctl.kind];
    if (kind.gesture === "click") return ctl.addRegion(this, kind.fromClick(p, ctl.pointSize), values);
    if (kind.gesture === "points") {
      this.pending = { ctl, values, points: [[p.x, p.y]] };
      return this.refresh();
    }
    this.overlay.setPointerCapture(e.pointerId);
    this.drag = { mode: "draw", ctl, values, kind, start: p, now: p };
  }

  kindOfRegion(r) {
    const ctl = this.engine.instance(r.from_name);
    return ctl && ctl.kind ? ctl.kind : null;
  }

  addPoint(p, e) {
    const pts = this.pending.points;
    const b = this.overlay.getBoundingClientRect();
    const [fx, fy] = pts[0];
    const near = Math.hypot(((p.x - fx) / 100) * b.width, ((p.y - fy) / 100) * b.height) <= CLOSE_PX;
    if (near && pts.length >= 3) return this.closePolygon();
    if (!near) pts.push([p.x, p.y]);
    e.preventDefault();
    this.refresh();
  }

  closePolygon() {
    const { ctl, values, points } = this.pending;
    this.pending = null;
    if (points.length < 3) {
      this.refresh();
      return;
    }
    ctl.addRegion(this, { points, closed: true }, values);
  }

  move(e) {
    const d = this.drag;
    if (!d) return;
    const p = this.pct(e);
    if (d.mode === "draw") {
      d.now = p;
      return this.drawGhost(d);
    }
    const r = this.engine.region(d.id);
    if (!r) return;
    let patch;
    if (d.mode === "move") patch = d.kind.move(d.orig, p.x - d.start.x, p.y - d.start.y);
    else if (d.handle === "rotate") patch = { rotation: this.angle(d.orig, d.start, p) };
    else patch = d.kind.edit(d.orig, d.handle, d.orig.rotation ? this.unrotate(d.orig, p) : p);
    Object.assign(r.value, patch);
    d.moved = true;
    this.refresh();
  }

  /** Pixel size of the overlay (rotations are computed in pixels, values stay in percent). */
  view() {
    const b = this.overlay.getBoundingClientRect();
    return { w: b.width, h: b.height };
  }

  /** The box's rotation after its knob was dragged from `start` to `p`: the turn, about the
   * top-left corner, between the two pointer directions (degrees clockwise, 0..360). */
  angle(o, start, p) {
    const { w, h: ht } = this.view();
    const dir = (q) => Math.atan2(((q.y - o.y) / 100) * ht, ((q.x - o.x) / 100) * w);
    const deg = (Number(o.rotation) || 0) + ((dir(p) - dir(start)) * 180) / Math.PI;
    return round(((deg % 360) + 360) % 360);
  }

  /** p (percent) seen in the frame of a box rotated about its top-left corner. */
  unrotate(o, p) {
    const { w, h: ht } = this.view();
    const a = (-(Number(o.rotation) || 0) * Math.PI) / 180;
    const dx = ((p.x - o.x) / 100) * w;
    const dy = ((p.y - o.y) / 100) * ht;
    return { x: o.x + ((dx * Math.cos(a) - dy * Math.sin(a)) / w) * 100, y: o.y + ((dx * Math.sin(a) + dy * Math.cos(a)) / ht) * 100 };
  }

  up(e) {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    if (this.ghost) {
      this.ghost.remove();
      this.ghost = null;
    }
    if (d.mode === "draw") {
      const value = d.kind.fromDrag(d.start, this.pct(e));
      if (!d.kind.big(value)) return this.engine.selectRegion(null);
      return d.ctl.addRegion(this, value, d.values);
    }
    if (d.moved) this.engine.updateRegion(d.id, {}); // one undo step per gesture
  }

  key(e) {
    if (this.pending) {
      if (e.key === "Enter") { e.preventDefault(); this.closePolygon(); }
      else if (e.key === "Escape") { e.preventDefault(); this.pending = null; this.refresh(); }
      return;
    }
    const sel = this.engine.selectedRegion();
    if (sel && sel.to_name === this.name && !sel.readonly && (e.key === "Delete" || e.key === "Backspace")) {
      e.preventDefault();
      this.engine.deleteRegion(sel.id);
    }
  }

  drawGhost(d) {
    if (this.ghost) this.ghost.remove();
    const fake = { id: "", value: d.kind.fromDrag(d.start, d.now), readonly: true };
    this.ghost = d.kind.draw(fake, d.ctl.colorOf(d.values[0]));
    this.ghost.classList.add("lc-image-ghost");
    this.overlay.append(this.ghost);
  }

  refresh() {
    if (!this.overlay) return;
    clear(this.overlay);
    const selected = this.engine.selectedRegion();
    for (const r of this.engine.regions) {
      const kind = r.to_name === this.name ? KINDS[this.kindOfRegion(r)] : null;
      if (!kind) continue;
      const g = svg("g", { class: "lc-image-region" + (selected && selected.id === r.id ? " lc-selected" : ""), "data-region-id": r.id });
      const ctl = this.engine.instance(r.from_name);
      const view = { ...this.view(), rotate: !!(ctl && ctl.canRotate && selected && selected.id === r.id) };
      g.append(kind.draw(r, this.engine.regionColor(r), view));
      this.overlay.append(g);
    }
    if (this.pending) {
      const box = svg("svg", { viewBox: "0 0 100 100", preserveAspectRatio: "none", width: "100%", height: "100%", overflow: "visible" });
      const pts = this.pending.points.map(([x, y]) => `${x},${y}`).join(" ");
      box.append(svg("polyline", { points: pts, class: "lc-image-pending", fill: "none", stroke: "#ff8800", "stroke-width": 2, "vector-effect": "non-scaling-stroke" }));
      this.overlay.append(box);
      this.pending.points.forEach(([x, y], i) => this.overlay.append(svg("circle", { cx: `${x}%`, cy: `${y}%`, r: i === 0 ? 6 : 4, class: "lc-image-vertex", fill: "#ff8800" })));
    }
  }

  serialize() { return []; }
  load() {}
  hotkeys() { return []; }
}

export const image = { create: (node, ctx) => new ImageObject(node, ctx) };
