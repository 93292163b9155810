"""Data-manager actions on a selection of tasks.

core.list_actions(user, project.id)          # [ActionInfo(id="delete_tasks", ...), ...]
core.run_action(manager, project.id, "delete_tasks_annotations",
                query=TaskQuery(selection=Selection(included=(1, 2))))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from labelcore.errors import ValidationError
from labelcore.model import User
from labelcore.query import TaskQuery, regex_budget
from labelcore.service.predictions import PredictionsAPI
from labelcore.service.tasks import TasksAPI

_BATCH = 1000


@attrs.frozen(kw_only=True)
class ActionInfo:
    """What the data manager shows for an action (Label Studio's ``/api/dm/actions``)."""

    id: str
    title: str
    order: int
    permission: str  # the policy action it needs
    dialog: dict[str, Any] | None = None  # confirmation dialog: {"text": ..., "type": "confirm"}


@attrs.frozen(kw_only=True)
class ActionResult:
    """Label Studio's action response: ``processed_items`` and a message."""

    processed_items: int
    detail: str = ""
    reload: bool = False


def _confirm(text: str) -> dict[str, Any]:
    return {"text": text, "type": "confirm"}


ACTIONS = (
    ActionInfo(
        id="delete_tasks",
        title="Delete tasks",
        order=100,
        permission="tasks.delete",
        dialog=_confirm("You are going to delete the selected tasks. Please confirm."),
    ),
    ActionInfo(
        id="delete_tasks_annotations",
        title="Delete annotations",
        order=101,
        permission="annotations.manage",
        dialog=_confirm("You are going to delete all annotations of the selected tasks."),
    ),
    ActionInfo(
        id="delete_tasks_predictions",
        title="Delete predictions",
        order=102,
        permission="predictions.manage",
        dialog=_confirm("You are going to delete all predictions of the selected tasks."),
    ),
    ActionInfo(
        id="predictions_to_annotations",
        title="Create annotations from predictions",
        order=91,
        permission="predictions.manage",
        dialog=_confirm("Create an annotation from the latest prediction of each task."),
    ),
    ActionInfo(
        id="retrieve_tasks_predictions",
        title="Retrieve Predictions",
        order=90,
        permission="predictions.manage",
        dialog=_confirm("Ask the project's ML backend for predictions of the selected tasks."),
    ),
    ActionInfo(  # issue 11: run by labelcore.service.review (agreement is a DM column)
        id="request_more_annotations",
        title="Send back for more annotations",
        order=80,
        permission="actions.run",
        dialog=_confirm(
            "Raise the overlap of the selected tasks by one so more annotators label them."
        ),
    ),
)
_BY_ID = {a.id: a for a in ACTIONS}


class ActionsAPI(TasksAPI, PredictionsAPI):
    def list_actions(self, user: User, project_id: int) -> list[ActionInfo]:
        """Actions the user's role may run in the project, in menu order."""
        access = self._project(user, project_id, "project.view")
        allowed = [a for a in ACTIONS if self.policy.allows(access.role, a.permission)]
        return sorted(allowed, key=lambda a: a.order)

    def run_action(
        self,
        user: User,
        project_id: int,
        action_id: str,
        *,
        query: TaskQuery | None = None,
        params: dict[str, Any] | None = None,
    ) -> ActionResult:
        """Run ``delete_tasks``, ``delete_tasks_annotations``, ``delete_tasks_predictions``
        ``predictions_to_annotations`` (``params``: ``{"model_version": ...}``) or
        ``retrieve_tasks_predictions`` (``params``: ``{"backend_id": ...}``; queues an
        ``ml.predict`` job, its id in ``detail``) on the
        tasks ``query`` selects (its selection and filters; every task when None). Unknown
        ids are a ``ValidationError``; each action needs its policy permission."""
        info = _BY_ID.get(action_id)
        if info is None:
            raise ValidationError(
                f"unknown action {action_id!r}; known: {', '.join(sorted(_BY_ID))}",
                code="action.unknown",
            )
        self._check_query(self._project(user, project_id, info.permission), query)
        query = query or TaskQuery()
        handler: Callable[[User, int, TaskQuery, dict[str, Any]], ActionResult] = getattr(
            self, f"_action_{action_id}"
        )
        return handler(user, project_id, query, dict(params or {}))

    def _selected(self, project_id: int, query: TaskQuery) -> list[int]:
        with regex_budget():
            return list(self.store.task_ids(project_id, query))

    def _action_delete_tasks(
        self, user: User, project_id: int, query: TaskQuery, params: dict[str, Any]
    ) -> ActionResult:
        ids = self._selected(project_id, query)
        deleted = self.delete_tasks(user, project_id, ids) if ids else 0
        return ActionResult(processed_items=deleted, detail=f"Deleted {deleted} tasks", reload=True)

    def _action_delete_tasks_annotations(
        self, user: User, project_id: int, query: TaskQuery, params: dict[str, Any]
    ) -> ActionResult:
        deleted: list[dict[str, Any]] = []
        with self._tx():
            for bundle in self._matched_bundles(project_id, query, only_annotated=True):
                deleted += [{"id": a.id, "task": a.task_id} for a in bundle.annotations]
            for start in range(0, len(deleted), _BATCH):
                self.store.delete_annotations([d["id"] for d in deleted[start : start + _BATCH]])
            if deleted:
                self._emit("annotations.deleted", project_id, user, annotations=deleted)
        return ActionResult(
            processed_items=len(deleted), detail=f"Deleted {len(deleted)} annotations"
        )

    def _action_delete_tasks_predictions(
        self, user: User, project_id: int, query: TaskQuery, params: dict[str, Any]
    ) -> ActionResult:
        ids: list[int] = []
        with self._tx():
            for bundle in self._matched_bundles(project_id, query):
                ids += [p.id for p in bundle.predictions]
            for start in range(0, len(ids), _BATCH):
                self.store.delete_predictions(ids[start : start + _BATCH])
            if ids:
                self._emit(
                    "predictions.deleted",
                    project_id,
                    user,
                    predictions=[{"id": i} for i in ids],
                )
        return ActionResult(processed_items=len(ids), detail=f"Deleted {len(ids)} predictions")

    def _action_predictions_to_annotations(
        self, user: User, project_id: int, query: TaskQuery, params: dict[str, Any]
    ) -> ActionResult:
        version = params.get("model_version")
        if version is not None and not isinstance(version, str):
            raise ValidationError("model_version must be a string", code="action.bad_params")
        created = self.annotations_from_predictions(
            user, project_id, query=query, model_version=version
        )
        return ActionResult(
            processed_items=len(created),
            detail=f"Created {len(created)} annotations",
            reload=True,
        )

    def _action_retrieve_tasks_predictions(
        self, user: User, project_id: int, query: TaskQuery, params: dict[str, Any]
    ) -> ActionResult:
        backend_id = params.get("backend_id")
        if backend_id is not None and (not isinstance(backend_id, int) or backend_id < 1):
            raise ValidationError("backend_id must be a positive integer", code="action.bad_params")
        ml = getattr(self, "ml", None)
        if ml is None:
            raise ValidationError("ML backends are not available", code="ml.not_found")
        if not ml.list_backends(project_id):
            raise ValidationError(
                "the project has no ML backend: connect one first", code="ml.no_backend"
            )
        ids = self._selected(project_id, query)
        if not ids:
            return ActionResult(processed_items=0, detail="No tasks selected")
        job = ml.retrieve_predictions(project_id, ids, backend_id=backend_id)
        return ActionResult(
            processed_items=len(ids),
            detail=f"Retrieving predictions for {len(ids)} tasks (job {job.id})",
        )
