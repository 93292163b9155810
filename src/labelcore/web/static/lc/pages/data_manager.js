// The data manager: tabs (saved views: rename, reorder), columns with show/hide, filters with
// the operators of each type (in groups nested one level, AND/OR), sort, pagination,
// selection with bulk actions (a page, picked rows, or every matching task across pages as
// Label Studio's {all: true, excluded}), import (files, URL, paste) with progress and row
// errors, and the export menu — all through the JSON API.
import { h, clear, toText } from "../labeling/dom.js";
import { pageData, api, t } from "./common.js";
import { openImport } from "./dm_import.js";
import { filterPanel, cleanGroup, copyGroup, colKey } from "./dm_filters.js";

const page = pageData();
const project = page.project;
const root = document.getElementById("lc-dm");

const state = {
  columns: [], views: [], viewId: null, title: t("All tasks"),
  filters: { conjunction: "and", items: [] }, ordering: [], hidden: new Set(),
  page: 1, pageSize: 30, total: 0, tasks: [], users: {}, selected: new Set(), actions: [],
  // selectAll: every task matching the filters (all pages) except `excluded`
  selectAll: false, excluded: new Set(),
};

const ui = {
  tabs: h("div", { class: "lc-tabs", role: "tablist", "aria-label": t("Views") }),
  toolbar: h("div", { class: "lc-dm-toolbar" }),
  filters: h("div", { class: "lc-dm-filters", hidden: true }),
  columnsMenu: h("div", { class: "lc-dm-columns", hidden: true }),
  status: h("div", { class: "lc-dm-status", role: "status", "aria-live": "polite" }),
  selection: h("div", { class: "lc-dm-selection", role: "status", "aria-live": "polite" }),
  table: h("table", { class: "lc-table lc-dm-table" }),
  pager: h("div", { class: "lc-pager" }),
};
const filters = filterPanel(ui.filters, state, () => changed());
root.append(ui.tabs, ui.toolbar, ui.filters, ui.columnsMenu, ui.status, ui.selection, h("div", { class: "lc-dm-table-wrap" }, ui.table), ui.pager);

function visibleColumns() {
  return state.columns.filter((c) => c.id !== "data" && !state.hidden.has(colKey(c)));
}
// columns holding user ids: shown by the names the task list sends with the page
const USER_COLUMNS = new Set(["annotators", "updated_by"]);
const userName = (id) => (Object.prototype.hasOwnProperty.call(state.users, String(id)) ? state.users[String(id)] : toText(id));
function cell(task, c) {
  if (c.parent === "data") return toText(task.data ? task.data[c.id] : "");
  const v = task[c.id];
  if (USER_COLUMNS.has(c.id) && v !== null && v !== undefined) return (Array.isArray(v) ? v : [v]).map(userName).join(", ");
  if (Array.isArray(v)) return v.map(toText).join(", ");
  if (c.type === "Datetime" && typeof v === "string" && v) {
    const when = new Date(v);  // the API's ISO 8601 UTC time, shown in the reader's locale
    if (!Number.isNaN(when.getTime())) return when.toLocaleString();
  }
  return toText(v);
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
  return { filters: cleanGroup(state.filters), ordering: state.ordering, hiddenColumns: hiddenColumns() };
}
// Label Studio's hiddenColumns: a column is hidden when both lists name it. The page asks the
// server for the costly result columns only while they are shown.
function hiddenColumns() {
  const ids = [...state.hidden].map((k) => `tasks:${k}`);
  return { explore: ids, labeling: ids };
}
const RESULT_COLUMNS = new Set(["annotations_results", "predictions_results"]);

// Each change of filters, sort or page sends a query; answers can come back in any order
// (the server runs requests side by side), so only the latest query's answer is shown.
let latestLoad = 0;
async function load() {
  const mine = ++latestLoad;
  ui.status.textContent = t("Loading…");
  try {
    const q = encodeURIComponent(JSON.stringify(query()));
    const res = await api(page, "GET", `/tasks?project=${project.id}&page=${state.page}&page_size=${state.pageSize}&query=${q}`);
    if (mine !== latestLoad) return; // a newer query was sent meanwhile: its answer wins
    state.tasks = res.tasks || [];
    state.users = res.users || {};
    state.total = res.total || 0;
    ui.status.textContent = t("{total} tasks", { total: state.total });
  } catch (err) {
    if (mine !== latestLoad) return;
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
  const v = state.views.find((x) => x.id === state.viewId);
  if (v) {
    const at = state.views.indexOf(v);
    ui.tabs.append(h("span", { class: "lc-view-tools" },
      h("button", { type: "button", class: "lc-btn lc-view-rename", onclick: () => startRename(v) }, t("Rename")),
      h("button", { type: "button", class: "lc-btn lc-view-left", "aria-label": t("Move the view left"), disabled: at === 0, onclick: () => moveView(v, -1) }, "◀"),
      h("button", { type: "button", class: "lc-btn lc-view-right", "aria-label": t("Move the view right"), disabled: at === state.views.length - 1, onclick: () => moveView(v, 1) }, "▶"),
      h("button", { type: "button", class: "lc-btn lc-btn-danger lc-view-delete", onclick: () => deleteView() }, t("Delete view"))));
  }
}

function startRename(v) {
  const tabEl = ui.tabs.querySelector(".lc-tab.lc-on");
  const input = h("input", { class: "lc-input lc-view-rename-input", value: (v.data && v.data.title) || "", "aria-label": t("View name") });
  const form = h("form", { class: "lc-view-rename-form", onsubmit: (e) => { e.preventDefault(); renameView(v, input.value.trim()); } }, input,
    h("button", { type: "submit", class: "lc-btn lc-view-rename-save" }, t("Save")),
    h("button", { type: "button", class: "lc-btn lc-view-rename-cancel", onclick: () => drawTabs() }, t("Cancel")));
  input.addEventListener("keydown", (e) => { if (e.key === "Escape") drawTabs(); });
  tabEl.replaceWith(form);
  input.focus();
  input.select();
}

async function renameView(v, title) {
  if (!title) return;
  try {
    const updated = await api(page, "PATCH", `/dm/views/${v.id}`, { project: project.id, data: { ...v.data, title } });
    Object.assign(v, updated);
  } catch (err) {
    ui.status.textContent = t("Could not rename the view: {error}", { error: err.message });
  }
  drawTabs();
}

/** Move a tab one place left or right; every tab whose place changed is saved. */
async function moveView(v, step) {
  const views = state.views.slice();
  const from = views.indexOf(v);
  const to = from + step;
  if (to < 0 || to >= views.length) return;
  views.splice(from, 1);
  views.splice(to, 0, v);
  state.views = views;
  drawTabs();
  try {
    for (const [i, x] of views.entries()) {
      if (x.order === i) continue;
      Object.assign(x, await api(page, "PATCH", `/dm/views/${x.id}`, { project: project.id, order: i }));
    }
  } catch (err) {
    ui.status.textContent = t("Could not save the order of the views: {error}", { error: err.message });
  }
  ui.tabs.querySelector(".lc-tab.lc-on")?.focus();
}

function viewData(title) {
  return { title, type: "list", target: "tasks", filters: query().filters, ordering: state.ordering, hiddenColumns: { explore: [...state.hidden], labeling: [...state.hidden] } };
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
  state.filters = d.filters && Array.isArray(d.filters.items) ? copyGroup(d.filters) : { conjunction: "and", items: [] };
  state.ordering = Array.isArray(d.ordering) ? d.ordering.slice() : [];
  if (d.hiddenColumns && Array.isArray(d.hiddenColumns.explore)) state.hidden = new Set(d.hiddenColumns.explore.map((k) => String(k).replace(/^tasks:/, "")));
  state.page = 1;
  clearSelection();
  drawTabs();
  filters.draw();
  drawColumnsMenu();
  load();
}

function changed() {
  state.page = 1;
  clearSelection(); // "all matching" meant the old filters
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
  filters.draw();
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

function drawColumnsMenu() {
  clear(ui.columnsMenu);
  for (const c of state.columns.filter((x) => x.id !== "data")) {
    const key = colKey(c);
    const box = h("input", { type: "checkbox", checked: !state.hidden.has(key), onchange: () => { if (box.checked) state.hidden.delete(key); else state.hidden.add(key); if (state.viewId) persistView(); if (box.checked && RESULT_COLUMNS.has(key)) load(); else drawTable(); } });
    ui.columnsMenu.append(h("label", { class: "lc-column-toggle" }, box, " ", c.parent === "data" ? `data.${c.title}` : c.title));
  }
}

// ---- actions -------------------------------------------------------------------------------------
function askAction(id, box) {
  clear(box);
  if (!id) return;
  const n = selectedCount();
  if (!n) {
    ui.status.textContent = t("Select tasks first.");
    return;
  }
  const action = state.actions.find((a) => a.id === id);
  const dialog = action && action.dialog && action.dialog.text;
  const text = dialog ? `${dialog} ${t("({n} tasks)", { n })}` : t("Run “{action}” on {n} tasks?", { action: action ? action.title : id, n });
  box.hidden = false;
  box.append(h("span", {}, text), " ",
    h("button", { type: "button", class: "lc-btn lc-btn-danger lc-confirm-yes", onclick: () => runAction(id, box) }, t("Yes, run it")), " ",
    h("button", { type: "button", class: "lc-btn lc-confirm-no", onclick: () => { box.hidden = true; clear(box); } }, t("Cancel")));
}

async function runAction(id, box) {
  box.hidden = true;
  clear(box);
  try {
    const q = query();
    const res = await api(page, "POST", `/dm/actions?id=${encodeURIComponent(id)}&project=${project.id}`, { filters: q.filters, ordering: q.ordering, selectedItems: selectionPayload() });
    clearSelection();
    ui.status.textContent = t("Done: {n} tasks processed.", { n: res.processed_items ?? 0 });
    await load();
    ui.status.textContent = t("Done: {n} tasks processed.", { n: res.processed_items ?? 0 }) + " " + t("{total} tasks", { total: state.total });
  } catch (err) {
    ui.status.textContent = t("The action failed: {error}", { error: err.message });
  }
}

// ---- selection: picked rows, or every matching task minus the ones unticked --------------------
function isSelected(id) {
  return state.selectAll ? !state.excluded.has(id) : state.selected.has(id);
}
function setSelected(id, on) {
  if (state.selectAll) {
    if (on) state.excluded.delete(id);
    else state.excluded.add(id);
  } else if (on) state.selected.add(id);
  else state.selected.delete(id);
  drawSelection();
}
function selectedCount() {
  return state.selectAll ? Math.max(0, state.total - state.excluded.size) : state.selected.size;
}
function selectionPayload() {
  return state.selectAll ? { all: true, excluded: [...state.excluded] } : { all: false, included: [...state.selected] };
}
function clearSelection() {
  state.selectAll = false;
  state.excluded.clear();
  state.selected.clear();
  drawSelection();
}
function selectAllMatching() {
  state.selectAll = true;
  state.excluded.clear();
  state.selected.clear();
  drawTable();
}

function drawSelection() {
  clear(ui.selection);
  const n = selectedCount();
  if (!n) return;
  const pageAll = state.tasks.length > 0 && state.tasks.every((x) => isSelected(x.id));
  let text = t("{n} tasks selected.", { n });
  if (state.selectAll) {
    text = state.excluded.size
      ? t("{n} of {total} matching tasks are selected (on every page).", { n, total: state.total })
      : t("All {n} matching tasks are selected.", { n });
  }
  ui.selection.append(h("span", { class: "lc-selection-count" }, text));
  if (!state.selectAll && pageAll && state.total > n) {
    ui.selection.append(" ", h("button", { type: "button", class: "lc-btn lc-select-matching", onclick: () => selectAllMatching() }, t("Select all {total} matching tasks", { total: state.total })));
  }
  ui.selection.append(" ", h("button", { type: "button", class: "lc-btn lc-selection-clear", onclick: () => { clearSelection(); drawTable(); } }, t("Clear selection")));
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
  const all = h("input", { type: "checkbox", class: "lc-select-all", "aria-label": t("Select all tasks on this page"), checked: state.tasks.length > 0 && state.tasks.every((x) => isSelected(x.id)), onchange: () => { for (const x of state.tasks) setSelected(x.id, all.checked); drawTable(); } });
  ui.table.append(h("thead", {}, h("tr", {}, h("th", { scope: "col" }, all), cols.map((c) => {
    const s = sortState(c);
    if (c.sortable === false) return h("th", { scope: "col", dataset: { column: colKey(c) } }, c.title); // the server cannot order by it
    return h("th", { scope: "col", "aria-sort": s, dataset: { column: colKey(c) } }, h("button", { type: "button", class: "lc-sort", onclick: () => { state.ordering = [sortState(c) === "ascending" ? `-tasks:${colKey(c)}` : `tasks:${colKey(c)}`]; changed(); } }, c.title, s === "ascending" ? " ▲" : s === "descending" ? " ▼" : ""));
  }), h("th", { scope: "col", class: "lc-row-open" }, h("span", { class: "lc-sr-only" }, t("Open"))))));
  const body = h("tbody");
  if (!state.tasks.length) body.append(h("tr", {}, h("td", { colspan: String(cols.length + 2), class: "lc-empty" }, t("No tasks."))));
  for (const task of state.tasks) {
    const box = h("input", { type: "checkbox", class: "lc-row-select", "aria-label": t("Select task {id}", { id: task.id }), checked: isSelected(task.id), onchange: () => { setSelected(task.id, box.checked); all.checked = state.tasks.every((x) => isSelected(x.id)); } });
    body.append(h("tr", { class: "lc-task-row", dataset: { taskId: String(task.id) } }, h("td", {}, box), cols.map((c) => h("td", { dataset: { column: colKey(c) } }, cell(task, c))),
      h("td", { class: "lc-row-open" }, h("a", { class: "lc-btn lc-open-task", href: `${page.mount}/projects/${project.id}/label?task=${task.id}` }, t("Label")),
        " ", h("a", { class: "lc-btn lc-quick-view", href: `${page.mount}/projects/${project.id}/tasks/${task.id}/review` }, t("Quick view")))));
  }
  ui.table.append(body);
  drawSelection();
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
