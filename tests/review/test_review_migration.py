"""Migration 0003 adds the review table to an existing database and keeps its rows."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from labelcore.storage.sql import SQLStore
from labelcore.storage.sql.engine import current_revision, upgrade
from lc_old_db import fill_old_database

ANNOTATIONS = sa.text("SELECT id, task_id, result FROM labelcore_annotation ORDER BY id")


def test_upgrade_from_0002_keeps_rows_and_adds_reviews(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0002")
    fill_old_database(url)
    store = SQLStore(url, auto_migrate=False)
    try:
        with store.engine.connect() as conn:
            assert not sa.inspect(conn).has_table("labelcore_annotation_review")
            before = [tuple(r) for r in conn.execute(ANNOTATIONS)]
        assert len(before) == 30
        store.migrate()
        assert current_revision(store.engine) >= "0003"  # head, past the review table
        with store.engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(ANNOTATIONS)] == before
        ann = store.get_annotation(before[0][0])
        assert ann is not None and ann.task_id == before[0][1]
        review = store.add_review(ann.id, 9, action="accepted", accepted=True)
        assert store.list_reviews(project_id=ann.project_id) == [review]
        store.migrate()  # idempotent
        assert store.get_review(review.id) == review
    finally:
        store.close()
