"""Storage backends behind one protocol.

from labelcore.storage import open_store
store = open_store("sqlite:///labelcore.db")
store.migrate()
"""

from __future__ import annotations

from labelcore.storage.base import CandidateSpec, Store, TaskBundle, TaskPage

__all__ = ["CandidateSpec", "Store", "TaskBundle", "TaskPage", "open_store"]


def open_store(url_or_store: str | Store) -> Store:
    """A store from a URL (``sqlite:///path``, ``postgresql+psycopg://...``, ``memory://``)
    or the given Store object unchanged."""
    if not isinstance(url_or_store, str):
        return url_or_store
    if url_or_store.startswith("memory:"):
        from labelcore.storage.memory import MemoryStore

        return MemoryStore()
    from labelcore.storage.sql import SQLStore

    return SQLStore(url_or_store)
