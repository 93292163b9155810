"""The next-task candidates as short index walks (``storage/sql/_candidates.py``): the same
candidates, in the same order, as MemoryStore's plain sort of every open task, for every
shape of queue; uniform sampling as import order from a random turning point; and, at a
size where sorting every open task shows, plans that walk indexes instead."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from labelcore.model import Member, NewAnnotation, NewTask, ProjectSettings, SkipQueue
from labelcore.query import parse_query
from labelcore.storage.base import CandidateSpec, Store
from labelcore.storage.memory import MemoryStore
from labelcore.storage.sql import SQLStore

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
TTL = dt.timedelta(minutes=10)
ME = 7


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SQLStore]:
    url = (
        request.getfixturevalue("pg_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path / 'candidates.db'}"
    )
    s = SQLStore(url)
    yield s
    s.close()


def _fill(store: Store, skip_queue: SkipQueue) -> int:
    """Forty tasks in every state a queue meets, written the same way into any store."""
    pid = store.add_project(
        ProjectSettings(title="queue", maximum_annotations=3, skip_queue=skip_queue), 1
    ).id
    store.set_members(pid, [Member(project_id=pid, user_id=ME, role="annotator")])
    ids = store.add_tasks(pid, [NewTask(data={"i": i}) for i in range(40)])
    rng = random.Random(40)
    store.set_task_overlap(pid, {t: rng.choice((1, 2, 2, 3)) for t in ids})
    for n, task_id in enumerate(ids):
        roll = rng.random()
        others = rng.randrange(3) if roll < 0.6 else 0
        for k in range(others):  # started by others (some of them past their overlap)
            store.add_annotation(
                NewAnnotation(task_id=task_id, completed_by=100 + k, result=[]), pid
            )
        if roll < 0.1:
            store.add_annotation(NewAnnotation(task_id=task_id, completed_by=ME, result=[]), pid)
        elif roll < 0.2:  # skipped by me
            store.add_annotation(
                NewAnnotation(task_id=task_id, completed_by=ME, result=[], was_cancelled=True),
                pid,
            )
        elif roll < 0.25:
            assert store.try_claim(task_id, 200 + n, NOW, TTL)  # someone is on it
        if n % 5 == 0:
            store.assign(pid, [task_id], [ME if n % 10 == 0 else 300])
    return pid


SPECS = [
    CandidateSpec(),
    CandidateSpec(breadth_first=True),
    CandidateSpec(overlap_first=True),
    CandidateSpec(breadth_first=True, overlap_first=True),
    CandidateSpec(include_skipped_by_user=True, breadth_first=True),
    CandidateSpec(only_skipped_by_user=True),
    CandidateSpec(assigned_to=ME, breadth_first=True),
    CandidateSpec(unassigned_or_assigned_to=ME, overlap_first=True),
    CandidateSpec(order="uncertainty", breadth_first=True),
    CandidateSpec(query=parse_query({"filters": {"items": []}}), breadth_first=True),
]


@pytest.mark.parametrize("skip_queue", [SkipQueue.REQUEUE_FOR_OTHERS, SkipQueue.IGNORE_SKIPPED])
def test_the_walks_give_what_sorting_every_open_task_gives(
    sql: SQLStore, skip_queue: SkipQueue
) -> None:
    memory = MemoryStore()
    mine, theirs = _fill(sql, skip_queue), _fill(memory, skip_queue)
    offset = {t.inner_id: t.id for t in sql.get_tasks(sql.task_ids(mine, parse_query({})))}
    back = {v: k for k, v in offset.items()}
    mem_ids = {t.id: t.inner_id for t in memory.get_tasks(memory.task_ids(theirs, parse_query({})))}
    for spec in SPECS:
        for limit in (1, 5, 40):
            got = [back[t] for t in sql.next_task_candidates(mine, ME, spec, NOW, limit)]
            want = [mem_ids[t] for t in memory.next_task_candidates(theirs, ME, spec, NOW, limit)]
            assert got == want, (spec, limit)
    assert any(sql.next_task_candidates(mine, ME, spec, NOW, 40) for spec in SPECS)


def test_uniform_sampling_starts_at_a_random_point_and_wraps_round(sql: SQLStore) -> None:
    pid = _fill(sql, SkipQueue.REQUEUE_FOR_OTHERS)
    plain = sql.next_task_candidates(pid, ME, CandidateSpec(), NOW, 40)
    started = sql.next_task_candidates(pid, ME, CandidateSpec(breadth_first=True), NOW, 40)
    fresh = [t for t in started if t in plain and started.index(t) >= len(started) - len(plain)]
    firsts = set()
    for _ in range(40):
        got = sql.next_task_candidates(pid, ME, CandidateSpec(order="random"), NOW, 40)
        assert sorted(got) == sorted(plain)
        turn = plain.index(got[0])
        assert got == plain[turn:] + plain[:turn]  # import order from the turning point
        firsts.add(got[0])
        both = sql.next_task_candidates(
            pid, ME, CandidateSpec(order="random", breadth_first=True), NOW, 40
        )
        assert sorted(both) == sorted(started)
        assert both[: len(started) - len(fresh)] == started[: len(started) - len(fresh)]
    assert len(firsts) > 3  # not one fixed start


@pytest.mark.postgres
@pytest.mark.parametrize("order", ["sequential", "random"])
def test_breadth_first_walks_indexes_instead_of_sorting_the_queue(pg_url: str, order: str) -> None:
    """4,000 open tasks with overlap 2, half of them started: the candidates come from the
    started-tasks index and the queue index, each stopped at the limit, not from a sort
    of every open task (1.4 s a next task at 100,000 tasks)."""
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="walks", maximum_annotations=2), 1).id
    ids = store.add_tasks(pid, [NewTask(data={"i": i}, overlap=2) for i in range(4000)])
    with store.transaction():
        for task_id in ids[::2]:
            store.add_annotation(NewAnnotation(task_id=task_id, completed_by=5, result=[]), pid)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "lc_parts" in statement:
            seen.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", before)
    spec = CandidateSpec(order=order, breadth_first=True)
    assert len(store.next_task_candidates(pid, ME, spec, NOW, 20)) == 20
    sa.event.remove(store.engine, "before_cursor_execute", before)
    (statement, params), *_ = seen
    with store.engine.connect() as conn:
        plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + statement, params).scalars())
        assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
    store.close()
    assert "Index Scan using labelcore_task_started_ix" in plan
    assert "Seq Scan on labelcore_task " not in plan
    assert "Bitmap Heap Scan on labelcore_task " not in plan
    # one sort: the outer one, of the parts' first rows (each part is an index walk)
    sorts = [n for n, line in enumerate(plan.splitlines()) if line.strip().startswith("->  Sort")]
    assert sorts == [1]


@pytest.mark.postgres
def test_jit_is_off_unless_the_host_asks_for_it(pg_url: str) -> None:
    """A labeling statement's cost estimate passed jit_above_cost while it ran in a
    millisecond, and compiling it took 60-130 ms: labelcore's sessions run without JIT,
    and a host's own ``options`` are kept."""
    for connect_args, want in (
        (None, "off"),
        ({"options": "-c jit=on"}, "on"),
        ({"options": "-c statement_timeout=7000"}, "off"),
    ):
        kwargs = {} if connect_args is None else {"connect_args": connect_args}
        store = SQLStore(pg_url, **kwargs)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == want
            if connect_args and "statement_timeout" in connect_args["options"]:
                assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "7s"
        store.close()
