"""Models per project: in-process predictors and Label Studio ML backends, predictions as jobs.

    ml = MLManager(core)                                   # registers job kinds and hooks
    ml.register_predictor(project.id, KeywordModel())      # or ml.connect(project.id, url)
    job = ml.retrieve_predictions(project.id)              # tasks lacking the model's version

Permissions are the caller's business: the service facade and the web API call these
methods after checking that the user may manage the project. Backends are stored (servers
survive restarts); in-process predictors are registered again by the host at start-up.
A core has one manager, ``core.ml``: making an ``MLManager`` makes it the core's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final

import attrs

from labelcore import _converter
from labelcore.errors import NotFound, ValidationError
from labelcore.ml.client import HTTPPredictor, MLBackendError
from labelcore.ml.predictor import (
    PredictionProblem,
    Trainable,
    accepts_context,
    validate_predictions,
)
from labelcore.ml.registry import BackendRegistry, MLBackend, project_uid
from labelcore.model import Job
from labelcore.service.events import Event

__all__ = ["MLBackend", "MLManager", "PredictionRun", "attach", "project_uid"]

log = logging.getLogger("labelcore.ml")

PREDICT_KIND: Final = "ml.predict"
TRAIN_KIND: Final = "ml.train"
EVENT_KIND: Final = "ml.event"
MAX_REPORTED: Final = 100
_FORWARDED: Final = {
    "annotation.created": "ANNOTATION_CREATED",
    "annotation.updated": "ANNOTATION_UPDATED",
    "annotations.deleted": "ANNOTATIONS_DELETED",
}


@attrs.frozen(kw_only=True)
class PredictionRun:
    """What a prediction run did: counts and the first refused predictions."""

    model_version: str
    tasks: int
    predictions_created: int
    problems: tuple[PredictionProblem, ...]
    problem_count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "tasks": self.tasks,
            "predictions_created": self.predictions_created,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
        }


class MLManager(BackendRegistry):
    """Predictors per project, retrieval and training jobs, event forwarding.

    ``core`` needs ``store``, ``events``, ``jobs`` and ``net_policy``. ``batch_size``: tasks
    per predict call."""

    def __init__(self, core: Any, *, batch_size: int = 50) -> None:
        super().__init__(core)
        self.batch_size = batch_size
        core.ml = self  # the latest manager serves the core's jobs and events
        core.jobs.register(PREDICT_KIND, self._predict_job)
        core.jobs.register(TRAIN_KIND, self._train_job)
        core.jobs.register(EVENT_KIND, self._event_job)
        core.events.on("*", self._on_event)

    # -- predictions ------------------------------------------------------------------------
    def retrieve_predictions(
        self,
        project_id: int,
        task_ids: Collection[int] | None = None,
        *,
        backend_id: int | None = None,
    ) -> Job:
        """Queue a job predicting the tasks (all when None) that lack a prediction of the
        backend's current model version; its result is ``PredictionRun.to_json()``."""
        backend, _ = self._pick(project_id, backend_id)
        job: Job = self.core.jobs.submit(
            PREDICT_KIND,
            {
                "project_id": project_id,
                "backend_id": backend.id,
                "task_ids": None if task_ids is None else sorted(int(i) for i in task_ids),
            },
            project_id=project_id,
            max_attempts=3,
        )
        return job

    def predict_tasks(
        self,
        project_id: int,
        task_ids: Collection[int] | None = None,
        *,
        backend_id: int | None = None,
        progress: Callable[[float], object] | None = None,
    ) -> PredictionRun:
        """Predict now (in this thread), in batches; valid predictions are stored and
        announced (``predictions.created``), invalid ones reported, never stored."""
        from labelcore.config import parse_config

        project = self._project(project_id)
        backend, predictor = self._pick(project_id, backend_id)
        config = parse_config(project.settings.label_config)
        version = backend.model_version or str(getattr(predictor, "model_version", "") or "")
        ids = self.store.tasks_lacking_model_version(project_id, version, task_ids)
        created, failures = 0, 0
        problems: list[PredictionProblem] = []
        self._set(backend.id, state="PR")
        try:
            for start in range(0, len(ids), self.batch_size):
                batch = ids[start : start + self.batch_size]
                tasks = self._tasks_json(batch)
                try:
                    outputs = predictor.predict(tasks, config)
                except Exception as exc:  # a model failing is reported, not fatal
                    failures += 1
                    reason = f"{type(exc).__name__}: {exc}"[:500]
                    problems.extend(
                        PredictionProblem(
                            task_id=t["id"],
                            model_version=version,
                            code="prediction.error",
                            message=reason,
                        )
                        for t in tasks
                    )
                    if failures >= 3 and created == 0:
                        break  # the model is down; do not hammer it for every batch
                    continue
                valid, found = validate_predictions(config, tasks, outputs, version)
                problems.extend(found)
                if valid:
                    created += self._store(project_id, valid)
                if progress is not None:
                    progress(min(1.0, (start + len(batch)) / len(ids)))
        finally:
            err = problems[0].message if problems and created == 0 and ids else ""
            self._set(backend.id, state="ER" if err else "CO", error_message=err)
        for p in problems[:MAX_REPORTED]:
            log.info(
                "prediction refused: task %s, model %s: %s", p.task_id, p.model_version, p.message
            )
        return PredictionRun(
            model_version=version,
            tasks=len(ids),
            predictions_created=created,
            problems=tuple(problems[:MAX_REPORTED]),
            problem_count=len(problems),
        )

    def _tasks_json(self, task_ids: Sequence[int]) -> list[dict[str, Any]]:
        out = []
        for task_id in task_ids:
            bundle = self.store.get_bundle(task_id, include_drafts=False)
            if bundle is not None:
                out.append(
                    _converter.task_to_json(bundle.task, bundle.annotations, bundle.predictions)
                )
        return out

    def _store(self, project_id: int, valid: list[Any]) -> int:
        with self.core.atomic():
            made = self.store.add_predictions(valid, project_id)
            self.core.events.emit(
                Event(
                    name="predictions.created",
                    project_id=project_id,
                    payload={"predictions": [_converter.prediction_to_json(p) for p in made]},
                )
            )
        return len(made)

    def _predict_job(self, job: Job, ctx: Any) -> dict[str, Any]:
        p = job.payload
        run = self.predict_tasks(
            int(p["project_id"]),
            p.get("task_ids"),
            backend_id=int(p["backend_id"]),
            progress=ctx.progress,
        )
        return run.to_json()

    def interactive(
        self,
        project_id: int,
        task_id: int,
        context: Mapping[str, Any],
        *,
        backend_id: int | None = None,
    ) -> dict[str, Any] | None:
        """Interactive pre-annotation: the model's proposal for one task given the user's
        regions (``context = {"result": [...]}``), validated, not stored."""
        from labelcore.config import parse_config

        project = self._project(project_id)
        backend, predictor = self._pick(project_id, backend_id)
        if not backend.is_interactive or not accepts_context(predictor):
            raise ValidationError(
                f"ML backend {backend.id} is not interactive", code="ml.not_interactive"
            )
        task = self.store.get_task(task_id)
        if task is None or task.project_id != project_id:
            raise NotFound(f"task {task_id} not found", code="task.not_found")
        config = parse_config(project.settings.label_config)
        tasks = self._tasks_json([task_id])
        outputs = predictor.predict(tasks, config, context=dict(context))  # type: ignore[call-arg]
        valid, problems = validate_predictions(config, tasks, outputs, backend.model_version)
        if problems:
            raise MLBackendError(
                f"the model's proposal for task {task_id} was refused: {problems[0].message}",
                code="ml.invalid_prediction",
                errors=[p.as_dict() for p in problems],
            )
        if not valid:
            return None
        first = valid[0]
        return {"result": first.result, "score": first.score, "model_version": first.model_version}

    # -- training and events ------------------------------------------------------------------
    def start_training(self, project_id: int, *, backend_id: int | None = None) -> Job:
        """Queue training: ``START_TRAINING`` to ``/webhook`` (legacy servers: ``/train`` with
        the annotated tasks), or ``fit("START_TRAINING", ...)`` for in-process models."""
        backend, _ = self._pick(project_id, backend_id)
        job: Job = self.core.jobs.submit(
            TRAIN_KIND,
            {"project_id": project_id, "backend_id": backend.id},
            project_id=project_id,
            max_attempts=2,
        )
        return job

    def _train_job(self, job: Job, ctx: Any) -> dict[str, Any]:
        project = self._project(int(job.payload["project_id"]))
        backend, predictor = self._pick(project.id, int(job.payload["backend_id"]))
        if not callable(getattr(predictor, "fit", None)):
            return {"skipped": "the model does not train"}
        data: dict[str, Any] = {
            "project": _converter.project_to_json(project),
            "label_config": project.settings.label_config,
        }
        if not isinstance(predictor, HTTPPredictor) or predictor.client.dialect == "legacy":
            data["tasks"] = [
                _converter.task_to_json(b.task, b.annotations)
                for b in self.store.iter_bundles(project.id, only_annotated=True)
            ]
        self._set(backend.id, state="TR")
        try:
            answer = predictor.fit("START_TRAINING", data)  # type: ignore[attr-defined]
        except Exception as exc:
            self._set(backend.id, state="ER", error_message=f"training failed: {exc}"[:500])
            raise
        self._set(backend.id, state="CO", error_message="")
        return {"backend_id": backend.id, "answer": answer if isinstance(answer, dict) else None}

    def _on_event(self, event: Event) -> None:
        pid = event.project_id
        if pid is None or getattr(self.core, "ml", self) is not self:
            return
        backends = self.list_backends(pid)
        if not backends:
            return
        project = self.store.get_project(pid)
        if project is None:
            return
        action = _FORWARDED.get(event.name)
        if action is not None:
            # the webhook body Label Studio sends: the event's objects plus the project
            body = {**event.payload, "project": _converter.project_to_json(project)}
            for backend in backends:
                if isinstance(self._live(backend.id), Trainable):
                    self.core.jobs.submit(
                        EVENT_KIND,
                        {"backend_id": backend.id, "action": action, "payload": body},
                        project_id=pid,
                        max_attempts=3,
                    )
        settings = project.settings
        if event.name == "tasks.created" and settings.predict_on_import:
            ids = event.payload.get("task_ids") or [
                t["id"] for t in event.payload.get("tasks") or () if isinstance(t, Mapping)
            ]
            if ids:
                self.retrieve_predictions(pid, ids, backend_id=backends[0].id)
        every = settings.min_annotations_to_start_training
        if event.name == "annotation.created" and every > 0:
            counts = self.store.project_counts([pid]).get(pid)
            if counts is not None and counts.annotation_count % every == 0:
                self.start_training(pid, backend_id=backends[0].id)

    def _live(self, backend_id: int) -> Any:
        """The backend's model, or None when it is gone or not registered here."""
        record = self.store.get_ml_backend(backend_id)
        if record is None:
            return None
        try:
            return self._predictor(record)
        except NotFound:
            return None

    def _event_job(self, job: Job, ctx: Any) -> dict[str, Any]:
        backend_id = int(job.payload["backend_id"])
        predictor = self._live(backend_id)
        if predictor is None:
            return {"skipped": "backend removed"}
        predictor.fit(str(job.payload["action"]), job.payload["payload"])
        return {"backend_id": backend_id}


def attach(core: Any, *, batch_size: int = 50) -> MLManager:
    """The core's ``MLManager`` (``core.ml``), made on first use; idempotent."""
    existing = getattr(core, "ml", None)
    if isinstance(existing, MLManager):
        return existing
    return MLManager(core, batch_size=batch_size)
