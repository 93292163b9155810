"""MemoryStore part: annotation reviews (private; see ``labelcore.storage.base``).

store = MemoryStore()
review = store.add_review(annotation.id, reviewer.id, action="accepted", accepted=True)
store.list_reviews(annotation_id=annotation.id)   # [review]
"""

from __future__ import annotations

from typing import Any

from labelcore.errors import NotFound
from labelcore.model import AnnotationReview, UserId, utcnow
from labelcore.storage._memory_base import MemoryBase, uid_key


class MemoryReviews(MemoryBase):
    def _reviews(self) -> dict[Any, Any]:
        return self._t.setdefault("reviews", {})

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
        with self.transaction():
            annotation = self._t["annotations"].get(annotation_id)
            if annotation is None:
                raise NotFound(f"annotation {annotation_id} not found", code="annotation.not_found")
            self._reviews()
            review = AnnotationReview(
                id=self._next_id("reviews"),
                annotation_id=annotation_id,
                task_id=annotation.task_id,
                project_id=annotation.project_id,
                reviewer_id=reviewer_id,
                action=action,
                accepted=accepted,
                comment=comment,
                annotation_version=annotation.version
                if annotation_version is None
                else annotation_version,
                created_at=utcnow(),
            )
            self._put("reviews", review.id, review)
            return review

    def _live(self, review: AnnotationReview) -> bool:
        # reviews go with their annotation (and so with its task and project)
        return review.annotation_id in self._t["annotations"]

    def get_review(self, review_id: int) -> AnnotationReview | None:
        with self._lock:
            review: AnnotationReview | None = self._reviews().get(review_id)
            return review if review is not None and self._live(review) else None

    def list_reviews(
        self,
        *,
        project_id: int | None = None,
        task_id: int | None = None,
        annotation_id: int | None = None,
        reviewer_id: UserId | None = None,
    ) -> list[AnnotationReview]:
        with self._lock:
            who = uid_key(reviewer_id)
            return [
                r
                for _, r in sorted(self._reviews().items())
                if self._live(r)
                and (project_id is None or r.project_id == project_id)
                and (task_id is None or r.task_id == task_id)
                and (annotation_id is None or r.annotation_id == annotation_id)
                and (who is None or uid_key(r.reviewer_id) == who)
            ]
