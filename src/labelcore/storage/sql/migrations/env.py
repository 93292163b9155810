"""Alembic environment for labelcore's own tables (run programmatically; no alembic.ini).

The connection comes from ``config.attributes["connection"]``; the version table is
``labelcore_alembic_version`` so a host's own Alembic history is never touched.
"""

from __future__ import annotations

from alembic import context

from labelcore.storage.sql.tables import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    include_name=lambda name, type_, parent: type_ != "table" or str(name).startswith("labelcore_"),
)
with context.begin_transaction():
    context.run_migrations()
