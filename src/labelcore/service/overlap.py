"""Task overlap: how many annotators each task needs, from the project's settings.

rearrange_overlap(store, project)     # after a settings change or an import
label_usage(store, project.id)        # {"label": {"Positive": 12}} for config-change checks
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from labelcore.model import Project, ResultList
from labelcore.query import Ordering, TaskQuery
from labelcore.service.settings import cohort_overlaps
from labelcore.storage.base import Store

_BATCH = 5000

#: key of a control's entry in :func:`label_usage` that counts results without labels
WHOLE_CONTROL = ""


def rearrange_overlap(store: Store, project: Project) -> None:
    """Set every task's ``overlap`` per ``maximum_annotations`` and
    ``overlap_cohort_percentage`` (``is_labeled`` follows in the store)."""
    s = project.settings
    if s.maximum_annotations == 1 or s.overlap_cohort_percentage >= 100:
        # one overlap for every task: written a batch at a time as the ids stream, the
        # project's ids never listed
        stream = iter(store.task_ids(project.id, TaskQuery()))
        while batch := list(islice(stream, _BATCH)):
            store.set_task_overlap(project.id, dict.fromkeys(batch, s.maximum_annotations))
        return
    # tasks with the most annotations keep the full overlap, so work done still counts
    order = TaskQuery(ordering=(Ordering(column="total_annotations", descending=True),))
    ids = list(store.task_ids(project.id, order))
    items = iter(cohort_overlaps(ids, s, len(ids)).items())
    while chunk := dict(islice(items, _BATCH)):
        store.set_task_overlap(project.id, chunk)


def result_labels(item: dict[str, Any]) -> list[str]:
    """The label values one result item uses (``value[<type>]`` strings, taxonomy paths
    flattened)."""
    value = item.get("value")
    rtype = item.get("type")
    if not isinstance(value, dict) or not isinstance(rtype, str):
        return []
    found = value.get(rtype)
    labels: list[str] = []
    if isinstance(found, list):
        for entry in found:
            if isinstance(entry, str):
                labels.append(entry)
            elif isinstance(entry, list):
                labels.extend(x for x in entry if isinstance(x, str))
    return labels


def count_usage(results: Iterable[ResultList]) -> dict[str, dict[str, int]]:
    """``{control name: {label: count}}`` over result lists; results of a control without
    labels count under :data:`WHOLE_CONTROL`."""
    used: dict[str, dict[str, int]] = {}
    for result in results:
        for item in result:
            name = item.get("from_name")
            if not isinstance(name, str):
                continue
            per = used.setdefault(name, {})
            labels = result_labels(item)
            for label in labels or [WHOLE_CONTROL]:
                per[label] = per.get(label, 0) + 1
    return used


def label_usage(store: Store, project_id: int) -> dict[str, dict[str, int]]:
    """How often the project's annotations use each control and label (streamed)."""
    return count_usage(
        a.result
        for bundle in store.iter_bundles(project_id, only_annotated=True)
        for a in bundle.annotations
    )
