// The labeling config, parsed in the browser as data: DOMParser (XML mode, no DTD), tag and
// attribute names lowercased as Label Studio does, values resolved against task data.

export class ConfigParseError extends Error {}

/** Parse config XML into plain nodes: {tag, attrs, children, text}. */
export function parseConfig(xml) {
  if (typeof xml !== "string" || !xml.trim()) throw new ConfigParseError("The labeling config is empty.");
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new ConfigParseError("DTDs and entities are not allowed in a labeling config.");
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  const err = doc.getElementsByTagName("parsererror")[0];
  if (err) throw new ConfigParseError((err.textContent || "XML error").trim());
  return convert(doc.documentElement, 0);
}

function convert(el, depth) {
  if (depth > 100) throw new ConfigParseError("The labeling config is nested too deeply.");
  const attrs = Object.create(null);
  for (const a of Array.from(el.attributes)) attrs[a.name.toLowerCase()] = a.value;
  const tag = el.tagName.toLowerCase();
  const node = { tag, attrs, children: [], text: "" };
  for (const child of Array.from(el.children)) node.children.push(convert(child, depth + 1));
  if (tag === "style" || tag === "markdown" || tag === "header") node.text = el.textContent || "";
  return node;
}

/** Walk every node of a parsed config (depth first, document order). */
export function* walk(node) {
  yield node;
  for (const c of node.children) yield* walk(c);
}

const SINGLE_VAR = /^\$([\w[\].{}]+)$/;
const ANY_VAR = /\$[\w[\].{}]+/g;

/** Resolve an attribute value against task data like Label Studio's parseValue. */
export function resolve(value, data) {
  if (value === undefined || value === null) return undefined;
  const m = SINGLE_VAR.exec(value);
  if (m) return getPath(data, m[1]);
  return value.replace(ANY_VAR, (v) => {
    const r = getPath(data, v.slice(1));
    if (r === undefined || r === null) return "";
    return typeof r === "object" ? JSON.stringify(r) : String(r);
  });
}

/** lodash-style get for "a.b", "a[0].b"; own properties only (no __proto__ walks). */
export function getPath(obj, path) {
  const parts = path.replace(/\[(\w+)\]/g, ".$1").split(".").filter(Boolean);
  let cur = obj;
  for (const p of parts) {
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, p)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** The label list of a control: static <Label>/<Choice> children, or dynamic from `value="$key"`. */
export function labelItems(node, data, childTag) {
  const items = [];
  for (const c of node.children) {
    if (c.tag !== childTag) continue;
    const value = c.attrs.value ?? "";
    items.push({
      value,
      result: c.attrs.alias || value,
      hotkey: c.attrs.hotkey || "",
      background: c.attrs.background || c.attrs.color || "",
      hint: c.attrs.hint || "",
      selected: c.attrs.selected === "true",
      granularity: c.attrs.granularity || "",
      maxUsages: c.attrs.maxusages ? Number(c.attrs.maxusages) : 0,
      children: labelItemsFromNodes(c.children, childTag),
    });
  }
  if (node.attrs.value && node.attrs.value.startsWith("$")) {
    const dyn = resolve(node.attrs.value, data);
    if (Array.isArray(dyn)) items.push(...dyn.map(dynamicItem).filter(Boolean));
  }
  return items;
}

function labelItemsFromNodes(nodes, childTag) {
  return labelItems({ children: nodes, attrs: {} }, {}, childTag);
}

// Dynamic items come from task data: keep value/alias/hint as text; an `html` key is never
// rendered as HTML (GHSA-6xv9), it is ignored.
function dynamicItem(d) {
  if (typeof d === "string" || typeof d === "number") return { value: String(d), result: String(d), hotkey: "", background: "", hint: "", selected: false, granularity: "", maxUsages: 0, children: [] };
  if (!d || typeof d !== "object" || d.value === undefined) return null;
  const value = String(d.value);
  return {
    value,
    result: d.alias ? String(d.alias) : value,
    hotkey: "",
    background: typeof d.background === "string" ? d.background : "",
    hint: typeof d.hint === "string" ? d.hint : "",
    selected: d.selected === true,
    granularity: "",
    maxUsages: 0,
    children: Array.isArray(d.children) ? d.children.map(dynamicItem).filter(Boolean) : [],
  };
}

/** Split a comma list attribute (toName, whenLabelValue ...). */
export function csv(value) {
  return (value || "").split(",").map((s) => s.trim()).filter(Boolean);
}

export const MAX_REPEATS = 1000;

/**
 * Repeater (Label Studio's structural tag): its children once per element of the data array
 * named by `on`, with the index flag (`indexFlag`, default `{{idx}}`) replaced by the element's
 * index in every attribute and text. `mode="pagination"` shows one element at a time (a
 * PagedView); the default shows them all. Returns a new tree; the input is not changed.
 */
export function expandRepeaters(node, data, budget = { left: MAX_REPEATS }) {
  if (node.tag !== "repeater") return { ...node, children: node.children.map((c) => expandRepeaters(c, data, budget)) };
  const list = resolve(node.attrs.on || "", data);
  const flag = node.attrs.indexflag || "{{idx}}";
  // the limit is shared by all Repeaters, nested ones included: a Repeater inside a Repeater
  // would otherwise draw 1000 x 1000 copies for a task with long enough lists
  const count = Array.isArray(list) ? Math.min(list.length, budget.left) : 0;
  budget.left -= count;
  const pages = [];
  for (let i = 0; i < count; i++) {
    const items = node.children.map((c) => expandRepeaters(substitute(c, flag, String(i)), data, budget));
    pages.push({ tag: "view", attrs: Object.assign(Object.create(null), { classname: "lc-repeat-item" }), children: items, text: "" });
  }
  const tag = node.attrs.mode === "pagination" ? "pagedview" : "view";
  return { tag, attrs: Object.assign(Object.create(null), { classname: "lc-repeater" }), children: pages, text: "" };
}

function substitute(node, flag, index) {
  const attrs = Object.create(null);
  for (const [k, v] of Object.entries(node.attrs)) attrs[k] = v.split(flag).join(index);
  return { tag: node.tag, attrs, text: node.text.split(flag).join(index), children: node.children.map((c) => substitute(c, flag, index)) };
}
