"""Project statistics for the statistics page and its CSV files (pure functions).

    from labelcore.quality.statistics import project_statistics
    stats = project_statistics(bundles, names={7: "Ada"})
    stats.per_annotator, stats.progress, stats.labels

Input: the project's tasks with their annotations (``TaskBundle``-like objects with
``task`` and ``annotations``). Skipped annotations count for the skip rate only.
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import attrs

from labelcore.model import Annotation, Task, UserId
from labelcore.quality._ids import note_id


class _Bundle(Protocol):
    @property
    def task(self) -> Task: ...

    @property
    def annotations(self) -> list[Annotation]: ...


@attrs.frozen(kw_only=True)
class AnnotatorStats:
    annotator: str
    name: str
    annotations: int  # completed, not skipped
    skipped: int
    median_lead_time: float | None  # seconds, completed annotations

    @property
    def skip_rate(self) -> float:
        total = self.annotations + self.skipped
        return self.skipped / total if total else 0.0


@attrs.frozen(kw_only=True)
class ProjectStatistics:
    tasks: int
    labeled_tasks: int
    annotations: int
    skipped: int
    median_lead_time: float | None
    progress: tuple[tuple[dt.date, int, int], ...]  # day, annotations that day, cumulative
    per_annotator: tuple[AnnotatorStats, ...]
    labels: Mapping[str, Mapping[str, int]]  # control -> label -> count
    # ``AnnotatorStats.annotator`` (``str(completed_by)``) -> the id as the host gave it
    ids: Mapping[str, UserId] = attrs.field(factory=dict)

    @property
    def skip_rate(self) -> float:
        total = self.annotations + self.skipped
        return self.skipped / total if total else 0.0


_LABEL_KEYS = ("choices", "labels", "rectanglelabels", "polygonlabels", "keypointlabels",
               "ellipselabels", "brushlabels", "hypertextlabels", "paragraphlabels",
               "timeserieslabels", "taxonomy", "rating")  # fmt: skip


def result_labels(result: Iterable[dict[str, Any]]) -> Iterable[tuple[str, str]]:
    """``(control, label)`` for every label, choice, taxonomy path or rating in a result."""
    for item in result:
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, dict):
            continue
        control = str(item.get("from_name", ""))
        for key in _LABEL_KEYS:
            got = value.get(key)
            if isinstance(got, list):
                for v in got:
                    yield control, " / ".join(map(str, v)) if isinstance(v, list) else str(v)
            elif key == "rating" and isinstance(got, int | float) and not isinstance(got, bool):
                yield control, f"{got:g}"


def _median(values: list[float]) -> float | None:
    return pystats.median(values) if values else None


def label_distribution(results: Iterable[Iterable[dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """``control -> label -> count`` over these results (``result_labels`` of each), in
    name order: the ``labels`` of :class:`ProjectStatistics`."""
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for result in results:
        _count_labels(labels, result)
    return _sorted_labels(labels)


def _count_labels(labels: dict[str, Counter[str]], result: Iterable[dict[str, Any]]) -> None:
    for control, label in result_labels(result):
        labels[control][label] += 1


def _sorted_labels(labels: Mapping[str, Counter[str]]) -> dict[str, dict[str, int]]:
    return {c: dict(sorted(v.items())) for c, v in sorted(labels.items())}


def assemble_statistics(
    *,
    tasks: int,
    labeled_tasks: int,
    median_lead_time: float | None,
    per_day: Mapping[dt.date, int],
    per_annotator: Mapping[str, tuple[int, int, float | None]],
    labels: Mapping[str, Mapping[str, int]],
    names: Mapping[str, str] | None = None,
    ids: Mapping[str, UserId] | None = None,
) -> ProjectStatistics:
    """:class:`ProjectStatistics` from its parts, counted elsewhere (a store's aggregates):
    ``per_annotator`` maps ``str(completed_by)`` to ``(completed, skipped, median lead
    time)``; ``ids`` maps those keys to the ids as the host gave them."""
    names = names or {}
    progress: list[tuple[dt.date, int, int]] = []
    total = 0
    for day in sorted(per_day):
        total += per_day[day]
        progress.append((day, per_day[day], total))
    return ProjectStatistics(
        tasks=tasks,
        labeled_tasks=labeled_tasks,
        annotations=sum(done for done, _, _ in per_annotator.values()),
        skipped=sum(skipped for _, skipped, _ in per_annotator.values()),
        median_lead_time=median_lead_time,
        progress=tuple(progress),
        per_annotator=tuple(
            AnnotatorStats(
                annotator=p,
                name=names.get(p, p),
                annotations=done,
                skipped=skipped,
                median_lead_time=lead,
            )
            for p, (done, skipped, lead) in sorted(per_annotator.items())
        ),
        labels=labels,
        ids=dict(ids or {}),
    )


def project_statistics(
    bundles: Iterable[_Bundle], names: Mapping[str, str] | None = None
) -> ProjectStatistics:
    """Counts, progress per UTC day, per-annotator numbers and the label distribution."""
    tasks = labeled = 0
    per_day: Counter[dt.date] = Counter()
    done: dict[str, int] = Counter()
    skipped: dict[str, int] = Counter()
    leads: dict[str, list[float]] = defaultdict(list)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    ids: dict[str, UserId] = {}
    for bundle in bundles:
        tasks += 1
        labeled += bundle.task.is_labeled
        for ann in bundle.annotations:
            who = str(ann.completed_by)
            if ann.completed_by is not None:
                note_id(ids, who, ann.completed_by)
            if ann.was_cancelled:
                skipped[who] += 1
                continue
            done[who] += 1
            leads[who].append(ann.lead_time)
            per_day[ann.created_at.astimezone(dt.UTC).date()] += 1
            _count_labels(labels, ann.result)
    return assemble_statistics(
        tasks=tasks,
        labeled_tasks=labeled,
        median_lead_time=_median([v for vs in leads.values() for v in vs]),
        per_day=per_day,
        per_annotator={
            p: (done.get(p, 0), skipped.get(p, 0), _median(leads.get(p, [])))
            for p in set(done) | set(skipped)
        },
        labels=_sorted_labels(labels),
        names=names,
        ids=ids,
    )
