"""Drafts: work in progress per user per task (and per existing annotation).

d = core.save_draft(annotator, task.id, partial_result, lead_time=30)
core.get_drafts(annotator, task.id)            # [Draft(...)]
core.submit_annotation(annotator, task.id, result, draft_id=d.id)   # removes the draft
"""

from __future__ import annotations

from labelcore import _converter
from labelcore.errors import NotFound, ValidationError
from labelcore.model import Draft, ResultList, User
from labelcore.service._base import ServiceBase, TaskAccess, same_user
from labelcore.service.annotations import check_lead_time


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
        access = self._task(user, task_id, "task.label")
        lead = check_lead_time(lead_time)
        if annotation_id is not None:
            annotation, _ = self._annotation(user, annotation_id)
            if annotation.task_id != task_id:
                raise ValidationError(
                    f"annotation {annotation_id} is not an annotation of task {task_id}",
                    code="draft.wrong_task",
                )
        self._check_result(access.project, access.task.data, result, what="draft")
        return self._write_draft(user, access, annotation_id, result, lead, was_postponed)

    def get_drafts(self, user: User, task_id: int) -> list[Draft]:
        """The user's own drafts of the task."""
        self._task(user, task_id, "project.view")
        return self.store.list_drafts(task_id=task_id, user_id=user.id)

    def get_draft(self, user: User, draft_id: int) -> Draft:
        """One of the user's drafts (others' drafts are a 404)."""
        draft = self.store.get_draft(draft_id)
        if draft is None or not same_user(draft.user_id, user.id):
            raise NotFound(f"draft {draft_id} not found", code="draft.not_found")
        try:
            self._task(user, draft.task_id, "project.view")
        except NotFound:
            raise NotFound(f"draft {draft_id} not found", code="draft.not_found") from None
        return draft

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
        draft = self.get_draft(user, draft_id)
        access = self._task(user, draft.task_id, "task.label")
        lead = 0.0 if lead_time is None else check_lead_time(lead_time)
        if result is not None:
            self._check_result(access.project, access.task.data, result, what="draft")
        return self._write_draft(
            user,
            access,
            draft.annotation_id,
            draft.result if result is None else result,
            lead,
            draft.was_postponed if was_postponed is None else was_postponed,
        )

    def delete_draft(self, user: User, draft_id: int) -> None:
        """Delete one of the user's drafts. Emits ``draft.deleted``."""
        draft = self.get_draft(user, draft_id)
        with self._tx():
            self.store.delete_drafts([draft_id])
            self._emit("draft.deleted", draft.project_id, user, draft={"id": draft_id})

    def _write_draft(
        self,
        user: User,
        access: TaskAccess,
        annotation_id: int | None,
        result: ResultList,
        lead: float,
        was_postponed: bool,
    ) -> Draft:
        with self._tx(savepoints=False):  # the labeling screen's autosave: no store error caught
            previous = [
                d
                for d in self.store.list_drafts(task_id=access.task.id, user_id=user.id)
                if d.annotation_id == annotation_id
            ]
            spent = sum(d.lead_time for d in previous)
            draft = self.store.save_draft(
                access.task.id,
                user.id,
                annotation_id,
                result,
                spent + lead,
                was_postponed=was_postponed,
            )
            self._emit(
                "draft.saved", access.project.id, user, draft=_converter.draft_to_json(draft)
            )
        return draft
