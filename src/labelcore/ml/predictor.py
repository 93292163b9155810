"""The ``Predictor`` protocol for in-process models, and validation of what models return.

    class Keywords:
        model_version = "kw-1"
        def predict(self, tasks, config): return [{"result": [...], "score": 0.8} for t in tasks]

Whatever a model returns is checked against the labeling config before anything is stored:
``validate_predictions`` turns model output into ``NewPrediction`` rows plus a list of
``PredictionProblem`` (task, model version, reason) for the ones refused.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from labelcore.model import NewPrediction

if TYPE_CHECKING:
    from labelcore.config import LabelConfig

__all__ = [
    "PredictionProblem",
    "Predictor",
    "Rejected",
    "Trainable",
    "accepts_context",
    "prediction_score",
    "validate_predictions",
]

MAX_PREDICTIONS_PER_TASK = 20
MAX_RESULT_ITEMS = 10_000


@runtime_checkable
class Predictor(Protocol):
    """A model that proposes results for tasks. Implementations guarantee:

    * ``model_version`` names the model that made the predictions (stored on each one and
      used to find tasks that still lack a prediction of the current model).
    * ``predict(tasks, config)`` returns **one item per task, in order**. ``tasks`` are Label
      Studio task dicts (``id``, ``data``, ``annotations``, ``predictions``...), ``config``
      the project's ``LabelConfig``. An item is a prediction dict ``{"result": [...],
      "score": float, "model_version": str}`` (score and version optional), a list of such
      dicts (several predictions for the task), ``None`` (no prediction) or a ``Rejected``.
    * A ``predict`` that also accepts a ``context`` keyword argument serves interactive
      pre-annotation: it gets ``{"result": [regions the user drew]}`` for one task.
    * It may raise; the run records the error and stores nothing for that batch.

    Every returned result is validated against the config; invalid ones are reported, never
    stored. Models that learn implement :class:`Trainable` too.
    """

    model_version: str

    def predict(self, tasks: Sequence[Mapping[str, Any]], config: LabelConfig) -> Sequence[Any]: ...


@runtime_checkable
class Trainable(Protocol):
    """A predictor that learns: ``fit(event, data)`` gets ``"START_TRAINING"`` with
    ``{"project": {...}, "tasks": [annotated tasks]}``, and ``"ANNOTATION_CREATED"``,
    ``"ANNOTATION_UPDATED"``, ``"ANNOTATIONS_DELETED"`` with the webhook payload."""

    def fit(self, event: str, data: Mapping[str, Any]) -> Any: ...


@attrs.frozen
class Rejected:
    """A predictor's way to say why a task got no valid prediction (it is reported)."""

    code: str
    message: str


@attrs.frozen(kw_only=True)
class PredictionProblem:
    """A prediction that was refused: which task, which model version, and why."""

    task_id: int | None
    model_version: str
    code: str
    message: str
    region: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def accepts_context(predictor: object) -> bool:
    """True when ``predictor.predict`` takes a ``context`` keyword (interactive mode)."""
    try:
        params = inspect.signature(predictor.predict).parameters  # type: ignore[attr-defined]
    except (TypeError, ValueError, AttributeError):
        return False
    return "context" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def prediction_score(item: Mapping[str, Any]) -> float | None:
    """The prediction's score; without one, the lowest score of its regions (the most
    uncertain region decides, which is what uncertainty sampling wants)."""
    score: Any = item.get("score")
    if _number(score):
        return float(score)
    scores: list[Any] = [r.get("score") for r in item.get("result") or () if isinstance(r, Mapping)]
    numbers = [float(s) for s in scores if _number(s)]
    return min(numbers) if numbers else None


def _number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _items(output: Any) -> list[Any] | Rejected | None:
    """A task's output as a list of prediction dicts (or what is wrong with it)."""
    if output is None or isinstance(output, Rejected):
        return None if output is None else output
    if isinstance(output, Mapping):
        return [output]
    if isinstance(output, list | tuple):
        if output and all(
            isinstance(o, Mapping) and "result" not in o and "type" in o for o in output
        ):
            return [{"result": list(output)}]  # a bare result list
        return list(output)
    return Rejected(
        "prediction.malformed",
        f"a prediction must be an object with 'result', got {type(output).__name__}",
    )


def validate_predictions(
    config: LabelConfig,
    tasks: Sequence[Mapping[str, Any]],
    outputs: Sequence[Any],
    model_version: str,
) -> tuple[list[NewPrediction], list[PredictionProblem]]:
    """Check model ``outputs`` (one per task) against ``config``; returns the predictions
    to store and the problems of the refused ones. A wrong number of outputs refuses all."""
    valid: list[NewPrediction] = []
    problems: list[PredictionProblem] = []
    if not isinstance(outputs, list | tuple) or len(outputs) != len(tasks):
        got = len(outputs) if isinstance(outputs, list | tuple) else type(outputs).__name__
        for task in tasks:
            problems.append(
                PredictionProblem(
                    task_id=task.get("id"),
                    model_version=model_version,
                    code="prediction.count",
                    message=f"the model returned {got} predictions for {len(tasks)} tasks",
                )
            )
        return valid, problems
    for task, output in zip(tasks, outputs, strict=True):
        task_id = task.get("id")
        items = _items(output)
        if items is None:
            continue
        if isinstance(items, Rejected):
            problems.append(
                PredictionProblem(
                    task_id=task_id,
                    model_version=model_version,
                    code=items.code,
                    message=items.message,
                )
            )
            continue
        if len(items) > MAX_PREDICTIONS_PER_TASK:
            problems.append(
                PredictionProblem(
                    task_id=task_id,
                    model_version=model_version,
                    code="prediction.too_many",
                    message=f"{len(items)} predictions for one task (at most "
                    f"{MAX_PREDICTIONS_PER_TASK})",
                )
            )
            continue
        for item in items:
            made = _one(config, task, item, model_version, problems)
            if made is not None:
                valid.append(made)
    return valid, problems


def _one(
    config: LabelConfig,
    task: Mapping[str, Any],
    item: Any,
    default_version: str,
    problems: list[PredictionProblem],
) -> NewPrediction | None:
    task_id = task.get("id")
    version = default_version
    if isinstance(item, Mapping) and isinstance(item.get("model_version"), str | int):
        version = str(item["model_version"]) or default_version

    def refuse(code: str, message: str, region: int | None = None) -> None:
        problems.append(
            PredictionProblem(
                task_id=task_id, model_version=version, code=code, message=message, region=region
            )
        )

    if not isinstance(item, Mapping):
        refuse("prediction.malformed", f"a prediction must be an object, got {type(item).__name__}")
        return None
    result = item.get("result")
    if not isinstance(result, list):
        refuse("prediction.no_result", "the prediction has no 'result' list")
        return None
    if len(result) > MAX_RESULT_ITEMS:
        refuse("prediction.too_large", f"{len(result)} regions (at most {MAX_RESULT_ITEMS})")
        return None
    score = item.get("score")
    if score is not None and not _number(score):
        refuse("prediction.score", f"score must be a finite number, got {score!r}")
        return None
    found = config.validate_result(result, task.get("data"))
    if found:
        for p in found:
            refuse(p.code, p.message, p.region)
        return None
    return NewPrediction(
        task_id=int(task_id) if task_id is not None else None,
        result=[dict(r) for r in result],
        score=prediction_score(item),
        model_version=version,
    )
