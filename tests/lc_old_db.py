"""Rows in a database at an older schema revision, for the migration tests (tests/storage,
tests/review): made by today's store in a scratch SQLite database at head, then copied into
the old database with only the tables and columns its revision has, since today's store
writes columns older revisions lack."""

from __future__ import annotations

import tempfile

import sqlalchemy as sa

from labelcore.model import NewAnnotation, NewPrediction, NewTask, ProjectSettings
from labelcore.storage.sql import SQLStore, make_engine, metadata


def fill_old_database(url: str) -> dict[str, int]:
    """Rows made by today's store (a fresh SQLite database at head), copied into the old
    database at ``url`` with only the tables and columns its revision has: today's store
    writes columns that older revisions lack (0010's task_count)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLStore(f"sqlite:///{tmp}/src.db")
        pid = store.add_project(ProjectSettings(title="old"), created_by=7).id
        tasks = [
            NewTask(
                data={"text": f"Grüße aus Zürich {i}", "i": i},
                annotations=(NewAnnotation(result=[], completed_by=7),),
                predictions=(NewPrediction(result=[], score=0.5),),
            )
            for i in range(30)
        ]
        ids = store.add_tasks(pid, tasks)
        store.save_draft(ids[0], "7", None, [], 1.0)
        store.add_view(pid, 7, {"title": "tab"})
        store.add_job("export", {}, project_id=pid)
        with store.engine.connect() as conn:
            rows = {
                t.name: [dict(r._mapping) for r in conn.execute(sa.select(t))]
                for t in metadata.sorted_tables
            }
        store.close()
    engine = make_engine(url)
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        present = set(inspector.get_table_names())  # tables of later revisions: not yet
        for table in metadata.sorted_tables:
            if table.name not in present or not rows[table.name]:
                continue
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            have = [c.name for c in table.c if c.name in columns]
            old = sa.table(table.name, *[sa.column(c, table.c[c].type) for c in have])
            conn.execute(old.insert(), [{k: r[k] for k in have} for r in rows[table.name]])
            if conn.dialect.name == "postgresql" and "id" in have:  # ids were given: move on
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
        counts = {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
            if name in present
        }
    engine.dispose()
    return counts
