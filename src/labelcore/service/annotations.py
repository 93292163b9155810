"""Annotations: submit (validated, idempotent), update (optionally optimistic), skip, delete,
history.

    a = core.submit_annotation(annotator, task.id, result, unique_id="6b1f...", lead_time=12.5)
    a = core.update_annotation(annotator, a.id, result=new_result, expected_version=a.version)
    core.annotation_history(annotator, a.id)     # every version, oldest first
"""

from __future__ import annotations

import math
from typing import Any

from labelcore import _converter
from labelcore.errors import Conflict, Forbidden, NotFound, ValidationError
from labelcore.model import Annotation, AnnotationVersion, NewAnnotation, ResultList, User
from labelcore.service._base import ServiceBase, TaskAccess, same_user

MAX_LEAD_TIME = 10 * 365 * 24 * 3600.0
MAX_UNIQUE_ID = 200
#: ``last_action`` values an update may record (Label Studio's names)
HISTORY_ACTIONS = frozenset(
    {"updated", "submitted", "restored", "accepted", "rejected", "fixed_and_accepted"}
)


def check_lead_time(value: Any) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_LEAD_TIME
    ):
        raise ValidationError(
            f"lead_time must be a number of seconds >= 0, got {value!r}",
            code="annotation.bad_lead_time",
        )
    return float(value)


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
        access = self._task(user, task_id, "task.label")
        if was_cancelled:
            return self.skip_task(
                user, task_id, unique_id=unique_id, lead_time=lead_time, draft_id=draft_id
            )
        lead = check_lead_time(lead_time)
        if unique_id is not None:
            first = self._by_unique_id(user, task_id, unique_id)
            if first is not None:
                return first
        if ground_truth:
            self._require(access.role, "annotations.manage", "mark ground truth")
        s = access.project.settings
        self._check_result(
            access.project, access.task.data, result, allow_empty=s.enable_empty_annotation
        )
        if parent_prediction is not None:
            pred = self.store.get_prediction(parent_prediction)
            if pred is None or pred.task_id != task_id:
                raise ValidationError(
                    f"prediction {parent_prediction} is not a prediction of task {task_id}",
                    code="annotation.bad_parent_prediction",
                )
        if parent_annotation is not None:
            self._annotation(user, parent_annotation)
        try:
            # nothing inside catches a store error: no savepoint per write (six statements,
            # ~11% of a PostgreSQL next + submit pair); a Conflict ends the block, below
            with self._tx(savepoints=False):
                lead += self._take_drafts(user, task_id, None, draft_id)
                skipped = self._own_skip(user, task_id)
                if skipped is not None:  # a requeued skip: the skip becomes the annotation
                    annotation = self.store.update_annotation(
                        skipped.id,
                        updated_by=user.id,
                        action="submitted",
                        result=result,
                        was_cancelled=False,
                        ground_truth=ground_truth,
                        lead_time=skipped.lead_time + lead,
                        last_action="submitted",
                        unique_id=unique_id,  # so a retry finds it, not a second one
                    )
                else:
                    annotation = self.store.add_annotation(
                        NewAnnotation(
                            result=result,
                            completed_by=user.id,
                            task_id=task_id,
                            ground_truth=ground_truth,
                            lead_time=lead,
                            unique_id=unique_id,
                            last_action="submitted",
                            parent_prediction=parent_prediction,
                            parent_annotation=parent_annotation,
                        ),
                        access.project.id,
                    )
                if ground_truth:
                    self.store.clear_ground_truth(task_id, except_id=annotation.id)
                self.store.release_claims(user_id=user.id, task_id=task_id)
                self._emit_annotation("annotation.created", user, annotation)
        except Conflict:
            # another request with the same unique_id won the race: answer with its annotation
            first = None if unique_id is None else self._by_unique_id(user, task_id, unique_id)
            if first is None:
                raise
            return first
        return annotation

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
        access = self._task(user, task_id, "task.label")
        if not access.project.settings.show_skip_button and access.role != "manager":
            raise Forbidden("this project does not allow skipping tasks", code="task.skip_disabled")
        lead = check_lead_time(lead_time)
        if unique_id is not None:
            first = self._by_unique_id(user, task_id, unique_id)
            if first is not None:
                return first
        with self._tx(savepoints=False):
            lead += self._take_drafts(user, task_id, None, draft_id)
            mine = self.store.list_annotations(task_id=task_id, completed_by=user.id)
            if mine:
                annotation = self.store.update_annotation(
                    mine[-1].id,
                    updated_by=user.id,
                    action="skipped",
                    was_cancelled=True,
                    lead_time=mine[-1].lead_time + lead,
                    last_action="skipped",
                )
                name = "annotation.updated"
            else:
                annotation = self.store.add_annotation(
                    NewAnnotation(
                        result=[],
                        completed_by=user.id,
                        task_id=task_id,
                        was_cancelled=True,
                        lead_time=lead,
                        unique_id=unique_id,
                        last_action="skipped",
                    ),
                    access.project.id,
                )
                name = "annotation.created"
            self.store.release_claims(user_id=user.id, task_id=task_id)
            self._emit_annotation(name, user, annotation)
        return annotation

    def get_annotation(self, user: User, annotation_id: int) -> Annotation:
        """The annotation, or ``NotFound`` when the user may not see it."""
        return self._annotation(user, annotation_id)[0]

    def list_annotations(self, user: User, task_id: int) -> list[Annotation]:
        """The task's annotations the user may see, in id order."""
        access = self._task(user, task_id, "project.view")
        return [
            a
            for a in self.store.list_annotations(task_id=task_id)
            if self._sees_annotation(user, access.role, a)
        ]

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
        entry. ``lead_time`` replaces the stored one; the time in the user's drafts of this
        annotation is added and those drafts are removed. Emits ``annotation.updated``.
        """
        if action not in HISTORY_ACTIONS:
            raise ValidationError(
                f"action must be one of {', '.join(sorted(HISTORY_ACTIONS))}, got {action!r}",
                code="annotation.bad_action",
            )
        annotation, access = self._annotation(user, annotation_id)
        self._require_edit(user, access, annotation)
        if ground_truth is not None and ground_truth != annotation.ground_truth:
            self._require(access.role, "annotations.manage", "change ground truth")
        lead = None if lead_time is None else check_lead_time(lead_time)
        if result is not None:
            cancelled = annotation.was_cancelled if was_cancelled is None else was_cancelled
            self._check_result(
                access.project,
                access.task.data,
                result,
                allow_empty=cancelled or access.project.settings.enable_empty_annotation,
            )
        if expected_version is not None and expected_version != annotation.version:
            raise _stale(annotation, expected_version)
        with self._tx(savepoints=False):  # as a submit: nothing inside catches a store error
            extra = self._take_drafts(user, annotation.task_id, annotation.id, draft_id)
            if extra:
                lead = (annotation.lead_time if lead is None else lead) + extra
            updated = self.store.update_annotation(
                annotation_id,
                updated_by=user.id,
                action=action,
                expected_version=expected_version,
                result=result,
                was_cancelled=was_cancelled,
                ground_truth=ground_truth,
                lead_time=lead,
                last_action=action,
            )
            if ground_truth:
                self.store.clear_ground_truth(annotation.task_id, except_id=annotation_id)
            self._emit_annotation("annotation.updated", user, updated)
        return updated

    def delete_annotation(self, user: User, annotation_id: int) -> None:
        """Delete the annotation with its history and drafts. Emits
        ``annotations.deleted``."""
        annotation, access = self._annotation(user, annotation_id)
        self._require_edit(user, access, annotation)
        with self._tx():
            self.store.delete_annotations([annotation_id])
            self._emit(
                "annotations.deleted",
                annotation.project_id,
                user,
                annotations=[{"id": annotation_id, "task": annotation.task_id}],
            )

    def annotation_history(self, user: User, annotation_id: int) -> list[AnnotationVersion]:
        """Every version of the annotation (who, when, what), oldest first."""
        self._annotation(user, annotation_id)
        return self.store.annotation_history(annotation_id)

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
        self._annotation(user, annotation_id)
        old = next(
            (v for v in self.store.annotation_history(annotation_id) if v.version == version),
            None,
        )
        if old is None:
            raise NotFound(
                f"annotation {annotation_id} has no version {version}",
                code="annotation.version_not_found",
            )
        return self.update_annotation(
            user,
            annotation_id,
            result=old.result,
            was_cancelled=old.was_cancelled,
            expected_version=expected_version,
            action="restored",
        )

    # -- helpers ---------------------------------------------------------------------------
    def _require_edit(self, user: User, access: TaskAccess, annotation: Annotation) -> None:
        own = same_user(annotation.completed_by, user.id)
        if own:
            self._require(access.role, "task.label", "edit annotations")
        else:
            self._require(access.role, "annotations.manage", "change other users' annotations")

    def _by_unique_id(self, user: User, task_id: int, unique_id: str) -> Annotation | None:
        if not isinstance(unique_id, str) or not 0 < len(unique_id) <= MAX_UNIQUE_ID:
            raise ValidationError(
                f"unique_id must be a string of 1 to {MAX_UNIQUE_ID} characters",
                code="annotation.bad_unique_id",
            )
        first = self.store.get_annotation_by_unique_id(unique_id)
        if first is None:
            return None
        if first.task_id != task_id or not same_user(first.completed_by, user.id):
            raise Conflict(
                "this unique_id already belongs to another annotation",
                code="annotation.unique_id_taken",
            )
        return first

    def _own_skip(self, user: User, task_id: int) -> Annotation | None:
        mine = self.store.list_annotations(task_id=task_id, completed_by=user.id)
        skips = [a for a in mine if a.was_cancelled]
        return skips[-1] if skips and len(skips) == len(mine) else None

    def _take_drafts(
        self, user: User, task_id: int, annotation_id: int | None, draft_id: int | None
    ) -> float:
        """Delete the user's drafts of this task/annotation; their lead time, summed."""
        drafts = [
            d
            for d in self.store.list_drafts(task_id=task_id, user_id=user.id)
            if d.annotation_id == annotation_id or d.id == draft_id
        ]
        if draft_id is not None and all(d.id != draft_id for d in drafts):
            raise NotFound(f"draft {draft_id} not found", code="draft.not_found")
        if drafts:
            self.store.delete_drafts([d.id for d in drafts])
        return sum(d.lead_time for d in drafts)

    def _emit_annotation(self, name: str, user: User, annotation: Annotation) -> None:
        task = self.store.get_task(annotation.task_id)
        self._emit(
            name,
            annotation.project_id,
            user,
            annotation=_converter.annotation_to_json(annotation),
            task=None if task is None else _converter.task_to_json(task),
        )


def _stale(annotation: Annotation, expected: int) -> Conflict:
    return Conflict(
        f"annotation {annotation.id} changed since you loaded it (you edited version "
        f"{expected}, it is now at version {annotation.version}); reload and apply your "
        "change again",
        code="annotation.version_conflict",
        errors=[
            {
                "code": "annotation.version_conflict",
                "message": "stale version",
                "expected_version": expected,
                "current_version": annotation.version,
            }
        ],
    )
