"""Project endpoints: list/create/get/patch/delete, config validation, import, next task.

GET  /api/projects              POST /api/projects
GET|PATCH|PUT|DELETE /api/projects/{id}
POST /api/projects/validate     POST /api/projects/{id}/validate
POST /api/projects/{id}/import  GET  /api/projects/{id}/next
POST /api/projects/{id}/reimport    GET|DELETE /api/projects/{id}/file-uploads
GET|DELETE /api/import/file-upload/{id}     POST /api/projects/{id}/import/predictions
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from labelcore._converter import project_to_json, settings_from_json, task_to_json
from labelcore.errors import NotFound
from labelcore.model import FileUpload, ImportReport, User
from labelcore.service.uploads import Fetched, merge_reports
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    as_bool,
    bad,
    bool_param,
    int_param,
    json_object,
)
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
            "results": _with_creators(
                ctx, user, [project_to_json(s.project, s.counts) for s in chunk]
            ),
        }
    )


def _with_creators(ctx: Ctx, user: User, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio gives ``created_by`` as a user object (``UserSimple``), not an id."""
    ids = [p["created_by"] for p in items if p.get("created_by") is not None]
    known = ctx.core.get_users(user, ids) if ids else {}
    for p in items:
        uid = p.get("created_by")
        if uid is None:
            continue
        row = known.get(uid)
        name = row.name if row is not None else ""
        first, _, last = name.partition(" ")
        p["created_by"] = {
            "id": uid,
            "first_name": first,
            "last_name": last,
            "email": row.email if row is not None else "",
            "avatar": None,
        }
    return items


def _project_json(ctx: Ctx, project_id: int) -> dict[str, Any]:
    user = ctx.require_user()
    project = ctx.core.get_project(user, project_id)
    out = project_to_json(project, ctx.core.project_counts(user, project_id))
    return _with_creators(ctx, user, [out])[0]


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


def _inline_json(url: str) -> bytes | None:
    """Label Studio reads a ``url`` whose text is JSON (a task or a list) as the tasks
    themselves ("inplace.json"), without downloading anything."""
    text = url.strip()
    if text[:1] not in ("[", "{"):
        return None
    try:
        json.loads(text)
    except ValueError:
        return None
    return text.encode("utf-8")


def _staged_json(uploads: list[FileUpload]) -> dict[str, Any]:
    """Label Studio's answer to ``commit_to_project=false``: the kept files, no tasks."""
    formats = [u.filename.rsplit(".", 1)[-1] for u in uploads if "." in u.filename]
    return {
        "task_count": sum(u.task_count for u in uploads),
        "annotation_count": None,
        "predictions_count": None,
        "duration": 0.0,
        "file_upload_ids": [u.id for u in uploads],
        "could_be_tasks_list": any(
            u.filename.lower().endswith((".csv", ".tsv", ".txt")) for u in uploads
        ),
        "found_formats": ["." + f for f in dict.fromkeys(formats)],
        "data_columns": [],
    }


def _stage(ctx: Ctx, user: User, pid: int) -> Response:
    """``commit_to_project=false``: keep every file (and an inline-JSON ``url`` or a JSON
    body as one file each), checked but without tasks, for ``POST .../reimport``."""
    request = ctx.request
    core = ctx.core
    body = b""
    if request.is_form:
        url = request.form.get("url")
        if not request.files and not url:
            raise bad("send files (multipart) or a 'url' field", "file", "import.empty")
    else:
        body = request.body()
        if not body.strip():
            raise bad("the request body is empty", "body", "import.empty")
        url = _json_url(ctx)
    fetched = _url_source(ctx, user, pid, url) if url else None
    uploads: list[FileUpload] = []
    with _one_transaction(core):  # several files: all kept or none
        if fetched is not None:
            uploads.append(
                core.upload_file(
                    user,
                    pid,
                    fetched.content,
                    filename=fetched.filename,
                    content_type=fetched.content_type,
                )
            )
        elif not request.is_form:
            uploads.append(
                core.upload_file(
                    user, pid, body, filename="body.json", content_type="application/json"
                )
            )
        for f in request.files if request.is_form else ():
            uploads.append(
                core.upload_file(
                    user,
                    pid,
                    f.read(core.max_upload_bytes),
                    filename=f.filename or f.field,
                    content_type=f.content_type or None,
                )
            )
    return ctx.json(_staged_json(uploads), status=201)


@contextmanager
def _one_transaction(core: Any) -> Iterator[None]:
    """Several imports as one: one store transaction, and their events (webhooks) only
    once it commits, none if it rolls back."""
    with core.events.collect(), core.store.transaction():
        yield


def _json_url(ctx: Ctx) -> str | None:
    """The ``url`` of a JSON body that is exactly ``{"url": "..."}``."""
    request = ctx.request
    is_json = request.content_type in ("", "application/json", "text/json")
    if not is_json or request.body().lstrip()[:1] != b"{":
        return None
    obj = request.json()
    if isinstance(obj, dict) and set(obj) == {"url"} and isinstance(obj["url"], str):
        return obj["url"]
    return None


def _url_source(ctx: Ctx, user: User, pid: int, url: str) -> Fetched:
    """What a ``url`` field holds: the tasks as JSON text (Label Studio's ``inplace.json``),
    or a link downloaded now, before any transaction opens, so that no database lock
    waits on a slow or hostile server."""
    inline = _inline_json(url)
    if inline is not None:
        return Fetched(content=inline, filename="inplace.json", content_type=None)
    fetched: Fetched = ctx.core.fetch_url(user, pid, url)
    return fetched


def import_tasks(ctx: Ctx) -> Response:
    """JSON body (one task or a list), multipart files, or a ``url`` form/JSON field (a
    link to download, or the tasks as JSON text); ``commit_to_project=false`` keeps the
    files for a later ``reimport`` instead."""
    user = ctx.require_user()
    pid = ctx.params["id"]
    if not bool_param(ctx, "commit_to_project", default=True):
        return _stage(ctx, user, pid)
    return_ids = bool_param(ctx, "return_task_ids")
    dedupe = ctx.request.query.get("dedupe") or None
    if dedupe not in (None, "skip", "report"):
        raise bad("'dedupe' must be 'skip' or 'report'", "dedupe")
    request = ctx.request
    body = b""
    if request.is_form:
        url = request.form.get("url")
        if not request.files and not url:
            raise bad(
                "send files (multipart), a 'url' field, or a JSON body", "file", "import.empty"
            )
    else:
        body = request.body()
        if not body.strip():
            raise bad(
                "the request body is empty: send a task, a list of tasks, files or a 'url'",
                "body",
                "import.empty",
            )
        url = _json_url(ctx)
    fetched = _url_source(ctx, user, pid, url) if url else None
    reports: list[ImportReport] = []
    # a url and several files are one import: all of them or none
    with _one_transaction(ctx.core):
        if fetched is not None:
            name = fetched.filename if "." in fetched.filename else None
            reports.append(
                ctx.core.import_tasks(
                    user,
                    pid,
                    fetched.content,
                    filename=name,
                    content_type=fetched.content_type,
                    dedupe=dedupe,
                )
            )
        elif not request.is_form:
            reports.append(
                ctx.core.import_tasks(
                    user,
                    pid,
                    body,
                    filename="body.json",
                    content_type=request.content_type or "application/json",
                    dedupe=dedupe,
                )
            )
        for f in request.files if request.is_form else ():
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
    return ctx.json(_report_json(merge_reports(reports), return_ids), status=201)


def _upload_ids(body: dict[str, Any]) -> list[int] | None:
    ids = body.get("file_upload_ids")
    if ids is not None and (
        not isinstance(ids, list)
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise bad("'file_upload_ids' must be a list of integers", "file_upload_ids")
    return ids


def reimport(ctx: Ctx) -> Response:
    """Label Studio's ``POST /api/projects/{id}/reimport``: kept uploads become tasks."""
    user = ctx.require_user()
    pid = ctx.params["id"]
    body = json_object(ctx)
    ids = _upload_ids(body)
    if not ids:
        ctx.core.authorize(user, pid, "tasks.import", "import tasks")
        return ctx.json(
            {
                "task_count": 0,
                "annotation_count": 0,
                "prediction_count": 0,
                "duration": 0,
                "file_upload_ids": [],
                "found_formats": [],
                "data_columns": [],
            }
        )
    if not as_bool(body.get("files_as_tasks_list", True), "files_as_tasks_list"):
        raise bad(
            "files_as_tasks_list=false (each file one task) is not supported; "
            "upload media files as tasks with a 'url' or import them directly",
            "files_as_tasks_list",
        )
    report = ctx.core.reimport(user, pid, ids)
    return ctx.json(
        {
            "task_count": report.task_count,
            "annotation_count": report.annotation_count,
            "prediction_count": report.prediction_count,
            "duration": report.duration,
            "file_upload_ids": ids,
            "found_formats": list(report.found_formats),
            "data_columns": list(report.data_columns),
        },
        status=201,
    )


def _upload_json(upload: FileUpload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "file": upload.filename,
        "size": upload.size,
        "task_count": upload.task_count,
        "created_at": upload.created_at.isoformat(),
    }


def _ids_param(ctx: Ctx) -> list[int] | None:
    """Label Studio's ``ids=[1,2,3]`` (JSON) or repeated ``ids=1&ids=2``."""
    raw = ctx.request.query.getlist("ids")
    if not raw:
        return None
    try:
        parsed = json.loads(raw[0]) if len(raw) == 1 else [int(r) for r in raw]
    except ValueError:
        raise bad("'ids' must be a JSON list of integers, e.g. ids=[1,2]", "ids") from None
    if isinstance(parsed, int) and not isinstance(parsed, bool):
        parsed = [parsed]
    if not isinstance(parsed, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in parsed
    ):
        raise bad("'ids' must be a JSON list of integers, e.g. ids=[1,2]", "ids")
    return parsed


def list_uploads(ctx: Ctx) -> Response:
    """Your uploads in the project: those in ``ids``, or all with ``all=true``."""
    user = ctx.require_user()
    ids = None if bool_param(ctx, "all") else (_ids_param(ctx) or [])
    uploads = ctx.core.list_file_uploads(user, ctx.params["id"], ids)
    return ctx.json([_upload_json(u) for u in uploads])


def delete_uploads(ctx: Ctx) -> Response:
    """Delete your uploads in ``file_upload_ids`` (all of them without it)."""
    user = ctx.require_user()
    body = json_object(ctx)
    ids = _upload_ids(body)
    deleted = ctx.core.delete_file_uploads(user, ctx.params["id"], ids)
    return ctx.json({"deleted": deleted})


def import_predictions(ctx: Ctx) -> Response:
    """Label Studio's ``POST /api/projects/{id}/import/predictions``: a list of
    ``{task, result, score, model_version}`` for tasks of the project, all or nothing."""
    user = ctx.require_user()
    body = ctx.request.json()
    if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
        raise bad(
            "the body must be a JSON list of {task, result, score, model_version}",
            "body",
            "request.not_list",
        )
    made = ctx.core.add_predictions(user, ctx.params["id"], body)
    return ctx.json({"created": len(made)}, status=201)


def get_upload(ctx: Ctx) -> Response:
    return ctx.json(_upload_json(ctx.core.get_file_upload(ctx.require_user(), ctx.params["id"])))


def delete_upload(ctx: Ctx) -> Response:
    ctx.core.delete_file_upload(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


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
    upload_ids = {"type": "array", "items": {"type": "integer"}}
    router.api(
        "POST",
        pid + "/reimport",
        reimport,
        name="api.project_reimport",
        tags=t,
        summary="Create tasks from files kept by an import with commit_to_project=false",
        body={
            "type": "object",
            "properties": {
                "file_upload_ids": upload_ids,
                "files_as_tasks_list": {"type": "boolean"},
            },
        },
        responses={
            200: {"type": "object", "properties": {"task_count": {"type": "integer"}}},
            201: {"type": "object", "properties": {"task_count": {"type": "integer"}}},
        },
    )
    router.api(
        "GET",
        pid + "/file-uploads",
        list_uploads,
        name="api.project_file_uploads",
        tags=t,
        summary="Your kept uploads in the project (ids=[...] or all=true)",
        params=[
            Param(name="ids", schema={"type": "string"}),
            Param(name="all", schema={"type": "boolean"}),
        ],
        responses={200: OBJ_LIST},
    )
    router.api(
        "DELETE",
        pid + "/file-uploads",
        delete_uploads,
        name="api.project_file_uploads_delete",
        tags=t,
        summary="Delete your kept uploads (file_upload_ids, or all)",
        body={"type": "object", "properties": {"file_upload_ids": upload_ids}},
        responses={200: {"type": "object", "properties": {"deleted": {"type": "integer"}}}},
    )
    router.api(
        "POST",
        pid + "/import/predictions",
        import_predictions,
        name="api.project_import_predictions",
        tags=t,
        summary="Add predictions to tasks of the project (all or nothing)",
        body=OBJ_LIST,
        responses={201: {"type": "object", "properties": {"created": {"type": "integer"}}}},
    )
    upload = "/api/import/file-upload/{id:int}"
    router.api(
        "GET",
        upload,
        get_upload,
        name="api.file_upload",
        tags=t,
        summary="One of your kept uploads",
        responses={200: OBJ},
    )
    router.api(
        "DELETE",
        upload,
        delete_upload,
        name="api.file_upload_delete",
        tags=t,
        summary="Delete one of your kept uploads (its tasks stay)",
        responses={204: None},
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
