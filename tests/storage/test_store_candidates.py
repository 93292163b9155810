"""The next-task candidates as short index walks (``storage/sql/_candidates.py``): the same
candidates, in the same order, as MemoryStore's plain sort of every open task, for every
shape of queue; uniform sampling as import order from a random turning point; and, at a
size where sorting every open task shows, plans that walk indexes instead."""

from __future__ import annotations

import collections
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from labelcore.model import (
    Member,
    NewAnnotation,
    NewPrediction,
    NewTask,
    ProjectSettings,
    SkipQueue,
)
from labelcore.query import parse_query
from labelcore.storage.base import CandidateSpec, Store
from labelcore.storage.memory import MemoryStore
from labelcore.storage.sql import SQLStore, _candidates

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
TTL = dt.timedelta(minutes=10)
ME = 7


def _fill(store: Store, skip_queue: SkipQueue, seed: int = 40) -> int:
    """Forty tasks in every state a queue meets, written the same way into any store."""
    pid = store.add_project(
        ProjectSettings(title="queue", maximum_annotations=3, skip_queue=skip_queue), 1
    ).id
    store.set_members(pid, [Member(project_id=pid, user_id=ME, role="annotator")])
    ids = store.add_tasks(pid, [NewTask(data={"i": i}) for i in range(40)])
    rng = random.Random(seed)
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
    # predictions: none, unscored, one or several scores (ties included)
    scores = [rng.choice((None, 0.1, 0.5, 0.5, 0.9)) for _ in ids]
    store.add_predictions(
        [
            NewPrediction(task_id=t, result=[], score=score)
            for t, score in zip(ids, scores)
            for _ in range(1 + (t % 3 == 0))
            if t % 4
        ]
        + [NewPrediction(task_id=t, result=[], score=0.3) for t in ids[::7]],
        pid,
    )
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
    CandidateSpec(order="uncertainty"),
    CandidateSpec(order="uncertainty", breadth_first=True),
    CandidateSpec(order="uncertainty", overlap_first=True),
    CandidateSpec(order="uncertainty", assigned_to=ME),
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


LEVELED = [
    CandidateSpec(order="uncertainty", breadth_first=True),
    CandidateSpec(order="uncertainty", breadth_first=True, assigned_to=ME),
    CandidateSpec(order="uncertainty", breadth_first=True, unassigned_or_assigned_to=ME),
    CandidateSpec(overlap_first=True),
    CandidateSpec(breadth_first=True, overlap_first=True),
    CandidateSpec(breadth_first=True, overlap_first=True, include_skipped_by_user=True),
    CandidateSpec(overlap_first=True, only_skipped_by_user=True),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("sorted_max", [0, 500])
def test_the_levels_and_parts_give_what_sorting_every_open_task_gives(
    sql: SQLStore, seed: int, sorted_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random projects: the parts run in turn (overlap first, started first, own skips last)
    and the started tasks level by level, each level sorted (``sorted_max`` 500) or walked
    in score order (0: every level counts as large), give MemoryStore's order."""
    monkeypatch.setattr(_candidates, "LEVEL_SORTED", sorted_max)
    memory = MemoryStore()
    rule = SkipQueue.REQUEUE_FOR_ME if seed % 2 else SkipQueue.IGNORE_SKIPPED
    mine, theirs = _fill(sql, rule, seed), _fill(memory, rule, seed)
    back = {t.id: t.inner_id for t in sql.get_tasks(sql.task_ids(mine, parse_query({})))}
    mem_ids = {t.id: t.inner_id for t in memory.get_tasks(memory.task_ids(theirs, parse_query({})))}
    for spec in LEVELED:
        for limit in (1, 3, 40):
            got = [back[t] for t in sql.next_task_candidates(mine, ME, spec, NOW, limit)]
            want = [mem_ids[t] for t in memory.next_task_candidates(theirs, ME, spec, NOW, limit)]
            assert got == want, (spec, limit)


def test_uniform_sampling_draws_within_the_most_started_level(sql: SQLStore) -> None:
    """Breadth first with uniform sampling, a level too large to sort (800 tasks with two
    annotations): the candidates are drawn from it alone (not from the 100 tasks with one),
    and each of its 100 open tasks (the user skipped the other 700) comes first about as
    often as any other."""
    pid = sql.add_project(ProjectSettings(title="levels", maximum_annotations=3), 1).id
    ids = sql.add_tasks(pid, [NewTask(data={"i": i}, overlap=3) for i in range(1000)])
    with sql.transaction():
        for n, task_id in enumerate(ids[:900]):
            for who in (5, 6) if n < 800 else (5,):
                sql.add_annotation(NewAnnotation(task_id=task_id, completed_by=who, result=[]), pid)
            if n < 700:
                skip = NewAnnotation(
                    task_id=task_id, completed_by=ME, result=[], was_cancelled=True
                )
                sql.add_annotation(skip, pid)
    spec = CandidateSpec(order="random", breadth_first=True)
    firsts: collections.Counter[int] = collections.Counter()
    for _ in range(400):
        got = sql.next_task_candidates(pid, ME, spec, NOW, 20)
        assert got and set(got) <= set(ids[700:800]) and len(set(got)) == len(got)
        firsts[got[0]] += 1
    assert max(firsts.values()) < 20  # 4 expected each
    assert len(firsts) > 60


def test_uniform_sampling_is_uniform_among_the_open_tasks(sql: SQLStore) -> None:
    """1,000 tasks, the first 900 labeled: each of the 100 open ones comes first about as
    often as any other (found in review: a rotation from a random inner id put task 901
    first ~90% of the time), and the draws never return a closed task."""
    pid = sql.add_project(ProjectSettings(title="uniform"), 1).id
    ids = sql.add_tasks(pid, [NewTask(data={"i": i}) for i in range(1000)])
    with sql.transaction():
        for task_id in ids[:900]:
            sql.add_annotation(NewAnnotation(task_id=task_id, completed_by=5, result=[]), pid)
    firsts: collections.Counter[int] = collections.Counter()
    for _ in range(400):
        got = sql.next_task_candidates(pid, ME, CandidateSpec(order="random"), NOW, 20)
        assert got and set(got) <= set(ids[900:]) and len(set(got)) == len(got)
        firsts[got[0]] += 1
    assert max(firsts.values()) < 20  # 4 expected each; a rotation gave one task ~360
    assert len(firsts) > 60  # most of the 100 open tasks came first at least once


def test_uniform_sampling_of_a_small_project_returns_every_open_task(sql: SQLStore) -> None:
    pid = _fill(sql, SkipQueue.REQUEUE_FOR_OTHERS)
    plain = sql.next_task_candidates(pid, ME, CandidateSpec(), NOW, 40)
    started = sql.next_task_candidates(pid, ME, CandidateSpec(breadth_first=True), NOW, 40)
    totals = {t.id: t.total_annotations for t in sql.get_tasks(started)}
    firsts = set()
    for _ in range(30):
        got = sql.next_task_candidates(pid, ME, CandidateSpec(order="random"), NOW, 40)
        assert sorted(got) == sorted(plain)
        firsts.add(got[0])
        both = sql.next_task_candidates(
            pid, ME, CandidateSpec(order="random", breadth_first=True), NOW, 40
        )
        assert sorted(both) == sorted(started)
        # most annotations first, in random order within a count
        assert [totals[t] for t in both] == sorted((totals[t] for t in both), reverse=True)
    assert len(firsts) > 3


def _walked(pg_url: str) -> tuple[SQLStore, int]:
    """4,000 open tasks with overlap 2, half of them started, analyzed."""
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="walks", maximum_annotations=2), 1).id
    ids = store.add_tasks(pid, [NewTask(data={"i": i}, overlap=2) for i in range(4000)])
    with store.transaction():
        for task_id in ids[::2]:
            store.add_annotation(NewAnnotation(task_id=task_id, completed_by=5, result=[]), pid)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return store, pid


def _captured(
    store: SQLStore, call: Callable[[], Any], keep: Callable[[str], bool], found: bool = True
) -> list[tuple[str, Any]]:
    """(statement, parameters) of the statements ``call`` makes that ``keep`` keeps; the call
    finds something (``found``) or nothing, as the test expects."""
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if keep(statement) and not statement.startswith("EXPLAIN"):
            seen.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", before)
    try:
        assert bool(call()) is found
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", before)
    return seen


def _statements(
    store: SQLStore,
    pid: int,
    spec: CandidateSpec,
    keep: Callable[[str], bool],
    user: int = ME,
    found: bool = True,
) -> list[tuple[str, Any]]:
    """(statement, parameters) of the statements one next_task_candidates call (of ``user``)
    makes that ``keep`` keeps; the call finds candidates (``found``) or none."""
    call = lambda: store.next_task_candidates(pid, user, spec, NOW, 20)  # noqa: E731
    return _captured(store, call, keep, found)


def _plans(store: SQLStore, pid: int, spec: CandidateSpec) -> list[tuple[str, str]]:
    """(statement, plan) of each task-table statement one next_task_candidates call makes."""
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        reads_tasks = "FROM labelcore_task" in statement or "JOIN labelcore_task" in statement
        if reads_tasks and not statement.startswith("EXPLAIN"):
            seen.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", before)
    assert len(store.next_task_candidates(pid, ME, spec, NOW, 20)) >= 1
    sa.event.remove(store.engine, "before_cursor_execute", before)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
        return [
            (s, "\n".join(conn.exec_driver_sql("EXPLAIN " + s, p).scalars())) for s, p in seen
        ]


@pytest.mark.postgres
def test_breadth_first_walks_indexes_instead_of_sorting_the_queue(pg_url: str) -> None:
    """The candidates come from the started-tasks index and the queue, each walk stopped at
    the limit, not from a sort of every open task (1.4 s a next task at 100,000 tasks)."""
    store, pid = _walked(pg_url)
    (_, level), (_, plan) = _plans(store, pid, CandidateSpec(breadth_first=True))
    store.close()
    # the count to start from is probed first (BreadthFirst.level), then the walk
    assert "labelcore_task_sole_ix" in level and "Sort" not in level
    assert "Index Scan using labelcore_task_started_ix" in plan
    for read in (level, plan):
        assert "Seq Scan on labelcore_task " not in read
        assert "Bitmap Heap Scan on labelcore_task " not in read
    # one sort: the outer one, of the parts' first rows (each part is an index walk)
    sorts = [line for line in plan.splitlines() if line.strip().startswith("->  Sort")]
    assert [line.index("->") for line in sorts] == [2]


def _walked_and_scored(pg_url: str) -> tuple[SQLStore, int]:
    """``_walked``'s project with a scored prediction on every task, analyzed."""
    store, pid = _walked(pg_url)
    task_ids = list(store.task_ids(pid, parse_query({})))
    store.add_predictions(
        [NewPrediction(task_id=t, result=[], score=(t * 37 % 101) / 101) for t in task_ids],
        pid,
    )
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return store, pid


@pytest.mark.postgres
def test_uncertainty_sampling_reads_predictions_in_score_order(pg_url: str) -> None:
    """The least sure open tasks come from the scored predictions' index in score order,
    each joined to its task and checked, stopped at the limit; then the unscored tasks from
    the queue. No statement computes every open task's score (0.3-1 s at 100,000)."""
    store, pid = _walked_and_scored(pg_url)
    plans = _plans(store, pid, CandidateSpec(order="uncertainty"))
    store.close()
    assert any("labelcore_prediction_score_ix" in plan for _, plan in plans)
    for _, plan in plans:
        assert "Seq Scan on labelcore_task " not in plan
        assert "Seq Scan on labelcore_prediction " not in plan


@pytest.mark.postgres
def test_uniform_sampling_reads_the_drawn_tasks_not_the_queue(pg_url: str) -> None:
    """Uniform sampling: with breadth first the started tasks through their index, and the
    tasks at the drawn inner ids through the (project_id, inner_id) index; no statement
    sorts or scans every open task."""
    store, pid = _walked(pg_url)
    plans = _plans(store, pid, CandidateSpec(order="random", breadth_first=True))
    plans += _plans(store, pid, CandidateSpec(order="random"))  # the draws
    store.close()
    assert any("labelcore_task_started_ix" in plan for _, plan in plans)
    assert any("labelcore_task_inner_uq" in plan for _, plan in plans)
    for _, plan in plans:
        assert "Seq Scan on labelcore_task " not in plan
        if "Bitmap Heap Scan on labelcore_task " in plan:  # only the drawn rows
            assert "inner_id = ANY" in plan


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("connect_args", "url_options", "env", "jit", "timeout"),
    [
        (None, None, None, "off", "0"),
        ({"options": "-c jit=on"}, None, None, "on", "0"),
        ({"options": "-c statement_timeout=7000"}, None, None, "off", "7s"),
        (None, "-c statement_timeout=7000", None, "off", "7s"),
        (None, "-c jit=on", None, "on", "0"),
        (None, None, "-c statement_timeout=7000", "off", "7s"),
        (None, None, "-c jit=on", "on", "0"),
    ],
)
def test_jit_is_off_unless_the_host_chose_and_its_options_are_kept(
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    connect_args: dict[str, str] | None,
    url_options: str | None,
    env: str | None,
    jit: str,
    timeout: str,
) -> None:
    """A labeling statement's cost estimate passed jit_above_cost while it ran in a
    millisecond, and compiling it took 60-130 ms: labelcore's sessions run without JIT (a
    SET on each new connection, which PgBouncer passes on), unless the host set it in
    ``connect_args``, the URL's ``options`` or ``PGOPTIONS``; their other options stay
    (found in review: a startup option replaced them)."""
    if env is not None:
        monkeypatch.setenv("PGOPTIONS", env)
    else:
        monkeypatch.delenv("PGOPTIONS", raising=False)
    url = sa.make_url(pg_url)
    if url_options is not None:
        url = url.update_query_dict({"options": url_options})
    kwargs = {} if connect_args is None else {"connect_args": connect_args}
    store = SQLStore(url.render_as_string(hide_password=False), **kwargs)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == jit
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == timeout
    finally:
        store.close()


def _task_rows_read(
    store: SQLStore, pid: int, spec: CandidateSpec, user: int = ME, found: bool = True
) -> int:
    """Rows of labelcore_task that one next_task_candidates call reads."""
    call = lambda: store.next_task_candidates(pid, user, spec, NOW, 20)  # noqa: E731
    return _rows_read(store, call, found=found)


def _rows_read(
    store: SQLStore,
    call: Callable[[], Any],
    *,
    removed: bool = False,
    found: bool = True,
    table: str = "labelcore_task",
) -> int:
    """PostgreSQL: rows of ``table`` that ``call`` reads (each of its statements'
    ``EXPLAIN ANALYZE``: rows returned and removed by filters, over all loops); with
    ``removed``, only the rows its filters threw away."""
    seen = _captured(store, call, lambda statement: table in statement, found)

    def read(node: dict[str, Any]) -> int:
        rows = 0
        if node.get("Relation Name") == table:
            kept = 0 if removed else node["Actual Rows"]
            rows += (kept + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        return rows + sum(read(child) for child in node.get("Plans", []))

    with store.engine.connect() as conn:
        return sum(
            read(conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + s, p).scalar()[0]["Plan"])
            for s, p in seen
        )


@pytest.mark.postgres
def test_overlap_first_finds_no_overlap_task_without_reading_the_queue(pg_url: str) -> None:
    """show_overlap_first in a project of overlap 1: the open tasks with overlap > 1 come
    from their own partial index, empty here, so the next task reads ~20 rows (the
    overlap > 1 part read every open task to find none: 25-270 ms at 100,000 tasks)."""
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="ones"), 1).id
    ids = store.add_tasks(pid, [NewTask(data={"i": i}) for i in range(4000)])
    with store.transaction():
        for task_id in ids[:1000]:
            store.add_annotation(NewAnnotation(task_id=task_id, completed_by=5, result=[]), pid)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    try:
        assert _task_rows_read(store, pid, CandidateSpec(overlap_first=True)) < 100
        (_, plan), *_ = _plans(store, pid, CandidateSpec(overlap_first=True))
        assert "labelcore_task_overlap_ix" in plan
    finally:
        store.close()


def test_overlap_first_walks_the_overlap_index_on_sqlite(tmp_path: Path) -> None:
    """SQLite takes the partial index too (its statistics, averaged over all projects, made
    it prefer the queue index while the part wrote ``is_labeled = 0``)."""
    store = SQLStore(f"sqlite:///{tmp_path / 'overlap.db'}")
    ones = store.add_project(ProjectSettings(title="ones"), 1).id
    twos = store.add_project(ProjectSettings(title="twos", maximum_annotations=2), 1).id
    store.add_tasks(ones, [NewTask(data={"i": i}) for i in range(300)])
    store.add_tasks(twos, [NewTask(data={"i": i}, overlap=2) for i in range(100)])
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    spec = CandidateSpec(overlap_first=True)
    seen = _statements(store, ones, spec, lambda statement: "FROM labelcore_task" in statement)
    with store.engine.connect() as conn:
        first = " ".join(
            r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + seen[0][0], seen[0][1])
        )
    store.close()
    assert "labelcore_task_overlap_ix" in first


@pytest.mark.postgres
@pytest.mark.parametrize(
    "spec",
    [
        CandidateSpec(breadth_first=True, overlap_first=True),  # no task of overlap 1
        CandidateSpec(order="random", breadth_first=True),
        CandidateSpec(order="uncertainty", breadth_first=True),
    ],
    ids=["overlap-first", "uniform", "uncertainty"],
)
def test_half_done_tasks_are_not_sorted(pg_url: str, spec: CandidateSpec) -> None:
    """2,000 of 4,000 open tasks half done: the next task reads a bounded number of task
    rows, not all 2,000 started ones (sorted by random() or score: 0.1-0.7 s with 50,000
    of them at 100,000 tasks), nor the overlap-1 side of show_overlap_first to its end."""
    store, pid = _walked_and_scored(pg_url)
    try:
        # a level's first 501 entries are counted from the index (LEVEL_SORTED)
        assert _task_rows_read(store, pid, spec) < 900
    finally:
        store.close()


@pytest.mark.parametrize("order", ["random", "uncertainty"])
def test_the_levels_are_read_from_the_started_index_on_sqlite(tmp_path: Path, order: str) -> None:
    """A level's probes and its sort read labelcore_task_started_ix (whether its tasks are
    all the user's alone: labelcore_task_sole_ix): with the count as an equality SQLite
    preferred the queue index and walked every open task of the project to find the
    level's few (found while measuring a project with 10 started tasks)."""
    store = SQLStore(f"sqlite:///{tmp_path / 'levels.db'}")
    pid = store.add_project(ProjectSettings(title="few", maximum_annotations=2), 1).id
    ids = store.add_tasks(pid, [NewTask(data={"i": i}, overlap=2) for i in range(600)])
    for task_id in ids[100::100]:
        store.add_annotation(NewAnnotation(task_id=task_id, completed_by=5, result=[]), pid)
    store.add_predictions([NewPrediction(task_id=t, result=[], score=0.5) for t in ids], pid)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    spec = CandidateSpec(order=order, breadth_first=True)
    seen = _statements(store, pid, spec, lambda statement: "total_annotations <=" in statement)
    with store.engine.connect() as conn:
        plans = [
            [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p)] for s, p in seen
        ]
    store.close()
    assert len(plans) >= 2  # the level, then its sort
    for plan in plans:
        tasks = [line for line in plan if "labelcore_task " in line + " "]
        started = ("labelcore_task_started_ix", "labelcore_task_sole_ix")  # both: started tasks
        assert tasks and all(any(ix in line for ix in started) for line in tasks), plan
