"""parse_query: Label Studio's data-manager JSON in, a validated tree out, QueryError otherwise."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcore.errors import LabelcoreError, QueryError
from labelcore.model import NewTask, ProjectSettings
from labelcore.query import (
    Filter,
    FilterGroup,
    Ordering,
    PageRequest,
    Selection,
    TaskQuery,
    parse_query,
)
from labelcore.storage.memory import MemoryStore

LS_VIEW = {
    "filters": {
        "conjunction": "or",
        "items": [
            {
                "filter": "filter:tasks:data.image",
                "operator": "contains",
                "type": "Image",
                "value": "cat",
            },
            {
                "filter": "filter:tasks:completed_at",
                "operator": "in",
                "type": "Datetime",
                "value": {"min": "2024-01-01T00:00:00.000Z", "max": "2024-02-01T00:00:00.000Z"},
            },
            {
                "filter": "filter:tasks:annotators",
                "operator": "contains",
                "type": "List",
                "value": 3,
            },
            {
                "conjunction": "and",
                "items": [
                    {
                        "filter": "filter:tasks:total_annotations",
                        "operator": "greater",
                        "type": "Number",
                        "value": "1",
                    },
                ],
            },
        ],
    },
    "ordering": ["-tasks:data.meta.score"],
    "selectedItems": {"all": True, "excluded": [4, 5]},
}


def test_label_studio_view_parses_to_a_validated_tree() -> None:
    query = parse_query(LS_VIEW)
    assert query == parse_query(json.dumps(LS_VIEW))
    assert query.ordering == (Ordering(column="data.meta.score", descending=True),)
    assert query.selection == Selection(all=True, excluded=(4, 5))
    assert query.filters is not None and query.filters.conjunction == "or"
    image, completed, annotators, group = query.filters.items
    assert image == Filter(column="data.image", operator="contains", type="String", value="cat")
    assert isinstance(completed, Filter) and completed.value == (
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
    )
    assert annotators == Filter(column="annotators", operator="in_list", type="List", value=(3,))
    assert isinstance(group, FilterGroup) and group.items[0] == Filter(
        column="total_annotations", operator="greater", type="Number", value=1
    )


def test_child_filter_is_one_level_of_nesting() -> None:
    item = {
        "filter": "filter:tasks:id",
        "operator": "greater",
        "type": "Number",
        "value": 1,
        "child_filter": {
            "filter": "filter:tasks:id",
            "operator": "less",
            "type": "Number",
            "value": 9,
        },
    }
    query = parse_query({"filters": {"conjunction": "and", "items": [item]}})
    assert query.filters is not None and isinstance(query.filters.items[0], FilterGroup)
    too_deep = {
        "conjunction": "and",
        "items": [{"conjunction": "or", "items": [{"conjunction": "and", "items": []}]}],
    }
    with pytest.raises(QueryError):
        parse_query({"filters": too_deep})


def test_orm_leak_traversal_column_is_refused() -> None:  # CVE-2023-47117
    for where in ("filter", "ordering"):
        column = "updated_by__active_organization__active_users__password"
        obj: dict[str, Any] = (
            {
                "filters": {
                    "items": [
                        {
                            "filter": f"filter:tasks:{column}",
                            "operator": "regex",
                            "type": "String",
                            "value": "^pbkdf2",
                        }
                    ]
                }
            }
            if where == "filter"
            else {"ordering": [f"tasks:{column}"]}
        )
        with pytest.raises(QueryError) as info:
            parse_query(obj)
        assert column in str(info.value)


def test_sql_injection_in_data_key_is_refused() -> None:
    with pytest.raises(QueryError):
        parse_query({"ordering": ["tasks:data.x'); DROP TABLE labelcore_task--"]})


def test_catastrophic_regex_is_stopped_by_the_time_limit() -> None:
    store = MemoryStore()
    pid = store.add_project(ProjectSettings(), created_by=1).id
    store.add_tasks(pid, [NewTask(data={"s": "a" * 5000 + "!"})])
    query = parse_query(
        {
            "filters": {
                "items": [
                    {
                        "filter": "filter:tasks:data.s",
                        "operator": "regex",
                        "type": "String",
                        "value": "^(a|aa)+$",
                    }
                ]
            }
        }
    )
    started = time.monotonic()
    with pytest.raises(QueryError) as info:
        store.query_tasks(pid, query, PageRequest())
    assert time.monotonic() - started < 5
    assert info.value.code == "query.regex_timeout"


def test_bad_regex_names_the_pattern() -> None:
    with pytest.raises(QueryError) as info:
        parse_query(
            {
                "filters": {
                    "items": [
                        {
                            "filter": "filter:tasks:data.s",
                            "operator": "regex",
                            "type": "String",
                            "value": "(unclosed",
                        }
                    ]
                }
            }
        )
    assert "(unclosed" in str(info.value) and info.value.status == 400


def test_page_requests_are_checked() -> None:
    store = MemoryStore()
    pid = store.add_project(ProjectSettings(), created_by=1).id
    for page in (PageRequest(page=0), PageRequest(page_size=0), PageRequest(page_size=10**6)):
        with pytest.raises(QueryError):
            store.query_tasks(pid, TaskQuery(), page)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
columns = st.sampled_from(
    [
        "filter:tasks:id",
        "filter:tasks:data.text",
        "filter:tasks:data.a.b",
        "filter:tasks:annotators",
        "filter:tasks:created_at",
        "filter:tasks:draft_exists",
        "filter:tasks:__x",
        "tasks:id",
    ]
) | st.text(max_size=40)
operators = st.sampled_from(
    [
        "equal",
        "not_equal",
        "contains",
        "regex",
        "in",
        "not_in",
        "less",
        "empty",
        "exists",
        "in_list",
        "starts_with",
        "bogus",
    ]
) | st.text(max_size=10)
items = st.fixed_dictionaries(
    {
        "filter": columns,
        "operator": operators,
        "type": st.sampled_from(["String", "Number", "Datetime", "Boolean", "List", "Image", "X"]),
        "value": json_values,
    }
)
queries = st.fixed_dictionaries(
    {
        "filters": st.fixed_dictionaries(
            {
                "conjunction": st.sampled_from(["and", "or", "xor"]),
                "items": st.lists(items | json_values, max_size=4),
            }
        )
    },
    optional={
        "ordering": st.lists(columns, max_size=2) | json_values,
        "selectedItems": json_values
        | st.fixed_dictionaries({"all": st.booleans(), "excluded": st.lists(st.integers())}),
    },
)


@settings(max_examples=150, deadline=None)
@given(obj=queries | json_values)
def test_parser_raises_only_query_errors(obj: Any) -> None:
    store = MemoryStore()
    pid = store.add_project(ProjectSettings(), created_by=1).id
    store.add_tasks(pid, [NewTask(data={"text": "x", "a": {"b": 1}})])
    try:
        query = parse_query(obj)
    except QueryError:
        return
    try:
        store.query_tasks(pid, query, PageRequest())
    except LabelcoreError as exc:
        assert isinstance(exc, QueryError)
