// visibleWhen / whenTagName / whenLabelValue / whenChoiceValue, as Label Studio evaluates them:
// a hidden parent hides its children, and hidden controls are not checked as required.
import { csv } from "./config.js";

function choiceValues(engine, name) {
  const inst = name ? engine.instance(name) : null;
  // a path (taxonomy, or allowNested choices stored as JSON paths) counts by its last item
  const leaf = (i, v) => (Array.isArray(v) ? v[v.length - 1] : i.nested ? JSON.parse(v).at(-1) : v);
  const pick = (i) => (i.type === "choices" || i.type === "taxonomy") ? [...i.values.values()].flat().map((v) => leaf(i, v)) : [];
  return inst ? pick(inst) : engine.instances.flatMap(pick);
}

export function isVisible(engine, node) {
  const a = node.attrs;
  const mode = a.visiblewhen;
  const tags = csv(a.whentagname), labels = csv(a.whenlabelvalue), choices = csv(a.whenchoicevalue);
  if (!mode && !choices.length) return true;
  if (a.perregion === "true") return true;
  const choiceSelected = () => {
    const vals = tags.length ? tags.flatMap((n) => choiceValues(engine, n)) : choiceValues(engine, null);
    return choices.length ? vals.some((v) => choices.includes(v)) : vals.length > 0;
  };
  if (!mode) return choiceSelected();
  const r = engine.selectedRegion();
  if (mode === "region-selected") return !!r && (!tags.length || tags.includes(r.from_name)) && (!labels.length || engine.regionLabels(r).some((l) => labels.includes(l)));
  if (mode === "no-region-selected") return !r;
  if (mode === "choice-selected") return choiceSelected();
  if (mode === "choice-unselected") return !choiceSelected();
  return true;
}

export function applyVisibility(engine) {
  for (const [node, inst] of engine.nodeInst) {
    if (!inst.el || inst.perRegion) continue;
    if (!node.attrs.visiblewhen && !node.attrs.whenchoicevalue) continue;
    inst.el.hidden = !isVisible(engine, node);
  }
}
