// Development and test page for the labeling engine, without a server.
// Tests drive it through window.lcHarness.
import { Labeling } from "./labeling/engine.js";

let screen = null;
const $ = (id) => document.getElementById(id);

function mount(config, data, results) {
  if (screen) screen.destroy();
  screen = new Labeling($("lc-h-screen"), { config, data: data || {}, results: results || [], onChange: () => show() });
  show();
  return true;
}

function show() {
  $("lc-h-out").textContent = screen ? JSON.stringify(screen.serialize(), null, 2) : "";
}

window.lcHarness = {
  mount,
  result: () => screen.result(),
  serialize: () => screen.serialize(),
  load: (results) => screen.load(results),
  validate: () => screen.validate(),
  undo: () => screen.undo(),
  redo: () => screen.redo(),
  showServerProblems: (problems, submitted) => screen.showServerProblems(problems, submitted),
};

$("lc-h-render").addEventListener("click", () => {
  let data = {};
  try {
    data = JSON.parse($("lc-h-data").value || "{}");
  } catch (err) {
    $("lc-h-out").textContent = "Task data is not JSON: " + err.message;
    return;
  }
  mount($("lc-h-config").value, data, []);
});
$("lc-h-show").addEventListener("click", () => show());
window.lcHarnessReady = true;
