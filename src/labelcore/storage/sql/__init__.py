"""The SQL store: SQLite by default, PostgreSQL when a host grows, tables named labelcore_*.

from labelcore.storage.sql import SQLStore, upgrade
upgrade("sqlite:///labelcore.db")               # what `labelcore db upgrade` runs
store = SQLStore("sqlite:///labelcore.db")       # creates/upgrades tables unless auto_migrate=False
"""

from __future__ import annotations

from labelcore.storage.sql.engine import current_revision, make_engine, upgrade
from labelcore.storage.sql.store import SQLStore
from labelcore.storage.sql.tables import metadata

__all__ = ["SQLStore", "current_revision", "make_engine", "metadata", "upgrade"]
