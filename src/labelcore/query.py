"""Data-manager queries: Label Studio's filter/ordering JSON parsed into a validated tree.

    from labelcore.query import parse_query
    q = parse_query({"filters": {"conjunction": "and", "items": [...]}, "ordering": ["-tasks:id"]})
    page = store.query_tasks(project_id, q, PageRequest(page=1, page_size=100))

Only columns from an allow-list and operators allowed for the column's type get through;
values stay values (bound parameters in SQL). Anything else raises ``QueryError``.
The full parser is built in issue 3; this module holds the types every layer shares.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

Conjunction = Literal["and", "or"]


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
