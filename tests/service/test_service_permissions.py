from __future__ import annotations

import pytest
from svc_fixtures import ANN_A, ANN_B, MANAGER, REVIEWER, choice, core, make_project

from labelcore import Forbidden, LabelCore, NotFound, User
from labelcore.service import DefaultPolicy

__all__ = ["core"]


def test_default_policy_rules() -> None:
    policy = DefaultPolicy()
    assert policy.allows("annotator", "task.label")
    assert not policy.allows("annotator", "annotations.view_all")
    assert policy.allows("reviewer", "annotations.view_all")
    assert policy.allows("reviewer", "annotations.review")
    assert not policy.allows("reviewer", "project.update")
    assert policy.allows("manager", "project.delete")
    assert not policy.allows("nobody", "project.view")
    assert policy.can_create_project(MANAGER) and not policy.can_create_project(REVIEWER)


def test_user_without_a_known_role_sees_nothing(core: LabelCore) -> None:
    p = make_project(core, 1)
    stranger = User(id=77, roles={"guest"})
    assert core.list_projects(stranger) == []
    with pytest.raises(NotFound):
        core.get_project(stranger, p.id)


def test_cross_project_ids_are_not_found(core: LabelCore) -> None:
    """A member of project A probing ids of private project B gets 404 everywhere
    (Label Studio's unscoped annotation lookups, CVE-2026-76073)."""
    a = make_project(core, 1, title="Project A")
    b = make_project(core, 1, title="Project B")
    core.set_members(MANAGER, a.id, {ANN_A.id: "annotator"})
    core.set_members(MANAGER, b.id, {ANN_B.id: "annotator"})
    (tb,) = core.list_tasks(MANAGER, b.id).tasks
    ann = core.submit_annotation(ANN_B, tb.id, choice())
    draft = core.save_draft(ANN_B, tb.id, choice())
    (pred,) = core.add_predictions(MANAGER, b.id, [{"task": tb.id, "result": choice()}])
    view = core.create_view(ANN_B, b.id, {"title": "B"})
    probes = [
        lambda: core.get_project(ANN_A, b.id),
        lambda: core.list_tasks(ANN_A, b.id),
        lambda: core.get_task(ANN_A, tb.id),
        lambda: core.next_task(ANN_A, b.id),
        lambda: core.submit_annotation(ANN_A, tb.id, choice()),
        lambda: core.get_annotation(ANN_A, ann.id),
        lambda: core.update_annotation(ANN_A, ann.id, result=[]),
        lambda: core.delete_annotation(ANN_A, ann.id),
        lambda: core.annotation_history(ANN_A, ann.id),
        lambda: core.get_draft(ANN_A, draft.id),
        lambda: core.delete_draft(ANN_A, draft.id),
        lambda: core.get_prediction(ANN_A, pred.id),
        lambda: core.delete_predictions(ANN_A, [pred.id]),
        lambda: core.get_view(ANN_A, view.id),
        lambda: core.delete_view(ANN_A, view.id),
        lambda: core.import_tasks(ANN_A, b.id, [{"text": "x"}]),
        lambda: core.list_members(ANN_A, b.id),
    ]
    for probe in probes:
        with pytest.raises(NotFound):
            probe()
    # nothing changed in B
    assert core.get_task(MANAGER, tb.id).task.total_annotations == 1
    assert core.get_draft(ANN_B, draft.id) == draft


def test_reviewer_member_role_applies_inside_the_project(core: LabelCore) -> None:
    p = make_project(core, 1)
    core.set_members(MANAGER, p.id, {ANN_A.id: "reviewer", ANN_B.id: "annotator"})
    (t,) = core.list_tasks(MANAGER, p.id).tasks
    b = core.submit_annotation(ANN_B, t.id, choice())
    assert core.get_annotation(ANN_A, b.id) == b  # reviewer inside this project
    with pytest.raises(Forbidden):
        core.delete_annotation(ANN_A, b.id)


def test_policy_is_replaceable(core: LabelCore) -> None:
    class ReadOnly(DefaultPolicy):
        def allows(self, role: str, action: str) -> bool:
            return action == "project.view" or (role == "manager" and action != "tasks.delete")

    p = make_project(core, 1)
    core.policy = ReadOnly()
    (t,) = core.list_tasks(ANN_A, p.id).tasks
    with pytest.raises(Forbidden):
        core.submit_annotation(ANN_A, t.id, choice())
    with pytest.raises(Forbidden):
        core.delete_tasks(MANAGER, p.id, [t.id])


def test_export_query_cannot_filter_by_columns_the_role_does_not_see() -> None:
    """A host policy that lets annotators export: a query filtering by other users'
    annotation results is refused, as in the task list (a filter is a side channel), and an
    export with a query on a column the role sees still works."""
    from labelcore.query import TaskQuery, parse_query
    from labelcore.service.policy import _DEFAULT_RULES

    rules = dict(_DEFAULT_RULES, annotator=_DEFAULT_RULES["annotator"] | {"project.export"})
    core = LabelCore(store="memory://", policy=DefaultPolicy(rules), start_jobs=False)
    project = make_project(core, 2)
    first, second = (t.id for t in core.list_tasks(MANAGER, project.id).tasks)
    core.submit_annotation(ANN_B, second, choice("Negative"))
    core.submit_annotation(ANN_A, first, choice())

    def query(column: str, value: object, kind: str, operator: str = "contains") -> TaskQuery:
        item = {
            "filter": f"filter:tasks:{column}",
            "operator": operator,
            "type": kind,
            "value": value,
        }
        return parse_query({"filters": {"conjunction": "and", "items": [item]}})

    with pytest.raises(Forbidden) as refused:
        core.prepare_export(ANN_A, project.id, query=query("annotations_results", "Neg", "String"))
    assert refused.value.code == "forbidden.query_column"
    seen = core.prepare_export(ANN_A, project.id, query=query("id", first, "Number", "equal"))
    assert seen.filename


def test_forbidden_message_names_the_action_in_words(core: LabelCore) -> None:
    """A 403 reads "your role (annotator) may not delete tasks", not the policy action's
    dotted name turned into "may not tasks delete" (what the data manager showed)."""
    p = make_project(core, 2)
    (task, _other) = core.list_tasks(MANAGER, p.id).tasks
    with pytest.raises(Forbidden) as denied:
        core.delete_tasks(ANN_A, p.id, [task.id])
    assert (denied.value.code, denied.value.message) == (
        "forbidden.tasks.delete",
        "your role (annotator) may not delete tasks",
    )
    with pytest.raises(Forbidden) as denied:
        core.update_project(ANN_A, p.id, title="Renamed")
    assert denied.value.message == "your role (annotator) may not change this project's settings"


def test_every_policy_action_has_a_phrase() -> None:
    from labelcore.service.policy import ACTION_PHRASES, ACTIONS

    assert set(ACTION_PHRASES) == ACTIONS
