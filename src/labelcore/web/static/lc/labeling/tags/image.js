// The Image object tag: shows the task's image with an SVG overlay where the image controls'
// regions (image_controls.js) are drawn and edited. Mouse: with a label chosen, drag to draw a
// box or an ellipse (from its centre), click to put a keypoint, click points for a polygon
// (click the first point or press Enter to close, Escape cancels). Drag with the middle
// button, or with Space held, to pan a zoomed image. Drag a shape to move it,
// drag its handle to resize it (a polygon's handles are its points; Alt+click removes one).
// Delete/Backspace removes the selected region; the arrows move a selected shape one image
// pixel (Shift: ten) and every region is in the region list (describe()). Brush controls paint masks (drag; the eraser
// removes paint from the selected mask, or from every mask when none is selected).
// Coordinates: percentages of the image, always in its unrotated frame (rotating the view
// changes nothing stored). `valueList` shows a gallery, one image at a time, and regions carry
// the index of their image (item_index).
import { h, clear, uid, isSitePath } from "../dom.js";
import { resolve } from "../config.js";
import { t } from "../i18n.js";
import { KINDS, svg, clamp, round } from "./image_shapes.js";
import { encodeRLE, paintLine, isEmpty, rgb, union } from "./image_brush.js";

const CLOSE_PX = 8; // clicking this close to a polygon's first point closes it
const BRUSH_MAX = 100; // brush diameter limit, image pixels
const NUDGE_BIG = 10; // Shift+arrow moves a region this many image pixels (an arrow: one)

/** Only http(s), same-origin paths and raster data: URLs reach <img src>. */
export function safeSrc(url) {
  if (typeof url !== "string") return "";
  if (/^https?:\/\//i.test(url) || isSitePath(url)) return url;
  if (/^data:image\/(png|jpeg|gif|webp);/i.test(url)) return url;
  return "";
}

class ImageObject {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.multi = node.attrs.value === undefined && node.attrs.valuelist !== undefined;
    const list = this.multi ? resolve(node.attrs.valuelist, ctx.data) : [resolve(node.attrs.value, ctx.data)];
    this.srcs = (Array.isArray(list) ? list : []).map(safeSrc);
    this.index = 0;
    this.src = this.srcs[0] || "";
    this.naturals = this.srcs.map(() => [0, 0]);
    this.natural = [0, 0];
    this.rotation = 0; // degrees clockwise, a multiple of 90: the view only
    this.brushSize = 10; // brush diameter in image pixels
    this.eraser = false;
    this.stroke = null;
    this.drag = null;
    this.pending = null; // polygon being drawn: {ctl, values, points}
    // null: fit the width available; a number: that many screen px per image px
    this.zoom = node.attrs.defaultzoom === "original" ? 1 : null;
    this.brightness = 100;
    this.contrast = 100;
  }

  /** [width, height] in pixels of the image (of item `index` in a gallery). */
  size(index) {
    if (index === undefined || index === this.index) return [...this.natural];
    return [...(this.naturals[index] || [0, 0])];
  }

  /** Is region r drawn on the image shown now? (a gallery shows one item at a time) */
  onItem(r) {
    return r.to_name === this.name && (!this.multi || (r.itemIndex || 0) === this.index);
  }

  render(container) {
    this.el = h("div", { class: "lc-image", dataset: { lcObject: this.name, zoom: this.zoom === null ? "fit" : String(this.zoom) } });
    this.img = h("img", { class: "lc-image-img", alt: t("Image to label"), draggable: "false" });
    this.masks = h("canvas", { class: "lc-image-masks", width: "1", height: "1" });
    this.overlay = svg("svg", { class: "lc-image-overlay", tabindex: "0", role: "application", "aria-label": t("Image regions") });
    // layout through the CSSOM (allowed by the page's CSP): the overlay covers the image exactly
    Object.assign(this.el.style, { position: "relative", display: "inline-block", lineHeight: "0", userSelect: "none" });
    Object.assign(this.img.style, { display: "block", maxWidth: "100%" });
    Object.assign(this.masks.style, { position: "absolute", left: "0", top: "0", width: "100%", height: "100%", pointerEvents: "none" });
    Object.assign(this.overlay.style, { position: "absolute", left: "0", top: "0", width: "100%", height: "100%", cursor: "crosshair", touchAction: "none", overflow: "visible" });
    this.img.addEventListener("load", () => this.loaded());
    if (this.src) this.img.src = this.src;
    this.el.append(this.img, this.masks, this.overlay);
    this.renderScroller(container);
  }

  /** The image (of the current item) has loaded: take its size and draw. */
  loaded() {
    this.natural = [this.img.naturalWidth, this.img.naturalHeight];
    this.naturals[this.index] = [...this.natural];
    for (const r of this.engine.regions) if (this.onItem(r) && !r.size) r.size = [...this.natural];
    this.masks.width = this.natural[0];
    this.masks.height = this.natural[1];
    this.el.dataset.loaded = "true";
    this.layout();
    this.refresh();
    if (this.engine.panel) this.engine.panel.refresh(); // the list now knows pixel sizes
  }

  renderScroller(container) {
    // zoom and pan: the image grows inside a scrolling box; Ctrl+wheel zooms too. A rotated
    // view turns the stage inside a frame sized to the turned image.
    this.frame = h("div", { class: "lc-image-frame" });
    Object.assign(this.frame.style, { position: "relative" });
    this.frame.append(this.el);
    this.scroller = h("div", { class: "lc-image-scroll" });
    Object.assign(this.scroller.style, { overflow: "auto", maxWidth: "100%", maxHeight: "80vh" });
    this.scroller.append(this.frame);
    // "fit" follows the width available when the page is resized
    if (typeof ResizeObserver === "function") {
      const watch = new ResizeObserver(() => { if (this.zoom === null) this.layout(); });
      watch.observe(this.scroller);
      this.engine.onDestroy(() => watch.disconnect());
    }
    this.scroller.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      this.setZoom(this.currentZoom() * (e.deltaY < 0 ? 1.25 : 0.8));
    }, { passive: false });
    container.append(this.toolbar());
    if (this.multi) container.append(this.pager());
    container.append(this.scroller);
    if (!this.src) container.append(h("p", { class: "lc-problem" }, t("This image URL cannot be shown.")));
    this.overlay.addEventListener("pointerdown", (e) => this.down(e));
    this.overlay.addEventListener("pointermove", (e) => this.move(e));
    this.overlay.addEventListener("pointerup", (e) => this.up(e));
    this.overlay.addEventListener("keydown", (e) => this.key(e));
    const release = () => { this.spaceDown = false; this.overlay.style.cursor = "crosshair"; };
    this.overlay.addEventListener("keyup", (e) => { if (e.key === " ") release(); });
    this.overlay.addEventListener("blur", release);
  }

  toolbar() {
    // compact: zoom and rotation show a symbol (their full name is the accessible name and
    // the tooltip), sliders are short, and each group stays together when a narrow window
    // wraps the toolbar, so every control stays in view at any width
    const btn = (symbol, label, run, cls) => h("button", { type: "button", class: `lc-btn lc-image-${cls}`, onclick: run, title: label, "aria-label": symbol === label ? null : label }, symbol);
    const slider = (label, cls, set) => {
      const input = h("input", { type: "range", min: "0", max: "200", value: "100", class: `lc-image-${cls}`, "aria-label": label });
      input.addEventListener("input", () => { set(Number(input.value)); this.applyFilter(); });
      return h("label", { class: "lc-image-adjust" }, label, " ", input);
    };
    const group = (label, ...items) => h("span", { class: "lc-image-group", role: "group", "aria-label": label }, items);
    // each group can be hidden with its Label Studio attribute set to "false"
    const on = (attr) => this.node.attrs[attr] !== "false";
    return h("div", { class: "lc-image-tools", role: "toolbar", "aria-label": t("Image tools") },
      on("zoomcontrol") ? group(t("Zoom"),
        btn("+", t("Zoom in"), () => this.setZoom(this.currentZoom() * 1.25), "zoom-in"),
        btn("\u2212", t("Zoom out"), () => this.setZoom(this.currentZoom() * 0.8), "zoom-out"),
        btn(t("Fit"), t("Fit"), () => this.setZoom(null), "fit"),
        btn("1:1", t("Original size"), () => this.setZoom(1), "original")) : null,
      on("rotatecontrol") ? group(t("Rotate"),
        btn("\u21ba", t("Rotate left"), () => this.rotate(-90), "rotate-left"),
        btn("\u21bb", t("Rotate right"), () => this.rotate(90), "rotate-right")) : null,
      on("brightnesscontrol") ? slider(t("Brightness"), "brightness", (v) => { this.brightness = v; }) : null,
      on("contrastcontrol") ? slider(t("Contrast"), "contrast", (v) => { this.contrast = v; }) : null,
      this.brushTools(),
      this.toolPicker());
  }

  /** Brush size and eraser, when a brush control draws on this image. */
  brushTools() {
    if (!this.hasBrush()) return null;
    const size = h("input", { type: "range", min: "1", max: String(BRUSH_MAX), value: String(this.brushSize), class: "lc-image-brush-size", "aria-label": t("Brush size") });
    size.addEventListener("input", () => { this.brushSize = Number(size.value); });
    const eraser = h("button", { type: "button", class: "lc-btn lc-image-eraser", "aria-pressed": "false" }, t("Eraser"));
    eraser.addEventListener("click", () => this.setEraser(!this.eraser));
    this.brushInput = size;
    this.eraserButton = eraser;
    return h("span", { class: "lc-image-group lc-image-brush" }, h("label", { class: "lc-image-adjust" }, t("Brush size"), " ", size), eraser);
  }

  hasBrush() {
    return this.engine.controlsOf(this.name).some((c) => c.kind === "brush");
  }

  setEraser(on) {
    this.eraser = on;
    if (this.eraserButton) {
      this.eraserButton.setAttribute("aria-pressed", on ? "true" : "false");
      this.eraserButton.classList.toggle("lc-on", on);
    }
    this.engine.notify(on ? t("Eraser on") : t("Eraser off"));
  }

  /** Brush diameter by keyboard: factor 1.25 per press (at least one pixel), 1 to BRUSH_MAX. */
  resizeBrush(grow) {
    const next = grow ? Math.max(this.brushSize + 1, Math.round(this.brushSize * 1.25)) : Math.min(this.brushSize - 1, Math.round(this.brushSize / 1.25));
    this.brushSize = clamp(next, 1, BRUSH_MAX);
    if (this.brushInput) this.brushInput.value = String(this.brushSize);
    this.engine.notify(t("Brush size: {n} px", { n: this.brushSize }));
  }

  /** Previous / next for a valueList gallery. */
  pager() {
    this.pageLabel = h("span", { class: "lc-image-page", "aria-live": "polite" });
    const nav = h("div", { class: "lc-image-pager", role: "group", "aria-label": t("Images") },
      h("button", { type: "button", class: "lc-btn lc-image-prev", onclick: () => this.show(this.index - 1) }, t("Previous image")),
      this.pageLabel,
      h("button", { type: "button", class: "lc-btn lc-image-next", onclick: () => this.show(this.index + 1) }, t("Next image")));
    this.updatePager();
    return nav;
  }

  updatePager() {
    if (!this.pageLabel) return;
    this.pageLabel.textContent = t("Image {n} of {total}", { n: this.index + 1, total: this.srcs.length });
    this.el.dataset.item = String(this.index);
  }

  /** Show gallery item i (regions of other items are kept, just not drawn). */
  show(i, keepSelection = false) {
    if (!this.multi || i < 0 || i >= this.srcs.length || i === this.index) return;
    this.index = i;
    this.src = this.srcs[i];
    this.pending = null;
    this.drag = null;
    this.stroke = null;
    this.natural = [...this.naturals[i]];
    delete this.el.dataset.loaded;
    const sel = this.engine.selectedRegion();
    if (sel && sel.to_name === this.name && !keepSelection) this.engine.selectedId = null;
    if (this.src) this.img.src = this.src;
    else this.img.removeAttribute("src");
    this.updatePager();
    this.engine.refreshAll();
  }

  /** Turn the view by `deg` (a multiple of 90). Stored coordinates do not change. */
  rotate(deg) {
    this.rotation = (((this.rotation + deg) % 360) + 360) % 360;
    this.el.dataset.rotation = String(this.rotation);
    this.layout();
    this.refresh();
  }

  /** Size the image for the zoom (fit: at most the width available) and turn the stage. */
  layout() {
    const [nw, nh] = this.natural;
    if (!nw || !nh) return;
    const turned = this.rotation % 180 !== 0;
    let scale = this.zoom;
    if (scale === null) {
      const avail = this.scroller.clientWidth || nw;
      scale = Math.min(1, avail / (turned ? nh : nw));
    }
    const w = Math.max(1, Math.round(nw * scale));
    const ht = Math.max(1, Math.round(nh * scale));
    Object.assign(this.img.style, { width: `${w}px`, height: `${ht}px`, maxWidth: "none" });
    const move = { 0: "", 90: `translate(${ht}px, 0px) rotate(90deg)`, 180: `translate(${w}px, ${ht}px) rotate(180deg)`, 270: `translate(0px, ${w}px) rotate(270deg)` }[this.rotation];
    Object.assign(this.el.style, { transformOrigin: "0 0", transform: move, position: this.rotation ? "absolute" : "relative", left: "0", top: "0" });
    Object.assign(this.frame.style, { width: `${turned ? ht : w}px`, height: `${turned ? w : ht}px` });
  }

  currentZoom() {
    if (this.zoom !== null || !this.natural[0]) return this.zoom || 1;
    return this.img.offsetWidth / this.natural[0];
  }

  /** Show the image at `zoom` screen px per image px (null: fit). Regions keep their percentages. */
  setZoom(zoom) {
    this.zoom = zoom === null ? null : clamp(zoom, 0.05, 32);
    this.layout();
    this.el.dataset.zoom = this.zoom === null ? "fit" : String(this.zoom);
    this.refresh();
  }

  applyFilter() {
    this.img.style.filter = `brightness(${this.brightness}%) contrast(${this.contrast}%)`;
  }

  /** The control to draw with: one with a chosen label, else the chosen label-less tool
   * (the first one until another is picked in the toolbar). */
  drawingControl() {
    const ctls = this.engine.controlsOf(this.name).filter((c) => c.kind);
    return ctls.find((c) => !c.tool && c.active.size) || ctls.find((c) => c.tool && c.name === this.toolName) || ctls.find((c) => c.tool) || null;
  }

  /** With several label-less tools (Rectangle and Polygon, as in Label Studio's OCR
   * template) the toolbar offers a button per tool; choosing one sets aside labeled shapes'
   * chosen labels, so the next drawing uses that tool. */
  toolPicker() {
    const tools = this.engine.controlsOf(this.name).filter((c) => c.kind && c.tool);
    if (tools.length < 2) return null;
    this.toolName = tools[0].name;
    const names = { rectangle: t("Box"), polygon: t("Polygon"), ellipse: t("Ellipse"), keypoint: t("Point"), brush: t("Brush") };
    const buttons = tools.map((c) => h("button", { type: "button", class: "lc-btn lc-image-tool", "aria-pressed": "false", dataset: { tool: c.name }, onclick: () => {
      this.toolName = c.name;
      for (const other of this.engine.controlsOf(this.name)) if (other.kind && !other.tool && other.active) other.active.clear();
      this.engine.refreshAll();
    } }, names[c.kind] || c.name));
    this.toolButtons = buttons;
    return h("span", { class: "lc-image-group lc-image-tool-group", role: "group", "aria-label": t("Drawing tool") }, buttons);
  }

  /** Label Studio's extras on every result of an image region (and its per-region results):
   * the image's pixel size, and the view's rotation, 0 here (values stay in the unrotated
   * frame: see media.md). */
  resultExtras(r) {
    const [w, hgt] = r.size || this.size(r.itemIndex);
    const out = { original_width: w, original_height: hgt, image_rotation: 0 };
    if (r.itemIndex !== undefined) out.item_index = r.itemIndex;
    return out;
  }

  /** The pointer in percent of the unrotated image (the view may be turned). */
  pct(e) {
    const b = this.el.getBoundingClientRect();
    const { w, h: ht } = this.view();
    const a = (-this.rotation * Math.PI) / 180;
    const dx = e.clientX - (b.left + b.width / 2);
    const dy = e.clientY - (b.top + b.height / 2);
    const lx = dx * Math.cos(a) - dy * Math.sin(a) + w / 2;
    const ly = dx * Math.sin(a) + dy * Math.cos(a) + ht / 2;
    return { x: round(clamp((lx / w) * 100, 0, 100)), y: round(clamp((ly / ht) * 100, 0, 100)) };
  }

  down(e) {
    if (!this.natural[0]) return;
    if (e.button === 1 || (e.button === 0 && this.spaceDown)) return this.startPan(e);
    if (e.button !== 0) return;
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
      if (handle && handle.startsWith("e")) {
        // a selected polygon's edge: insert a point there and drag it
        const i = Number(handle.slice(1)) + 1;
        const points = r.value.points.map((pt) => [...pt]);
        points.splice(i, 0, [p.x, p.y]);
        this.engine.updateRegion(id, { points });
        this.overlay.setPointerCapture(e.pointerId);
        this.drag = { mode: "edit", handle: `p${i}`, id, kind, start: p, orig: JSON.parse(JSON.stringify(this.engine.region(id).value)), moved: false };
        return;
      }
      this.engine.selectRegion(id);
      this.overlay.setPointerCapture(e.pointerId);
      this.drag = { mode: handle ? "edit" : "move", handle, id, kind, start: p, orig: JSON.parse(JSON.stringify(r.value)), moved: false };
      return;
    }
    const ctl = this.drawingControl();
    const values = ctl ? ctl.activeValues() : null;
    if (this.eraser && this.brushControls().length) return this.startStroke(e, p, null, null);
    if (ctl && ctl.kind === "brush" && values !== null) return this.startStroke(e, p, ctl, values);
    if (!ctl || values === null) return this.engine.selectRegion(this.maskAt(p));
    const kind = KINDS[ctl.kind];
    if (kind.gesture === "click") return ctl.addRegion(this, kind.fromClick(p, this.pointWidth(ctl)), values);
    if (kind.gesture === "points") {
      this.pending = { ctl, values, points: [[p.x, p.y]] };
      return this.refresh();
    }
    this.overlay.setPointerCapture(e.pointerId);
    this.drag = { mode: "draw", ctl, values, kind, start: p, now: p };
  }

  /** A keypoint's `width`: the control's point size (strokeWidth, pixels) in percent of the
   * image's width, as Label Studio stores it (not the pixels themselves). */
  pointWidth(ctl) {
    return round((ctl.pointSize * 100) / (this.natural[0] || 1));
  }

  kindOfRegion(r) {
    const ctl = this.engine.instance(r.from_name);
    return ctl && ctl.kind ? ctl.kind : null;
  }

  addPoint(p, e) {
    const pts = this.pending.points;
    const b = { width: this.view().w, height: this.view().h };
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

  /** Drag with the middle button, or with Space held, to pan a zoomed image. */
  startPan(e) {
    e.preventDefault();
    this.overlay.setPointerCapture(e.pointerId);
    this.pan = { x: e.clientX, y: e.clientY, left: this.scroller.scrollLeft, top: this.scroller.scrollTop };
  }

  move(e) {
    if (this.pan) {
      this.scroller.scrollLeft = this.pan.left - (e.clientX - this.pan.x);
      this.scroller.scrollTop = this.pan.top - (e.clientY - this.pan.y);
      return;
    }
    if (this.stroke) return this.paintTo(this.pct(e));
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
    return { w: this.el.offsetWidth || 1, h: this.el.offsetHeight || 1 };
  }

  /** The shape's rotation after its knob was dragged from `start` to `p`: the turn, about
   * (x, y) (a box's top-left corner, an ellipse's centre), between the two pointer
   * directions (degrees clockwise, 0..360). */
  angle(o, start, p) {
    const { w, h: ht } = this.view();
    const dir = (q) => Math.atan2(((q.y - o.y) / 100) * ht, ((q.x - o.x) / 100) * w);
    const deg = (Number(o.rotation) || 0) + ((dir(p) - dir(start)) * 180) / Math.PI;
    return round(((deg % 360) + 360) % 360);
  }

  /** p (percent) seen in the frame of a shape rotated about its (x, y). */
  unrotate(o, p) {
    const { w, h: ht } = this.view();
    const a = (-(Number(o.rotation) || 0) * Math.PI) / 180;
    const dx = ((p.x - o.x) / 100) * w;
    const dy = ((p.y - o.y) / 100) * ht;
    return { x: o.x + ((dx * Math.cos(a) - dy * Math.sin(a)) / w) * 100, y: o.y + ((dx * Math.sin(a) + dy * Math.cos(a)) / ht) * 100 };
  }

  up(e) {
    if (this.pan) {
      this.pan = null;
      return;
    }
    if (this.stroke) return this.endStroke();
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
    if (e.key === " " && !e.ctrlKey && !e.metaKey) {
      e.preventDefault(); // Space held: drags pan instead of drawing
      this.spaceDown = true;
      this.overlay.style.cursor = "grab";
      return;
    }
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
    if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && !e.altKey && this.addByKeyboard()) e.preventDefault();
  }

  /** Enter on the focused image: a box, ellipse or keypoint with the chosen label in the
   * middle of the image, selected, for the arrows to place and Alt+arrows to size. */
  addByKeyboard() {
    const ctl = this.drawingControl();
    const values = ctl ? ctl.activeValues() : null;
    if (!ctl || values === null || !this.natural[0]) return false;
    const kind = KINDS[ctl.kind];
    if (!kind || !(kind.fromDrag || kind.fromClick) || kind.gesture === "points") return false;
    const geometry = kind.gesture === "click" ? kind.fromClick({ x: 50, y: 50 }, this.pointWidth(ctl)) : ctl.kind === "ellipse" ? kind.fromDrag({ x: 50, y: 50 }, { x: 60, y: 60 }) : kind.fromDrag({ x: 40, y: 40 }, { x: 60, y: 60 });
    ctl.addRegion(this, geometry, values);
    return true;
  }

  /** Alt+arrows: the selected box's width/height (an ellipse's radii) by (dx, dy) image px. */
  resizeSelected(dx, dy) {
    const r = this.nudgeTarget();
    const kind = r ? this.kindOfRegion(r) : null;
    if (kind !== "rectangle" && kind !== "ellipse") return;
    const [w, hgt] = this.sizeOf(r);
    const v = r.value;
    const [ex, ey] = kind === "rectangle" ? [v.x + v.width, v.y + v.height] : [v.x + v.radiusX, v.y + v.radiusY];
    const corner = { x: ex + (dx * 100) / w, y: ey + (dy * 100) / hgt };
    this.engine.updateRegion(r.id, KINDS[kind].edit(v, kind === "rectangle" ? "se" : "radius", corner));
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
    if (this.toolButtons) {
      const using = this.drawingControl();
      for (const b of this.toolButtons) b.setAttribute("aria-pressed", using && using.name === b.dataset.tool ? "true" : "false");
    }
    // a region chosen in the region list on another gallery image: turn to that image
    const chosen = this.engine.selectedRegion();
    if (this.multi && chosen && chosen.to_name === this.name && (chosen.itemIndex || 0) !== this.index) return this.show(chosen.itemIndex || 0, true);
    clear(this.overlay);
    this.drawMasks(null);
    const selected = this.engine.selectedRegion();
    for (const r of this.engine.regions) {
      const kind = this.onItem(r) ? KINDS[this.kindOfRegion(r)] : null;
      if (!kind) continue;
      const g = svg("g", { class: "lc-image-region" + (selected && selected.id === r.id ? " lc-selected" : ""), "data-region-id": r.id });
      const ctl = this.engine.instance(r.from_name);
      const isSel = !!(selected && selected.id === r.id);
      const view = { ...this.view(), selected: isSel, rotate: !!(ctl && ctl.canRotate && isSel) };
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

  // ---- brush -------------------------------------------------------------------------------
  brushControls() {
    return this.engine.controlsOf(this.name).filter((c) => c.kind === "brush");
  }

  brushRegions() {
    return this.engine.regions.filter((r) => this.onItem(r) && this.kindOfRegion(r) === "brush");
  }

  /** The image pixel under a percentage point. */
  px(p) {
    return { x: (p.x / 100) * this.natural[0], y: (p.y / 100) * this.natural[1] };
  }

  /** The id of the topmost mask painted at p, or null. */
  maskAt(p) {
    const { x, y } = this.px(p);
    const [w, ht] = this.natural;
    const i = Math.min(ht - 1, Math.floor(y)) * w + Math.min(w - 1, Math.floor(x));
    const hit = this.brushRegions().reverse().find((r) => {
      const m = this.engine.instance(r.from_name).maskOf(r);
      return m && m[i] > 0;
    });
    return hit ? hit.id : null;
  }

  /** Paint (ctl, values) or erase (ctl null) from p. Painting extends the selected mask when it
   * has the same control and labels, else starts a new region; erasing works on the selected
   * mask, or on every mask of this image when none is selected. */
  startStroke(e, p, ctl, values) {
    const sel = this.engine.selectedRegion();
    const selMask = sel && this.onItem(sel) && this.kindOfRegion(sel) === "brush" && !sel.readonly ? sel : null;
    let targets;
    let created = null;
    if (ctl) {
      // a Brush beside Labels paints with the Labels control's chosen labels (split format)
      const labels = ctl.tool ? (ctl.splitLabels(this) || { labels: [] }).labels : values;
      const same = selMask && selMask.from_name === ctl.name && JSON.stringify(this.engine.regionLabels(selMask)) === JSON.stringify(labels);
      if (same) targets = [selMask];
      else {
        created = ctl.newRegion(this, values, uid());
        this.engine.regions.push(created);
        this.engine.selectedId = created.id;
        targets = [created];
      }
    } else targets = selMask ? [selMask] : this.brushRegions().filter((r) => !r.readonly);
    targets = targets.filter((r) => this.engine.instance(r.from_name).maskOf(r));
    if (!targets.length) return;
    this.overlay.setPointerCapture(e.pointerId);
    this.stroke = { targets, created, value: ctl ? 255 : 0, last: this.px(p) };
    this.paintTo(p);
  }

  paintTo(p) {
    const s = this.stroke;
    const at = this.px(p);
    const [w, ht] = this.natural;
    let box = null;
    for (const r of s.targets) {
      const got = paintLine(r.mask, w, ht, s.last, at, this.brushSize / 2, s.value);
      if (!got) continue;
      if (this.layerOf(r, this.engine.regionColor(r))) this.updateLayer(r, got);
      box = union(box, got);
    }
    s.last = at;
    if (box) this.drawMasks(box);
  }

  endStroke() {
    const s = this.stroke;
    this.stroke = null;
    const [w, ht] = this.natural;
    for (const r of s.targets) {
      if (isEmpty(r.mask)) this.engine.regions = this.engine.regions.filter((x) => x !== r);
      else r.value = { ...r.value, rle: encodeRLE(r.mask, w, ht) };
      if (r.origin === "prediction") r.origin = "prediction-changed";
    }
    if (!this.engine.region(this.engine.selectedId)) this.engine.selectedId = null;
    if (s.created && this.engine.region(s.created.id)) this.engine.notify(t("Region added: {labels}", { labels: this.engine.regionLabels(s.created).join(", ") || s.created.from_name }));
    this.engine.changed();
  }

  /** A region's mask painted in its colour on a canvas of the image's size, kept on the region
   * and rebuilt only when the colour changes (strokes update it in place: updateLayer). */
  layerOf(r, color) {
    const [w, ht] = this.natural;
    if (r.layer && r.layerColor === color && r.layer.width === w && r.layer.height === ht) return r.layer;
    const mask = this.engine.instance(r.from_name).maskOf(r);
    if (!mask) return null;
    r.layer = h("canvas", { width: String(w), height: String(ht) });
    r.layerColor = color;
    this.updateLayer(r, { x0: 0, y0: 0, x1: w - 1, y1: ht - 1 });
    return r.layer;
  }

  /** Repaint `box` of a region's layer from its mask. */
  updateLayer(r, b) {
    const w = this.natural[0];
    const bw = b.x1 - b.x0 + 1;
    const bh = b.y1 - b.y0 + 1;
    const g = r.layer.getContext("2d");
    const img = g.createImageData(bw, bh);
    const [cr, cg, cb] = rgb(r.layerColor);
    for (let y = 0; y < bh; y++) {
      const row = (b.y0 + y) * w + b.x0;
      for (let x = 0; x < bw; x++) {
        const m = r.mask[row + x];
        if (!m) continue;
        const o = (y * bw + x) * 4;
        img.data[o] = cr;
        img.data[o + 1] = cg;
        img.data[o + 2] = cb;
        img.data[o + 3] = m;
      }
    }
    g.putImageData(img, b.x0, b.y0);
  }

  /** Composite the masks of this image into the canvas (only `box` of it, or all when null). */
  drawMasks(box) {
    const [w, ht] = this.natural;
    if (!w || !ht || !this.masks) return;
    const g = this.masks.getContext("2d");
    const b = box || { x0: 0, y0: 0, x1: w - 1, y1: ht - 1 };
    const bw = b.x1 - b.x0 + 1;
    const bh = b.y1 - b.y0 + 1;
    g.clearRect(b.x0, b.y0, bw, bh);
    const sel = this.engine.selectedId;
    for (const r of this.brushRegions()) {
      const layer = this.layerOf(r, this.engine.regionColor(r));
      if (!layer) continue;
      g.globalAlpha = r.id === sel ? 0.7 : 0.45;
      g.drawImage(layer, b.x0, b.y0, bw, bh, b.x0, b.y0, bw, bh);
    }
    g.globalAlpha = 1;
  }

  serialize() { return []; }
  load() {}

  /** Pixel size of the image region r is on ([0, 0] before it loads). */
  sizeOf(r) {
    return this.multi ? this.size(r.itemIndex || 0) : this.size();
  }

  /** The region list's words for an image region: its shape, where it is, in image pixels. */
  describe(r) {
    const kind = this.kindOfRegion(r);
    const v = r.value || {};
    const [w, hgt] = this.sizeOf(r);
    const px = (p, n) => (n ? String(Math.round((Number(p) * n) / 100)) : `${round(Number(p) || 0)}%`);
    let said = "";
    if (kind === "rectangle") said = t("box {w}×{h} at {x}, {y}", { w: px(v.width, w), h: px(v.height, hgt), x: px(v.x, w), y: px(v.y, hgt) });
    else if (kind === "ellipse") said = t("ellipse at {x}, {y}", { x: px(v.x, w), y: px(v.y, hgt) });
    else if (kind === "keypoint") said = t("point at {x}, {y}", { x: px(v.x, w), y: px(v.y, hgt) });
    else if (kind === "polygon") said = t("polygon, {n} points", { n: Array.isArray(v.points) ? v.points.length : 0 });
    else if (kind === "brush") said = t("mask");
    return said && this.multi ? `${t("image {n}", { n: (r.itemIndex || 0) + 1 })}: ${said}` : said;
  }

  /** The selected region when the arrow keys can move it: a shape (not a mask) on this image. */
  nudgeTarget() {
    const r = this.engine.selectedRegion();
    if (!r || r.to_name !== this.name || r.readonly) return null;
    const kind = this.kindOfRegion(r);
    return kind && kind !== "brush" && KINDS[kind] && this.sizeOf(r)[0] ? r : null;
  }

  /** Move the selected shape by (dx, dy) image pixels, kept inside the image. */
  nudge(dx, dy) {
    const r = this.nudgeTarget();
    if (!r) return;
    const [w, hgt] = this.sizeOf(r);
    this.engine.updateRegion(r.id, KINDS[this.kindOfRegion(r)].move(r.value, (dx * 100) / w, (dy * 100) / hgt));
  }

  hotkeys() {
    const keys = [];
    const shapes = this.engine.controlsOf(this.name).some((c) => c.kind && c.kind !== "brush");
    if (shapes) {
      const active = () => this.nudgeTarget() !== null; // otherwise the arrows keep their usual job
      const label = t("Move the selected image region 1 px (Shift: {n} px)", { n: NUDGE_BIG });
      for (const [key, dx, dy] of [["left", -1, 0], ["right", 1, 0], ["up", 0, -1], ["down", 0, 1]]) {
        // the sheet lists the eight keys once, as "Arrows"
        keys.push({ key, label, display: "arrows", hidden: key !== "left", active, run: () => this.nudge(dx, dy) });
        keys.push({ key: `shift+${key}`, label, hidden: true, active, run: () => this.nudge(dx * NUDGE_BIG, dy * NUDGE_BIG) });
        const sized = () => ["rectangle", "ellipse"].includes(this.kindOfRegion(this.nudgeTarget() || {}));
        const grow = t("Resize the selected box or ellipse 1 px (Shift: {n} px)", { n: NUDGE_BIG });
        keys.push({ key: `alt+${key}`, label: grow, display: "alt+arrows", hidden: key !== "left", active: sized, run: () => this.resizeSelected(dx, dy) });
        keys.push({ key: `alt+shift+${key}`, label: grow, hidden: true, active: sized, run: () => this.resizeSelected(dx * NUDGE_BIG, dy * NUDGE_BIG) });
      }
    }
    if (this.hasBrush()) {
      keys.push({ key: "-", label: t("Brush: smaller"), run: () => this.resizeBrush(false) });
      keys.push({ key: "=", label: t("Brush: larger"), run: () => this.resizeBrush(true) });
      keys.push({ key: "shift+e", label: t("Brush: eraser on or off"), run: () => this.setEraser(!this.eraser) });
    }
    return keys;
  }
}

export const image = { create: (node, ctx) => new ImageObject(node, ctx) };
