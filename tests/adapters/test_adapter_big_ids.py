"""Ids beyond 32 bits (the stores' ids are PostgreSQL INTEGERs) in a path, a query parameter,
a body or a selection are not found or refused, never a database error (a 500)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from lc_adapter_world import TEXT_CONFIG, make_client

from labelcore.model import MAX_ID
from labelcore.service import LabelCore
from labelcore.web.routes import Route

BIG = MAX_ID + 1


@pytest.fixture()
def pg_client(pg_url: str, users: Any) -> Iterator[Any]:
    core = LabelCore(store=pg_url, start_jobs=False)
    core.store.migrate()
    try:
        yield from make_client("flask", core)
    finally:
        core.close()


def test_ids_beyond_32_bits_are_not_found_or_refused_not_a_500(pg_client: Any, users: Any) -> None:
    pg_client.login(users["a-manager"])
    made = pg_client.post("/api/projects", json={"title": "Big ids", "label_config": TEXT_CONFIG})
    assert made.status == 201, made
    pid = made.json()["id"]
    for path in (f"/api/tasks/{BIG}", f"/api/projects/{BIG}", f"/api/annotations/{BIG}"):
        r = pg_client.get(path)
        assert r.status == 404, (path, r)
    r = pg_client.get(f"/api/tasks?project={BIG}")
    assert r.status == 400 and "at most 2147483647" in r.json()["detail"]
    r = pg_client.post("/api/tasks", json={"project": BIG, "data": {"text": "x"}})
    assert r.status == 400 and r.json()["validation_errors"]
    selection = {"selectedItems": {"all": False, "included": [BIG]}}
    r = pg_client.post(f"/api/dm/actions?id=delete_tasks&project={pid}", json=selection)
    assert r.status == 400 and "not a task id" in r.json()["detail"]
    assert pg_client.get(f"/api/tasks/{MAX_ID}").status == 404  # the largest id: a lookup
    # a Number filter on an integer column: refused out of range, answered at the edge
    for column, operator, value in (
        ("id", "equal", BIG),
        ("inner_id", "greater", 2**70),
        ("total_annotations", "in", {"min": 0, "max": BIG}),
        ("id", "in_list", [1, -BIG - 1]),
    ):
        item = {"filter": f"filter:tasks:{column}", "operator": operator, "type": "Number"}
        query = json.dumps({"filters": {"conjunction": "and", "items": [{**item, "value": value}]}})
        r = pg_client.get(f"/api/tasks?project={pid}&query={query}")
        assert r.status == 400 and "out of range" in r.json()["detail"], (column, r)
    item = {"filter": "filter:tasks:id", "operator": "less", "type": "Number", "value": MAX_ID}
    query = json.dumps({"filters": {"conjunction": "and", "items": [item]}})
    assert pg_client.get(f"/api/tasks?project={pid}&query={query}").json()["total"] == 0


def test_route_int_parameters_stop_at_the_largest_id() -> None:
    route = Route(method="GET", pattern="/api/tasks/{id:int}", handler=lambda ctx: None, name="t")
    assert route.match(f"/api/tasks/{MAX_ID}") == {"id": MAX_ID}
    assert route.match(f"/api/tasks/{BIG}") is None
