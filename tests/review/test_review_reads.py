"""Statistics and agreement from the store's aggregates equal the walk over every task.

The service reads a project's statistics and agreement through ``StatisticsReads`` when the
store has it (SQLStore, MemoryStore) and walks ``iter_bundles`` otherwise; these tests build
one varied project and compare both with the computation over every bundle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rv_fixtures import ANN_A, ANN_B, ANN_C, MANAGER, REVIEWER, new_core

from labelcore import LabelCore
from labelcore.model import NewAnnotation, NewTask
from labelcore.quality.agreement import controls_of, project_agreement
from labelcore.quality.statistics import project_statistics
from labelcore.service._review_reads import read_agreement, read_statistics
from labelcore.storage.base import StatisticsReads
from labelcore.storage.memory import MemoryStore

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
  <Rating name="stars" toName="text"/>
</View>"""


def _span(label: str, start: int, end: int) -> dict[str, Any]:
    value = {"start": start, "end": end, "labels": [label]}
    return {"from_name": "ner", "to_name": "text", "type": "labels", "value": value}


def _choice(value: str) -> dict[str, Any]:
    value_ = {"choices": [value]}
    return {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": value_}


def _stars(n: float) -> dict[str, Any]:
    return {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": n}}


DAY = dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC)
# (completed_by, result, was_cancelled, ground_truth, lead_time, days after DAY) per task
ROWS: list[list[tuple[Any, list[dict[str, Any]], bool, bool, float, int]]] = [
    [
        (3, [_span("PER", 0, 4), _choice("Positive")], False, False, 4.0, 0),
        ("b", [_span("PER", 0, 3), _choice("Positive")], False, False, 6.5, 1),
        (5, [], True, False, 1.0, 1),
    ],
    [
        (3, [_choice("Negative"), _stars(4)], False, True, 2.0, 2),
        ("b", [_choice("Positive"), _stars(4)], False, False, 9.0, 2),
        (99, [_stars(3.5)], False, False, 9.0, 3),
    ],  # 99: no directory row
    [(3, [], False, False, 0.0, 3)],  # an empty result
    [
        (5, [_choice("Positive")], False, True, 3.0, 4),  # ground truth by the same author
        (5, [_choice("Negative")], False, False, 5.0, 4),
    ],
    [
        (7, [_choice("Positive")], False, False, 1.0, 5),  # 7 and "7": one annotator by str
        ("7", [_choice("Positive")], False, False, 2.0, 5),
    ],
    [
        (None, [_span("ORG", 2, 5)], False, False, 8.0, 6),  # an erased author
        (3, [_span("ORG", 2, 5)], False, False, 8.0, 6),
    ],
    [("b", [], True, False, 0.0, 6)],
    [],
    [],
]


def _build(core: LabelCore, *, collide: bool) -> int:
    project = core.create_project(MANAGER, title="Varied", label_config=CONFIG)
    tasks = [NewTask(data={"text": f"Ada Lovelace {i}"}) for i in range(len(ROWS))]
    store = core.store
    ids = store.add_tasks(project.id, tasks)
    for tid, rows in zip(ids, ROWS, strict=True):
        for who, result, cancelled, gt, lead, days in rows:
            if who == "7" and not collide:
                who = 8
            store.add_annotation(
                NewAnnotation(
                    task_id=tid,
                    result=result,
                    completed_by=who,
                    was_cancelled=cancelled,
                    ground_truth=gt,
                    lead_time=lead,
                    created_at=DAY + dt.timedelta(days=days),
                ),
                project.id,
            )
    store.recount_tasks(project.id)
    anns = store.list_annotations(project_id=project.id)
    core.accept_annotation(REVIEWER, anns[0].id)
    core.reject_annotation(REVIEWER, anns[1].id, comment="no")
    return project.id


class _Plain:
    """A store without the optional reads: the service walks the tasks."""

    HIDDEN: tuple[str, ...] = (
        "annotation_totals",
        "iter_results",
        "iter_compared_tasks",
        "iter_review_rows",
        "completed_annotators",
    )

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name in self.HIDDEN:
            raise AttributeError(name)
        return getattr(self._store, name)


class _StatisticsOnly(_Plain):
    """A store with StatisticsReads but no ReviewReads: agreement's annotators come from
    annotation_totals."""

    HIDDEN = ("iter_review_rows", "completed_annotators")


def _walked(core: LabelCore, pid: int) -> Any:
    """What project_stats computed before it had the aggregates."""
    bundles = list(core.store.iter_bundles(pid))
    ids = {a.completed_by for b in bundles for a in b.annotations if a.completed_by is not None}
    names = {str(k): (u.name or u.email or str(k)) for k, u in core.store.get_users(ids).items()}
    return project_statistics(bundles, names)


@pytest.mark.parametrize("collide", [False, True])
def test_statistics_from_aggregates_equal_the_walk(store_core: LabelCore, collide: bool) -> None:
    pid = _build(store_core, collide=collide)
    assert isinstance(store_core.store, StatisticsReads)
    expected = _walked(store_core, pid)
    assert store_core.project_stats(MANAGER, pid) == expected
    assert read_statistics(store_core.store, pid) == expected
    assert read_statistics(_Plain(store_core.store), pid) == expected  # type: ignore[arg-type]
    by = {a.annotator: a for a in expected.per_annotator}
    assert by["3"].name == ANN_A.name and by["99"].name == "99" and "None" in by
    assert by["5"].skipped == 1 and expected.median_lead_time is not None
    assert len(expected.progress) == 7 and expected.labels["stars"] == {"3.5": 1, "4": 2}


def test_agreement_from_comparable_tasks_equals_the_walk(store_core: LabelCore) -> None:
    pid = _build(store_core, collide=False)
    controls = controls_of(store_core._config(CONFIG))
    bundles = {b.task.id: b.annotations for b in store_core.store.iter_bundles(pid)}
    for threshold in (0.5, 1.0):
        expected = project_agreement(bundles, controls, iou_threshold=threshold)
        got = store_core.agreement(REVIEWER, pid, iou_threshold=threshold)
        assert got == expected
        assert list(got.tasks) == list(expected.tasks)  # every task, in id order
        assert list(got.tasks.items()) == list(expected.tasks.items())
        plain = read_agreement(_Plain(store_core.store), pid, controls, threshold)  # type: ignore[arg-type]
        assert plain == expected
        totals = read_agreement(_StatisticsOnly(store_core.store), pid, controls, threshold)  # type: ignore[arg-type]
        assert totals == expected
    assert expected.ground_truth and expected.pairs and expected.controls["sentiment"].items
    assert "None" in expected.annotators and "99" in expected.annotators


def test_statistics_of_an_empty_project(store_core: LabelCore) -> None:
    project = store_core.create_project(MANAGER, title="Empty", label_config=CONFIG)
    stats = store_core.project_stats(MANAGER, project.id)
    assert stats == _walked(store_core, project.id)
    assert (stats.tasks, stats.annotations, stats.median_lead_time) == (0, 0, None)
    report = store_core.agreement(MANAGER, project.id)
    assert report.tasks == {} and report.annotators == ()
    for who in (ANN_B, ANN_C):
        assert who.id not in report.annotators


def test_statistics_and_agreement_walk_no_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core = new_core(MemoryStore())
    pid = _build(core, collide=False)
    walked: list[Any] = []
    real = core.store.iter_bundles

    def spy(project_id: int, query: Any = None, **kw: Any) -> Any:
        walked.append(query)
        return real(project_id, query, **kw)

    monkeypatch.setattr(core.store, "iter_bundles", spy)
    core.project_stats(MANAGER, pid)
    assert walked == []
    core.agreement(MANAGER, pid)
    assert walked == []  # the compared tasks come from iter_compared_tasks
    core.close()
