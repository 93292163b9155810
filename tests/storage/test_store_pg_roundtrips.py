"""PostgreSQL round trips on the labeling path: one-statement reads outside a transaction,
pooled connections pinged only after a rest, and the next-task candidates probing each open
task's annotations whatever the planner's statistics say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from psycopg.pq import TransactionStatus

from labelcore.model import NewAnnotation, NewTask, ProjectSettings
from labelcore.query import PageRequest, parse_query
from labelcore.storage.base import CandidateSpec
from labelcore.storage.sql import SQLStore, engine

pytestmark = pytest.mark.postgres
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
TTL = dt.timedelta(minutes=10)


@pytest.fixture()
def store(pg_url: str) -> Iterator[SQLStore]:
    s = SQLStore(pg_url)
    yield s
    s.close()


def _statuses(store: SQLStore) -> list[tuple[str, TransactionStatus]]:
    """(statement, the connection's transaction status right after it) for every statement."""
    seen: list[tuple[str, TransactionStatus]] = []

    def after(conn: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        seen.append((" ".join(statement.split()), raw.info.transaction_status))

    sa.event.listen(store.engine, "after_cursor_execute", after)
    return seen


def _project(store: SQLStore, tasks: int = 3, **settings: Any) -> tuple[int, list[int]]:
    project = store.add_project(ProjectSettings(title="round trips", **settings), created_by=1)
    ids = store.add_tasks(project.id, [NewTask(data={"text": f"t{i}"}) for i in range(tasks)])
    return project.id, list(ids)


def test_labeling_reads_run_outside_a_transaction(store: SQLStore) -> None:
    project_id, (task_id, *_) = _project(store)
    seen = _statuses(store)
    with store.reading():
        assert store.get_task(task_id) is not None
        assert store.get_project(project_id) is not None
        assert store.list_members(project_id) == []
    assert store.get_bundle(task_id) is not None
    spec = CandidateSpec(order="sequential", breadth_first=False, overlap_first=False)
    assert store.next_task_candidates(project_id, 7, spec, NOW, 5)
    assert store.list_webhooks(project_id) == []
    assert seen and {status for _, status in seen} == {TransactionStatus.IDLE}
    # the pooled connection is back to transactions for the next writer
    seen.clear()
    assert store.try_claim(task_id, 7, NOW, TTL)
    assert seen and {status for _, status in seen} == {TransactionStatus.INTRANS}


def test_a_read_that_sets_a_local_limit_inside_reading_gets_its_transaction(
    store: SQLStore,
) -> None:
    # the regex filter's statement_timeout is SET LOCAL: outside a transaction PostgreSQL
    # would ignore it, and a slow regex would run unbounded
    project_id, ids = _project(store)
    query = parse_query(
        {
            "filters": {
                "conjunction": "and",
                "items": [
                    {
                        "filter": "filter:tasks:data.text",
                        "operator": "regex",
                        "type": "String",
                        "value": "^t[01]$",
                    }
                ],
            }
        }
    )
    seen = _statuses(store)
    with store.reading():
        assert store.task_totals(project_id, query) == (0, 0)
        assert sorted(store.task_ids(project_id, query)) == ids[:2]
    limits = [status for text, status in seen if "statement_timeout" in text]
    assert limits and set(limits) == {TransactionStatus.INTRANS}
    assert store.list_members(project_id) == []  # the connection went back idle, usable


def _backend_pid(store: SQLStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(admin_url: str, pid: int) -> None:
    dsn = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_pooled_connection_closed_while_it_rested_is_replaced(
    store: SQLStore, pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, _ = _project(store)
    monkeypatch.setattr(engine, "PING_IDLE_AFTER", 0.0)  # every rest is long enough
    old = _backend_pid(store)
    _terminate(pg_server, old)  # what a server restart or an idle timeout does
    assert store.get_project(project_id) is not None  # no error: pinged, replaced
    assert _backend_pid(store) != old


def test_a_connection_in_use_a_moment_ago_is_not_pinged(
    store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, _ = _project(store)
    pings = [0]
    real = store.engine.dialect.do_ping

    def counting(dbapi: Any) -> bool:
        pings[0] += 1
        return bool(real(dbapi))

    monkeypatch.setattr(store.engine.dialect, "do_ping", counting)
    monkeypatch.setattr(engine, "PING_IDLE_AFTER", 3600.0)
    for _ in range(5):
        assert store.get_project(project_id) is not None
    assert pings[0] == 0
    monkeypatch.setattr(engine, "PING_IDLE_AFTER", 0.0)
    assert store.get_project(project_id) is not None
    assert pings[0] == 1


def test_pool_pre_ping_asked_for_pings_every_checkout(pg_url: str) -> None:
    s = SQLStore(pg_url, pool_pre_ping=True)
    try:
        assert s.engine.pool._pre_ping  # type: ignore[attr-defined]
        assert not sa.event.contains(s.engine, "checkout", engine._ping_when_idle)
    finally:
        s.close()


def _candidate_plan(store: SQLStore, project_id: int, spec: CandidateSpec) -> str:
    captured: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        flat = " ".join(statement.split())
        # breadth first: the parts' statement opens with its CTE (the top count, lc_top)
        starts = ("SELECT labelcore_task.id FROM labelcore_task", "SELECT lc_parts.id", "WITH")
        if flat.startswith(starts):
            captured.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", before)
    ids = store.next_task_candidates(project_id, 7, spec, NOW, 5)
    sa.event.remove(store.engine, "before_cursor_execute", before)
    assert ids and captured
    statement, params = captured[-1]
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN " + statement, params).scalars()
        return "\n".join(rows)


@pytest.mark.parametrize("breadth_first", [False, True])
def test_candidates_probe_each_task_whatever_the_statistics(
    store: SQLStore, breadth_first: bool
) -> None:
    project_id, ids = _project(store, tasks=40, maximum_annotations=2 if breadth_first else 1)
    with store.engine.connect() as conn:  # statistics of an empty annotation table
        conn.exec_driver_sql("ANALYZE labelcore_annotation")
        conn.commit()
    for n, task_id in enumerate(ids[:20]):
        store.add_annotation(
            NewAnnotation(task_id=task_id, completed_by=100 + n % 3, result=[]), project_id
        )
    spec = CandidateSpec(order="sequential", breadth_first=breadth_first, overlap_first=False)
    plan = _candidate_plan(store, project_id, spec)
    # flattened into an anti join, the estimate of one annotation row made PostgreSQL scan
    # the whole annotation table once per open task
    assert "Anti Join" not in plan
    if not breadth_first:  # walks the queue index in inner_id order and stops at the limit
        assert "Sort" not in plan


def test_reads_nested_in_a_transaction_read_inside_reading_share_it(store: SQLStore) -> None:
    project_id, (task_id, *_) = _project(store)
    seen = _statuses(store)
    with store.reading(), store._tx(write=False) as conn:
        conn.exec_driver_sql("SET LOCAL statement_timeout = 1234")
        with store._tx(write=False):  # e.g. a helper of the read opening its own
            assert store.get_task(task_id) is not None
        timeout = conn.exec_driver_sql("SHOW statement_timeout").scalar()
    assert timeout == "1234ms"  # the outer transaction was not committed by the inner read
    inside = [status for text, status in seen if text not in ("BEGIN", "COMMIT")]
    assert inside and set(inside) == {TransactionStatus.INTRANS}
    assert [text for text, _ in seen].count("COMMIT") == 1
    assert store.get_project(project_id) is not None


def test_a_filtered_page_counts_over_ids_and_reads_its_rows_after(store: SQLStore) -> None:
    """A filtered page counts its matches in the same pass (count(*) OVER ()): over the ids
    and sort keys only, then reads its own rows by id. Over whole rows the window kept
    every match's data until it had counted them, spilled to disk, and kept the scan on one
    process (1,000,000 tasks, contains: 650 -> 350 ms under load)."""
    project_id, ids = _project(store, tasks=60)
    query = parse_query(
        {
            "filters": {
                "items": [
                    {
                        "filter": "filter:tasks:data.text",
                        "operator": "contains",
                        "type": "String",
                        "value": "t1",
                    }
                ]
            },
            "ordering": ["-tasks:data.text"],
        }
    )
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(store.engine, "before_cursor_execute", before)
    page = store.query_tasks(project_id, query, PageRequest(page=1, page_size=5))
    sa.event.remove(store.engine, "before_cursor_execute", before)
    want = sorted(
        (t for t in store.get_tasks(ids) if "t1" in t.data["text"]),
        key=lambda t: t.data["text"],
        reverse=True,
    )
    assert page.total == len(want) == 11
    assert [t.id for t in page.tasks] == [t.id for t in want[:5]]
    assert page.tasks == want[:5]  # whole rows, data included
    (windowed,) = [s for s in seen if "OVER ()" in s]
    assert "labelcore_task.meta" not in windowed.split(" FROM ")[0]  # not the whole row
    rest = store.query_tasks(
        project_id, query, PageRequest(page=3, page_size=5)
    )  # past the middle: offsets work the same
    assert [t.id for t in rest.tasks] == [t.id for t in want[10:]]
