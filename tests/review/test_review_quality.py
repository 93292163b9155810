"""Stored review quality as data-manager columns (review_state, annotation_states,
agreement), the low-agreement action, and reviewer claims, on every backend."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rv_fixtures import (
    ANN_A,
    ANN_B,
    ANN_C,
    MANAGER,
    REVIEWER,
    REVIEWER2,
    choice,
    make_project,
    new_core,
    task_ids,
)

from labelcore import LabelCore
from labelcore.errors import ValidationError
from labelcore.query import PageRequest, Selection, TaskQuery, parse_query
from labelcore.storage.sql import SQLStore


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def any_core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LabelCore]:
    if request.param == "memory":
        c = new_core()
    elif request.param == "sqlite":
        c = new_core(SQLStore(f"sqlite:///{tmp_path / 'q.db'}"))
    else:
        c = new_core(SQLStore(request.getfixturevalue("pg_url")))
    yield c
    c.close()


def _ids(core: LabelCore, pid: int, *filters: dict[str, Any], order: str = "tasks:id") -> list:
    query = parse_query({"filters": {"items": list(filters)}, "ordering": [order]})
    return [t.id for t in core.list_tasks(MANAGER, pid, query, PageRequest(page_size=50)).tasks]


def _flt(column: str, operator: str, value: Any, type_: str) -> dict[str, Any]:
    return {"filter": f"filter:tasks:{column}", "operator": operator, "type": type_, "value": value}


def _state(value: str) -> dict[str, Any]:
    return _flt("review_state", "equal", value, "String")


def test_review_state_and_agreement_columns_follow_every_write(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=3, maximum_annotations=2)
    t1, t2, t3 = task_ids(core, project.id)
    a1 = core.submit_annotation(ANN_A, t1, choice("Positive"))
    b1 = core.submit_annotation(ANN_B, t1, choice("Positive"))
    a2 = core.submit_annotation(ANN_A, t2, choice("Positive"))
    b2 = core.submit_annotation(ANN_B, t2, choice("Negative"))
    assert _ids(core, project.id, _state("annotated")) == [t1, t2]
    assert _ids(core, project.id, _state("unannotated")) == [t3]
    # agreement: 1 on t1, 0 on t2, none on t3 (one filter, one sort key)
    assert _ids(core, project.id, _flt("agreement", "less", 0.5, "Number")) == [t2]
    assert _ids(core, project.id, _flt("agreement", "greater_or_equal", 0.5, "Number")) == [t1]
    assert _ids(core, project.id, _flt("agreement", "empty", True, "Number")) == [t3]
    assert _ids(core, project.id, order="-tasks:agreement")[:2] == [t1, t2]
    assert _ids(core, project.id, order="tasks:agreement")[:2] == [t2, t1]

    core.reject_annotation(REVIEWER, a2.id, comment="no")
    core.accept_annotation(REVIEWER, a1.id)
    assert _ids(core, project.id, _state("rejected")) == [t2]
    assert _ids(core, project.id, _state("in_review")) == [t1]  # b1 still waits
    states = _flt("annotation_states", "contains", "accepted", "List")
    assert _ids(core, project.id, states) == [t1]
    either = _flt("annotation_states", "in_list", ["accepted", "rejected"], "List")
    assert _ids(core, project.id, either) == [t1, t2]
    never = _flt("annotation_states", "not_contains", "rejected", "List")
    assert _ids(core, project.id, never) == [t1, t3]
    core.accept_annotation(REVIEWER, b1.id)
    assert _ids(core, project.id, _state("accepted")) == [t1]

    # the annotator fixes the rejected work: waiting again, and the agreement moves
    core.update_annotation(ANN_A, a2.id, result=choice("Negative"))
    assert _ids(core, project.id, _state("annotated")) == [t2]
    assert _ids(core, project.id, _flt("agreement", "equal", 1, "Number")) == [t1, t2]
    # deleting one of the two leaves no pair: no agreement
    core.delete_annotation(MANAGER, b2.id)
    assert _ids(core, project.id, _flt("agreement", "empty", True, "Number")) == [t2, t3]
    # the stored rows agree with what review_states computes from scratch
    tasks, anns = core.review_states(MANAGER, project.id)
    quality = core.store.get_task_quality([t1, t2, t3])
    assert {t: q.state for t, q in quality.items()} == {t: tasks[t] for t in quality}
    assert quality[t2].annotation_states == {a2.id: anns[a2.id]}


def test_columns_are_listed_and_refused_when_misused(any_core: LabelCore) -> None:
    from labelcore.errors import QueryError

    core = any_core
    project = make_project(core, n_tasks=1)
    with pytest.raises(QueryError):
        parse_query({"ordering": ["tasks:annotation_states"]})
    with pytest.raises(QueryError):
        parse_query({"filters": {"items": [_flt("agreement", "regex", "x", "Number")]}})
    assert _ids(core, project.id, _state("unannotated")) == task_ids(core, project.id)


def test_reviews_needed_change_recomputes_states(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=1)
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice())
    core.accept_annotation(REVIEWER, ann.id)
    assert _ids(core, project.id, _state("accepted")) == [tid]
    core.update_project(MANAGER, project.id, reviews_per_annotation=2)
    assert _ids(core, project.id, _state("in_review")) == [tid]
    core.accept_annotation(REVIEWER2, ann.id)
    assert _ids(core, project.id, _state("accepted")) == [tid]


def test_refresh_quality_fills_rows_for_older_work(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=2)
    t1, t2 = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, t1, choice())
    core.reject_annotation(REVIEWER, ann.id, comment="redo")
    core.store.set_task_quality(project.id, [])  # nothing to do
    # a database upgraded from before 0007 has reviews but no quality rows
    core.store.release_review_claims()
    _forget_quality(core, [t1, t2])
    assert _ids(core, project.id, _state("annotated")) == [t1]  # counted, not yet reviewed
    with pytest.raises(Exception) as denied:
        core.refresh_quality(REVIEWER, project.id)
    assert getattr(denied.value, "status", None) == 403
    assert core.refresh_quality(MANAGER, project.id) == 2
    assert _ids(core, project.id, _state("rejected")) == [t1]


def _forget_quality(core: LabelCore, tids: list[int]) -> None:
    store: Any = core.store
    if isinstance(store, SQLStore):
        from labelcore.storage.sql._reviews import TASK_QUALITY

        with store.engine.begin() as conn:
            conn.execute(TASK_QUALITY.delete())
    else:
        store._t["quality"].clear()
    assert core.store.get_task_quality(tids) == {}


def test_low_agreement_tasks_go_back_for_more_annotations(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=3, maximum_annotations=2)
    t1, t2, t3 = task_ids(core, project.id)
    for user, value in ((ANN_A, "Positive"), (ANN_B, "Positive")):
        core.submit_annotation(user, t1, choice(value))
    for user, value in ((ANN_A, "Positive"), (ANN_B, "Negative")):
        core.submit_annotation(user, t2, choice(value))
    assert "request_more_annotations" in {a.id for a in core.list_actions(MANAGER, project.id)}
    assert "request_more_annotations" not in {a.id for a in core.list_actions(ANN_A, project.id)}
    every = TaskQuery(selection=Selection(all=True))
    result = core.run_action(
        MANAGER, project.id, "request_more_annotations", query=every, params={"below": 0.5}
    )
    assert result.processed_items == 1
    overlaps = {b.task.id: b.task.overlap for b in core.store.iter_bundles(project.id)}
    assert overlaps == {t1: 2, t2: 3, t3: 2}
    # the task is open again: a third annotator gets it from the queue
    assert core.next_task(ANN_C, project.id).task.id == t2
    with pytest.raises(ValidationError):
        core.run_action(MANAGER, project.id, "request_more_annotations", params={"below": 2})
    # a filter on agreement selects the same tasks as the parameter
    low = parse_query({"filters": {"items": [_flt("agreement", "less", 0.5, "Number")]}})
    result = core.run_action(MANAGER, project.id, "request_more_annotations", query=low)
    assert result.processed_items == 1


def test_two_reviewers_never_hold_the_same_annotation(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=2, maximum_annotations=3)
    t1, t2 = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, t1, choice())
    other = core.submit_annotation(ANN_B, t2, choice())
    first = core.next_review(REVIEWER, project.id)
    second = core.next_review(REVIEWER2, project.id)
    assert first is not None and second is not None
    assert first.annotation.id == ann.id and second.annotation.id == other.id
    # asking again keeps one's own claim; the queue hides the other reviewer's
    again = core.next_review(REVIEWER, project.id)
    assert again is not None and again.annotation.id == ann.id
    assert [i.annotation.id for i in core.review_queue(REVIEWER2, project.id)] == [other.id]
    core.accept_annotation(REVIEWER, ann.id)  # a verdict releases the claim
    assert core.store.review_claims(project.id, core._now()) == {other.id: REVIEWER2.id}


def test_expired_review_claim_frees_the_annotation(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=1, lock_ttl_seconds=60)
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice())
    assert core.next_review(REVIEWER, project.id) is not None
    assert core.next_review(REVIEWER2, project.id) is None
    import datetime as dt

    later = core._now() + dt.timedelta(seconds=61)
    core._now = lambda: later  # type: ignore[method-assign]
    item = core.next_review(REVIEWER2, project.id)
    assert item is not None and item.annotation.id == ann.id


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_reviewers_get_distinct_annotations(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'claims.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    core = new_core(SQLStore(url))
    try:
        project = make_project(core, n_tasks=12)
        for tid in task_ids(core, project.id):
            core.submit_annotation(ANN_A, tid, choice())
        got: dict[str, list[int]] = {"rex": [], "rue": []}
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def review(name: str, user: Any) -> None:
            try:
                start.wait()
                while (item := core.next_review(user, project.id)) is not None:
                    got[name].append(item.annotation.id)
                    core.accept_annotation(user, item.annotation.id)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=review, args=("rex", REVIEWER)),
            threading.Thread(target=review, args=("rue", REVIEWER2)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        everything = got["rex"] + got["rue"]
        assert len(everything) == len(set(everything)) == 12  # each reviewed exactly once
        tasks, _ = core.review_states(MANAGER, project.id)
        assert set(tasks.values()) == {"accepted"}
    finally:
        core.close()


def test_imported_annotations_and_bulk_deletes_keep_columns_current(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=0, maximum_annotations=2)
    rows = [
        {
            "data": {"text": "both agree"},
            "annotations": [
                {"result": choice("Positive"), "completed_by": 3},
                {"result": choice("Positive"), "completed_by": 5},
            ],
        },
        {"data": {"text": "nobody yet"}},
    ]
    report = core.import_tasks(MANAGER, project.id, rows)
    t1, t2 = report.task_ids
    assert _ids(core, project.id, _flt("agreement", "equal", 1, "Number")) == [t1]
    assert _ids(core, project.id, _state("annotated")) == [t1]
    core.run_action(
        MANAGER,
        project.id,
        "delete_tasks_annotations",
        query=TaskQuery(selection=Selection(included=(t1,))),
    )
    assert _ids(core, project.id, _state("unannotated")) == [t1, t2]
    assert _ids(core, project.id, _flt("agreement", "empty", True, "Number")) == [t1, t2]


def test_withdrawn_review_updates_state_on_every_backend(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=1)
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice())
    review = core.reject_annotation(REVIEWER, ann.id, comment="no")
    assert core.update_review(REVIEWER, review.id, comment="no!").comment == "no!"
    assert core.store.get_review(review.id).comment == "no!"  # type: ignore[union-attr]
    assert _ids(core, project.id, _state("rejected")) == [tid]
    core.delete_review(MANAGER, review.id)
    assert core.store.list_reviews(project_id=project.id) == []
    assert _ids(core, project.id, _state("annotated")) == [tid]
    assert core.store.delete_reviews([review.id, 999]) == 0


def test_rejected_work_comes_back_first_in_its_annotators_queue(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=3)
    t1, t2, t3 = task_ids(core, project.id)
    first = core.next_task(ANN_A, project.id)
    assert first is not None and first.task.id == t1
    ann = core.submit_annotation(ANN_A, t1, choice("Negative"))
    core.reject_annotation(REVIEWER, ann.id, comment="positive!")
    # the rejected task comes back to its annotator, with their annotation to fix
    back = core.next_task(ANN_A, project.id)
    assert back is not None and back.task.id == t1
    assert [a.id for a in back.annotations] == [ann.id]
    assert core.next_task(ANN_B, project.id).task.id == t2  # nobody else gets it
    core.update_annotation(ANN_A, ann.id, result=choice("Positive"))
    again = core.next_task(ANN_A, project.id)
    assert again is not None and again.task.id == t3  # fixed: new work again


def test_rejected_work_goes_to_the_general_queue_when_configured(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=1, requeue_rejected_to_annotator=False)
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice("Negative"))
    core.reject_annotation(REVIEWER, ann.id, comment="positive!")
    assert core.next_task(ANN_A, project.id) is None  # not back to its author
    other = core.next_task(ANN_B, project.id)
    assert other is not None and other.task.id == tid  # another annotator labels it


CONFIG_WITH_TOPIC = """<View>
  <Text name="text" value="$text"/>
  <Header value="Sentiment"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
  </Choices>
  <Choices name="topic" toName="text"><Choice value="Sport"/></Choices>
</View>"""


def test_title_edit_keeps_stored_quality_and_control_change_refreshes(
    any_core: LabelCore,
) -> None:
    from labelcore.storage.base import TaskQuality

    core = any_core
    project = make_project(core, n_tasks=1)
    (tid,) = task_ids(core, project.id)
    core.submit_annotation(ANN_A, tid, choice())
    # a marker row: whatever rewrites the task's quality replaces it
    core.store.set_task_quality(project.id, [TaskQuality(task_id=tid, state="marker")])
    core.update_project(MANAGER, project.id, title="Renamed", description="only words")
    assert core.store.get_task_quality([tid])[tid].state == "marker"
    header_only = CONFIG_WITH_TOPIC.replace(
        '  <Choices name="topic" toName="text"><Choice value="Sport"/></Choices>\n', ""
    )
    core.update_project(MANAGER, project.id, label_config=header_only)  # same controls
    assert core.store.get_task_quality([tid])[tid].state == "marker"
    core.update_project(MANAGER, project.id, label_config=CONFIG_WITH_TOPIC)
    assert core.store.get_task_quality([tid])[tid].state == "annotated"


@pytest.mark.parametrize(
    ("backend", "n_tasks", "events"), [("memory", 5003, None), ("sqlite", 7, 3)]
)
def test_predictions_to_annotations_refreshes_every_task_it_touched(
    backend: str, n_tasks: int, events: int | None, tmp_path: Path, monkeypatch: Any
) -> None:
    import labelcore.service.predictions as predictions

    if events is not None:  # the same path as past 5,000 annotations, at a small size
        monkeypatch.setattr(predictions, "MAX_EVENT_ANNOTATIONS", events)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    core = new_core(None if backend == "memory" else SQLStore(url))
    project = make_project(core, n_tasks=0)
    pred = [{"result": choice()}]
    rows = [{"data": {"text": f"t{i}"}, "predictions": pred} for i in range(n_tasks)]
    core.import_tasks(MANAGER, project.id, rows)
    seen: list[int] = []
    core.events.on("annotation.created", lambda e: seen.append(1))
    done = core.run_action(MANAGER, project.id, "predictions_to_annotations", params={})
    assert done.processed_items == n_tasks
    assert len(seen) == min(n_tasks, predictions.MAX_EVENT_ANNOTATIONS)  # bounded events
    ids = task_ids(core, project.id)
    stored = core.store.get_task_quality(ids)
    assert {stored[t].state for t in ids} == {"annotated"}
    assert all(len(stored[t].annotation_states) == 1 for t in ids)
    core.close()


def test_next_review_serves_annotations_without_stored_states(any_core: LabelCore) -> None:
    core = any_core
    project = make_project(core, n_tasks=2)
    t1, t2 = task_ids(core, project.id)
    done = core.submit_annotation(ANN_A, t1, choice())
    core.accept_annotation(REVIEWER, done.id)
    waiting = core.submit_annotation(ANN_B, t2, choice())
    # a database upgraded from before 0007: no stored states until refresh_quality runs
    _forget_quality(core, [t1, t2])
    if isinstance(core.store, SQLStore):
        from labelcore.storage.sql._reviews import ANNOTATION_STATES

        with core.store.engine.begin() as conn:
            conn.execute(ANNOTATION_STATES.delete())
    item = core.next_review(REVIEWER2, project.id)
    assert item is not None and item.annotation.id == waiting.id  # the accepted one is not
    assert core.next_review(REVIEWER, project.id) is None  # REVIEWER2 holds it
def test_import_stores_quality_only_for_annotated_tasks_even_with_skipped_duplicates(
    any_core: LabelCore,
) -> None:
    core = any_core
    project = make_project(core, n_tasks=0, maximum_annotations=2)
    core.import_tasks(MANAGER, project.id, [{"data": {"text": "already here"}}])
    agreeing = [
        {"result": choice("Positive"), "completed_by": 3},
        {"result": choice("Positive"), "completed_by": 5},
    ]
    rows = [
        {"data": {"text": "already here"}, "annotations": agreeing},  # skipped duplicate
        {"data": {"text": "plain"}},
        {"data": {"text": "agreed"}, "annotations": agreeing},
    ]
    report = core.import_tasks(MANAGER, project.id, rows, dedupe="skip")
    plain, agreed = report.task_ids
    assert report.duplicate_count == 1
    assert _ids(core, project.id, _flt("agreement", "equal", 1, "Number")) == [agreed]
    assert _ids(core, project.id, _state("annotated")) == [agreed]
    assert plain in _ids(core, project.id, _state("unannotated"))
    tasks = core.store.get_tasks([plain, agreed])
    columns = core.quality_columns(MANAGER, project.id, tasks)
    assert columns[plain] == {
        "review_state": "unannotated",
        "annotation_states": [],
        "agreement": None,
    }
    assert columns[agreed]["review_state"] == "annotated"
    assert columns[agreed]["agreement"] == 1


class _NoQualityImport:
    """A store without the optional ``add_tasks_with_quality``: the import stores quality
    afterwards (``_tasks_added``: a refresh of the annotated tasks)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name == "add_tasks_with_quality":
            raise AttributeError(name)
        return getattr(self._store, name)


@pytest.mark.parametrize("store_writes", [True, False], ids=["store-writes", "refreshed"])
def test_bulk_import_stores_the_quality_a_full_refresh_gives(
    any_core: LabelCore, store_writes: bool
) -> None:
    # the quality an import stores (by the store, with the annotations, from the annotations
    # handed over; or, without QualityImport, by refreshing the annotated tasks after) must
    # equal the whole-project refresh's, which reads the stored annotations and reviews;
    # more rows than a batch, and COPY-sized on PostgreSQL
    core = any_core if store_writes else new_core(_NoQualityImport(any_core.store))
    project = make_project(core, n_tasks=0, maximum_annotations=2)
    shapes: list[list[dict[str, Any]]] = [
        [],
        [{"result": choice("Positive"), "completed_by": 3}],
        [
            {"result": choice("Positive"), "completed_by": 3},
            {"result": choice("Positive"), "completed_by": 5},
        ],
        [
            {"result": choice("Positive"), "completed_by": 3},
            {"result": choice("Negative"), "completed_by": 5},
        ],
        [{"result": [], "completed_by": 3, "was_cancelled": True}],
        [
            {"result": [], "completed_by": 5, "was_cancelled": True},
            {"result": choice("Negative"), "completed_by": 3},
        ],
    ]
    shapes.append(  # three annotators: agreement 1/3
        [
            {"result": choice("Positive"), "completed_by": 3},
            {"result": choice("Positive"), "completed_by": "b"},
            {"result": choice("Negative"), "completed_by": 5, "ground_truth": True},
        ]
    )
    rows = [
        {"data": {"text": f"task {i}"}, "annotations": shapes[i % len(shapes)]}
        for i in range(1400)
    ]
    ids = list(core.import_tasks(MANAGER, project.id, rows).task_ids)
    imported = core.store.get_task_quality(ids)
    assert len(imported) == 1200  # every annotated task, no other
    assert {q.state for q in imported.values()} == {"annotated", "unannotated"}
    assert {s for q in imported.values() for s in q.annotation_states.values()} == {
        "annotated",
        "skipped",
    }
    assert {q.agreement for q in imported.values()} >= {None, 0, 1, 1 / 3}
    core._refresh_quality(project.id, None)  # type: ignore[attr-defined]
    refreshed = core.store.get_task_quality(ids)
    assert {t: refreshed[t] for t in imported} == imported


def test_annotated_import_reads_nothing_back_for_its_quality(
    any_core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the import knows the annotations it writes: the store stores their tasks' quality
    # with them, nothing is read back or upserted afterwards
    core = any_core
    project = make_project(core, n_tasks=0, maximum_annotations=2)
    for name in ("list_annotations", "list_reviews", "iter_bundles", "set_task_quality"):

        def refuse(*args: Any, _name: str = name, **kwargs: Any) -> Any:
            raise AssertionError(f"the import called store.{_name}")

        monkeypatch.setattr(core.store, name, refuse)
    rows = [
        {"data": {"text": f"task {i}"}, "annotations": [{"result": choice(), "completed_by": 3}]}
        for i in range(600)
    ]
    ids = core.import_tasks(MANAGER, project.id, rows).task_ids
    stored = core.store.get_task_quality(ids)
    assert {(q.state, q.agreement) for q in stored.values()} == {("annotated", None)}
    assert sorted(stored) == sorted(ids)
