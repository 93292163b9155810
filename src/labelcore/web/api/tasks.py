"""Task, annotation and draft endpoints under ``/api/tasks``.

GET  /api/tasks?project=&page=&page_size=&view=&query=   POST /api/tasks
GET|PATCH|PUT|DELETE /api/tasks/{id}
GET|POST /api/tasks/{id}/annotations      GET|POST /api/tasks/{id}/drafts
GET|POST /api/tasks/{id}/annotations/{aid}/drafts
"""

from __future__ import annotations

from typing import Any

from labelcore._converter import annotation_to_json, draft_to_json, task_columns, task_to_json
from labelcore.model import User
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    RESULT,
    as_bool,
    bad,
    bool_param,
    int_field,
    int_param,
    json_object,
    number,
    page_request,
    query_param,
    result_list,
    task_query,
    view_request,
)
from labelcore.web.api.media import resolve_task_media
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Param, Router

ANNOTATION_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "result": RESULT,
        "was_cancelled": {"type": "boolean"},
        "ground_truth": {"type": "boolean"},
        "lead_time": {"type": "number"},
        "unique_id": {"type": "string"},
        "draft_id": {"type": "integer"},
        "version": {"type": "integer"},
    },
}
DRAFT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "result": RESULT,
        "lead_time": {"type": "number"},
        "was_postponed": {"type": "boolean"},
    },
}


def list_tasks(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params.get("id") or int_param(ctx, "project", required=True)
    assert pid is not None
    view_id = int_param(ctx, "view")
    asked = view_request(ctx, view_id, query_param(ctx))
    query = task_query(asked or None)
    page = page_request(ctx)
    result = ctx.core.list_tasks(user, pid, query, page, sums=True)
    full = (ctx.request.query.get("fields") or "task_only") == "all"
    # the result columns are the costly ones (every annotation's and prediction's result as
    # JSON text): as in Label Studio, made when the view shows them or with fields=all
    results = full or _results_shown(asked.get("hiddenColumns"))
    tasks = []
    quality = ctx.core.quality_columns(user, pid, result.tasks)  # review columns (issue 11)
    rows = ctx.core.page_bundles(user, pid, result.tasks, prediction_results=full or results)
    for task in result.tasks:
        b = rows.bundles.get(task.id)
        if b is None:
            continue
        item = (
            task_to_json(task, b.annotations, b.predictions, b.drafts)
            if full
            else task_to_json(task)
        )
        item.update(
            task_columns(
                b,
                results=results,
                draft_exists=task.id in rows.drafted,
                scores=rows.scores.get(task.id, []),
            )
        )
        item.update(quality.get(task.id, {}))
        tasks.append(item)
    anns, preds = result.sums if result.sums is not None else (0, 0)
    return ctx.json(
        {
            "tasks": tasks,
            "total": result.total,
            "total_annotations": anns,
            "total_predictions": preds,
            "cursor": result.next_cursor,
            "users": _user_names(ctx, user, tasks),
        }
    )


def _user_names(ctx: Ctx, user: User, tasks: list[dict[str, Any]]) -> dict[str, str]:
    """Names for the user ids the page's "Annotated by" and "Updated by" columns show (ours,
    beside Label Studio's fields: its frontend reads names from its user list): only the
    ids of rows the caller may see, so no other user's name comes with a page; a user
    without a name shows as their id."""
    ids: list[Any] = []
    for item in tasks:
        ids += item.get("annotators") or ()
        if item.get("updated_by") is not None:
            ids.append(item["updated_by"])
    if not ids:
        return {}
    known = ctx.core.get_users(user, ids)
    # names only: an e-mail address is not for every role that lists tasks
    return {str(i): u.name or str(i) for i, u in known.items()}


_RESULT_COLUMNS = ("annotations_results", "predictions_results")


def _results_shown(hidden: Any) -> bool:
    """Whether Label Studio's ``hiddenColumns`` (``{"explore": [...], "labeling": [...]}``,
    from the inline query or the saved view) show a result column: a column is hidden when
    it is in both lists, or in ``explore`` when that is the only one given; ids are
    ``tasks:name`` as in Label Studio, or the bare name."""
    if not isinstance(hidden, dict):
        return False
    lists = [
        {str(c).removeprefix("tasks:") for c in v}
        for v in (hidden.get("explore"), hidden.get("labeling"))
        if isinstance(v, list)
    ]
    if not lists:
        return False
    gone = set.intersection(*lists)
    return any(c not in gone for c in _RESULT_COLUMNS)


def create_task(ctx: Ctx) -> Response:
    body = json_object(ctx)
    pid = int_field(body, "project", required=True)
    data = body.get("data")
    if not isinstance(data, dict):
        raise bad("'data' must be an object with the task's data", "data")
    meta = body.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise bad("'meta' must be an object", "meta")
    user = ctx.require_user()
    task = ctx.core.create_task(user, pid, data, meta)
    return ctx.json(_task_json(ctx, task.id), status=201)


def _task_json(ctx: Ctx, task_id: int) -> dict[str, Any]:
    b = ctx.core.get_task(ctx.require_user(), task_id)
    return task_to_json(b.task, b.annotations, b.predictions, b.drafts)


def get_task(ctx: Ctx) -> Response:
    out = _task_json(ctx, ctx.params["id"])
    if bool_param(ctx, "resolve_uri"):  # Label Studio's flag: media URLs the browser can load
        user = ctx.require_user()
        project = ctx.core.get_project(user, out["project"])
        cfg = ctx.core.validate_config(user, project.settings.label_config)
        out["data"] = resolve_task_media(ctx, cfg, out["data"], project.id)
    return ctx.json(out)


def update_task(ctx: Ctx) -> Response:
    body = json_object(ctx)
    data, meta = body.get("data"), body.get("meta")
    if data is not None and not isinstance(data, dict):
        raise bad("'data' must be an object", "data")
    if meta is not None and not isinstance(meta, dict):
        raise bad("'meta' must be an object", "meta")
    ctx.core.update_task(ctx.require_user(), ctx.params["id"], data=data, meta=meta)
    return ctx.json(_task_json(ctx, ctx.params["id"]))


def delete_task(ctx: Ctx) -> Response:
    user = ctx.require_user()
    bundle = ctx.core.get_task(user, ctx.params["id"])
    ctx.core.delete_tasks(user, bundle.task.project_id, [bundle.task.id])
    return Response.empty(204)


def delete_project_tasks(ctx: Ctx) -> Response:
    ctx.core.delete_tasks(ctx.require_user(), ctx.params["id"], None)
    return Response.empty(204)


def list_annotations(ctx: Ctx) -> Response:
    anns = ctx.core.list_annotations(ctx.require_user(), ctx.params["id"])
    return ctx.json([annotation_to_json(a) for a in anns])


def create_annotation(ctx: Ctx) -> Response:
    user = ctx.require_user()
    body = json_object(ctx)
    cancelled = bool_param(ctx, "was_cancelled") or as_bool(
        body.get("was_cancelled", False), "was_cancelled"
    )
    result = result_list(body, default=[])
    unique_id = body.get("unique_id")
    if unique_id is not None and not isinstance(unique_id, str):
        raise bad("'unique_id' must be a string", "unique_id")
    common: dict[str, Any] = {
        "unique_id": unique_id,
        "lead_time": number(body, "lead_time") or 0.0,
        "draft_id": int_field(body, "draft_id"),
    }
    if cancelled and not result:
        ann = ctx.core.skip_task(user, ctx.params["id"], **common)
    else:
        ann = ctx.core.submit_annotation(
            user,
            ctx.params["id"],
            result,
            was_cancelled=cancelled,
            ground_truth=as_bool(body.get("ground_truth", False), "ground_truth"),
            parent_prediction=int_field(body, "parent_prediction"),
            parent_annotation=int_field(body, "parent_annotation"),
            **common,
        )
    resp = ctx.json(annotation_to_json(ann), status=201)
    resp.headers.set("ETag", f'"{ann.version}"')
    return resp


def list_task_drafts(ctx: Ctx) -> Response:
    drafts = ctx.core.get_drafts(ctx.require_user(), ctx.params["id"])
    aid = ctx.params.get("aid")
    if aid is not None:
        ctx.core.get_annotation(ctx.require_user(), aid)
        drafts = [d for d in drafts if d.annotation_id == aid]
    return ctx.json([draft_to_json(d) for d in drafts])


def create_task_draft(ctx: Ctx) -> Response:
    user = ctx.require_user()
    body = json_object(ctx)
    aid = ctx.params.get("aid")
    if aid is not None:
        ann = ctx.core.get_annotation(user, aid)
        if ann.task_id != ctx.params["id"]:
            raise bad(f"annotation {aid} does not belong to task {ctx.params['id']}", "annotation")
    draft = ctx.core.save_draft(
        user,
        ctx.params["id"],
        result_list(body, default=[]),
        annotation_id=aid,
        lead_time=number(body, "lead_time") or 0.0,
        was_postponed=as_bool(body.get("was_postponed", False), "was_postponed"),
    )
    return ctx.json(draft_to_json(draft), status=201)


def register(router: Router) -> None:
    t = ("tasks",)
    tid = "/api/tasks/{id:int}"
    query_params = [
        Param(name="project", schema=ID, required=True),
        Param(name="view", schema=ID),
        Param(name="page", schema={"type": "integer", "minimum": 1}),
        Param(name="page_size", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
        Param(name="cursor", schema={"type": "string"}),
        Param(name="fields", schema={"type": "string", "enum": ["all", "task_only"]}),
        Param(
            name="query",
            schema={"type": "string"},
            description="JSON {filters, ordering, selectedItems} as Label Studio sends it",
        ),
    ]
    listing = {
        "type": "object",
        "properties": {
            "tasks": OBJ_LIST,
            "total": {"type": "integer"},
            "total_annotations": {"type": "integer"},
            "total_predictions": {"type": "integer"},
            "cursor": {"type": ["string", "null"]},
        },
    }
    router.api(
        "GET",
        "/api/tasks",
        list_tasks,
        name="api.tasks",
        tags=t,
        params=query_params,
        summary="A page of a project's tasks (data-manager filters and ordering)",
        responses={200: listing},
    )
    router.api(
        "POST",
        "/api/tasks",
        create_task,
        name="api.task_create",
        tags=t,
        summary="Create one task",
        responses={201: OBJ},
        body={
            "type": "object",
            "required": ["project", "data"],
            "properties": {"project": ID, "data": OBJ, "meta": OBJ},
        },
    )
    router.api(
        "GET",
        "/api/projects/{id:int}/tasks",
        list_tasks,
        name="api.project_tasks",
        tags=t,
        params=query_params[1:],
        summary="A page of the project's tasks",
        responses={200: listing},
    )
    router.api(
        "DELETE",
        "/api/projects/{id:int}/tasks",
        delete_project_tasks,
        name="api.project_tasks_delete",
        tags=t,
        summary="Delete every task of the project",
        responses={204: None},
    )
    router.api(
        "GET",
        tid,
        get_task,
        name="api.task",
        tags=t,
        params=[Param(name="resolve_uri", schema={"type": "boolean"})],
        responses={200: OBJ},
        summary="One task with the annotations, predictions and drafts you may see",
    )
    body = {"type": "object", "properties": {"data": OBJ, "meta": OBJ}}
    router.api(
        "PATCH",
        tid,
        update_task,
        name="api.task_update",
        tags=t,
        body=body,
        summary="Change a task's data or meta",
        responses={200: OBJ},
    )
    router.api(
        "PUT",
        tid,
        update_task,
        name="api.task_replace",
        tags=t,
        body=body,
        summary="Change a task's data or meta",
        responses={200: OBJ},
    )
    router.api(
        "DELETE",
        tid,
        delete_task,
        name="api.task_delete",
        tags=t,
        summary="Delete a task",
        responses={204: None},
    )
    a = ("annotations",)
    router.api(
        "GET",
        tid + "/annotations",
        list_annotations,
        name="api.task_annotations",
        tags=a,
        summary="The task's annotations you may see",
        responses={200: OBJ_LIST},
    )
    router.api(
        "POST",
        tid + "/annotations",
        create_annotation,
        name="api.annotation_create",
        tags=a,
        body=ANNOTATION_BODY,
        summary="Submit (or skip) an annotation",
        params=[Param(name="was_cancelled", schema={"type": "boolean"})],
        responses={201: OBJ, 409: None},
    )
    d = ("drafts",)
    router.api(
        "GET",
        tid + "/drafts",
        list_task_drafts,
        name="api.task_drafts",
        tags=d,
        summary="Your drafts of the task",
        responses={200: OBJ_LIST},
    )
    router.api(
        "POST",
        tid + "/drafts",
        create_task_draft,
        name="api.task_draft_create",
        tags=d,
        body=DRAFT_BODY,
        summary="Save a draft of a new annotation",
        responses={201: OBJ},
    )
    aid = tid + "/annotations/{aid:int}/drafts"
    router.api(
        "GET",
        aid,
        list_task_drafts,
        name="api.annotation_drafts",
        tags=d,
        summary="Your drafts of an existing annotation",
        responses={200: OBJ_LIST},
    )
    router.api(
        "POST",
        aid,
        create_task_draft,
        name="api.annotation_draft_create",
        tags=d,
        body=DRAFT_BODY,
        summary="Save a draft of an existing annotation",
        responses={201: OBJ},
    )
