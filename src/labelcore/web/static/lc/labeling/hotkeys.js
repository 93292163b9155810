// Hotkey strings ("ctrl+z", "shift+a", "1", "alt+left") matched against KeyboardEvents,
// and the shortcut sheet that lists every key the screen currently answers to.
import { h, clear } from "./dom.js";
import { t } from "./i18n.js";

const ALIASES = { left: "arrowleft", right: "arrowright", up: "arrowup", down: "arrowdown", esc: "escape", del: "delete", space: " ", return: "enter" };

/** Parse "ctrl+shift+z" into {key, ctrl, shift, alt, meta}; null when empty or malformed. */
export function parseHotkey(spec) {
  if (typeof spec !== "string" || !spec.trim() || spec.length > 40) return null;
  const parts = spec.toLowerCase().split("+").map((p) => p.trim());
  const out = { key: "", ctrl: false, shift: false, alt: false, meta: false };
  for (const p of parts) {
    if (p === "ctrl" || p === "control") out.ctrl = true;
    else if (p === "shift") out.shift = true;
    else if (p === "alt" || p === "option") out.alt = true;
    else if (p === "meta" || p === "cmd" || p === "command") out.meta = true;
    else if (p) out.key = ALIASES[p] || p;
    else out.key = "+";
  }
  return out.key ? out : null;
}

function eventKey(ev) {
  const k = (ev.key || "").toLowerCase();
  // Shifted digits and letters: match on the physical key when shift is part of the combo.
  if (ev.shiftKey && ev.code && /^Key[A-Z]$/.test(ev.code)) return ev.code.slice(3).toLowerCase();
  if (ev.shiftKey && ev.code && /^Digit\d$/.test(ev.code)) return ev.code.slice(5);
  return k;
}

/** Does the event match the parsed hotkey? ("?" matches with or without shift.) */
export function matches(hk, ev) {
  if (!hk) return false;
  if (hk.key === "?" && ev.key === "?") return !ev.ctrlKey && !ev.altKey && !ev.metaKey;
  return eventKey(ev) === hk.key && ev.ctrlKey === hk.ctrl && ev.shiftKey === hk.shift && ev.altKey === hk.alt && ev.metaKey === hk.meta;
}

/** True when typing into a field should not trigger single-key hotkeys. */
export function isTypingTarget(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag === "input") {
    const type = (target.getAttribute("type") || "text").toLowerCase();
    return !["checkbox", "radio", "button", "submit", "range"].includes(type);
  }
  return target.isContentEditable === true;
}

/** Show a hotkey string for people ("ctrl+z" -> "Ctrl+Z"). */
export function displayKey(spec) {
  return String(spec).split("+").map((p) => (p.length === 1 ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1))).join("+");
}

/** The shortcut sheet: a dialog listing [{key, label}] (rebuilt each time it opens). */
export class ShortcutSheet {
  constructor(host) {
    this.el = h("div", { class: "lc-shortcuts", role: "dialog", "aria-modal": "false", "aria-label": t("Keyboard shortcuts"), hidden: true, tabindex: "-1" });
    host.append(this.el);
  }

  get open() {
    return !this.el.hidden;
  }

  show(entries) {
    clear(this.el);
    const rows = entries.map((e) => h("tr", {}, h("td", {}, h("kbd", { class: "lc-kbd" }, displayKey(e.key))), h("td", {}, e.label)));
    const close = h("button", { type: "button", class: "lc-btn lc-shortcuts-close", onclick: () => this.hide() }, t("Close"));
    this.el.append(h("h3", { class: "lc-shortcuts-title" }, t("Keyboard shortcuts")), h("table", { class: "lc-table lc-shortcuts-table" }, h("tbody", {}, rows)), close);
    this.el.hidden = false;
    this.el.focus();
  }

  hide() {
    this.el.hidden = true;
  }
}
