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
