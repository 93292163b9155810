"""Parsing helpers shared by the JSON API handlers (private).

pid = int_param(ctx, "project", required=True)
body = json_object(ctx)                     # a dict, or a 400 naming what is wrong
"""

from __future__ import annotations

from typing import Any

from labelcore._jsondepth import loads
from labelcore._numbers import ascii_int
from labelcore.errors import ValidationError
from labelcore.model import MAX_ID
from labelcore.query import PageRequest, TaskQuery, parse_query
from labelcore.web.context import Ctx

MAX_PAGE_SIZE = 1000
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def bad(message: str, field: str, code: str = "request.invalid") -> ValidationError:
    return ValidationError(
        message, code=code, errors=[{"code": code, "message": message, "field": field}]
    )


def int_param(
    ctx: Ctx,
    name: str,
    *,
    required: bool = False,
    default: int | None = None,
    minimum: int = 1,
    maximum: int = MAX_ID,
) -> int | None:
    raw = ctx.request.query.get(name)
    if raw is None or raw == "":
        if required:
            raise bad(f"the query parameter {name!r} is required", name)
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad(f"{name!r} must be an integer, got {raw[:50]!r}", name) from None
    if value < minimum or value > maximum:
        raise bad(f"{name!r} must be at least {minimum} and at most {maximum}, got {value}", name)
    return value


def bool_param(ctx: Ctx, name: str, default: bool = False) -> bool:
    raw = ctx.request.query.get(name)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise bad(f"{name!r} must be true or false, got {raw[:50]!r}", name)


def as_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise bad(f"{field!r} must be a boolean", field)


def json_object(ctx: Ctx, *, allow_empty: bool = True) -> dict[str, Any]:
    body = ctx.request.json()
    if body is None and allow_empty:
        return {}
    if not isinstance(body, dict):
        raise bad("the request body must be a JSON object", "body", "request.not_object")
    return body


def result_list(body: dict[str, Any], field: str = "result", *, default: Any = None) -> Any:
    value = body.get(field, default)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise bad(f"{field!r} must be a list of result objects", field)
    return value


def number(body: dict[str, Any], field: str) -> float | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(f"{field!r} must be a number", field)
    return float(value)


def int_field(body: dict[str, Any], field: str, *, required: bool = False) -> int | None:
    value = body.get(field)
    if value is None:
        if required:
            raise bad(f"{field!r} is required", field)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise bad(f"{field!r} must be an integer id from 1 to {MAX_ID}", field)
    return value


def page_request(ctx: Ctx) -> PageRequest:
    page = int_param(ctx, "page", default=1) or 1
    size = int_param(ctx, "page_size", default=30, maximum=MAX_PAGE_SIZE) or 30
    cursor = ctx.request.query.get("cursor") or None
    return PageRequest(page=page, page_size=size, cursor=cursor)


def task_query(obj: Any) -> TaskQuery:
    """Label Studio's ``{filters, ordering, selectedItems}`` as a validated ``TaskQuery``."""
    if obj is None:
        return TaskQuery()
    if not isinstance(obj, dict):
        raise bad("the query must be a JSON object {filters, ordering, selectedItems}", "query")
    known = {
        k: v
        for k, v in obj.items()
        if k in ("filters", "ordering", "selectedItems") and v is not None
    }
    if "selected_items" in obj and "selectedItems" not in known:
        known["selectedItems"] = obj["selected_items"]
    return parse_query(known)


def query_param(ctx: Ctx) -> Any:
    raw = ctx.request.query.get("query")
    if not raw:
        return None
    try:
        return loads(raw)
    except ValueError:
        raise bad(
            "the 'query' parameter must be JSON {filters, ordering, selectedItems}", "query"
        ) from None


def view_request(ctx: Ctx, view_id: int | None, inline: Any) -> dict[str, Any]:
    """A saved view's (tab's) ``filters``, ``ordering``, ``selectedItems`` and
    ``hiddenColumns`` merged with an inline query (inline keys win): the view read once."""
    base: dict[str, Any] = {}
    if view_id is not None:
        view = ctx.core.get_view(ctx.require_user(), view_id)
        data = view.data if isinstance(view.data, dict) else {}
        keys = ("filters", "ordering", "selectedItems", "hiddenColumns")
        base = {k: data[k] for k in keys if k in data}
    if isinstance(inline, dict):
        base.update({k: v for k, v in inline.items() if v is not None})
    elif inline is not None:
        raise bad("the query must be a JSON object", "query")
    return base


def view_query(ctx: Ctx, view_id: int | None, inline: Any) -> TaskQuery:
    """The query of a saved view (tab) merged with an inline one (inline keys win)."""
    return task_query(view_request(ctx, view_id, inline) or None)


def if_match_version(ctx: Ctx, body: dict[str, Any]) -> int | None:
    """The version the client edited: the ``version`` field, else the ``If-Match`` header."""
    if body.get("version") is not None:
        v = body["version"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise bad("'version' must be a positive integer", "version")
        return v
    raw = ctx.request.headers.get("If-Match")
    if not raw or raw.strip() == "*":
        return None
    tag = raw.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    version = ascii_int(tag)
    if version is None:
        raise bad('If-Match must be an annotation version such as "3"', "If-Match")
    return version


# JSON schema fragments for the OpenAPI document
OBJ: dict[str, Any] = {"type": "object"}
OBJ_LIST: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
ID = {"type": "integer", "minimum": 1}
RESULT = {"type": "array", "items": {"type": "object"}}


def require_configure(ctx: Ctx, project_id: int, what: str) -> None:
    """404 unless the caller sees the project, 403 unless they may configure it
    (``project.update``); ``what`` names the thing in the 403 message."""
    ctx.core.authorize(ctx.require_user(), project_id, "project.update", what)
