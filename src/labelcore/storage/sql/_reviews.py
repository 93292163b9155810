"""SQLStore part: annotation reviews (private; see ``labelcore.storage.base``).

    store = SQLStore("sqlite:///labelcore.db")
    review = store.add_review(annotation.id, reviewer.id, action="rejected", accepted=False)
    store.list_reviews(project_id=project.id)

The table is created by migration 0003; rows cascade with their annotation.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from labelcore.errors import NotFound
from labelcore.model import AnnotationReview, UserId, utcnow
from labelcore.storage.sql._base import SQLBase
from labelcore.storage.sql.tables import ANNOTATIONS, UserIdText, UTCDateTime, metadata

REVIEWS = sa.Table(
    "labelcore_annotation_review",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "annotation_id",
        sa.Integer,
        sa.ForeignKey("labelcore_annotation.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("task_id", sa.Integer, nullable=False),
    sa.Column("project_id", sa.Integer, nullable=False, index=True),
    sa.Column("reviewer_id", UserIdText, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text, nullable=False, default=""),
    sa.Column("annotation_version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sqlite_autoincrement=True,
)


def _review(row: Any) -> AnnotationReview:
    return AnnotationReview(
        id=row.id,
        annotation_id=row.annotation_id,
        task_id=row.task_id,
        project_id=row.project_id,
        reviewer_id=row.reviewer_id,
        action=row.action,
        accepted=bool(row.accepted),
        comment=row.comment,
        annotation_version=row.annotation_version,
        created_at=row.created_at,
    )


class SQLReviews(SQLBase):
    def add_review(
        self,
        annotation_id: int,
        reviewer_id: UserId,
        *,
        action: str,
        accepted: bool,
        comment: str = "",
        annotation_version: int | None = None,
    ) -> AnnotationReview:
        with self._tx() as conn:
            ann = conn.execute(
                sa.select(
                    ANNOTATIONS.c.task_id, ANNOTATIONS.c.project_id, ANNOTATIONS.c.version
                ).where(ANNOTATIONS.c.id == annotation_id)
            ).first()
            if ann is None:
                raise NotFound(f"annotation {annotation_id} not found", code="annotation.not_found")
            row = conn.execute(
                sa.insert(REVIEWS)
                .values(
                    annotation_id=annotation_id,
                    task_id=ann.task_id,
                    project_id=ann.project_id,
                    reviewer_id=reviewer_id,
                    action=action,
                    accepted=accepted,
                    comment=comment,
                    annotation_version=ann.version
                    if annotation_version is None
                    else annotation_version,
                    created_at=utcnow(),
                )
                .returning(*REVIEWS.c)
            ).one()
            return _review(row)

    def get_review(self, review_id: int) -> AnnotationReview | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(REVIEWS).where(REVIEWS.c.id == review_id)).first()
            return None if row is None else _review(row)

    def list_reviews(
        self,
        *,
        project_id: int | None = None,
        task_id: int | None = None,
        annotation_id: int | None = None,
        reviewer_id: UserId | None = None,
    ) -> list[AnnotationReview]:
        stmt = sa.select(REVIEWS).order_by(REVIEWS.c.id)
        if project_id is not None:
            stmt = stmt.where(REVIEWS.c.project_id == project_id)
        if task_id is not None:
            stmt = stmt.where(REVIEWS.c.task_id == task_id)
        if annotation_id is not None:
            stmt = stmt.where(REVIEWS.c.annotation_id == annotation_id)
        if reviewer_id is not None:
            stmt = stmt.where(REVIEWS.c.reviewer_id == reviewer_id)
        with self._tx(write=False) as conn:
            return [_review(r) for r in conn.execute(stmt)]
