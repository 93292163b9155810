"""Predictions: add (validated), list, change, delete, and turn them into annotations.

core.add_predictions(manager, project.id, [{"task": 1, "result": [...], "score": 0.4,
                                             "model_version": "v1"}])
core.annotations_from_predictions(manager, project.id, model_version="v1")
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from labelcore import _converter
from labelcore.errors import LabelcoreError, NotFound, ValidationError
from labelcore.model import (
    Annotation,
    NewAnnotation,
    NewPrediction,
    Prediction,
    Project,
    ResultList,
    User,
)
from labelcore.query import TaskQuery
from labelcore.service._base import ServiceBase, same_user

MAX_EVENT_ANNOTATIONS = 5000  # annotation.created events one bulk action emits

MAX_LISTED = 100


class PredictionsAPI(ServiceBase):
    def add_predictions(
        self,
        user: User,
        project_id: int,
        predictions: Iterable[NewPrediction | Mapping[str, Any]],
    ) -> list[Prediction]:
        """Add predictions (``NewPrediction`` or Label Studio JSON ``{task, result, score,
        model_version}``) to tasks of the project. All or nothing: bad ones raise
        ``ValidationError`` whose ``errors`` name each one's position, task,
        ``model_version`` and reason. Needs ``predictions.manage``. Emits
        ``predictions.created``."""
        project = self._project(user, project_id, "predictions.manage").project
        items: list[NewPrediction] = []
        problems: list[dict[str, Any]] = []
        for i, raw in enumerate(predictions):
            try:
                items.append(raw if isinstance(raw, NewPrediction) else _from_json(raw, i))
            except ValidationError as exc:
                problems.append(_problem(i, raw, exc.code, exc.message))
        tasks = {t.id: t for t in self.store.get_tasks({p.task_id for p in items if p.task_id})}
        for i, pred in enumerate(items):
            task = tasks.get(pred.task_id or 0)
            if task is None or task.project_id != project_id:
                problems.append(
                    _problem(
                        i,
                        pred,
                        "prediction.task_not_found",
                        f"task {pred.task_id} is not a task of this project",
                    )
                )
                continue
            try:
                self._check_result(project, task.data, pred.result, what="prediction")
            except ValidationError as exc:
                problems.append(_problem(i, pred, exc.code, exc.message))
        if problems:
            raise ValidationError(
                f"{len(problems)} invalid prediction(s), none added: "
                + "; ".join(p["message"] for p in problems[:5]),
                code="prediction.invalid",
                errors=problems[:MAX_LISTED],
            )
        with self._tx():
            added = self.store.add_predictions(items, project_id)
            if added:
                self._emit(
                    "predictions.created",
                    project_id,
                    user,
                    predictions=[_converter.prediction_to_json(p) for p in added[:5000]],
                    count=len(added),
                )
        return added

    def list_predictions(
        self,
        user: User,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        model_version: str | None = None,
    ) -> list[Prediction]:
        """Predictions of a task or a project (one of the two is required)."""
        if task_id is not None:
            access = self._task(user, task_id, "project.view")
            project = access.project
            role = access.role
        elif project_id is not None:
            p_access = self._project(user, project_id, "project.view")
            project, role = p_access.project, p_access.role
        else:
            raise ValidationError("give task_id or project_id", code="prediction.no_scope")
        if not self._sees_predictions(role, project):
            return []
        return self.store.list_predictions(
            task_id=task_id, project_id=project.id, model_version=model_version
        )

    def get_prediction(self, user: User, prediction_id: int) -> Prediction:
        """One prediction, if the user may see the predictions of its project."""
        pred = self.store.get_prediction(prediction_id)
        if pred is not None:
            try:
                access = self._task(user, pred.task_id, "project.view")
            except NotFound:
                access = None
            if access is not None and self._sees_predictions(access.role, access.project):
                return pred
        raise NotFound(f"prediction {prediction_id} not found", code="prediction.not_found")

    def update_prediction(
        self,
        user: User,
        prediction_id: int,
        *,
        result: ResultList | None = None,
        score: float | None = None,
        model_version: str | None = None,
    ) -> Prediction:
        """Change a prediction in place (the result is validated). Needs
        ``predictions.manage``. Emits ``predictions.created`` with the new state (Label Studio
        has no prediction-updated webhook). Keeps the id when the store has
        ``update_prediction``; otherwise the row is replaced and the id changes."""
        pred = self.get_prediction(user, prediction_id)
        access = self._task(user, pred.task_id, "predictions.manage")
        new_result = pred.result if result is None else result
        new_score = pred.score if score is None else _score(score)
        new_version = pred.model_version if model_version is None else str(model_version)
        self._check_result(access.project, access.task.data, new_result, what="prediction")
        with self._tx():
            update = getattr(self.store, "update_prediction", None)
            if update is not None:  # Store.update_prediction (asked of storage): keeps the id
                changed: Prediction = update(
                    prediction_id, result=new_result, score=new_score, model_version=new_version
                )
            else:  # a store without it: replace the row (the id changes)
                self.store.delete_predictions([prediction_id])
                (changed,) = self.store.add_predictions(
                    [
                        NewPrediction(
                            task_id=pred.task_id,
                            result=new_result,
                            score=new_score,
                            model_version=new_version,
                        )
                    ],
                    access.project.id,
                )
            self._emit(
                "predictions.created",
                access.project.id,
                user,
                predictions=[_converter.prediction_to_json(changed)],
                count=1,
            )
        return changed

    def delete_predictions(self, user: User, prediction_ids: Collection[int]) -> int:
        """Delete these predictions; returns how many went. Emits ``predictions.deleted``."""
        preds = [self.get_prediction(user, i) for i in dict.fromkeys(prediction_ids)]
        for project_id in {p.project_id for p in preds}:
            self._project(user, project_id, "predictions.manage")
        with self._tx():
            deleted = self.store.delete_predictions([p.id for p in preds])
            for project_id in {p.project_id for p in preds}:
                self._emit(
                    "predictions.deleted",
                    project_id,
                    user,
                    predictions=[{"id": p.id} for p in preds if p.project_id == project_id],
                )
        return deleted

    def annotations_from_predictions(
        self,
        user: User,
        project_id: int,
        *,
        query: TaskQuery | None = None,
        model_version: str | None = None,
    ) -> list[Annotation]:
        """For each selected task (all when ``query`` is None), create an annotation by the
        user from its latest prediction (of ``model_version`` when given), with
        ``last_action="prediction"`` and ``parent_prediction`` set. Tasks without a
        matching prediction, or where the user already made an annotation from that
        prediction, are left alone; so are predictions that no longer fit the config."""
        project = self._project(user, project_id, "predictions.manage").project
        created: list[Annotation] = []
        with self._tx():
            for bundle in self._matched_bundles(project_id, query):
                preds = [
                    p
                    for p in bundle.predictions
                    if model_version is None or p.model_version == model_version
                ]
                if not preds:
                    continue
                pred = max(preds, key=lambda p: (p.created_at, p.id))
                if any(
                    a.parent_prediction == pred.id and same_user(a.completed_by, user.id)
                    for a in bundle.annotations
                ):
                    continue
                if not self._fits(project, bundle.task.data, pred.result):
                    continue
                annotation = self.store.add_annotation(
                    NewAnnotation(
                        result=pred.result,
                        completed_by=user.id,
                        task_id=bundle.task.id,
                        last_action="prediction",
                        parent_prediction=pred.id,
                    ),
                    project_id,
                )
                created.append(annotation)
            for annotation in created[:MAX_EVENT_ANNOTATIONS]:
                self._emit(
                    "annotation.created",
                    project_id,
                    user,
                    annotation=_converter.annotation_to_json(annotation),
                    task={"id": annotation.task_id},
                )
            # past the events: their tasks' derived state is refreshed without a payload
            self._annotations_changed(
                project_id, [a.task_id for a in created[MAX_EVENT_ANNOTATIONS:]]
            )
        return created

    def _fits(self, project: Project, data: dict[str, Any], result: ResultList) -> bool:
        try:
            self._check_result(project, data, result, what="prediction")
        except LabelcoreError:
            return False
        return True


def _score(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValidationError(
            f"score must be a finite number, got {value!r}", code="prediction.bad_score"
        )
    return float(value)


def _from_json(raw: Any, index: int) -> NewPrediction:
    if not isinstance(raw, Mapping):
        raise ValidationError("a prediction must be an object", code="prediction.invalid")
    task = raw.get("task")
    if isinstance(task, Mapping):
        task = task.get("id")
    if not isinstance(task, int) or isinstance(task, bool):
        raise ValidationError("'task' must be a task id", code="prediction.invalid")
    result = raw.get("result")
    if not isinstance(result, list):
        raise ValidationError("'result' must be a list", code="prediction.invalid")
    score = raw.get("score")
    version = raw.get("model_version")
    if version is not None and not isinstance(version, str | int | float):
        raise ValidationError("'model_version' must be a string", code="prediction.invalid")
    return NewPrediction(
        task_id=task,
        result=result,
        score=None if score is None else _score(score),
        model_version="" if version is None else str(version),
    )


def _problem(index: int, item: Any, code: str, message: str) -> dict[str, Any]:
    task: Any = None
    version: Any = None
    if isinstance(item, NewPrediction):
        task, version = item.task_id, item.model_version
    elif isinstance(item, Mapping):
        task, version = item.get("task"), item.get("model_version")
    return {
        "index": index,
        "task": task,
        "model_version": version,
        "code": code,
        "message": f"prediction {index} (task {task}, model_version {version!r}): {message}",
    }
