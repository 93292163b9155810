from __future__ import annotations

from typing import Any

import pytest
from svc_fixtures import (
    ANN_A,
    ANN_B,
    CONFIG,
    MANAGER,
    REVIEWER,
    choice,
    core,
    make_project,
    span,
)

from labelcore import Conflict, Forbidden, LabelCore, NotFound, ValidationError

__all__ = ["core"]


@pytest.fixture()
def task_id(core: LabelCore) -> int:
    p = make_project(core, 1, maximum_annotations=2)
    return core.list_tasks(MANAGER, p.id).tasks[0].id


def test_submit_validates_every_region(core: LabelCore, task_id: int) -> None:
    bad = choice("Maybe") + span("CAT")
    with pytest.raises(ValidationError) as info:
        core.submit_annotation(ANN_A, task_id, bad)
    assert [e["region"] for e in info.value.errors] == [0, 1]
    assert core.list_annotations(MANAGER, task_id) == []


def test_empty_annotations_follow_the_project_setting(core: LabelCore) -> None:
    p = make_project(core, 1, enable_empty_annotation=False)
    task_id = core.list_tasks(MANAGER, p.id).tasks[0].id
    with pytest.raises(ValidationError) as info:
        core.submit_annotation(ANN_A, task_id, [])
    assert info.value.code == "annotation.empty"
    core.skip_task(ANN_A, task_id)  # a skip is empty by nature


def test_retried_submit_returns_the_first_annotation(core: LabelCore, task_id: int) -> None:
    first = core.submit_annotation(ANN_A, task_id, choice(), unique_id="u-1")
    again = core.submit_annotation(ANN_A, task_id, choice("Negative"), unique_id="u-1")
    assert again == first
    assert core.get_task(MANAGER, task_id).task.total_annotations == 1
    with pytest.raises(Conflict):  # someone else's unique_id is not theirs to replay
        core.submit_annotation(ANN_B, task_id, choice(), unique_id="u-1")


def test_counters_change_with_the_rows(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice())
    task = core.get_task(MANAGER, task_id).task
    assert (task.total_annotations, task.is_labeled) == (1, False)  # overlap 2
    b = core.submit_annotation(ANN_B, task_id, choice())
    assert core.get_task(MANAGER, task_id).task.is_labeled
    core.update_annotation(ANN_B, b.id, was_cancelled=True)
    task = core.get_task(MANAGER, task_id).task
    assert (task.total_annotations, task.cancelled_annotations, task.is_labeled) == (1, 1, False)
    core.delete_annotation(ANN_A, a.id)
    assert core.get_task(MANAGER, task_id).task.total_annotations == 0


def test_optimistic_update_refuses_a_stale_version(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice())
    b = core.update_annotation(ANN_A, a.id, result=choice("Negative"), expected_version=1)
    assert b.version == 2 and b.updated_by == ANN_A.id
    with pytest.raises(Conflict) as info:
        core.update_annotation(ANN_A, a.id, result=choice(), expected_version=1)
    assert info.value.status == 409 and info.value.code == "annotation.version_conflict"
    assert core.get_annotation(ANN_A, a.id).result == choice("Negative")
    # without a version the last write wins, as in Label Studio
    c = core.update_annotation(ANN_A, a.id, result=choice())
    assert c.version == 3 and c.result == choice()


def test_only_author_or_manager_edits(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice())
    with pytest.raises(NotFound):  # annotators do not see others' annotations
        core.update_annotation(ANN_B, a.id, result=choice("Negative"))
    with pytest.raises(Forbidden):  # reviewers see them but may not rewrite them
        core.update_annotation(REVIEWER, a.id, result=choice("Negative"))
    m = core.update_annotation(MANAGER, a.id, result=choice("Negative"))
    assert m.completed_by == ANN_A.id and m.updated_by == MANAGER.id
    with pytest.raises(NotFound):
        core.delete_annotation(ANN_B, a.id)


def test_ground_truth_is_unique_per_task(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice())
    b = core.submit_annotation(ANN_B, task_id, choice())
    with pytest.raises(Forbidden):
        core.update_annotation(ANN_A, a.id, ground_truth=True)
    core.update_annotation(MANAGER, a.id, ground_truth=True)
    core.update_annotation(MANAGER, b.id, ground_truth=True)
    flags = {x.id: x.ground_truth for x in core.list_annotations(MANAGER, task_id)}
    assert flags == {a.id: False, b.id: True}
    c = core.submit_annotation(MANAGER, task_id, choice(), ground_truth=True)
    flags = {x.id: x.ground_truth for x in core.list_annotations(MANAGER, task_id)}
    assert flags == {a.id: False, b.id: False, c.id: True}


def test_drafts_sum_lead_time_and_go_on_submit(core: LabelCore, task_id: int) -> None:
    d = core.save_draft(ANN_A, task_id, choice(), lead_time=10)
    d = core.save_draft(ANN_A, task_id, choice("Negative"), lead_time=5)
    assert d.lead_time == 15 and d.result == choice("Negative")
    assert core.get_drafts(ANN_A, task_id) == [d]
    assert core.get_drafts(ANN_B, task_id) == []
    with pytest.raises(NotFound):
        core.get_draft(ANN_B, d.id)
    a = core.submit_annotation(ANN_A, task_id, choice("Negative"), lead_time=2.5, draft_id=d.id)
    assert a.lead_time == 17.5
    assert core.get_drafts(ANN_A, task_id) == []


def test_drafts_of_an_existing_annotation(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice(), lead_time=4)
    d = core.save_draft(ANN_A, task_id, choice("Negative"), annotation_id=a.id, lead_time=3)
    d = core.update_draft(ANN_A, d.id, lead_time=1, was_postponed=True)
    assert (d.lead_time, d.was_postponed, d.annotation_id) == (4, True, a.id)
    u = core.update_annotation(ANN_A, a.id, result=d.result)
    assert u.lead_time == 8
    assert core.get_drafts(ANN_A, task_id) == []
    other = core.save_draft(ANN_A, task_id, [])
    core.delete_draft(ANN_A, other.id)
    assert core.get_drafts(ANN_A, task_id) == []
    with pytest.raises(ValidationError):
        core.save_draft(ANN_A, task_id, choice("Maybe"))


def test_history_lists_and_restores_versions(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice())
    core.update_annotation(ANN_A, a.id, result=choice("Negative"))
    core.update_annotation(MANAGER, a.id, result=span())
    history = core.annotation_history(ANN_A, a.id)
    assert [(v.version, v.user_id, v.action) for v in history] == [
        (1, ANN_A.id, "submitted"),
        (2, ANN_A.id, "updated"),
        (3, MANAGER.id, "updated"),
    ]
    restored = core.restore_annotation_version(ANN_A, a.id, 1, expected_version=3)
    assert restored.result == choice() and restored.version == 4
    assert core.annotation_history(ANN_A, a.id)[-1].action == "restored"
    with pytest.raises(NotFound):
        core.restore_annotation_version(ANN_A, a.id, 42)
    with pytest.raises(NotFound):
        core.annotation_history(ANN_B, a.id)


def test_skip_marks_an_existing_annotation_cancelled(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice())
    s = core.skip_task(ANN_A, task_id)
    assert s.id == a.id and s.was_cancelled and s.last_action == "skipped"
    via_submit = core.submit_annotation(ANN_B, task_id, [], was_cancelled=True)
    assert via_submit.was_cancelled


def test_skip_refused_when_the_button_is_hidden(core: LabelCore) -> None:
    p = make_project(core, 1, show_skip_button=False)
    task_id = core.list_tasks(MANAGER, p.id).tasks[0].id
    with pytest.raises(Forbidden):
        core.skip_task(ANN_A, task_id)


def test_annotators_see_only_their_own(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice())
    b = core.submit_annotation(ANN_B, task_id, choice())
    assert [x.id for x in core.list_annotations(ANN_A, task_id)] == [a.id]
    assert [x.id for x in core.get_task(ANN_B, task_id).annotations] == [b.id]
    assert [x.id for x in core.list_annotations(REVIEWER, task_id)] == [a.id, b.id]
    with pytest.raises(NotFound):
        core.get_annotation(ANN_B, a.id)


def test_bad_lead_time_and_parent_prediction(core: LabelCore, task_id: int) -> None:
    for bad in (-1, float("nan"), True, "5"):
        with pytest.raises(ValidationError):
            core.submit_annotation(ANN_A, task_id, choice(), lead_time=bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        core.submit_annotation(ANN_A, task_id, choice(), parent_prediction=12345)


def test_update_records_only_known_actions(core: LabelCore, task_id: int) -> None:
    a = core.submit_annotation(ANN_A, task_id, choice())
    with pytest.raises(ValidationError):
        core.update_annotation(ANN_A, a.id, result=choice(), action="pwned")
    accepted = core.update_annotation(MANAGER, a.id, action="accepted")
    assert accepted.last_action == "accepted" and accepted.version == 2


def two_spans() -> list[dict[str, Any]]:
    return span("PER", 0, 2) + [{**span("ORG", 3, 5)[0], "id": "s2"}]


def relation(**extra: Any) -> dict[str, Any]:
    return {"from_id": "s1", "to_id": "s2", "type": "relation", "direction": "right", **extra}


def test_relation_labels_need_relations_in_the_config(core: LabelCore, task_id: int) -> None:
    """Label Studio keeps a relation's labels only if its <Relations> names them
    (RelationStore.serialize); a relation result naming labels for a config without
    <Relations> is refused with the fix in the message, and nothing is stored. No labels, or
    labels: [], are what Label Studio writes there, and pass."""
    with pytest.raises(ValidationError) as info:
        core.submit_annotation(ANN_A, task_id, [*two_spans(), relation(labels=["works_at"])])
    [error] = info.value.errors
    assert (error["code"], error["region"]) == ("result.unknown_label", 2)
    assert "no <Relations> tag" in error["message"] and "labels: []" in error["message"]
    assert core.list_annotations(MANAGER, task_id) == []
    plain = core.submit_annotation(ANN_A, task_id, [*two_spans(), relation(), relation(labels=[])])
    assert [r.get("labels") for r in plain.result if r["type"] == "relation"] == [None, []]


def test_relation_labels_round_trip_and_single_choice(core: LabelCore) -> None:
    config = CONFIG.replace(
        "</View>",
        '<Relations choice="single"><Relation value="works_at"/><Relation value="founded"/>'
        "</Relations></View>",
    )
    project = core.create_project(MANAGER, title="Relations", label_config=config)
    core.import_tasks(MANAGER, project.id, [{"text": "Al at Acme"}])
    task_id = core.list_tasks(MANAGER, project.id).tasks[0].id
    made = core.submit_annotation(ANN_A, task_id, [*two_spans(), relation(labels=["founded"])])
    [stored] = core.list_annotations(MANAGER, task_id)
    assert stored.id == made.id and stored.result[2] == relation(labels=["founded"])
    for labels, code in ((["founded", "works_at"], "result.single_choice"),
                         (["hates"], "result.unknown_label")):  # fmt: skip
        with pytest.raises(ValidationError) as info:
            core.update_annotation(ANN_A, made.id, result=[*two_spans(), relation(labels=labels)])
        assert [e["code"] for e in info.value.errors] == [code]
    assert core.list_annotations(MANAGER, task_id)[0].result == stored.result
