"""The next task of an annotator far ahead of the others (breadth first): the counts of
annotations whose started tasks are all the user's alone are passed with two index probes
(``labelcore_task.sole_annotator``, migration 0019), and the tasks nobody has started come
from their own index. The same candidates, in the same order, as MemoryStore's sort of
every open task; ``sole_annotator`` kept by every write path; and a bounded read where the
walk read every task the user had done."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_store_candidates import NOW, TTL, _task_rows_read

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
from labelcore.storage.sql.tables import encode_user

ME, FOLLOWER, OTHER, NEW = 7, 101, 102, 555


def _ann(who: Any, skip: bool = False) -> NewAnnotation:
    return NewAnnotation(result=[], completed_by=who, was_cancelled=skip)


def _fill(store: Store, rule: SkipQueue, seed: int) -> int:
    """Sixty tasks where ME is ahead: a run of tasks only ME annotated (some twice, some
    imported with the task, some with a skip by another), FOLLOWER on part of ME's, OTHER
    alone on a few, annotations without a user, skips, claims, an update, a delete and an
    anonymised user; written the same way into any store."""
    rng = random.Random(seed)
    pid = store.add_project(
        ProjectSettings(title="ahead", maximum_annotations=3, skip_queue=rule), 1
    ).id
    store.set_members(pid, [Member(project_id=pid, user_id=ME, role="annotator")])
    imported = []
    for i in range(20):  # annotations imported with their task (import_counts)
        anns: list[NewAnnotation] = []
        roll = rng.random()
        if roll < 0.5:
            anns = [_ann(ME)] * (1 + (rng.random() < 0.2))
        elif roll < 0.6:
            anns = [_ann(ME), _ann(OTHER, skip=True)]
        elif roll < 0.7:
            anns = [_ann(None)]
        elif roll < 0.8:
            anns = [_ann(OTHER)]
        elif roll < 0.85:
            anns = [_ann(ME, skip=True)]
        imported.append(
            NewTask(data={"i": i}, overlap=rng.choice((1, 2, 2, 3)), annotations=tuple(anns))
        )
    ids = store.add_tasks(pid, imported)
    ids += store.add_tasks(
        pid, [NewTask(data={"i": i}, overlap=rng.choice((2, 2, 3))) for i in range(20, 60)]
    )
    added = []
    ahead = rng.randrange(30, 45)
    for n, task_id in enumerate(ids[20:], start=20):
        if n < ahead and rng.random() < 0.9:  # ME's run (annotated one by one: the recount)
            added.append(store.add_annotation(NewAnnotation(task_id=task_id, **_kw(ME)), pid))
            if rng.random() < 0.15:
                store.add_annotation(NewAnnotation(task_id=task_id, **_kw(ME)), pid)
            if n < 26 and rng.random() < 0.6:
                store.add_annotation(NewAnnotation(task_id=task_id, **_kw(FOLLOWER)), pid)
        elif rng.random() < 0.2:
            store.add_annotation(NewAnnotation(task_id=task_id, **_kw(OTHER)), pid)
        elif rng.random() < 0.1:
            store.add_annotation(NewAnnotation(task_id=task_id, **_kw(ME, skip=True)), pid)
        elif rng.random() < 0.1:
            assert store.try_claim(task_id, 300 + n, NOW, TTL)
    # ME's annotation becomes a skip, one is deleted, one changes hands
    first, second, third = added[0], added[1], added[2]
    store.update_annotation(first.id, updated_by=ME, action="skipped", was_cancelled=True)
    store.delete_annotations([second.id])
    store.update_annotation(third.id, updated_by=1, action="updated", completed_by=OTHER)
    store.anonymise_annotations(OTHER, None)
    return pid


def _kw(who: Any, skip: bool = False) -> dict[str, Any]:
    return {"completed_by": who, "result": [], "was_cancelled": skip}


SPECS = [
    CandidateSpec(breadth_first=True),
    CandidateSpec(breadth_first=True, overlap_first=True),
    CandidateSpec(breadth_first=True, include_skipped_by_user=True),
    CandidateSpec(breadth_first=True, only_skipped_by_user=True),
    CandidateSpec(breadth_first=True, assigned_to=ME),
    CandidateSpec(order="uncertainty", breadth_first=True),
    CandidateSpec(breadth_first=True, query=parse_query({"filters": {"items": []}})),
    # show_overlap_first under sampling: its parts, each sampled (SampledParts)
    CandidateSpec(order="uncertainty", breadth_first=True, overlap_first=True),
    CandidateSpec(order="uncertainty", overlap_first=True, only_skipped_by_user=True),
    CandidateSpec(order="uncertainty", overlap_first=True, assigned_to=ME),
    CandidateSpec(only_skipped_by_user=True),
    CandidateSpec(order="uncertainty", breadth_first=True, only_skipped_by_user=True),
]
UNIFORM = [
    CandidateSpec(order="random", breadth_first=True),
    CandidateSpec(order="random", breadth_first=True, overlap_first=True),
    CandidateSpec(order="random", overlap_first=True),
    # requeue_for_me's last pass: the user's own skipped tasks (from their skips)
    CandidateSpec(order="random", breadth_first=True, only_skipped_by_user=True),
    CandidateSpec(order="random", overlap_first=True, only_skipped_by_user=True),
]


def _keys(store: Store, spec: CandidateSpec, task_ids: list[int]) -> list[tuple[int, int]]:
    """The leading keys of the queue's order (overlap first, most annotations) per task."""
    tasks = {t.id: t for t in store.get_tasks(task_ids)}
    return [
        (
            -int(tasks[t].overlap > 1) if spec.overlap_first else 0,
            -tasks[t].total_annotations if spec.breadth_first else 0,
        )
        for t in task_ids
    ]


def _inner(store: Store, pid: int) -> dict[int, int]:
    return {t.id: t.inner_id for t in store.get_tasks(store.task_ids(pid, parse_query({})))}


def same_order(
    sql: SQLStore,
    memory: MemoryStore,
    mine: int,
    theirs: int,
    users: tuple[Any, ...],
    specs: list[CandidateSpec],
) -> None:
    """The same project (``mine`` in ``sql``, ``theirs`` in ``memory``): each user's
    candidates in each queue, at a few limits, are the same tasks in the same order."""
    sql_inner, mem_inner = _inner(sql, mine), _inner(memory, theirs)
    for user in users:
        for spec in specs:
            for limit in (1, 3, 60):
                got = sql.next_task_candidates(mine, user, spec, NOW, limit)
                want = memory.next_task_candidates(theirs, user, spec, NOW, limit)
                assert [sql_inner[t] for t in got] == [mem_inner[t] for t in want], (
                    user,
                    spec,
                    limit,
                )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("sorted_max", [0, 500])
def test_a_user_far_ahead_gets_what_sorting_every_open_task_gives(
    sql: SQLStore, seed: int, sorted_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MemoryStore's order for each user and queue; uniform sampling: the same tasks, the
    queue's leading keys in order. ``sorted_max`` 0: every level and part counts as large
    (walked or drawn), 500: sorted whole."""
    monkeypatch.setattr(_candidates, "LEVEL_SORTED", sorted_max)
    rule = (SkipQueue.REQUEUE_FOR_ME, SkipQueue.IGNORE_SKIPPED, SkipQueue.REQUEUE_FOR_OTHERS)[
        seed % 3
    ]
    memory = MemoryStore()
    mine, theirs = _fill(sql, rule, seed), _fill(memory, rule, seed)
    same_order(sql, memory, mine, theirs, (ME, FOLLOWER, OTHER, NEW), SPECS)
    sql_inner, mem_inner = _inner(sql, mine), _inner(memory, theirs)
    for user in (ME, FOLLOWER, OTHER, NEW):
        # uniform sampling: the open tasks (a project this small is sorted at random whole),
        # the most started level that is not all the user's alone first
        for spec in UNIFORM:
            every = memory.next_task_candidates(theirs, user, spec, NOW, 60)
            drawn = sql.next_task_candidates(mine, user, spec, NOW, 60)
            assert sorted(sql_inner[t] for t in drawn) == sorted(mem_inner[t] for t in every)
            assert _keys(sql, spec, drawn) == sorted(_keys(sql, spec, drawn)), spec


@pytest.mark.parametrize("sorted_max", [0, 500])
def test_a_user_and_a_follower_get_what_sorting_every_open_task_gives(
    sql: SQLStore, sorted_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Overlap 3, ME ahead and FOLLOWER on most of ME's tasks (``3f``, 200 tasks): the
    counts whose tasks are all theirs are passed over, and each user still gets MemoryStore's
    order (uniform sampling: the same tasks, most annotations first)."""
    monkeypatch.setattr(_candidates, "LEVEL_SORTED", sorted_max)
    memory = MemoryStore()
    mine, theirs = _ahead_project(sql, "3f", 200), _ahead_project(memory, "3f", 200)
    sql_inner, mem_inner = _inner(sql, mine), _inner(memory, theirs)
    for user in (ME, FOLLOWER, OTHER):
        for spec in [*ORDERS[::2], *SPECS[1:3]]:
            for limit in (1, 20):
                got = sql.next_task_candidates(mine, user, spec, NOW, limit)
                want = memory.next_task_candidates(theirs, user, spec, NOW, limit)
                assert [sql_inner[t] for t in got] == [mem_inner[t] for t in want], (user, spec)
        every = memory.next_task_candidates(theirs, user, ORDERS[1], NOW, 200)
        drawn = sql.next_task_candidates(mine, user, ORDERS[1], NOW, 200)
        assert sorted(sql_inner[t] for t in drawn) == sorted(mem_inner[t] for t in every)
        assert _keys(sql, ORDERS[1], drawn) == sorted(_keys(sql, ORDERS[1], drawn))


def _sole(annotations: list[Any]) -> str | None:
    live = {encode_user(a.completed_by) for a in annotations if not a.was_cancelled}
    if not live:
        return None
    if None in live or len(live) > 2:
        return ""
    return "\x1f".join(sorted(str(u) for u in live))  # one user, or a pair


@pytest.mark.parametrize("seed", [1, 2])
def test_every_write_keeps_the_sole_annotator(sql: SQLStore, seed: int) -> None:
    """``sole_annotator`` is the one user of a task's annotations that are not skips, or
    the two joined by 0x1f in code point order ("" for more, or one without an id; NULL
    for none) after imports with annotations, submits,
    skips, updates (a skip, a new annotator), deletes and an anonymised user; and again after
    a recount from the rows."""
    pid = _fill(sql, SkipQueue.REQUEUE_FOR_ME, seed)

    def stored() -> dict[int, str | None]:
        with sql.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, sole_annotator FROM labelcore_task WHERE project_id = :p"),
                {"p": pid},
            )
            return {r.id: r.sole_annotator for r in rows}

    by_task: dict[int, list[Any]] = {}
    for a in sql.list_annotations(project_id=pid):
        by_task.setdefault(a.task_id, []).append(a)
    want = {t: _sole(by_task.get(t, [])) for t in stored()}
    assert stored() == want
    pair = f"{encode_user(FOLLOWER)}\x1f{encode_user(ME)}"  # "101" < "7"
    assert {v for v in want.values()} >= {None, "", encode_user(ME), pair}
    sql.recount_tasks(pid)
    assert stored() == want


def _analyzed(store: SQLStore, pid: int) -> int:
    """The project, once the database's statistics have been gathered."""
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return pid


def _ahead_project(store: Store, shape: str, n: int = 4000) -> int:
    """``n`` tasks of overlap 2: ``3a`` ME did the first half alone, ``3b`` every other task,
    ``3c`` as 3a with FOLLOWER on ME's first tenth (those are done); ``3f`` overlap 3, ME
    on the first half and FOLLOWER on the first 40% (open at two annotations); analyzed.
    Each task has a scored prediction."""

    def who(i: int) -> list[Any]:
        users = [ME] if (i < n // 2 if shape != "3b" else i % 2 == 0) else []
        if (shape == "3c" and i < n // 10) or (shape == "3f" and i < n * 2 // 5):
            users.append(FOLLOWER)
        return users

    return _annotated_project(store, shape, 3 if shape == "3f" else 2, n, who)


def _annotated_project(
    store: Store, title: str, overlap: int, n: int, who: Callable[[int], list[Any]]
) -> int:
    """``n`` tasks of ``overlap``, task ``i`` annotated by the users ``who(i)``, each with a
    scored prediction; analyzed."""
    pid = store.add_project(ProjectSettings(title=title, maximum_annotations=overlap), 1).id

    def task(i: int) -> NewTask:
        return NewTask(
            data={"i": i},
            overlap=overlap,
            annotations=tuple(_ann(u) for u in who(i)),
            predictions=(NewPrediction(result=[], score=(i * 37 % 101) / 101),),
        )

    store.add_tasks(pid, (task(i) for i in range(n)))
    return _analyzed(store, pid) if isinstance(store, SQLStore) else pid


ORDERS = [
    CandidateSpec(breadth_first=True),
    CandidateSpec(order="random", breadth_first=True),
    CandidateSpec(order="uncertainty", breadth_first=True),
]


@pytest.mark.postgres
@pytest.mark.parametrize("shape", ["3a", "3b", "3c", "3f"])
def test_a_user_far_ahead_does_not_read_their_own_tasks(pg_url: str, shape: str) -> None:
    """4,000 tasks of overlap 2, ME ahead on 2,000 (1,800 in 3c): ME's next task reads a few
    dozen task rows in each order (the walk read every task ME had done, and the tasks
    nobody had started came through the started ones: 4,020 rows at 4,000 tasks, 100,020
    at 100,000); a new user's reads no more. 3f, overlap 3 with FOLLOWER on 1,600 of ME's:
    neither ME nor FOLLOWER reads the tasks both have done (the walk read those 1,600, and
    ME's own 400 below them)."""
    store = SQLStore(pg_url)
    try:
        pid = _ahead_project(store, shape)
        for spec in ORDERS:
            for user in (ME, FOLLOWER, NEW):
                rows = _task_rows_read(store, pid, spec, user)
                # sampling: a level's first 501 entries are counted (LEVEL_SORTED), uniform
                # then probes 200 drawn inner ids; 3f: each count passed over is counted too
                bound = 120 if spec.order == "sequential" else 1500 if shape == "3f" else 900
                assert rows < bound, (spec, user, rows)
    finally:
        store.close()


def _sqlite_steps(store: SQLStore, call: Callable[[], Any]) -> int:
    """SQLite: the virtual machine instructions (in hundreds) that ``call`` runs: a count of
    the work done that does not depend on the machine's speed or load."""
    steps = 0
    touched: list[Any] = []

    def tick() -> int:
        nonlocal steps
        steps += 1
        return 0

    def before(conn: Any, *_: Any) -> None:
        raw = conn.connection.driver_connection
        raw.set_progress_handler(tick, 100)
        touched.append(raw)

    sa.event.listen(store.engine, "before_cursor_execute", before)
    try:
        assert call()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", before)
        for raw in touched:
            raw.set_progress_handler(None, 0)
    return steps


@pytest.mark.parametrize("shape", ["3a", "3b", "3c", "3f"])
def test_a_user_far_ahead_costs_what_a_new_user_costs_on_sqlite(tmp_path: Path, shape: str) -> None:
    """The same on SQLite, counted in virtual machine instructions: ME's next task (and
    FOLLOWER's) costs about what a new user's costs (the walk through ME's 2,000 tasks cost
    10-40 times as much)."""
    store = SQLStore(f"sqlite:///{tmp_path / 'ahead.db'}")
    try:
        pid = _ahead_project(store, shape)
        for spec in ORDERS:
            costs = {
                user: min(
                    _sqlite_steps(
                        store, lambda: store.next_task_candidates(pid, user, spec, NOW, 20)
                    )
                    for _ in range(3)  # uniform sampling draws at random
                )
                for user in (ME, FOLLOWER, NEW)
            }
            # 3f: FOLLOWER's first count (ME's 400 tasks alone) is sorted whole (LEVEL_SORTED)
            times = 3 if shape == "3f" else 2
            assert max(costs[ME], costs[FOLLOWER]) <= times * costs[NEW] + 50, (spec, costs)
    finally:
        store.close()


def _mixed(pg_url: str, many: int) -> tuple[SQLStore, int]:
    """4,000 tasks with a scored prediction each, ``many`` of them (spread out) of overlap 2
    and a third of those started; the rest of overlap 1; analyzed."""
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="mixed", maximum_annotations=2), 1).id
    step = 4000 // many if many else 0

    def task(i: int) -> NewTask:
        two = bool(step) and i % step == 0
        anns = (_ann(FOLLOWER),) if two and i % (3 * step) == 0 else ()
        return NewTask(
            data={"i": i},
            overlap=2 if two else 1,
            annotations=anns,
            predictions=(NewPrediction(result=[], score=(i * 37 % 101) / 101),),
        )

    store.add_tasks(pid, (task(i) for i in range(4000)))
    return store, _analyzed(store, pid)


@pytest.mark.postgres
@pytest.mark.parametrize("many", [0, 200, 2000, 4000])
@pytest.mark.parametrize("order", ["random", "uncertainty"])
def test_sampling_with_overlap_first_reads_no_whole_project(
    pg_url: str, many: int, order: str
) -> None:
    """show_overlap_first with uniform or uncertainty sampling: the tasks of overlap > 1 as
    a part of their own (none: passed; a few: sorted; many: drawn or walked in score order),
    then the others; each next task reads a bounded number of task rows, not the sort of
    every open task it was (4,000 and more here, 0.3-1 s at 100,000 tasks)."""
    store, pid = _mixed(pg_url, many)
    try:
        for breadth in (False, True):
            spec = CandidateSpec(order=order, overlap_first=True, breadth_first=breadth)
            rows = _task_rows_read(store, pid, spec, NEW)
            # at most: the part's first 501 tasks counted, a level's too, the draws or a
            # walk in score order (a bound that does not grow with the project)
            assert rows < 2500, (spec, many, rows)
    finally:
        store.close()


def _skipper_project(store: SQLStore, n: int = 4000) -> int:
    """``n`` tasks of overlap 2 with a scored prediction each: ME annotated the first half
    and skipped five tasks of the second; analyzed."""
    pid = store.add_project(
        ProjectSettings(title="skips", maximum_annotations=2, skip_queue=SkipQueue.REQUEUE_FOR_ME),
        1,
    ).id

    def task(i: int) -> NewTask:
        anns = [_ann(ME)] if i < n // 2 else []
        if i >= n // 2 and i % (n // 10) == 7:
            anns.append(_ann(ME, skip=True))
        return NewTask(
            data={"i": i},
            overlap=2,
            annotations=tuple(anns),
            predictions=(NewPrediction(result=[], score=(i * 37 % 101) / 101),),
        )

    store.add_tasks(pid, (task(i) for i in range(n)))
    return _analyzed(store, pid)


SKIPPED_ONLY = [
    CandidateSpec(breadth_first=True, only_skipped_by_user=True),
    CandidateSpec(order="random", breadth_first=True, only_skipped_by_user=True),
    CandidateSpec(order="uncertainty", breadth_first=True, only_skipped_by_user=True),
    CandidateSpec(order="uncertainty", overlap_first=True, only_skipped_by_user=True),
]


@pytest.mark.postgres
def test_own_skips_come_back_without_reading_every_open_task(pg_url: str) -> None:
    """requeue_for_me's last pass (the user's own skipped tasks, once nothing else is left)
    in every order: ME's five skipped tasks among 4,000 come from ME's skips, a few dozen
    task rows read; a user with no skip reads none. The pass read every open task to find
    them (the walk in order, the draws and then a sort of every open task, or the walk over
    every scored prediction): 2,000-6,000 rows here, 100,000-300,000 at 100,000 tasks."""
    store = SQLStore(pg_url)
    try:
        pid = _skipper_project(store)
        for spec in SKIPPED_ONLY:
            assert len(store.next_task_candidates(pid, ME, spec, NOW, 20)) == 5, spec
            assert _task_rows_read(store, pid, spec, ME) < 60, spec
            assert _task_rows_read(store, pid, spec, NEW, found=False) == 0, spec
    finally:
        store.close()


def test_own_skips_cost_a_few_probes_on_sqlite(tmp_path: Path) -> None:
    """The same on SQLite, in virtual machine instructions: ME's last pass costs about what
    a new user's first next task costs, and a user with no skip pays next to nothing (the
    pass cost 50-500 times as much)."""
    store = SQLStore(f"sqlite:///{tmp_path / 'skips.db'}")
    try:
        pid = _skipper_project(store)
        first = _sqlite_steps(
            store,
            lambda: store.next_task_candidates(
                pid, NEW, CandidateSpec(breadth_first=True), NOW, 20
            ),
        )
        for spec in SKIPPED_ONLY:
            mine = _sqlite_steps(store, lambda: store.next_task_candidates(pid, ME, spec, NOW, 20))
            assert mine <= 2 * first + 50, (spec, mine, first)
            nothing = _sqlite_steps(
                store, lambda: store.next_task_candidates(pid, NEW, spec, NOW, 20) == []
            )
            assert nothing <= 50, (spec, nothing)
    finally:
        store.close()
