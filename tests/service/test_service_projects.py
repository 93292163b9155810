from __future__ import annotations

from typing import Any

import pytest
from svc_fixtures import ANN_A, CONFIG, MANAGER, REVIEWER, choice, core, make_project, project

from labelcore import ConfigError, Forbidden, LabelCore, NotFound, ValidationError
from labelcore.model import Member, Sampling, SkipQueue

__all__ = ["core", "project"]


def test_create_project_validates_and_sanitizes(core: LabelCore) -> None:
    p = core.create_project(
        MANAGER,
        title="  NER  ",
        label_config=CONFIG,
        instructions='<p onclick="x()">Read <script>alert(1)</script><b>this</b></p>',
        sampling="Uniform sampling",
        skip_queue="REQUEUE_FOR_ME",
    )
    assert p.settings.title == "NER"
    assert p.settings.instructions == "<p>Read <b>this</b></p>"
    assert p.settings.sampling is Sampling.UNIFORM
    assert p.settings.skip_queue is SkipQueue.REQUEUE_FOR_ME
    assert p.created_by == MANAGER.id
    assert core.get_project(MANAGER, p.id) == p


def test_create_project_lists_every_bad_setting(core: LabelCore) -> None:
    with pytest.raises(ValidationError) as info:
        core.create_project(
            MANAGER,
            title="x",
            label_config=CONFIG,
            maximum_annotations=0,
            overlap_cohort_percentage=101,
            lock_ttl_seconds=0,
            color="red",
        )
    fields = {e["field"] for e in info.value.errors}
    assert fields == {
        "title",
        "maximum_annotations",
        "overlap_cohort_percentage",
        "lock_ttl_seconds",
        "color",
    }
    assert core.list_projects(MANAGER) == []


def test_unknown_setting_and_wrong_types_are_refused(core: LabelCore) -> None:
    with pytest.raises(ValidationError) as info:
        core.create_project(
            MANAGER, title="Good", nonsense=1, show_skip_button="yes", sampling="random-ish"
        )
    codes = sorted(e["code"] for e in info.value.errors)
    assert codes == ["project.invalid_choice", "project.invalid_type", "project.unknown_setting"]


def test_bad_config_is_a_config_error(core: LabelCore) -> None:
    with pytest.raises(ConfigError):
        core.create_project(MANAGER, title="Bad", label_config="<View><Choices name='c'/>")


def test_only_managers_create_projects(core: LabelCore) -> None:
    for user in (ANN_A, REVIEWER):
        with pytest.raises(Forbidden):
            core.create_project(user, title="Mine", label_config=CONFIG)


def test_list_projects_has_counts_and_role(core: LabelCore, project) -> None:
    task_id = core.list_tasks(MANAGER, project.id).tasks[0].id
    core.submit_annotation(ANN_A, task_id, choice())
    (summary,) = core.list_projects(ANN_A)
    assert summary.role == "annotator"
    assert summary.counts.task_count == 3
    assert summary.counts.annotation_count == 1
    assert summary.counts.labeled_count == 1
    assert core.project_counts(MANAGER, project.id).task_count == 3


def test_config_change_refused_while_annotations_use_dropped_labels(
    core: LabelCore, project
) -> None:
    task_id = core.list_tasks(MANAGER, project.id).tasks[0].id
    core.submit_annotation(ANN_A, task_id, choice("Negative"))
    smaller = CONFIG.replace('<Choice value="Negative"/>', "")
    with pytest.raises(ValidationError) as info:
        core.update_project(MANAGER, project.id, label_config=smaller)
    assert info.value.code == "project.config_incompatible"
    (problem,) = info.value.errors
    assert (problem["control"], problem["label"], problem["count"]) == ("sentiment", "Negative", 1)
    assert core.get_project(MANAGER, project.id).settings.label_config == CONFIG
    # a dropped control that nobody used is fine; force overrides
    updated = core.update_project(MANAGER, project.id, label_config=smaller, force=True)
    assert updated.settings.label_config == smaller


def test_config_change_needs_data_the_tasks_have(core: LabelCore, project) -> None:
    image = '<View><Image name="img" value="$image"/></View>'
    with pytest.raises(ValidationError) as info:
        core.validate_config(MANAGER, image, project.id)
    assert info.value.errors[0]["code"] == "project.config_data_key_missing"
    assert core.validate_config(MANAGER, image).data_keys == {"image"}


def test_overlap_and_cohort_recalculated_on_settings_change(core: LabelCore) -> None:
    p = make_project(core, 10)
    core.update_project(MANAGER, p.id, maximum_annotations=3)
    assert {t.overlap for t in core.list_tasks(MANAGER, p.id).tasks} == {3}
    core.update_project(MANAGER, p.id, overlap_cohort_percentage=30)
    overlaps = sorted(t.overlap for t in core.list_tasks(MANAGER, p.id).tasks)
    assert overlaps == [1] * 7 + [3] * 3
    # newly imported tasks join the cohort calculation
    core.import_tasks(MANAGER, p.id, [{"text": "more"} for _ in range(10)])
    overlaps = [t.overlap for t in core.list_tasks(MANAGER, p.id).tasks]
    assert overlaps.count(3) == 6 and len(overlaps) == 20


def test_new_overlap_is_written_as_the_task_ids_stream(
    core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new ``maximum_annotations`` for every task is written a batch of tasks at a time as
    their ids are read: the project's ids are never held whole (they were listed, and a
    dict of every task's overlap built, before the first write)."""
    from labelcore.service.overlap import _BATCH

    n = 2 * _BATCH + 10
    p = make_project(core, n)
    read, held = 0, []
    real_ids, real_set = core.store.task_ids, core.store.set_task_overlap

    def task_ids(*args: Any, **kwargs: Any) -> Any:
        nonlocal read
        for task_id in real_ids(*args, **kwargs):
            read += 1
            yield task_id

    def set_task_overlap(project_id: int, overlaps: dict[int, int]) -> None:
        held.append(read)
        real_set(project_id, overlaps)

    monkeypatch.setattr(core.store, "task_ids", task_ids)
    monkeypatch.setattr(core.store, "set_task_overlap", set_task_overlap)
    core.update_project(MANAGER, p.id, maximum_annotations=3)
    assert held == [_BATCH, 2 * _BATCH, n]
    monkeypatch.undo()
    assert [b.task.overlap for b in core.store.iter_bundles(p.id)] == [3] * n


def test_cohort_keeps_full_overlap_on_tasks_with_work(core: LabelCore) -> None:
    p = make_project(core, 4, maximum_annotations=2)
    last = core.list_tasks(MANAGER, p.id).tasks[-1]
    core.submit_annotation(ANN_A, last.id, choice())
    core.update_project(MANAGER, p.id, overlap_cohort_percentage=25)
    tasks = {t.id: t.overlap for t in core.list_tasks(MANAGER, p.id).tasks}
    assert tasks[last.id] == 2
    assert sorted(tasks.values()) == [1, 1, 1, 2]


def test_delete_project(core: LabelCore, project) -> None:
    with pytest.raises(Forbidden):
        core.delete_project(ANN_A, project.id)
    core.delete_project(MANAGER, project.id)
    with pytest.raises(NotFound):
        core.get_project(MANAGER, project.id)


def test_members_make_a_project_private(core: LabelCore, project) -> None:
    members = core.set_members(MANAGER, project.id, {ANN_A.id: "reviewer"})
    assert members == [Member(project_id=project.id, user_id=ANN_A.id, role="reviewer")]
    assert [s.role for s in core.list_projects(ANN_A)] == ["reviewer"]
    assert core.list_projects(REVIEWER) == []
    with pytest.raises(NotFound):
        core.get_project(REVIEWER, project.id)
    with pytest.raises(ValidationError):
        core.set_members(MANAGER, project.id, {ANN_A.id: "boss"})
    with pytest.raises(Forbidden):
        core.set_members(ANN_A, project.id, {})


def test_a_member_list_naming_a_user_twice_or_a_bad_id_is_refused(
    core: LabelCore, project
) -> None:
    """The old code kept the last of ``7`` and ``"7"`` silently, and stored ``True`` or
    ``[1]`` as a member's id."""
    core.set_members(MANAGER, project.id, {ANN_A.id: "annotator"})
    for members in (
        [
            Member(project_id=project.id, user_id=7, role="annotator"),
            Member(project_id=project.id, user_id="7", role="manager"),
        ],
        [Member(project_id=project.id, user_id=True, role="annotator")],
        [Member(project_id=project.id, user_id=[1], role="annotator")],  # type: ignore[arg-type]
        [Member(project_id=project.id, user_id="x" * 256, role="annotator")],
    ):
        with pytest.raises(ValidationError) as exc:
            core.set_members(MANAGER, project.id, members)
        assert exc.value.code in ("members.duplicate_user", "members.bad_user")
    assert [m.user_id for m in core.list_members(MANAGER, project.id)] == [ANN_A.id]


def test_add_and_remove_one_member(core: LabelCore, project) -> None:
    core.set_members(MANAGER, project.id, {ANN_A.id: "annotator"})
    core.add_member(MANAGER, project.id, REVIEWER.id, "reviewer")
    core.add_member(MANAGER, project.id, ANN_A.id, "manager")  # a new role, not a second entry
    assert {m.user_id: m.role for m in core.list_members(MANAGER, project.id)} == {
        ANN_A.id: "manager",
        REVIEWER.id: "reviewer",
    }
    core.remove_member(MANAGER, project.id, REVIEWER.id)
    with pytest.raises(NotFound):
        core.remove_member(MANAGER, project.id, REVIEWER.id)
    core.add_member(MANAGER, project.id, ANN_A.id, "annotator")
    with pytest.raises(NotFound):  # no longer a member: the project is hidden from them
        core.add_member(REVIEWER, project.id, REVIEWER.id, "manager")
    with pytest.raises(Forbidden):  # a member whose role there is not manager
        core.add_member(ANN_A, project.id, REVIEWER.id, "manager")
    with pytest.raises(ValidationError):
        core.add_member(MANAGER, project.id, REVIEWER.id, "owner")
    assert [m.user_id for m in core.list_members(MANAGER, project.id)] == [ANN_A.id]
