// Labels, HyperTextLabels, ParagraphLabels: the label buttons of span regions. The control
// owns its regions (from_name = its name) in the engine's region store: serialize() emits them,
// load() takes them back. Region geometry comes from the object (Text, HyperText, Paragraphs).
import { h, clear, safeColor } from "../dom.js";
import { labelItems, csv } from "../config.js";
import { t } from "../i18n.js";
import { displayKey } from "../hotkeys.js";

const TYPE = { labels: "labels", hypertextlabels: "hypertextlabels", paragraphlabels: "paragraphlabels" };

class LabelsControl {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.toNames = csv(node.attrs.toname);
    this.type = TYPE[node.tag];
    this.multiple = node.attrs.choice === "multiple";
    this.maxUsages = Number(node.attrs.maxusages || 0);
    this.items = labelItems(node, ctx.data, "label");
    this.active = new Set(this.items.filter((i) => i.selected).map((i) => i.result));
    this.filterText = "";
  }

  colorOf(result) {
    const item = this.items.find((i) => i.result === result);
    return safeColor(item && item.background, "#36b37e");
  }

  usages(result) {
    return this.engine.regions.filter((r) => this.labelsOf(r).includes(result)).length;
  }

  /** The labels this control gave region r: its own span's, or an image tool region's split
   * labels ([] when it gave none). */
  labelsOf(r) {
    if (r.from_name === this.name) return r.value[this.type] || [];
    return r.split && r.split.from_name === this.name ? r.split.labels : [];
  }

  /** Is r a label-less image tool's region on one of this control's objects? Those take
   * their labels from here (Label Studio's Rectangle + Labels, the split format). */
  labelsTool(r) {
    const ctl = r ? this.engine.instance(r.from_name) : null;
    return !!(ctl && ctl.tool && ctl.kind && this.type === "labels" && this.toNames.includes(r.to_name));
  }

  render(container) {
    this.el = h("div", { class: "lc-labels", role: "group", "aria-label": t("Labels") });
    container.append(this.el);
    this.refresh();
  }

  refresh() {
    if (!this.el) return;
    clear(this.el);
    const selected = this.engine.selectedRegion();
    const mine = selected && (selected.from_name === this.name || this.labelsTool(selected)) ? selected : null;
    for (const item of this.items) {
      if (this.filterText && !this.matchesFilter(item)) continue;
      const on = mine ? this.labelsOf(mine).includes(item.result) : this.active.has(item.result);
      const btn = h("button", {
        type: "button",
        class: "lc-label" + (on ? " lc-on" : ""),
        "aria-pressed": on ? "true" : "false",
        title: item.hint || null,
        dataset: { value: item.result },
        onclick: () => this.choose(item),
      }, h("span", { class: "lc-label-swatch", "aria-hidden": "true" }), item.value, item.hotkey ? h("kbd", { class: "lc-kbd" }, displayKey(item.hotkey)) : null);
      btn.style.setProperty("--lc-label-color", safeColor(item.background, "#36b37e"));
      this.el.append(btn);
    }
  }

  matchesFilter(item) {
    const f = this.filterCase ? this.filterText : this.filterText.toLowerCase();
    const v = this.filterCase ? item.value : item.value.toLowerCase();
    return v.includes(f);
  }

  /** A label button or hotkey: relabel the selected region, label pending text, or toggle active. */
  choose(item) {
    const selected = this.engine.selectedRegion();
    if (selected && selected.type === "videorectangle" && this.type === "labels" && this.toNames.includes(selected.to_name)) {
      this.engine.updateRegion(selected.id, { labels: [item.result] }); // a video box takes its label from here
      return;
    }
    const tool = this.labelsTool(selected);
    if (selected && (selected.from_name === this.name || tool)) {
      const cur = new Set(this.labelsOf(selected));
      if (this.multiple) {
        if (cur.has(item.result)) { if (cur.size > 1) cur.delete(item.result); } else cur.add(item.result);
      } else {
        cur.clear();
        cur.add(item.result);
      }
      if (!tool) return this.engine.updateRegion(selected.id, { [this.type]: this.ordered(cur) });
      selected.split = { from_name: this.name, labels: this.ordered(cur) };
      this.engine.updateRegion(selected.id, {});
      return;
    }
    if (this.multiple) {
      if (this.active.has(item.result)) this.active.delete(item.result);
      else this.active.add(item.result);
    } else if (this.active.has(item.result) && this.active.size === 1) this.active.clear();
    else {
      this.active.clear();
      this.active.add(item.result);
    }
    for (const obj of this.toNames.map((n) => this.engine.instance(n))) {
      // an image's pending polygon is no text selection: it takes the label when it closes
      if (obj && obj.pending && this.active.size && typeof obj.takePending === "function") {
        obj.takePending(this, this.ordered(this.active));
        return;
      }
    }
    this.refresh();
  }

  ordered(set) {
    return this.items.map((i) => i.result).filter((r) => set.has(r));
  }

  /** The labels to put on a new region, or null (nothing active, or max usages reached). */
  activeValues() {
    if (!this.active.size) return null;
    const values = this.ordered(this.active);
    for (const v of values) {
      const item = this.items.find((i) => i.result === v);
      const limit = (item && item.maxUsages) || this.maxUsages;
      if (limit && this.usages(v) >= limit) {
        this.engine.notify(t("The label {label} can be used at most {n} times.", { label: v, n: limit }));
        return null;
      }
    }
    return values;
  }

  serialize() {
    return this.engine.regions.filter((r) => r.from_name === this.name).map((r) => this.engine.regionItem(r));
  }

  load(results) {
    this.engine.regions = this.engine.regions.filter((r) => r.from_name !== this.name);
    for (const r of results) {
      if (r.from_name !== this.name || r.type !== this.type || !r.value) continue;
      if (!this.toNames.includes(r.to_name)) continue;
      if (this.isSplitPartner(results, r)) continue; // the image tool's region holds it
      const obj = this.engine.instance(r.to_name);
      const value = obj && obj.loadedValue ? obj.loadedValue(r.value) : { ...r.value };
      this.engine.regions.push({ id: String(r.id), from_name: r.from_name, to_name: r.to_name, type: r.type, value, origin: r.origin || "manual", score: r.score, readonly: r.readonly === true, kept: this.engine.keptKeys(r) });
    }
  }

  /** Is r the `labels` half of an image tool region (a result of a tool with the same id)? */
  isSplitPartner(results, r) {
    return results.some((x) => x !== r && String(x.id) === String(r.id) && x.to_name === r.to_name && this.labelsTool(x));
  }

  hotkeys() {
    return this.items.filter((i) => i.hotkey).map((i) => ({ key: i.hotkey, label: t("Label: {label}", { label: i.value }), run: () => this.choose(i) }));
  }
}

export const labels = { create: (node, ctx) => new LabelsControl(node, ctx) };
export const hypertextlabels = labels;
export const paragraphlabels = labels;
