"""Expression indexes on data keys: made on demand for large projects, bounded, never from
unsafe keys, and a query answers the same with or without them (SQLite file; PostgreSQL in CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labelcore.model import NewTask, ProjectSettings
from labelcore.query import PageRequest, parse_query
from labelcore.storage.sql import SQLStore, _dataindex

VALUES: list[Any] = [
    3,
    -2,
    7.5,
    0,
    1000,
    "12",
    " 4.5 ",
    "abc",
    "",
    "Zürich",
    True,
    False,
    None,
    {"k": 1},
    [1, 2],
    [],
    "7.5",
    "1e3",
    12,
]


def _tasks() -> list[NewTask]:
    tasks = []
    for i in range(3 * len(VALUES)):
        v = VALUES[i % len(VALUES)]
        data: dict[str, Any] = {"s": VALUES[(i * 7) % len(VALUES)], "i": i, "größe": i % 5}
        if i % 4:  # some tasks lack the key entirely
            data["v"] = v
        data["nested"] = {"x": v}
        tasks.append(NewTask(data=data))
    return tasks


def _q(flt: list[dict[str, Any]] | None, ordering: list[str] | None = None) -> Any:
    body: dict[str, Any] = {}
    if flt:
        body["filters"] = {"conjunction": "and", "items": flt}
    if ordering:
        body["ordering"] = ordering
    return parse_query(body)


def _f(column: str, op: str, type_: str, value: Any) -> dict[str, Any]:
    return {"filter": f"filter:tasks:{column}", "operator": op, "type": type_, "value": value}


QUERIES = [
    _q([_f("data.v", "less", "Number", 10)], ["tasks:data.s"]),
    _q([_f("data.v", "less_or_equal", "Number", 7.5)], ["-tasks:data.s"]),
    _q([_f("data.v", "greater", "Number", 2)], ["tasks:data.v"]),
    _q([_f("data.v", "greater_or_equal", "Number", 0)], ["-tasks:data.v"]),
    _q([_f("data.v", "equal", "Number", 12)]),
    _q([_f("data.v", "in", "Number", {"min": -5, "max": 5})], ["tasks:data.s"]),
    _q([_f("data.v", "not_equal", "Number", 3)], ["tasks:data.v"]),
    _q([_f("data.s", "equal", "String", "abc")], ["-tasks:data.v"]),
    _q([_f("data.s", "equal", "String", "12")]),
    _q([_f("data.s", "equal", "String", "true")]),
    _q([_f("data.nested.x", "less", "Number", 100)], ["tasks:data.nested.x"]),
    _q([_f("data.größe", "equal", "Number", 2)], ["-tasks:data.größe"]),
    _q(None, ["tasks:data.v"]),
    _q(None, ["-tasks:data.s", "tasks:data.v"]),
]


def _answers(store: SQLStore, pid: int) -> list[tuple[int, list[int]]]:
    out = []
    for q in QUERIES:
        page = store.query_tasks(pid, q, PageRequest(page=1, page_size=500))
        out.append((page.total, [t.id for t in page.tasks]))
    return out


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dataindex, "MIN_TASKS", 10)


def _check_same_answers(url: str) -> None:
    plain = SQLStore(url, data_indexes=False)
    pid = plain.add_project(ProjectSettings(title="keys"), created_by=1).id
    plain.add_tasks(pid, _tasks())
    expected = _answers(plain, pid)
    assert not plain.data_indexes.names(refresh=True)

    indexed = SQLStore(url)
    first = _answers(indexed, pid)  # creates the indexes
    names = indexed.data_indexes.names(refresh=True)
    # ASCII keys got one index each; the non-ASCII key "größe" got none (its path stays bound)
    assert names == {
        _dataindex.index_name(c) for c in ("data.v", "data.s", "data.nested.x")
    }, names
    assert first == expected
    assert _answers(indexed, pid) == expected  # and again, now through the indexes
    assert _answers(plain, pid) == expected  # the store without the option: same rows
    indexed.close()
    plain.close()


def test_data_key_queries_answer_the_same_through_indexes_sqlite(
    tmp_path: Path, small_threshold: None
) -> None:
    _check_same_answers(f"sqlite:///{tmp_path / 'keys.db'}")


@pytest.mark.postgres
def test_data_key_queries_answer_the_same_through_indexes_postgres(
    pg_url: str, small_threshold: None
) -> None:
    _check_same_answers(pg_url)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLStore]:
    s = SQLStore(f"sqlite:///{tmp_path / 'x.db'}")
    yield s
    s.close()


def _project(store: SQLStore, n: int) -> int:
    pid = store.add_project(ProjectSettings(title="p"), created_by=1).id
    store.add_tasks(pid, [NewTask(data={"a": i, "b": str(i), "c": i, "d-e": i}) for i in range(n)])
    return pid


def test_small_projects_get_no_index(store: SQLStore) -> None:
    pid = _project(store, 30)
    store.query_tasks(pid, _q(None, ["tasks:data.a"]), PageRequest())
    assert not store.data_indexes.names(refresh=True)


def test_no_index_is_made_inside_a_callers_transaction(
    store: SQLStore, small_threshold: None
) -> None:
    pid = _project(store, 30)
    with store.transaction():
        page = store.query_tasks(pid, _q(None, ["-tasks:data.a"]), PageRequest(page_size=3))
    assert [t.data["a"] for t in page.tasks] == [29, 28, 27]
    assert not store.data_indexes.names(refresh=True)


def test_indexes_are_bounded_per_database(
    store: SQLStore, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_dataindex, "MAX_DATA_INDEXES", 2)
    pid = _project(store, 30)
    for key in ("a", "b", "c"):
        store.query_tasks(pid, _q(None, [f"tasks:data.{key}"]), PageRequest())
    assert len(store.data_indexes.names(refresh=True)) == 2


def test_keys_outside_the_safe_alphabet_never_reach_ddl(
    store: SQLStore, small_threshold: None
) -> None:
    """A hyphenated or non-ASCII key is valid in a query but gets no index: only ASCII
    identifiers are ever written into an index's expression, and names are hashes."""
    pid = _project(store, 30)
    page = store.query_tasks(
        pid, _q([_f("data.d-e", "less", "Number", 5)], ["-tasks:data.d-e"]), PageRequest()
    )
    assert [t.data["d-e"] for t in page.tasks] == [4, 3, 2, 1, 0]
    assert not store.data_indexes.names(refresh=True)
    assert not _dataindex.indexable("data.d-e")
    assert not _dataindex.indexable("data.größe")
    assert not _dataindex.indexable("data.a.b.c.d")  # deeper than 3
    assert _dataindex.index_name("data.a").startswith("labelcore_task_dk_")
    assert "data" not in _dataindex.index_name("data.a")[len("labelcore_task_dk_") :]


def test_a_substring_filter_alone_makes_no_index(store: SQLStore, small_threshold: None) -> None:
    """``contains`` is served by the trigram index; an index on the key would not help it."""
    pid = _project(store, 30)
    page = store.query_tasks(pid, _q([_f("data.b", "contains", "String", "2")]), PageRequest())
    assert page.total == 12  # 2, 12, 20..29
    assert not store.data_indexes.names(refresh=True)


def test_task_totals_read_the_covering_counts_index_after_a_data_key_index_exists(
    store: SQLStore, small_threshold: None
) -> None:
    """The task list's annotation/prediction sums read (project_id, total_predictions,
    total_annotations) alone: once a data-key index existed and was analyzed, SQLite's
    planner used to read the sums through it with a row lookup per task."""
    pid = _project(store, 40)
    store.query_tasks(pid, _q(None, ["tasks:data.b"]), PageRequest(page=1, page_size=5))
    assert store.data_indexes.names(refresh=True)  # the data-key index now exists
    store.engine.dispose()  # fresh connections read the new schema and statistics
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT coalesce(sum(total_annotations), 0), "
            "coalesce(sum(total_predictions), 0) FROM labelcore_task WHERE project_id = ?",
            (pid,),
        ).all()
    assert "COVERING INDEX labelcore_task_counts_ix" in " ".join(str(r[-1]) for r in plan)
    assert store.task_totals(pid, _q(None)) == (0, 0)
