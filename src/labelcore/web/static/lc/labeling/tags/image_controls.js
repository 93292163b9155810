// The image region controls: RectangleLabels, PolygonLabels, KeyPointLabels, EllipseLabels and
// their label-less tools (Rectangle, Polygon, KeyPoint, Ellipse). A control owns its regions
// (from_name = its name) in the engine's region store; the Image object draws and edits them.
import { h, clear, safeColor, uid } from "../dom.js";
import { labelItems, csv } from "../config.js";
import { t } from "../i18n.js";
import { displayKey } from "../hotkeys.js";
import { kindOf } from "./image_shapes.js";

export class ShapeControl {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.toNames = csv(node.attrs.toname);
    this.type = node.tag; // "rectanglelabels", "polygon", ...
    this.kind = kindOf(node.tag);
    this.listsRegions = true; // its regions belong in the region list (keyboard selection)
    this.tool = !node.tag.endsWith("labels");
    this.items = this.tool ? [] : labelItems(node, ctx.data, "label");
    this.active = new Set(this.items.filter((i) => i.selected).map((i) => i.result));
    this.pointSize = Number(node.attrs.strokewidth || 1);
    this.canRotate = (this.kind === "rectangle" || this.kind === "ellipse") && node.attrs.canrotate !== "false";
    this.fallback = safeColor(node.attrs.fillcolor || node.attrs.strokecolor, "#ff8800");
  }

  colorOf(result) {
    const item = this.items.find((i) => i.result === result);
    return safeColor(item && item.background, this.fallback);
  }

  render(container) {
    if (this.tool) return;
    this.el = h("div", { class: "lc-labels", role: "group", "aria-label": t("Labels"), dataset: { lcControl: this.name } });
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
        title: item.hint || null, dataset: { value: item.result }, onclick: () => this.choose(item),
      }, h("span", { class: "lc-label-swatch", "aria-hidden": "true" }), item.value, item.hotkey ? h("kbd", { class: "lc-kbd" }, displayKey(item.hotkey)) : null);
      btn.style.setProperty("--lc-label-color", safeColor(item.background, this.fallback));
      this.el.append(btn);
    }
  }

  /** A label button or hotkey: relabel the selected region, else pick the label to draw with. */
  choose(item) {
    const sel = this.engine.selectedRegion();
    if (sel && sel.from_name === this.name) {
      this.engine.updateRegion(sel.id, { [this.type]: [item.result] });
      return;
    }
    const was = this.active.has(item.result);
    this.active.clear();
    if (!was) {
      this.active.add(item.result);
      for (const other of this.engine.instances) if (other !== this && other.active && other.kind) other.active.clear();
    }
    this.engine.refreshAll();
  }

  /** Labels for a new region ([] for a tool), or null when no label is chosen. */
  activeValues() {
    if (this.tool) return [];
    return this.active.size ? [...this.active] : null;
  }

  /** For a label-less tool: the labels a Labels control on the same image has chosen, as
   * the region's split labels ({from_name, labels}); null when none is chosen; false when
   * the chosen label has reached its maxUsages (nothing is drawn then). */
  splitLabels(obj) {
    if (!this.tool) return null;
    for (const c of this.engine.controlsOf(obj.name)) {
      if (c.type !== "labels" || !c.active || !c.active.size) continue;
      const labels = c.activeValues();
      return labels ? { from_name: c.name, labels } : false;
    }
    return null;
  }

  addRegion(obj, geometry, values) {
    const split = this.splitLabels(obj);
    if (split === false) return;
    const value = this.tool ? { ...geometry } : { ...geometry, [this.type]: values };
    const id = uid();
    const region = { id, from_name: this.name, to_name: obj.name, type: this.type, value, origin: "manual", size: obj.size() };
    if (split) region.split = split;
    if (obj.multi) region.itemIndex = obj.index;
    this.engine.regions.push(region);
    this.engine.selectedId = id;
    this.engine.notify(t("Region added: {labels}", { labels: (split ? split.labels : values).join(", ") || this.name }));
    this.engine.changed();
  }

  /** A tool's region with labels is two results sharing its id, as Label Studio stores it
   * (the "split format"): the geometry from the tool, and a `labels` result from the Labels
   * control whose value repeats the geometry next to `labels`. */
  serialize() {
    const out = [];
    for (const r of this.engine.regions.filter((x) => x.from_name === this.name)) {
      const item = this.engine.regionItem(r);
      out.push(item);
      if (r.split && r.split.labels.length) out.push({ ...item, from_name: r.split.from_name, type: "labels", value: { ...item.value, labels: r.split.labels.slice() } });
    }
    return out;
  }

  load(results) {
    this.engine.regions = this.engine.regions.filter((r) => r.from_name !== this.name);
    for (const r of results) {
      if (!r.value || !this.toNames.includes(r.to_name)) continue;
      const merged = this.isMerged(r);
      if (!merged && (r.from_name !== this.name || r.type !== this.type)) continue;
      const size = r.original_width && r.original_height ? [r.original_width, r.original_height] : null;
      const value = JSON.parse(JSON.stringify(r.value));
      const region = { id: String(r.id), from_name: this.name, to_name: r.to_name, type: this.type, value, origin: r.origin || "manual", score: r.score, readonly: r.readonly === true, size, kept: this.engine.keptKeys(r) };
      if (Number.isInteger(r.item_index) && r.item_index >= 0) region.itemIndex = r.item_index;
      if (merged) {
        region.split = { from_name: r.from_name, labels: Array.isArray(value[r.type]) ? value[r.type].map(String) : [] };
        delete value[r.type];
      } else if (this.tool) region.split = this.loadSplit(results, r);
      this.engine.regions.push(region);
    }
  }

  /** Is r the merged form of a Labels control's region on this tool's image
   * ({from_name: <Labels>, type: "rectanglelabels"}, as models and scripts write it)? The
   * first tool of that shape takes it, as a split-format region. */
  isMerged(r) {
    if (!this.tool || r.type !== `${this.kind}labels`) return false;
    const ctl = this.engine.instance(r.from_name);
    if (!ctl || ctl.type !== "labels") return false;
    const first = this.engine.controlsOf(r.to_name).find((c) => c.tool && c.kind === this.kind);
    return first === this;
  }

  /** The `labels` partner of tool result r (same id and image, from a Labels control), if any. */
  loadSplit(results, r) {
    const part = results.find((x) => x !== r && x.type === "labels" && String(x.id) === String(r.id) && x.to_name === r.to_name && x.value && Array.isArray(x.value.labels));
    const ctl = part ? this.engine.instance(part.from_name) : null;
    return ctl && ctl.type === "labels" ? { from_name: part.from_name, labels: part.value.labels.map(String) } : null;
  }

  hotkeys() {
    return this.items.filter((i) => i.hotkey).map((i) => ({ key: i.hotkey, label: t("Label: {label}", { label: i.value }), run: () => this.choose(i) }));
  }
}

const shape = { create: (node, ctx) => new ShapeControl(node, ctx) };
export const rectanglelabels = shape;
export const rectangle = shape;
export const polygonlabels = shape;
export const polygon = shape;
export const keypointlabels = shape;
export const keypoint = shape;
export const ellipselabels = shape;
export const ellipse = shape;
