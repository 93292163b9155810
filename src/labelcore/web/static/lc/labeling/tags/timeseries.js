// The TimeSeries object tag (Channel / MultiChannel children) and TimeSeriesLabels.
// Data: a CSV file (valueType="url", the default: a same-origin URL or a base64 data: URL; the
// first row names the columns, `sep` splits them) or JSON in the task (valueType="json": an
// object of column arrays, or a list of row objects). `timeColumn` gives the x values (the row
// index without one); with `timeFormat` (strftime: %Y %y %m %d %H %M %S %f) times are parsed
// from strings and stored back in that format, as Label Studio stores them.
// Mouse: with a label chosen, drag over the plot to mark a range, click to mark an instant;
// click a range to select it. Ctrl+wheel or the buttons zoom; drag in the overview strip to
// choose the window shown. Keys with the plot focused: Left/Right move the cursor one sample
// (Shift: a tenth of the window; the window follows it), Home/End to the window's first and
// last sample, [ and ] mark a range from and to the cursor with the chosen label (the same
// sample twice: an instant), +/- zoom, 0 resets.
import { h, clear, safeColor, isSitePath } from "../dom.js";
import { resolve } from "../config.js";
import { t } from "../i18n.js";
import { svg } from "./image_shapes.js";
import { mediaBytes } from "./audio.js";
import { activeLabelsOfType, typedLabels } from "./video.js";

const MAX_ROWS = 1_000_000;
const LANE = 90; // px per channel
const DRAG_PX = 3;
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

// ---- strftime subset -------------------------------------------------------------------------
const FIELDS = { Y: "(\\d{4})", y: "(\\d{2})", m: "(\\d{1,2})", d: "(\\d{1,2})", H: "(\\d{1,2})", M: "(\\d{1,2})", S: "(\\d{1,2})", f: "(\\d{1,6})" };

/** Parse `text` with a strftime format (UTC) into milliseconds, or NaN. */
export function strptime(text, format) {
  const order = [];
  let re = "";
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === "%" && i + 1 < format.length) {
      const k = format[++i];
      if (FIELDS[k]) { re += FIELDS[k]; order.push(k); } else if (k === "%") re += "%";
      else return NaN;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  const m = new RegExp(`^${re}$`).exec(String(text).trim());
  if (!m) return NaN;
  const v = { Y: 1970, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0 };
  order.forEach((k, i) => {
    if (k === "y") v.Y = 2000 + Number(m[i + 1]) - (Number(m[i + 1]) >= 69 ? 100 : 0);
    else if (k === "f") v.f = Number(m[i + 1].padEnd(6, "0")) / 1000;
    else v[k] = Number(m[i + 1]);
  });
  return Date.UTC(v.Y, v.m - 1, v.d, v.H, v.M, v.S, v.f);
}

/** Format milliseconds (UTC) with a strftime format. */
export function strftime(ms, format) {
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, "0");
  const f = { Y: p(d.getUTCFullYear(), 4), y: p(d.getUTCFullYear() % 100), m: p(d.getUTCMonth() + 1), d: p(d.getUTCDate()), H: p(d.getUTCHours()), M: p(d.getUTCMinutes()), S: p(d.getUTCSeconds()), f: p(d.getUTCMilliseconds() * 1000, 6), "%": "%" };
  return format.replace(/%(.)/g, (all, k) => (k in f ? f[k] : all));
}

/** CSV text -> {columns: [...], rows: [[...]]}; `sep` splits fields, double quotes group them. */
export function parseCSV(text, sep) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const split = (line) => {
    const out = [];
    let cur = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
      } else if (c === '"') quoted = true;
      else if (line.startsWith(sep, i)) { out.push(cur); cur = ""; i += sep.length - 1; } else cur += c;
    }
    out.push(cur);
    return out.map((s) => s.trim());
  };
  const columns = lines.length ? split(lines[0]) : [];
  if (lines.length - 1 > MAX_ROWS) throw new Error("too many rows");
  return { columns, rows: lines.slice(1).map(split) };
}

class TimeSeriesObject {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    const a = node.attrs;
    this.valueType = (a.valuetype || "url").toLowerCase();
    this.timeColumn = a.timecolumn || "";
    this.timeFormat = a.timeformat || "";
    this.sep = a.sep || ",";
    this.raw = resolve(a.value, ctx.data);
    this.channels = [];
    const collect = (n) => {
      for (const c of n.children) {
        if (c.tag === "channel" && c.attrs.column) {
          const i = this.channels.length;
          this.channels.push({ column: c.attrs.column, legend: c.attrs.legend || c.attrs.column, units: c.attrs.units || "", color: safeColor(c.attrs.strokecolor, PALETTE[i % PALETTE.length]) });
        } else if (c.tag === "multichannel") collect(c);
      }
    };
    collect(node);
    this.times = [];
    this.series = new Map();
    this.view = null; // [t0, t1] shown
    this.cursor = null; // index into times of the keyboard cursor
    this.markFrom = null; // time where [ started a range
    this.drag = null;
    this.stringTimes = false;
  }

  // ---- data ----------------------------------------------------------------------------------
  async loadData() {
    try {
      let table;
      if (this.valueType === "json") table = this.fromJSON(typeof this.raw === "string" ? JSON.parse(this.raw) : this.raw);
      else {
        if (typeof this.raw !== "string" || !isSitePath(this.raw) && !/^https?:\/\//i.test(this.raw) && !/^data:text\/(csv|plain|tab-separated-values)[;,]/i.test(this.raw)) throw new Error("url");
        const bytes = this.raw.startsWith("data:") && !/;base64,/i.test(this.raw)
          ? new TextEncoder().encode(decodeURIComponent(this.raw.slice(this.raw.indexOf(",") + 1))).buffer
          : await mediaBytes(this.raw);
        const csv = parseCSV(new TextDecoder().decode(bytes), this.sep);
        table = { columns: csv.columns, get: (col) => { const i = csv.columns.indexOf(col); return i < 0 ? null : csv.rows.map((r) => r[i]); }, length: csv.rows.length };
      }
      this.build(table);
      this.el.dataset.loaded = "true";
      this.el.dataset.rows = String(this.times.length);
    } catch (_e) {
      this.message.classList.add("lc-problem");
      this.message.textContent = t("The time series data cannot be read.");
      this.el.dataset.loaded = "false";
    }
    this.refresh();
  }

  fromJSON(d) {
    if (Array.isArray(d)) {
      if (d.length > MAX_ROWS) throw new Error("too many rows");
      return { get: (col) => (d.length && d[0] && col in d[0] ? d.map((r) => (r ? r[col] : null)) : null), length: d.length };
    }
    if (!d || typeof d !== "object") throw new Error("json");
    const len = Math.max(0, ...Object.values(d).map((v) => (Array.isArray(v) ? v.length : 0)));
    if (len > MAX_ROWS) throw new Error("too many rows");
    return { get: (col) => (Array.isArray(d[col]) ? d[col] : null), length: len };
  }

  build(table) {
    const raw = this.timeColumn ? table.get(this.timeColumn) : null;
    if (this.timeColumn && !raw) throw new Error("no time column");
    const n = raw ? raw.length : table.length;
    const times = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = raw ? raw[i] : i;
      const formatted = this.byFormat(v);
      times[i] = formatted !== null ? formatted : this.parseTime(v);
      if (formatted !== null || (typeof v === "string" && !this.isNumeric(v))) this.stringTimes = true;
    }
    if (times.some((x) => !Number.isFinite(x))) throw new Error("bad time");
    this.times = times;
    this.lines = this.overviewLine = null; // new data: the cached lines are stale
    for (const ch of this.channels) {
      const col = table.get(ch.column);
      this.series.set(ch.column, col ? Array.from(col, (v) => (v === "" || v === null || v === undefined ? NaN : Number(v))) : []);
    }
    if (n) this.view = [times[0], times[n - 1]];
    this.cursor = this.markFrom = null;
  }

  isNumeric(v) {
    return typeof v === "number" || (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)));
  }

  /** A time value (timeFormat string, number, numeric string, ISO string) -> a number. With
   * `timeFormat`, a value is read with it first, digits too ("20240301" for %Y%m%d is a day,
   * not the number 20240301), as Label Studio parses the time column with the format. */
  parseTime(v) {
    const formatted = this.byFormat(v);
    if (formatted !== null) return formatted;
    if (this.isNumeric(v)) return Number(v);
    if (typeof v !== "string") return NaN;
    if (this.timeFormat) return NaN;
    return Date.parse(v);
  }

  /** The time `timeFormat` reads in v (ms), or null when there is none or it does not match. */
  byFormat(v) {
    if (!this.timeFormat || !this.timeColumn || (typeof v !== "string" && typeof v !== "number")) return null;
    const ms = strptime(String(v), this.timeFormat);
    return Number.isFinite(ms) ? ms : null;
  }

  /** A number on the time axis -> what results store (numbers, or strings like the data). */
  formatTime(x) {
    if (!this.stringTimes) return Math.round(x * 1e6) / 1e6;
    const ms = Math.round(x);
    return this.timeFormat ? strftime(ms, this.timeFormat) : new Date(ms).toISOString();
  }

  showTime(x) {
    return String(this.formatTime(x));
  }

  // ---- rendering -------------------------------------------------------------------------------
  render(container) {
    const btn = (label, cls, run) => h("button", { type: "button", class: `lc-btn ${cls}`, onclick: run }, label);
    this.rangeEl = h("span", { class: "lc-timeseries-range" });
    const tools = h("div", { class: "lc-timeseries-tools", role: "toolbar", "aria-label": t("Time series tools") },
      btn(t("Zoom in"), "lc-timeseries-zoom-in", () => this.zoom(0.5)),
      btn(t("Zoom out"), "lc-timeseries-zoom-out", () => this.zoom(2)),
      btn(t("Show all"), "lc-timeseries-reset", () => this.reset()), this.rangeEl,
      this.cursorEl = h("span", { class: "lc-timeseries-cursor-time", "aria-live": "polite" }));
    this.plot = svg("svg", { class: "lc-timeseries-plot", tabindex: "0", role: "application", "aria-label": t("Time series: with a label chosen, drag to mark a range or click to mark an instant; Left/Right move the cursor, [ and ] mark a range") });
    this.plot.style.height = `${LANE * Math.max(1, this.channels.length)}px`;
    this.plot.addEventListener("pointerdown", (e) => this.down(e));
    this.plot.addEventListener("pointermove", (e) => this.move(e));
    this.plot.addEventListener("pointerup", (e) => this.up(e));
    this.plot.addEventListener("keydown", (e) => this.key(e));
    this.plot.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      this.zoom(e.deltaY < 0 ? 0.8 : 1.25, this.timeAt(e));
    }, { passive: false });
    this.overview = svg("svg", { class: "lc-timeseries-plot lc-timeseries-overview", "aria-label": t("Overview: drag to choose the window shown") });
    this.overview.style.height = "36px";
    this.overview.addEventListener("pointerdown", (e) => this.overviewDown(e));
    this.overview.addEventListener("pointermove", (e) => this.overviewMove(e));
    this.overview.addEventListener("pointerup", () => { this.drag = null; });
    this.legend = h("div", { class: "lc-timeseries-legend" }, this.channels.map((c) => {
      const sw = h("span", { class: "lc-label-swatch", "aria-hidden": "true" });
      sw.style.setProperty("--lc-label-color", c.color);
      return h("span", { class: "lc-timeseries-channel" }, sw, c.units ? `${c.legend} (${c.units})` : c.legend, " ");
    }));
    this.message = h("p", { class: "lc-audio-message", role: "status" });
    this.el = h("div", { class: "lc-timeseries", dataset: { lcObject: this.name } }, tools, this.legend, this.plot, this.overview, this.message);
    container.append(this.el);
    this.loadData();
    let seen = 0;
    const ro = new ResizeObserver(() => {
      const w = this.plot.clientWidth;
      if (w && w !== seen) { seen = w; this.refresh(); }
    });
    ro.observe(this.plot);
    this.engine.onDestroy(() => ro.disconnect());
  }

  width(el) {
    return (el || this.plot).getBoundingClientRect().width || 600;
  }

  xOf(x, view, w) {
    return ((x - view[0]) / (view[1] - view[0] || 1)) * w;
  }

  timeAt(e, el, view) {
    const b = (el || this.plot).getBoundingClientRect();
    const v = view || this.view;
    const f = Math.max(0, Math.min(1, (e.clientX - b.left) / (b.width || 1)));
    return v[0] + f * (v[1] - v[0]);
  }

  full() {
    return [this.times[0], this.times[this.times.length - 1]];
  }

  setView(a, b) {
    const [lo, hi] = this.full();
    const span = Math.min(hi - lo, Math.max(b - a, (hi - lo) / 10000));
    let s = Math.max(lo, Math.min(a, hi - span));
    this.view = [s, s + span];
    this.el.dataset.view = `${this.formatTime(this.view[0])}..${this.formatTime(this.view[1])}`;
    this.refresh();
  }

  zoom(factor, center) {
    if (!this.view) return;
    const c = center ?? (this.view[0] + this.view[1]) / 2;
    this.setView(c - (c - this.view[0]) * factor, c + (this.view[1] - c) * factor);
  }

  reset() {
    if (this.times.length) this.setView(...this.full());
  }

  /** One polyline of a column over the view: min/max per pixel column keeps peaks visible. */
  line(values, view, w, top, height, color) {
    const t0 = lowerBound(this.times, view[0]), t1 = Math.min(this.times.length, lowerBound(this.times, view[1]) + 1);
    let lo = Infinity, hi = -Infinity;
    for (let i = Math.max(0, t0 - 1); i < t1; i++) if (Number.isFinite(values[i])) { lo = Math.min(lo, values[i]); hi = Math.max(hi, values[i]); }
    if (!(hi >= lo)) return null;
    const y = (v) => top + height - 4 - ((v - lo) / (hi - lo || 1)) * (height - 8);
    const pts = [];
    let col = -1, cmin = 0, cmax = 0, first = 0, last = 0;
    const flush = () => { if (col >= 0) pts.push(`${col},${y(first)}`, `${col},${y(cmin)}`, `${col},${y(cmax)}`, `${col},${y(last)}`); };
    for (let i = Math.max(0, t0 - 1); i < Math.min(this.times.length, t1 + 1); i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      const x = Math.round(this.xOf(this.times[i], view, w));
      if (x !== col) { flush(); col = x; cmin = cmax = first = v; }
      cmin = Math.min(cmin, v); cmax = Math.max(cmax, v); last = v;
    }
    flush();
    return svg("polyline", { points: pts.join(" "), fill: "none", stroke: color, "stroke-width": 1.5, class: "lc-timeseries-line" });
  }

  refresh() {
    if (!this.plot) return;
    clear(this.plot);
    clear(this.overview);
    if (!this.view || !this.times.length) return;
    const w = this.width();
    const lanes = Math.max(1, this.channels.length);
    this.rangeEl.textContent = `${this.showTime(this.view[0])} – ${this.showTime(this.view[1])}`;
    const sel = this.engine.selectedId;
    for (const r of this.engine.regions) {
      if (r.to_name !== this.name || !r.value) continue;
      const s = this.parseTime(r.value.start), e = this.parseTime(r.value.end);
      if (!Number.isFinite(s) || !Number.isFinite(e) || e < this.view[0] || s > this.view[1]) continue;
      const x0 = this.xOf(s, this.view, w), x1 = this.xOf(e, this.view, w);
      const color = safeColor(this.engine.regionColor(r), "#36b37e");
      const rect = svg("rect", { x: x0, y: 0, width: Math.max(2, x1 - x0), height: LANE * lanes, fill: color, "fill-opacity": r.id === sel ? 0.45 : 0.22, stroke: color, "stroke-width": r.id === sel ? 2 : 1, class: "lc-timeseries-region" + (r.id === sel ? " lc-selected" : ""), "data-region": r.id });
      const title = svg("title", {});
      title.textContent = `${this.engine.regionLabels(r).join(", ")} ${r.value.start}–${r.value.end}`;
      rect.append(title);
      this.plot.append(rect);
    }
    // the lines cost a pass over every point in view: drawn again only when the window or the
    // width changes, not on each pointer move of a brush or a selection change
    const ow = this.width(this.overview);
    const full = this.full();
    const key = `${this.view[0]}|${this.view[1]}|${w}`;
    if (!this.lines || this.lines.key !== key) {
      this.lines = { key, els: this.channels.map((c, i) => this.line(this.series.get(c.column) || [], this.view, w, i * LANE, LANE, c.color)).filter(Boolean) };
    }
    for (const line of this.lines.els) this.plot.append(line);
    const d = this.drag;
    if (d && d.mode === "brush" && d.moved) {
      const x0 = this.xOf(Math.min(d.from, d.to), this.view, w), x1 = this.xOf(Math.max(d.from, d.to), this.view, w);
      this.plot.append(svg("rect", { x: x0, y: 0, width: x1 - x0, height: LANE * lanes, class: "lc-timeseries-brush", fill: "#2563eb", "fill-opacity": 0.15 }));
    }
    for (const [x, cls] of [[this.markFrom, "lc-timeseries-mark"], [this.cursor === null ? null : this.times[this.cursor], "lc-timeseries-cursor"]]) {
      if (x === null || x < this.view[0] || x > this.view[1]) continue;
      const px = this.xOf(x, this.view, w);
      this.plot.append(svg("line", { x1: px, x2: px, y1: 0, y2: LANE * lanes, class: cls, "data-time": String(this.formatTime(x)) }));
    }
    const first = this.channels[0];
    if (first && (!this.overviewLine || this.overviewLine.key !== ow)) {
      this.overviewLine = { key: ow, el: this.line(this.series.get(first.column) || [], full, ow, 0, 36, first.color) };
    }
    if (this.overviewLine && this.overviewLine.el) this.overview.append(this.overviewLine.el);
    const wx0 = this.xOf(this.view[0], full, ow), wx1 = this.xOf(this.view[1], full, ow);
    this.overview.append(svg("rect", { x: wx0, y: 0, width: Math.max(2, wx1 - wx0), height: 36, class: "lc-timeseries-window", fill: "#2563eb", "fill-opacity": 0.18, stroke: "#2563eb" }));
  }

  // ---- marking -----------------------------------------------------------------------------------
  active() {
    return activeLabelsOfType(this.engine, this.name, "timeserieslabels");
  }

  down(e) {
    if (e.button !== 0 || !this.view) return;
    this.plot.focus({ preventScroll: true });
    const id = e.target.getAttribute ? e.target.getAttribute("data-region") : null;
    const active = this.active();
    if (id && !active) return this.engine.regionClicked(id);
    if (!active) {
      this.engine.notify(t("Choose a label first, then drag over the series."));
      return;
    }
    this.plot.setPointerCapture(e.pointerId);
    const x = this.timeAt(e);
    this.drag = { mode: "brush", active, from: x, to: x, x0: e.clientX, moved: false, region: id };
  }

  move(e) {
    const d = this.drag;
    if (!d || d.mode !== "brush") return;
    d.to = this.timeAt(e);
    d.moved = d.moved || Math.abs(e.clientX - d.x0) >= DRAG_PX;
    this.refresh();
  }

  up(e) {
    const d = this.drag;
    this.drag = null;
    if (!d || d.mode !== "brush") return;
    if (!d.moved && d.region) return this.engine.regionClicked(d.region);
    d.to = this.timeAt(e);
    const a = d.moved ? Math.min(d.from, d.to) : d.from, b = d.moved ? Math.max(d.from, d.to) : d.from;
    this.engine.createSpanRegion(this, d.active.control, d.active.values, a, b);
    const made = this.engine.regions[this.engine.regions.length - 1];
    if (made) this.engine.selectRegion(made.id);
  }

  toValue(a, b) {
    return { start: this.formatTime(a), end: this.formatTime(b), instant: a === b };
  }

  overviewDown(e) {
    if (e.button !== 0 || !this.view) return;
    this.overview.setPointerCapture(e.pointerId);
    const x = this.timeAt(e, this.overview, this.full());
    this.drag = { mode: "overview", from: x, x0: e.clientX };
  }

  overviewMove(e) {
    const d = this.drag;
    if (!d || d.mode !== "overview" || Math.abs(e.clientX - d.x0) < DRAG_PX) return;
    const x = this.timeAt(e, this.overview, this.full());
    this.setView(Math.min(d.from, x), Math.max(d.from, x));
  }

  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || !this.view) return;
    const span = this.view[1] - this.view[0];
    const stop = () => { e.preventDefault(); e.stopPropagation(); };
    const at = this.cursorAt();
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      stop();
      const dir = e.key === "ArrowLeft" ? -1 : 1;
      const to = e.shiftKey ? lowerBound(this.times, this.times[at] + dir * 0.1 * span) : at + dir;
      this.moveCursor(to === at ? at + dir : to);
    } else if (e.key === "Home" || e.key === "End") {
      stop();
      const first = lowerBound(this.times, this.view[0]);
      let last = lowerBound(this.times, this.view[1]);
      if (last >= this.times.length || this.times[last] > this.view[1]) last -= 1;
      this.moveCursor(e.key === "Home" ? first : Math.max(first, last));
    } else if (e.key === "[") {
      stop();
      this.markFrom = this.times[at];
      this.engine.notify(t("Range start: {time}", { time: this.showTime(this.markFrom) }));
      this.refresh();
    } else if (e.key === "]" && this.markFrom !== null) {
      stop();
      const active = this.active();
      if (!active) return this.engine.notify(t("Choose a label first."));
      const [a, b] = [this.markFrom, this.times[at]].sort((x, y) => x - y);
      this.markFrom = null;
      this.engine.createSpanRegion(this, active.control, active.values, a, b);
      const made = this.engine.regions[this.engine.regions.length - 1];
      if (made) this.engine.selectRegion(made.id);
    } else if (e.key === "Escape" && this.markFrom !== null) { stop(); this.markFrom = null; this.refresh(); }
    else if (e.key === "+" || e.key === "=") { stop(); this.zoom(0.5); }
    else if (e.key === "-") { stop(); this.zoom(2); }
    else if (e.key === "0") { stop(); this.reset(); }
  }

  /** The cursor's sample: where it is, or the window's first sample before the first key. */
  cursorAt() {
    if (this.cursor === null || this.cursor >= this.times.length) this.cursor = Math.min(this.times.length - 1, lowerBound(this.times, this.view[0]));
    return this.cursor;
  }

  /** Put the cursor on sample i; the window moves, keeping its width, to keep it shown. */
  moveCursor(i) {
    this.cursor = Math.max(0, Math.min(this.times.length - 1, i));
    const x = this.times[this.cursor];
    const span = this.view[1] - this.view[0];
    this.el.dataset.cursor = String(this.formatTime(x));
    this.cursorEl.textContent = t("Cursor: {time}", { time: this.showTime(x) });
    if (x < this.view[0]) this.setView(x, x + span);
    else if (x > this.view[1]) this.setView(x - span, x);
    else this.refresh();
  }

  /** The region list's text: "12–30", or the instant alone. */
  describe(r) {
    const v = r.value || {};
    return v.instant ? String(v.start) : `${v.start}–${v.end}`;
  }

  serialize() { return []; }
  load() {}
  hotkeys() { return []; }
}

function lowerBound(arr, x) {
  let lo = 0, hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}


export const timeseries = { create: (node, ctx) => new TimeSeriesObject(node, ctx) };
export const timeserieslabels = typedLabels("timeserieslabels"); // time ranges and instants
