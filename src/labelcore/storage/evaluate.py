"""Pure Python semantics of a parsed ``TaskQuery``: the reference every backend matches.

    from labelcore.storage.evaluate import matches, sort_rows
    keep = [row for row in rows if matches(query.filters, row.get)]
    ordered = sort_rows(keep, query.ordering, get=lambda row, col: row.get(col), id_of=...)

``get(column)`` returns a row's value for a canonical column: task columns as the
``labelcore.query.TASK_COLUMNS`` types say (lists for ``List`` columns, aware datetimes,
``None`` when unset) and the raw JSON value (or ``None`` when missing) for ``data.<key>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from labelcore._jsondepth import loads
from labelcore.errors import QueryError
from labelcore.query import (
    NEGATIVE,
    NUMERIC_TEXT,
    Filter,
    FilterGroup,
    Ordering,
    compile_regex,
    regex_search,
)

Getter = Callable[[str], Any]
Row = TypeVar("Row")
_NUMERIC = re.compile(NUMERIC_TEXT)
_POSITIVE = {
    "not_equal": "equal",
    "not_contains": "contains",
    "not_in": "in",
    "not_in_list": "in_list",
}


def as_text(value: Any) -> str | None:
    """A JSON value as the text String filters compare (strings as-is, others as JSON)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def as_number(value: Any) -> int | float | None:
    """A JSON value as the number Number filters compare (numeric strings are cast)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMERIC.match(value):
        return float(value)
    return None


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _typed(flt: Filter, raw: Any) -> Any:
    if not flt.column.startswith("data."):
        return raw
    if flt.type == "Number":
        return as_number(raw)
    if flt.type == "Boolean":
        return raw if isinstance(raw, bool) else None
    return as_text(raw)


def _positive(flt: Filter, op: str, value: Any) -> bool:
    want = flt.value
    if value is None:
        return False
    if flt.type == "List":
        items = value if isinstance(value, list | tuple) else [value]
        # 7 and "7" stay distinct user ids; True is not 1
        return any(type(item) is type(w) and item == w for item in items for w in want)
    if op == "equal":
        return bool(value == want)
    if op == "in_list":
        return value in want
    if op == "contains":
        return str(want).lower() in str(value).lower()
    if op == "starts_with":
        return str(value).startswith(want)
    if op == "ends_with":
        return str(value).endswith(want)
    if op == "regex":
        return regex_search(compile_regex(want), str(value))
    if op == "in":
        return bool(want[0] <= value <= want[1])
    if op == "less":
        return bool(value < want)
    if op == "greater":
        return bool(value > want)
    if op == "less_or_equal":
        return bool(value <= want)
    if op == "greater_or_equal":
        return bool(value >= want)
    raise QueryError(f"operator {op!r} is not supported", code="query.operator")


def match_filter(flt: Filter, get: Getter) -> bool:
    raw = get(flt.column)
    if flt.operator == "empty":
        return is_empty(raw) is bool(flt.value)
    if flt.operator == "exists":
        return raw is not None
    if flt.operator == "not_exists":
        return raw is None
    value = _typed(flt, raw)
    if flt.operator in NEGATIVE:
        return not _positive(flt, _POSITIVE[flt.operator], value)
    return _positive(flt, flt.operator, value)


def matches(group: FilterGroup | None, get: Getter) -> bool:
    """True when the row passes the group (no group: every row)."""
    if group is None or not group.items:
        return True
    results = (
        matches(item, get) if isinstance(item, FilterGroup) else match_filter(item, get)
        for item in group.items
    )
    return all(results) if group.conjunction == "and" else any(results)


def order_value(column: str, raw: Any) -> Any:
    """The comparable form of a value for ordering (data keys: numbers before text)."""
    if raw is None:
        return None
    if column.startswith("data."):
        if isinstance(raw, bool):
            return (0, int(raw))
        if isinstance(raw, int | float):
            return (0, raw)
        if isinstance(raw, str):
            return (1, raw)
        return (2, as_text(raw))
    return raw


def compare_keys(a: Sequence[Any], b: Sequence[Any], ordering: Sequence[Ordering]) -> int:
    """Compare two rows' ordering values: nulls last in either direction."""
    for x, y, order in zip(a, b, ordering):
        if x == y:
            continue
        if x is None:
            return 1
        if y is None:
            return -1
        less = x < y
        return (1 if less else -1) if order.descending else (-1 if less else 1)
    return 0


def sort_rows(
    rows: Sequence[Row],
    ordering: Sequence[Ordering],
    key_of: Callable[[Row], tuple[list[Any], int]],
) -> list[Row]:
    """Rows in query order; ``key_of(row)`` is ``(ordering values, id)``; ties by id."""
    keys = {id(row): key_of(row) for row in rows}

    def cmp(r1: Row, r2: Row) -> int:
        (v1, i1), (v2, i2) = keys[id(r1)], keys[id(r2)]
        c = compare_keys(v1, v2, ordering)
        return c if c else (i1 > i2) - (i1 < i2)

    return sorted(rows, key=functools.cmp_to_key(cmp))


def after_cursor(
    key: tuple[list[Any], int], cursor: tuple[list[Any], int], ordering: Sequence[Ordering]
) -> bool:
    c = compare_keys(key[0], cursor[0], ordering)
    return c > 0 or (c == 0 and key[1] > cursor[1])


def _enc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, tuple):
        return {"$t": [_enc(v) for v in value]}
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dt" in value:
            return dt.datetime.fromisoformat(value["$dt"])
        if "$t" in value:
            return tuple(_dec(v) for v in value["$t"])
    return value


def _signature(ordering: Sequence[Ordering]) -> str:
    return ",".join(("-" if o.descending else "") + o.column for o in ordering)


def encode_cursor(values: Sequence[Any], task_id: int, ordering: Sequence[Ordering]) -> str:
    """An opaque cursor continuing after the row with these ordering values and id."""
    body = json.dumps(
        {"o": _signature(ordering), "v": [_enc(v) for v in values], "id": task_id},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: Sequence[Ordering]) -> tuple[list[Any], int]:
    """``(values, id)`` from a cursor of this ordering, or ``QueryError``."""
    try:
        if len(cursor) > 4000:
            raise ValueError("too long")
        body = loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values, task_id, signature = body["v"], body["id"], body["o"]
        if not isinstance(values, list) or not isinstance(task_id, int):
            raise ValueError("bad shape")
        if signature != _signature(ordering) or len(values) != len(ordering):
            raise ValueError("cursor is for another ordering")
        return [_dec(v) for v in values], task_id
    except (ValueError, KeyError, TypeError) as exc:
        raise QueryError(f"invalid cursor: {exc}", code="query.cursor") from exc
