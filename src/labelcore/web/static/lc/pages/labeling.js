// The labeling page: "label all tasks" (next, submit, update, skip, back), drafts saved
// automatically and restored, predictions as pre-annotations, instructions, annotation
// history with restore, and submits that never lose work (retried with the same unique_id).
import { h, clear } from "../labeling/dom.js";
import { Labeling } from "../labeling/engine.js";
import { renderSafeHTML } from "../labeling/safehtml.js";
import { parseHotkey, matches, isTypingTarget } from "../labeling/hotkeys.js";
import { pageData, api, request, debounce, newUniqueId, t } from "./common.js";

const page = pageData();
const project = page.project;
const root = document.getElementById("lc-label");

const state = {
  task: null, // task JSON
  annotation: null, // the caller's annotation being updated, or null for a new one
  skipped: null, // the caller's skip of this task (a cancelled annotation): a submit replaces it
  draftId: null,
  uniqueId: null, // kept until a submit succeeds, so a retry cannot duplicate
  started: 0,
  visited: [], // task ids the user annotated or skipped, oldest first (for Back); earlier sessions' come from the server
  busy: false,
  fromPrediction: null,
};
let screen = null;

const el = {
  bar: h("div", { class: "lc-label-bar", role: "toolbar", "aria-label": t("Task actions") }),
  message: h("div", { class: "lc-message", role: "alert", "aria-live": "assertive" }),
  info: h("div", { class: "lc-label-info", role: "status" }),
  side: h("div", { class: "lc-label-extra" }),
  screen: h("div", { class: "lc-label-screen" }),
};
const btn = {
  back: h("button", { type: "button", class: "lc-btn lc-back", onclick: () => back() }, t("Back")),
  skip: h("button", { type: "button", class: "lc-btn lc-skip", onclick: () => skip(), title: "Ctrl+Space" }, t("Skip")),
  submit: h("button", { type: "button", class: "lc-btn lc-btn-primary lc-submit", onclick: () => submit(), title: "Ctrl+Enter" }, t("Submit")),
  history: h("button", { type: "button", class: "lc-btn lc-history-toggle", "aria-expanded": "false", onclick: () => toggleHistory() }, t("History")),
  instructions: h("button", { type: "button", class: "lc-btn lc-instructions-toggle", "aria-expanded": "false", onclick: () => toggleInstructions() }, t("Instructions")),
};
const instructions = h("section", { class: "lc-instructions", hidden: true, "aria-label": t("Instructions") });
const history = h("section", { class: "lc-history", hidden: true, "aria-label": t("Annotation history") });
const predictionNote = h("div", { class: "lc-prediction-note", hidden: true });
const rejectionNote = h("div", { class: "lc-rejection-note", role: "note", hidden: true });
const skippedNote = h("div", { class: "lc-skipped-note", role: "note", hidden: true });

el.bar.append(btn.back, btn.skip, btn.submit, btn.history);
if (project.instructions) el.bar.append(btn.instructions);
if (!project.show_skip_button) btn.skip.hidden = true;
root.append(el.bar, el.message, el.info, skippedNote, rejectionNote, predictionNote, instructions, history, el.screen);
if (project.instructions) {
  renderSafeHTML(project.instructions, instructions);
  if (project.show_instructions) toggleInstructions(true);
}

function say(text, kind) {
  el.message.textContent = text || "";
  el.message.className = "lc-message" + (kind ? ` lc-message-${kind}` : "");
}

function mine(a) {
  return String(a.completed_by) === String(page.userId) || (a.completed_by && typeof a.completed_by === "object" && String(a.completed_by.id) === String(page.userId));
}

// ---- loading tasks ----------------------------------------------------------------------
async function loadTask(taskId, doneMessage) {
  saveDraftSoon.cancel();
  say(""); // the outcome of the last action is shown once the next task is on screen
  let task;
  try {
    task = taskId ? await api(page, "GET", `/tasks/${taskId}`) : await api(page, "GET", `/projects/${project.id}/next`);
  } catch (err) {
    if (err.status === 404 && !taskId) return finished(doneMessage);
    return say(t("Could not load the task: {error}", { error: err.message }), "error");
  }
  let view;
  try {
    view = await request(page, "POST", page.taskViewUrl, { task: task.id });
  } catch (err) {
    return say(t("Could not load the task: {error}", { error: err.message }), "error");
  }
  state.task = task;
  state.annotation = (task.annotations || []).find((a) => mine(a) && !a.was_cancelled) || null;
  // a task the user skipped and got back (skip queue, Back, a link): the server turns the
  // skip into the annotation when they submit (one annotation per user and task)
  state.skipped = state.annotation ? null : (task.annotations || []).filter((a) => mine(a) && a.was_cancelled).pop() || null;
  state.uniqueId = null;
  state.started = Date.now();
  state.fromPrediction = null;
  const drafts = (task.drafts || []).filter((d) => (state.annotation ? d.annotation === state.annotation.id : !d.annotation));
  const draft = drafts[drafts.length - 1] || null;
  state.draftId = draft ? draft.id : null;
  let results = [];
  let note = "";
  if (draft) {
    results = draft.result || [];
    note = t("Your unsaved draft was restored.");
  } else if (state.annotation) {
    results = state.annotation.result || [];
  } else if (state.skipped && (state.skipped.result || []).length) {
    results = state.skipped.result; // labeled, then skipped: start from those labels
  } else if (project.reveal_predictions && (task.predictions || []).length) {
    const best = [...task.predictions].sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0];
    results = (best.result || []).map((r) => ({ ...r, origin: "prediction" }));
    state.fromPrediction = best;
  }
  mount(view.data, results);
  showPrediction();
  showRejection();
  showSkipped();
  btn.submit.textContent = state.annotation ? t("Update") : t("Submit");
  btn.back.disabled = !previousOf(task.id);
  btn.history.hidden = !state.annotation;
  el.info.textContent = t("Task #{id}", { id: task.id }) + (state.annotation ? " · " + t("your annotation #{id}", { id: state.annotation.id }) : state.skipped ? " · " + t("skipped") : "");
  if (note) say(doneMessage ? `${doneMessage} ${note}` : note, doneMessage ? "ok" : "info");
  else if (doneMessage) say(doneMessage, "ok");
  if (!history.hidden) showHistory();
  history.hidden = true;
  btn.history.setAttribute("aria-expanded", "false");
}

function mount(data, results) {
  if (screen) screen.destroy();
  screen = new Labeling(el.screen, {
    config: project.label_config,
    data,
    results,
    onChange: () => saveDraftSoon(),
    extraShortcuts: [{ key: "ctrl+enter", label: t("Submit or update") }, { key: "ctrl+space", label: t("Skip the task") }],
  });
}

function showPrediction() {
  const p = state.fromPrediction;
  clear(predictionNote);
  predictionNote.hidden = !p;
  if (!p) return;
  predictionNote.append(
    h("span", {}, t("Pre-annotated from a prediction ({model}, score {score}). Accept it or change it, then submit.", { model: p.model_version || t("no version"), score: p.score ?? "–" })),
    " ",
    h("button", { type: "button", class: "lc-btn lc-start-empty", onclick: () => { screen.load([]); state.fromPrediction = null; showPrediction(); } }, t("Start from scratch")),
  );
}

// An API timestamp in the browser's language and time zone ("" when there is none).
function localTime(iso) {
  const at = new Date(iso || "");
  return Number.isNaN(at.getTime()) ? "" : at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// A skip the user gets back: say so (with when), so they know why it is here again.
function showSkipped() {
  const a = state.skipped;
  clear(skippedNote);
  skippedNote.hidden = !a;
  if (!a) return;
  const when = localTime(a.updated_at || a.created_at);
  skippedNote.append(
    h("strong", {}, when ? t("You skipped this task on {date}.", { date: when }) : t("You skipped this task.")),
    " ",
    h("span", {}, t("Label it and submit to replace the skip, or skip it again.")),
  );
}

// Rejected work back with its annotator: the reviewer's comment says what to fix.
async function showRejection() {
  const a = state.annotation;
  clear(rejectionNote);
  rejectionNote.hidden = true;
  if (!a || a.last_action !== "rejected") return;
  let reviews;
  try {
    reviews = await api(page, "GET", `/annotation-reviews?annotation=${a.id}`);
  } catch (_err) {
    return; // the note is a help; the task itself is on screen
  }
  const last = reviews[reviews.length - 1];
  if (!last || last.action !== "rejected" || state.annotation !== a) return;
  rejectionNote.append(
    h("strong", {}, t("Rejected by the reviewer:")),
    " ",
    h("span", { class: "lc-rejection-comment" }, last.comment || t("(no comment)")),
  );
  rejectionNote.hidden = false;
}

function finished(doneMessage) {
  say(doneMessage || "", doneMessage ? "ok" : "");
  if (screen) screen.destroy();
  screen = null;
  state.task = null;
  state.annotation = null;
  state.skipped = null;
  rejectionNote.hidden = true;
  skippedNote.hidden = true;
  clear(el.screen);
  el.screen.append(h("div", { class: "lc-done" }, h("p", {}, t("No more tasks to label. Thank you!")), h("a", { class: "lc-btn", href: page.dataUrl }, t("Back to the data manager"))));
  el.info.textContent = "";
  btn.submit.disabled = true;
  btn.skip.disabled = true;
  btn.back.disabled = !previousOf(null);
}

// ---- drafts -------------------------------------------------------------------------------
async function saveDraft() {
  if (!state.task || !screen || state.busy) return;
  const body = { result: screen.serialize(), lead_time: (Date.now() - state.started) / 1000 };
  try {
    if (state.draftId) await api(page, "PATCH", `/drafts/${state.draftId}`, body);
    else {
      const path = state.annotation ? `/tasks/${state.task.id}/annotations/${state.annotation.id}/drafts` : `/tasks/${state.task.id}/drafts`;
      const d = await api(page, "POST", path, body);
      state.draftId = d.id;
    }
    el.info.dataset.draft = "saved";
  } catch (err) {
    el.info.dataset.draft = "failed";
    say(t("The draft could not be saved ({error}); your work is still here.", { error: err.message }), "warn");
  }
}
const saveDraftSoon = debounce(saveDraft, 1200);

// ---- submit / update / skip -------------------------------------------------------------------
async function submit() {
  if (!state.task || !screen || state.busy) return;
  const problems = screen.validate();
  if (problems.length) return say(t("Please fix: {problems}", { problems: problems.map((p) => p.message).join(" ") }), "error");
  const result = screen.result();
  if (!result.length && !project.enable_empty_annotation) return say(t("The annotation is empty: label something before submitting."), "error");
  state.uniqueId = state.uniqueId || newUniqueId();
  saveDraftSoon.cancel();
  state.busy = true;
  btn.submit.disabled = true;
  screen.lastSubmitted = result;
  const lead = (Date.now() - state.started) / 1000;
  try {
    if (state.annotation) {
      const ann = await api(page, "PATCH", `/annotations/${state.annotation.id}`, { result, lead_time: lead, version: state.annotation.version });
      state.annotation = ann;
    } else {
      await api(page, "POST", `/tasks/${state.task.id}/annotations`, { result, lead_time: lead, unique_id: state.uniqueId, draft_id: state.draftId || undefined });
    }
    done(state.task.id);
    state.busy = false;
    btn.submit.disabled = false;
    await loadTask(null, state.annotation ? t("Updated.") : t("Submitted."));
  } catch (err) {
    state.busy = false;
    btn.submit.disabled = false;
    failed(err, result);
  }
}

async function skip() {
  if (!state.task || state.busy || state.annotation) return;
  state.uniqueId = state.uniqueId || newUniqueId();
  state.busy = true;
  try {
    await api(page, "POST", `/tasks/${state.task.id}/annotations`, { result: [], was_cancelled: true, unique_id: state.uniqueId, lead_time: (Date.now() - state.started) / 1000 });
    done(state.task.id);
    state.busy = false;
    await loadTask(null, t("Skipped."));
  } catch (err) {
    state.busy = false;
    failed(err, []);
  }
}

function failed(err, result) {
  if (err.status === 400 && err.problems.length) {
    screen.showServerProblems(err.problems, result);
    return say(t("The server refused the annotation: {error} Fix the problems shown, then submit again.", { error: err.message }), "error");
  }
  if (err.status === 409) return say(t("Someone changed this annotation meanwhile: {error} Reload the task to see their version.", { error: err.message }), "error");
  say(t("Could not save: {error} Nothing is lost — your labels are still here; press Submit to try again.", { error: err.message }), "error");
}

function done(taskId) {
  state.visited = state.visited.filter((id) => id !== taskId); // last worked on comes last
  state.visited.push(taskId);
}

/** The task before `cur` in the user's own order (the last one when `cur` is new work). */
function previousOf(cur) {
  if (cur && state.visited.includes(cur)) return state.visited[state.visited.indexOf(cur) - 1] || null;
  return state.visited[state.visited.length - 1] || null;
}

async function back() {
  const prev = previousOf(state.task ? state.task.id : null);
  if (prev) {
    btn.submit.disabled = false;
    btn.skip.disabled = false;
    await loadTask(prev);
  }
}

// ---- instructions and history -------------------------------------------------------------------
function toggleInstructions(force) {
  const open = force !== undefined ? force : instructions.hidden;
  instructions.hidden = !open;
  btn.instructions.setAttribute("aria-expanded", open ? "true" : "false");
}

async function toggleHistory() {
  if (!history.hidden) {
    history.hidden = true;
    btn.history.setAttribute("aria-expanded", "false");
    return;
  }
  await showHistory();
}

async function showHistory() {
  if (!state.annotation) return;
  clear(history);
  history.hidden = false;
  btn.history.setAttribute("aria-expanded", "true");
  let versions = [];
  try {
    versions = await request(page, "GET", page.historyUrl.replace("{id}", String(state.annotation.id)));
  } catch (err) {
    return history.append(h("p", { class: "lc-problem" }, err.message));
  }
  history.append(h("h2", { class: "lc-side-title" }, t("Annotation history")), h("ol", { class: "lc-history-list" }, versions.map((v) => h("li", { class: "lc-history-item", dataset: { version: String(v.version) } },
    h("span", {}, t("Version {n}: {action} by {user}, {when} (results: {count})", { n: v.version, action: v.action, user: v.user_name ?? v.user ?? "?", when: localTime(v.created_at), count: (v.result || []).length })),
    " ",
    v.version === state.annotation.version ? h("span", { class: "lc-badge" }, t("current")) : h("button", { type: "button", class: "lc-btn lc-restore", onclick: () => restore(v.version) }, t("Restore"))))));
}

async function restore(version) {
  try {
    await request(page, "POST", `${page.mount}/ui/annotations/${state.annotation.id}/history/${version}/restore`, {});
    await loadTask(state.task.id, t("Version {n} restored.", { n: version }));
    await showHistory();
  } catch (err) {
    say(t("Could not restore: {error}", { error: err.message }), "error");
  }
}

// ---- keys -------------------------------------------------------------------------------
document.addEventListener("keydown", (ev) => {
  if (matches(parseHotkey("ctrl+enter"), ev)) {
    ev.preventDefault();
    submit();
  } else if (matches(parseHotkey("ctrl+space"), ev) && !isTypingTarget(ev.target)) {
    ev.preventDefault();
    skip();
  }
});
window.addEventListener("beforeunload", () => { if (state.task) saveDraftSoon.flush(); });

/** The user's annotated and skipped tasks from earlier sessions, so Back reaches them too.
 * Returns a warning to show once the task is on screen, or "". */
async function loadVisited() {
  try {
    const res = await request(page, "GET", page.myTasksUrl);
    const earlier = Array.isArray(res && res.tasks) ? res.tasks : [];
    state.visited = [...earlier.filter((id) => !state.visited.includes(id)), ...state.visited];
    return "";
  } catch (err) {
    return t("Your earlier tasks could not be loaded ({error}); Back reaches this session's only.", { error: err.message });
  }
}

loadVisited().then(async (warning) => {
  await loadTask(page.taskId);
  if (warning) say(warning, "warn");
});
