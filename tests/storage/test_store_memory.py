"""The Store contract run against MemoryStore."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from labelcore.storage.memory import MemoryStore
from labelcore.testing import StoreContract


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[MemoryStore]:
        store = MemoryStore()
        store.migrate()
        yield store
        store.close()
