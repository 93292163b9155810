"""The review workflow in the service: stream, verdicts, states, permissions, events."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

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
from labelcore.errors import Conflict, Forbidden, NotFound, ValidationError
from labelcore.storage.sql import SQLStore


def test_reject_fix_accept_round_trip(core: LabelCore) -> None:
    project = make_project(core)
    tid = task_ids(core, project.id)[0]
    ann = core.submit_annotation(ANN_A, tid, choice("Positive"))
    events: list = []
    core.events.on("review.created", events.append)
    item = core.next_review(REVIEWER, project.id)
    assert item is not None and item.annotation.id == ann.id and item.state == "annotated"
    review = core.reject_annotation(REVIEWER, ann.id, comment="It is negative")
    assert not review.accepted and review.action == "rejected"
    assert core.get_annotation(ANN_A, ann.id).last_action == "rejected"
    assert core.next_review(REVIEWER, project.id) is None  # nothing else waiting
    # the annotator sees the comment, fixes it, and it is back in the stream
    ((mine, why),) = core.rejected_annotations(ANN_A, project.id)
    assert mine.id == ann.id and why.comment == "It is negative"
    core.update_annotation(ANN_A, ann.id, result=choice("Negative"))
    assert core.rejected_annotations(ANN_A, project.id) == []
    item = core.next_review(REVIEWER, project.id)
    assert item is not None and item.annotation.id == ann.id and len(item.reviews) == 1
    accepted = core.accept_annotation(REVIEWER, ann.id)
    assert accepted.accepted and accepted.annotation_version == 4
    tasks, anns = core.review_states(MANAGER, project.id)
    assert tasks[tid] == "accepted" and anns[ann.id] == "accepted"
    assert [e.payload["review"]["action"] for e in events] == ["rejected", "accepted"]
    assert events[0].payload["annotation"]["last_action"] == "rejected"
    history = core.annotation_history(MANAGER, ann.id)
    assert [h.action for h in history] == ["submitted", "rejected", "updated", "accepted"]


def test_fix_and_accept_is_a_version_by_the_reviewer(core: LabelCore) -> None:
    project = make_project(core)
    tid = task_ids(core, project.id)[0]
    ann = core.submit_annotation(ANN_A, tid, choice("Positive"))
    review = core.fix_and_accept(REVIEWER, ann.id, result=choice("Negative"), comment="fixed")
    got = core.get_annotation(MANAGER, ann.id)
    assert got.result == choice("Negative") and got.last_action == "fixed_and_accepted"
    assert got.updated_by == REVIEWER.id and got.completed_by == ANN_A.id
    last = core.annotation_history(MANAGER, ann.id)[-1]
    assert (last.action, last.user_id, last.result) == ("fixed_and_accepted", 2, choice("Negative"))
    assert review.accepted and review.annotation_version == got.version
    assert core.review_states(MANAGER, project.id)[1][ann.id] == "accepted"


def test_invalid_fix_changes_nothing(core: LabelCore) -> None:
    project = make_project(core)
    ann = core.submit_annotation(ANN_A, task_ids(core, project.id)[0], choice())
    bad = [
        {
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["Nope"]},
        }
    ]
    with pytest.raises(ValidationError):
        core.fix_and_accept(REVIEWER, ann.id, result=bad)
    with pytest.raises(ValidationError):
        core.reject_annotation(REVIEWER, ann.id, comment="x" * 5001)
    with pytest.raises(ValidationError):
        core.create_review(REVIEWER, ann.id, accepted=False, result=choice())
    assert core.get_annotation(MANAGER, ann.id).version == 1
    assert core.list_reviews(MANAGER, project_id=project.id) == []


def test_annotators_cannot_review_and_nobody_reviews_own_work(core: LabelCore) -> None:
    project = make_project(core)
    a, b = task_ids(core, project.id)[:2]
    ann = core.submit_annotation(ANN_A, a, choice())
    bo = core.submit_annotation(ANN_B, a, choice())
    with pytest.raises(Forbidden):
        core.accept_annotation(ANN_B, bo.id)  # an annotator may not review
    with pytest.raises(NotFound):
        core.accept_annotation(ANN_B, ann.id)  # nor see other annotators' work
    with pytest.raises(Forbidden):
        core.next_review(ANN_A, project.id)
    with pytest.raises(Forbidden):
        core.agreement(ANN_A, project.id)
    own = core.submit_annotation(MANAGER, b, choice())
    with pytest.raises(Forbidden):
        core.accept_annotation(MANAGER, own.id)
    queue = core.review_queue(MANAGER, project.id)
    assert own.id not in [i.annotation.id for i in queue]


def test_reviews_visibility_and_invisible_projects(core: LabelCore) -> None:
    project = make_project(core)
    tid = task_ids(core, project.id)[0]
    a = core.submit_annotation(ANN_A, tid, choice())
    b = core.submit_annotation(ANN_B, tid, choice("Negative"))
    ra = core.reject_annotation(REVIEWER, a.id, comment="no")
    rb = core.accept_annotation(REVIEWER, b.id)
    assert [r.id for r in core.list_reviews(ANN_A, project_id=project.id)] == [ra.id]
    assert [r.id for r in core.list_reviews(REVIEWER, task_id=tid)] == [ra.id, rb.id]
    with pytest.raises(NotFound):
        core.get_review(ANN_A, rb.id)  # someone else's annotation
    assert core.get_review(ANN_B, rb.id) == rb
    hidden = core.create_project(
        MANAGER, title="Hidden", label_config=project.settings.label_config
    )
    core.set_members(MANAGER, hidden.id, {ANN_C.id: "annotator"})
    with pytest.raises(NotFound):
        core.next_review(REVIEWER, hidden.id)
    with pytest.raises(ValidationError):
        core.list_reviews(REVIEWER)


def test_stream_filters(core: LabelCore) -> None:
    project = make_project(core, 3, maximum_annotations=2)
    t1, t2, t3 = task_ids(core, project.id)
    a1 = core.submit_annotation(ANN_A, t1, choice("Positive"))
    b1 = core.submit_annotation(ANN_B, t1, choice("Positive"))
    a2 = core.submit_annotation(ANN_A, t2, choice("Negative"))
    c2 = core.submit_annotation(ANN_C, t2, choice("Positive"))
    core.skip_task(ANN_A, t3)

    def ids(**kw: object) -> list[int]:
        return [i.annotation.id for i in core.review_queue(REVIEWER, project.id, **kw)]

    assert ids() == [a1.id, b1.id, a2.id, c2.id]  # the skip is not reviewable
    assert ids(annotator=ANN_A.id) == [a1.id, a2.id]
    assert ids(annotator="b") == [b1.id]
    assert ids(label="Negative") == [a2.id]
    assert ids(max_agreement=0.5) == [a2.id, c2.id]
    assert ids(min_agreement=1.0) == [a1.id, b1.id]
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert ids(since=future) == [] and len(ids(until=future)) == 4
    with pytest.raises(ValidationError):
        ids(min_agreement=2)
    with pytest.raises(ValidationError):
        ids(since=dt.datetime(2020, 1, 1))  # naive
    item = core.next_review(REVIEWER, project.id, max_agreement=0.5)
    assert item is not None and item.agreement == 0.0
    assert {a.id for a in item.bundle.annotations} == {a2.id, c2.id}


def test_reviews_per_annotation_needs_distinct_reviewers(core: LabelCore) -> None:
    project = make_project(core, reviews_per_annotation=2)
    ann = core.submit_annotation(ANN_A, task_ids(core, project.id)[0], choice())
    core.accept_annotation(REVIEWER, ann.id)
    tasks, anns = core.review_states(MANAGER, project.id)
    assert anns[ann.id] == "in_review"
    assert core.next_review(REVIEWER, project.id) is None  # already reviewed by them
    item = core.next_review(REVIEWER2, project.id)
    assert item is not None and item.state == "in_review"
    with pytest.raises(Conflict):
        # the first accept bumped the version; a stale verdict is refused by the store
        core.store.update_annotation(ann.id, updated_by=6, action="x", expected_version=1)
    core.accept_annotation(REVIEWER2, ann.id)
    # plain verdicts leave the result as it was: both acceptances count
    assert core.review_states(MANAGER, project.id)[1][ann.id] == "accepted"
    assert core.next_review(REVIEWER2, project.id) is None
    # a change of the result after the verdicts needs two fresh acceptances
    core.update_annotation(ANN_A, ann.id, result=choice("Negative"))
    assert core.review_states(MANAGER, project.id)[1][ann.id] == "annotated"
    core.accept_annotation(REVIEWER, ann.id)
    assert core.review_states(MANAGER, project.id)[1][ann.id] == "in_review"
    # a reviewer's fix is a change of the result: it counts as that reviewer's acceptance
    core.fix_and_accept(REVIEWER2, ann.id, result=choice("Positive"))
    assert core.review_states(MANAGER, project.id)[1][ann.id] == "in_review"
    core.accept_annotation(REVIEWER, ann.id)
    assert core.review_states(MANAGER, project.id)[1][ann.id] == "accepted"


def test_rejected_work_requeues_to_general_queue_when_configured(core: LabelCore) -> None:
    project = make_project(core, 1, requeue_rejected_to_annotator=False)
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice())
    assert core.store.get_task(tid).is_labeled  # type: ignore[union-attr]
    assert core.next_task(ANN_B, project.id) is None
    core.reject_annotation(REVIEWER, ann.id, comment="redo")
    assert not core.store.get_task(tid).is_labeled  # type: ignore[union-attr]
    got = core.next_task(ANN_B, project.id)
    assert got is not None and got.task.id == tid


def test_rejected_work_stays_with_annotator_by_default(core: LabelCore) -> None:
    project = make_project(core, 1)
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice())
    core.reject_annotation(REVIEWER, ann.id, comment="redo")
    assert core.next_task(ANN_B, project.id) is None
    assert [a.id for a, _ in core.rejected_annotations(ANN_A, project.id)] == [ann.id]


def test_request_more_annotations_and_accepted_export(core: LabelCore) -> None:
    project = make_project(core, 2)
    t1, t2 = task_ids(core, project.id)
    a1 = core.submit_annotation(ANN_A, t1, choice())
    a2 = core.submit_annotation(ANN_A, t2, choice())
    core.accept_annotation(REVIEWER, a1.id)
    core.reject_annotation(REVIEWER, a2.id)
    out = io.BytesIO()
    core.prepare_export(MANAGER, project.id, "JSON", only_accepted=True).write(out)
    tasks = json.loads(out.getvalue())
    assert [(t["id"], [a["id"] for a in t["annotations"]]) for t in tasks] == [(t1, [a1.id])]
    assert "reviews" not in tasks[0]["annotations"][0]
    assert core.request_more_annotations(MANAGER, project.id, [t1]) == 1
    assert core.store.get_task(t1).overlap == 2  # type: ignore[union-attr]
    with pytest.raises(Forbidden):
        core.request_more_annotations(REVIEWER, project.id, [t1])
    with pytest.raises(NotFound):
        core.request_more_annotations(MANAGER, project.id, [t1, 9999])
    with pytest.raises(ValidationError):
        core.request_more_annotations(MANAGER, project.id, [t1], extra=0)


def test_agreement_and_stats(core: LabelCore) -> None:
    project = make_project(core, 2, maximum_annotations=2)
    t1, t2 = task_ids(core, project.id)
    core.submit_annotation(ANN_A, t1, choice("Positive"), lead_time=10)
    core.submit_annotation(ANN_B, t1, choice("Positive"), lead_time=20)
    core.submit_annotation(ANN_A, t2, choice("Positive"), lead_time=30)
    core.submit_annotation(ANN_B, t2, choice("Negative"), lead_time=40)
    core.skip_task(ANN_C, t1)
    report = core.agreement(REVIEWER, project.id)
    assert report.tasks == {t1: 1.0, t2: 0.0} and report.mean == 0.5
    assert report.pairs[("3", "b")].mean == 0.5
    stats = core.project_stats(MANAGER, project.id)
    assert (stats.annotations, stats.skipped, stats.median_lead_time) == (4, 1, 25.0)
    assert stats.labels == {"sentiment": {"Negative": 1, "Positive": 3}}
    by = {a.annotator: a for a in stats.per_annotator}
    assert by["3"].name == "Ada" and by["5"].skip_rate == 1.0 and by["b"].median_lead_time == 30
    assert stats.progress[-1][2] == 4
    with pytest.raises(ValidationError):
        core.agreement(REVIEWER, project.id, iou_threshold=0)


def test_workflow_on_sqlite(tmp_path: Path) -> None:
    c = new_core(SQLStore(f"sqlite:///{tmp_path / 'r.db'}"))
    try:
        project = make_project(c, 1)
        (tid,) = task_ids(c, project.id)
        ann = c.submit_annotation(ANN_A, tid, choice())
        c.reject_annotation(REVIEWER, ann.id, comment="again")
        c.update_annotation(ANN_A, ann.id, result=choice("Negative"))
        c.accept_annotation(REVIEWER, ann.id)
        assert c.review_states(MANAGER, project.id)[0] == {tid: "accepted"}
        assert [r.action for r in c.list_reviews(ANN_A, annotation_id=ann.id)] == [
            "rejected",
            "accepted",
        ]
    finally:
        c.close()
