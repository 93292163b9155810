"""Data-manager actions on a selection of tasks.

core.list_actions(user, project.id)          # [ActionInfo(id="delete_tasks", ...), ...]
core.run_action(manager, project.id, "delete_tasks_annotations",
                query=TaskQuery(selection=Selection(included=(1, 2))))
"""

from __future__ import annotations

from typing import Any

import attrs

from labelcore.model import User
from labelcore.query import TaskQuery
from labelcore.service._base import ServiceBase


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


class ActionsAPI(ServiceBase):
    def list_actions(self, user: User, project_id: int) -> list[ActionInfo]:
        """Actions the user's role may run in the project, in menu order."""
        raise NotImplementedError

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
        or ``predictions_to_annotations`` (``params``: ``{"model_version": ...}``) on the
        tasks ``query`` selects (its selection and filters; every task when None). Unknown
        ids are a ``ValidationError``; each action needs its policy permission."""
        raise NotImplementedError
