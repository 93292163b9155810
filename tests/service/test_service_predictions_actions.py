from __future__ import annotations

import pytest
from svc_fixtures import ANN_A, MANAGER, REVIEWER, choice, core, make_project, span

from labelcore import Forbidden, LabelCore, NotFound, QueryError, ValidationError
from labelcore.model import NewPrediction
from labelcore.query import Selection, TaskQuery

__all__ = ["core"]


def test_add_list_delete_predictions(core: LabelCore) -> None:
    p = make_project(core, 2)
    t1, t2 = (t.id for t in core.list_tasks(MANAGER, p.id).tasks)
    added = core.add_predictions(
        MANAGER,
        p.id,
        [
            {"task": t1, "result": choice(), "score": 0.5, "model_version": "v1"},
            NewPrediction(task_id=t2, result=span(), model_version="v2"),
        ],
    )
    assert [x.model_version for x in added] == ["v1", "v2"]
    assert core.get_task(MANAGER, t1).task.total_predictions == 1
    assert [x.id for x in core.list_predictions(ANN_A, project_id=p.id)] == [a.id for a in added]
    assert core.list_predictions(MANAGER, task_id=t2, model_version="v2") == [added[1]]
    changed = core.update_prediction(MANAGER, added[0].id, score=0.1)
    assert changed.score == 0.1 and changed.result == choice()
    assert core.delete_predictions(MANAGER, [changed.id]) == 1
    assert core.get_task(MANAGER, t1).task.total_predictions == 0
    with pytest.raises(Forbidden):
        core.delete_predictions(ANN_A, [added[1].id])


def test_bad_predictions_are_reported_and_none_added(core: LabelCore) -> None:
    p = make_project(core, 1)
    other = make_project(core, 1, title="Other")
    (t1,) = (t.id for t in core.list_tasks(MANAGER, p.id).tasks)
    (foreign,) = (t.id for t in core.list_tasks(MANAGER, other.id).tasks)
    with pytest.raises(ValidationError) as info:
        core.add_predictions(
            MANAGER,
            p.id,
            [
                {"task": t1, "result": choice(), "model_version": "ok"},
                {"task": t1, "result": choice("Maybe"), "model_version": "m1"},
                {"task": foreign, "result": choice(), "model_version": "m2"},
                {"task": t1, "result": choice(), "score": "high"},
            ],
        )
    errors = info.value.errors
    assert [(e["index"], e["model_version"], e["code"]) for e in errors] == [
        (3, None, "prediction.bad_score"),
        (1, "m1", "result.invalid"),
        (2, "m2", "prediction.task_not_found"),
    ]
    assert core.list_predictions(MANAGER, project_id=p.id) == []


def test_predictions_hidden_from_annotators_unless_revealed(core: LabelCore) -> None:
    p = make_project(core, 1, reveal_predictions=False)
    (t1,) = (t.id for t in core.list_tasks(MANAGER, p.id).tasks)
    (pred,) = core.add_predictions(MANAGER, p.id, [{"task": t1, "result": choice()}])
    assert core.get_task(ANN_A, t1).predictions == []
    assert core.list_predictions(ANN_A, task_id=t1) == []
    with pytest.raises(NotFound):
        core.get_prediction(ANN_A, pred.id)
    assert core.get_task(MANAGER, t1).predictions == [pred]


def test_annotations_from_predictions_is_idempotent(core: LabelCore) -> None:
    p = make_project(core, 3)
    t1, t2, t3 = (t.id for t in core.list_tasks(MANAGER, p.id).tasks)
    core.add_predictions(
        MANAGER,
        p.id,
        [
            {"task": t1, "result": choice(), "model_version": "v1"},
            {"task": t1, "result": choice("Negative"), "model_version": "v2"},
            {"task": t2, "result": choice(), "model_version": "v1"},
        ],
    )
    made = core.annotations_from_predictions(MANAGER, p.id, model_version="v1")
    assert sorted(a.task_id for a in made) == [t1, t2]
    assert all(a.last_action == "prediction" and a.parent_prediction for a in made)
    assert core.annotations_from_predictions(MANAGER, p.id, model_version="v1") == []
    latest = core.annotations_from_predictions(
        MANAGER, p.id, query=TaskQuery(selection=Selection(included=(t1,)))
    )
    assert [a.result for a in latest] == [choice("Negative")]


def test_data_manager_actions(core: LabelCore) -> None:
    p = make_project(core, 3)
    t1, t2, t3 = (t.id for t in core.list_tasks(MANAGER, p.id).tasks)
    core.add_predictions(MANAGER, p.id, [{"task": t, "result": choice()} for t in (t1, t2, t3)])
    core.submit_annotation(ANN_A, t1, choice())
    assert [a.id for a in core.list_actions(ANN_A, p.id)] == []
    assert {a.id for a in core.list_actions(MANAGER, p.id)} == {
        "delete_tasks",
        "delete_tasks_annotations",
        "delete_tasks_predictions",
        "predictions_to_annotations",
        "retrieve_tasks_predictions",
        "request_more_annotations",  # issue 11: low-agreement tasks back to the queue
    }
    sel = TaskQuery(selection=Selection(included=(t1, t2)))
    r = core.run_action(MANAGER, p.id, "delete_tasks_annotations", query=sel)
    assert r.processed_items == 1
    assert core.get_task(MANAGER, t1).task.total_annotations == 0
    r = core.run_action(MANAGER, p.id, "predictions_to_annotations", query=sel, params={})
    assert r.processed_items == 2
    r = core.run_action(MANAGER, p.id, "delete_tasks_predictions")
    assert r.processed_items == 3
    r = core.run_action(
        MANAGER,
        p.id,
        "delete_tasks",
        query=TaskQuery(selection=Selection(all=True, excluded=(t3,))),
    )
    assert r.processed_items == 2
    assert [t.id for t in core.list_tasks(MANAGER, p.id).tasks] == [t3]
    with pytest.raises(ValidationError):
        core.run_action(MANAGER, p.id, "rm -rf")
    with pytest.raises(Forbidden):
        core.run_action(REVIEWER, p.id, "delete_tasks")


def test_views_crud_scoped_to_project(core: LabelCore) -> None:
    p = make_project(core, 1)
    other = make_project(core, 1, title="Other")
    view = core.create_view(ANN_A, p.id, {"title": "Mine", "filters": None})
    assert core.list_views(MANAGER, p.id) == [view]
    assert core.list_views(MANAGER, other.id) == []
    updated = core.update_view(ANN_A, view.id, {"title": "Renamed"}, order=3)
    assert updated.data == {"title": "Renamed"} and updated.order == 3
    with pytest.raises(Forbidden):
        core.update_view(REVIEWER, view.id, {"title": "Theirs"})
    with pytest.raises(QueryError):
        core.create_view(
            MANAGER,
            p.id,
            {
                "filters": {
                    "conjunction": "and",
                    "items": [
                        {
                            "filter": "filter:tasks:updated_by__active_organization__password",
                            "operator": "regex",
                            "type": "String",
                            "value": "^a",
                        }
                    ],
                }
            },
        )
    core.delete_view(MANAGER, view.id)
    with pytest.raises(NotFound):
        core.get_view(MANAGER, view.id)
    core.create_view(MANAGER, p.id, {"title": "a"})
    assert core.reset_views(MANAGER, p.id) == 1
