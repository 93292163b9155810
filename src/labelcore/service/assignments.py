"""Assignments: managers put tasks in particular annotators' queues.

core.assign_tasks(manager, project.id, [task.id], [annotator.id])
core.update_project(manager, project.id, assignment_mode="assigned_only")
core.next_task(annotator, project.id)        # only tasks assigned to them
"""

from __future__ import annotations

from collections.abc import Collection

from labelcore.errors import ValidationError
from labelcore.model import User, UserId
from labelcore.query import TaskQuery, regex_budget
from labelcore.service._base import ServiceBase

MAX_ASSIGNEES = 1000


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
        self._project(user, project_id, "tasks.assign")
        ids = self._project_task_ids(project_id, task_ids)
        users = _check_users(user_ids)
        with self._tx():
            added = self.store.assign(project_id, ids, users)
            if added:
                self._emit("tasks.assigned", project_id, user, task_ids=ids, user_ids=users)
        return added

    def assign_selected(
        self, user: User, project_id: int, query: TaskQuery, user_ids: Collection[UserId]
    ) -> int:
        """``assign_tasks`` for the tasks a data-manager query selects (its ``selectedItems``
        and filters), as Label Studio's bulk assignment does; returns how many assignments
        are new. Needs ``tasks.assign``."""
        access = self._project(user, project_id, "tasks.assign")
        self._check_query(access, query)
        users = _check_users(user_ids)
        with regex_budget():
            ids = list(self.store.task_ids(project_id, query))
        if not ids:
            return 0
        with self._tx():
            added = self.store.assign(project_id, ids, users)
            if added:
                self._emit("tasks.assigned", project_id, user, task_ids=ids, user_ids=users)
        return added

    def unassign_tasks(
        self,
        user: User,
        project_id: int,
        task_ids: Collection[int],
        user_ids: Collection[UserId] | None = None,
    ) -> int:
        """Remove assignments of these tasks (to these users, or to anyone)."""
        self._project(user, project_id, "tasks.assign")
        ids = self._project_task_ids(project_id, task_ids)
        users = None if user_ids is None else _check_users(user_ids)
        with self._tx():
            removed = self.store.unassign(project_id, ids, users)
            if removed:
                self._emit("tasks.unassigned", project_id, user, task_ids=ids, user_ids=users)
        return removed

    def task_assignees(
        self, user: User, project_id: int, task_ids: Collection[int]
    ) -> dict[int, list[UserId]]:
        """Who each task is assigned to (tasks without assignees are left out)."""
        self._project(user, project_id, "project.view")
        return self.store.assignees(self._project_task_ids(project_id, task_ids))

    def _project_task_ids(self, project_id: int, task_ids: Collection[int]) -> list[int]:
        wanted = set(task_ids)
        found = [t.id for t in self.store.get_tasks(wanted) if t.project_id == project_id]
        missing = sorted(wanted - set(found))
        if missing:
            raise ValidationError(
                f"not tasks of project {project_id}: {', '.join(map(str, missing[:20]))}",
                code="tasks.not_in_project",
            )
        return found


def _check_users(user_ids: Collection[UserId]) -> list[UserId]:
    users = list(dict.fromkeys(user_ids))
    bad = [u for u in users if isinstance(u, bool) or not isinstance(u, int | str) or u == ""]
    if bad or len(users) > MAX_ASSIGNEES:
        raise ValidationError(
            f"user ids must be host ids (int or non-empty str), at most {MAX_ASSIGNEES}",
            code="tasks.bad_assignee",
        )
    return users
