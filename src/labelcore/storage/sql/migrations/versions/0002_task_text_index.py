"""Substring search index over task data: SQLite FTS5 trigram, PostgreSQL pg_trgm.

Revision ID: 0002
Revises: 0001

Either index is optional: when the database cannot build it (no FTS5 trigram tokenizer,
no permission to create the pg_trgm extension) the upgrade goes on without it and the
store filters by scanning.
"""

# ruff: noqa: S608 - DDL built from constant names only
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FTS = "labelcore_task_fts"
SQLITE_DDL = (  # constant names only, no input
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(data, content='labelcore_task', "
    "content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON labelcore_task BEGIN "
    f"INSERT INTO {FTS}(rowid, data) VALUES (new.id, new.data); END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON labelcore_task BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, data) VALUES ('delete', old.id, old.data); END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF data ON labelcore_task BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, data) VALUES ('delete', old.id, old.data); "
    f"INSERT INTO {FTS}(rowid, data) VALUES (new.id, new.data); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        try:
            bind.exec_driver_sql(
                f"CREATE VIRTUAL TABLE {FTS}_probe USING fts5(x, tokenize='trigram')"
            )
            bind.exec_driver_sql(f"DROP TABLE {FTS}_probe")
        except sa.exc.OperationalError:
            return  # no FTS5 trigram tokenizer in this SQLite build
        for statement in SQLITE_DDL:
            bind.exec_driver_sql(statement)
    elif bind.dialect.name == "postgresql":
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return  # not allowed to create the extension: substring filters scan
        bind.exec_driver_sql(
            "CREATE INDEX IF NOT EXISTS labelcore_task_data_trgm_ix ON labelcore_task "
            "USING gin ((data::text) gin_trgm_ops)"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for suffix in ("_ai", "_ad", "_au"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS}{suffix}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS}")
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP INDEX IF EXISTS labelcore_task_data_trgm_ix")
