"""The Store contract run against SQLStore on a SQLite file and on PostgreSQL (CI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from labelcore.storage.sql import SQLStore
from labelcore.testing import StoreContract


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SQLStore]:
        store = SQLStore(f"sqlite:///{tmp_path / 'labelcore.db'}")
        store.migrate()
        yield store
        store.close()


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, pg_url: str) -> Iterator[SQLStore]:
        store = SQLStore(pg_url)
        yield store
        store.close()
