"""Import endpoints: tasks (JSON body, multipart files, a url), files kept for later
(``commit_to_project=false``) and their reimport, bulk predictions.

POST /api/projects/{id}/import              POST /api/projects/{id}/reimport
GET|DELETE /api/projects/{id}/file-uploads  GET|DELETE /api/import/file-upload/{id}
POST /api/projects/{id}/import/predictions
"""

from __future__ import annotations

from typing import Any

from labelcore._jsondepth import loads
from labelcore.model import FileUpload, ImportReport, User
from labelcore.service.uploads import Fetched, merge_reports
from labelcore.web.api._util import OBJ, OBJ_LIST, as_bool, bad, bool_param, json_object
from labelcore.web.api.media import import_media
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Param, Router


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
        loads(text)
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
    with core.atomic():  # several files: all kept or none
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
    files for a later ``reimport`` instead. Holds one of the project's import slots
    (``Limits.imports_per_project``) while it reads, downloads and writes."""
    with ctx.import_slot(ctx.params["id"]):
        return _import_tasks(ctx, ctx.require_user(), ctx.params["id"])


def _import_tasks(ctx: Ctx, user: User, pid: int) -> Response:
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
        # image/audio/video files: one task per file, kept in the media store
        media = import_media(ctx, user, pid, request.files, dedupe=dedupe) if not url else None
        if media is not None:
            return ctx.json(_report_json(media, return_ids), status=201)
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
    with ctx.core.atomic():
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
                    file_upload=fetched.filename or None,
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
                    file_upload=f.filename or None,
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
    with ctx.import_slot(pid):
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
        parsed = loads(raw[0]) if len(raw) == 1 else [int(r) for r in raw]
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
    with ctx.import_slot(ctx.params["id"], "predictions.manage"):
        made = ctx.core.add_predictions(user, ctx.params["id"], body)
    return ctx.json({"created": len(made)}, status=201)


def get_upload(ctx: Ctx) -> Response:
    return ctx.json(_upload_json(ctx.core.get_file_upload(ctx.require_user(), ctx.params["id"])))


def delete_upload(ctx: Ctx) -> Response:
    ctx.core.delete_file_upload(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    t = ("projects",)
    pid = "/api/projects/{id:int}"
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
