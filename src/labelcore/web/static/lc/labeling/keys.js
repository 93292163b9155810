// The labeling screen's keyboard: built-in keys (undo, redo, delete, relations, the shortcut
// sheet) and every hotkey the tag modules offer right now.
import { t } from "./i18n.js";
import { parseHotkey, matches, isTypingTarget } from "./hotkeys.js";

export function shortcutList(engine) {
  const list = [
    { key: "ctrl+z", label: t("Undo") }, { key: "ctrl+shift+z", label: t("Redo") },
    { key: "?", label: t("Show or hide this list") }, { key: "escape", label: t("Deselect the region / cancel") },
    { key: "delete", label: t("Delete the selected region") }, { key: "alt+r", label: t("Create a relation from the selected region") },
  ];
  // the text and ranking keys only where the screen has spans to label or items to rank
  const tags = new Set(engine.instances.map((i) => i.node && i.node.tag));
  if (["labels", "hypertextlabels", "paragraphlabels"].some((x) => tags.has(x)) || engine.instances.some((i) => i.spanLabeling === true)) {
    list.push({ key: "shift+right", label: t("In a text: extend the selection") }, { key: "enter", label: t("In a text: label the selection") });
  }
  if (tags.has("ranker")) list.push({ key: "alt+up", label: t("In a ranking: move the item up (Alt+Left/Right: other column)") });
  // a hotkey may be `hidden` from the sheet (one entry stands for several keys) and `display`
  // another key name there
  for (const inst of engine.instances) if (!engine.isHidden(inst) || inst.type === "labels") for (const hk of inst.hotkeys()) if (!hk.hidden) list.push({ key: hk.display || hk.key, label: hk.label });
  return list.concat(engine.opts.extraShortcuts || []);
}

export function handleKey(engine, ev) {
  if (!engine.root.isConnected || ev.defaultPrevented) return;
  const typing = isTypingTarget(ev.target);
  const is = (spec) => matches(parseHotkey(spec), ev);
  if (!typing && is("ctrl+z")) return consume(ev, () => engine.undo());
  if (!typing && (is("ctrl+shift+z") || is("ctrl+y"))) return consume(ev, () => engine.redo());
  if (typing) return;
  if (is("?")) return consume(ev, () => engine.toggleSheet());
  if (is("escape")) {
    if (engine.sheet.open) return consume(ev, () => engine.sheet.hide());
    if (engine.linkFrom) return consume(ev, () => { engine.linkFrom = null; engine.notify(t("Relation cancelled.")); engine.refreshAll(); });
    if (engine.selectedId) return consume(ev, () => engine.selectRegion(null));
    return;
  }
  if ((is("delete") || is("backspace")) && engine.selectedId) return consume(ev, () => engine.deleteRegion(engine.selectedId));
  if (is("alt+r") && engine.selectedId) return consume(ev, () => engine.startLink(engine.selectedId));
  for (const inst of engine.instances) {
    if (inst.el && engine.isHidden(inst) && !inst.perRegion) continue;
    for (const hk of inst.hotkeys()) {
      // `active()` false: the key is not ours right now (arrows scroll when no region is selected)
      if (matches(parseHotkey(hk.key), ev) && (!hk.active || hk.active())) return consume(ev, hk.run);
    }
  }
}

function consume(ev, fn) {
  ev.preventDefault();
  fn();
}
