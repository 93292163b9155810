// The shared part of classification controls (Choices, Taxonomy, Rating, Number, DateTime,
// TextArea): one value for the whole task, or one per region with `perRegion`.
//
// Tag-module interface (every module in tags/ exports {create(node, ctx)} returning):
//   render(container)            append the tag's DOM
//   serialize() -> [result]      Label Studio result items for this tag's state
//   load(results)                replace the state from result items (all items are passed)
//   hotkeys() -> [{key, label, run}]
//   optional: refresh(), validate() -> [message], showProblems([message]), name
import { h, uid, clear } from "../dom.js";
import { csv } from "../config.js";
import { t } from "../i18n.js";

export class Classification {
  constructor(node, ctx, type) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.toName = csv(node.attrs.toname)[0] || "";
    this.type = type;
    this.perRegion = node.attrs.perregion === "true";
    this.perItem = node.attrs.peritem === "true"; // one value per image of a valueList gallery
    this.required = node.attrs.required === "true";
    this.requiredMessage = node.attrs.requiredmessage || "";
    this.whenTag = csv(node.attrs.whentagname);
    this.whenLabel = csv(node.attrs.whenlabelvalue);
    this.values = new Map(); // scope ("" or region id) -> value
    this.itemIds = new Map(); // perItem scope -> the id its loaded result had (kept on save)
    this.id = uid();
  }

  /** Value key inside result.value (choices, taxonomy, rating ...). */
  get key() {
    return this.type;
  }

  isEmpty(v) {
    return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
  }

  regionFits(region) {
    if (!region) return false;
    if (this.toName && region.to_name !== this.toName) return false;
    if (this.whenTag.length && !this.whenTag.includes(region.from_name)) return false;
    if (this.whenLabel.length) {
      const labs = this.engine.regionLabels(region);
      if (!labs.some((l) => this.whenLabel.includes(l))) return false;
    }
    return true;
  }

  scope() {
    if (this.perItem) {
      const obj = this.engine.instance(this.toName);
      return `item:${(obj && obj.index) || 0}`;
    }
    if (!this.perRegion) return "";
    const r = this.engine.selectedRegion();
    return this.regionFits(r) ? r.id : null;
  }

  current() {
    const s = this.scope();
    return s === null ? undefined : this.values.get(s);
  }

  set(value) {
    const s = this.scope();
    if (s === null) return;
    if (this.isEmpty(value)) this.values.delete(s);
    else this.values.set(s, value);
    this.engine.changed();
  }

  render(container) {
    this.el = h("div", { class: `lc-control lc-${this.type}`, dataset: { lcControl: this.name } });
    this.body = h("div", { class: "lc-control-body" });
    this.problems = h("div", { class: "lc-problems", role: "alert" });
    this.el.append(this.body, this.problems);
    container.append(this.el);
    this.build(this.body);
    this.refresh();
  }

  build(_body) {}

  refresh() {
    if (!this.el) return;
    const s = this.scope();
    this.el.hidden = s === null;
    this.update(this.current());
  }

  update(_value) {}

  serialize() {
    const out = [];
    for (const [scope, value] of this.values) {
      if (this.isEmpty(value)) continue;
      const v = { [this.key]: this.toResult(value) };
      if (scope === "") {
        out.push({ id: this.id, from_name: this.name, to_name: this.toName, type: this.type, value: v, origin: "manual" });
      } else if (scope.startsWith("item:")) {
        const index = Number(scope.slice(5));
        out.push({ id: this.itemIds.get(scope) || `${this.id}_${index}`, from_name: this.name, to_name: this.toName, type: this.type, value: v, origin: "manual", item_index: index });
      } else {
        const region = this.engine.region(scope);
        if (!region) continue;
        out.push({ id: region.id, from_name: this.name, to_name: region.to_name, type: this.type, value: { ...this.engine.geometry(region), ...v }, origin: "manual", ...region.kept, ...this.engine.regionExtras(region) });
      }
    }
    return out;
  }

  toResult(value) {
    return value;
  }

  fromResult(v) {
    return v;
  }

  load(results) {
    this.values.clear();
    this.itemIds.clear();
    for (const r of results) {
      if (r.from_name !== this.name || r.type !== this.type || !r.value || !(this.key in r.value)) continue;
      const value = this.fromResult(r.value[this.key]);
      if (this.perItem) {
        const scope = `item:${Number.isInteger(r.item_index) ? r.item_index : 0}`;
        this.values.set(scope, value);
        if (r.id !== undefined && r.id !== null) this.itemIds.set(scope, String(r.id));
      } else if (this.perRegion) this.values.set(String(r.id), value);
      else {
        this.values.set("", value);
        this.id = String(r.id);
      }
    }
  }

  hotkeys() {
    return [];
  }

  validate() {
    if (!this.required || this.engine.isHidden(this)) return [];
    const msg = this.requiredMessage || t("{name} is required.", { name: this.name });
    if (this.perItem) {
      const obj = this.engine.instance(this.toName);
      const n = obj && obj.srcs ? obj.srcs.length : 1;
      for (let i = 0; i < n; i++) if (this.isEmpty(this.values.get(`item:${i}`))) return [msg];
      return [];
    }
    if (!this.perRegion) return this.isEmpty(this.values.get("")) ? [msg] : [];
    const missing = this.engine.regions.filter((r) => this.regionFits(r) && this.isEmpty(this.values.get(r.id)));
    return missing.length ? [msg] : [];
  }

  showProblems(messages) {
    if (!this.problems) return;
    clear(this.problems);
    for (const m of messages) this.problems.append(h("p", { class: "lc-problem" }, m));
  }
}
