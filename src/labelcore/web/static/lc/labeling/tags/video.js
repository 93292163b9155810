// The Video object tag and its controls: TimelineLabels (frame ranges) and VideoRectangle
// (boxes with keyframes). Frames are numbered from 1 as Label Studio 1.23 numbers them
// (VideoCanvas.goToFrame): frame n is the picture shown from (n - 1) / frameRate seconds.
// Seeking is by frame: the player is put in the middle of the frame, so the decoder shows
// exactly that picture. A keyframe's `time` is frame / frameRate, as VideoRegion.serialize
// writes it (the end of the frame's picture, not its start).
//   - Timeline: with a TimelineLabels label chosen, click a frame or drag over frames to mark
//     a range; with none chosen, click or drag to seek.
//   - Boxes: with a Labels label chosen (or no Labels control), drag on the picture to draw a
//     box on the current frame. Moving or resizing the selected box on another frame adds a
//     keyframe there; between keyframes the box is interpolated linearly.
//   - Keys with the picture or the timeline focused: Left/Right one frame (Shift: 10), Space
//     play/pause, [ and ] mark a range from and to the current frame with the chosen timeline
//     label. Alt+Left / Alt+Right step a frame from anywhere.
import { h, clear, safeColor, uid } from "../dom.js";
import { resolve } from "../config.js";
import { t } from "../i18n.js";
import { svg, clamp, round, MIN } from "./image_shapes.js";
import { safeMediaSrc, formatTime, speedSelect } from "./audio.js";
import { labels as labelsModule } from "./labels.js";

const BOX_KEYS = ["x", "y", "width", "height", "rotation"];

/** The box of a keyframe `sequence` at `frame`: a keyframe's own box, linear between two
 * keyframes, held after the last enabled one; null before the first or after a disabled one. */
export function boxAt(sequence, frame) {
  const kfs = (Array.isArray(sequence) ? sequence : []).filter((k) => k && Number.isFinite(Number(k.frame))).slice().sort((a, b) => a.frame - b.frame);
  let prev = null, next = null;
  for (const k of kfs) {
    if (k.frame <= frame) prev = k;
    else { next = k; break; }
  }
  if (!prev) return null;
  if (prev.frame === frame) return { ...pick(prev), keyframe: true, enabled: prev.enabled !== false };
  if (prev.enabled === false) return null;
  if (!next) return { ...pick(prev), keyframe: false, enabled: true };
  const f = (frame - prev.frame) / (next.frame - prev.frame);
  const box = {};
  for (const key of BOX_KEYS) box[key] = round(Number(prev[key] || 0) + (Number(next[key] || 0) - Number(prev[key] || 0)) * f);
  return { ...box, keyframe: false, enabled: true };
}

function pick(k) {
  const out = {};
  for (const key of BOX_KEYS) out[key] = Number(k[key] || 0);
  return out;
}

class VideoObject {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.src = safeMediaSrc(resolve(node.attrs.value, ctx.data), "video");
    const fps = Number(resolve(node.attrs.framerate || "24", ctx.data));
    this.fps = Number.isFinite(fps) && fps > 0 && fps <= 1000 ? fps : 24;
    this.duration = 0;
    this.frames = 0;
    this.want = 1; // the frame asked for (the player may still be seeking)
    this.drag = null;
  }

  // ---- controls of this video -------------------------------------------------------------------
  boxControl() {
    return this.engine.controlsOf(this.name).find((c) => c.type === "videorectangle") || null;
  }

  /** Active labels for a new box: [] when the video has no Labels control; null: choose one. */
  boxLabels() {
    const ctls = this.engine.controlsOf(this.name).filter((c) => c.type === "labels");
    if (!ctls.length) return [];
    for (const c of ctls) if (c.active.size) return c.activeValues();
    return null;
  }

  timelineActive() {
    return activeLabelsOfType(this.engine, this.name, "timelinelabels");
  }

  // ---- rendering -------------------------------------------------------------------------------
  render(container) {
    const a = this.node.attrs;
    this.video = h("video", { class: "lc-video-media", preload: "auto", playsinline: true, muted: a.muted === "true" });
    if (a.muted === "true") this.video.muted = true;
    if (a.height) this.video.style.maxHeight = `${Math.max(40, Math.min(2000, Number(a.height) || 0))}px`;
    this.video.addEventListener("loadedmetadata", () => this.loaded());
    this.video.addEventListener("play", () => this.tick());
    this.video.addEventListener("pause", () => { this.want = this.playingFrame(); this.setFrame(this.want); });
    this.video.addEventListener("seeked", () => this.refresh());
    this.overlay = svg("svg", { class: "lc-video-overlay", tabindex: "0", role: "application", "aria-label": t("Video frame: drag to draw a box; Left/Right step frames") });
    this.overlay.addEventListener("pointerdown", (e) => this.down(e));
    this.overlay.addEventListener("pointermove", (e) => this.move(e));
    this.overlay.addEventListener("pointerup", (e) => this.up(e));
    this.overlay.addEventListener("keydown", (e) => this.key(e));
    this.stage = h("div", { class: "lc-video-stage" }, this.video, this.overlay);
    const btn = (label, cls, run, title) => h("button", { type: "button", class: `lc-btn ${cls}`, onclick: run, title: title || null }, label);
    this.playBtn = btn(t("Play"), "lc-video-play", () => this.toggle(), "Space");
    this.frameEl = h("span", { class: "lc-video-frame" });
    this.timeEl = h("span", { class: "lc-video-time" });
    this.kfBtn = btn(t("Add keyframe"), "lc-video-keyframe-toggle", () => this.toggleKeyframe());
    this.hideBtn = btn(t("Hide from here"), "lc-video-enabled-toggle", () => this.toggleEnabled());
    const tools = h("div", { class: "lc-video-tools", role: "toolbar", "aria-label": t("Video tools") },
      this.playBtn,
      btn("⏮", "lc-video-prev", () => this.step(-1), t("Previous frame (Alt+Left)")),
      btn("⏭", "lc-video-next", () => this.step(1), t("Next frame (Alt+Right)")),
      this.frameEl, this.timeEl, speedSelect(this.video, a.defaultplaybackspeed, "lc-video-speed"), this.kfBtn, this.hideBtn);
    this.track = h("div", { class: "lc-video-track", tabindex: "0", role: "slider", "aria-label": t("Timeline: click to seek; with a timeline label chosen, drag to mark frames") });
    this.track.addEventListener("pointerdown", (e) => this.trackDown(e));
    this.track.addEventListener("pointermove", (e) => this.trackMove(e));
    this.track.addEventListener("pointerup", (e) => this.trackUp(e));
    this.track.addEventListener("keydown", (e) => this.key(e));
    this.rows = h("div", { class: "lc-video-rows" });
    this.timeline = h("div", { class: "lc-video-timeline" }, this.track, this.rows);
    this.message = h("p", { class: "lc-video-message", role: "status" });
    this.el = h("div", { class: "lc-video", dataset: { lcObject: this.name, frame: "1" } }, tools, this.stage, this.timeline, this.message);
    container.append(this.el);
    if (!this.src) {
      this.message.classList.add("lc-problem");
      this.message.textContent = t("This video URL cannot be played.");
    } else this.video.src = this.src;
    this.engine.onDestroy(() => this.video.pause());
    this.refresh();
  }

  loaded() {
    this.duration = Number.isFinite(this.video.duration) ? this.video.duration : 0;
    // Label Studio 1.23's VideoCanvas counts round(duration * frameRate) frames (its
    // frame-seek-precision flag, on in Community; ceil() was the flag-off branch)
    this.frames = Math.max(1, Math.round(this.duration * this.fps));
    this.el.dataset.frames = String(this.frames);
    this.el.dataset.loaded = "true";
    this.setFrame(this.want);
  }

  // ---- frames ---------------------------------------------------------------------------------
  playingFrame() {
    return clamp(Math.floor(this.video.currentTime * this.fps + 1e-6) + 1, 1, this.frames || 1);
  }

  frame() {
    return this.video.paused ? this.want : this.playingFrame();
  }

  setFrame(n) {
    this.want = clamp(Math.round(n), 1, this.frames || 1);
    if (this.video.readyState >= 1) this.video.currentTime = Math.min(this.duration, (this.want - 0.5) / this.fps);
    this.refresh();
  }

  step(d) {
    if (!this.video.paused) this.video.pause();
    this.setFrame(this.frame() + d);
  }

  toggle() {
    if (this.video.paused) this.video.play().catch(() => this.engine.notify(t("The video cannot be played.")));
    else this.video.pause();
  }

  tick() {
    this.refresh();
    if (!this.video.paused) requestAnimationFrame(() => this.tick());
  }

  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const stop = () => { e.preventDefault(); e.stopPropagation(); };
    if (e.key === " ") { stop(); this.toggle(); }
    else if (e.key === "ArrowLeft" || e.key === "ArrowRight") { stop(); this.step((e.key === "ArrowLeft" ? -1 : 1) * (e.shiftKey ? 10 : 1)); }
    else if (e.key === "[") { stop(); this.markFrom = this.frame(); this.engine.notify(t("Range start: frame {n}", { n: this.markFrom })); }
    else if (e.key === "]" && this.markFrom !== undefined) {
      stop();
      const active = this.timelineActive();
      if (!active) return this.engine.notify(t("Choose a timeline label first."));
      const [a, b] = [this.markFrom, this.frame()].sort((x, y) => x - y);
      this.markFrom = undefined;
      this.addRange(active, a, b);
    }
  }

  hotkeys() {
    return [
      { key: "alt+left", label: t("Video: previous frame"), run: () => this.step(-1) },
      { key: "alt+right", label: t("Video: next frame"), run: () => this.step(1) },
    ];
  }

  // ---- boxes on the picture ------------------------------------------------------------------------
  pct(e) {
    const b = this.overlay.getBoundingClientRect();
    return { x: round(clamp(((e.clientX - b.left) / b.width) * 100, 0, 100)), y: round(clamp(((e.clientY - b.top) / b.height) * 100, 0, 100)) };
  }

  selectedBox() {
    const r = this.engine.selectedRegion();
    return r && r.to_name === this.name && r.type === "videorectangle" ? r : null;
  }

  down(e) {
    if (e.button !== 0 || !this.frames) return;
    this.overlay.focus({ preventScroll: true });
    if (!this.video.paused) this.video.pause();
    const p = this.pct(e);
    const id = e.target.dataset ? e.target.dataset.region : undefined;
    const r = id ? this.engine.region(id) : null;
    if (r) {
      this.engine.selectRegion(id);
      if (r.readonly) return;
      const box = boxAt(r.value.sequence, this.frame());
      if (!box) return;
      this.overlay.setPointerCapture(e.pointerId);
      this.drag = { mode: e.target.dataset.handle ? "resize" : "move", id, start: p, orig: box, moved: false };
      return;
    }
    const ctl = this.boxControl();
    const values = ctl ? this.boxLabels() : null;
    if (!ctl || values === null) {
      if (ctl) this.engine.notify(t("Choose a label first, then drag on the video to draw a box."));
      return this.engine.selectRegion(null);
    }
    this.overlay.setPointerCapture(e.pointerId);
    this.drag = { mode: "draw", ctl, values, start: p, now: p };
  }

  move(e) {
    const d = this.drag;
    if (!d) return;
    const p = this.pct(e);
    if (d.mode === "draw") {
      d.now = p;
      this.refresh();
      return;
    }
    const o = d.orig;
    const box = d.mode === "move"
      ? { ...o, x: round(clamp(o.x + p.x - d.start.x, 0, 100 - o.width)), y: round(clamp(o.y + p.y - d.start.y, 0, 100 - o.height)) }
      : { ...o, width: round(clamp(p.x - o.x, MIN, 100 - o.x)), height: round(clamp(p.y - o.y, MIN, 100 - o.y)) };
    this.putKeyframe(d.id, box, true);
    d.moved = true;
    this.refresh();
  }

  up(e) {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    if (d.mode === "draw") {
      const a = d.start, b = this.pct(e);
      const box = { x: round(Math.min(a.x, b.x)), y: round(Math.min(a.y, b.y)), width: round(Math.abs(b.x - a.x)), height: round(Math.abs(b.y - a.y)), rotation: 0 };
      if (box.width < MIN || box.height < MIN) return this.refresh();
      return d.ctl.addRegion(this, box, d.values);
    }
    if (d.moved) this.engine.updateRegion(d.id, {});
  }

  keyframe(frame, box, enabled) {
    return { frame, enabled, rotation: Number(box.rotation) || 0, x: box.x, y: box.y, width: box.width, height: box.height, time: frame / this.fps };
  }

  /** Put a keyframe at the current frame (replacing one there); the sequence stays sorted. */
  putKeyframe(id, box, enabled) {
    const r = this.engine.region(id);
    if (!r) return;
    const f = this.frame();
    const seq = (r.value.sequence || []).filter((k) => k.frame !== f);
    seq.push(this.keyframe(f, box, enabled));
    seq.sort((a, b) => a.frame - b.frame);
    r.value.sequence = seq;
    if (r.origin === "prediction") r.origin = "prediction-changed";
  }

  toggleKeyframe() {
    const r = this.selectedBox();
    if (!r || r.readonly) return;
    const f = this.frame();
    const seq = r.value.sequence || [];
    if (seq.some((k) => k.frame === f)) {
      if (seq.length < 2) return this.engine.notify(t("A box needs at least one keyframe."));
      this.engine.updateRegion(r.id, { sequence: seq.filter((k) => k.frame !== f) });
      return;
    }
    const box = boxAt(seq, f) || boxAt(seq, seq[0].frame);
    this.putKeyframe(r.id, box, true);
    this.engine.updateRegion(r.id, {});
  }

  toggleEnabled() {
    const r = this.selectedBox();
    if (!r || r.readonly) return;
    const f = this.frame();
    const cur = boxAt(r.value.sequence, f);
    if (cur) this.putKeyframe(r.id, cur, !cur.enabled);
    else {
      // hidden here: show the last box again from this frame on
      const before = (r.value.sequence || []).filter((k) => k.frame < f).pop();
      if (!before) return;
      this.putKeyframe(r.id, pick(before), true);
    }
    this.engine.updateRegion(r.id, {});
  }

  // ---- timeline --------------------------------------------------------------------------------
  frameAt(e) {
    const b = this.track.getBoundingClientRect();
    return clamp(Math.floor(((e.clientX - b.left) / b.width) * (this.frames || 1)) + 1, 1, this.frames || 1);
  }

  trackDown(e) {
    if (e.button !== 0 || !this.frames) return;
    this.track.focus({ preventScroll: true });
    if (!this.video.paused) this.video.pause();
    this.track.setPointerCapture(e.pointerId);
    const f = this.frameAt(e);
    const active = this.timelineActive();
    this.drag = { mode: active ? "range" : "scrub", active, from: f, to: f };
    this.setFrame(f);
  }

  trackMove(e) {
    const d = this.drag;
    if (!d || (d.mode !== "range" && d.mode !== "scrub")) return;
    d.to = this.frameAt(e);
    this.setFrame(d.to);
  }

  trackUp(e) {
    const d = this.drag;
    this.drag = null;
    if (!d || d.mode !== "range") return;
    d.to = this.frameAt(e);
    this.addRange(d.active, Math.min(d.from, d.to), Math.max(d.from, d.to));
  }

  addRange(active, a, b) {
    this.engine.createSpanRegion(this, active.control, active.values, a, b);
    const made = this.engine.regions[this.engine.regions.length - 1];
    if (made) this.engine.selectRegion(made.id);
  }

  toValue(a, b) {
    return { ranges: [{ start: a, end: b }] };
  }

  span(start, end) {
    const n = this.frames || 1;
    const el = h("div", { class: "lc-video-span" });
    el.style.left = `${((start - 1) / n) * 100}%`;
    el.style.width = `${((end - start + 1) / n) * 100}%`;
    return el;
  }

  // ---- drawing ---------------------------------------------------------------------------------
  refresh() {
    if (!this.el) return;
    const f = this.frame();
    const n = this.frames || 1;
    this.el.dataset.frame = String(f);
    this.frameEl.textContent = t("Frame {n} of {total}", { n: f, total: this.frames || "?" });
    this.timeEl.textContent = `${formatTime((f - 1) / this.fps)} / ${formatTime(this.duration)}`;
    this.playBtn.textContent = this.video.paused ? t("Play") : t("Pause");
    const selBox = this.selectedBox();
    this.kfBtn.hidden = this.hideBtn.hidden = !selBox || !!selBox.readonly;
    if (selBox) {
      this.kfBtn.textContent = (selBox.value.sequence || []).some((k) => k.frame === f) ? t("Remove keyframe") : t("Add keyframe");
      const cur = boxAt(selBox.value.sequence, f);
      this.hideBtn.textContent = cur && cur.enabled ? t("Hide from here") : t("Show from here");
    }
    // the picture
    clear(this.overlay);
    const sel = this.engine.selectedId;
    for (const r of this.regions()) {
      if (r.type !== "videorectangle") continue;
      const box = boxAt(r.value.sequence, f);
      if (!box) continue;
      const color = safeColor(this.engine.regionColor(r), "#ff8800");
      const g = svg("g", { class: "lc-video-region" + (r.id === sel ? " lc-selected" : ""), "data-region-id": r.id });
      g.append(svg("rect", { x: `${box.x}%`, y: `${box.y}%`, width: `${box.width}%`, height: `${box.height}%`, class: "lc-video-box " + (box.keyframe ? "lc-keyframe" : "lc-interpolated"), stroke: color, fill: color, "data-region": r.id }));
      if (r.id === sel && !r.readonly) {
        g.append(svg("rect", { x: `${box.x + box.width}%`, y: `${box.y + box.height}%`, width: 10, height: 10, transform: "translate(-5 -5)", class: "lc-video-handle", fill: color, "data-region": r.id, "data-handle": "se" }));
      }
      this.overlay.append(g);
    }
    const d = this.drag;
    if (d && d.mode === "draw") {
      const a = d.start, b = d.now;
      this.overlay.append(svg("rect", { x: `${Math.min(a.x, b.x)}%`, y: `${Math.min(a.y, b.y)}%`, width: `${Math.abs(b.x - a.x)}%`, height: `${Math.abs(b.y - a.y)}%`, class: "lc-video-box lc-video-ghost", stroke: "#ff8800", fill: "#ff8800" }));
    }
    // the timeline: the track (seek / new ranges) and one row per region
    clear(this.track);
    if (d && d.mode === "range") {
      const s = this.span(Math.min(d.from, d.to), Math.max(d.from, d.to));
      s.classList.add("lc-pending");
      this.track.append(s);
    }
    const head = h("div", { class: "lc-video-playhead" });
    head.style.left = `${((f - 0.5) / n) * 100}%`;
    this.track.append(head);
    this.track.setAttribute("aria-valuemin", "1");
    this.track.setAttribute("aria-valuemax", String(n));
    this.track.setAttribute("aria-valuenow", String(f));
    clear(this.rows);
    for (const r of this.regions()) {
      const row = h("div", { class: "lc-video-row" + (r.id === sel ? " lc-selected" : ""), dataset: { regionId: r.id }, title: this.engine.regionLabels(r).join(", ") || r.from_name, onclick: () => this.engine.regionClicked(r.id) });
      row.style.setProperty("--lc-region-color", safeColor(this.engine.regionColor(r), "#ff8800"));
      if (r.type === "timelinelabels") {
        for (const rg of r.value.ranges || []) row.append(this.span(Number(rg.start), Number(rg.end)));
      } else if (r.type === "videorectangle") {
        const seq = (r.value.sequence || []).slice().sort((x, y) => x.frame - y.frame);
        seq.forEach((k, i) => {
          if (k.enabled !== false) row.append(this.span(k.frame, i + 1 < seq.length ? seq[i + 1].frame : n));
          const dot = h("span", { class: "lc-video-keyframe", dataset: { frame: String(k.frame) } });
          dot.style.left = `${((k.frame - 0.5) / n) * 100}%`;
          row.append(dot);
        });
      }
      this.rows.append(row);
    }
  }

  regions() {
    return this.engine.regions.filter((r) => r.to_name === this.name);
  }

  /** The region list's text: "frames 3–8" for a range, the keyframes of a box. */
  describe(r) {
    const v = r.value || {};
    if (Array.isArray(v.ranges)) return v.ranges.map((g) => t("frames {a}–{b}", { a: g.start, b: g.end })).join(", ");
    if (Array.isArray(v.sequence)) return t("keyframes {list}", { list: v.sequence.map((k) => k.frame).join(", ") });
    return "";
  }

  serialize() { return []; }
  load() {}
}

/** VideoRectangle: owns its box regions (type videorectangle); the labels come from a Labels
 * control on the same video and are stored in the value's `labels`. */
class VideoRectangleControl {
  constructor(node, ctx) {
    this.node = node;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.toName = (node.attrs.toname || "").split(",")[0].trim();
    this.type = "videorectangle";
  }

  render() {}
  refresh() {}

  colorOf(label) {
    const ctl = this.engine.controlsOf(this.toName).find((c) => c.type === "labels" && c.colorOf);
    return ctl ? ctl.colorOf(label) : "#ff8800";
  }

  addRegion(video, box, labels) {
    const value = { framesCount: video.frames, duration: round(video.duration), sequence: [video.keyframe(video.frame(), box, true)] };
    if (labels.length) value.labels = labels;
    const id = uid();
    this.engine.regions.push({ id, from_name: this.name, to_name: video.name, type: this.type, value, origin: "manual" });
    this.engine.selectedId = id;
    this.engine.notify(t("Region added: {labels}", { labels: labels.join(", ") || this.name }));
    this.engine.changed();
  }

  serialize() {
    const video = this.engine.instance(this.toName);
    return this.engine.regions.filter((r) => r.from_name === this.name).map((r) => {
      const item = this.engine.regionItem(r);
      if (video && video.frames) item.value = { ...item.value, framesCount: video.frames, duration: round(video.duration) };
      // a keyframe's time is its frame over the frame rate, written anew for every keyframe on
      // each save, as Label Studio's VideoRegion.serialize writes it
      item.value.sequence = (item.value.sequence || []).map((k) => (video && Number.isFinite(k.frame) ? { ...k, time: k.frame / video.fps } : { ...k }));
      return item;
    });
  }

  load(results) {
    this.engine.regions = this.engine.regions.filter((r) => r.from_name !== this.name);
    for (const r of results) {
      if (r.from_name !== this.name || r.type !== this.type || !r.value || r.to_name !== this.toName) continue;
      if (!Array.isArray(r.value.sequence)) continue;
      this.engine.regions.push({ id: String(r.id), from_name: r.from_name, to_name: r.to_name, type: r.type, value: JSON.parse(JSON.stringify(r.value)), origin: r.origin || "manual", score: r.score, readonly: r.readonly === true, kept: this.engine.keptKeys(r) });
    }
  }

  hotkeys() { return []; }
}

/** {control, values} of the first control of `type` on object `name` with a label chosen. */
export function activeLabelsOfType(engine, name, type) {
  for (const c of engine.controlsOf(name)) {
    if (c.type === type && c.active.size) {
      const values = c.activeValues();
      return values ? { control: c, values } : null;
    }
  }
  return null;
}

/** A Labels control (its buttons and region store) whose results have another `type`. */
export function typedLabels(type) {
  return {
    create(node, ctx) {
      const ctl = labelsModule.create(node, ctx);
      ctl.type = type;
      return ctl;
    },
  };
}

export const video = { create: (node, ctx) => new VideoObject(node, ctx) };
export const videorectangle = { create: (node, ctx) => new VideoRectangleControl(node, ctx) };
export const timelinelabels = typedLabels("timelinelabels"); // ranges of frames
