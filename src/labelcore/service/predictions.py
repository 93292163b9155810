"""Predictions: add (validated), list, change, delete, and turn them into annotations.

core.add_predictions(manager, project.id, [{"task": 1, "result": [...], "score": 0.4,
                                             "model_version": "v1"}])
core.annotations_from_predictions(manager, project.id, model_version="v1")
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from labelcore.model import Annotation, NewPrediction, Prediction, ResultList, User
from labelcore.query import TaskQuery
from labelcore.service._base import ServiceBase


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
        raise NotImplementedError

    def list_predictions(
        self,
        user: User,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        model_version: str | None = None,
    ) -> list[Prediction]:
        """Predictions of a task or a project (one of the two is required)."""
        raise NotImplementedError

    def get_prediction(self, user: User, prediction_id: int) -> Prediction:
        raise NotImplementedError

    def update_prediction(
        self,
        user: User,
        prediction_id: int,
        *,
        result: ResultList | None = None,
        score: float | None = None,
        model_version: str | None = None,
    ) -> Prediction:
        """Change a prediction (the result is validated). Needs ``predictions.manage``."""
        raise NotImplementedError

    def delete_predictions(self, user: User, prediction_ids: Collection[int]) -> int:
        """Delete these predictions; returns how many went. Emits ``predictions.deleted``."""
        raise NotImplementedError

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
        matching prediction are left alone."""
        raise NotImplementedError
