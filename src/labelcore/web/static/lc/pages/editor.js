// Project create/settings: the config editor validates as you type (POST /api/projects/validate),
// shows each problem at its line, and renders a live preview on the config's sample task.
import { h, clear } from "../labeling/dom.js";
import { Labeling } from "../labeling/engine.js";
import { pageData, api, request, debounce, t } from "./common.js";

const page = pageData();
const $ = (id) => document.getElementById(id);
const form = $("lc-project-form");
const config = $("lc-config");
const lines = $("lc-config-lines");
const problemsEl = $("lc-config-problems");
const preview = $("lc-preview");
const status = $("lc-form-status");
let screen = null;
let badLines = new Set();
let seq = 0;

if (!config.value.trim() && page.gallery && page.gallery.length) config.value = page.gallery[0].xml;

function drawLines() {
  const n = config.value.split("\n").length;
  clear(lines);
  for (let i = 1; i <= n; i++) lines.append(h("span", { class: "lc-code-line" + (badLines.has(i) ? " lc-bad" : "") }, String(i)), "\n");
  lines.scrollTop = config.scrollTop;
}

function showProblems(problems) {
  clear(problemsEl);
  badLines = new Set(problems.map((p) => p.line).filter((x) => typeof x === "number"));
  for (const p of problems) {
    const where = typeof p.line === "number" ? t("Line {line}", { line: p.line }) : t("Config");
    problemsEl.append(h("li", { class: "lc-problem", dataset: { line: p.line ?? "" } }, h("strong", {}, where + ": "), p.message || p.code || ""));
  }
  if (!problems.length) problemsEl.append(h("li", { class: "lc-ok" }, t("The config is valid.")));
  drawLines();
}

async function check() {
  const mine = ++seq;
  const xml = config.value;
  let problems = [];
  try {
    await api(page, "POST", "/projects/validate", { label_config: xml });
  } catch (err) {
    if (err.status === 400) problems = err.problems.length ? err.problems : [{ message: err.message }];
    else problems = [{ message: err.message }];
  }
  if (mine !== seq) return;
  showProblems(problems);
  if (problems.length) return;
  try {
    const sample = await request(page, "POST", `${page.mount}/ui/config-sample`, { label_config: xml });
    if (mine !== seq || !sample.valid) return;
    if (screen) screen.destroy();
    screen = new Labeling(preview, { config: xml, data: sample.data || {} });
  } catch (err) {
    clear(preview);
    preview.append(h("p", { class: "lc-problem" }, err.message));
  }
}

const checkSoon = debounce(check, 350);
config.addEventListener("input", () => { drawLines(); checkSoon(); });
config.addEventListener("scroll", () => { lines.scrollTop = config.scrollTop; });
for (const btn of document.querySelectorAll(".lc-gallery-item")) {
  btn.addEventListener("click", () => {
    const item = (page.gallery || []).find((g) => g.key === btn.dataset.key);
    if (!item) return;
    config.value = item.xml;
    drawLines();
    checkSoon.flush();
  });
}

// Settings attribute names the server's problems use -> the form's (project API) field names.
const FIELD_ALIASES = { instructions: "expert_instruction", show_instructions: "show_instruction", reveal_predictions: "show_collab_predictions" };

function settingValue(input) {
  const kind = input.dataset.setting;
  if (kind === "bool") return input.checked;
  const raw = input.value.trim();
  // An integer field sends what was typed when it is not a whole number, so the server names it.
  if (kind === "int") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return input.value;
}

function clearFieldErrors() {
  for (const field of form.querySelectorAll(".lc-field[data-field]")) {
    field.classList.remove("lc-invalid");
    const box = field.querySelector(".lc-field-error");
    if (box) box.textContent = "";
    for (const input of field.querySelectorAll("input, select, textarea")) input.removeAttribute("aria-invalid");
  }
}

/** Put each problem under the field it names; return the problems that name no field. */
function showFieldErrors(problems) {
  const rest = [];
  for (const p of problems) {
    const raw = p.field || (/^([a-z_]+):/.exec(p.message || "") || [])[1];
    const name = FIELD_ALIASES[raw] || raw;
    const field = name ? form.querySelector(`.lc-field[data-field="${CSS.escape(name)}"]`) : null;
    const box = field && field.querySelector(".lc-field-error");
    if (!box) { rest.push(p); continue; }
    field.classList.add("lc-invalid");
    box.textContent = box.textContent ? `${box.textContent} ${p.message}` : p.message;
    for (const input of field.querySelectorAll("input, select, textarea")) input.setAttribute("aria-invalid", "true");
  }
  return rest;
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  status.textContent = "";
  clearFieldErrors();
  const body = {
    title: form.elements.title.value.trim(),
    description: form.elements.description.value,
    expert_instruction: form.elements.expert_instruction.value,
    label_config: config.value,
  };
  for (const input of form.querySelectorAll("[data-setting]")) body[input.name] = settingValue(input);
  try {
    const project = page.mode === "create"
      ? await api(page, "POST", "/projects", body)
      : await api(page, "PATCH", `/projects/${page.project.id}`, body);
    status.textContent = t("Saved.");
    window.location.assign(`${page.mount}/projects/${project.id}`);
  } catch (err) {
    const problems = err.problems.length ? err.problems : [];
    const lineProblems = problems.filter((p) => typeof p.line === "number");
    if (lineProblems.length) showProblems(lineProblems);
    const rest = showFieldErrors(problems.filter((p) => typeof p.line !== "number"));
    const first = form.querySelector(".lc-field.lc-invalid input, .lc-field.lc-invalid select, .lc-field.lc-invalid textarea");
    if (first) first.focus();
    status.textContent = rest.length || !problems.length
      ? t("Not saved: {error}", { error: rest.length ? rest.map((p) => p.message).join(" ") : err.message })
      : t("Not saved: fix the marked fields.");
  }
});

drawLines();
check();
