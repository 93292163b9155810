from __future__ import annotations

import datetime as dt

import pytest
from svc_fixtures import ANN_A, ANN_B, ANN_C, MANAGER, choice, core, make_project

from labelcore import Forbidden, LabelCore
from labelcore.model import utcnow
from labelcore.query import Selection, TaskQuery

__all__ = ["core"]


def ids(core: LabelCore, project_id: int) -> list[int]:
    return [t.id for t in core.list_tasks(MANAGER, project_id).tasks]


def next_id(core: LabelCore, user, project_id: int, **kw) -> int | None:
    bundle = core.next_task(user, project_id, **kw)
    return None if bundle is None else bundle.task.id


def test_sequential_and_live_claim_comes_back(core: LabelCore) -> None:
    p = make_project(core, 3)
    t1, t2, t3 = ids(core, p.id)
    assert next_id(core, ANN_A, p.id) == t1
    assert next_id(core, ANN_A, p.id) == t1  # the user's claim first
    assert next_id(core, ANN_B, p.id) == t2  # overlap 1: A's slot is taken
    core.submit_annotation(ANN_A, t1, choice())
    assert next_id(core, ANN_A, p.id) == t3
    assert next_id(core, ANN_C, p.id) is None  # t2 held by B, t3 by A


def test_never_a_task_the_user_annotated(core: LabelCore) -> None:
    p = make_project(core, 2, maximum_annotations=2)
    t1, t2 = ids(core, p.id)
    core.submit_annotation(ANN_A, t1, choice())
    assert next_id(core, ANN_A, p.id) == t2
    core.submit_annotation(ANN_A, t2, choice())
    assert next_id(core, ANN_A, p.id) is None


def test_breadth_first_when_overlap_above_one(core: LabelCore) -> None:
    p = make_project(core, 3, maximum_annotations=2)
    t1, t2, t3 = ids(core, p.id)
    core.submit_annotation(ANN_C, t3, choice())  # t3 has work from someone else
    assert next_id(core, ANN_A, p.id) == t3
    assert next_id(core, ANN_B, p.id) == t1  # t3 is full: C done + A's claim


def test_skip_requeue_for_others(core: LabelCore) -> None:
    p = make_project(core, 2)
    t1, t2 = ids(core, p.id)
    assert next_id(core, ANN_A, p.id) == t1
    core.skip_task(ANN_A, t1)
    assert next_id(core, ANN_A, p.id) == t2
    core.submit_annotation(ANN_A, t2, choice())
    assert next_id(core, ANN_A, p.id) is None
    assert next_id(core, ANN_B, p.id) == t1


def test_skip_requeue_for_me_comes_back_last(core: LabelCore) -> None:
    p = make_project(core, 2, skip_queue="requeue_for_me")
    t1, t2 = ids(core, p.id)
    core.skip_task(ANN_A, t1)
    assert next_id(core, ANN_A, p.id) == t2
    core.submit_annotation(ANN_A, t2, choice())
    assert next_id(core, ANN_A, p.id) == t1
    # submitting turns the skip into the annotation (one annotation per user and task)
    a = core.submit_annotation(ANN_A, t1, choice())
    assert not a.was_cancelled and a.version == 2
    assert len(core.list_annotations(MANAGER, t1)) == 1
    assert next_id(core, ANN_A, p.id) is None


def test_retried_submit_of_a_requeued_skip_returns_the_annotation_not_a_second_one(
    core: LabelCore,
) -> None:
    p = make_project(core, 1, skip_queue="requeue_for_me")
    (t1,) = ids(core, p.id)
    core.skip_task(ANN_A, t1, unique_id="skip-1")
    assert next_id(core, ANN_A, p.id) == t1
    first = core.submit_annotation(ANN_A, t1, choice(), unique_id="submit-1")
    retry = core.submit_annotation(ANN_A, t1, choice(), unique_id="submit-1")  # lost reply
    assert retry.id == first.id and retry.version == first.version == 2
    assert [a.id for a in core.list_annotations(MANAGER, t1)] == [first.id]
    task = core.get_task(MANAGER, t1).task
    assert (task.total_annotations, task.cancelled_annotations) == (1, 0)


def test_skip_ignore_skipped_counts_as_done(core: LabelCore) -> None:
    p = make_project(core, 1, skip_queue="ignore_skipped")
    (t1,) = ids(core, p.id)
    core.skip_task(ANN_A, t1)
    assert core.get_task(MANAGER, t1).task.is_labeled
    assert next_id(core, ANN_B, p.id) is None


def test_claims_expire_after_the_ttl(core: LabelCore) -> None:
    p = make_project(core, 1, lock_ttl_seconds=60)
    (t1,) = ids(core, p.id)
    assert next_id(core, ANN_A, p.id) == t1
    assert next_id(core, ANN_B, p.id) is None
    later = utcnow() + dt.timedelta(seconds=61)
    core._now = lambda: later  # type: ignore[method-assign]
    assert next_id(core, ANN_B, p.id) == t1
    assert next_id(core, ANN_A, p.id) is None  # A's claim has lapsed and B holds the slot


def test_submit_and_skip_release_the_claim(core: LabelCore) -> None:
    p = make_project(core, 2, maximum_annotations=1)
    t1, t2 = ids(core, p.id)
    assert next_id(core, ANN_A, p.id) == t1
    core.skip_task(ANN_A, t1)
    assert next_id(core, ANN_B, p.id) == t1
    core.release_task(ANN_B, t1)
    assert next_id(core, ANN_C, p.id) == t1


def test_uncertainty_sampling_lowest_score_first(core: LabelCore) -> None:
    p = make_project(core, 3, sampling="uncertainty")
    t1, t2, t3 = ids(core, p.id)
    core.add_predictions(
        MANAGER,
        p.id,
        [
            {"task": t1, "result": choice(), "score": 0.9},
            {"task": t2, "result": choice(), "score": 0.2},
            {"task": t3, "result": choice(), "score": 0.5},
        ],
    )
    assert next_id(core, ANN_A, p.id) == t2
    assert next_id(core, ANN_B, p.id) == t3


def test_uniform_sampling_still_gives_every_task_once(core: LabelCore) -> None:
    p = make_project(core, 5, sampling="uniform")
    seen = []
    while (task_id := next_id(core, ANN_A, p.id)) is not None:
        seen.append(task_id)
        core.submit_annotation(ANN_A, task_id, choice())
    assert sorted(seen) == ids(core, p.id)


def test_show_overlap_first(core: LabelCore) -> None:
    p = make_project(core, 4, maximum_annotations=2, overlap_cohort_percentage=50)
    tasks = core.list_tasks(MANAGER, p.id).tasks
    wide = [t.id for t in tasks if t.overlap == 2]
    core.update_project(MANAGER, p.id, show_overlap_first=True)
    assert next_id(core, ANN_A, p.id) == wide[0]


def test_assigned_only_and_assigned_first(core: LabelCore) -> None:
    p = make_project(core, 3, assignment_mode="assigned_only")
    t1, t2, t3 = ids(core, p.id)
    core.assign_tasks(MANAGER, p.id, [t3], [ANN_A.id])
    assert core.task_assignees(MANAGER, p.id, [t1, t3]) == {t3: [ANN_A.id]}
    assert next_id(core, ANN_A, p.id) == t3
    assert next_id(core, ANN_B, p.id) is None
    core.update_project(MANAGER, p.id, assignment_mode="assigned_first")
    core.assign_tasks(MANAGER, p.id, [t2], [ANN_C.id])
    assert next_id(core, ANN_B, p.id) == t1  # t2 is C's, t3 is A's
    assert next_id(core, ANN_C, p.id) == t2
    with pytest.raises(Forbidden):
        core.assign_tasks(ANN_A, p.id, [t1], [ANN_A.id])


def test_next_task_within_a_data_manager_selection(core: LabelCore) -> None:
    p = make_project(core, 4)
    t1, t2, t3, t4 = ids(core, p.id)
    q = TaskQuery(selection=Selection(included=(t3, t4)))
    assert next_id(core, ANN_A, p.id, query=q) == t3
    # the live claim outside a new selection is not offered, and not kept
    q2 = TaskQuery(selection=Selection(included=(t1,)))
    assert next_id(core, ANN_A, p.id, query=q2) == t1
    assert next_id(core, ANN_B, p.id, query=q) == t3


def test_next_task_needs_the_label_permission(core: LabelCore) -> None:
    class NoLabel:
        def can_create_project(self, user):
            return True

        def project_role(self, user, project, members):
            return "annotator"

        def allows(self, role, action):
            return action == "project.view"

    p = make_project(core, 1)
    core.policy = NoLabel()
    with pytest.raises(Forbidden):
        core.next_task(ANN_A, p.id)
