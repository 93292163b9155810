// The Audio object tag (alias AudioPlus): an <audio> element plays the clip, and the waveform is
// decoded in the browser with Web Audio (decodeAudioData) and drawn on a canvas. Drag on the
// waveform to mark a segment (`start`/`end` in seconds, `channel`), labelled with the active
// Labels control (or kept pending until a label is pressed); click to seek. Drag a segment to
// move it, its edges to resize it; click it to select it. Keys with the waveform focused: Space play/pause, Left/Right seek 1 s (Shift: 5 s),
// +/- zoom, [ and ] mark a segment from and to the play position (no mouse needed), Enter
// labels the pending segment, Escape drops it. The media helpers at the end
// (safeMediaSrc, formatTime, speedSelect) are shared with video.js.
import { h, clear, safeColor, isSitePath } from "../dom.js";
import { resolve } from "../config.js";
import { t } from "../i18n.js";

const MAX_BYTES = 256 * 1024 * 1024; // larger files play, but get no waveform
const MAX_CANVAS = 16000; // px: browsers refuse wider canvases
const DRAG_PX = 3; // a shorter drag is a click (seek)
const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];

/** Only http(s), same-origin paths and data: URLs of the given media kind reach a media src. */
export function safeMediaSrc(url, kind) {
  if (typeof url !== "string") return "";
  if (/^https?:\/\//i.test(url) || isSitePath(url)) return url;
  if (new RegExp(`^data:${kind}/[\\w.+-]+(;[\\w=.-]+)*;base64,`, "i").test(url)) return url;
  return "";
}

/** 75.5 -> "1:15.500" */
export function formatTime(sec) {
  const s = Math.max(0, Number(sec) || 0);
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(3).padStart(6, "0")}`;
}

/** A playback speed <select> for a media element (value in `initial`, clamped to 0.05..10). */
export function speedSelect(media, initial, cls) {
  const first = Math.min(10, Math.max(0.05, Number(initial) || 1));
  const speeds = SPEEDS.includes(first) ? SPEEDS : SPEEDS.concat(first).sort((a, b) => a - b);
  const sel = h("select", { class: `lc-select ${cls}`, "aria-label": t("Playback speed") },
    speeds.map((s) => h("option", { value: String(s), selected: s === first }, `${s}×`)));
  media.playbackRate = first;
  media.defaultPlaybackRate = first;
  sel.addEventListener("change", () => { media.playbackRate = Number(sel.value); });
  return sel;
}

/** The bytes behind a media URL (at most `max`): base64 data: URLs decoded here, others
 * fetched (cookies only to this site). The body is read as a stream and dropped once past
 * `max`, so a response without Content-Length, or compressed (a gzip bomb), cannot fill the
 * tab's memory before the size is known. */
export async function mediaBytes(url, max = MAX_BYTES) {
  if (url.startsWith("data:")) {
    const b64 = url.slice(url.indexOf(",") + 1);
    if (b64.length > (max * 4) / 3 + 4) throw new Error("too large");
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  const resp = await fetch(url, { credentials: "same-origin" });
  if (!resp.ok) throw new Error(String(resp.status));
  if (Number(resp.headers.get("Content-Length") || 0) > max) throw new Error("too large");
  const reader = resp.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      reader.cancel();
      throw new Error("too large");
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out.buffer;
}

const round = (v) => Math.round(v * 1e6) / 1e6;

class AudioObject {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.src = safeMediaSrc(resolve(node.attrs.value, ctx.data), "audio");
    this.split = node.attrs.splitchannels === "true";
    this.waveHeight = Math.max(20, Math.min(400, Number(node.attrs.waveheight || node.attrs.height || 96)));
    this.zoom = Math.max(1, Math.min(50, Number(node.attrs.defaultzoom || 1)));
    this.duration = 0;
    this.peaks = null; // [[min, max] per column] per channel
    this.channels = 1;
    this.pending = null; // {start, end, channel} marked but not labelled yet
    this.drag = null;
    this.stopAt = null; // playing a selected segment stops at its end
  }

  render(container) {
    const a = this.node.attrs;
    this.audio = h("audio", { class: "lc-audio-media", preload: "auto" });
    this.audio.addEventListener("loadedmetadata", () => {
      if (!this.duration && Number.isFinite(this.audio.duration)) this.setDuration(this.audio.duration);
      if (this.position) this.audio.currentTime = this.position; // a seek made before it loaded
    });
    this.audio.addEventListener("play", () => this.tick());
    this.audio.addEventListener("pause", () => this.showTime());
    this.audio.addEventListener("seeked", () => this.showTime());
    if (a.defaultvolume !== undefined) this.audio.volume = Math.max(0, Math.min(1, Number(a.defaultvolume) || 0));
    this.playBtn = h("button", { type: "button", class: "lc-btn lc-audio-play", onclick: () => this.toggle() }, t("Play"));
    this.timeEl = h("span", { class: "lc-audio-time", "aria-live": "off" }, formatTime(0));
    const tools = h("div", { class: "lc-audio-tools", role: "toolbar", "aria-label": t("Audio tools") },
      this.playBtn, this.timeEl, speedSelect(this.audio, a.defaultspeed, "lc-audio-speed"),
      h("button", { type: "button", class: "lc-btn lc-audio-zoom-in", onclick: () => this.setZoom(this.zoom * 2) }, t("Zoom in")),
      h("button", { type: "button", class: "lc-btn lc-audio-zoom-out", onclick: () => this.setZoom(this.zoom / 2) }, t("Zoom out")));
    this.canvas = h("canvas", { class: "lc-audio-canvas", "aria-hidden": "true" });
    this.layer = h("div", { class: "lc-audio-regions" });
    this.cursor = h("div", { class: "lc-audio-cursor", "aria-hidden": "true" });
    this.wave = h("div", {
      class: "lc-audio-wave", tabindex: "0", role: "application",
      "aria-label": t("Waveform: drag to mark a segment, click to seek; Space plays, arrows seek"),
      onpointerdown: (e) => this.down(e), onpointermove: (e) => this.move(e), onpointerup: (e) => this.up(e),
      onkeydown: (e) => this.key(e),
    }, this.canvas, this.layer, this.cursor);
    this.scroll = h("div", { class: "lc-audio-scroll" }, this.wave);
    this.message = h("p", { class: "lc-audio-message", role: "status" });
    this.el = h("div", { class: "lc-audio", dataset: { lcObject: this.name } }, tools, this.scroll, this.message, this.audio);
    container.append(this.el);
    if (!this.src) {
      this.message.classList.add("lc-problem");
      this.message.textContent = t("This audio URL cannot be played.");
      return;
    }
    this.audio.src = this.src;
    this.decode();
    this.layout();
    // redraw when the space given to the waveform changes (a panel opens, the window resizes)
    let seen = this.scroll.clientWidth;
    const ro = new ResizeObserver(() => {
      if (this.scroll.clientWidth && this.scroll.clientWidth !== seen) { seen = this.scroll.clientWidth; this.layout(); }
    });
    ro.observe(this.scroll);
    this.engine.onDestroy(() => { ro.disconnect(); this.audio.pause(); });
  }

  async decode() {
    try {
      const bytes = await mediaBytes(this.src);
      const Ctx = window.OfflineAudioContext || window.webkitOfflineAudioContext;
      const buf = await new Ctx(1, 1, 44100).decodeAudioData(bytes);
      this.buffer = buf;
      this.channels = buf.numberOfChannels;
      this.setDuration(buf.duration);
      this.el.dataset.decoded = "true";
    } catch (_e) {
      this.message.textContent = t("The waveform cannot be drawn for this file; segments can still be marked on the timeline.");
      this.el.dataset.decoded = "false";
    }
  }

  setDuration(d) {
    this.duration = d;
    this.el.dataset.duration = String(round(d));
    this.layout();
  }

  setZoom(z) {
    this.zoom = Math.max(1, Math.min(50, z));
    this.el.dataset.zoom = String(this.zoom);
    this.layout();
  }

  lanes() {
    return this.split ? Math.max(1, this.channels) : 1;
  }

  /** Size the wave to the zoom, compute peaks for its width, draw, place regions. */
  layout() {
    if (!this.wave) return;
    const base = this.scroll.clientWidth || 600;
    const width = Math.min(MAX_CANVAS, Math.round(base * this.zoom));
    const height = this.waveHeight * this.lanes();
    this.wave.style.width = `${width}px`;
    this.wave.style.height = `${height}px`;
    this.canvas.width = width;
    this.canvas.height = height;
    this.draw(width, height);
    this.refresh();
  }

  draw(width, height) {
    const g = this.canvas.getContext("2d");
    if (!g) return;
    g.clearRect(0, 0, width, height);
    const lane = height / this.lanes();
    g.fillStyle = getComputedStyle(this.wave).getPropertyValue("--lc-wave-color").trim() || "#4f6bed";
    if (!this.buffer) {
      g.fillRect(0, lane / 2, width, 1);
      return;
    }
    const chans = this.split ? [...Array(this.channels).keys()] : [0];
    for (const [row, ch] of chans.entries()) {
      const mixes = this.split ? [this.buffer.getChannelData(ch)] : [...Array(this.channels).keys()].map((c) => this.buffer.getChannelData(c));
      const n = mixes[0].length;
      const per = Math.max(1, Math.floor(n / width));
      const mid = row * lane + lane / 2;
      for (let x = 0; x < width; x++) {
        let lo = 0, hi = 0;
        const from = Math.floor((x * n) / width);
        for (const data of mixes) {
          for (let i = from; i < from + per && i < n; i++) {
            const v = data[i];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
        }
        const top = mid - hi * (lane / 2 - 1), bottom = mid - lo * (lane / 2 - 1);
        g.fillRect(x, top, 1, Math.max(1, bottom - top));
      }
    }
  }

  // ---- playback --------------------------------------------------------------------------------
  toggle() {
    if (!this.audio.paused) {
      this.audio.pause();
      return;
    }
    const sel = this.engine.selectedRegion();
    if (sel && sel.to_name === this.name && sel.value) {
      const now = this.now();
      if (now < sel.value.start || now >= sel.value.end) this.seek(sel.value.start);
      this.stopAt = sel.value.end;
    } else this.stopAt = null;
    this.audio.play().catch(() => this.engine.notify(t("The audio cannot be played.")));
  }

  now() {
    return this.audio.readyState >= 1 ? this.audio.currentTime : this.position || 0;
  }

  seek(sec) {
    this.position = Math.max(0, Math.min(this.duration || 0, sec));
    if (this.audio.readyState >= 1) this.audio.currentTime = this.position;
    this.showTime();
  }

  tick() {
    this.position = this.audio.currentTime;
    if (this.stopAt !== null && this.audio.currentTime >= this.stopAt) {
      this.audio.pause();
      this.stopAt = null;
    }
    this.showTime();
    if (!this.audio.paused) requestAnimationFrame(() => this.tick());
  }

  showTime() {
    const now = this.now();
    this.timeEl.textContent = `${formatTime(now)} / ${formatTime(this.duration)}`;
    this.playBtn.textContent = this.audio.paused ? t("Play") : t("Pause");
    this.el.dataset.playing = this.audio.paused ? "false" : "true";
    this.el.dataset.time = String(round(now));
    this.cursor.style.left = this.duration ? `${(now / this.duration) * 100}%` : "0";
  }

  // ---- marking segments -------------------------------------------------------------------------
  at(e) {
    const b = this.wave.getBoundingClientRect();
    const x = Math.max(0, Math.min(b.width, e.clientX - b.left));
    const lane = Math.floor(((e.clientY - b.top) / b.height) * this.lanes());
    return { x, sec: this.duration ? (x / b.width) * this.duration : 0, channel: this.split ? Math.max(0, Math.min(this.lanes() - 1, lane)) : 0 };
  }

  down(e) {
    if (e.button !== 0 || !this.duration) return;
    this.wave.focus({ preventScroll: true });
    const p = this.at(e);
    const id = e.target.dataset.region;
    const r = id ? this.engine.region(id) : null;
    if (r && e.target.dataset.edge && !r.readonly) {
      this.engine.selectRegion(id);
      this.wave.setPointerCapture(e.pointerId);
      this.drag = { mode: "edge", id, edge: e.target.dataset.edge, moved: false };
      return;
    }
    if (r) {
      if (r.readonly) return this.engine.regionClicked(id);
      this.wave.setPointerCapture(e.pointerId);
      this.drag = { mode: "body", id, from: p, orig: { start: r.value.start, end: r.value.end }, moved: false };
      return;
    }
    this.wave.setPointerCapture(e.pointerId);
    this.drag = { mode: "new", from: p, now: p };
  }

  move(e) {
    const d = this.drag;
    if (!d) return;
    const p = this.at(e);
    if (d.mode === "edge") {
      const r = this.engine.region(d.id);
      if (!r) return;
      if (d.edge === "start") r.value.start = round(Math.min(p.sec, r.value.end));
      else r.value.end = round(Math.max(p.sec, r.value.start));
      d.moved = true;
      this.refresh();
      return;
    }
    if (d.mode === "body") {
      const r = this.engine.region(d.id);
      if (!r || (!d.moved && Math.abs(p.x - d.from.x) < DRAG_PX)) return;
      const len = d.orig.end - d.orig.start;
      const start = Math.max(0, Math.min(this.duration - len, d.orig.start + p.sec - d.from.sec));
      r.value.start = round(start);
      r.value.end = round(start + len);
      d.moved = true;
      this.refresh();
      return;
    }
    d.now = p;
    if (Math.abs(p.x - d.from.x) >= DRAG_PX) {
      this.pending = { start: round(Math.min(d.from.sec, p.sec)), end: round(Math.max(d.from.sec, p.sec)), channel: d.from.channel };
      this.refresh();
    }
  }

  up(e) {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    if (d.mode === "edge" || d.mode === "body") {
      if (d.moved) this.engine.updateRegion(d.id, {}); // one undo step per gesture
      else if (d.mode === "body") this.engine.regionClicked(d.id);
      return;
    }
    const p = this.at(e);
    if (Math.abs(p.x - d.from.x) < DRAG_PX) {
      this.pending = null;
      this.seek(p.sec);
      this.refresh();
      return;
    }
    this.label();
  }

  /** Label the pending segment with the active label, or ask for one. */
  label() {
    const active = this.engine.activeLabelsFor(this.name);
    if (active) this.takePending(active.control, active.values);
    else {
      this.engine.notify(t("Now choose a label for the marked segment."));
      this.refresh();
    }
  }

  /** Called by a Labels control's button or hotkey: label the pending segment. */
  takePending(control, values) {
    if (!this.pending || !(this.pending.end > this.pending.start)) return false;
    const { start, end, channel } = this.pending;
    this.pending = null;
    this.channel = channel;
    this.engine.createSpanRegion(this, control, values, start, end);
    const made = this.engine.regions[this.engine.regions.length - 1];
    if (made) this.engine.selectRegion(made.id); // per-region fields (transcription) show now
    return true;
  }

  toValue(a, b) {
    return { start: a, end: b, channel: this.channel || 0 };
  }

  /** A loaded segment's value: Label Studio's AudioRegionModel defaults `channel` to 0 and
   * always writes it, so one loaded without it is saved with channel 0. */
  loadedValue(v) {
    return v.channel === undefined || v.channel === null ? { ...v, channel: 0 } : { ...v };
  }

  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const stop = () => { e.preventDefault(); e.stopPropagation(); };
    if (e.key === " ") { stop(); this.toggle(); }
    else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      stop();
      this.seek(this.now() + (e.key === "ArrowLeft" ? -1 : 1) * (e.shiftKey ? 5 : 1));
    } else if (e.key === "+" || e.key === "=") { stop(); this.setZoom(this.zoom * 2); }
    else if (e.key === "-") { stop(); this.setZoom(this.zoom / 2); }
    else if (e.key === "[") { stop(); this.markFrom = this.now(); this.engine.notify(t("Segment start: {time}", { time: formatTime(this.markFrom) })); }
    else if (e.key === "]" && this.markFrom !== undefined) {
      stop();
      const [a, b] = [this.markFrom, this.now()].sort((x, y) => x - y);
      this.markFrom = undefined;
      if (b > a) { this.pending = { start: round(a), end: round(b), channel: 0 }; this.label(); }
    } else if (e.key === "Enter" && this.pending) { stop(); this.label(); }
    else if (e.key === "Escape" && this.pending) { stop(); this.pending = null; this.refresh(); }
  }

  // ---- drawing regions ---------------------------------------------------------------------------
  refresh() {
    if (!this.layer) return;
    clear(this.layer);
    if (!this.duration) return;
    const lane = 100 / this.lanes();
    const put = (el, v) => {
      el.style.left = `${(v.start / this.duration) * 100}%`;
      el.style.width = `${Math.max(0, ((v.end - v.start) / this.duration) * 100)}%`;
      const ch = this.split ? Math.max(0, Math.min(this.lanes() - 1, Number(v.channel) || 0)) : 0;
      el.style.top = `${ch * lane}%`;
      el.style.height = `${lane}%`;
    };
    const sel = this.engine.selectedId;
    for (const r of this.engine.regions) {
      if (r.to_name !== this.name || !r.value || typeof r.value.start !== "number") continue;
      const labels = this.engine.regionLabels(r).join(", ");
      const el = h("div", { class: "lc-audio-region" + (r.id === sel ? " lc-selected" : ""), title: labels, dataset: { region: r.id } },
        h("span", { class: "lc-audio-region-label", dataset: { region: r.id } }, labels));
      if (!r.readonly) {
        el.append(h("span", { class: "lc-audio-edge lc-audio-edge-start", dataset: { region: r.id, edge: "start" } }),
          h("span", { class: "lc-audio-edge lc-audio-edge-end", dataset: { region: r.id, edge: "end" } }));
      }
      el.style.setProperty("--lc-region-color", safeColor(this.engine.regionColor(r), "#36b37e"));
      put(el, r.value);
      this.layer.append(el);
    }
    if (this.pending) {
      const el = h("div", { class: "lc-audio-region lc-pending" });
      put(el, this.pending);
      this.layer.append(el);
    }
    this.showTime();
  }

  /** Keys Label Studio puts on audio region results: the clip length in seconds. */
  resultExtras() {
    return this.duration ? { original_length: round(this.duration) } : {};
  }

  /** The region list's text for a segment: "0:00.500–0:01.500". */
  describe(r) {
    const v = r.value || {};
    return typeof v.start === "number" ? `${formatTime(v.start)}–${formatTime(v.end)}` : "";
  }

  serialize() { return []; }
  load() { this.pending = null; }

  hotkeys() {
    const key = this.node.attrs.hotkey;
    return key ? [{ key, label: t("Play or pause {name}", { name: this.name }), run: () => this.toggle() }] : [];
  }
}

export const audio = { create: (node, ctx) => new AudioObject(node, ctx) };
export const audioplus = audio;
