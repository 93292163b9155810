"""A filter is an oracle: a role that may not see other users' annotations (or unrevealed
predictions) may not filter or sort by the columns computed from them.

Before, an annotator who sees only their own annotations could ask for the tasks whose
``annotations_results`` contain a string and grow it one character at a time, reading
another annotator's labels and text: CVE-2023-47117's pattern (a data-manager filter as a
side channel), inside one project.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from labelcore import Forbidden, LabelCore
from labelcore.query import ANNOTATION_COLUMNS, PREDICTION_COLUMNS, TaskQuery, parse_query

SECRET = [
    {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["neg"]}}
]


def _query(
    column: str, operator: str = "contains", value: Any = "neg", kind: str = "String"
) -> str:
    item = {"filter": f"filter:tasks:{column}", "operator": operator, "type": kind, "value": value}
    return json.dumps({"filters": {"conjunction": "and", "items": [item]}})


@pytest.fixture()
def secret_task(core: LabelCore, users: Any, world: Any) -> int:
    """Tenant a's third task, labeled "neg" by the second annotator only."""
    other = users["a-annotator2"]
    core.identify(other)
    task = world["a"]["tasks"][2]
    core.submit_annotation(other, task, SECRET)
    return int(task)


def test_annotator_cannot_read_other_annotations_through_a_results_filter(
    client: Any, users: Any, world: Any, secret_task: int
) -> None:
    project = world["a"]["project"]
    client.login(users["a-annotator"])
    r = client.get(f"/api/tasks?project={project}&query={quote(_query('annotations_results'))}")
    assert r.status == 403, r
    assert r.json()["code"] == "forbidden.query_column"
    assert b"neg" not in r.body.replace(b"annotations_results", b"")
    ordered = json.dumps({"ordering": ["-tasks:agreement"]})
    assert client.get(f"/api/tasks?project={project}&query={quote(ordered)}").status == 403
    # the same query through a saved tab
    view = client.post(
        "/api/dm/views",
        json={
            "project": project,
            "data": {
                "filters": json.loads(_query("annotators", "contains", "a-annotator2", "List"))[
                    "filters"
                ]
            },
        },
    )
    assert view.status == 201, view
    assert client.get(f"/api/tasks?project={project}&view={view.json()['id']}").status == 403
    # what the annotator may filter by still works, and the reviewer may use every column
    counted = quote(_query("total_annotations", "greater", 0, "Number"))
    assert client.get(f"/api/tasks?project={project}&query={counted}").status == 200
    client.login(users["a-reviewer"])
    r = client.get(f"/api/tasks?project={project}&query={quote(_query('annotations_results'))}")
    assert r.status == 200 and [t["id"] for t in r.json()["tasks"]] == [secret_task]


def test_columns_offer_no_filter_or_sort_on_hidden_columns(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    project = world["a"]["project"]
    core.update_project(users["a-manager"], project, reveal_predictions=False)
    client.login(users["a-annotator"])
    cols = {c["id"]: c for c in client.get(f"/api/dm/columns?project={project}").json()["columns"]}
    for column in ANNOTATION_COLUMNS | PREDICTION_COLUMNS:
        assert not cols[column]["filterable"] and not cols[column]["sortable"], column
    assert cols["total_annotations"]["filterable"] and cols["id"]["sortable"]
    r = client.get(f"/api/tasks?project={project}&query={quote(_query('predictions_results'))}")
    assert r.status == 403, r
    client.login(users["a-manager"])
    cols = {c["id"]: c for c in client.get(f"/api/dm/columns?project={project}").json()["columns"]}
    assert cols["annotations_results"]["filterable"] and cols["agreement"]["sortable"]


def test_hidden_columns_in_process(
    core: LabelCore, users: Any, world: Any, secret_task: int
) -> None:
    project, annotator = world["a"]["project"], users["a-annotator"]
    query = parse_query(json.loads(_query("annotations_results")))
    with pytest.raises(Forbidden):
        core.list_tasks(annotator, project, query)
    with pytest.raises(Forbidden):
        core.task_totals(annotator, project, query)
    assert core.list_tasks(annotator, project, TaskQuery()).total == 3
    assert [t.id for t in core.list_tasks(users["a-reviewer"], project, query).tasks] == [
        secret_task
    ]
