// Choices (single, single-radio, multiple; inline, vertical, select) and Taxonomy.
import { h, clear } from "../dom.js";
import { labelItems, resolve, csv } from "../config.js";
import { t } from "../i18n.js";
import { displayKey } from "../hotkeys.js";
import { Classification } from "./base.js";

let group = 0;

class ChoicesControl extends Classification {
  constructor(node, ctx) {
    super(node, ctx, "choices");
    this.mode = node.attrs.choice || "single";
    this.layout = node.attrs.layout || (node.attrs.showinline === "true" ? "inline" : "vertical");
    this.items = labelItems(node, ctx.data, "choice");
    // allowNested: nested <Choice> tags are offered too, and every choice is stored as its
    // path from the top ({choices: [["Parent", "Child"], ["Other"]]}, as Label Studio does).
    this.nested = node.attrs.allownested === "true";
    this.options = flatten(this.items, [], 0, this.nested);
    const pre = this.options.filter((o) => o.item.selected).map((o) => o.key);
    if (pre.length && !this.perRegion) this.values.set("", pre);
    this.group = `lc-choices-${++group}`;
  }

  toResult(keys) {
    return this.nested ? keys.map((k) => JSON.parse(k)) : keys;
  }

  fromResult(v) {
    if (!Array.isArray(v)) return [];
    return v.map((x) => (this.nested ? JSON.stringify(Array.isArray(x) ? x.map(String) : [String(x)]) : String(x)));
  }

  build(body) {
    if (this.layout === "select") {
      this.select = h("select", { class: "lc-select", multiple: this.mode === "multiple", "aria-label": this.name, onchange: () => this.onSelect() },
        this.mode === "multiple" ? null : h("option", { value: "" }, t("Choose…")),
        this.options.map((o) => h("option", { value: o.key }, o.path.length > 1 ? `${"— ".repeat(o.depth)}${o.item.value}` : o.item.value)));
      body.append(this.select);
      return;
    }
    const list = h("div", { class: "lc-choice-list" + (this.layout === "inline" ? " lc-inline" : ""), role: this.mode === "multiple" ? "group" : "radiogroup", "aria-label": this.name });
    this.inputs = this.options.map((o) => {
      const item = o.item;
      const input = h("input", { type: this.mode === "single-radio" ? "radio" : "checkbox", name: this.group, value: o.key, "aria-label": o.depth ? o.labels.join(" / ") : null, onchange: () => this.toggle(o.key, input.checked) });
      list.append(h("label", { class: "lc-choice" + (o.depth ? ` lc-choice-nested lc-depth-${Math.min(o.depth, 4)}` : ""), title: item.hint || null }, input, h("span", {}, item.value), item.hotkey ? h("kbd", { class: "lc-kbd" }, displayKey(item.hotkey)) : null));
      return input;
    });
    body.append(list);
  }

  onSelect() {
    const vals = Array.from(this.select.selectedOptions).map((o) => o.value).filter(Boolean);
    this.set(vals);
  }

  toggle(result, on) {
    const cur = new Set(this.current() || []);
    if (on === undefined) on = !cur.has(result);
    if (this.mode === "multiple") {
      if (on) cur.add(result);
      else cur.delete(result);
    } else {
      cur.clear();
      if (on) cur.add(result);
    }
    this.set(this.options.map((o) => o.key).filter((k) => cur.has(k)));
  }

  update(value) {
    const cur = new Set(value || []);
    if (this.select) for (const o of this.select.options) o.selected = cur.has(o.value);
    if (this.inputs) this.inputs.forEach((inp) => { inp.checked = cur.has(inp.value); });
  }

  hotkeys() {
    if (this.scope() === null) return [];
    return this.options.filter((o) => o.item.hotkey).map((o) => ({ key: o.item.hotkey, label: t("Choice: {choice}", { choice: o.item.value }), run: () => this.toggle(o.key) }));
  }
}

/** The choices to offer, in document order: top-level only, or every level with allowNested.
 * `key` is what the control stores: the alias/value, or with allowNested the JSON path. */
function flatten(items, path, depth, nested) {
  const out = [];
  for (const item of items) {
    const p = path.concat(item.result);
    out.push({ item, path: p, labels: path.length ? [...path, item.value] : [item.value], depth, key: nested ? JSON.stringify(p) : item.result });
    if (nested) out.push(...flatten(item.children, p, depth + 1, nested));
  }
  return out;
}

const MAX_REMOTE_ITEMS = 10000;
const samePath = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Taxonomy items from an `apiUrl` answer: [{value, alias?, hint?, children?}] or {items: [...]}
 * (strings allowed). Values stay text; anything else (an `html` key ...) is ignored. */
export function remoteItems(json) {
  let left = MAX_REMOTE_ITEMS;
  const conv = (list, depth) => {
    const out = [];
    if (!Array.isArray(list) || depth > 20) return out;
    for (const d of list) {
      if (left-- <= 0) break;
      if (typeof d === "string" || typeof d === "number") { out.push(item(String(d), String(d), "", [])); continue; }
      if (!d || typeof d !== "object" || d.value === undefined || d.value === null) continue;
      const value = String(d.value);
      out.push(item(value, d.alias ? String(d.alias) : value, typeof d.hint === "string" ? d.hint : "", conv(d.children, depth + 1)));
    }
    return out;
  };
  return conv(Array.isArray(json) ? json : json && json.items, 0);
}

function item(value, result, hint, children) {
  return { value, result, hotkey: "", background: "", hint, selected: false, granularity: "", maxUsages: 0, children };
}

/** Only this page's origin: the browser fetches nothing elsewhere (no SSRF through the
 * annotator's browser, no task data sent off-site); http(s) only. Null when refused. */
export function sameOriginUrl(raw) {
  let url;
  try {
    url = new URL(raw, document.baseURI);
  } catch (_e) {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return url.origin === window.location.origin ? url : null;
}

class TaxonomyControl extends Classification {
  constructor(node, ctx) {
    super(node, ctx, "taxonomy");
    this.apiUrl = node.attrs.apiurl ? String(resolve(node.attrs.apiurl, ctx.data) ?? "") : "";
    this.items = this.apiUrl ? [] : labelItems(node, ctx.data, "choice");
    this.leafsOnly = node.attrs.leafsonly === "true";
    this.maxUsages = Number(node.attrs.maxusages || 0);
    this.sep = node.attrs.pathseparator || " / ";
    // legacy="true": annotators may add their own items (kept in the results they submit)
    this.canAdd = node.attrs.legacy === "true";
    // labeling="true": the taxonomy labels text spans, like Labels (regions of type "taxonomy")
    this.spanLabeling = node.attrs.labeling === "true";
    this.active = new Map(); // span labeling: JSON path -> path, for the next span
    this.toNames = csv(node.attrs.toname);
  }

  fromResult(v) {
    return Array.isArray(v) ? v.filter(Array.isArray).map((p) => p.map(String)) : [];
  }

  build(body) {
    this.search = h("input", { type: "search", class: "lc-input lc-taxonomy-search", placeholder: this.node.attrs.placeholder || t("Search"), "aria-label": t("Search the taxonomy"), oninput: () => this.filter() });
    this.chips = h("div", { class: "lc-taxonomy-selected", "aria-live": "polite" });
    this.tree = h("ul", { class: "lc-tree", role: "tree", "aria-label": this.name });
    this.note = h("div", { class: "lc-taxonomy-note", role: "status" });
    body.append(this.search, this.chips, this.note, this.tree);
    if (this.canAdd) body.append(this.addForm());
    this.drawTree();
    if (this.apiUrl) this.fetchItems();
  }

  drawTree() {
    clear(this.tree);
    this.rows = [];
    const build = (items, path, ul) => {
      for (const item of items) {
        const p = path.concat(item.result);
        const leaf = !item.children.length;
        const li = h("li", { role: "treeitem", class: "lc-tree-item", "aria-expanded": leaf ? null : "false" });
        const box = h("input", { type: "checkbox", disabled: this.leafsOnly && !leaf, "aria-label": p.join(this.sep), onchange: () => this.toggle(p, box.checked) });
        const toggle = leaf ? h("span", { class: "lc-tree-spacer" }) : h("button", { type: "button", class: "lc-tree-toggle", "aria-label": t("Expand {name}", { name: item.value }), onclick: () => this.expand(li, li.getAttribute("aria-expanded") !== "true") }, "▸");
        const sub = leaf ? null : h("ul", { role: "group", class: "lc-tree-group", hidden: true });
        li.append(h("div", { class: "lc-tree-row", title: item.hint || null }, toggle, h("label", { class: "lc-tree-label" }, box, h("span", {}, item.value))));
        if (sub) li.append(sub);
        ul.append(li);
        this.rows.push({ li, box, path: p, key: JSON.stringify(p), text: item.value.toLowerCase(), toggle });
        if (sub) build(item.children, p, sub);
      }
    };
    build(this.items, [], this.tree);
    // open the branches that hold a chosen item, so every checked box can be seen
    const open = new Set(this.chosenPaths().flatMap((p) => p.slice(0, -1).map((_x, i) => JSON.stringify(p.slice(0, i + 1)))));
    for (const r of this.rows) if (open.has(r.key)) this.expand(r.li, true);
    if (this.search.value) this.filter();
    this.update();
  }

  async fetchItems() {
    const url = sameOriginUrl(this.apiUrl);
    if (!url) {
      this.note.textContent = t("The taxonomy's apiUrl must be on this site; other sites are not contacted.");
      this.note.classList.add("lc-problem");
      return;
    }
    this.note.textContent = t("Loading the taxonomy…");
    try {
      // redirect "manual": a same-origin URL that redirects elsewhere (an open redirect on the
      // host) must not take the request, or the items, off this site
      const resp = await fetch(url, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } });
      if (resp.type === "opaqueredirect") throw new Error(t("the apiUrl answers with a redirect; give the final URL"));
      if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
      this.items = remoteItems(await resp.json());
      this.note.textContent = "";
    } catch (err) {
      this.note.textContent = t("The taxonomy could not be loaded: {error}", { error: err.message });
      this.note.classList.add("lc-problem");
      return;
    }
    for (const p of this.chosenPaths()) this.ensurePath(p);
    this.drawTree();
  }

  /** The add-an-item form of legacy="true": a name, under the root or an existing item. */
  addForm() {
    const name = h("input", { class: "lc-input lc-taxonomy-new", placeholder: t("New item"), "aria-label": t("New taxonomy item") });
    this.parentSel = h("select", { class: "lc-select lc-taxonomy-parent", "aria-label": t("Add under") });
    const form = h("form", { class: "lc-taxonomy-add", onsubmit: (e) => {
      e.preventDefault();
      const value = name.value.trim();
      if (!value) return;
      const parent = this.parentSel.value ? JSON.parse(this.parentSel.value) : [];
      this.ensurePath(parent.concat(value));
      name.value = "";
      this.drawTree();
      this.toggle(parent.concat(value), true);
    } }, name, this.parentSel, h("button", { type: "submit", class: "lc-btn lc-taxonomy-add-btn" }, t("Add")));
    return form;
  }

  /** Make sure the tree has `path` (items from saved results or added by the annotator). */
  ensurePath(path) {
    let list = this.items;
    for (const part of path) {
      let found = list.find((i) => i.result === part);
      if (!found) {
        found = item(part, part, "", []);
        list.push(found);
      }
      list = found.children;
    }
  }

  drawParents() {
    if (!this.parentSel) return;
    const keep = this.parentSel.value;
    clear(this.parentSel);
    this.parentSel.append(h("option", { value: "" }, t("(top level)")));
    for (const r of this.rows) this.parentSel.append(h("option", { value: r.key, selected: r.key === keep }, r.path.join(this.sep)));
  }

  expand(li, open) {
    li.setAttribute("aria-expanded", open ? "true" : "false");
    const sub = li.querySelector(":scope > ul");
    if (sub) sub.hidden = !open;
    const btn = li.querySelector(":scope > .lc-tree-row > .lc-tree-toggle");
    if (btn) btn.textContent = open ? "▾" : "▸";
  }

  filter() {
    const q = this.search.value.trim().toLowerCase();
    for (const r of this.rows) r.li.hidden = false;
    if (!q) return;
    const keep = new Set();
    for (const r of this.rows) {
      if (r.text.includes(q)) for (let i = 1; i <= r.path.length; i++) keep.add(JSON.stringify(r.path.slice(0, i)));
    }
    for (const r of this.rows) {
      r.li.hidden = !keep.has(r.key);
      if (keep.has(r.key) && r.li.getAttribute("aria-expanded") === "false") this.expand(r.li, true);
    }
  }

  // ---- span labeling (labeling="true") --------------------------------------------------------
  mySelectedRegion() {
    const r = this.engine.selectedRegion();
    return r && r.from_name === this.name ? r : null;
  }

  /** The paths the checkboxes show: the selected region's, the next span's, or the task's. */
  chosenPaths() {
    if (!this.spanLabeling) return this.current() || [];
    const r = this.mySelectedRegion();
    return r ? (r.value.taxonomy || []) : [...this.active.values()];
  }

  scope() {
    return this.spanLabeling ? "" : super.scope();
  }

  activeValues() {
    return this.active.size ? [...this.active.values()] : null;
  }

  colorOf() {
    return "#8b5cf6";
  }

  toggle(path, on) {
    const cur = this.chosenPaths().filter((p) => !samePath(p, path));
    if (on) {
      if (this.maxUsages && cur.length >= this.maxUsages) {
        this.engine.notify(t("At most {n} items can be chosen.", { n: this.maxUsages }));
        this.update(this.current());
        return;
      }
      cur.push(path);
    }
    if (!this.spanLabeling) return this.set(cur);
    const region = this.mySelectedRegion();
    if (region) {
      if (cur.length) this.engine.updateRegion(region.id, { taxonomy: cur });
      else this.update();
      return;
    }
    this.active = new Map(cur.map((p) => [JSON.stringify(p), p]));
    for (const obj of this.toNames.map((n) => this.engine.instance(n))) {
      if (obj && obj.pending && this.active.size && obj.takePending(this, this.activeValues())) return;
    }
    this.update();
  }

  refresh() {
    if (!this.el) return;
    this.el.hidden = this.scope() === null;
    this.update();
  }

  update() {
    const value = this.chosenPaths();
    const keys = new Set(value.map((p) => JSON.stringify(p)));
    for (const r of this.rows) r.box.checked = keys.has(r.key);
    this.chips.replaceChildren(...value.map((p) => h("span", { class: "lc-chip" }, p.join(this.sep),
      h("button", { type: "button", class: "lc-chip-remove", "aria-label": t("Remove {name}", { name: p.join(this.sep) }), onclick: () => this.toggle(p, false) }, "×"))));
    this.drawParents();
  }

  serialize() {
    if (!this.spanLabeling) return super.serialize();
    return this.engine.regions.filter((r) => r.from_name === this.name).map((r) => this.engine.regionItem(r));
  }

  load(results) {
    if (this.spanLabeling) {
      this.engine.regions = this.engine.regions.filter((r) => r.from_name !== this.name);
      for (const r of results) {
        if (r.from_name !== this.name || r.type !== "taxonomy" || !r.value || r.value.start === undefined) continue;
        this.engine.regions.push({ id: String(r.id), from_name: r.from_name, to_name: r.to_name, type: "taxonomy", value: { ...r.value, taxonomy: this.fromResult(r.value.taxonomy) }, origin: r.origin || "manual", score: r.score, readonly: r.readonly === true, kept: this.engine.keptKeys(r) });
      }
    } else super.load(results);
    // items only the results know (added by an annotator, or gone from the config) stay visible
    const known = this.engine.regions.filter((r) => r.from_name === this.name).flatMap((r) => r.value.taxonomy || []);
    const added = [...known, ...[...this.values.values()].flat()];
    if (this.canAdd && added.length) {
      for (const p of added) this.ensurePath(p);
      if (this.tree) this.drawTree();
    }
  }

  validate() {
    if (!this.spanLabeling) return super.validate();
    if (!this.required || this.engine.isHidden(this)) return [];
    const mine = this.engine.regions.some((r) => r.from_name === this.name);
    return mine ? [] : [this.requiredMessage || t("{name} is required.", { name: this.name })];
  }
}

export const choices = { create: (node, ctx) => new ChoicesControl(node, ctx) };
export const taxonomy = { create: (node, ctx) => new TaxonomyControl(node, ctx) };
