"""Annotations: submit (validated, idempotent), update (optionally optimistic), skip, delete,
history.

    a = core.submit_annotation(annotator, task.id, result, unique_id="6b1f...", lead_time=12.5)
    a = core.update_annotation(annotator, a.id, result=new_result, expected_version=a.version)
    core.annotation_history(annotator, a.id)     # every version, oldest first
"""

from __future__ import annotations

from labelcore.model import Annotation, AnnotationVersion, ResultList, User
from labelcore.service._base import ServiceBase


class AnnotationsAPI(ServiceBase):
    def submit_annotation(
        self,
        user: User,
        task_id: int,
        result: ResultList,
        *,
        unique_id: str | None = None,
        lead_time: float = 0.0,
        was_cancelled: bool = False,
        ground_truth: bool = False,
        draft_id: int | None = None,
        parent_prediction: int | None = None,
        parent_annotation: int | None = None,
    ) -> Annotation:
        """Create the user's annotation of the task.

        ``result`` is validated against the config (every problem listed; an empty result
        is refused when the project disables empty annotations). A ``unique_id`` seen
        before returns the first annotation instead of a duplicate. ``lead_time`` adds the
        time already spent in the user's draft; the draft(s) of the user for the task are
        removed and their claim released, in the same transaction. ``ground_truth=True``
        clears the flag on the task's other annotations (needs ``annotations.manage``).
        ``was_cancelled=True`` is a skip (see ``skip_task``). Emits ``annotation.created``.
        """
        raise NotImplementedError

    def skip_task(
        self,
        user: User,
        task_id: int,
        *,
        unique_id: str | None = None,
        lead_time: float = 0.0,
        draft_id: int | None = None,
    ) -> Annotation:
        """Record a skip (a cancelled annotation with an empty result), or mark the user's
        existing annotation of the task cancelled. Refused (403) when the project hides the
        skip button. Releases the claim."""
        raise NotImplementedError

    def get_annotation(self, user: User, annotation_id: int) -> Annotation:
        """The annotation, or ``NotFound`` when the user may not see it."""
        raise NotImplementedError

    def list_annotations(self, user: User, task_id: int) -> list[Annotation]:
        """The task's annotations the user may see, in id order."""
        raise NotImplementedError

    def update_annotation(
        self,
        user: User,
        annotation_id: int,
        *,
        result: ResultList | None = None,
        expected_version: int | None = None,
        was_cancelled: bool | None = None,
        ground_truth: bool | None = None,
        lead_time: float | None = None,
        draft_id: int | None = None,
        action: str = "updated",
    ) -> Annotation:
        """Change an annotation (its author, or anyone with ``annotations.manage``).

        With ``expected_version`` the change applies only if the stored version still is
        that one (else ``Conflict``, status 409, nothing written); without it the last
        write wins, as in Label Studio. Every change bumps ``version`` and adds a history
        entry. Emits ``annotation.updated``.
        """
        raise NotImplementedError

    def delete_annotation(self, user: User, annotation_id: int) -> None:
        """Delete the annotation with its history and drafts. Emits
        ``annotations.deleted``."""
        raise NotImplementedError

    def annotation_history(self, user: User, annotation_id: int) -> list[AnnotationVersion]:
        """Every version of the annotation (who, when, what), oldest first."""
        raise NotImplementedError

    def restore_annotation_version(
        self,
        user: User,
        annotation_id: int,
        version: int,
        *,
        expected_version: int | None = None,
    ) -> Annotation:
        """Make an old version's result and flags current again, as a new version (history
        keeps everything). ``NotFound`` for an unknown version."""
        raise NotImplementedError
