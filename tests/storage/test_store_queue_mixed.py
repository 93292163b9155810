"""Breadth first, a count of annotations that mixes the user's own tasks with others'
(``_candidates.MixedLevel``): a user ahead on 2,000 tasks of overlap 2 and five other users
on 200 more, all at one annotation. The walk in import order read and passed each of the
user's tasks before it met one of the others'; the count is now read per other annotator
from ``labelcore_task_sole_ix`` (migration 0024) and merged. The same candidates, in the
same order, as MemoryStore's sort of every open task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from test_store_candidates import NOW, _task_rows_read
from test_store_queue_ahead import (
    FOLLOWER,
    ME,
    NEW,
    OTHER,
    SPECS,
    _analyzed,
    _ann,
    _annotated_project,
    _fill,
    _inner,
    _sqlite_steps,
    same_order,
)

from labelcore.model import NewTask, ProjectSettings, SkipQueue
from labelcore.query import PageRequest, parse_query
from labelcore.storage.base import CandidateSpec, Store
from labelcore.storage.memory import MemoryStore
from labelcore.storage.sql import SQLStore, _candidates

OTHERS = (201, 202, 203, 204, 205)
SEQUENTIAL = CandidateSpec(breadth_first=True)


def _shared_project(store: Store, shape: str, n: int = 4000) -> int:
    """``n`` tasks with a scored prediction each. ``3m`` overlap 2: ME on the first half
    alone, OTHERS in turn on every tenth task of the second half (one count: 2,000 of ME's
    and 200 of theirs). ``3g`` overlap 3: ME and FOLLOWER on the first half, pairs of
    OTHERS on every tenth of the second (one count of two: ME's pairs and theirs)."""

    def who(i: int) -> list[Any]:
        if i < n // 2:
            return [ME, FOLLOWER] if shape == "3g" else [ME]
        if i % 10:
            return []
        k = i // 10 % len(OTHERS)
        return [OTHERS[k], OTHERS[k - 1]] if shape == "3g" else [OTHERS[k]]

    return _annotated_project(store, shape, 3 if shape == "3g" else 2, n, who)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("values", [1, 32])
def test_a_count_read_per_annotator_gives_what_sorting_every_open_task_gives(
    sql: SQLStore, seed: int, values: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every count read per annotator (``MIXED_WALK`` 1: one task of the user's there is
    enough) over the random projects of test_store_queue_ahead (claims, skips, imports,
    annotations without a user, several annotators on a task): MemoryStore's order for each
    user and queue; ``MIXED_VALUES`` 1: a count of more annotators is walked as before."""
    monkeypatch.setattr(_candidates, "MIXED_WALK", 1)
    monkeypatch.setattr(_candidates, "MIXED_VALUES", values)
    rule = (SkipQueue.REQUEUE_FOR_ME, SkipQueue.IGNORE_SKIPPED, SkipQueue.REQUEUE_FOR_OTHERS)[
        seed % 3
    ]
    memory = MemoryStore()
    mine, theirs = _fill(sql, rule, seed), _fill(memory, rule, seed)
    same_order(sql, memory, mine, theirs, (ME, FOLLOWER, OTHER, NEW), SPECS)


@pytest.mark.parametrize("shape", ["3m", "3g"])
def test_a_shared_count_gives_what_sorting_every_open_task_gives(sql: SQLStore, shape: str) -> None:
    memory = MemoryStore()
    mine, theirs = _shared_project(sql, shape, 600), _shared_project(memory, shape, 600)
    same_order(sql, memory, mine, theirs, (ME, FOLLOWER, OTHERS[0], NEW), SPECS)


@pytest.mark.postgres
@pytest.mark.parametrize("shape", ["3m", "3g"])
def test_a_shared_count_does_not_read_the_users_own_tasks(pg_url: str, shape: str) -> None:
    """ME's next task (and FOLLOWER's in 3g) reads a few hundred task rows at most: the
    200 index entries that tell ME's count is mixed, and 20 of each other annotator's. The
    walk read the 2,000 tasks ME had done first (2,020-2,050 rows; 50,020 at 100,000)."""
    store = SQLStore(pg_url)
    try:
        pid = _shared_project(store, shape)
        for user in (ME, FOLLOWER, OTHERS[0], NEW):
            rows = _task_rows_read(store, pid, SEQUENTIAL, user)
            assert rows < 400, (user, rows)
    finally:
        store.close()


@pytest.mark.parametrize("shape", ["3m", "3g"])
def test_a_shared_count_costs_what_a_new_user_costs_on_sqlite(tmp_path: Path, shape: str) -> None:
    """The same on SQLite, in virtual machine instructions: ME's next task costs about what
    a new user's costs (the walk through ME's 2,000 tasks cost 10-20 times as much)."""
    store = SQLStore(f"sqlite:///{tmp_path / 'shared.db'}")
    try:
        pid = _shared_project(store, shape)
        costs = {
            user: _sqlite_steps(
                store, lambda: store.next_task_candidates(pid, user, SEQUENTIAL, NOW, 20)
            )
            for user in (ME, FOLLOWER, NEW)
        }
        assert max(costs[ME], costs[FOLLOWER]) <= 3 * costs[NEW] + 50, costs
    finally:
        store.close()


# -- a data-manager tab's own ordering as the queue's ------------------------------------
TABS = [
    parse_query({"ordering": ["tasks:data.i"]}),
    parse_query({"ordering": ["-tasks:data.i"]}),
    parse_query({"ordering": ["-tasks:id"]}),
    parse_query({"ordering": ["tasks:total_annotations", "-tasks:data.i"]}),
    parse_query(
        {
            "ordering": ["-tasks:data.i"],
            "filters": {
                "conjunction": "and",
                "items": [
                    {
                        "filter": "filter:tasks:data.i",
                        "operator": "greater",
                        "type": "Number",
                        "value": 9,
                    }
                ],
            },
        }
    ),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_tabs_ordering_gives_what_sorting_every_open_task_gives(sql: SQLStore, seed: int) -> None:
    """The queue in a tab's own ordering, read part by part (started tasks first with
    breadth first, own skips last, overlap first, requeue_for_me's last pass): MemoryStore's
    order for each user."""
    rule = (SkipQueue.REQUEUE_FOR_ME, SkipQueue.IGNORE_SKIPPED, SkipQueue.REQUEUE_FOR_OTHERS)[
        seed % 3
    ]
    memory = MemoryStore()
    mine, theirs = _fill(sql, rule, seed), _fill(memory, rule, seed)
    sql_inner, mem_inner = _inner(sql, mine), _inner(memory, theirs)
    for tab in TABS:
        for base in (SPECS[0], SPECS[1], SPECS[2], SPECS[3], CandidateSpec()):
            spec = attrs.evolve(base, query=tab)
            for user in (ME, FOLLOWER, OTHER, NEW):
                for limit in (1, 3, 60):
                    got = sql.next_task_candidates(mine, user, spec, NOW, limit)
                    want = memory.next_task_candidates(theirs, user, spec, NOW, limit)
                    assert [sql_inner[t] for t in got] == [mem_inner[t] for t in want], (
                        user,
                        spec,
                        limit,
                    )


def _tab_project(store: SQLStore, n: int = 4000) -> int:
    """``n`` tasks of overlap 2, ``data.i`` shuffled, every 100th started by OTHER; the
    data manager sorted by ``data.i`` once (its index made); analyzed."""
    pid = store.add_project(ProjectSettings(title="tab", maximum_annotations=2), 1).id
    store.add_tasks(
        pid,
        (
            NewTask(
                data={"i": i * 7919 % n},
                overlap=2,
                annotations=(_ann(OTHER),) if i % 100 == 0 else (),
            )
            for i in range(n)
        ),
    )
    store.query_tasks(pid, parse_query({"ordering": ["tasks:data.i"]}), PageRequest(page_size=1))
    assert store.data_indexes.names()
    return _analyzed(store, pid)


TAB_ORDERS = ["tasks:data.i", "-tasks:id", "tasks:id"]


@pytest.mark.postgres
def test_a_tabs_ordering_reads_no_whole_project(pg_url: str) -> None:
    """Breadth first in a tab's ordering by an indexed key: the started tasks (40) sorted,
    then the ones nobody started walked in the key's index: under 200 task rows for a new
    user and for OTHER (whose started tasks are all theirs). One sort of every open task
    read all 4,000 (1.3-2.7 s a next task at 100,000)."""
    store = SQLStore(pg_url)
    try:
        pid = _tab_project(store)
        for order in TAB_ORDERS:
            spec = CandidateSpec(breadth_first=True, query=parse_query({"ordering": [order]}))
            for user in (NEW, OTHER):
                rows = _task_rows_read(store, pid, spec, user)
                assert rows < 200, (order, user, rows)
    finally:
        store.close()


def test_a_tabs_ordering_costs_a_short_walk_on_sqlite(tmp_path: Path) -> None:
    """The same on SQLite, in virtual machine instructions: OTHER's next task in the tab's
    ordering costs about what the queue in import order costs (the sort of every open task
    cost 30 times as much)."""
    store = SQLStore(f"sqlite:///{tmp_path / 'tab.db'}")
    try:
        pid = _tab_project(store)
        plain = _sqlite_steps(
            store, lambda: store.next_task_candidates(pid, OTHER, SEQUENTIAL, NOW, 20)
        )
        for order in TAB_ORDERS:
            spec = CandidateSpec(breadth_first=True, query=parse_query({"ordering": [order]}))
            steps = _sqlite_steps(
                store, lambda: store.next_task_candidates(pid, OTHER, spec, NOW, 20)
            )
            assert steps <= 3 * plain + 50, (order, steps, plain)
    finally:
        store.close()
