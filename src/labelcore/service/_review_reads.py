"""How the review service reads a project's statistics and agreement (private).

    stats = read_statistics(store, project.id)                  # ProjectStatistics
    report = read_agreement(store, project.id, controls, 0.5)   # AgreementReport
    report.mean, stats.per_annotator

A store with ``StatisticsReads`` (``SQLStore``, ``MemoryStore``) gives the counts as
aggregates, the results of completed annotations as a stream, and only the tasks with two
or more completed annotations are read whole for agreement (the report's per-task map,
``ProjectTasks``, streams the project's other task ids whenever it is walked); agreement's
annotators come from ``ReviewReads.completed_annotators`` when the store has it. Any other
store is walked once with ``iter_bundles``. Both give the same numbers; memory stays
bounded either way.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, ItemsView, Iterable, Iterator, Mapping, Sequence

import attrs

from labelcore.model import Annotation, UserId
from labelcore.quality.agreement import AgreementReport, agreement_report
from labelcore.quality.statistics import (
    ProjectStatistics,
    assemble_statistics,
    label_distribution,
    project_statistics,
)
from labelcore.query import TaskQuery
from labelcore.storage.base import (
    AnnotationTotals,
    ReviewReads,
    StatisticsReads,
    Store,
    TaskBundle,
)


def _names(store: Store, ids: Collection[UserId]) -> dict[str, str]:
    return {str(k): (u.name or u.email or str(k)) for k, u in store.get_users(ids).items()}


def _per_annotator(totals: AnnotationTotals) -> dict[str, tuple[int, int, float | None]] | None:
    """The totals by ``str(completed_by)``; ``None`` when two stored ids read the same
    (``7`` and ``"7"``): their medians cannot be merged, the caller walks the tasks."""
    out: dict[str, tuple[int, int, float | None]] = {}
    for row in totals.annotators:
        key = str(row.completed_by)
        if key in out:
            return None
        out[key] = (row.annotations, row.skipped, row.median_lead_time)
    return out


def read_statistics(store: Store, project_id: int) -> ProjectStatistics:
    if isinstance(store, StatisticsReads):
        totals = store.annotation_totals(project_id)
        per_annotator = _per_annotator(totals)
        if per_annotator is not None:
            authors = [r.completed_by for r in totals.annotators if r.completed_by is not None]
            return assemble_statistics(
                tasks=totals.tasks,
                labeled_tasks=totals.labeled_tasks,
                median_lead_time=totals.median_lead_time,
                per_day=dict(totals.per_day),
                per_annotator=per_annotator,
                labels=label_distribution(store.iter_results(project_id)),
                names=_names(store, authors),
                ids={str(a): a for a in authors},
            )
    ids: set[UserId] = set()

    def noting_authors(bundles: Iterable[TaskBundle]) -> Iterator[TaskBundle]:
        for b in bundles:
            ids.update(a.completed_by for a in b.annotations if a.completed_by is not None)
            yield b

    stats = project_statistics(noting_authors(store.iter_bundles(project_id)))
    names = _names(store, ids)
    return assemble_statistics(
        tasks=stats.tasks,
        labeled_tasks=stats.labeled_tasks,
        median_lead_time=stats.median_lead_time,
        per_day={day: n for day, n, _ in stats.progress},
        per_annotator={
            a.annotator: (a.annotations, a.skipped, a.median_lead_time) for a in stats.per_annotator
        },
        labels=stats.labels,
        names=names,
        ids=stats.ids,
    )


class ProjectTasks(Mapping[int, float | None]):
    """Every task of the project -> its agreement: the scores of the compared tasks, and
    ``None`` for the others, whose ids stream from the store (``task_ids``, id order) each
    time the mapping is walked. An agreement report holds no list of the project's tasks:
    the stats page and the CSV tables never walk it, the JSON endpoints write it as they
    walk it."""

    def __init__(self, store: Store, project_id: int, scores: Mapping[int, float | None]) -> None:
        self._store = store
        self._project_id = project_id
        self._scores = scores

    def __iter__(self) -> Iterator[int]:
        return self._store.task_ids(self._project_id, TaskQuery())

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __getitem__(self, task_id: int) -> float | None:
        if task_id in self._scores:
            return self._scores[task_id]
        task = self._store.get_task(task_id) if isinstance(task_id, int) else None
        if task is None or task.project_id != self._project_id:
            raise KeyError(task_id)
        return None

    def items(self) -> ItemsView[int, float | None]:
        return _Items(self)


class _Items(ItemsView[int, float | None]):
    """``(task id, agreement)`` read off the stream: no lookup per task."""

    _mapping: ProjectTasks

    def __iter__(self) -> Iterator[tuple[int, float | None]]:
        ids, again = itertools.tee(self._mapping)  # no Python frame per task
        return zip(ids, map(self._mapping._scores.get, again), strict=True)


def read_agreement(
    store: Store, project_id: int, controls: Mapping[str, str], iou_threshold: float
) -> AgreementReport:
    tasks: Iterable[tuple[int, Sequence[Annotation]]]
    if isinstance(store, StatisticsReads):
        # a task with fewer than two completed annotations only adds its None and its
        # annotator: the ids, the annotators and the comparable tasks are enough
        if isinstance(store, ReviewReads):  # an index seek per author, not every row
            authors = store.completed_annotators(project_id)
        else:
            authors = [
                r.completed_by
                for r in store.annotation_totals(project_id).annotators
                if r.annotations
            ]
        report = agreement_report(
            store.iter_compared_tasks(project_id),
            controls,
            iou_threshold=iou_threshold,
            annotators=authors,
        )
        return attrs.evolve(report, tasks=ProjectTasks(store, project_id, report.tasks))
    tasks = ((b.task.id, b.annotations) for b in store.iter_bundles(project_id))
    return agreement_report(tasks, controls, iou_threshold=iou_threshold)
