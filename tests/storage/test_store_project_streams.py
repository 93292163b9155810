"""A project's keyset streams (task ids, review rows, bundles, the JSON export) read its own
tasks, not its neighbours': a small project between two big ones costs what it costs alone
(by the primary key filtered by project, the batch that met the project's end read every
later project's tasks, and on PostgreSQL the first batch every earlier one's; migration
0022 and ``SQLBase._task_span``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_store_candidates import _rows_read
from test_store_queue_ahead import _sqlite_steps

from labelcore.model import NewAnnotation, NewTask, ProjectSettings
from labelcore.query import Ordering, PageRequest, TaskQuery, parse_query
from labelcore.storage.sql import SQLStore

SMALL, BIG = 2000, 10000


def _project(store: SQLStore, title: str, n: int, annotated: bool = False) -> int:
    pid = store.add_project(ProjectSettings(title=title), 1).id
    anns = (NewAnnotation(result=[], completed_by=7),) if annotated else ()
    store.add_tasks(pid, (NewTask(data={"i": i}, annotations=anns) for i in range(n)))
    return pid


def _streams(store: SQLStore, pid: int) -> dict[str, Callable[[], Any]]:
    """Each stream read to its end; what it returns counts the tasks it gave."""
    return {
        "task_ids": lambda: sum(1 for _ in store.task_ids(pid, TaskQuery())),
        "review_rows": lambda: sum(1 for _ in store.iter_review_rows(pid)),
        "review_page": lambda: sum(1 for _ in store.iter_review_rows(pid, after=1, limit=50)),
        "bundles": lambda: sum(1 for _ in store.iter_bundles(pid, batch_size=100)),
        "annotated": lambda: sum(1 for _ in store.iter_bundles(pid, only_annotated=True)),
        "export_json": lambda: sum(e.count for e in store.iter_export_json(pid)),
    }


def _crowded(url: str) -> tuple[SQLStore, int]:
    """A store with a small project between two big ones."""
    store = SQLStore(url)
    _project(store, "before", BIG)
    pid = _project(store, "small", SMALL, annotated=True)
    _project(store, "after", BIG)
    return store, pid


def test_a_small_project_between_big_ones_streams_as_if_alone_on_sqlite(tmp_path: Path) -> None:
    """Counted in SQLite virtual machine instructions: each stream of the small project
    costs about what it costs with no other project in the database (by the primary key it
    walked the 10,000 tasks after it once or twice: 4-30 times as much)."""
    alone = SQLStore(f"sqlite:///{tmp_path / 'alone.db'}")
    crowded, pid = _crowded(f"sqlite:///{tmp_path / 'crowded.db'}")
    try:
        solo = _project(alone, "small", SMALL, annotated=True)
        for name, call in _streams(alone, solo).items():
            other = _streams(crowded, pid)[name]
            assert call() == other() > 0
            cost, costs_alone = _sqlite_steps(crowded, other), _sqlite_steps(alone, call)
            assert cost <= 1.2 * costs_alone + 5, (name, cost, costs_alone)
    finally:
        alone.close()
        crowded.close()


@pytest.mark.postgres
@pytest.mark.parametrize("analyzed", [False, True])
def test_a_small_project_between_big_ones_reads_its_own_tasks_on_postgres(
    pg_url: str, analyzed: bool
) -> None:
    """On PostgreSQL no stream reads another project's task, whichever index the planner
    takes (the primary key, filtered by project, read the 10,000 tasks after it, or before
    and after it; with the index alone and no bounds, the bundles and the export still
    did); each reads the small project's tasks and the two probes of its first and last id.
    The annotated tasks' stream too: by ``EXISTS`` on the annotations, PostgreSQL joined
    every annotation of the database to the rest of the project's tasks and sorted them,
    for each batch (2,000 + 1,500 + 1,000 + 500 task rows here)."""
    store, pid = _crowded(pg_url)
    try:
        if analyzed:
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        for name, call in _streams(store, pid).items():
            given = call()
            assert given in (SMALL, 50), name
            assert _rows_read(store, call, removed=True) == 0, name
            assert _rows_read(store, call) <= given + 2, name
    finally:
        store.close()


def _half_annotated(store: SQLStore) -> tuple[int, list[int]]:
    """A project of SMALL tasks between two fully annotated ones, every other task with an
    annotation, one of them a skip only and one whose annotation was deleted; returns the
    project and its tasks with an annotation."""
    _project(store, "before", BIG, annotated=True)
    pid = store.add_project(ProjectSettings(title="half"), 1).id
    ids = store.add_tasks(pid, (NewTask(data={"i": i}) for i in range(SMALL)))
    skip = NewAnnotation(result=[], completed_by=8, task_id=ids[0], was_cancelled=True)
    store.add_annotation(skip, pid)
    for task_id in ids[2::2]:
        store.add_annotation(NewAnnotation(result=[], completed_by=7, task_id=task_id), pid)
    gone = store.list_annotations(task_id=ids[2])
    assert store.delete_annotations([a.id for a in gone]) == 1
    _project(store, "after", BIG, annotated=True)
    return pid, [ids[0], *ids[4::2]]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_annotated_tasks_stream_reads_the_project_once(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    """Only annotated: the tasks with an annotation, a skip included, and not one whose
    annotation was deleted, from the bundles and the export alike. On PostgreSQL the stream
    reads the project's tasks once (in id order, the task's own counters for a filter): by
    ``EXISTS`` each batch of 500 read and sorted the rest of the project's tasks (joined to
    every annotation of the database), and the annotations of a batch were read by a scan
    of the table (or of the primary key, for their order)."""
    url = f"sqlite:///{tmp_path / 'half.db'}"
    if backend == "postgres":
        url = request.getfixturevalue("pg_url")
    store = SQLStore(url)
    try:
        pid, annotated = _half_annotated(store)
        bundles = lambda: [b.task.id for b in store.iter_bundles(pid, only_annotated=True)]  # noqa: E731
        assert bundles() == annotated
        exported = store.iter_export_tasks(pid, only_annotated=True, batch_size=300)
        assert [t["id"] for t in exported] == annotated
        if backend == "postgres":
            assert _rows_read(store, bundles) <= SMALL + 2
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
            assert _rows_read(store, bundles) <= SMALL + 2
            # and, with statistics, the annotations of its batches alone (without, a list of
            # 500 ids is 500 index probes to the planner, and it still scans the table)
            assert _rows_read(store, bundles, table="labelcore_annotation") == len(annotated)
    finally:
        store.close()


def _last_pages(store: SQLStore, pid: int, query: TaskQuery) -> dict[str, PageRequest]:
    """The project's last data-manager page of 100 tasks, by cursor and by page number."""
    cursor, pages = None, 0
    while True:
        page = store.query_tasks(pid, query, PageRequest(page_size=100, cursor=cursor))
        pages += 1
        if page.next_cursor is None:
            break
        last, cursor = cursor, page.next_cursor
    assert pages == SMALL // 100 and last is not None
    return {
        "cursor": PageRequest(page_size=100, cursor=cursor),
        "page number": PageRequest(page=pages, page_size=100),
    }


@pytest.mark.postgres
@pytest.mark.parametrize("analyzed", [False, True])
def test_the_data_managers_last_page_reads_its_own_project_on_postgres(
    pg_url: str, analyzed: bool
) -> None:
    """The last page of a small project between two big ones, in id order, with and without
    a filter, reads none of the next project's tasks: after a cursor, PostgreSQL walked the
    primary key from the cursor filtered by project, and the last page read the 10,000 tasks
    after the project (the page now stops at the project's last task id). A filtered page
    also counts its matches (the small project's 2,000 tasks); a page by number reads the
    tasks before it."""
    store, pid = _crowded(pg_url)
    matching = parse_query(
        {
            "filters": {
                "conjunction": "and",
                "items": [
                    {
                        "filter": "filter:tasks:data.i",
                        "operator": "greater",
                        "type": "Number",
                        "value": -1,
                    }
                ],
            }
        }
    )
    try:
        if analyzed:
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        for ordering in ((), (Ordering(column="id"),)):
            for filters in (None, matching.filters):
                query = TaskQuery(filters=filters, ordering=ordering)
                counted = 0 if filters is None else SMALL
                for how, request in _last_pages(store, pid, query).items():

                    def page(q: TaskQuery = query, r: PageRequest = request) -> list[Any]:
                        return store.query_tasks(pid, q, r).tasks

                    assert len(page()) == 100
                    before = 0 if how == "cursor" else SMALL - 100
                    read = _rows_read(store, page)
                    assert read <= counted + before + 102, (how, ordering, filters, read)
    finally:
        store.close()


def test_a_page_after_a_cursor_in_id_order_reads_the_page_alone_on_sqlite(tmp_path: Path) -> None:
    """Ordered by id asked for by name, the last page after a cursor costs what it costs in
    the default order (SQLite virtual machine instructions): the cursor's condition was
    ``id > v OR id IS NULL OR (id = v AND id > last)``, no range of an index, and a page
    read every task of the project before it (the last of 2,000: 9 times as much)."""
    store = SQLStore(f"sqlite:///{tmp_path / 'one.db'}")
    try:
        pid = _project(store, "small", SMALL)
        costs, shown = [], []
        for ordering in ((), (Ordering(column="id"),)):
            query = TaskQuery(ordering=ordering)
            request = _last_pages(store, pid, query)["cursor"]
            shown.append([t.id for t in store.query_tasks(pid, query, request).tasks])
            costs.append(_sqlite_steps(store, lambda: store.query_tasks(pid, query, request).tasks))
        assert shown[0] == shown[1] and len(shown[0]) == 100
        assert costs[1] <= 1.2 * costs[0] + 5, costs
    finally:
        store.close()
