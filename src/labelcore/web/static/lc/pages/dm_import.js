// The import dialog of the data manager: files, a URL, or pasted text, sent to
// POST /api/projects/{id}/import with upload progress; row errors listed; all or nothing.
// Image, audio and video files become one task each (the server checks their content and
// keeps them in the host's media store); without a media store the dialog offers task files
// only and does not promise it.
import { h, clear } from "../labeling/dom.js";
import { t } from "./common.js";

export function openImport(page, project, onDone) {
  const existing = document.querySelector(".lc-import");
  if (existing) existing.remove();
  const files = h("input", { type: "file", multiple: true, class: "lc-import-files", "aria-label": t("Files to import"), accept: ".json,.jsonl,.csv,.tsv,.txt" + (page.mediaUploads ? ",image/*,audio/*,video/*" : "") });
  const url = h("input", { type: "url", class: "lc-input lc-import-url", placeholder: "https://…", "aria-label": t("URL to import from") });
  const paste = h("textarea", { class: "lc-input lc-import-paste", rows: "6", "aria-label": t("Tasks to import (JSON, CSV or text)") });
  const fmt = h("select", { class: "lc-select lc-import-format", "aria-label": t("Format of the pasted text") }, ["json", "jsonl", "csv", "tsv", "txt"].map((f) => h("option", { value: f }, f.toUpperCase())));
  const progress = h("progress", { class: "lc-progress lc-import-progress", max: "100", value: "0", hidden: true });
  const result = h("div", { class: "lc-import-result", role: "status", "aria-live": "polite" });
  const close = () => box.remove();
  const goButton = h("button", { type: "button", class: "lc-btn lc-btn-primary lc-import-go", onclick: () => go() }, t("Import"));
  const box = h("div", { class: "lc-import lc-modal", role: "dialog", "aria-modal": "true", "aria-label": t("Import tasks") },
    h("h2", { class: "lc-modal-title" }, t("Import tasks")),
    h("p", { class: "lc-muted" }, t("Import is all or nothing: if any row is wrong, nothing is imported and each bad row is listed.")),
    h("fieldset", { class: "lc-field" }, h("legend", {}, t("Files")), files,
      page.mediaUploads ? h("p", { class: "lc-muted lc-import-media-hint" }, t("Images, audio and video files become one task each.")) : null),
    h("fieldset", { class: "lc-field" }, h("legend", {}, t("From a URL")), url),
    h("fieldset", { class: "lc-field" }, h("legend", {}, t("Paste")), paste, fmt),
    progress, result,
    h("div", { class: "lc-form-actions" },
      goButton,
      h("button", { type: "button", class: "lc-btn lc-import-close", onclick: close }, t("Close"))));
  box.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
  document.querySelector(".lc-dm").append(box);
  files.focus();

  function go() {
    if (goButton.disabled) return; // one upload at a time: a double click must not import twice
    const form = new FormData();
    let json = null;
    if (files.files.length) for (const f of files.files) form.append("file", f, f.name);
    else if (paste.value.trim()) form.append("file", new Blob([paste.value], { type: "text/plain" }), `pasted.${fmt.value}`);
    else if (url.value.trim()) json = { url: url.value.trim() };
    else {
      result.textContent = t("Choose files, enter a URL, or paste tasks first.");
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${page.api}/projects/${project.id}/import`);
    xhr.setRequestHeader(page.csrfHeader || "X-CSRFToken", page.csrfToken || "");
    xhr.setRequestHeader("Accept", "application/json");
    goButton.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    clear(result);
    result.textContent = t("Uploading…");
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total); });
    xhr.addEventListener("load", () => {
      progress.value = 100;
      goButton.disabled = false;
      let body = {};
      try { body = JSON.parse(xhr.responseText || "{}"); } catch (_e) { body = { detail: xhr.responseText.slice(0, 200) }; }
      clear(result);
      if (xhr.status >= 200 && xhr.status < 300) {
        result.append(h("p", { class: "lc-ok" }, t("Imported {n} tasks.", { n: body.task_count ?? 0 })));
        // what was imported is no longer offered: Import again would add the same tasks twice
        files.value = "";
        url.value = "";
        paste.value = "";
        onDone();
        return;
      }
      result.append(h("p", { class: "lc-problem" }, t("Nothing was imported: {error}", { error: body.detail || xhr.status })));
      const errors = Array.isArray(body.errors) ? body.errors : [];
      if (errors.length) result.append(h("ul", { class: "lc-import-errors" }, errors.slice(0, 100).map((e) => h("li", { class: "lc-problem" }, (e.row !== undefined && e.row !== null && !/^row\b/i.test(e.message || "") ? t("Row {row}: ", { row: e.row }) : "") + (e.message || e.code || "")))));
    });
    xhr.addEventListener("error", () => { goButton.disabled = false; clear(result); result.append(h("p", { class: "lc-problem" }, t("The server could not be reached; nothing was imported."))); });
    if (json) {
      xhr.setRequestHeader("Content-Type", "application/json");
      xhr.send(JSON.stringify(json));
    } else xhr.send(form);
  }
}
