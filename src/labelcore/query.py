"""Data-manager queries: Label Studio's filter/ordering JSON parsed into a validated tree.

    from labelcore.query import parse_query, PageRequest
    q = parse_query({"filters": {"conjunction": "and", "items": []}, "ordering": ["-tasks:id"]})
    page = store.query_tasks(project_id, q, PageRequest(page=1, page_size=100))

Only columns from an allow-list (:data:`TASK_COLUMNS` and ``data.<key>`` with a strict key
pattern) and operators allowed for the column's type (:data:`OPERATORS`) get through; values
are normalised (numbers, aware UTC datetimes, booleans, ``(min, max)`` tuples for ``in``) and
stay values: bound parameters in SQL. Anything else raises ``QueryError`` naming the problem.

Null rule shared by every backend: a positive operator (``equal``, ``contains``, ``less``,
``in``, ``regex`` ...) never matches a missing or null value; its negation (``not_equal``,
``not_contains``, ``not_in``, ``not_in_list``) matches exactly the rows the positive one does
not, nulls included. ``empty`` with ``true`` matches null, missing, ``""`` and ``[]``.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import attrs
import regex

from labelcore._jsondepth import loads
from labelcore.errors import QueryError
from labelcore.model import MAX_ID

Conjunction = Literal["and", "or"]

#: Task columns a filter may name, with their canonical type (Label Studio section 6).
TASK_COLUMNS: Mapping[str, str] = {
    "id": "Number",
    "inner_id": "Number",
    "created_at": "Datetime",
    "updated_at": "Datetime",
    "completed_at": "Datetime",
    "total_annotations": "Number",
    "cancelled_annotations": "Number",
    "total_predictions": "Number",
    "overlap": "Number",
    "is_labeled": "Boolean",
    "annotators": "List",
    "annotations_ids": "List",
    "annotations_results": "String",
    "predictions_score": "Number",
    "predictions_model_versions": "List",
    "predictions_results": "String",
    "file_upload": "String",
    "draft_exists": "Boolean",
    "avg_lead_time": "Number",
    # review verdicts on the task's annotations (issue 11; Label Studio Enterprise's names)
    "reviews_accepted": "Number",
    "reviews_rejected": "Number",
    # stored by the review workflow (labelcore.service.review): task review state, task
    # agreement (0..1, null without two annotators), review states of the task's annotations
    "review_state": "String",
    "agreement": "Number",
    "annotation_states": "List",
}

#: Task columns stored as 32-bit integers (PostgreSQL ``INTEGER``): a Number filter value
#: beyond them is refused (it names no task, and the database would fail to bind it).
INTEGER_COLUMNS = frozenset(
    {
        "id",
        "inner_id",
        "total_annotations",
        "cancelled_annotations",
        "total_predictions",
        "overlap",
        "reviews_accepted",
        "reviews_rejected",
    }
)

#: Columns a list can be ordered by (besides every ``data.<key>``).
ORDERABLE = frozenset(TASK_COLUMNS) - {
    "annotators",
    "annotations_ids",
    "annotations_results",
    "predictions_model_versions",
    "predictions_results",
    "annotation_states",
}

_COMMON = ("empty", "exists", "not_exists")
#: Operators allowed per canonical type.
OPERATORS: Mapping[str, frozenset[str]] = {
    "String": frozenset(
        ("equal", "not_equal", "contains", "not_contains", "regex", "starts_with", "ends_with")
        + ("in_list", "not_in_list")
        + _COMMON
    ),
    "Number": frozenset(
        ("equal", "not_equal", "less", "greater", "less_or_equal", "greater_or_equal")
        + ("in", "not_in", "in_list", "not_in_list")
        + _COMMON
    ),
    "Datetime": frozenset(
        ("equal", "not_equal", "less", "greater", "less_or_equal", "greater_or_equal", "in")
        + ("not_in",)
        + _COMMON
    ),
    "Boolean": frozenset(("equal", "not_equal") + _COMMON),
    "List": frozenset(("contains", "not_contains", "in_list", "not_in_list") + _COMMON),
}

#: Frontend column types of ``data.<key>`` columns mapped to the type they filter as.
DATA_TYPES: Mapping[str, str] = {
    "String": "String",
    "Unknown": "String",
    "Image": "String",
    "Audio": "String",
    "AudioPlus": "String",
    "Video": "String",
    "Text": "String",
    "HyperText": "String",
    "Url": "String",
    "Number": "Number",
    "Boolean": "Boolean",
}

#: Columns computed from every user's annotations and their reviews. A role that may not see
#: other users' annotations may not filter or sort by them either: a filter is an oracle (a
#: ``contains`` grown one character at a time reads another annotator's text, the
#: CVE-2023-47117 pattern), and the task list already shows such a role only its own.
ANNOTATION_COLUMNS = frozenset(
    {
        "annotators",
        "annotations_ids",
        "annotations_results",
        "avg_lead_time",
        "reviews_accepted",
        "reviews_rejected",
        "review_state",
        "annotation_states",
        "agreement",
    }
)
#: Columns computed from predictions: closed to a role the project does not reveal them to.
PREDICTION_COLUMNS = frozenset(
    {"predictions_score", "predictions_model_versions", "predictions_results"}
)

#: Operators on the result-text columns (a substring match over each row's result JSON).
RESULT_COLUMNS = frozenset(("annotations_results", "predictions_results"))
RESULT_OPERATORS = frozenset(("contains", "not_contains", "empty", "exists", "not_exists"))
NEGATIVE = frozenset(("not_equal", "not_contains", "not_in", "not_in_list"))
MAX_DEPTH = 5  # data.a.b.c.d.e
MAX_ITEMS = 50  # filters per group
MAX_ORDERING = 3
MAX_VALUE_CHARS = 2000
REGEX_TIMEOUT = 0.05  # seconds per evaluation; longer -> QueryError
#: seconds of regex matching one query may spend over all its tasks (inside
#: :func:`regex_budget`): PostgreSQL's statement timeout for regex filters, for the backends
#: that match in Python (SQLite, memory)
REGEX_BUDGET = 5.0
# One key segment: word characters and inner hyphens; "__" (ORM traversal) is refused below.
#: Text a ``Number`` filter on a data key reads as a number (every backend uses this pattern).
NUMERIC_TEXT = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
_SEGMENT = regex.compile(r"\w(?:[\w-]{0,63})", regex.UNICODE)


@attrs.frozen(kw_only=True)
class Filter:
    """One condition. ``column`` is canonical: ``"total_annotations"`` or ``"data.a.b"``."""

    column: str
    operator: str
    type: str  # String, Number, Datetime, Boolean, List, Unknown
    value: Any = None


@attrs.frozen(kw_only=True)
class FilterGroup:
    conjunction: Conjunction = "and"
    items: tuple[Filter | FilterGroup, ...] = ()


@attrs.frozen(kw_only=True)
class Ordering:
    column: str
    descending: bool = False


@attrs.frozen(kw_only=True)
class Selection:
    """Label Studio's ``selectedItems``: ``{all: false, included: [...]}`` or
    ``{all: true, excluded: [...]}``."""

    all: bool = False
    included: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()


@attrs.frozen(kw_only=True)
class TaskQuery:
    filters: FilterGroup | None = None
    ordering: tuple[Ordering, ...] = ()
    selection: Selection | None = None


@attrs.frozen(kw_only=True)
class PageRequest:
    page: int = 1
    page_size: int = 30
    cursor: str | None = None  # opaque; when given, ``page`` is ignored


MAX_PAGE_SIZE = 10_000


def query_columns(query: TaskQuery) -> set[str]:
    """Every column a query filters or orders by (``data.<key>`` columns included)."""
    used = {o.column for o in query.ordering}
    groups = [] if query.filters is None else [query.filters]
    while groups:
        for item in groups.pop().items:
            if isinstance(item, FilterGroup):
                groups.append(item)
            else:
                used.add(item.column)
    return used


def uses_operators(query: TaskQuery | None, operators: frozenset[str]) -> bool:
    """Whether any filter of the query has one of ``operators``."""
    groups = [] if query is None or query.filters is None else [query.filters]
    while groups:
        for item in groups.pop().items:
            if isinstance(item, FilterGroup):
                groups.append(item)
            elif item.operator in operators:
                return True
    return False


def check_page(page: PageRequest) -> None:
    """Raise ``QueryError`` for a page number or size no backend should run."""
    if isinstance(page.page, bool) or not isinstance(page.page, int) or page.page < 1:
        raise QueryError(f"page must be an integer >= 1, got {page.page!r}", code="query.page")
    size = page.page_size
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
        raise QueryError(
            f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}, got {size!r}",
            code="query.page_size",
        )


def data_path(column: str) -> tuple[str, ...]:
    """``"data.a.b"`` -> ``("a", "b")`` for a column already validated by the parser."""
    return tuple(column.split(".")[1:])


def check_column(raw: object, *, what: str = "column") -> str:
    """The canonical column for ``tasks:<col>``, ``filter:tasks:<col>`` or ``<col>``."""
    if not isinstance(raw, str) or not raw:
        raise QueryError(f"{what} must be a non-empty string, got {raw!r}", code="query.column")
    name = raw
    for prefix in ("filter:tasks:", "tasks:"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    if name in TASK_COLUMNS:
        return name
    if name.startswith("data."):
        parts = name.split(".")[1:]
        if (
            0 < len(parts) <= MAX_DEPTH
            and "__" not in name
            and all(_SEGMENT.fullmatch(p) and not p.endswith("-") for p in parts)
        ):
            return name
    raise QueryError(f"unknown or forbidden {what} {raw!r}", code="query.unknown_column")


def compile_regex(pattern: object) -> regex.Pattern[str]:
    """Compile a user regex or raise ``QueryError`` saying why."""
    if not isinstance(pattern, str):
        raise QueryError(f"regex must be a string, got {pattern!r}", code="query.regex")
    if len(pattern) > 500:
        raise QueryError("regex longer than 500 characters", code="query.regex")
    try:
        return regex.compile(pattern, regex.VERSION0)
    except (regex.error, ValueError, OverflowError) as exc:
        raise QueryError(f"regex {pattern!r} does not compile: {exc}", code="query.regex") from exc


_budget = threading.local()


@contextmanager
def regex_budget(seconds: float | None = None) -> Iterator[None]:
    """Regex filters evaluated inside (in this thread) share ``seconds`` in all (default
    :data:`REGEX_BUDGET`; a nested budget never extends the outer one): a pattern
    kept just under :data:`REGEX_TIMEOUT` per value would otherwise run that long for every
    task of the project (about a minute per thousand tasks, for any user who may filter).
    The service runs each task-list query, action selection and next-task search in one."""
    outer = getattr(_budget, "deadline", None)
    deadline = time.monotonic() + (REGEX_BUDGET if seconds is None else seconds)
    _budget.deadline = deadline if outer is None else min(outer, deadline)
    try:
        yield
    finally:
        _budget.deadline = outer


def regex_search(compiled: regex.Pattern[str], text: str) -> bool:
    """Search with the time limits (per value, and the :func:`regex_budget` left); a pattern
    that runs too long raises ``QueryError``."""
    timeout = REGEX_TIMEOUT
    deadline: float | None = getattr(_budget, "deadline", None)
    if deadline is not None:
        timeout = min(timeout, deadline - time.monotonic())
    try:
        if timeout <= 0:
            raise TimeoutError
        return compiled.search(text, timeout=timeout) is not None
    except TimeoutError as exc:
        raise QueryError(
            f"regex {compiled.pattern!r} took too long (over {REGEX_TIMEOUT}s on one value, "
            f"or over {REGEX_BUDGET}s on the tasks of the query)",
            code="query.regex_timeout",
        ) from exc


def parse_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 64:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise QueryError(f"not a datetime: {value!r}", code="query.value") from exc
    else:
        raise QueryError(f"not a datetime: {value!r}", code="query.value")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _number(value: object) -> int | float:
    if isinstance(value, bool):
        raise QueryError(f"not a number: {value!r}", code="query.value")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, str) and len(value) <= 64:
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return int(number) if number.is_integer() and "." not in value else number
    raise QueryError(f"not a number: {value!r}", code="query.value")


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "True", "1", 1):
        return True
    if value in ("false", "False", "0", 0):
        return False
    raise QueryError(f"not a boolean: {value!r}", code="query.value")


def _scalar(value: object) -> str | int | float | bool:
    if isinstance(value, str):
        if len(value) > MAX_VALUE_CHARS:
            raise QueryError(f"value longer than {MAX_VALUE_CHARS} characters", code="query.value")
        return value
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise QueryError(f"not a scalar value: {value!r}", code="query.value")


def _string(value: object) -> str:
    scalar = _scalar(value)
    if isinstance(scalar, bool):
        return "true" if scalar else "false"
    return scalar if isinstance(scalar, str) else str(scalar)


def _value(type_: str, operator: str, value: object) -> Any:
    """The normalised value of a filter, or ``QueryError``."""
    if operator in ("exists", "not_exists"):
        return None
    if operator == "empty":
        return _boolean(True if value is None else value)
    if operator in ("in_list", "not_in_list") or (type_ == "List"):
        items = value if isinstance(value, list | tuple) else [value]
        if len(items) > 1000:
            raise QueryError("more than 1000 list values", code="query.value")
        if type_ == "Number":
            return tuple(_number(v) for v in items)
        if type_ == "String":
            return tuple(_string(v) for v in items)
        return tuple(_scalar(v) for v in items)
    if operator in ("in", "not_in"):
        if isinstance(value, tuple) and len(value) == 2:
            value = {"min": value[0], "max": value[1]}
        if not isinstance(value, Mapping) or "min" not in value or "max" not in value:
            raise QueryError(f"{operator} needs {{min, max}}, got {value!r}", code="query.value")
        convert = parse_datetime if type_ == "Datetime" else _number
        return (convert(value["min"]), convert(value["max"]))
    if type_ == "Number":
        return _number(value)
    if type_ == "Datetime":
        return parse_datetime(value)
    if type_ == "Boolean":
        return _boolean(value)
    text = _string(value)
    if operator == "regex":
        compile_regex(text)
    return text


def _filter(item: Mapping[str, Any]) -> Filter:
    column = check_column(item.get("filter", item.get("column")), what="filter column")
    operator = item.get("operator")
    if column.startswith("data."):
        given = item.get("type") or "String"
        if not isinstance(given, str) or given not in DATA_TYPES:
            raise QueryError(
                f"type {given!r} is not filterable on {column}", code="query.unknown_type"
            )
        type_ = DATA_TYPES[given]
    else:
        type_ = TASK_COLUMNS[column]
    if not isinstance(operator, str) or operator not in OPERATORS[type_]:
        raise QueryError(
            f"operator {operator!r} is not allowed on {column} ({type_}); allowed: "
            + ", ".join(sorted(OPERATORS[type_])),
            code="query.operator",
        )
    if column in RESULT_COLUMNS and operator not in RESULT_OPERATORS:
        raise QueryError(
            f"operator {operator!r} is not allowed on {column}; allowed: "
            + ", ".join(sorted(RESULT_OPERATORS)),
            code="query.operator",
        )
    if type_ == "List" and operator in ("contains", "not_contains"):
        operator = "in_list" if operator == "contains" else "not_in_list"
    return Filter(
        column=column,
        operator=operator,
        type=type_,
        value=_value(type_, operator, item.get("value")),
    )


def _group(obj: object, *, depth: int) -> FilterGroup:
    if not isinstance(obj, Mapping):
        raise QueryError(f"filters must be an object, got {type(obj).__name__}", code="query.shape")
    conjunction = obj.get("conjunction", "and")
    if conjunction not in ("and", "or"):
        raise QueryError(f"conjunction must be and/or, got {conjunction!r}", code="query.shape")
    raw_items = obj.get("items", [])
    if not isinstance(raw_items, list):
        raise QueryError("filters.items must be a list", code="query.shape")
    if len(raw_items) > MAX_ITEMS:
        raise QueryError(f"more than {MAX_ITEMS} filters in one group", code="query.shape")
    items: list[Filter | FilterGroup] = []
    for raw in raw_items:
        if not isinstance(raw, Mapping):
            raise QueryError("each filter must be an object", code="query.shape")
        if "items" in raw:
            if depth >= 1:
                raise QueryError("filters nest at most one level", code="query.shape")
            items.append(_group(raw, depth=depth + 1))
            continue
        items.append(_filter(raw))
        child = raw.get("child_filter")
        if child is not None:
            if depth >= 1:
                raise QueryError("filters nest at most one level", code="query.shape")
            items[-1] = FilterGroup(conjunction="and", items=(items[-1], _filter(child)))
    return FilterGroup(conjunction=conjunction, items=tuple(items))


def _ordering(obj: object) -> tuple[Ordering, ...]:
    raw = [obj] if isinstance(obj, str) else obj
    if not isinstance(raw, list | tuple) or len(raw) > MAX_ORDERING:
        raise QueryError(
            f"ordering must be a list of at most {MAX_ORDERING} columns", code="query.shape"
        )
    out: list[Ordering] = []
    for entry in raw:
        if not isinstance(entry, str):
            raise QueryError(f"ordering entry must be a string, got {entry!r}", code="query.shape")
        descending = entry.startswith("-")
        column = check_column(entry[1:] if descending else entry, what="ordering column")
        if not column.startswith("data.") and column not in ORDERABLE:
            raise QueryError(f"cannot order by {column}", code="query.unknown_column")
        out.append(Ordering(column=column, descending=descending))
    return tuple(out)


def _ids(raw: object, what: str) -> tuple[int, ...]:
    if not isinstance(raw, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in raw
    ):
        raise QueryError(f"selectedItems.{what} must be a list of task ids", code="query.shape")
    for i in raw:
        if not 0 < i <= MAX_ID:
            raise QueryError(
                f"selectedItems.{what} holds {i}, which is not a task id (1 to {MAX_ID})",
                code="query.shape",
            )
    return tuple(raw)


def _selection(obj: object) -> Selection | None:
    if obj is None:
        return None
    if not isinstance(obj, Mapping):
        raise QueryError("selectedItems must be an object", code="query.shape")
    everything = _boolean(obj.get("all", False))
    if everything:
        return Selection(all=True, excluded=_ids(obj.get("excluded", []), "excluded"))
    return Selection(all=False, included=_ids(obj.get("included", []), "included"))


def parse_query(obj: object) -> TaskQuery:
    """Parse Label Studio's data-manager JSON (a dict, a JSON string or a ``TaskQuery``).

    Accepts ``{"filters": {...}, "ordering": [...], "selectedItems": {...}}`` (a view's
    ``data`` has the same keys). Raises ``QueryError`` naming the bad column, operator,
    type or value; nothing unknown is passed on."""
    if isinstance(obj, TaskQuery):
        return obj
    if obj is None:
        return TaskQuery()
    if isinstance(obj, str | bytes):
        if len(obj) > 200_000:
            raise QueryError("query JSON is too long", code="query.shape")
        try:
            obj = loads(obj)
        except ValueError as exc:
            raise QueryError(f"query is not valid JSON: {exc}", code="query.shape") from exc
    if not isinstance(obj, Mapping):
        raise QueryError("query must be a JSON object", code="query.shape")
    filters = obj.get("filters")
    group = None if filters is None else _group(filters, depth=0)
    if group is not None and not group.items:
        group = None
    ordering = _ordering(obj.get("ordering") or [])
    return TaskQuery(
        filters=group, ordering=ordering, selection=_selection(obj.get("selectedItems"))
    )


def _check_filter(flt: Filter) -> Filter:
    if not isinstance(flt, Filter):
        raise QueryError(f"not a filter: {flt!r}", code="query.shape")
    column = check_column(flt.column, what="filter column")
    if column != flt.column:
        raise QueryError(
            f"filter column {flt.column!r} is not canonical", code="query.unknown_column"
        )
    allowed = set(DATA_TYPES.values()) if column.startswith("data.") else {TASK_COLUMNS[column]}
    if flt.type not in allowed:
        raise QueryError(f"type {flt.type!r} is not allowed on {column}", code="query.unknown_type")
    if flt.operator not in OPERATORS[flt.type] or (
        column in RESULT_COLUMNS and flt.operator not in RESULT_OPERATORS
    ):
        raise QueryError(
            f"operator {flt.operator!r} is not allowed on {column} ({flt.type})",
            code="query.operator",
        )
    value = _value(flt.type, flt.operator, flt.value)
    if column in INTEGER_COLUMNS:
        for number in value if isinstance(value, tuple) else (value,):
            if isinstance(number, int | float) and not -MAX_ID - 1 <= number <= MAX_ID:
                raise QueryError(
                    f"{column} holds 32-bit integers: {number} is out of range "
                    f"({-MAX_ID - 1} to {MAX_ID})",
                    code="query.value",
                )
    return attrs.evolve(flt, value=value)


def _check_group(group: FilterGroup, depth: int) -> FilterGroup:
    if not isinstance(group, FilterGroup) or group.conjunction not in ("and", "or"):
        raise QueryError(f"not a filter group: {group!r}", code="query.shape")
    if len(group.items) > MAX_ITEMS:
        raise QueryError(f"more than {MAX_ITEMS} filters in one group", code="query.shape")
    items: list[Filter | FilterGroup] = []
    for item in group.items:
        if isinstance(item, FilterGroup):
            if depth >= 1:
                raise QueryError("filters nest at most one level", code="query.shape")
            items.append(_check_group(item, depth + 1))
        else:
            items.append(_check_filter(item))
    return FilterGroup(conjunction=group.conjunction, items=tuple(items))


def validate_query(query: TaskQuery) -> TaskQuery:
    """Check a ``TaskQuery`` built in code as strictly as ``parse_query`` checks JSON (every
    store calls this before running a query) and return it with normalised values."""
    if not isinstance(query, TaskQuery):
        raise QueryError(f"not a TaskQuery: {query!r}", code="query.shape")
    group = None if query.filters is None else _check_group(query.filters, 0)
    if len(query.ordering) > MAX_ORDERING:
        raise QueryError(f"ordering has more than {MAX_ORDERING} columns", code="query.shape")
    for order in query.ordering:
        column = check_column(order.column, what="ordering column")
        if column != order.column or (not column.startswith("data.") and column not in ORDERABLE):
            raise QueryError(f"cannot order by {order.column!r}", code="query.unknown_column")
    sel = query.selection
    if sel is not None:
        _ids(list(sel.included), "included")
        _ids(list(sel.excluded), "excluded")
    return TaskQuery(filters=group, ordering=query.ordering, selection=sel)
