"""Tasks: list (data-manager queries), read with the rows the user may see, edit, delete.

page = core.list_tasks(user, project.id, TaskQuery(), PageRequest(page=1, page_size=30))
bundle = core.get_task(user, page.tasks[0].id)  # with the annotations the user may see
core.delete_tasks(manager, project.id, [bundle.task.id])
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from labelcore.model import Task, User
from labelcore.query import PageRequest, TaskQuery
from labelcore.service._base import ServiceBase
from labelcore.storage.base import TaskBundle, TaskPage


class TasksAPI(ServiceBase):
    def list_tasks(
        self,
        user: User,
        project_id: int,
        query: TaskQuery | None = None,
        page: PageRequest | None = None,
    ) -> TaskPage:
        """One page of the project's tasks, filtered and ordered by ``query``."""
        raise NotImplementedError

    def get_task(self, user: User, task_id: int) -> TaskBundle:
        """The task with the annotations the user may see (all for reviewers and managers,
        their own for annotators), predictions (when the project reveals them to the
        user's role) and the user's own drafts. ``NotFound`` when invisible."""
        raise NotImplementedError

    def create_task(
        self, user: User, project_id: int, data: dict[str, Any], meta: dict[str, Any] | None = None
    ) -> Task:
        """Add one task (validated like an import row). Needs ``tasks.import``."""
        raise NotImplementedError

    def update_task(
        self,
        user: User,
        task_id: int,
        *,
        data: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Task:
        """Replace the task's data (checked against the config) and/or meta."""
        raise NotImplementedError

    def delete_tasks(
        self, user: User, project_id: int, task_ids: Collection[int] | None = None
    ) -> int:
        """Delete these tasks of the project (all when None) with their annotations,
        drafts and predictions; returns how many went. Emits ``tasks.deleted``."""
        raise NotImplementedError
