"""The HTML pages a host's users see: projects, project settings, data manager, labeling.

    from labelcore.web.pages import register_pages
    register_pages(router)          # labelcore.web.app.build_router() does this for you
    # GET <prefix>/ -> projects; <prefix>/projects/3 -> data manager; .../3/label -> labeling

Pages are server-rendered jinja2 templates (``templates/labelcore/*.html``, each extending
the host-replaceable ``lc_base_template``) plus our own ES modules under ``static/lc/``
that talk to the JSON API. Task data reaches the browser as JSON in a
``<script type="application/json">`` block (escaped for that context) and is inserted as
text; HyperText values are sanitized here (``labelcore.sanitize``) before the screen gets them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labelcore import _converter
from labelcore._numbers import ascii_int
from labelcore.errors import ConfigError, Forbidden, ValidationError
from labelcore.model import Project, ProjectSettings
from labelcore.sanitize import sanitize_html
from labelcore.web.api.media import resolve_task_media
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.i18n import gettext, js_catalog
from labelcore.web.members_page import members_rows, register_member_pages
from labelcore.web.routes import Router

__all__ = ["GALLERY", "gallery", "register_pages"]

_GALLERY_DIR = Path(__file__).resolve().parent / "templates" / "labelcore" / "gallery"

# (file stem, title) in the order the template picker shows them; titles are msgids.
GALLERY: tuple[tuple[str, str], ...] = (
    ("text_classification", "Text classification"),
    ("ner", "Named entity recognition"),
    ("relations", "Relation extraction"),
    ("taxonomy", "Taxonomy"),
    ("question_answering", "Question answering"),
    ("pairwise", "Pairwise comparison"),
    ("ranking", "Ranking"),
    ("image_classification", "Image classification"),
    ("bounding_boxes", "Object detection with boxes"),
    ("polygons", "Segmentation with polygons"),
    ("keypoints", "Keypoints"),
    ("audio_transcription", "Audio transcription"),
    ("audio_segments", "Audio segments"),
)


# The settings form beyond title/description/instructions/config: (group, JSON field, kind,
# label, help). JSON names and values are the project API's (Label Studio's where it has one);
# the server checks every value (labelcore.service.settings) and the page shows its problems
# at the field they name. Titles and help are msgids.
_SELECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "sampling": (
        ("Sequential sampling", "Sequential (import order)"),
        ("Uniform sampling", "Uniform (random order)"),
        ("Uncertainty sampling", "Uncertainty (lowest prediction score first)"),
    ),
    "skip_queue": (
        ("REQUEUE_FOR_OTHERS", "Skipped tasks go to other annotators"),
        ("REQUEUE_FOR_ME", "Skipped tasks come back to the same annotator last"),
        ("IGNORE_SKIPPED", "Skipped tasks count as done"),
    ),
    "assignment_mode": (
        ("none", "Ignore assignments"),
        ("assigned_first", "Assigned tasks first, then the rest"),
        ("assigned_only", "Only the tasks assigned to the annotator"),
    ),
}
SETTINGS_FIELDS: tuple[tuple[str, str, str, str, str], ...] = (
    ("Labeling", "show_instruction", "bool", "Show instructions before labeling", ""),
    ("Labeling", "show_skip_button", "bool", "Annotators may skip tasks", ""),
    ("Labeling", "enable_empty_annotation", "bool", "Allow empty annotations", ""),
    ("Labeling", "show_collab_predictions", "bool", "Show predictions as pre-annotations", ""),
    ("Labeling", "color", "color", "Project color", ""),
    ("Task distribution", "sampling", "select", "Task sampling", ""),
    ("Task distribution", "skip_queue", "select", "Skip queue", ""),
    ("Task distribution", "assignment_mode", "select", "Assignments", ""),
    (
        "Task distribution",
        "maximum_annotations",
        "int",
        "Annotations per task",
        "How many annotators label each task of the overlap cohort.",
    ),
    (
        "Task distribution",
        "overlap_cohort_percentage",
        "int",
        "Overlap cohort (%)",
        "The share of tasks that get that many annotations; the rest get one.",
    ),
    ("Task distribution", "show_overlap_first", "bool", "Show overlapping tasks first", ""),
    (
        "Task distribution",
        "lock_ttl_seconds",
        "int",
        "Task lock (seconds)",
        "How long a task handed to an annotator stays reserved for them.",
    ),
    ("Machine learning", "model_version", "text", "Model version for pre-annotations", ""),
    ("Machine learning", "predict_on_import", "bool", "Predict new tasks on import", ""),
    (
        "Machine learning",
        "min_annotations_to_start_training",
        "int",
        "Annotations before training starts",
        "",
    ),
    ("Review", "review_required", "bool", "Annotations need a review", ""),
    ("Review", "reviews_per_annotation", "int", "Reviews per annotation", ""),
    (
        "Review",
        "requeue_rejected_to_annotator",
        "bool",
        "Rejected annotations go back to their annotator",
        "",
    ),
)


def settings_form(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The settings form's groups, each {title, fields: [{name, kind, label, help, value,
    options}]}, filled from project JSON ``values``."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for group, name, kind, label, help_text in SETTINGS_FIELDS:
        groups.setdefault(group, []).append(
            {
                "name": name,
                "kind": kind,
                "label": gettext(label),
                "help": gettext(help_text) if help_text else "",
                "value": values.get(name),
                "options": [(v, gettext(t)) for v, t in _SELECTS.get(name, ())],
            }
        )
    return [{"title": gettext(g), "fields": f} for g, f in groups.items()]


def gallery() -> list[dict[str, str]]:
    """The template picker's entries: key, translated title and config XML."""
    return [
        {
            "key": key,
            "title": gettext(title),
            "xml": (_GALLERY_DIR / f"{key}.xml").read_text("utf-8"),
        }
        for key, title in GALLERY
    ]


def register_pages(router: Router) -> None:
    router.page("GET", "/", projects_page, name="lc_projects")
    router.page("GET", "/projects/new", project_new_page, name="lc_project_new")
    router.page("GET", "/projects/{id:int}", data_manager_page, name="lc_data_manager")
    router.page("GET", "/projects/{id:int}/settings", settings_page, name="lc_project_settings")
    register_member_pages(router, settings_page)
    router.page("GET", "/projects/{id:int}/label", labeling_page, name="lc_labeling")
    # JSON helpers the pages use (not part of the Label Studio API)
    router.page("POST", "/ui/config-sample", config_sample, name="lc_config_sample")
    router.page("POST", "/ui/projects/{id:int}/task-view", task_view, name="lc_task_view")
    router.page("GET", "/ui/projects/{id:int}/my-tasks", my_tasks, name="lc_my_tasks")
    router.page("GET", "/ui/annotations/{id:int}/history", annotation_history, name="lc_history")
    router.page(
        "POST",
        "/ui/annotations/{id:int}/history/{version:int}/restore",
        restore_version,
        name="lc_history_restore",
    )


def _render(
    ctx: Ctx, template: str, *, page: dict[str, Any], status: int = 200, **values: Any
) -> Response:
    page = {
        "api": ctx.mount + "/api",
        "mount": ctx.mount,
        "csrfToken": ctx.csrf_token(),
        "csrfHeader": "X-CSRFToken",
        **page,
    }
    return ctx.render(
        f"labelcore/{template}",
        status=status,
        lc_base_template=ctx.app.base_template,
        lc_page=page,
        lc_catalog=js_catalog(),
        **values,
    )


def _is_manager(ctx: Ctx) -> bool:
    user = ctx.user
    return user is not None and "manager" in user.roles


def projects_page(ctx: Ctx) -> Response:
    user = ctx.require_user()
    rows = []
    for s in ctx.core.list_projects(user):
        c = s.counts
        done = c.labeled_count
        rows.append(
            {
                "id": s.project.id,
                "title": s.project.settings.title,
                "description": s.project.settings.description,
                "tasks": c.task_count,
                "labeled": done,
                "skipped": c.skipped_count,
                "annotations": c.annotation_count,
                "percent": round(100 * done / c.task_count) if c.task_count else 0,
                "role": s.role,
                "can_review": ctx.core.policy.allows(s.role, "annotations.review"),
            }
        )
    return _render(
        ctx,
        "projects.html",
        page={"kind": "projects"},
        projects=rows,
        can_create=_is_manager(ctx),
        tokens_page=ctx.app.token_auth is not False,
    )


def project_new_page(ctx: Ctx) -> Response:
    ctx.require_user()
    items = gallery()
    page = {"kind": "edit", "mode": "create", "gallery": items, "project": None}
    defaults = _converter.project_to_json(Project(id=0, settings=ProjectSettings()))
    return _render(
        ctx,
        "project_edit.html",
        page=page,
        project=None,
        gallery=items,
        settings_groups=settings_form(defaults),
    )


def settings_page(ctx: Ctx, *, status: int = 200, members_error: str = "") -> Response:
    """The settings form, and its Members section (``labelcore.web.members_page``); a
    member change the service refused comes back here with ``members_error``."""
    user = ctx.require_user()
    project = ctx.core.get_project(user, ctx.params["id"])
    if not ctx.can(project, "project.update"):  # a form its role could not save
        raise Forbidden(
            "your role in this project may not change its settings",
            code="forbidden.project.update",
        )
    pj = _converter.project_to_json(project)
    items = gallery()
    page = {"kind": "edit", "mode": "settings", "gallery": items, "project": pj}
    return _render(
        ctx,
        "project_edit.html",
        status=status,
        page=page,
        project=pj,
        gallery=items,
        settings_groups=settings_form(pj),
        members=members_rows(ctx, project.id),
        members_error=members_error,
    )


def _export_formats(label_config: str) -> list[dict[str, Any]]:
    from labelcore.formats.exporters import supported_formats

    try:
        infos = supported_formats(label_config)
    except (ConfigError, ValidationError):
        return []
    return [
        {"name": f.name, "title": f.title, "disabled": f.disabled, "reason": f.reason}
        for f in infos
    ]


def data_manager_page(ctx: Ctx) -> Response:
    user = ctx.require_user()
    project = ctx.core.get_project(user, ctx.params["id"])
    pj = _converter.project_to_json(project, ctx.core.project_counts(user, project.id))
    page = {
        "kind": "data",
        "project": pj,
        "exportFormats": _export_formats(project.settings.label_config),
        "canManage": ctx.can(project, "tasks.import"),
        # media files become tasks only where the host keeps uploads (media_store)
        "mediaUploads": ctx.app.media_store is not None,
    }
    # only the links that lead somewhere for this user's role in the project
    nav = {
        "settings": ctx.can(project, "project.update"),
        "review": ctx.can(project, "annotations.review"),
        "stats": ctx.can(project, "annotations.view_all"),
    }
    return _render(ctx, "data_manager.html", page=page, project=pj, nav=nav)


def labeling_page(ctx: Ctx) -> Response:
    user = ctx.require_user()
    project = ctx.core.get_project(user, ctx.params["id"])
    s = project.settings
    task_param = ctx.request.query.get("task")
    page = {
        "kind": "label",
        "project": {
            "id": project.id,
            "title": s.title,
            "label_config": s.label_config,
            "instructions": sanitize_html(s.instructions),
            "show_instructions": s.show_instructions,
            "show_skip_button": s.show_skip_button,
            "enable_empty_annotation": s.enable_empty_annotation,
            "reveal_predictions": s.reveal_predictions,
        },
        "taskId": ascii_int(task_param, max_digits=9) if task_param else None,
        "userId": user.id,
        "taskViewUrl": ctx.url_for("lc_task_view", id=project.id),
        "myTasksUrl": ctx.url_for("lc_my_tasks", id=project.id),
        "historyUrl": ctx.mount + "/ui/annotations/{id}/history",
        "dataUrl": ctx.url_for("lc_data_manager", id=project.id),
    }
    return _render(ctx, "labeling.html", page=page, project=page["project"])


def _problem_json(p: Any) -> dict[str, Any]:
    return {k: getattr(p, k, None) for k in ("code", "message", "tag", "attribute", "line")}


def config_sample(ctx: Ctx) -> Response:
    """Validate a config and give a sample task for the live preview."""
    user = ctx.require_user()
    body = ctx.request.json()
    xml = body.get("label_config") if isinstance(body, dict) else None
    if not isinstance(xml, str):
        raise ValidationError('send {"label_config": "<View>...</View>"}', code="ui.bad_body")
    try:
        cfg = ctx.core.validate_config(user, xml)
    except ConfigError as exc:
        return ctx.json({"valid": False, "problems": [_problem_json(p) for p in exc.problems]})
    data = _sanitized(cfg, dict(cfg.sample_task()))
    return ctx.json({"valid": True, "problems": [], "data": data})


def _sanitized(cfg: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Task data with every HyperText value run through the server's HTML allow-list."""
    for key, tag in cfg.data_types.items():
        if tag != "HyperText":
            continue
        parts = str(key).split(".")
        holder: Any = data
        for p in parts[:-1]:
            holder = holder.get(p) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and isinstance(holder.get(parts[-1]), str):
            holder[parts[-1]] = sanitize_html(holder[parts[-1]])
    return data


def task_view(ctx: Ctx) -> Response:
    """The data of a task the caller may see, ready for the labeling screen."""
    user = ctx.require_user()
    body = ctx.request.json()
    task_id = body.get("task") if isinstance(body, dict) else None
    if not isinstance(task_id, int):
        raise ValidationError('send {"task": <task id>}', code="ui.bad_body")
    bundle = ctx.core.get_task(user, task_id)
    project = ctx.core.get_project(user, ctx.params["id"])
    if bundle.task.project_id != project.id:
        raise ValidationError("the task is not in this project", code="ui.wrong_project")
    cfg = ctx.core.validate_config(user, project.settings.label_config)
    data = resolve_task_media(ctx, cfg, _sanitized(cfg, dict(bundle.task.data)), project.id)
    return ctx.json({"data": data})


MY_TASKS_MAX = 500


def my_tasks(ctx: Ctx) -> Response:
    """The tasks the caller annotated or skipped in this project, in the order they last
    worked on them (as the screen orders its own session), so "Back" on the labeling screen
    reaches work from earlier sessions. Only the caller's own annotations are read, and only
    the last ``MY_TASKS_MAX`` tasks (one bounded query, however much they annotated)."""
    user = ctx.require_user()
    return ctx.json({"tasks": ctx.core.recent_tasks(user, ctx.params["id"], MY_TASKS_MAX)})


def annotation_history(ctx: Ctx) -> Response:
    user = ctx.require_user()
    versions = ctx.core.annotation_history(user, ctx.params["id"])
    # the screen names who made each version (an annotator, a reviewer), not their host id
    known = ctx.core.get_users(user, {v.user_id for v in versions if v.user_id is not None})
    return ctx.json(
        [
            {
                "version": v.version,
                "action": v.action,
                "user": v.user_id,
                "user_name": _user_name(known.get(v.user_id), v.user_id),
                "was_cancelled": v.was_cancelled,
                "created_at": _converter.dt_to_json(v.created_at),
                "result": list(v.result),
            }
            for v in versions
        ]
    )


def _user_name(row: Any, user_id: Any) -> str:
    name = getattr(row, "name", "") or getattr(row, "email", "")
    return str(name or ("?" if user_id is None else user_id))


def restore_version(ctx: Ctx) -> Response:
    ann = ctx.core.restore_annotation_version(
        ctx.require_user(), ctx.params["id"], ctx.params["version"]
    )
    return ctx.json(_converter.annotation_to_json(ann))
