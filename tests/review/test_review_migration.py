"""Migration 0003 adds the review table to an existing database and keeps its rows."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from labelcore.model import NewAnnotation, NewTask, ProjectSettings
from labelcore.storage.sql import SQLStore
from labelcore.storage.sql.engine import current_revision, upgrade


def test_upgrade_from_0002_keeps_rows_and_adds_reviews(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0002")
    store = SQLStore(url, auto_migrate=False)
    try:
        with store.engine.connect() as conn:
            assert not sa.inspect(conn).has_table("labelcore_annotation_review")
        project = store.add_project(ProjectSettings(title="Old"), created_by=1)
        (tid,) = store.add_tasks(project.id, [NewTask(data={"text": "x"})])
        ann = store.add_annotation(
            NewAnnotation(result=[], completed_by=7, task_id=tid), project.id
        )
        store.migrate()
        assert current_revision(store.engine) >= "0003"  # head, past the review table
        assert store.get_annotation(ann.id) == ann
        review = store.add_review(ann.id, 9, action="accepted", accepted=True)
        assert store.list_reviews(project_id=project.id) == [review]
        store.migrate()  # idempotent
        assert store.get_review(review.id) == review
    finally:
        store.close()
