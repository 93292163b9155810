"""Data-manager endpoints: views (tabs), actions and columns, as Label Studio names them.

GET|POST /api/dm/views?project=     GET|PATCH|PUT|DELETE /api/dm/views/{id}
DELETE /api/dm/views/reset?project=
GET /api/dm/actions?project=        POST /api/dm/actions?id=&project=[&view=]
GET /api/dm/columns?project=
"""

from __future__ import annotations

from typing import Any

from labelcore.errors import QueryError
from labelcore.model import View
from labelcore.query import (
    DATA_TYPES,
    OPERATORS,
    ORDERABLE,
    RESULT_COLUMNS,
    RESULT_OPERATORS,
    check_column,
)
from labelcore.query import TASK_COLUMNS as FILTERABLE
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    bad,
    int_field,
    int_param,
    json_object,
    view_query,
)
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Param, Router

_PROJECT = Param(name="project", schema=ID, required=True)

# Label Studio's task columns: (id, title, type, visible in the explore table by default)
_TASK_COLUMNS: tuple[tuple[str, str, str, bool], ...] = (
    ("id", "ID", "Number", True),
    ("inner_id", "Inner ID", "Number", False),
    ("completed_at", "Completed", "Datetime", True),
    ("total_annotations", "Annotations", "Number", True),
    ("cancelled_annotations", "Cancelled", "Number", True),
    ("total_predictions", "Predictions", "Number", True),
    ("annotators", "Annotated by", "List", True),
    ("annotations_results", "Annotation results", "String", False),
    ("annotations_ids", "Annotation IDs", "List", False),
    ("predictions_score", "Prediction score", "Number", False),
    ("predictions_model_versions", "Prediction model versions", "List", False),
    ("predictions_results", "Prediction results", "String", False),
    ("file_upload", "Upload filename", "String", False),
    ("created_at", "Created at", "Datetime", False),
    ("updated_at", "Updated at", "Datetime", False),
    ("updated_by", "Updated by", "List", False),
    ("avg_lead_time", "Lead time", "Number", False),
    ("draft_exists", "Drafts", "Boolean", False),
    ("reviews_accepted", "Reviews accepted", "Number", False),
    ("reviews_rejected", "Reviews rejected", "Number", False),
    ("review_state", "Review state", "String", False),
    ("annotation_states", "Annotation review states", "List", False),
    ("agreement", "Agreement", "Number", False),
)
_MEDIA = {"Image": "Image", "Audio": "Audio", "AudioPlus": "AudioPlus", "Video": "Video"}


def _queryable_key(key: str) -> bool:
    """Whether a top-level data key can be named in a query: a key with a dot would be read as
    a nested path, and one the query parser refuses (spaces, punctuation, ``__``, over 64
    characters) would be a 400, so such columns are shown but not sorted or filtered."""
    if "." in key:
        return False
    try:
        check_column(f"data.{key}")
    except QueryError:
        return False
    return True


_NO_QUERY: dict[str, Any] = {"sortable": False, "filterable": False, "operators": []}


def _query_support(column: str, filter_type: str | None) -> dict[str, Any]:
    """labelcore's additions to a column: whether the server sorts and filters by it, and the
    filter operators it takes, so the page never offers a query the server refuses."""
    data = column.startswith("data.")
    if data and not _queryable_key(column[len("data.") :]):
        return _NO_QUERY
    if filter_type is None:
        filter_type = FILTERABLE.get(column)
    operators = set(OPERATORS[filter_type]) if filter_type else set()
    if column in RESULT_COLUMNS:
        operators &= RESULT_OPERATORS
    return {
        "sortable": data or column in ORDERABLE,
        "filterable": bool(operators),
        "operators": sorted(operators),
    }


def view_json(v: View) -> dict[str, Any]:
    data = v.data if isinstance(v.data, dict) else {}
    return {
        "id": v.id,
        "project": v.project_id,
        "user": v.user_id,
        "order": v.order,
        "data": data,
        "filter_group": data.get("filters"),
        "ordering": data.get("ordering", []),
        "selected_items": data.get("selectedItems"),
    }


def _view_data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise bad("'data' must be the tab's JSON object", "data")
    return data


def list_views(ctx: Ctx) -> Response:
    pid = int_param(ctx, "project", required=True)
    views = ctx.core.list_views(ctx.require_user(), pid)
    return ctx.json([view_json(v) for v in views])


def create_view(ctx: Ctx) -> Response:
    body = json_object(ctx)
    pid = int_field(body, "project") or int_param(ctx, "project", required=True)
    view = ctx.core.create_view(ctx.require_user(), pid, _view_data(body))
    return ctx.json(view_json(view), status=201)


def get_view(ctx: Ctx) -> Response:
    return ctx.json(view_json(ctx.core.get_view(ctx.require_user(), ctx.params["id"])))


def update_view(ctx: Ctx) -> Response:
    user = ctx.require_user()
    body = json_object(ctx)
    current = ctx.core.get_view(user, ctx.params["id"])
    data = (
        {**current.data, **_view_data(body)}
        if ctx.request.method == "PATCH"
        else (_view_data(body))
    )
    order = body.get("order")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        raise bad("'order' must be an integer", "order")
    view = ctx.core.update_view(user, ctx.params["id"], data, order=order)
    return ctx.json(view_json(view))


def delete_view(ctx: Ctx) -> Response:
    ctx.core.delete_view(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def reset_views(ctx: Ctx) -> Response:
    body = json_object(ctx)
    pid = int_field(body, "project") or int_param(ctx, "project", required=True)
    ctx.core.reset_views(ctx.require_user(), pid)
    return Response.empty(204)


def list_actions(ctx: Ctx) -> Response:
    pid = int_param(ctx, "project", required=True)
    actions = ctx.core.list_actions(ctx.require_user(), pid)
    return ctx.json(
        [
            {
                "id": a.id,
                "title": a.title,
                "order": a.order,
                "permission": a.permission,
                "experimental": False,
                "hidden": False,
                "dialog": a.dialog,
            }
            for a in actions
        ]
    )


def run_action(ctx: Ctx) -> Response:
    action_id = ctx.request.query.get("id")
    if not action_id:
        raise bad("the query parameter 'id' (the action) is required", "id")
    pid = int_param(ctx, "project", required=True)
    assert pid is not None
    body = json_object(ctx)
    inline = {k: body[k] for k in ("filters", "ordering", "selectedItems") if k in body}
    query = view_query(ctx, int_param(ctx, "view"), inline or None)
    params = {k: v for k, v in body.items() if k not in ("filters", "ordering", "selectedItems")}
    if action_id == "retrieve_tasks_predictions":  # asks the project's ML backend
        ctx.check_ml(pid, "predictions.manage")
    result = ctx.core.run_action(ctx.require_user(), pid, action_id, query=query, params=params)
    return ctx.json(
        {
            "processed_items": result.processed_items,
            "detail": result.detail,
            "reload": result.reload,
        }
    )


def columns(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = int_param(ctx, "project", required=True)
    assert pid is not None
    project = ctx.core.get_project(user, pid)
    config = ctx.core.validate_config(user, project.settings.label_config)
    out: list[dict[str, Any]] = []
    data_types: dict[str, str] = dict(getattr(config, "data_types", {}) or {})
    # every key the project's tasks hold has a column, as in Label Studio: the config's
    # first (with their media types), then the others as text
    for key in ctx.core.data_columns(user, pid):
        data_types.setdefault(key, "Text")
    if data_types:
        out.append(
            {
                "id": "data",
                "title": "data",
                "type": "List",
                "target": "tasks",
                "children": list(data_types),
                "project_defined": False,
                "visibility_defaults": {"explore": True, "labeling": True},
            }
        )
    for key, tag in data_types.items():
        out.append(
            {
                "id": key,
                "title": key,
                "type": _MEDIA.get(tag, "String"),
                "parent": "data",
                "target": "tasks",
                "project_defined": True,
                "visibility_defaults": {"explore": True, "labeling": True},
                **_query_support(f"data.{key}", DATA_TYPES[_MEDIA.get(tag, "String")]),
            }
        )
    hidden = ctx.core.hidden_columns(user, pid)  # computed from rows the user does not see
    for cid, title, ctype, visible in _TASK_COLUMNS:
        out.append(
            {
                "id": cid,
                "title": title,
                "type": ctype,
                "target": "tasks",
                "help": title,
                "project_defined": False,
                "visibility_defaults": {"explore": visible, "labeling": False},
                **(_NO_QUERY if cid in hidden else _query_support(cid, None)),
            }
        )
    return ctx.json({"columns": out})


def register(router: Router) -> None:
    t = ("data manager",)
    router.api(
        "GET",
        "/api/dm/views",
        list_views,
        name="api.dm_views",
        tags=t,
        params=[_PROJECT],
        summary="The project's tabs",
        responses={200: OBJ_LIST},
    )
    vbody = {
        "type": "object",
        "properties": {"project": ID, "data": OBJ, "order": {"type": "integer"}},
    }
    router.api(
        "POST",
        "/api/dm/views",
        create_view,
        name="api.dm_view_create",
        tags=t,
        body=vbody,
        summary="Save a tab",
        responses={201: OBJ},
    )
    router.api(
        "DELETE",
        "/api/dm/views/reset",
        reset_views,
        name="api.dm_views_reset",
        tags=t,
        params=[Param(name="project", schema=ID)],
        body={"type": "object", "properties": {"project": ID}},
        summary="Delete every tab of the project",
        responses={204: None},
    )
    vid = "/api/dm/views/{id:int}"
    router.api(
        "GET", vid, get_view, name="api.dm_view", tags=t, summary="One tab", responses={200: OBJ}
    )
    for m in ("PATCH", "PUT"):
        router.api(
            m,
            vid,
            update_view,
            name=f"api.dm_view_{m.lower()}",
            tags=t,
            body=vbody,
            summary="Change a tab",
            responses={200: OBJ},
        )
    router.api(
        "DELETE",
        vid,
        delete_view,
        name="api.dm_view_delete",
        tags=t,
        summary="Delete a tab",
        responses={204: None},
    )
    router.api(
        "GET",
        "/api/dm/actions",
        list_actions,
        name="api.dm_actions",
        tags=t,
        params=[_PROJECT],
        summary="Actions you may run",
        responses={200: OBJ_LIST},
    )
    router.api(
        "POST",
        "/api/dm/actions",
        run_action,
        name="api.dm_action_run",
        tags=t,
        params=[Param(name="id", required=True), _PROJECT, Param(name="view", schema=ID)],
        body={
            "type": "object",
            "properties": {"selectedItems": OBJ, "filters": OBJ, "ordering": {"type": "array"}},
        },
        summary="Run an action on the selected tasks",
        responses={200: {"type": "object", "properties": {"processed_items": {"type": "integer"}}}},
    )
    router.api(
        "GET",
        "/api/dm/columns",
        columns,
        name="api.dm_columns",
        tags=t,
        params=[_PROJECT],
        summary="The data-manager columns of the project",
        responses={200: {"type": "object", "properties": {"columns": OBJ_LIST}}},
    )
