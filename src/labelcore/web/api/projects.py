"""Project endpoints: list/create/get/patch/delete, config validation, import, next task.

GET  /api/projects              POST /api/projects
GET|PATCH|PUT|DELETE /api/projects/{id}
POST /api/projects/validate     POST /api/projects/{id}/validate
POST /api/projects/{id}/import  GET  /api/projects/{id}/next
"""

from __future__ import annotations

from typing import Any

import attrs

from labelcore._converter import project_to_json, settings_from_json, task_to_json
from labelcore.errors import NotFound
from labelcore.model import ImportReport
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    bad,
    bool_param,
    int_param,
    json_object,
)
from labelcore.web.api.media import import_media
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Param, Router

PROJECT: dict[str, Any] = {
    "type": "object",
    "properties": {"id": ID, "title": {"type": "string"}, "label_config": {"type": "string"}},
}
PROJECT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "label_config": {"type": "string"},
        "expert_instruction": {"type": "string"},
        "maximum_annotations": {"type": "integer"},
        "show_skip_button": {"type": "boolean"},
    },
}


def list_projects(ctx: Ctx) -> Response:
    user = ctx.require_user()
    page = int_param(ctx, "page", default=1) or 1
    size = int_param(ctx, "page_size", default=30, maximum=1000) or 30
    summaries = ctx.core.list_projects(user)
    chunk = summaries[(page - 1) * size : page * size]
    if page > 1 and not chunk:
        raise NotFound("Invalid page.", code="page.not_found")

    def link(p: int) -> str:
        return ctx.url_for("api.projects", _query={"page": p, "page_size": size})

    return ctx.json(
        {
            "count": len(summaries),
            "next": link(page + 1) if page * size < len(summaries) else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": [project_to_json(s.project, s.counts) for s in chunk],
        }
    )


def _project_json(ctx: Ctx, project_id: int) -> dict[str, Any]:
    user = ctx.require_user()
    project = ctx.core.get_project(user, project_id)
    return project_to_json(project, ctx.core.project_counts(user, project_id))


def create_project(ctx: Ctx) -> Response:
    user = ctx.require_user()
    settings = settings_from_json(json_object(ctx))
    project = ctx.core.create_project(user, settings)
    return ctx.json(_project_json(ctx, project.id), status=201)


def get_project(ctx: Ctx) -> Response:
    return ctx.json(_project_json(ctx, ctx.params["id"]))


def update_project(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params["id"]
    body = json_object(ctx)
    current = ctx.core.get_project(user, pid).settings
    new = settings_from_json(body, base=current)
    changed = {
        f.name: getattr(new, f.name)
        for f in attrs.fields(type(new))
        if getattr(new, f.name) != getattr(current, f.name)
    }
    force = bool_param(ctx, "force")
    if changed:
        ctx.core.update_project(user, pid, force=force, **changed)
    return ctx.json(_project_json(ctx, pid))


def delete_project(ctx: Ctx) -> Response:
    ctx.core.delete_project(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def _label_config(ctx: Ctx) -> str:
    body = json_object(ctx)
    xml = body.get("label_config")
    if not isinstance(xml, str) or not xml.strip():
        raise bad("'label_config' (the XML text) is required", "label_config")
    return xml


def validate_config(ctx: Ctx) -> Response:
    ctx.core.validate_config(ctx.require_user(), _label_config(ctx))
    return Response.empty(204)


def _essentials(cfg: Any) -> dict[str, tuple[str, tuple[str, ...], frozenset[str]]]:
    return {
        name: (c.tag, tuple(c.to_names), frozenset(c.labels)) for name, c in cfg.controls.items()
    }


def validate_project_config(ctx: Ctx) -> Response:
    """Label Studio's answer: whether controls were added, changed or lost labels."""
    user = ctx.require_user()
    pid = ctx.params["id"]
    xml = _label_config(ctx)
    project = ctx.core.get_project(user, pid)
    new = _essentials(ctx.core.validate_config(user, xml, project_id=pid))
    old = _essentials(ctx.core.validate_config(user, project.settings.label_config))
    changed = any(
        name not in old or spec[:2] != old[name][:2] or not old[name][2] <= spec[2]
        for name, spec in new.items()
    )
    return ctx.json({"config_essential_data_has_changed": changed})


def _report_json(report: ImportReport, return_ids: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "task_count": report.task_count,
        "annotation_count": report.annotation_count,
        "predictions_count": report.prediction_count,
        "prediction_count": report.prediction_count,
        "duration": report.duration,
        "file_upload_ids": [],
        "could_be_tasks_list": False,
        "found_formats": list(report.found_formats),
        "data_columns": list(report.data_columns),
        "duplicate_count": report.duplicate_count,
        "warnings": list(report.warnings),
    }
    if return_ids:
        out["task_ids"] = list(report.task_ids)
    return out


def _merge(reports: list[ImportReport]) -> ImportReport:
    return ImportReport(
        task_count=sum(r.task_count for r in reports),
        annotation_count=sum(r.annotation_count for r in reports),
        prediction_count=sum(r.prediction_count for r in reports),
        duplicate_count=sum(r.duplicate_count for r in reports),
        duration=sum(r.duration for r in reports),
        task_ids=tuple(i for r in reports for i in r.task_ids),
        data_columns=tuple(dict.fromkeys(c for r in reports for c in r.data_columns)),
        found_formats=tuple(dict.fromkeys(f for r in reports for f in r.found_formats)),
        warnings=tuple(w for r in reports for w in r.warnings),
    )


def import_tasks(ctx: Ctx) -> Response:
    """JSON body (one task or a list), multipart files, or a ``url`` form/JSON field."""
    user = ctx.require_user()
    pid = ctx.params["id"]
    if not bool_param(ctx, "commit_to_project", default=True):
        raise bad(
            "commit_to_project=false is not supported: labelcore imports the files in the "
            "same request (all or nothing); omit the parameter.",
            "commit_to_project",
            "import.commit_required",
        )
    return_ids = bool_param(ctx, "return_task_ids")
    dedupe = ctx.request.query.get("dedupe") or None
    if dedupe not in (None, "skip", "report"):
        raise bad("'dedupe' must be 'skip' or 'report'", "dedupe")
    request = ctx.request
    if request.is_form:
        files = request.files
        url = request.form.get("url")
        if not files and not url:
            raise bad(
                "send files (multipart), a 'url' field, or a JSON body", "file", "import.empty"
            )
        # image/audio/video files: one task per file, kept in the media store
        media = import_media(ctx, user, pid, files, dedupe=dedupe) if files and not url else None
        if media is not None:
            return ctx.json(_report_json(media, return_ids), status=201)
        reports: list[ImportReport] = []
        # several files are one import: all of them or none
        with ctx.core.store.transaction():
            if url:
                reports.append(ctx.core.import_url(user, pid, url, dedupe=dedupe))
            for f in files:
                reports.append(
                    ctx.core.import_tasks(
                        user,
                        pid,
                        f.stream,
                        filename=f.filename or f.field,
                        content_type=f.content_type or None,
                        dedupe=dedupe,
                    )
                )
        report = _merge(reports)
    else:
        body = request.body()
        if not body.strip():
            raise bad(
                "the request body is empty: send a task, a list of tasks, files or a 'url'",
                "body",
                "import.empty",
            )
        is_json = request.content_type in ("", "application/json", "text/json")
        if is_json and body.lstrip()[:1] == b"{":
            obj = request.json()
            if isinstance(obj, dict) and set(obj) == {"url"} and isinstance(obj["url"], str):
                report = ctx.core.import_url(user, pid, obj["url"], dedupe=dedupe)
                return ctx.json(_report_json(report, return_ids), status=201)
        report = ctx.core.import_tasks(
            user,
            pid,
            body,
            filename="body.json",
            content_type=request.content_type or "application/json",
            dedupe=dedupe,
        )
    return ctx.json(_report_json(report, return_ids), status=201)


def next_task(ctx: Ctx) -> Response:
    user = ctx.require_user()
    bundle = ctx.core.next_task(user, ctx.params["id"])
    if bundle is None:
        raise NotFound(
            "There are still some tasks to complete for the user, but they "
            "are locked by other users, or no tasks are left.",
            code="task.none_left",
        )
    out = task_to_json(bundle.task, bundle.annotations, bundle.predictions, bundle.drafts)
    return ctx.json(out)


def register(router: Router) -> None:
    t = ("projects",)
    pid = "/api/projects/{id:int}"
    page = [
        Param(name="page", schema={"type": "integer", "minimum": 1}),
        Param(name="page_size", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
    ]
    router.api(
        "GET",
        "/api/projects",
        list_projects,
        name="api.projects",
        tags=t,
        params=page,
        summary="List the projects you can see (paginated)",
        responses={
            200: {
                "type": "object",
                "properties": {"count": {"type": "integer"}, "results": OBJ_LIST},
            }
        },
    )
    router.api(
        "POST",
        "/api/projects",
        create_project,
        name="api.project_create",
        tags=t,
        summary="Create a project",
        body=PROJECT_BODY,
        responses={201: PROJECT},
    )
    router.api(
        "POST",
        "/api/projects/validate",
        validate_config,
        name="api.config_validate",
        tags=t,
        summary="Check a labeling config",
        responses={204: None},
        body={
            "type": "object",
            "properties": {"label_config": {"type": "string"}},
            "required": ["label_config"],
        },
    )
    router.api(
        "GET",
        pid,
        get_project,
        name="api.project",
        tags=t,
        summary="One project",
        responses={200: PROJECT},
    )
    router.api(
        "PATCH",
        pid,
        update_project,
        name="api.project_update",
        tags=t,
        summary="Change project settings",
        body=PROJECT_BODY,
        responses={200: PROJECT},
        params=[Param(name="force", schema={"type": "boolean"})],
    )
    router.api(
        "PUT",
        pid,
        update_project,
        name="api.project_replace",
        tags=t,
        summary="Change project settings (as PATCH)",
        body=PROJECT_BODY,
        responses={200: PROJECT},
    )
    router.api(
        "DELETE",
        pid,
        delete_project,
        name="api.project_delete",
        tags=t,
        summary="Delete a project and everything in it",
        responses={204: None},
    )
    router.api(
        "POST",
        pid + "/validate",
        validate_project_config,
        name="api.project_validate",
        tags=t,
        summary="Check a new config against the project",
        body={
            "type": "object",
            "properties": {"label_config": {"type": "string"}},
            "required": ["label_config"],
        },
        responses={
            200: {
                "type": "object",
                "properties": {"config_essential_data_has_changed": {"type": "boolean"}},
            }
        },
    )
    router.api(
        "POST",
        pid + "/import",
        import_tasks,
        name="api.project_import",
        tags=t,
        summary="Import tasks (JSON body, multipart files or a url)",
        body={"oneOf": [OBJ, OBJ_LIST]},
        body_content=("application/json",),
        params=[
            Param(name="commit_to_project", schema={"type": "boolean"}),
            Param(name="return_task_ids", schema={"type": "boolean"}),
            Param(name="dedupe", schema={"type": "string", "enum": ["skip", "report"]}),
        ],
        responses={
            201: {"type": "object", "properties": {"task_count": {"type": "integer"}}},
            413: None,
        },
    )
    router.api(
        "GET",
        pid + "/next",
        next_task,
        name="api.project_next",
        tags=t,
        summary="Claim the next task to label (404 when none is left)",
        responses={200: OBJ},
    )
