"""Annotation, draft and prediction endpoints addressed by their own id.

GET|PATCH|PUT|DELETE /api/annotations/{id}   (``version`` or If-Match: optimistic update)
GET|PATCH|PUT|DELETE /api/drafts/{id}
GET|POST /api/predictions?task=&project=     GET|PATCH|PUT|DELETE /api/predictions/{id}
"""

from __future__ import annotations

from typing import Any

from labelcore._converter import annotation_to_json, draft_to_json, prediction_to_json
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    RESULT,
    as_bool,
    bad,
    if_match_version,
    int_field,
    int_param,
    json_object,
    number,
    result_list,
)
from labelcore.web.api.tasks import ANNOTATION_BODY, DRAFT_BODY
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Param, Router


def _annotation_response(ann: Any, status: int = 200) -> Response:
    resp = Response.json(annotation_to_json(ann), status=status)
    resp.headers.set("ETag", f'"{ann.version}"')
    return resp


def get_annotation(ctx: Ctx) -> Response:
    return _annotation_response(ctx.core.get_annotation(ctx.require_user(), ctx.params["id"]))


def update_annotation(ctx: Ctx) -> Response:
    body = json_object(ctx)
    flags: dict[str, Any] = {}
    for name in ("was_cancelled", "ground_truth"):
        if body.get(name) is not None:
            flags[name] = as_bool(body[name], name)
    ann = ctx.core.update_annotation(
        ctx.require_user(),
        ctx.params["id"],
        result=result_list(body),
        expected_version=if_match_version(ctx, body),
        lead_time=number(body, "lead_time"),
        draft_id=int_field(body, "draft_id"),
        **flags,
    )
    return _annotation_response(ann)


def delete_annotation(ctx: Ctx) -> Response:
    ctx.core.delete_annotation(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def get_draft(ctx: Ctx) -> Response:
    return ctx.json(draft_to_json(ctx.core.get_draft(ctx.require_user(), ctx.params["id"])))


def update_draft(ctx: Ctx) -> Response:
    body = json_object(ctx)
    postponed = body.get("was_postponed")
    draft = ctx.core.update_draft(
        ctx.require_user(),
        ctx.params["id"],
        result=result_list(body),
        lead_time=number(body, "lead_time"),
        was_postponed=None if postponed is None else as_bool(postponed, "was_postponed"),
    )
    return ctx.json(draft_to_json(draft))


def delete_draft(ctx: Ctx) -> Response:
    ctx.core.delete_draft(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def list_predictions(ctx: Ctx) -> Response:
    task = int_param(ctx, "task")
    project = int_param(ctx, "project")
    if task is None and project is None:
        raise bad("give 'task' or 'project' to list predictions", "task")
    preds = ctx.core.list_predictions(
        ctx.require_user(),
        task_id=task,
        project_id=project,
        model_version=ctx.request.query.get("model_version") or None,
    )
    return ctx.json([prediction_to_json(p) for p in preds])


def create_prediction(ctx: Ctx) -> Response:
    user = ctx.require_user()
    body = json_object(ctx)
    task_id = int_field(body, "task", required=True)
    assert task_id is not None
    if result_list(body) is None:
        raise bad("'result' is required", "result")
    mv = body.get("model_version", "")
    if not isinstance(mv, str):
        raise bad("'model_version' must be a string", "model_version")
    project_id = ctx.core.get_task(user, task_id).task.project_id
    item = {
        "task": task_id,
        "result": body["result"],
        "score": number(body, "score"),
        "model_version": mv,
    }
    (pred,) = ctx.core.add_predictions(user, project_id, [item])
    return ctx.json(prediction_to_json(pred), status=201)


def get_prediction(ctx: Ctx) -> Response:
    pred = ctx.core.get_prediction(ctx.require_user(), ctx.params["id"])
    return ctx.json(prediction_to_json(pred))


def update_prediction(ctx: Ctx) -> Response:
    body = json_object(ctx)
    mv = body.get("model_version")
    if mv is not None and not isinstance(mv, str):
        raise bad("'model_version' must be a string", "model_version")
    pred = ctx.core.update_prediction(
        ctx.require_user(),
        ctx.params["id"],
        result=result_list(body),
        score=number(body, "score"),
        model_version=mv,
    )
    return ctx.json(prediction_to_json(pred))


def delete_prediction(ctx: Ctx) -> Response:
    user = ctx.require_user()
    ctx.core.get_prediction(user, ctx.params["id"])  # 404 for what the user cannot see
    ctx.core.delete_predictions(user, [ctx.params["id"]])
    return Response.empty(204)


def register(router: Router) -> None:
    a = ("annotations",)
    aid = "/api/annotations/{id:int}"
    upd = dict(ANNOTATION_BODY)
    router.api(
        "GET",
        aid,
        get_annotation,
        name="api.annotation",
        tags=a,
        summary="One annotation (ETag: its version)",
        responses={200: OBJ},
    )
    for method in ("PATCH", "PUT"):
        router.api(
            method,
            aid,
            update_annotation,
            name=f"api.annotation_{method.lower()}",
            tags=a,
            body=upd,
            summary="Change an annotation (send version or If-Match to "
            "refuse overwriting a newer one)",
            params=[Param(name="If-Match", where="header")],
            responses={200: OBJ, 409: None},
        )
    router.api(
        "DELETE",
        aid,
        delete_annotation,
        name="api.annotation_delete",
        tags=a,
        summary="Delete an annotation",
        responses={204: None},
    )
    d = ("drafts",)
    did = "/api/drafts/{id:int}"
    router.api(
        "GET",
        did,
        get_draft,
        name="api.draft",
        tags=d,
        summary="One of your drafts",
        responses={200: OBJ},
    )
    for method in ("PATCH", "PUT"):
        router.api(
            method,
            did,
            update_draft,
            name=f"api.draft_{method.lower()}",
            tags=d,
            body=DRAFT_BODY,
            summary="Change one of your drafts",
            responses={200: OBJ},
        )
    router.api(
        "DELETE",
        did,
        delete_draft,
        name="api.draft_delete",
        tags=d,
        summary="Delete one of your drafts",
        responses={204: None},
    )
    p = ("predictions",)
    router.api(
        "GET",
        "/api/predictions",
        list_predictions,
        name="api.predictions",
        tags=p,
        params=[
            Param(name="task", schema=ID),
            Param(name="project", schema=ID),
            Param(name="model_version"),
        ],
        summary="Predictions of a task or a project",
        responses={200: OBJ_LIST},
    )
    pbody = {
        "type": "object",
        "properties": {
            "task": ID,
            "result": RESULT,
            "score": {"type": "number"},
            "model_version": {"type": "string"},
        },
    }
    router.api(
        "POST",
        "/api/predictions",
        create_prediction,
        name="api.prediction_create",
        tags=p,
        body=pbody,
        summary="Add a prediction to a task",
        responses={201: OBJ},
    )
    pid = "/api/predictions/{id:int}"
    router.api(
        "GET",
        pid,
        get_prediction,
        name="api.prediction",
        tags=p,
        summary="One prediction",
        responses={200: OBJ},
    )
    for method in ("PATCH", "PUT"):
        router.api(
            method,
            pid,
            update_prediction,
            name=f"api.prediction_{method.lower()}",
            tags=p,
            body=pbody,
            summary="Change a prediction",
            responses={200: OBJ},
        )
    router.api(
        "DELETE",
        pid,
        delete_prediction,
        name="api.prediction_delete",
        tags=p,
        summary="Delete a prediction",
        responses={204: None},
    )
