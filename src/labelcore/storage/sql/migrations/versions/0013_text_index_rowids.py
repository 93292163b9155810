"""SQLite: a cheaper trigram index to fill. Row ids only (FTS5 ``detail=none``,
``columnsize=0``), and no insert trigger: the store indexes the tasks it inserts.

The index of 0002 stored every trigram's positions (``detail=full``) so that a substring
search could be one phrase query. A search never needs them: the store narrows a
``contains`` filter through the index and then checks every candidate row exactly, so the
index only has to return a superset of the matching rows. It is now searched with all of the
needle's trigrams ANDed (``"ber" AND "erl" AND "rli" AND "lin"``), which a row-ids-only
index answers. At 100,000 workload tasks the index is 19 MB instead of 69 MB and filling it
takes about 1.0 s of CPU instead of 1.8 s; a ``contains`` page reads a few more candidates.

The insert trigger of 0002/0008 went too: an AFTER INSERT trigger on the task table costs
about 5 us per inserted row even when its WHEN clause skips it (0.5 s per 100,000 tasks, as
much as all the task table's indexes), and since 0008 every insert came from
``SQLStore.add_tasks``, which indexed its rows itself (``INSERT ... SELECT`` per batch) and
kept the trigger out of the way through ``labelcore_task_fts_defer``. That table goes too.
The update and delete triggers stay. The table is rebuilt from the tasks here (about 1 s
per 100,000 tasks); the merge settings are those of 0008. PostgreSQL: nothing changes.

Revision ID: 0013
Revises: 0012
"""

# ruff: noqa: S608 - DDL built from constant names only
from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

FTS = "labelcore_task_fts"
DEFER = "labelcore_task_fts_defer"
_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(data, content='labelcore_task', "
    "content_rowid='id', tokenize='trigram'{options})"
)
_INSERT_TRIGGER = (  # as 0008 left it
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON labelcore_task "
    f"WHEN NOT EXISTS (SELECT 1 FROM {DEFER} WHERE new.id BETWEEN lo AND hi) "
    f"BEGIN INSERT INTO {FTS}(rowid, data) VALUES (new.id, new.data); END"
)
_TRIGGERS = (
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON labelcore_task BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, data) VALUES ('delete', old.id, old.data); END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF data ON labelcore_task BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, data) VALUES ('delete', old.id, old.data); "
    f"INSERT INTO {FTS}(rowid, data) VALUES (new.id, new.data); END",
)
_SET = f"INSERT INTO {FTS}({FTS}, rank) VALUES (?, ?)"
_MERGE = (("automerge", 16), ("crisismerge", 64))  # as 0008 set them


def _has_fts() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    found = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS,)
    ).first()
    return found is not None


def _recreate(options: str, triggers: tuple[str, ...]) -> None:
    bind = op.get_bind()
    for suffix in ("_ai", "_ad", "_au"):
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS}{suffix}")
    bind.exec_driver_sql(f"DROP TABLE {FTS}")
    bind.exec_driver_sql(_CREATE.format(options=options))
    for name, value in _MERGE:
        bind.exec_driver_sql(_SET, (name, value))
    for statement in triggers:
        bind.exec_driver_sql(statement)
    bind.exec_driver_sql(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def upgrade() -> None:
    if _has_fts():
        _recreate(", detail='none', columnsize=0", _TRIGGERS)
        op.get_bind().exec_driver_sql(f"DROP TABLE IF EXISTS {DEFER}")


def downgrade() -> None:
    if _has_fts():
        op.get_bind().exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {DEFER} (lo INTEGER NOT NULL, hi INTEGER NOT NULL)"
        )
        _recreate("", (_INSERT_TRIGGER, *_TRIGGERS))
