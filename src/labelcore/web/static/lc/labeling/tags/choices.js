// Choices (single, single-radio, multiple; inline, vertical, select) and Taxonomy.
import { h } from "../dom.js";
import { labelItems } from "../config.js";
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
    const pre = this.items.filter((i) => i.selected).map((i) => i.result);
    if (pre.length && !this.perRegion) this.values.set("", pre);
    this.group = `lc-choices-${++group}`;
  }

  build(body) {
    if (this.layout === "select") {
      this.select = h("select", { class: "lc-select", multiple: this.mode === "multiple", "aria-label": this.name, onchange: () => this.onSelect() },
        this.mode === "multiple" ? null : h("option", { value: "" }, t("Choose…")),
        this.items.map((i) => h("option", { value: i.result }, i.value)));
      body.append(this.select);
      return;
    }
    const list = h("div", { class: "lc-choice-list" + (this.layout === "inline" ? " lc-inline" : ""), role: this.mode === "multiple" ? "group" : "radiogroup", "aria-label": this.name });
    this.inputs = this.items.map((item) => {
      const input = h("input", { type: this.mode === "single-radio" ? "radio" : "checkbox", name: this.group, value: item.result, onchange: () => this.onToggle(item, input) });
      list.append(h("label", { class: "lc-choice", title: item.hint || null }, input, h("span", {}, item.value), item.hotkey ? h("kbd", { class: "lc-kbd" }, displayKey(item.hotkey)) : null));
      return input;
    });
    body.append(list);
  }

  onSelect() {
    const vals = Array.from(this.select.selectedOptions).map((o) => o.value).filter(Boolean);
    this.set(vals);
  }

  onToggle(item, input) {
    this.toggle(item.result, input.checked);
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
    this.set(this.items.map((i) => i.result).filter((r) => cur.has(r)));
  }

  update(value) {
    const cur = new Set(value || []);
    if (this.select) for (const o of this.select.options) o.selected = cur.has(o.value);
    if (this.inputs) this.inputs.forEach((inp) => { inp.checked = cur.has(inp.value); });
  }

  hotkeys() {
    if (this.scope() === null) return [];
    return this.items.filter((i) => i.hotkey).map((i) => ({ key: i.hotkey, label: t("Choice: {choice}", { choice: i.value }), run: () => this.toggle(i.result) }));
  }
}

class TaxonomyControl extends Classification {
  constructor(node, ctx) {
    super(node, ctx, "taxonomy");
    this.items = labelItems(node, ctx.data, "choice");
    this.leafsOnly = node.attrs.leafsonly === "true";
    this.maxUsages = Number(node.attrs.maxusages || 0);
    this.sep = node.attrs.pathseparator || " / ";
  }

  fromResult(v) {
    return Array.isArray(v) ? v.filter(Array.isArray).map((p) => p.map(String)) : [];
  }

  build(body) {
    this.search = h("input", { type: "search", class: "lc-input lc-taxonomy-search", placeholder: this.node.attrs.placeholder || t("Search"), "aria-label": t("Search the taxonomy"), oninput: () => this.filter() });
    this.chips = h("div", { class: "lc-taxonomy-selected", "aria-live": "polite" });
    this.tree = h("ul", { class: "lc-tree", role: "tree", "aria-label": this.name });
    this.rows = [];
    const build = (items, path, ul, depth) => {
      for (const item of items) {
        const p = path.concat(item.result);
        const leaf = !item.children.length;
        const li = h("li", { role: "treeitem", class: "lc-tree-item", "aria-expanded": leaf ? null : "false" });
        const box = h("input", { type: "checkbox", disabled: this.leafsOnly && !leaf, "aria-label": p.join(this.sep), onchange: () => this.toggle(p, box.checked) });
        const toggle = leaf ? h("span", { class: "lc-tree-spacer" }) : h("button", { type: "button", class: "lc-tree-toggle", "aria-label": t("Expand {name}", { name: item.value }), onclick: () => this.expand(li, li.getAttribute("aria-expanded") !== "true") }, "▸");
        const sub = leaf ? null : h("ul", { role: "group", class: "lc-tree-group", hidden: true });
        li.append(h("div", { class: "lc-tree-row" }, toggle, h("label", { class: "lc-tree-label" }, box, h("span", {}, item.value))));
        if (sub) li.append(sub);
        ul.append(li);
        this.rows.push({ li, box, path: p, key: JSON.stringify(p), text: item.value.toLowerCase(), toggle });
        if (sub) build(item.children, p, sub, depth + 1);
      }
    };
    build(this.items, [], this.tree, 0);
    body.append(this.search, this.chips, this.tree);
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

  toggle(path, on) {
    const cur = (this.current() || []).filter((p) => JSON.stringify(p) !== JSON.stringify(path));
    if (on) {
      if (this.maxUsages && cur.length >= this.maxUsages) {
        this.engine.notify(t("At most {n} items can be chosen.", { n: this.maxUsages }));
        this.update(this.current());
        return;
      }
      cur.push(path);
    }
    this.set(cur);
  }

  update(value) {
    const keys = new Set((value || []).map((p) => JSON.stringify(p)));
    for (const r of this.rows) r.box.checked = keys.has(r.key);
    this.chips.replaceChildren(...(value || []).map((p) => h("span", { class: "lc-chip" }, p.join(this.sep),
      h("button", { type: "button", class: "lc-chip-remove", "aria-label": t("Remove {name}", { name: p.join(this.sep) }), onclick: () => this.toggle(p, false) }, "×"))));
  }
}

export const choices = { create: (node, ctx) => new ChoicesControl(node, ctx) };
export const taxonomy = { create: (node, ctx) => new TaxonomyControl(node, ctx) };
