"""In-process predictors: validation before storing, retrieval jobs, interactive, training."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from ml_fakes import CONFIG, MANAGER, choice, sentiment

from labelcore.config import parse_config
from labelcore.errors import NotFound, ValidationError
from labelcore.ml import (
    MLBackendError,
    Predictor,
    Rejected,
    Trainable,
    prediction_score,
    validate_predictions,
)
from labelcore.model import JobStatus, NewAnnotation
from labelcore.query import TaskQuery
from labelcore.service.events import Event


class Keywords:
    model_version = "kw-1"

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.fits: list[tuple[str, Any]] = []

    def predict(self, tasks: Sequence[Mapping[str, Any]], config: Any) -> list[Any]:
        self.batches.append(len(tasks))
        return [{"result": [choice(sentiment(t["data"]["text"]), 0.7)]} for t in tasks]

    def fit(self, event: str, data: Mapping[str, Any]) -> dict[str, Any]:
        self.fits.append((event, data))
        return {"ok": True}


class Interactive(Keywords):
    def predict(
        self,
        tasks: Sequence[Mapping[str, Any]],
        config: Any,
        *,
        context: Mapping[str, Any] | None = None,
    ) -> list[Any]:
        if context:
            return [{"result": context["result"], "score": 1.0}]
        return super().predict(tasks, config)


class Broken:
    model_version = "broken-3"

    def predict(self, tasks: Sequence[Mapping[str, Any]], config: Any) -> list[Any]:
        out: list[Any] = []
        for t in tasks:
            text = t["data"]["text"]
            if "bad" in text:
                out.append({"result": [{**choice("neg"), "to_name": "missing"}]})
            elif text == "meh":
                out.append(Rejected("model.unsure", "no idea"))
            else:
                out.append({"result": [choice("pos")], "score": 0.5})
        return out


class WrongCount:
    model_version = "wc-1"

    def predict(self, tasks: Sequence[Mapping[str, Any]], config: Any) -> list[Any]:
        return [{"result": [choice("pos")]}] * (len(tasks) + 1)


class Raising:
    model_version = "boom-1"

    def predict(self, tasks: Sequence[Mapping[str, Any]], config: Any) -> list[Any]:
        raise RuntimeError("CUDA out of memory")


def test_protocols_are_structural() -> None:
    assert isinstance(Keywords(), Predictor) and isinstance(Keywords(), Trainable)
    assert isinstance(Broken(), Predictor) and not isinstance(Broken(), Trainable)


def test_in_process_predictions_are_stored_as_a_job(core: Any, ml: Any, project: Any) -> None:
    model = Keywords()
    backend = ml.register_predictor(project.id, model)
    assert backend.model_version == "kw-1" and backend.url is None
    job = ml.retrieve_predictions(project.id)
    assert core.jobs.run_pending() == 1
    done = core.store.get_job(job.id)
    assert done.status == JobStatus.COMPLETED and done.progress == 1.0
    assert done.result["predictions_created"] == 5 and done.result["problem_count"] == 0
    assert model.batches == [2, 2, 1]  # batches of batch_size
    preds = core.store.list_predictions(project_id=project.id)
    assert {p.model_version for p in preds} == {"kw-1"}
    assert all(p.score == 0.7 for p in preds)  # from the region scores
    by_task = {p.task_id: p.result[0]["value"]["choices"] for p in preds}
    texts = {t.id: t.data["text"] for t in core.store.get_tasks(list(by_task))}
    assert all(by_task[i] == [sentiment(texts[i])] for i in by_task)
    # tasks that already have the current version are not predicted again
    ml.retrieve_predictions(project.id)
    core.jobs.run_pending()
    assert len(core.store.list_predictions(project_id=project.id)) == 5


def test_invalid_predictions_are_reported_never_stored(core: Any, ml: Any, project: Any) -> None:
    ml.register_predictor(project.id, Broken())
    run = ml.predict_tasks(project.id)
    assert run.predictions_created == 3 - 1  # "good day", "good food"
    codes = sorted(p.code for p in run.problems)
    assert run.problem_count == 3
    assert codes.count("model.unsure") == 1
    for p in run.problems:
        assert p.model_version == "broken-3" and p.task_id is not None and p.message
    refused_ids = {p.task_id for p in run.problems}
    stored_ids = {p.task_id for p in core.store.list_predictions(project_id=project.id)}
    assert refused_ids.isdisjoint(stored_ids)


def test_wrong_number_of_results_refuses_the_batch(core: Any, ml: Any, project: Any) -> None:
    ml.register_predictor(project.id, WrongCount())
    run = ml.predict_tasks(project.id)
    assert run.predictions_created == 0
    assert run.problem_count == 5
    assert {p.code for p in run.problems} == {"prediction.count"}
    assert "3 predictions for 2 tasks" in run.problems[0].message
    assert core.store.list_predictions(project_id=project.id) == []
    assert ml.list_backends(project.id)[0].state == "ER"


def test_raising_model_is_reported(core: Any, ml: Any, project: Any) -> None:
    ml.register_predictor(project.id, Raising())
    job = ml.retrieve_predictions(project.id)
    core.jobs.run_pending()
    result = core.store.get_job(job.id).result
    assert result["predictions_created"] == 0
    assert "CUDA out of memory" in result["problems"][0]["message"]
    assert result["problems"][0]["model_version"] == "boom-1"


def test_selected_tasks_only(core: Any, ml: Any, project: Any) -> None:
    ml.register_predictor(project.id, Keywords())
    ids = list(core.store.task_ids(project.id, TaskQuery()))
    run = ml.predict_tasks(project.id, ids[:2])
    assert run.tasks == 2 and run.predictions_created == 2


def test_interactive_preannotation(core: Any, ml: Any, project: Any) -> None:
    backend = ml.register_predictor(project.id, Interactive())
    assert backend.is_interactive
    task_id = next(iter(core.store.task_ids(project.id, TaskQuery())))
    proposal = ml.interactive(project.id, task_id, {"result": [choice("neg")]})
    assert proposal == {"result": [choice("neg")], "score": 1.0, "model_version": "kw-1"}
    with pytest.raises(MLBackendError) as exc:
        ml.interactive(project.id, task_id, {"result": [{**choice("neg"), "type": "labels"}]})
    assert exc.value.code == "ml.invalid_prediction" and exc.value.errors
    assert core.store.list_predictions(project_id=project.id) == []  # never stored
    plain = ml.register_predictor(project.id, Keywords())
    with pytest.raises(ValidationError, match="not interactive"):
        ml.interactive(project.id, task_id, {"result": []}, backend_id=plain.id)
    with pytest.raises(NotFound):
        ml.interactive(project.id, 10**6, {"result": []})


def test_training_and_annotation_events_reach_fit(core: Any, ml: Any, project: Any) -> None:
    model = Keywords()
    ml.register_predictor(project.id, model)
    task_id = next(iter(core.store.task_ids(project.id, TaskQuery())))
    core.store.add_annotation(
        NewAnnotation(result=[choice("pos")], completed_by=1, task_id=task_id), project.id
    )
    core.events.emit(
        Event(
            name="annotation.created",
            project_id=project.id,
            payload={"annotation": {"id": 1}, "task": {"id": task_id}},
        )
    )
    job = ml.start_training(project.id)
    core.jobs.run_pending()
    assert core.store.get_job(job.id).status == JobStatus.COMPLETED
    events = [e for e, _ in model.fits]
    assert events == ["ANNOTATION_CREATED", "START_TRAINING"]
    data = model.fits[1][1]
    assert data["project"]["id"] == project.id
    assert [t["id"] for t in data["tasks"]] == [task_id]  # the annotated tasks


def test_train_after_n_annotations(core: Any, ml: Any, project: Any) -> None:
    core.update_project(MANAGER, project.id, min_annotations_to_start_training=2)
    model = Keywords()
    ml.register_predictor(project.id, model)
    ids = list(core.store.task_ids(project.id, TaskQuery()))
    for n, task_id in enumerate(ids[:4], 1):
        core.store.add_annotation(
            NewAnnotation(result=[choice("pos")], completed_by=1, task_id=task_id), project.id
        )
        core.events.emit(
            Event(
                name="annotation.created",
                project_id=project.id,
                payload={"annotation": {"id": n}, "task": {"id": task_id}},
            )
        )
    core.jobs.run_pending()
    assert [e for e, _ in model.fits].count("START_TRAINING") == 2  # after the 2nd and 4th


def test_predict_on_import(core: Any, ml: Any) -> None:
    p = core.create_project(MANAGER, title="Auto", label_config=CONFIG, predict_on_import=True)
    ml.register_predictor(p.id, Keywords())
    core.import_tasks(MANAGER, p.id, [{"text": "good"}, {"text": "bad"}])
    core.jobs.run_pending()
    assert len(core.store.list_predictions(project_id=p.id)) == 2


def test_registry_crud(ml: Any, project: Any) -> None:
    b = ml.register_predictor(project.id, Keywords(), title="kw")
    assert ml.get_backend(b.id).title == "kw"
    assert ml.update_backend(b.id, title="renamed", description="d").title == "renamed"
    assert ml.list_backends(project.id) == [ml.get_backend(b.id)]
    assert ml.get_backend(b.id).to_json()["project"] == project.id
    ml.remove_backend(b.id)
    with pytest.raises(NotFound):
        ml.get_backend(b.id)
    with pytest.raises(NotFound):
        ml.retrieve_predictions(project.id)
    with pytest.raises(NotFound):
        ml.register_predictor(10**6, Keywords())
    with pytest.raises(ValidationError):
        ml.register_predictor(project.id, object())


# -- validate_predictions ---------------------------------------------------------------------

CFG = parse_config(CONFIG)
TASKS = [{"id": 1, "data": {"text": "a"}}, {"id": 2, "data": {"text": "b"}}]


def test_validate_shapes() -> None:
    outputs = [
        [choice("pos")],  # a bare result list
        [
            {"result": [choice("neg")], "score": 0.2, "model_version": "own"},
            {"result": [choice("pos")], "score": 0.1},
        ],  # several predictions for a task
    ]
    valid, problems = validate_predictions(CFG, TASKS, outputs, "v")
    assert problems == []
    assert [(p.task_id, p.model_version, p.score) for p in valid] == [
        (1, "v", None),
        (2, "own", 0.2),
        (2, "v", 0.1),
    ]


def test_validate_refusals() -> None:
    outputs = [{"result": [choice("pos")], "score": math.nan}, "not a prediction"]
    valid, problems = validate_predictions(CFG, TASKS, outputs, "v")
    assert valid == []
    assert [p.code for p in problems] == ["prediction.score", "prediction.malformed"]
    valid, problems = validate_predictions(CFG, TASKS, [None, {"result": "x"}], "v")
    assert valid == [] and [p.code for p in problems] == ["prediction.no_result"]
    valid, problems = validate_predictions(CFG, TASKS, {"results": []}, "v")  # type: ignore[arg-type]
    assert valid == [] and {p.code for p in problems} == {"prediction.count"}


def test_uncertainty_score_from_regions() -> None:
    assert prediction_score({"result": [choice("pos", 0.9), choice("neg", 0.3)]}) == 0.3
    assert prediction_score({"result": [choice("pos", 0.9)], "score": 0.5}) == 0.5
    assert prediction_score({"result": [choice("pos")]}) is None
