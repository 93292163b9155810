// The data manager: tabs (saved views), columns with show/hide, filters with the operators of
// each type, sort, pagination, selection with bulk actions, import (files, URL, paste) with
// progress and row errors, and the export menu — all through the JSON API.
import { h, clear, toText } from "../labeling/dom.js";
import { pageData, api, t } from "./common.js";
import { openImport } from "./dm_import.js";

const page = pageData();
const project = page.project;
const root = document.getElementById("lc-dm");

const OPERATORS = {
  String: ["contains", "not_contains", "equal", "not_equal", "regex", "empty"],
  Number: ["equal", "not_equal", "less", "greater", "less_or_equal", "greater_or_equal", "in", "not_in", "empty"],
  Datetime: ["less", "greater", "in", "not_in", "empty"],
  Boolean: ["equal", "empty"],
  List: ["contains", "not_contains", "empty"],
};
const OP_TITLES = {
  contains: t("contains"), not_contains: t("does not contain"), equal: t("is"), not_equal: t("is not"),
  regex: t("matches regex"), empty: t("is empty"), less: "<", greater: ">", less_or_equal: "≤",
  greater_or_equal: "≥", in: t("between"), not_in: t("not between"),
};

const state = {
  columns: [], views: [], viewId: null, title: t("All tasks"),
  filters: { conjunction: "and", items: [] }, ordering: [], hidden: new Set(),
  page: 1, pageSize: 30, total: 0, tasks: [], selected: new Set(), actions: [],
};

const ui = {
  tabs: h("div", { class: "lc-tabs", role: "tablist", "aria-label": t("Views") }),
  toolbar: h("div", { class: "lc-dm-toolbar" }),
  filters: h("div", { class: "lc-dm-filters", hidden: true }),
  columnsMenu: h("div", { class: "lc-dm-columns", hidden: true }),
  status: h("div", { class: "lc-dm-status", role: "status", "aria-live": "polite" }),
  table: h("table", { class: "lc-table lc-dm-table" }),
  pager: h("div", { class: "lc-pager" }),
};
root.append(ui.tabs, ui.toolbar, ui.filters, ui.columnsMenu, ui.status, h("div", { class: "lc-dm-table-wrap" }, ui.table), ui.pager);

function colKey(c) {
  return c.parent === "data" ? `data.${c.id}` : c.id;
}
function visibleColumns() {
  return state.columns.filter((c) => c.id !== "data" && !state.hidden.has(colKey(c)));
}
function cell(task, c) {
  if (c.parent === "data") return toText(task.data ? task.data[c.id] : "");
  const v = task[c.id];
  if (Array.isArray(v)) return v.map(toText).join(", ");
  return toText(v);
}
function colType(c) {
  return OPERATORS[c.type] ? c.type : "String";
}

// ---- loading -------------------------------------------------------------------------------
async function init() {
  try {
    const [cols, views, actions] = await Promise.all([
      api(page, "GET", `/dm/columns?project=${project.id}`),
      api(page, "GET", `/dm/views?project=${project.id}`),
      api(page, "GET", `/dm/actions?project=${project.id}`),
    ]);
    state.columns = cols.columns || [];
    state.views = views || [];
    state.actions = actions || [];
    for (const c of state.columns) if (c.visibility_defaults && c.visibility_defaults.explore === false) state.hidden.add(colKey(c));
  } catch (err) {
    ui.status.textContent = t("Could not load the data manager: {error}", { error: err.message });
    return;
  }
  drawToolbar();
  drawTabs();
  await load();
}

function query() {
  const items = state.filters.items.filter((f) => f.operator === "empty" || f.value !== "");
  return { filters: { conjunction: state.filters.conjunction, items }, ordering: state.ordering };
}

async function load() {
  ui.status.textContent = t("Loading…");
  try {
    const q = encodeURIComponent(JSON.stringify(query()));
    const res = await api(page, "GET", `/tasks?project=${project.id}&page=${state.page}&page_size=${state.pageSize}&query=${q}`);
    state.tasks = res.tasks || [];
    state.total = res.total || 0;
    ui.status.textContent = t("{total} tasks", { total: state.total });
  } catch (err) {
    if (err.status === 404 && state.page > 1) {
      state.page = 1;
      return load();
    }
    state.tasks = [];
    ui.status.textContent = t("Could not load tasks: {error}", { error: err.message });
  }
  drawTable();
  drawPager();
}

// ---- tabs (saved views) ---------------------------------------------------------------------
function drawTabs() {
  clear(ui.tabs);
  const tab = (id, title) => h("button", { type: "button", role: "tab", class: "lc-tab" + (state.viewId === id ? " lc-on" : ""), "aria-selected": state.viewId === id ? "true" : "false", onclick: () => openView(id) }, title);
  ui.tabs.append(tab(null, t("All tasks")));
  for (const v of state.views) ui.tabs.append(tab(v.id, (v.data && v.data.title) || t("View {id}", { id: v.id })));
  const name = h("input", { class: "lc-input lc-view-name", placeholder: t("New view name"), "aria-label": t("New view name") });
  ui.tabs.append(h("form", { class: "lc-view-form", onsubmit: (e) => { e.preventDefault(); saveView(name.value.trim()); } }, name, h("button", { type: "submit", class: "lc-btn" }, t("Save as view"))));
  if (state.viewId) ui.tabs.append(h("button", { type: "button", class: "lc-btn lc-btn-danger lc-view-delete", onclick: () => deleteView() }, t("Delete view")));
}

function viewData(title) {
  return { title, type: "list", target: "tasks", filters: query().filters, ordering: state.ordering, hiddenColumns: { explore: [...state.hidden], labeling: [] } };
}

async function saveView(title) {
  if (!title) return;
  try {
    const v = await api(page, "POST", "/dm/views", { project: project.id, data: viewData(title) });
    state.views.push(v);
    state.viewId = v.id;
    drawTabs();
  } catch (err) {
    ui.status.textContent = t("Could not save the view: {error}", { error: err.message });
  }
}

async function persistView() {
  const v = state.views.find((x) => x.id === state.viewId);
  if (!v) return;
  try {
    const updated = await api(page, "PATCH", `/dm/views/${v.id}`, { project: project.id, data: viewData(v.data.title) });
    Object.assign(v, updated);
  } catch (err) {
    ui.status.textContent = t("Could not save the view: {error}", { error: err.message });
  }
}

async function deleteView() {
  const id = state.viewId;
  try {
    await api(page, "DELETE", `/dm/views/${id}`);
    state.views = state.views.filter((v) => v.id !== id);
    openView(null);
  } catch (err) {
    ui.status.textContent = err.message;
  }
}

function openView(id) {
  state.viewId = id;
  const v = state.views.find((x) => x.id === id);
  const d = (v && v.data) || {};
  state.filters = d.filters && Array.isArray(d.filters.items) ? { conjunction: d.filters.conjunction || "and", items: d.filters.items.map((f) => ({ ...f })) } : { conjunction: "and", items: [] };
  state.ordering = Array.isArray(d.ordering) ? d.ordering.slice() : [];
  if (d.hiddenColumns && Array.isArray(d.hiddenColumns.explore)) state.hidden = new Set(d.hiddenColumns.explore);
  state.page = 1;
  state.selected.clear();
  drawTabs();
  drawFilters();
  drawColumnsMenu();
  load();
}

function changed() {
  state.page = 1;
  if (state.viewId) persistView();
  load();
}

// ---- toolbar: filters, columns, actions, import, export ----------------------------------------------
function drawToolbar() {
  clear(ui.toolbar);
  const toggle = (panel, label, cls) => h("button", { type: "button", class: `lc-btn ${cls}`, "aria-expanded": "false", onclick: (e) => { panel.hidden = !panel.hidden; e.currentTarget.setAttribute("aria-expanded", panel.hidden ? "false" : "true"); } }, label);
  ui.toolbar.append(toggle(ui.filters, t("Filters"), "lc-filters-toggle"), toggle(ui.columnsMenu, t("Columns"), "lc-columns-toggle"));
  const actionSel = h("select", { class: "lc-select lc-action-select", "aria-label": t("Action on the selected tasks") }, h("option", { value: "" }, t("Actions…")), state.actions.map((a) => h("option", { value: a.id }, a.title)));
  const confirmBox = h("span", { class: "lc-confirm", hidden: true });
  const run = h("button", { type: "button", class: "lc-btn lc-action-run", onclick: () => askAction(actionSel.value, confirmBox) }, t("Run"));
  ui.toolbar.append(h("span", { class: "lc-dm-actions" }, actionSel, run, confirmBox));
  if (page.canManage) ui.toolbar.append(h("button", { type: "button", class: "lc-btn lc-import-open", onclick: () => openImport(page, project, () => load()) }, t("Import")));
  ui.toolbar.append(exportMenu());
  drawFilters();
  drawColumnsMenu();
}

function exportMenu() {
  const formats = page.exportFormats || [];
  const href = (f, all) => `${page.api}/projects/${project.id}/export?exportType=${encodeURIComponent(f.name)}&download_all_tasks=${all ? "true" : "false"}`;
  const links = [];
  const all = h("input", { type: "checkbox", class: "lc-export-all", onchange: () => links.forEach(([a, f]) => { a.href = href(f, all.checked); }) });
  const list = h("ul", { class: "lc-export-list" },
    h("li", {}, h("label", {}, all, " ", t("Include tasks without annotations"))),
    formats.map((f) => {
      if (f.disabled) return h("li", {}, h("span", { class: "lc-muted", title: f.reason }, `${f.title} — ${f.reason}`));
      const a = h("a", { class: "lc-export-link", href: href(f, false), download: "", dataset: { format: f.name } }, f.title);
      links.push([a, f]);
      return h("li", {}, a);
    }));
  return h("details", { class: "lc-export" }, h("summary", { class: "lc-btn" }, t("Export")), list);
}

function drawFilters() {
  clear(ui.filters);
  const conj = h("select", { class: "lc-select lc-conjunction", "aria-label": t("Match"), onchange: () => { state.filters.conjunction = conj.value; changed(); } },
    h("option", { value: "and", selected: state.filters.conjunction === "and" }, t("all filters")), h("option", { value: "or", selected: state.filters.conjunction === "or" }, t("any filter")));
  ui.filters.append(h("div", { class: "lc-filter-head" }, t("Tasks matching"), " ", conj));
  const filterable = state.columns.filter((c) => c.id !== "data");
  state.filters.items.forEach((f, i) => {
    const col = filterable.find((c) => `filter:tasks:${colKey(c)}` === f.filter) || filterable[0];
    const type = colType(col);
    const colSel = h("select", { class: "lc-select lc-filter-column", "aria-label": t("Column"), onchange: () => { const c = filterable.find((x) => colKey(x) === colSel.value); state.filters.items[i] = { filter: `filter:tasks:${colKey(c)}`, operator: OPERATORS[colType(c)][0], type: colType(c), value: "" }; drawFilters(); changed(); } },
      filterable.map((c) => h("option", { value: colKey(c), selected: c === col }, c.parent === "data" ? `data.${c.title}` : c.title)));
    const opSel = h("select", { class: "lc-select lc-filter-operator", "aria-label": t("Operator"), onchange: () => { f.operator = opSel.value; drawFilters(); changed(); } },
      OPERATORS[type].map((op) => h("option", { value: op, selected: op === f.operator }, OP_TITLES[op])));
    const value = valueInput(f, type);
    ui.filters.append(h("div", { class: "lc-filter-row" }, colSel, opSel, value,
      h("button", { type: "button", class: "lc-icon-btn lc-filter-remove", "aria-label": t("Remove filter {n}", { n: i + 1 }), onclick: () => { state.filters.items.splice(i, 1); drawFilters(); changed(); } }, "×")));
  });
  ui.filters.append(h("button", { type: "button", class: "lc-btn lc-filter-add", onclick: () => {
    const c = filterable.find((x) => x.parent === "data") || filterable[0];
    if (!c) return;
    state.filters.items.push({ filter: `filter:tasks:${colKey(c)}`, operator: OPERATORS[colType(c)][0], type: colType(c), value: "" });
    drawFilters();
  } }, t("Add filter")));
}

function valueInput(f, type) {
  const set = (v) => { f.value = v; changed(); };
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
    const s = h("select", { class: "lc-select lc-filter-value", "aria-label": t("Value"), onchange: () => set(s.value === "true") }, h("option", { value: "true" }, t("yes")), h("option", { value: "false" }, t("no")));
    return s;
  }
  const kind = type === "Number" ? "number" : type === "Datetime" ? "datetime-local" : "text";
  const input = h("input", { type: kind, class: "lc-input lc-filter-value", value: f.value ?? "", "aria-label": t("Value"), onchange: () => set(kind === "number" && input.value !== "" ? Number(input.value) : input.value) });
  return input;
}

function drawColumnsMenu() {
  clear(ui.columnsMenu);
  for (const c of state.columns.filter((x) => x.id !== "data")) {
    const key = colKey(c);
    const box = h("input", { type: "checkbox", checked: !state.hidden.has(key), onchange: () => { if (box.checked) state.hidden.delete(key); else state.hidden.add(key); if (state.viewId) persistView(); drawTable(); } });
    ui.columnsMenu.append(h("label", { class: "lc-column-toggle" }, box, " ", c.parent === "data" ? `data.${c.title}` : c.title));
  }
}

// ---- actions -------------------------------------------------------------------------------------
function askAction(id, box) {
  clear(box);
  if (!id) return;
  if (!state.selected.size) {
    ui.status.textContent = t("Select tasks first.");
    return;
  }
  const action = state.actions.find((a) => a.id === id);
  const text = (action && action.dialog && action.dialog.text) || t("Run “{action}” on {n} tasks?", { action: action ? action.title : id, n: state.selected.size });
  box.hidden = false;
  box.append(h("span", {}, text), " ",
    h("button", { type: "button", class: "lc-btn lc-btn-danger lc-confirm-yes", onclick: () => runAction(id, box) }, t("Yes, run it")), " ",
    h("button", { type: "button", class: "lc-btn lc-confirm-no", onclick: () => { box.hidden = true; clear(box); } }, t("Cancel")));
}

async function runAction(id, box) {
  box.hidden = true;
  clear(box);
  try {
    const res = await api(page, "POST", `/dm/actions?id=${encodeURIComponent(id)}&project=${project.id}`, { selectedItems: { all: false, included: [...state.selected] } });
    state.selected.clear();
    ui.status.textContent = t("Done: {n} tasks processed.", { n: res.processed_items ?? 0 });
    await load();
    ui.status.textContent = t("Done: {n} tasks processed.", { n: res.processed_items ?? 0 }) + " " + t("{total} tasks", { total: state.total });
  } catch (err) {
    ui.status.textContent = t("The action failed: {error}", { error: err.message });
  }
}

// ---- table and pager -----------------------------------------------------------------------------------
function sortState(c) {
  const key = `tasks:${colKey(c)}`;
  if (state.ordering[0] === key) return "ascending";
  if (state.ordering[0] === `-${key}`) return "descending";
  return "none";
}

function drawTable() {
  clear(ui.table);
  const cols = visibleColumns();
  const all = h("input", { type: "checkbox", class: "lc-select-all", "aria-label": t("Select all tasks on this page"), checked: state.tasks.length > 0 && state.tasks.every((x) => state.selected.has(x.id)), onchange: () => { for (const x of state.tasks) { if (all.checked) state.selected.add(x.id); else state.selected.delete(x.id); } drawTable(); } });
  ui.table.append(h("thead", {}, h("tr", {}, h("th", { scope: "col" }, all), cols.map((c) => {
    const s = sortState(c);
    return h("th", { scope: "col", "aria-sort": s, dataset: { column: colKey(c) } }, h("button", { type: "button", class: "lc-sort", onclick: () => { state.ordering = [sortState(c) === "ascending" ? `-tasks:${colKey(c)}` : `tasks:${colKey(c)}`]; changed(); } }, c.parent === "data" ? c.title : c.title, s === "ascending" ? " ▲" : s === "descending" ? " ▼" : ""));
  }), h("th", { scope: "col" }, h("span", { class: "lc-sr-only" }, t("Open"))))));
  const body = h("tbody");
  if (!state.tasks.length) body.append(h("tr", {}, h("td", { colspan: String(cols.length + 2), class: "lc-empty" }, t("No tasks."))));
  for (const task of state.tasks) {
    const box = h("input", { type: "checkbox", class: "lc-row-select", "aria-label": t("Select task {id}", { id: task.id }), checked: state.selected.has(task.id), onchange: () => { if (box.checked) state.selected.add(task.id); else state.selected.delete(task.id); } });
    body.append(h("tr", { class: "lc-task-row", dataset: { taskId: String(task.id) } }, h("td", {}, box), cols.map((c) => h("td", { dataset: { column: colKey(c) } }, cell(task, c))),
      h("td", {}, h("a", { class: "lc-btn lc-open-task", href: `${page.mount}/projects/${project.id}/label?task=${task.id}` }, t("Label")),
        " ", h("a", { class: "lc-btn lc-quick-view", href: `${page.mount}/projects/${project.id}/tasks/${task.id}/review` }, t("Quick view")))));
  }
  ui.table.append(body);
}

function drawPager() {
  clear(ui.pager);
  const pages = Math.max(1, Math.ceil(state.total / state.pageSize));
  const go = (p) => { state.page = Math.min(pages, Math.max(1, p)); load(); };
  const size = h("select", { class: "lc-select lc-page-size", "aria-label": t("Tasks per page"), onchange: () => { state.pageSize = Number(size.value); go(1); } }, [10, 30, 50, 100].map((n) => h("option", { value: String(n), selected: n === state.pageSize }, String(n))));
  ui.pager.append(
    h("button", { type: "button", class: "lc-btn lc-page-prev", disabled: state.page <= 1, onclick: () => go(state.page - 1) }, t("Previous")),
    h("span", { class: "lc-page-info" }, t("Page {page} of {pages}", { page: state.page, pages })),
    h("button", { type: "button", class: "lc-btn lc-page-next", disabled: state.page >= pages, onclick: () => go(state.page + 1) }, t("Next")),
    h("label", { class: "lc-page-size-label" }, t("Per page"), " ", size));
}

init();
