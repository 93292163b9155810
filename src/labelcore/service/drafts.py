"""Drafts: work in progress per user per task (and per existing annotation).

d = core.save_draft(annotator, task.id, partial_result, lead_time=30)
core.get_drafts(annotator, task.id)            # [Draft(...)]
core.submit_annotation(annotator, task.id, result, draft_id=d.id)   # removes the draft
"""

from __future__ import annotations

from labelcore.model import Draft, ResultList, User
from labelcore.service._base import ServiceBase


class DraftsAPI(ServiceBase):
    def save_draft(
        self,
        user: User,
        task_id: int,
        result: ResultList,
        *,
        annotation_id: int | None = None,
        lead_time: float = 0.0,
        was_postponed: bool = False,
    ) -> Draft:
        """Create or replace the user's draft for the task (``annotation_id``: a draft of
        that existing annotation). Results are validated as for a submit except that an
        empty result is fine. ``lead_time`` accumulates across saves. Emits
        ``draft.saved``."""
        raise NotImplementedError

    def get_drafts(self, user: User, task_id: int) -> list[Draft]:
        """The user's own drafts of the task."""
        raise NotImplementedError

    def get_draft(self, user: User, draft_id: int) -> Draft:
        """One of the user's drafts (others' drafts are a 404)."""
        raise NotImplementedError

    def update_draft(
        self,
        user: User,
        draft_id: int,
        *,
        result: ResultList | None = None,
        lead_time: float | None = None,
        was_postponed: bool | None = None,
    ) -> Draft:
        """Change the user's draft (``lead_time`` is added to the time already spent)."""
        raise NotImplementedError

    def delete_draft(self, user: User, draft_id: int) -> None:
        """Delete one of the user's drafts. Emits ``draft.deleted``."""
        raise NotImplementedError
