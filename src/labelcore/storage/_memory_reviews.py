"""MemoryStore part: annotation reviews (private; see ``labelcore.storage.base``).

store = MemoryStore()
review = store.add_review(annotation.id, reviewer.id, action="accepted", accepted=True)
store.list_reviews(annotation_id=annotation.id)   # [review]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import attrs

from labelcore.errors import NotFound
from labelcore.model import Annotation, AnnotationReview, Task, UserId, utcnow
from labelcore.storage._memory_base import MemoryBase, uid_key
from labelcore.storage.base import TaskQuality


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
        task_ids: Collection[int] | None = None,
        annotation_ids: Collection[int] | None = None,
    ) -> list[AnnotationReview]:
        tasks = None if task_ids is None else set(task_ids)
        anns = None if annotation_ids is None else set(annotation_ids)
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
                and (tasks is None or r.task_id in tasks)
                and (anns is None or r.annotation_id in anns)
            ]

    def update_review(self, review_id: int, *, comment: str) -> AnnotationReview:
        with self.transaction():
            review = self.get_review(review_id)
            if review is None:
                raise NotFound(f"review {review_id} not found", code="review.not_found")
            review = attrs.evolve(review, comment=comment)
            self._put("reviews", review_id, review)
            return review

    def delete_reviews(self, review_ids: Collection[int]) -> int:
        with self.transaction():
            self._reviews()
            return sum(
                self._del("reviews", i) for i in set(review_ids) if self.get_review(i) is not None
            )

    # -- derived quality (data-manager columns) and review claims ---------------------------
    def _quality(self) -> dict[Any, Any]:
        return self._t.setdefault("quality", {})

    def _review_claims(self) -> dict[Any, Any]:
        return self._t.setdefault("review_claims", {})

    def set_task_quality(self, project_id: int, rows: Iterable[TaskQuality]) -> None:
        with self.transaction():
            self._quality()
            for row in rows:
                task = self._t["tasks"].get(row.task_id)
                if task is None or task.project_id != project_id:
                    continue
                states = {
                    a: s
                    for a, s in row.annotation_states.items()
                    if (ann := self._t["annotations"].get(a)) is not None
                    and ann.task_id == row.task_id
                }
                self._put("quality", row.task_id, attrs.evolve(row, annotation_states=states))

    def get_task_quality(self, task_ids: Collection[int]) -> dict[int, TaskQuality]:
        with self._lock:
            out: dict[int, TaskQuality] = {}
            for task_id in task_ids:
                row = self._live_quality(task_id)
                if row is not None:
                    out[task_id] = row
            return out

    def _live_quality(self, task_id: int) -> TaskQuality | None:
        row: TaskQuality | None = self._quality().get(task_id)
        if row is None or task_id not in self._t["tasks"]:
            return None
        anns = self._t["annotations"]
        states = {a: s for a, s in row.annotation_states.items() if a in anns}
        return (
            row
            if len(states) == len(row.annotation_states)
            else attrs.evolve(row, annotation_states=states)
        )

    def _quality_column(self, task: Task, column: str) -> Any:
        """A task's value of ``review_state``, ``agreement`` or ``annotation_states``."""
        row = self._live_quality(task.id)
        if column == "agreement":
            return None if row is None else row.agreement
        if column == "annotation_states":
            return [] if row is None else sorted(set(row.annotation_states.values()))
        if row is not None:
            return row.state
        return "annotated" if task.total_annotations > 0 else "unannotated"

    def tasks_with_state(
        self, project_id: int, user_id: UserId, state: str, limit: int = 20, *, after: int = 0
    ) -> list[int]:
        with self._lock:
            who = uid_key(user_id)
            found = {
                ann.task_id
                for ann, got in self._stored_states(project_id)
                if got == state and uid_key(ann.completed_by) == who and ann.task_id > after
            }
            return sorted(found)[:limit]

    def _stored_states(self, project_id: int) -> Iterator[tuple[Annotation, str]]:
        """``(annotation, stored state)`` of the project's live, not skipped annotations."""
        for task_id in list(self._quality()):
            row = self._live_quality(task_id)
            if row is None:
                continue
            for ann_id, got in row.annotation_states.items():
                ann = self._t["annotations"].get(ann_id)
                if ann is not None and ann.project_id == project_id and not ann.was_cancelled:
                    yield ann, got

    def claim_review(
        self, annotation_id: int, user_id: UserId, now: dt.datetime, ttl: dt.timedelta
    ) -> bool:
        with self.transaction():
            ann = self._t["annotations"].get(annotation_id)
            if ann is None:
                return False
            claims = self._review_claims()
            held = claims.get(annotation_id)
            who = uid_key(user_id)
            if held is not None and held[2] > now and uid_key(held[0]) != who:
                return False
            for key, (uid, pid, _) in list(claims.items()):
                if key != annotation_id and pid == ann.project_id and uid_key(uid) == who:
                    self._del("review_claims", key)
            self._put("review_claims", annotation_id, (user_id, ann.project_id, now + ttl))
            return True

    def review_claims(self, project_id: int, now: dt.datetime) -> dict[int, UserId]:
        with self._lock:
            anns = self._t["annotations"]
            return {
                key: uid
                for key, (uid, pid, until) in self._review_claims().items()
                if pid == project_id and until > now and key in anns
            }

    def review_candidates(
        self,
        project_id: int,
        user_id: UserId,
        states: Collection[str],
        now: dt.datetime,
        *,
        offset: int = 0,
        limit: int = 50,
    ) -> list[int]:
        with self._lock:
            who = uid_key(user_id)
            claims = self._review_claims()
            stored = {ann.id: got for ann, got in self._stored_states(project_id)}
            found: list[tuple[bool, dt.datetime, int]] = []
            for ann in list(self._t["annotations"].values()):
                got = stored.get(ann.id)
                if (
                    ann.project_id != project_id
                    or ann.was_cancelled
                    or (got is not None and got not in states)
                    or (ann.completed_by is not None and uid_key(ann.completed_by) == who)
                ):
                    continue
                holder, _, until = claims.get(ann.id, (None, None, now))
                live = until > now
                mine = live and uid_key(holder) == who
                if live and not mine:
                    continue
                found.append((not mine, ann.updated_at, ann.id))
            return [a for _, _, a in sorted(found)[offset : offset + limit]]

    def release_review_claims(
        self, *, user_id: UserId | None = None, annotation_id: int | None = None
    ) -> int:
        with self.transaction():
            who = uid_key(user_id)
            gone = [
                key
                for key, (uid, _, _) in self._review_claims().items()
                if (annotation_id is None or key == annotation_id)
                and (who is None or uid_key(uid) == who)
            ]
            for key in gone:
                self._del("review_claims", key)
            return len(gone)
