"""Assignments: managers put tasks in particular annotators' queues.

core.assign_tasks(manager, project.id, [task.id], [annotator.id])
core.update_project(manager, project.id, assignment_mode="assigned_only")
core.next_task(annotator, project.id)        # only tasks assigned to them
"""

from __future__ import annotations

from collections.abc import Collection

from labelcore.model import User, UserId
from labelcore.service._base import ServiceBase


class AssignmentsAPI(ServiceBase):
    def assign_tasks(
        self,
        user: User,
        project_id: int,
        task_ids: Collection[int],
        user_ids: Collection[UserId],
    ) -> int:
        """Assign every task to every user (idempotent); returns how many assignments are
        new. Tasks must belong to the project. Needs ``tasks.assign``. Emits
        ``tasks.assigned``."""
        raise NotImplementedError

    def unassign_tasks(
        self,
        user: User,
        project_id: int,
        task_ids: Collection[int],
        user_ids: Collection[UserId] | None = None,
    ) -> int:
        """Remove assignments of these tasks (to these users, or to anyone)."""
        raise NotImplementedError

    def task_assignees(
        self, user: User, project_id: int, task_ids: Collection[int]
    ) -> dict[int, list[UserId]]:
        """Who each task is assigned to (tasks without assignees are left out)."""
        raise NotImplementedError
