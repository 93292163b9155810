"""The Store contract run against SQLStore on a SQLite file and on PostgreSQL (CI).

One migrated store per backend and test session; every test starts from empty tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from labelcore.storage.sql import SQLStore
from labelcore.storage.sql.tables import metadata
from labelcore.testing import StoreContract


def _empty(store: SQLStore) -> None:
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with store.engine.begin() as conn:
        if store.is_pg:
            conn.exec_driver_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
        else:
            for name in names:
                conn.exec_driver_sql(f"DELETE FROM {name}")
            conn.exec_driver_sql("DELETE FROM sqlite_sequence")  # ids restart at 1


@pytest.fixture(scope="session")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLStore]:
    path = tmp_path_factory.mktemp("sqlstore") / "labelcore.db"
    store = SQLStore(f"sqlite:///{path}")
    yield store
    store.close()


@pytest.fixture(scope="session")
def pg_store(pg_server: str) -> Iterator[SQLStore]:
    name = f"lc_contract_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    store = SQLStore(pg_server.rsplit("/", 1)[0] + "/" + name)
    try:
        yield store
    finally:
        store.close()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def store(self, sqlite_store: SQLStore) -> SQLStore:
        _empty(sqlite_store)
        return sqlite_store


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, pg_store: SQLStore) -> SQLStore:
        _empty(pg_store)
        return pg_store


def test_sqlite_store_is_a_file_with_wal(tmp_path: Path) -> None:
    store = SQLStore(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    store.close()
    assert (tmp_path / "x.db").exists()


def _counted(store: SQLStore, pid: int) -> tuple[int, int, int]:
    """(maintained count, count(*) of the rows, the unfiltered page's total)."""
    from labelcore.query import PageRequest, TaskQuery

    with store.engine.connect() as conn:
        kept = conn.exec_driver_sql(
            f"SELECT task_count FROM labelcore_project WHERE id = {int(pid)}"
        ).scalar_one()
        rows = conn.exec_driver_sql(
            f"SELECT count(*) FROM labelcore_task WHERE project_id = {int(pid)}"
        ).scalar_one()
    return kept, rows, store.query_tasks(pid, TaskQuery(), PageRequest(page_size=5)).total


def _unfiltered_total_follows_imports_and_deletes(store: SQLStore) -> None:
    from labelcore.model import NewTask, ProjectSettings

    pid = store.add_project(ProjectSettings(title="count"), created_by=1).id
    other = store.add_project(ProjectSettings(title="other"), created_by=1).id
    ids = store.add_tasks(pid, [NewTask(data={"i": i}) for i in range(7)])
    store.add_tasks(other, [NewTask(data={"i": i}) for i in range(3)])
    assert _counted(store, pid) == (7, 7, 7)
    # ids of another project and unknown ids delete nothing and count nothing
    assert store.delete_tasks(pid, [ids[0], ids[1], 10**9]) == 2
    assert store.delete_tasks(pid, [ids[0]]) == 0
    assert _counted(store, pid) == (5, 5, 5)
    assert _counted(store, other) == (3, 3, 3)
    with pytest.raises(Exception):  # a bad row: the batch's rows and count are not kept
        store.add_tasks(pid, [NewTask(data={"ok": 1}), NewTask(data="bad")])  # type: ignore[arg-type]
    assert _counted(store, pid) == (5, 5, 5)
    assert store.delete_tasks(pid) == 5
    assert _counted(store, pid) == (0, 0, 0)
    assert _counted(store, other) == (3, 3, 3)


def test_unfiltered_total_follows_imports_and_deletes_sqlite(sqlite_store: SQLStore) -> None:
    _empty(sqlite_store)
    _unfiltered_total_follows_imports_and_deletes(sqlite_store)


@pytest.mark.postgres
def test_unfiltered_total_follows_imports_and_deletes_postgres(pg_store: SQLStore) -> None:
    _empty(pg_store)
    _unfiltered_total_follows_imports_and_deletes(pg_store)


@pytest.mark.postgres
def test_task_count_exact_under_concurrent_imports_and_deletes_postgres(
    pg_store: SQLStore,
) -> None:
    import threading

    from labelcore.model import NewTask, ProjectSettings

    _empty(pg_store)
    pid = pg_store.add_project(ProjectSettings(title="race"), created_by=1).id
    seed = pg_store.add_tasks(pid, [NewTask(data={"i": i}) for i in range(200)])
    errors: list[BaseException] = []

    def run(fn: object) -> None:
        try:
            fn()  # type: ignore[operator]
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    work = [lambda: pg_store.add_tasks(pid, [NewTask(data={"x": j}) for j in range(50)])] * 4
    # two deleters race for the same ids: each row is subtracted once
    work += [lambda: pg_store.delete_tasks(pid, seed[:120])] * 2
    work += [lambda: pg_store.delete_tasks(pid, seed[100:])]
    threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _counted(pg_store, pid) == (200, 200, 200)  # 200 + 4 * 50 - 200


@pytest.mark.postgres
def test_pg_text_match_filters_may_start_parallel_workers(pg_store: SQLStore) -> None:
    """PostgreSQL prices ILIKE like an integer comparison, so it never parallelised a
    contains page (1M tasks: 722 -> 482 ms with workers). Text-match filters lower
    ``parallel_setup_cost`` for their statements only: it is back afterwards, also inside an
    enclosing transaction, and other queries never touch it."""
    from labelcore.model import NewTask, ProjectSettings
    from labelcore.query import Filter, FilterGroup, PageRequest, TaskQuery

    _empty(pg_store)
    pid = pg_store.add_project(ProjectSettings(title="parallel"), created_by=1).id
    pg_store.add_tasks(pid, [NewTask(data={"text": t}) for t in ("in Berlin", "Bern", "BERLIN")])
    contains = TaskQuery(
        filters=FilterGroup(
            items=(Filter(column="data.text", operator="contains", type="String", value="berlin"),)
        )
    )
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    sa.event.listen(pg_store.engine, "before_cursor_execute", record)
    try:
        assert pg_store.query_tasks(pid, TaskQuery(), PageRequest()).total == 3
        assert not any("parallel_setup_cost" in s for s in seen)
        with pg_store.transaction():
            with pg_store._tx(write=False) as conn:
                before = conn.exec_driver_sql("SHOW parallel_setup_cost").scalar()
            assert pg_store.query_tasks(pid, contains, PageRequest()).total == 2
            assert pg_store.task_totals(pid, contains) == (0, 0)
            with pg_store._tx(write=False) as conn:
                after = conn.exec_driver_sql("SHOW parallel_setup_cost").scalar()
    finally:
        sa.event.remove(pg_store.engine, "before_cursor_execute", record)
    lowered = [s for s in seen if "set_config('parallel_setup_cost', '0'" in s]
    assert len(lowered) == 2  # the page and the totals
    assert after == before != "0"
