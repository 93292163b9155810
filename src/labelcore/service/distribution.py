"""Next task: which task a user labels next, as an atomic claim on one of its overlap slots.

    bundle = core.next_task(annotator, project.id)      # None when nothing is left
    core.submit_annotation(annotator, bundle.task.id, result)   # releases the claim
    core.release_task(annotator, bundle.task.id)                # or give it back explicitly

The rules are in docs/lifecycle.md ("Next task").
"""

from __future__ import annotations

from labelcore.model import User
from labelcore.query import TaskQuery
from labelcore.service._base import ServiceBase
from labelcore.storage.base import TaskBundle


class DistributionAPI(ServiceBase):
    def next_task(
        self, user: User, project_id: int, *, query: TaskQuery | None = None
    ) -> TaskBundle | None:
        """Claim and return the next task for the user, or None when none is left for them.

        The user's live claim comes back first. Otherwise a task they have not annotated
        (skipped ones per ``skip_queue``), breadth-first when overlap > 1, overlap tasks
        first with ``show_overlap_first``, then by ``sampling``; assignments per
        ``assignment_mode``; with ``query`` (a data-manager tab's filters/selection) only
        matching tasks, in the query's order. The claim expires after
        ``lock_ttl_seconds``. Needs ``task.label``.
        """
        raise NotImplementedError

    def release_task(self, user: User, task_id: int) -> None:
        """Give back the user's claim on the task (no error when they hold none)."""
        raise NotImplementedError
