// The data manager's filter panel: filters with the operators of each column type, in groups
// nested one level deep with AND/OR (as labelcore.query allows), as Label Studio's filter JSON.
import { h, clear } from "../labeling/dom.js";
import { t } from "./common.js";

export const OPERATORS = {
  String: ["contains", "not_contains", "equal", "not_equal", "regex", "empty"],
  Number: ["equal", "not_equal", "less", "greater", "less_or_equal", "greater_or_equal", "in", "not_in", "empty"],
  Datetime: ["less", "greater", "in", "not_in", "empty"],
  Boolean: ["equal", "empty"],
  List: ["contains", "not_contains", "empty"],
};
// A function, not a table: the translation catalog is loaded after this module is evaluated.
function opTitle(op) {
  const titles = {
    contains: t("contains"), not_contains: t("does not contain"), equal: t("is"), not_equal: t("is not"),
    regex: t("matches regex"), empty: t("is empty"), less: "<", greater: ">", less_or_equal: "≤",
    greater_or_equal: "≥", in: t("between"), not_in: t("not between"),
  };
  return titles[op];
}

/** The filter key of a column (data columns are `data.<key>`). */
export function colKey(c) {
  return c.parent === "data" ? `data.${c.id}` : c.id;
}
export function colType(c) {
  return OPERATORS[c.type] ? c.type : "String";
}
/** The operators of the column's type that the server takes on it (`operators` of /dm/columns). */
export function colOperators(c) {
  const all = OPERATORS[colType(c)];
  return Array.isArray(c.operators) ? all.filter((op) => c.operators.includes(op)) : all;
}

/** A group without the filters still waiting for a value, and without empty groups. */
export function cleanGroup(group) {
  const items = [];
  for (const f of group.items) {
    if (Array.isArray(f.items)) {
      const sub = cleanGroup(f);
      if (sub.items.length) items.push(sub);
    } else if (f.operator === "empty" || (f.value !== "" && f.value !== undefined)) items.push(f);
  }
  return { conjunction: group.conjunction, items };
}

export function copyGroup(g) {
  return { conjunction: g.conjunction === "or" ? "or" : "and", items: (Array.isArray(g.items) ? g.items : []).map((f) => (Array.isArray(f.items) ? copyGroup(f) : { ...f })) };
}

/** What a typed id means in a List filter: the box holds text, but annotation ids are
 * integers and a host's user ids may be integers or text ("7" matches either kind). */
function listValue(filter, text) {
  const v = text.trim();
  if (!/^[0-9]{1,15}$/.test(v)) return text;
  if (filter.endsWith(":annotations_ids")) return Number(v);
  return filter.endsWith(":annotators") ? [v, Number(v)] : text;
}

/** The panel over `state.filters` and `state.columns`; onChange runs after each edit. */
export function filterPanel(container, state, onChange) {
  function newFilter(filterable) {
    const c = filterable.find((x) => x.parent === "data") || filterable[0];
    return c ? { filter: `filter:tasks:${colKey(c)}`, operator: colOperators(c)[0], type: colType(c), value: "" } : null;
  }

  function conjunctionSelect(group, cls, label) {
    const sel = h("select", { class: `lc-select ${cls}`, "aria-label": label, onchange: () => { group.conjunction = sel.value; onChange(); } },
      h("option", { value: "and", selected: group.conjunction === "and" }, t("all filters")), h("option", { value: "or", selected: group.conjunction === "or" }, t("any filter")));
    return sel;
  }

  function filterRow(group, i, filterable, where) {
    const f = group.items[i];
    const col = filterable.find((c) => `filter:tasks:${colKey(c)}` === f.filter) || filterable[0];
    const type = colType(col);
    const colSel = h("select", { class: "lc-select lc-filter-column", "aria-label": t("Column"), onchange: () => { const c = filterable.find((x) => colKey(x) === colSel.value); group.items[i] = { filter: `filter:tasks:${colKey(c)}`, operator: colOperators(c)[0], type: colType(c), value: "" }; draw(); onChange(); } },
      filterable.map((c) => h("option", { value: colKey(c), selected: c === col }, c.parent === "data" ? `data.${c.title}` : c.title)));
    const opSel = h("select", { class: "lc-select lc-filter-operator", "aria-label": t("Operator"), onchange: () => { f.operator = opSel.value; draw(); onChange(); } },
      colOperators(col).map((op) => h("option", { value: op, selected: op === f.operator }, opTitle(op))));
    return h("div", { class: "lc-filter-row" }, colSel, opSel, valueInput(f, type),
      h("button", { type: "button", class: "lc-icon-btn lc-filter-remove", "aria-label": t("Remove filter {n}", { n: where }), onclick: () => { group.items.splice(i, 1); draw(); onChange(); } }, "×"));
  }

  function draw() {
    clear(container);
    container.append(h("div", { class: "lc-filter-head" }, t("Tasks matching"), " ", conjunctionSelect(state.filters, "lc-conjunction", t("Match"))));
    const filterable = state.columns.filter((c) => c.id !== "data" && c.filterable !== false && colOperators(c).length);
    state.filters.items.forEach((f, i) => {
      if (!Array.isArray(f.items)) {
        container.append(filterRow(state.filters, i, filterable, String(i + 1)));
        return;
      }
      // a nested group: one level, as the query language allows
      const box = h("div", { class: "lc-filter-group", role: "group", "aria-label": t("Filter group {n}", { n: i + 1 }) },
        h("div", { class: "lc-filter-head" }, t("Group matching"), " ", conjunctionSelect(f, "lc-group-conjunction", t("Match in group {n}", { n: i + 1 })),
          h("button", { type: "button", class: "lc-btn lc-group-remove", onclick: () => { state.filters.items.splice(i, 1); draw(); onChange(); } }, t("Remove group"))));
      f.items.forEach((_g, j) => box.append(filterRow(f, j, filterable, `${i + 1}.${j + 1}`)));
      box.append(h("button", { type: "button", class: "lc-btn lc-group-filter-add", onclick: () => { const x = newFilter(filterable); if (x) { f.items.push(x); draw(); } } }, t("Add filter to group")));
      container.append(box);
    });
    container.append(h("div", { class: "lc-filter-buttons" },
      h("button", { type: "button", class: "lc-btn lc-filter-add", onclick: () => { const x = newFilter(filterable); if (x) { state.filters.items.push(x); draw(); } } }, t("Add filter")),
      h("button", { type: "button", class: "lc-btn lc-group-add", onclick: () => { const x = newFilter(filterable); if (x) { state.filters.items.push({ conjunction: "or", items: [x] }); draw(); } } }, t("Add group"))));
  }

  function valueInput(f, type) {
    const set = (v) => { f.value = v; onChange(); };
    if (f.operator === "empty") {
      const s = h("select", { class: "lc-select lc-filter-value", "aria-label": t("Value"), onchange: () => set(s.value === "true") }, h("option", { value: "true", selected: f.value !== false }, t("yes")), h("option", { value: "false", selected: f.value === false }, t("no")));
      if (f.value === "") f.value = true;
      return s;
    }
    if (f.operator === "in" || f.operator === "not_in") {
      const cur = f.value && typeof f.value === "object" ? f.value : { min: "", max: "" };
      const kind = type === "Datetime" ? "datetime-local" : "number";
      const min = h("input", { type: kind, class: "lc-input lc-filter-min", value: cur.min, "aria-label": t("From") });
      const max = h("input", { type: kind, class: "lc-input lc-filter-max", value: cur.max, "aria-label": t("To") });
      const upd = () => set({ min: kind === "number" ? Number(min.value) : min.value, max: kind === "number" ? Number(max.value) : max.value });
      min.addEventListener("change", upd);
      max.addEventListener("change", upd);
      return h("span", { class: "lc-filter-value" }, min, " – ", max);
    }
    if (type === "Boolean") {
      if (typeof f.value !== "boolean") f.value = true; // what the select shows first is what applies
      const s = h("select", { class: "lc-select lc-filter-value", "aria-label": t("Value"), onchange: () => set(s.value === "true") }, h("option", { value: "true", selected: f.value === true }, t("yes")), h("option", { value: "false", selected: f.value === false }, t("no")));
      return s;
    }
    const kind = type === "Number" ? "number" : type === "Datetime" ? "datetime-local" : "text";
    const shown = Array.isArray(f.value) ? f.value[0] : f.value;
    const input = h("input", { type: kind, class: "lc-input lc-filter-value", value: shown ?? "", "aria-label": t("Value"), onchange: () => set(kind === "number" && input.value !== "" ? Number(input.value) : type === "List" ? listValue(f.filter, input.value) : input.value) });
    return input;
  }

  return { draw };
}
