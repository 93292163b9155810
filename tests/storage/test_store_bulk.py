"""SQLStore's bulk import path: reserved ids, plain executemany / COPY, deferred text index.

Imports larger than one batch (and than PostgreSQL's COPY threshold) on SQLite and
PostgreSQL (CI): ids, inner ids, counters, predictions, the substring index, atomicity.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from labelcore.errors import ValidationError
from labelcore.model import NewAnnotation, NewPrediction, NewTask, ProjectSettings
from labelcore.query import Filter, FilterGroup, PageRequest, TaskQuery
from labelcore.storage.sql import SQLStore, _bulkwriter, _pgcopy
from labelcore.storage.sql import _base as sql_base
from labelcore.storage.sql import store as store_module
from labelcore.storage.sql.querysql import trigram_query
from labelcore.storage.sql.store import BATCH

N = BATCH * 2 + 37  # three batches, the last one partial


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[SQLStore]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bulk.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = SQLStore(url)
    yield s
    s.close()


def _tasks(n: int, bad_at: int | None = None) -> Iterator[NewTask]:
    for i in range(n):
        preds = (
            (NewPrediction(result=[{"type": "choices", "value": {"n": i}}], score=0.5),)
            if i % 3 == 0
            else ()
        )
        data = {"text": f"row {i} Zürich" if i % 100 == 7 else f"row {i} Bern"}
        if i == bad_at:
            data = {"text": float("nan")}
        # text COPY and executemany must carry every character: escapes, tabs, COPY's NULL
        meta = (
            {"i": i, "odd": 'tab\there\nline "q" back\\slash \\N \u2028 ✓'}
            if i % 7 == 0
            else {"i": i}
        )
        yield NewTask(data=data, meta=meta, predictions=preds, data_hash=f"h{i}")


def _contains(store: SQLStore, pid: int, needle: str) -> int:
    where = Filter(column="data.text", operator="contains", type="String", value=needle)
    query = TaskQuery(filters=FilterGroup(items=(where,)))
    return store.query_tasks(pid, query, PageRequest(page_size=100)).total


def test_bulk_import_across_batches(store: SQLStore) -> None:
    pid = store.add_project(ProjectSettings(title="bulk"), None).id
    ids = store.add_tasks(pid, _tasks(N))
    assert len(ids) == N and ids == sorted(ids) and len(set(ids)) == N
    tasks = store.get_tasks(ids)
    assert [t.inner_id for t in tasks] == list(range(1, N + 1))
    assert [t.meta["i"] for t in tasks] == list(range(N))
    assert [t.meta for t in tasks] == [t.meta for t in _tasks(N)]
    assert [t.data for t in tasks] == [t.data for t in _tasks(N)]
    assert tasks[0].created_at.tzinfo is not None
    assert [t.total_predictions for t in tasks[:4]] == [1, 0, 0, 1]
    assert not any(t.is_labeled or t.total_annotations for t in tasks)
    preds = store.list_predictions(project_id=pid)
    assert len(preds) == (N + 2) // 3
    assert [p.task_id for p in preds] == [ids[i] for i in range(0, N, 3)]
    last = max(i for i in range(N) if i % 3 == 0)
    assert preds[-1].result == [{"type": "choices", "value": {"n": last}}]
    # the substring index covers every batch (on SQLite it is filled per batch)
    assert _contains(store, pid, "zürich") == len([i for i in range(N) if i % 100 == 7])
    # more tasks after: ids and inner ids continue, the index still follows
    more = store.add_tasks(pid, [NewTask(data={"text": "late Zürich"})])
    assert more[0] > ids[-1]
    assert store.get_tasks(more)[0].inner_id == N + 1
    assert _contains(store, pid, "late zürich") == 1
    if not store.is_pg:  # every task is in the index exactly once
        with store.engine.begin() as conn:
            indexed = conn.exec_driver_sql(
                "SELECT count(*) FROM labelcore_task_fts WHERE labelcore_task_fts MATCH ?",
                (trigram_query("ow "),),  # in every text: "row ..."
            ).scalar_one()
            assert indexed == N
            conn.exec_driver_sql(
                "INSERT INTO labelcore_task_fts (labelcore_task_fts) VALUES ('integrity-check')"
            )


def test_bulk_import_never_reuses_deleted_ids(store: SQLStore) -> None:
    pid = store.add_project(ProjectSettings(title="ids"), None).id
    ids = store.add_tasks(pid, _tasks(5))
    store.delete_tasks(pid, [ids[-1]])
    again = store.add_tasks(pid, _tasks(1))
    assert again[0] > ids[-1]


def test_bulk_import_bad_last_row_leaves_nothing(store: SQLStore) -> None:
    pid = store.add_project(ProjectSettings(title="atomic"), None).id
    with pytest.raises(ValidationError, match=f"row {N - 1}: data"):
        store.add_tasks(pid, _tasks(N, bad_at=N - 1))
    with store.engine.begin() as conn:
        counts = [
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608
            for t in ("labelcore_task", "labelcore_prediction")
        ]
    assert counts == [0, 0]
    assert _contains(store, pid, "zürich") == 0
    assert len(store.add_tasks(pid, _tasks(3))) == 3  # the project still takes imports
    assert [t.inner_id for t in store.get_tasks(store.task_ids(pid, TaskQuery()))] == [1, 2, 3]


@pytest.mark.parametrize("url", ["sqlite://", "file"])
def test_bulk_import_first_write_and_after_migrate(url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The text-index check runs on the writing connection: an in-memory database (one
    shared connection) can import before anything else has read, and again after migrate()."""
    store = SQLStore(url if url != "file" else f"sqlite:///{tmp_path / 'first.db'}")
    pid = store.add_project(ProjectSettings(title="first"), None).id
    assert len(store.add_tasks(pid, _tasks(BATCH + 1))) == BATCH + 1
    store.migrate()
    store.add_tasks(pid, [NewTask(data={"text": "after Zürich"})])
    assert _contains(store, pid, "zürich") == len(range(7, BATCH + 1, 100)) + 1
    store.close()


# A NUL character in task data, meta or a result: PostgreSQL's JSONB cannot store it (the
# write used to fail with a raw driver error, a 500), so every SQL store refuses it as a
# ValidationError naming the row, and nothing is written. An escaped backslash before
# ``u0000`` is ordinary text and is kept.
@pytest.mark.parametrize("n", [1, 300])  # 300: the bulk (COPY on PostgreSQL) path
def test_nul_in_task_data_is_a_validation_error_and_writes_nothing(store: SQLStore, n: int) -> None:
    pid = store.add_project(ProjectSettings(title="nul"), "o").id
    tasks = [NewTask(data={"t": "ok"}) for _ in range(n - 1)] + [NewTask(data={"t": "a\x00b"})]
    with pytest.raises(ValidationError) as exc:
        store.add_tasks(pid, tasks)
    assert exc.value.code == "store.json_nul" and f"row {n - 1}" in str(exc.value)
    assert list(store.task_ids(pid, TaskQuery())) == []
    [tid] = store.add_tasks(pid, [NewTask(data={"t": "a\\u0000b"})])  # a backslash: fine
    assert store.get_bundle(tid).task.data == {"t": "a\\u0000b"}  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        bad = NewAnnotation(result=[{"v": "\x00"}], completed_by=1)
        store.add_tasks(pid, [NewTask(data={"t": "x"}, annotations=(bad,))])
    assert len(list(store.task_ids(pid, TaskQuery()))) == 1


def test_bulk_import_in_several_copy_segments(
    store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL streams tasks into one COPY per segment, which also ends early when enough
    predictions or annotations wait for it; SQLite inserts a batch's children after the
    writer thread has its tasks: ids, inner ids, children and counters stay aligned."""
    monkeypatch.setattr(_pgcopy, "SEGMENT", 50)
    monkeypatch.setattr(_pgcopy, "CHILDREN", 7)
    pid = store.add_project(ProjectSettings(title="segments"), None).id
    store.add_tasks(pid, [NewTask(data={"text": "first"})])  # inner ids continue after it
    n = BATCH * 2 + 333

    def tasks() -> Iterator[NewTask]:
        for i, task in enumerate(_tasks(n)):
            if i % 11 == 0:
                ann = NewAnnotation(result=[{"type": "choices", "value": {"a": i}}], completed_by=1)
                task = attrs.evolve(task, annotations=(ann,))
            yield task

    ids = store.add_tasks(pid, tasks())
    assert len(ids) == n and ids == sorted(ids)
    got = store.get_tasks(ids)
    assert [t.inner_id for t in got] == list(range(2, n + 2))
    assert [t.meta["i"] for t in got] == list(range(n))
    by_task = {p.task_id: p.result for p in store.list_predictions(project_id=pid)}
    assert by_task == {ids[i]: [{"type": "choices", "value": {"n": i}}] for i in range(0, n, 3)}
    anns = {a.task_id: a.result for a in store.list_annotations(project_id=pid)}
    assert anns == {ids[i]: [{"type": "choices", "value": {"a": i}}] for i in range(0, n, 11)}
    assert [t.total_annotations for t in got] == [int(i % 11 == 0) for i in range(n)]
    assert [t.total_predictions for t in got] == [int(i % 3 == 0) for i in range(n)]
    assert store.project_counts([pid])[pid].task_count == n + 1
    page = store.query_tasks(pid, TaskQuery(), PageRequest(page_size=1))
    assert page.total == n + 1


def test_store_calls_from_the_task_iterator_during_a_bulk_import(
    store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import's dedupe lookup (or a progress callback) may use the store while the tasks
    are read, inside the same transaction: on PostgreSQL that ends the open COPY first (a
    second statement on the connection would fail or wait on itself), so it sees the rows
    written so far (SQLite inserts per batch: rows of the open batch are not there yet)."""
    monkeypatch.setattr(_pgcopy, "SEGMENT", 400)
    pid = store.add_project(ProjectSettings(title="reentrant"), None).id
    seen: list[dict[str, int]] = []

    def tasks() -> Iterator[NewTask]:  # SQLite: the text index is filled meanwhile
        for i in range(BATCH * 3):
            if i and i % 300 == 0:
                seen.append(store.find_tasks_by_hash(pid, {f"h{i - 1}", "nope"}))
                assert store.get_project(pid) is not None
            yield NewTask(data={"text": f"t{i}"}, data_hash=f"h{i}")

    with store.transaction():
        ids = store.add_tasks(pid, tasks())
    expected = [{f"h{i - 1}": ids[i - 1]} for i in range(300, BATCH * 3, 300)]
    if store.is_pg:
        assert seen == expected
    else:
        assert all(got in ({}, want) for got, want in zip(seen, expected, strict=True))
    assert [t.inner_id for t in store.get_tasks(ids)] == list(range(1, BATCH * 3 + 1))
    assert _contains(store, pid, "t2999") == 1


@pytest.mark.postgres
def test_big_pg_import_leaves_planner_statistics(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big import ANALYZEs in its own transaction: PostgreSQL's autovacuum may be off or
    late, and without statistics the planner sorted a whole project for a plain page."""
    monkeypatch.setattr(_pgcopy, "ANALYZE_AFTER", 500)
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="stats"), None).id
    stats = "SELECT count(*) FROM pg_stats WHERE tablename = 'labelcore_task'"
    store.add_tasks(pid, _tasks(499))  # below the threshold: left to autovacuum
    with store.engine.begin() as conn:
        assert conn.exec_driver_sql(stats).scalar_one() == 0
    with store.transaction():  # the lock_timeout it sets is put back for the rest of the tx
        store.add_tasks(pid, _tasks(600))
        with store._tx(write=False) as conn:
            timeout = conn.exec_driver_sql("SHOW lock_timeout").scalar_one()
    assert timeout == "0"
    with store.engine.begin() as conn:
        assert conn.exec_driver_sql(stats).scalar_one() > 0


@pytest.mark.postgres
def test_pg_import_analyzes_when_it_makes_a_project_stale(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statistics go stale for a project as well as for the table: a new project's first
    import into a big table is under 10% of it, yet the planner would take the project for
    a few rows and check every open task for the next task (31 ms against 0.1 ms at 10,000
    tasks). An import that at least doubles its project analyzes; a small addition to a big
    project does not."""
    monkeypatch.setattr(_pgcopy, "ANALYZE_AFTER", 100)
    store = SQLStore(pg_url)
    big = store.add_project(ProjectSettings(title="big one"), None).id
    fresh = store.add_project(ProjectSettings(title="fresh one"), None).id

    def analyzed() -> int:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
            return int(
                conn.exec_driver_sql(
                    "SELECT analyze_count FROM pg_stat_user_tables"
                    " WHERE relname = 'labelcore_task'"
                ).scalar_one()
            )

    store.add_tasks(big, _tasks(3000))  # the table had no statistics
    assert analyzed() == 1
    store.add_tasks(fresh, _tasks(150))  # 5% of the table, but all of the project
    assert analyzed() == 2
    with store.engine.connect() as conn:
        common = conn.exec_driver_sql(
            "SELECT most_common_vals::text::int[] FROM pg_stats"
            " WHERE tablename = 'labelcore_task' AND attname = 'project_id'"
        ).scalar_one()
    assert fresh in common
    store.add_tasks(big, _tasks(200))  # 6% of the table and of its project: still fresh
    assert analyzed() == 2
    store.add_tasks(fresh, _tasks(150))  # doubles the project again
    assert analyzed() == 3
    store.close()


@pytest.mark.postgres
def test_big_pg_import_vacuums_once_committed(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big import sets the visibility map once it commits (VACUUM cannot run inside the
    transaction), so the task list's counts read the covering index alone, not a heap page
    per task; a rolled-back import and a small one leave vacuuming to autovacuum."""
    monkeypatch.setattr(_pgcopy, "VACUUM_AFTER", 500)
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="vacuum"), None).id
    vacuums = (
        "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'labelcore_task'",
        "SELECT relallvisible FROM pg_class WHERE relname = 'labelcore_task'",
    )

    def seen() -> tuple[int, int]:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
            counted = conn.exec_driver_sql(vacuums[0]).scalar_one()
            return counted, conn.exec_driver_sql(vacuums[1]).scalar_one()

    store.add_tasks(pid, _tasks(499))
    with pytest.raises(ValidationError):
        store.add_tasks(pid, _tasks(800, bad_at=700))
    with pytest.raises(RuntimeError), store.transaction():  # asked for, then rolled back
        store.add_tasks(pid, _tasks(600))
        raise RuntimeError("the host's next step failed")
    assert seen() == (0, 0)
    with store.transaction():  # the outermost transaction's commit is what it waits for
        store.add_tasks(pid, _tasks(600))
        assert seen() == (0, 0)
    count, visible = seen()
    assert count == 1
    assert visible > 0
    store.add_tasks(pid, _tasks(600))  # on its own: its own transaction's commit
    assert seen()[0] == 2
    store.close()


@pytest.mark.postgres
def test_contains_is_exact_without_the_trigram_index(pg_url: str) -> None:
    """docs/deployment.md lets a host that never filters with contains drop the substring
    index (a 1M import then takes half the time): the filter stays exact, as a scan, and
    imports go on without the index."""
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="no trgm"), None).id
    store.add_tasks(pid, _tasks(300))
    before = [_contains(store, pid, n) for n in ("zürich", "ROW 1", "w 29", "Bern")]
    assert before == [3, 111, 11, 297]
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX labelcore_task_data_trgm_ix")
    assert [_contains(store, pid, n) for n in ("zürich", "ROW 1", "w 29", "Bern")] == before
    store.add_tasks(pid, _tasks(10))
    assert _contains(store, pid, "zürich") == 4
    store.close()


def test_failed_maintenance_after_commit_keeps_the_data(caplog: pytest.LogCaptureFixture) -> None:
    """Maintenance asked for by a write runs after the commit; when it fails, the committed
    rows stay and the failure is logged, not raised to the caller whose write succeeded."""
    store = SQLStore("sqlite://")
    pid = store.add_project(ProjectSettings(title="maintenance"), None).id
    with store.transaction():
        store._maintain_after_commit("VACUUM no_such_table")
        ids = store.add_tasks(pid, _tasks(3))
    assert [t.id for t in store.get_tasks(ids)] == ids
    assert "maintenance after commit failed (VACUUM no_such_table)" in caplog.text
    store.close()


@pytest.mark.postgres
def test_maintenance_after_commit_is_bounded(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller waits for the maintenance its write asked for, so it is stopped after
    MAINTENANCE_TIMEOUT_MS; the write stays committed and the pooled connection gets its
    own statement_timeout back."""
    monkeypatch.setattr(sql_base, "MAINTENANCE_TIMEOUT_MS", 50)
    store = SQLStore(pg_url, pool_size=1, max_overflow=0)
    pid = store.add_project(ProjectSettings(title="bounded"), None).id
    with store.transaction():
        store._maintain_after_commit("SELECT pg_sleep(5)")
        ids = store.add_tasks(pid, _tasks(2))
    assert "canceling statement due to statement timeout" in caplog.text
    assert len(store.get_tasks(ids)) == 2
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "0"
    # a limit the host set on its connections is put back too
    with store.engine.connect() as conn:
        conn.exec_driver_sql("SET statement_timeout = '7s'")
        conn.commit()
    with store.transaction():
        store._maintain_after_commit("SELECT 1")
        store.add_tasks(pid, _tasks(1))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "7s"
    store.close()


def test_maintenance_after_commit_never_fails_the_committed_write(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Not even when no connection is to be had for it (a pool timeout is not a driver
    error): the caller of a committed import must not see a failure and retry it."""
    store = SQLStore("sqlite://")
    pid = store.add_project(ProjectSettings(title="no connection"), None).id

    def no_connection(sql: str) -> None:
        raise sa.exc.TimeoutError("QueuePool limit reached")

    monkeypatch.setattr(store, "_maintain", no_connection)
    with store.transaction():
        store._maintain_after_commit("VACUUM")
        ids = store.add_tasks(pid, _tasks(2))
    assert len(store.get_tasks(ids)) == 2
    assert "QueuePool limit reached" in caplog.text
    store.close()


@pytest.mark.postgres
def test_maintenance_asked_for_inside_a_nested_fresh_transaction_is_kept(pg_url: str) -> None:
    """A store write made from inside another write's task iterator opens a transaction
    of its own on the same thread (PostgreSQL); it must not drop what the outer one asked
    for."""
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="nested"), None).id
    ran: list[str] = []
    store._maintain = ran.append  # type: ignore[method-assign]

    def tasks() -> Iterator[NewTask]:
        store._maintain_after_commit("outer")
        with store._tx() as conn:  # a fresh one: add_tasks is not inside transaction()
            conn.exec_driver_sql("SELECT 1")
        yield from _tasks(3)

    store.add_tasks(pid, tasks())
    assert ran == ["outer"]
    store.close()


def test_bulk_import_gives_the_page_cache_back() -> None:
    """A bulk import on SQLite runs with a larger page cache; the connection's own setting
    (here the only connection, an in-memory database) is back afterwards, also after a
    failed import."""
    store = SQLStore("sqlite://")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA cache_size = -3000")
    pid = store.add_project(ProjectSettings(title="cache"), None).id
    assert len(store.add_tasks(pid, _tasks(BATCH * 2))) == BATCH * 2
    with pytest.raises(ValidationError):
        store.add_tasks(pid, _tasks(BATCH + 5, bad_at=BATCH + 2))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -3000
    store.close()


@pytest.mark.parametrize(
    ("prediction", "code"),
    [
        (NewPrediction(result="not a list"), "result.shape"),  # type: ignore[arg-type]
        (NewPrediction(result=[{"n": float("nan")}]), "store.json"),
        (NewPrediction(result=[], score="high"), "prediction.score"),  # type: ignore[arg-type]
    ],
)
def test_bad_prediction_in_a_bulk_import_names_its_row_and_writes_nothing(
    store: SQLStore, prediction: NewPrediction, code: str
) -> None:
    pid = store.add_project(ProjectSettings(title="bad pred"), None).id
    tasks = [*_tasks(BATCH + 3), NewTask(data={"text": "x"}, predictions=(prediction,))]
    with pytest.raises(ValidationError) as exc:
        store.add_tasks(pid, tasks)
    assert exc.value.code == code
    if code != "prediction.score":
        assert str(exc.value).startswith(f"row {BATCH + 3}: prediction 0")
    assert list(store.task_ids(pid, TaskQuery())) == []
    assert store.list_predictions(project_id=pid) == []


_AWKWARD_DATA = [
    {"text": 'quote " back \\ slash / tab \t nl \n cr \r \x01 \x1f \x7f'},
    {"text": "Zürich 東京 \u2028 \u2029 😀 \ufeff", "é": ["ß", {"ü": None}]},
    {"n": [0, -0.0, 1.5, 1e100, -2.5e-300, 123456789012345678901234567890, True, False]},
    {"nested": {"a": {"b": {"c": [[], {}, [[{}]], ""]}}}, "empty": ""},
    {"z": 1, "a": 2, "m": {"y": 1, "b": 2}},  # key order kept
]
_AWKWARD_META: list[object] = [{}, "a string", 42, ["x", 1.25], None, {"k": 'v "q"'}]


def _awkward_tasks() -> list[NewTask]:
    return [
        NewTask(
            data=data,
            meta=_AWKWARD_META[i % len(_AWKWARD_META)],
            overlap=1 + i % 3,
            file_upload=None if i % 2 else f'up "{i}" \\ ü.json',
            data_hash=None if i % 4 == 3 else f'h{i} "q"',
            predictions=(NewPrediction(result=[{"v": 0.1 + i}], score=0.1 * i),) if i % 2 else (),
        )
        for i, data in enumerate(_AWKWARD_DATA * 300)  # 1500: a batch on the writer thread
    ]


def test_sqlite_rows_from_json_are_stored_as_executemany_stores_them(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """On SQLite >= 3.38 a batch's task rows go in as one statement reading a JSON array
    (``_rows.task_json``): every column's stored text and type is the one a plain
    ``executemany`` of ``task_values`` writes (the path before 3.38)."""
    if not _bulkwriter.JSON_ROWS:
        pytest.skip("SQLite before 3.38: executemany only")
    cols = (
        "id, inner_id, data, meta, typeof(meta), overlap, typeof(overlap), is_labeled,"
        " total_annotations, total_predictions, typeof(total_predictions), file_upload,"
        " data_hash, typeof(data_hash)"
    )
    stored = {}
    for json_rows in (True, False):
        monkeypatch.setattr(store_module, "JSON_ROWS", json_rows)
        store = SQLStore(f"sqlite:///{tmp_path / f'rows-{json_rows}.db'}")
        pid = store.add_project(ProjectSettings(title="rows"), None).id
        store.add_tasks(pid, _awkward_tasks())
        with store.engine.begin() as conn:
            stored[json_rows] = (
                conn.exec_driver_sql(f"SELECT {cols} FROM labelcore_task ORDER BY id").all(),  # noqa: S608
                conn.exec_driver_sql(
                    "SELECT id, task_id, result, score, typeof(score), model_version"
                    " FROM labelcore_prediction ORDER BY id"
                ).all(),
            )
        assert [t.data for t in store.get_tasks(store.task_ids(pid, TaskQuery()))] == [
            t.data for t in _awkward_tasks()
        ]
        assert _contains(store, pid, "東京 \u2028") == 300
        store.close()
    assert stored[True] == stored[False]
    assert len(stored[True][0]) == 1500 and len(stored[True][1]) == 750


def test_failed_text_index_fill_is_raised_and_writes_nothing(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A statement that fails on the writer thread fails the import (at the importing
    thread's next statement): the transaction rolls back, and the thread is gone."""
    store = SQLStore(f"sqlite:///{tmp_path / 'fill.db'}")
    pid = store.add_project(ProjectSettings(title="fill"), None).id
    broken = _bulkwriter.INDEX_RANGE.replace("SELECT id, data", "SELECT id, no_such_column")
    monkeypatch.setattr(_bulkwriter, "INDEX_RANGE", broken)
    with pytest.raises(sa.exc.OperationalError, match="no_such_column"):
        store.add_tasks(pid, _tasks(N))
    assert not [t for t in threading.enumerate() if t.name.startswith("labelcore-bulkwriter")]
    with store.engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM labelcore_task").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM labelcore_task_fts").scalar_one() == 0
    monkeypatch.undo()
    assert len(store.add_tasks(pid, _tasks(3))) == 3
    store.close()


def test_text_index_takes_runs_of_ids_with_gaps(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``BulkWriter.index`` indexes exactly the ids it is given, one statement per run."""
    store = SQLStore(f"sqlite:///{tmp_path / 'runs.db'}")
    pid = store.add_project(ProjectSettings(title="runs"), None).id
    ids = store.add_tasks(pid, [NewTask(data={"text": f"word{i}"}) for i in range(6)])
    found = "SELECT rowid FROM labelcore_task_fts WHERE labelcore_task_fts MATCH ? ORDER BY 1"
    with store.transaction(), store._tx() as conn:
        assert [r[0] for r in conn.exec_driver_sql(found, (trigram_query("word"),))] == ids
        conn.exec_driver_sql(
            "INSERT INTO labelcore_task_fts (labelcore_task_fts) VALUES ('delete-all')"
        )
        with _bulkwriter.BulkWriter(store, conn, index_text=True) as writer:
            writer.index([ids[0], ids[1], ids[3], ids[5]], last=True)
        hits = [r[0] for r in conn.exec_driver_sql(found, (trigram_query("word"),))]
        assert hits == [ids[0], ids[1], ids[3], ids[5]]
        conn.exec_driver_sql(
            "INSERT INTO labelcore_task_fts (labelcore_task_fts) VALUES ('rebuild')"
        )
    store.close()


@pytest.mark.parametrize("threaded", [True, False])
def test_import_thread_false_writes_every_batch_on_the_importing_thread(
    tmp_path, threaded: bool
) -> None:  # type: ignore[no-untyped-def]
    """``SQLStore(url, import_thread=False)``: no worker thread, same rows and text index."""
    store = SQLStore(f"sqlite:///{tmp_path / 'one.db'}", import_thread=threaded)
    try:
        pid = store.add_project(ProjectSettings(title="bulk"), None).id
        seen: set[str] = set()

        def tasks() -> Iterator[NewTask]:
            for i, task in enumerate(_tasks(N)):
                if i % 100 == 0:
                    seen.update(t.name for t in threading.enumerate())
                yield task

        ids = store.add_tasks(pid, tasks())
        assert len(ids) == N
        assert any(n.startswith("labelcore-bulkwriter") for n in seen) is threaded
        assert _contains(store, pid, "row 2030 Bern") == 1  # a row of the last batch, indexed
    finally:
        store.close()


@pytest.mark.parametrize("count", [5, 400])  # 400: PostgreSQL copies the annotations
@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("completed_by", True, "annotation.completed_by"),
        ("completed_by", 2.5, "annotation.completed_by"),
        ("created_at", "2024-01-01T00:00:00Z", "annotation.created_at"),
    ],
)
def test_an_imported_annotation_with_a_bad_author_or_time_is_named_and_nothing_kept(
    store: SQLStore, count: int, field: str, value: Any, code: str
) -> None:
    """Found in review: an imported annotation's completed_by or created_at of the wrong
    type failed as a bare TypeError/AttributeError from the counters written with the task;
    it is a ValidationError naming the row, and the import keeps nothing."""
    pid = store.add_project(ProjectSettings(title="bad author"), None).id

    def tasks() -> Iterator[NewTask]:
        for i in range(count):
            fields = {"completed_by": 1, "result": []}
            if i == count - 1:
                fields[field] = value
            yield NewTask(data={"text": f"t{i}"}, annotations=(NewAnnotation(**fields),))

    with pytest.raises(ValidationError) as caught:
        store.add_tasks(pid, tasks())
    assert caught.value.code == code
    assert f"row {count - 1}: annotation 0: {field}" in str(caught.value)
    assert store.list_annotations(project_id=pid) == []
    assert store.project_counts([pid])[pid].task_count == 0


@pytest.mark.postgres
@pytest.mark.parametrize("count", [5, 400])  # 400: the annotations go in by COPY
def test_a_copy_failure_is_the_error_executemany_gives(pg_url: str, count: int) -> None:
    """Found in review: a COPY of 200+ imported annotations turned only unique violations
    into labelcore's errors; any other failure (a unique_id longer than its column)
    escaped as the driver's own exception. Both paths now raise SQLAlchemy's DataError,
    and the import keeps nothing."""
    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="too long"), None).id

    def tasks() -> Iterator[NewTask]:
        for i in range(count):
            unique = "u" * 300 if i == count - 1 else f"u{i}"
            yield NewTask(
                data={"text": f"t{i}"},
                annotations=(NewAnnotation(completed_by=1, result=[], unique_id=unique),),
            )

    with pytest.raises(sa.exc.DataError):
        store.add_tasks(pid, tasks())
    assert store.list_annotations(project_id=pid) == []
    assert store.project_counts([pid])[pid].task_count == 0
    store.close()
