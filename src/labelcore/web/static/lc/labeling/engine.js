// The labeling screen: builds the tag tree from a config, keeps regions and relations, and
// speaks Label Studio result JSON (serialize / load). Undo/redo are snapshots of that JSON.
//
//   import { Labeling } from "./engine.js";
//   const screen = new Labeling(el, { config, data, results: [], onChange: (s) => save(s.result()) });
//   screen.result();   // -> [{id, from_name, to_name, type, value, origin}, ..., {from_id, to_id, type: "relation", ...}]
import { h, uid, clear } from "./dom.js";
import { parseConfig, expandRepeaters, walk, csv } from "./config.js";
import { t } from "./i18n.js";
import { ShortcutSheet } from "./hotkeys.js";
import { isVisible, applyVisibility } from "./visibility.js";
import { shortcutList, handleKey } from "./keys.js";
import { moduleFor, CHILD_TAGS, SPAN_LABEL_TYPES, LABEL_CONTROL_TYPES } from "./registry.js";
import { RegionPanel, relationResult } from "./relations.js";

// Tags the screen does not draw yet (a note says so). Audio, AudioPlus, Video, TimeSeries,
// TimeSeriesLabels, TimelineLabels and VideoRectangle have modules now (tags/audio.js,
// video.js, timeseries.js), so they are not listed.
const LATER = new Set(["image", "pdf", "rectanglelabels", "rectangle", "polygonlabels", "polygon", "keypointlabels", "keypoint", "ellipselabels", "ellipse", "brushlabels", "brush", "magicwand", "bitmasklabels", "bitmask", "vectorlabels", "vector"]);

/** Labels-like controls that make span regions (a Taxonomy with labeling="true" is one). */
function isSpanControl(inst) {
  return SPAN_LABEL_TYPES.has(inst.type) || inst.spanLabeling === true;
}

export class Labeling {
  constructor(root, opts) {
    this.root = root;
    this.opts = opts || {};
    this.data = this.opts.data || {};
    this.scopeId = uid();
    this.regions = [];
    this.relations = [];
    this.selectedId = null;
    this.linkFrom = null;
    this.instances = [];
    this.undrawn = new Set(); // names of config tags this screen does not draw (SDK-only ones)
    this.carried = []; // their results: kept as they came and saved with the rest
    this.nodeInst = new Map();
    this.byName = new Map();
    this.after = [];
    this.destroyers = [];
    this.stack = [];
    this.index = -1;
    this.relationsTag = null;
    this.lastSubmitted = [];
    this.onKey = (ev) => this.handleKey(ev);
    this.build();
    this.load(this.opts.results || [], false);
    this.commit();
    document.addEventListener("keydown", this.onKey);
  }

  // ---- building -------------------------------------------------------------------------
  build() {
    const root = this.root;
    clear(root);
    root.classList.add("lc-labeling");
    root.dataset.lcScope = this.scopeId;
    this.status = h("div", { class: "lc-status", role: "status", "aria-live": "polite" });
    this.globalProblems = h("div", { class: "lc-problems lc-global-problems", role: "alert" });
    this.main = h("div", { class: "lc-main" });
    const toolbar = h("div", { class: "lc-toolbar", role: "toolbar", "aria-label": t("Labeling tools") },
      h("button", { type: "button", class: "lc-btn lc-undo", onclick: () => this.undo(), title: "Ctrl+Z" }, t("Undo")),
      h("button", { type: "button", class: "lc-btn lc-redo", onclick: () => this.redo(), title: "Ctrl+Shift+Z" }, t("Redo")),
      h("button", { type: "button", class: "lc-btn lc-shortcuts-open", onclick: () => this.toggleSheet(), title: "?" }, t("Shortcuts")));
    root.append(toolbar, this.status, this.globalProblems);
    let tree;
    try {
      tree = expandRepeaters(parseConfig(this.opts.config), this.data);
    } catch (err) {
      this.globalProblems.append(h("p", { class: "lc-problem" }, t("The labeling config cannot be read: {error}", { error: err.message })));
      this.sheet = new ShortcutSheet(root);
      return;
    }
    this.tree = tree;
    const ctx = { engine: this, data: this.data, renderChildren: (node, el) => this.renderChildren(node, el) };
    for (const node of walk(tree)) {
      const mod = moduleFor(node.tag);
      if (!mod) {
        if (node.attrs.name) this.undrawn.add(node.attrs.name);
        continue;
      }
      const inst = mod.create(node, ctx);
      this.nodeInst.set(node, inst);
      this.instances.push(inst);
      if (node.attrs.name && !this.byName.has(node.attrs.name)) this.byName.set(node.attrs.name, inst);
    }
    this.autoHotkeys();
    // the region list: span labels, and controls whose regions live elsewhere (image shapes)
    const hasSpans = this.instances.some((i) => (isSpanControl(i) && i.items) || i.listsRegions === true);
    const layout = h("div", { class: "lc-layout" + (hasSpans ? " lc-with-side" : "") }, this.main);
    root.append(layout);
    this.renderNode(tree, this.main);
    if (hasSpans) this.panel = new RegionPanel(this, layout);
    this.sheet = new ShortcutSheet(root);
    for (const fn of this.after) fn();
  }

  renderChildren(node, el) {
    for (const c of node.children) this.renderNode(c, el);
  }

  renderNode(node, el) {
    const inst = this.nodeInst.get(node);
    if (inst) {
      inst.render(el);
      if (!inst.el && inst.box) inst.el = inst.box;
      if (inst.el) inst.el.dataset.lcTag = node.tag;
      return;
    }
    if (CHILD_TAGS.has(node.tag)) return;
    if (LATER.has(node.tag)) {
      el.append(h("div", { class: "lc-unsupported", role: "note" }, t("The {tag} tag is not shown on this screen yet.", { tag: node.tag })));
      return;
    }
    this.renderChildren(node, el);
  }

  autoHotkeys() {
    const used = new Set();
    for (const node of walk(this.tree)) if (node.attrs.hotkey) used.add(node.attrs.hotkey.toLowerCase());
    let n = 1;
    for (const inst of this.instances) {
      if (!LABEL_CONTROL_TYPES.has(inst.type) || !inst.items) continue;
      for (const item of inst.items) {
        if (item.hotkey) continue;
        while (n <= 9 && used.has(String(n))) n++;
        if (n > 9) return;
        item.hotkey = String(n);
        used.add(String(n));
      }
    }
  }

  afterBuild(fn) {
    this.after.push(fn);
  }

  onDestroy(fn) {
    this.destroyers.push(fn);
  }

  destroy() {
    document.removeEventListener("keydown", this.onKey);
    for (const fn of this.destroyers) fn();
    clear(this.root);
  }

  // ---- lookups ------------------------------------------------------------------------------
  instance(name) {
    return this.byName.get(name) || null;
  }

  controlsOf(objectName) {
    return this.instances.filter((i) => i.node && csv(i.node.attrs.toname).includes(objectName));
  }

  region(id) {
    return this.regions.find((r) => r.id === id) || null;
  }

  selectedRegion() {
    return this.selectedId ? this.region(this.selectedId) : null;
  }

  regionLabels(region) {
    // VideoRectangle keeps the labels of its Labels control under `labels`; an image tool's
    // region (Rectangle, Polygon ...) gets them from a Labels control (region.split)
    const v = region && region.value && (region.value[region.type] ?? region.value.labels);
    if (Array.isArray(v)) return v;
    return region && region.split ? region.split.labels : [];
  }

  regionColor(region) {
    const ctl = this.instance(region.split ? region.split.from_name : region.from_name);
    return ctl && ctl.colorOf ? ctl.colorOf(this.regionLabels(region)[0]) : "#36b37e";
  }

  /** A region's value without its label key (what per-region results repeat). */
  geometry(region) {
    const { [region.type]: _labels, ...rest } = region.value || {};
    return rest;
  }

  regionItem(r) {
    const item = { id: r.id, from_name: r.from_name, to_name: r.to_name, type: r.type, value: { ...r.value }, origin: r.origin || "manual" };
    if (r.score !== undefined && r.score !== null) item.score = r.score;
    if (r.readonly) item.readonly = true;
    if (r.kept) Object.assign(item, r.kept);
    return Object.assign(item, this.regionExtras(r));
  }

  /** Keys of a loaded region result the screen does not edit but Label Studio writes (a
   * region's `meta` notes, its `parentID`): kept on the region, written back on save. */
  keptKeys(result) {
    const kept = {};
    if (result.meta && typeof result.meta === "object" && !Array.isArray(result.meta)) kept.meta = JSON.parse(JSON.stringify(result.meta));
    if (typeof result.parentID === "string" && result.parentID) kept.parentID = result.parentID;
    return Object.keys(kept).length ? kept : undefined;
  }

  /** What every result of region r carries besides its value, as Label Studio writes it for
   * the region and for each per-region result: an image's original_width, original_height,
   * image_rotation (and item_index), an audio's original_length. */
  regionExtras(r) {
    const obj = this.instance(r.to_name);
    return obj && obj.resultExtras ? obj.resultExtras(r) : {};
  }

  activeLabelsFor(objectName) {
    for (const ctl of this.controlsOf(objectName)) {
      if (!isSpanControl(ctl) || !ctl.activeValues) continue;
      if (!ctl.active.size) continue;
      const values = ctl.activeValues();
      return values ? { control: ctl, values } : null;
    }
    return null;
  }

  isHidden(inst) {
    const el = inst.el || inst.box;
    return !el || el.hidden || !!el.closest("[hidden]") || !this.root.contains(el);
  }

  // ---- changes ------------------------------------------------------------------------------
  notify(message) {
    this.status.textContent = message;
    this.status.title = message; // the line shows one line of it
  }

  createSpanRegion(obj, control, values, a, b) {
    this.regions.push({ id: uid(), from_name: control.name, to_name: obj.name, type: control.type, value: { ...obj.toValue(a, b), [control.type]: values }, origin: "manual" });
    this.notify(t("Region added: {labels}", { labels: values.join(", ") }));
    this.changed();
  }

  updateRegion(id, patch) {
    const r = this.region(id);
    if (!r) return;
    r.value = { ...r.value, ...patch };
    if (r.origin === "prediction") r.origin = "prediction-changed";
    this.changed();
  }

  deleteRegion(id) {
    this.regions = this.regions.filter((r) => r.id !== id);
    this.relations = this.relations.filter((rel) => rel.from_id !== id && rel.to_id !== id);
    if (this.selectedId === id) this.selectedId = null;
    if (this.linkFrom === id) this.linkFrom = null;
    this.notify(t("Region deleted."));
    this.changed();
  }

  selectRegion(id) {
    this.selectedId = id && this.region(id) ? id : null;
    this.refreshAll();
  }

  regionClicked(id) {
    if (this.linkFrom && this.linkFrom !== id) {
      const from = this.linkFrom;
      this.linkFrom = null;
      this.addRelation(from, id);
      return;
    }
    this.selectRegion(this.selectedId === id ? null : id);
  }

  startLink(id) {
    if (!this.region(id)) return;
    this.linkFrom = id;
    this.selectedId = id;
    this.notify(t("Choose the region to link to (Escape cancels)."));
    this.refreshAll();
    const first = this.root.querySelector(".lc-region-row:not(.lc-linking) .lc-region-select");
    if (first) first.focus();
  }

  addRelation(from, to) {
    if (this.relations.some((r) => r.from_id === from && r.to_id === to)) return;
    // no `labels` until some are picked: Label Studio writes the key only then
    this.relations.push({ from_id: from, to_id: to, type: "relation", direction: "right" });
    this.notify(t("Relation added."));
    this.changed();
  }

  updateRelation(i, patch) {
    if (!this.relations[i]) return;
    this.relations[i] = { ...this.relations[i], ...patch };
    this.changed();
  }

  deleteRelation(i) {
    this.relations.splice(i, 1);
    this.changed();
  }

  /** Every state change ends here: redraw, record for undo, tell the page. */
  changed() {
    this.refreshAll();
    this.commit();
    if (this.opts.onChange) this.opts.onChange(this);
  }

  refreshAll() {
    for (const inst of this.instances) if (inst.refresh) inst.refresh();
    if (this.panel) this.panel.refresh();
    this.applyVisibility();
  }

  // ---- visibleWhen (visibility.js) ------------------------------------------------------------
  visible(node) {
    return isVisible(this, node);
  }

  applyVisibility() {
    applyVisibility(this);
  }

  // ---- results ------------------------------------------------------------------------------
  serialize() {
    const out = [];
    for (const inst of this.instances) out.push(...inst.serialize());
    const made = new Set(out.map((r) => `${r.from_name}\u0000${r.id}`));
    for (const r of this.carried) if (!made.has(`${r.from_name}\u0000${r.id}`)) out.push(JSON.parse(JSON.stringify(r)));
    const ids = new Set([...this.regions.map((r) => r.id), ...this.carried.map((r) => String(r.id))]);
    for (const rel of this.relations) {
      if (!ids.has(rel.from_id) || !ids.has(rel.to_id)) continue;
      out.push(relationResult(rel, this.relationsTag));
    }
    return out;
  }

  /** The result to submit: text typed but not yet added is kept first. */
  result() {
    for (const inst of this.instances) if (inst.flush) inst.flush();
    return this.serialize();
  }

  load(results, record = true) {
    // a model's (or another tool's) result may come without ids: each such item gets its own,
    // or every one would be the region "undefined" (one selection, one set of per-region values)
    const items = (Array.isArray(results) ? results.filter((r) => r && typeof r === "object") : [])
      .map((r) => (r.type !== "relation" && (r.id === undefined || r.id === null || r.id === "") ? { ...r, id: uid() } : r));
    this.regions = [];
    this.relations = [];
    for (const inst of this.instances) inst.load(items);
    // results of tags not drawn here are not dropped: an edit elsewhere saves them unchanged,
    // with the per-region results (of drawn controls) that belong to their regions
    const undrawnIds = new Set(items.filter((r) => r.type !== "relation" && this.undrawn.has(r.from_name)).map((r) => String(r.id)));
    this.carried = items.filter((r) => r.type !== "relation" && undrawnIds.has(String(r.id))).map((r) => JSON.parse(JSON.stringify(r)));
    const ids = new Set([...this.regions.map((r) => r.id), ...this.carried.map((r) => String(r.id))]);
    for (const r of items) {
      if (r.type === "relation" && ids.has(String(r.from_id)) && ids.has(String(r.to_id))) {
        const rel = { from_id: String(r.from_id), to_id: String(r.to_id), type: "relation", direction: ["left", "right", "bi"].includes(r.direction) ? r.direction : "right" };
        if (Array.isArray(r.labels)) rel.labels = r.labels.map(String);
        this.relations.push(rel);
      }
    }
    if (!this.region(this.selectedId)) this.selectedId = null;
    this.refreshAll();
    if (record) this.changed();
  }

  // ---- undo / redo --------------------------------------------------------------------------
  commit() {
    const snap = JSON.stringify(this.serialize());
    if (this.stack[this.index] === snap) return;
    this.stack = this.stack.slice(0, this.index + 1);
    this.stack.push(snap);
    if (this.stack.length > 200) this.stack.shift();
    this.index = this.stack.length - 1;
  }

  undo() {
    if (this.index <= 0) return;
    this.index -= 1;
    this.restore();
  }

  redo() {
    if (this.index >= this.stack.length - 1) return;
    this.index += 1;
    this.restore();
  }

  restore() {
    this.load(JSON.parse(this.stack[this.index]), false);
    if (this.opts.onChange) this.opts.onChange(this);
  }

  // ---- validation ---------------------------------------------------------------------------
  /** Client checks (required): shows each problem next to its control; returns them. */
  validate() {
    const problems = [];
    for (const inst of this.instances) {
      if (!inst.validate) continue;
      const msgs = inst.validate();
      if (inst.showProblems) inst.showProblems(msgs);
      for (const m of msgs) problems.push({ control: inst.name, message: m });
    }
    // a Repeater in pagination mode turns to the first item with a problem
    const first = problems.length ? this.instance(problems[0].control) : null;
    if (first && first.el) for (const inst of this.instances) if (inst.reveal && inst.el && inst.el.contains(first.el)) inst.reveal(first.el);
    return problems;
  }

  /** Server problems [{message, region (index into submitted result), control}] next to what they name. */
  showServerProblems(problems, submitted) {
    const list = submitted || this.lastSubmitted;
    if (this.panel) this.panel.problems.clear();
    clear(this.globalProblems);
    for (const inst of this.instances) if (inst.showProblems) inst.showProblems([]);
    for (const p of problems || []) {
      const item = typeof p.region === "number" ? list[p.region] : null;
      const msg = String(p.message || p.code || "");
      if (item && item.id && this.region(String(item.id)) && this.panel) {
        const arr = this.panel.problems.get(String(item.id)) || [];
        arr.push(msg);
        this.panel.problems.set(String(item.id), arr);
        continue;
      }
      const ctlName = p.control || (item && item.from_name);
      const inst = ctlName ? this.instance(ctlName) : null;
      if (inst && inst.showProblems) inst.showProblems([msg]);
      else this.globalProblems.append(h("p", { class: "lc-problem" }, msg));
    }
    if (this.panel) this.panel.refresh();
  }

  // ---- keyboard (keys.js) ----------------------------------------------------------------------
  shortcutList() {
    return shortcutList(this);
  }

  toggleSheet() {
    if (this.sheet.open) this.sheet.hide();
    else this.sheet.show(this.shortcutList());
  }

  handleKey(ev) {
    handleKey(this, ev);
  }
}
