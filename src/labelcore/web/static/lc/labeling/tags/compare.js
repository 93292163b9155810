// Pairwise (choose left or right; from_name = to_name = the Pairwise name) and
// List + Ranker (reorder items, or sort them into Buckets) — by mouse (drag) or keyboard
// (Alt+arrows on a focused item).
import { h, uid, toText } from "../dom.js";
import { resolve, csv } from "../config.js";
import { t } from "../i18n.js";

class Pairwise {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    [this.left, this.right] = csv(node.attrs.toname);
    this.selected = null;
    this.id = uid();
  }

  render(container) {
    const mk = (side) => h("button", { type: "button", class: "lc-btn lc-pairwise-btn", dataset: { side }, "aria-pressed": "false", onclick: () => this.choose(side) },
      side === "left" ? t("Left is better") : t("Right is better"));
    this.buttons = { left: mk("left"), right: mk("right") };
    this.el = h("div", { class: "lc-pairwise", role: "group", "aria-label": t("Which one is better?") }, this.buttons.left, this.buttons.right);
    container.append(this.el);
    this.engine.afterBuild(() => {
      for (const side of ["left", "right"]) {
        const obj = this.engine.instance(side === "left" ? this.left : this.right);
        const el = obj && (obj.box || obj.el);
        if (el) {
          el.classList.add("lc-pairwise-item");
          el.addEventListener("click", (ev) => {
            const sel = window.getSelection();
            if (sel && !sel.isCollapsed) return;
            if (!ev.target.closest(".lc-region")) this.choose(side);
          });
        }
      }
      this.refresh();
    });
  }

  choose(side) {
    this.selected = this.selected === side ? null : side;
    this.engine.changed();
  }

  refresh() {
    for (const side of ["left", "right"]) {
      const on = this.selected === side;
      this.buttons[side].setAttribute("aria-pressed", on ? "true" : "false");
      this.buttons[side].classList.toggle("lc-on", on);
      const obj = this.engine.instance(side === "left" ? this.left : this.right);
      const el = obj && (obj.box || obj.el);
      if (el) el.classList.toggle("lc-pairwise-selected", on);
    }
  }

  serialize() {
    if (!this.selected) return [];
    return [{ id: this.id, from_name: this.name, to_name: this.name, type: "pairwise", value: { selected: this.selected }, origin: "manual" }];
  }

  load(results) {
    this.selected = null;
    for (const r of results) {
      if (r.type === "pairwise" && r.from_name === this.name && r.value && ["left", "right"].includes(r.value.selected)) {
        this.selected = r.value.selected;
        this.id = String(r.id);
      }
    }
  }

  hotkeys() {
    return [];
  }
}

/** A List object: the items a Ranker orders; shown as a plain list when no Ranker uses it. */
class ListObject {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.name = node.attrs.name;
    let v = resolve(node.attrs.value, ctx.data);
    if (typeof v === "string") {
      try { v = JSON.parse(v); } catch (_e) { v = []; }
    }
    // Items keep id/title/body as text; an `html` key is never rendered (GHSA-6xv9).
    this.items = (Array.isArray(v) ? v : []).filter((x) => x && typeof x === "object" && x.id !== undefined)
      .map((x) => ({ id: String(x.id), title: toText(x.title), body: toText(x.body) }));
    this.title = node.attrs.title || "";
  }

  render(container) {
    if (this.ctx.engine.controlsOf(this.name).some((c) => c.node.tag === "ranker")) return;
    this.el = h("ol", { class: "lc-list", dataset: { lcObject: this.name } }, this.items.map((i) => h("li", { class: "lc-list-item" }, card(i))));
    container.append(this.el);
  }

  serialize() { return []; }
  load() {}
  hotkeys() { return []; }
}

function card(item) {
  return [h("div", { class: "lc-rank-title" }, item.title), item.body ? h("div", { class: "lc-rank-body" }, item.body) : null];
}

class Ranker {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.engine = ctx.engine;
    this.name = node.attrs.name;
    this.toName = csv(node.attrs.toname)[0];
    this.id = uid();
    this.touched = false;
    this.buckets = node.children.filter((c) => c.tag === "bucket").map((b) => ({ key: b.attrs.name, title: b.attrs.title || b.attrs.name, isDefault: b.attrs.default === "true" }));
  }

  list() {
    return this.engine.instance(this.toName);
  }

  initial() {
    const ids = (this.list() ? this.list().items : []).map((i) => i.id);
    const cols = new Map();
    if (!this.buckets.length) cols.set(this.name, ids);
    else {
      const def = this.buckets.find((b) => b.isDefault);
      if (!def) cols.set("_", ids);
      for (const b of this.buckets) cols.set(b.key, b === def ? ids.slice() : []);
    }
    return cols;
  }

  columnTitle(key) {
    if (key === "_" || key === this.name) return (this.list() && this.list().title) || t("Items");
    const b = this.buckets.find((x) => x.key === key);
    return b ? b.title : key;
  }

  render(container) {
    this.el = h("div", { class: "lc-ranker htx-ranker", role: "group", "aria-label": t("Ranking: drag items, or focus one and use Alt+arrow keys") });
    container.append(this.el);
    this.engine.afterBuild(() => {
      if (!this.cols) this.cols = this.initial();
      this.refresh();
    });
  }

  refresh() {
    if (!this.el || !this.cols) return;
    const byId = new Map((this.list() ? this.list().items : []).map((i) => [i.id, i]));
    const focusId = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.itemId : null;
    this.el.replaceChildren(...[...this.cols.keys()].map((key) => {
      const col = h("div", { class: "lc-rank-column htx-ranker-column", dataset: { column: key } },
        h("div", { class: "lc-rank-column-title" }, this.columnTitle(key)));
      const ul = h("ol", { class: "lc-rank-items", dataset: { column: key } });
      ul.addEventListener("dragover", (e) => { e.preventDefault(); });
      ul.addEventListener("drop", (e) => this.onDrop(e, key, ul));
      for (const id of this.cols.get(key)) {
        const item = byId.get(id);
        if (!item) continue;
        ul.append(h("li", {
          class: "lc-rank-item htx-ranker-item", tabindex: "0", draggable: "true", dataset: { itemId: id },
          ondragstart: (e) => { e.dataTransfer.setData("text/plain", id); e.dataTransfer.effectAllowed = "move"; },
          onkeydown: (e) => this.onKey(e, id),
        }, card(item)));
      }
      col.append(ul);
      return col;
    }));
    if (focusId) {
      const el = this.el.querySelector(`[data-item-id="${CSS.escape(focusId)}"]`);
      if (el) el.focus();
    }
  }

  where(id) {
    for (const [key, ids] of this.cols) {
      const i = ids.indexOf(id);
      if (i >= 0) return [key, i];
    }
    return [null, -1];
  }

  move(id, toKey, index) {
    const [fromKey, i] = this.where(id);
    if (fromKey === null) return;
    this.cols.get(fromKey).splice(i, 1);
    const dest = this.cols.get(toKey);
    dest.splice(Math.max(0, Math.min(dest.length, index)), 0, id);
    this.touched = true;
    this.engine.changed();
  }

  onDrop(e, key, ul) {
    e.preventDefault();
    const id = e.dataTransfer.getData("text/plain");
    if (!id) return;
    const items = Array.from(ul.children).filter((li) => li.dataset.itemId !== id);
    let index = items.length;
    for (let k = 0; k < items.length; k++) {
      const r = items[k].getBoundingClientRect();
      if (e.clientY < r.top + r.height / 2) { index = k; break; }
    }
    this.move(id, key, index);
  }

  onKey(e, id) {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const [key, i] = this.where(id);
    const keys = [...this.cols.keys()];
    const k = keys.indexOf(key);
    if (e.key === "ArrowUp" && i > 0) this.move(id, key, i - 1);
    else if (e.key === "ArrowDown" && i < this.cols.get(key).length - 1) this.move(id, key, i + 1);
    else if (e.key === "ArrowLeft" && k > 0) this.move(id, keys[k - 1], this.cols.get(keys[k - 1]).length);
    else if (e.key === "ArrowRight" && k < keys.length - 1) this.move(id, keys[k + 1], this.cols.get(keys[k + 1]).length);
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  serialize() {
    if (!this.touched || !this.cols) return [];
    const ranker = {};
    for (const [key, ids] of this.cols) ranker[key] = ids.slice();
    return [{ id: this.id, from_name: this.name, to_name: this.toName, type: "ranker", value: { ranker }, origin: "manual" }];
  }

  load(results) {
    this.cols = this.initial();
    this.touched = false;
    const r = results.find((x) => x.type === "ranker" && x.from_name === this.name && x.value && x.value.ranker && typeof x.value.ranker === "object");
    if (!r) return;
    const known = new Set([...this.cols.values()].flat());
    const placed = new Set();
    const cols = new Map();
    for (const key of this.cols.keys()) cols.set(key, []);
    for (const [key, ids] of Object.entries(r.value.ranker)) {
      if (!cols.has(key) || !Array.isArray(ids)) continue;
      for (const id of ids.map(String)) if (known.has(id) && !placed.has(id)) { cols.get(key).push(id); placed.add(id); }
    }
    const first = [...cols.keys()][0];
    for (const id of known) if (!placed.has(id)) cols.get(first).push(id);
    this.cols = cols;
    this.id = String(r.id);
    this.touched = true;
  }

  hotkeys() {
    return [];
  }
}

export const pairwise = { create: (n, c) => new Pairwise(n, c) };
export const list = { create: (n, c) => new ListObject(n, c) };
export const ranker = { create: (n, c) => new Ranker(n, c) };
