// Rating, Number, DateTime and TextArea (with Shortcut children).
import { h, safeColor } from "../dom.js";
import { t } from "../i18n.js";
import { displayKey } from "../hotkeys.js";
import { Classification } from "./base.js";

const ICONS = { star: "★", heart: "♥", fire: "🔥", smile: "☺" };

class RatingControl extends Classification {
  constructor(node, ctx) {
    super(node, ctx, "rating");
    this.max = Math.max(1, Math.min(100, Number(node.attrs.maxrating || 5)));
    const def = Number(node.attrs.defaultvalue || 0);
    if (def > 0 && !this.perRegion) this.values.set("", def);
  }

  build(body) {
    const icon = ICONS[this.node.attrs.icon] || ICONS.star;
    this.buttons = [];
    const row = h("div", { class: "lc-rating-row", role: "radiogroup", "aria-label": this.name });
    for (let i = 1; i <= this.max; i++) {
      const b = h("button", { type: "button", role: "radio", class: "lc-rating-star", "aria-label": t("{n} of {max}", { n: i, max: this.max }), onclick: () => this.set(this.current() === i ? null : i) }, icon);
      this.buttons.push(b);
      row.append(b);
    }
    body.append(row);
  }

  update(value) {
    this.buttons.forEach((b, i) => {
      b.classList.toggle("lc-on", value !== undefined && i < value);
      b.setAttribute("aria-checked", value === i + 1 ? "true" : "false");
    });
  }

  hotkeys() {
    const key = this.node.attrs.hotkey;
    if (!key || this.scope() === null) return [];
    return [{ key, label: t("Rating {name}: one more", { name: this.name }), run: () => this.set(((this.current() || 0) % this.max) + 1) }];
  }
}

class NumberControl extends Classification {
  constructor(node, ctx) {
    super(node, ctx, "number");
    const def = node.attrs.defaultvalue;
    if (def !== undefined && def !== "" && !this.perRegion && Number.isFinite(Number(def))) this.values.set("", Number(def));
  }

  build(body) {
    const a = this.node.attrs;
    this.input = h("input", { type: a.slider === "true" ? "range" : "number", class: "lc-input lc-number-input", min: a.min, max: a.max, step: a.step || "any", "aria-label": this.name, onchange: () => this.onChange() });
    this.error = h("span", { class: "lc-problem", role: "alert" });
    body.append(this.input, this.error);
  }

  onChange() {
    const raw = this.input.value.trim();
    this.error.textContent = "";
    if (raw === "") return this.set(null);
    const n = Number(raw);
    const a = this.node.attrs;
    if (!Number.isFinite(n) || (a.min !== undefined && n < Number(a.min)) || (a.max !== undefined && n > Number(a.max))) {
      this.error.textContent = t("Enter a number between {min} and {max}.", { min: a.min ?? "−∞", max: a.max ?? "∞" });
      return;
    }
    this.set(n);
  }

  update(value) {
    if (document.activeElement !== this.input) this.input.value = value === undefined ? "" : String(value);
  }
}

// The input for `only` as Label Studio stores it: time alone "HH:MM", time with a date
// "YYYY-MM-DDTHH:MM", a date "YYYY-MM-DD" (date wins over month/year), month "YYYY-MM", year.
function dateTimeInputType(only) {
  const parts = new Set(only);
  if (parts.has("time")) return parts.size === 1 ? "time" : "datetime-local";
  if (parts.has("date")) return "date";
  if (parts.has("month")) return "month";
  return parts.has("year") ? "number" : "datetime-local";
}

class DateTimeControl extends Classification {
  constructor(node, ctx) {
    super(node, ctx, "datetime");
    const only = (node.attrs.only || "").split(",").map((s) => s.trim()).filter(Boolean);
    this.inputType = dateTimeInputType(only);
  }

  build(body) {
    const a = this.node.attrs;
    this.input = h("input", { type: this.inputType, class: "lc-input lc-datetime-input", min: a.min, max: a.max, "aria-label": this.name, onchange: () => this.set(this.input.value || null) });
    body.append(this.input);
  }

  update(value) {
    if (document.activeElement !== this.input) this.input.value = value === undefined ? "" : String(value);
  }
}

class TextAreaControl extends Classification {
  constructor(node, ctx) {
    super(node, ctx, "textarea");
    this.maxSubmissions = Number(node.attrs.maxsubmissions || 0);
    this.editable = node.attrs.editable === "true";
    this.shortcuts = node.children.filter((c) => c.tag === "shortcut").map((c) => ({ value: c.attrs.value || "", alias: c.attrs.alias || c.attrs.value || "", hotkey: c.attrs.hotkey || "", background: c.attrs.background || "" }));
    const pre = node.attrs.value;
    if (pre && !pre.startsWith("$") && !this.perRegion) this.values.set("", [pre]);
  }

  get key() {
    return "text";
  }

  fromResult(v) {
    return Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
  }

  build(body) {
    const a = this.node.attrs;
    this.list = h("ul", { class: "lc-textarea-list" });
    this.input = h("textarea", { class: "lc-input lc-textarea-input", rows: a.rows || "1", placeholder: a.placeholder || null, "aria-label": this.name, onkeydown: (e) => this.onKey(e) });
    const add = h("button", { type: "button", class: "lc-btn", onclick: () => this.add() }, t("Add"));
    const sc = this.shortcuts.length ? h("div", { class: "lc-shortcut-list" }, this.shortcuts.map((s) => {
      const b = h("button", { type: "button", class: "lc-btn lc-shortcut", onclick: () => this.insert(s.value) }, s.alias, s.hotkey ? h("kbd", { class: "lc-kbd" }, displayKey(s.hotkey)) : null);
      b.style.setProperty("--lc-label-color", safeColor(s.background, "#e5e7eb"));
      return b;
    })) : null;
    body.append(this.list, h("div", { class: "lc-textarea-row" }, this.input, add), sc);
  }

  onKey(e) {
    if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.add();
    }
  }

  insert(text) {
    const el = this.input;
    const s = el.selectionStart ?? el.value.length, e = el.selectionEnd ?? el.value.length;
    el.value = el.value.slice(0, s) + text + el.value.slice(e);
    el.focus();
    el.selectionStart = el.selectionEnd = s + text.length;
  }

  add() {
    const text = this.input.value.trim();
    if (!text) return;
    const cur = (this.current() || []).slice();
    if (this.maxSubmissions && cur.length >= this.maxSubmissions) {
      this.engine.notify(t("At most {n} entries.", { n: this.maxSubmissions }));
      return;
    }
    this.input.value = "";
    this.set(cur.concat(text));
  }

  update(value) {
    const items = value || [];
    this.list.replaceChildren(...items.map((text, i) => {
      const body = this.editable
        ? h("input", { class: "lc-input", value: text, "aria-label": t("Entry {n}", { n: i + 1 }), onchange: (e) => this.edit(i, e.target.value) })
        : h("span", { class: "lc-textarea-text" }, text);
      return h("li", { class: "lc-textarea-item" }, body, h("button", { type: "button", class: "lc-icon-btn", "aria-label": t("Delete entry {n}", { n: i + 1 }), onclick: () => this.remove(i) }, "×"));
    }));
  }

  edit(i, text) {
    const cur = (this.current() || []).slice();
    if (text.trim()) cur[i] = text;
    else cur.splice(i, 1);
    this.set(cur);
  }

  remove(i) {
    const cur = (this.current() || []).slice();
    cur.splice(i, 1);
    this.set(cur);
  }

  /** Text typed but not yet added still counts: nothing typed is lost on submit. */
  flush() {
    if (this.input && this.input.value.trim() && this.scope() !== null) this.add();
  }

  hotkeys() {
    return this.shortcuts.filter((s) => s.hotkey).map((s) => ({ key: s.hotkey, label: t("Insert: {text}", { text: s.alias }), run: () => this.insert(s.value) }));
  }
}

export const rating = { create: (n, c) => new RatingControl(n, c) };
export const number = { create: (n, c) => new NumberControl(n, c) };
export const datetime = { create: (n, c) => new DateTimeControl(n, c) };
export const textarea = { create: (n, c) => new TextAreaControl(n, c) };
