"""MemoryStore part: the aggregates of project statistics and the review reads (private;
see ``labelcore.storage.base.StatisticsReads`` and ``ReviewReads``).

    store = MemoryStore()
    store.annotation_totals(project.id).annotators     # per stored completed_by
    sum(1 for _ in store.iter_results(project.id))     # completed annotations' results
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterator

from labelcore.model import Annotation, AnnotationReview, ResultList, UserId
from labelcore.storage._memory_base import MemoryBase, uid_key
from labelcore.storage.base import AnnotationHead, AnnotationTotals, AnnotatorTotals, TaskReviewRows


class MemoryStats(MemoryBase):
    def _project_annotations(self, project_id: int) -> list[Annotation]:
        anns = (a for a in self._t["annotations"].values() if a.project_id == project_id)
        return sorted(anns, key=lambda a: a.id)

    def annotation_totals(self, project_id: int) -> AnnotationTotals:
        with self._lock:
            tasks = [t for t in self._t["tasks"].values() if t.project_id == project_id]
            anns = self._project_annotations(project_id)
        # one row per stored id: 7 and "7" stay apart, as in the SQL store
        people: dict[object, list[Annotation]] = {}
        for a in anns:
            people.setdefault(uid_key(a.completed_by), []).append(a)
        done = [a.lead_time for a in anns if not a.was_cancelled]
        days = Counter(a.created_at.astimezone(dt.UTC).date() for a in anns if not a.was_cancelled)
        rows = []
        for key in sorted(people, key=lambda k: (k is not None, k)):
            mine = people[key]
            leads = [a.lead_time for a in mine if not a.was_cancelled]
            rows.append(
                AnnotatorTotals(
                    completed_by=mine[0].completed_by,
                    annotations=len(leads),
                    skipped=len(mine) - len(leads),
                    median_lead_time=statistics.median(leads) if leads else None,
                )
            )
        return AnnotationTotals(
            tasks=len(tasks),
            labeled_tasks=sum(t.is_labeled for t in tasks),
            median_lead_time=statistics.median(done) if done else None,
            per_day=tuple(sorted(days.items())),
            annotators=tuple(rows),
        )

    def iter_results(self, project_id: int, *, batch_size: int = 1000) -> Iterator[ResultList]:
        with self._lock:
            anns = self._project_annotations(project_id)
        return iter([a.result for a in anns if not a.was_cancelled and a.result])

    def iter_compared_tasks(
        self, project_id: int, *, batch_size: int = 1000
    ) -> Iterator[tuple[int, list[Annotation]]]:
        with self._lock:
            tasks = {
                t.id
                for t in self._t["tasks"].values()
                if t.project_id == project_id and t.total_annotations > 1
            }
            by_task: dict[int, list[Annotation]] = {}
            for a in self._project_annotations(project_id):
                if a.task_id in tasks:
                    by_task.setdefault(a.task_id, []).append(a)
        return iter(sorted(by_task.items()))

    # -- ReviewReads ------------------------------------------------------------------------
    def iter_review_rows(
        self, project_id: int, *, after: int = 0, limit: int | None = None
    ) -> Iterator[TaskReviewRows]:
        with self._lock:
            ids = sorted(
                t.id
                for t in self._t["tasks"].values()
                if t.project_id == project_id and t.id > after
            )[:limit]
            wanted = set(ids)
            heads: dict[int, list[AnnotationHead]] = {}
            for a in self._project_annotations(project_id):
                if a.task_id in wanted:
                    heads.setdefault(a.task_id, []).append(
                        AnnotationHead(
                            id=a.id,
                            task_id=a.task_id,
                            completed_by=a.completed_by,
                            was_cancelled=a.was_cancelled,
                            version=a.version,
                        )
                    )
            reviews: dict[int, list[AnnotationReview]] = {}
            for _, r in sorted(self._t.get("reviews", {}).items()):
                if r.task_id in wanted and r.annotation_id in self._t["annotations"]:
                    reviews.setdefault(r.task_id, []).append(r)
        return iter([(t, heads.get(t, ()), reviews.get(t, ())) for t in ids])

    def completed_annotators(self, project_id: int) -> list[UserId | None]:
        with self._lock:
            done = (a for a in self._project_annotations(project_id) if not a.was_cancelled)
            by_key = {uid_key(a.completed_by): a.completed_by for a in done}
        return list(by_key.values())
