"""The review workflow: review stream, verdicts, review states, agreement and statistics.

    item = core.next_review(reviewer, project.id, annotator=7)      # ReviewItem | None
    core.reject_annotation(reviewer, item.annotation.id, comment="Missed the date")
    core.fix_and_accept(reviewer, annotation_id, result=fixed_result)

Reviewers and managers (policy action ``annotations.review``) review; nobody reviews their
own annotations. A verdict is an ``AnnotationReview`` on the annotation's current version and
sets its ``last_action`` (accepted / rejected / fixed_and_accepted) as a new history
entry by the reviewer. A rejected annotation goes back to its author (they see the comment
in :meth:`ReviewAPI.rejected_annotations` and fix it with ``update_annotation``), or, when
the project's ``requeue_rejected_to_annotator`` is off, the task's overlap grows by one so
the general queue serves it to another annotator. Emits ``review.created``.

Two reviewers never get the same annotation from :meth:`ReviewAPI.next_review`: it claims the
annotation (``store.claim_review``) for the project's ``lock_ttl_seconds``, like the labeling
queue; a verdict releases the claim. Its candidates come from the stored annotation states
(``store.review_candidates``, a page at a time), not from the whole project.

The review state of each task and annotation and each task's agreement are stored
(``store.set_task_quality``) for the data manager's ``review_state``, ``annotation_states``
and ``agreement`` columns. Every write that changes annotations or reviews emits its event
inside its transaction, and :meth:`ReviewAPI._emit` refreshes the quality of the tasks that
event names in that same transaction. Bulk writes name the tasks past their events'
limit through ``_annotations_changed``; ``update_project`` calls ``_settings_changed``,
which refreshes the whole project only when ``reviews_per_annotation`` or the config's
controls changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

import attrs

from labelcore import _converter
from labelcore.errors import Forbidden, NotFound, ValidationError
from labelcore.model import (
    Annotation,
    AnnotationReview,
    NewAnnotation,
    Project,
    ResultList,
    Task,
    User,
    UserId,
)
from labelcore.quality.agreement import AgreementReport, controls_of
from labelcore.quality.agreement import task_agreement as _task_agreement
from labelcore.quality.states import (
    ACCEPTED,
    ANNOTATED,
    IN_REVIEW,
    REJECTED,
    UNANNOTATED,
    annotation_state,
    current_reviews,
    reviews_by_annotation,
    task_state,
    unreviewed_state,
)
from labelcore.quality.statistics import ProjectStatistics, result_labels
from labelcore.query import Selection, TaskQuery, regex_budget
from labelcore.service._base import ProjectAccess, ServiceBase, TaskAccess, same_user
from labelcore.service._review_reads import read_agreement, read_statistics
from labelcore.service.actions import ActionResult
from labelcore.storage.base import (
    AnnotationHead,
    NewTaskQuality,
    QualityOfNew,
    ReviewReads,
    Store,
    TaskBundle,
    TaskQuality,
)

MAX_COMMENT = 5000
STREAM_LIMIT = 1000
STATES_PAGE = 1000  # tasks of a review_states_page by default
MAX_STATES_PAGE = 10_000
_REFRESH_BATCH = 500
_READ_BATCH = 2000  # tasks whose whole annotations and reviews are read at a time
_CANDIDATES = 50  # annotations next_review / review_queue read from the store at a time
_FIRST = 5  # next_review's first page of candidates
_WAITING = (ANNOTATED, IN_REVIEW)
_PER_TASK_REVIEWS = 50  # refreshing more tasks than this reads the project's reviews once
# a task's review inputs: its annotations whole, or their heads (ReviewReads), and reviews
_ReviewRows = tuple[int, Sequence[Annotation | AnnotationHead], Sequence[AnnotationReview]]
# events that change annotations or reviews of the tasks they name (None: the whole project)
_ANNOTATION_EVENTS = frozenset({"annotation.created", "annotation.updated", "review.created"})


def review_to_json(review: AnnotationReview) -> dict[str, Any]:
    """Label Studio's AnnotationReview fields plus ours (``action``, ``annotation_version``)."""
    return {
        "id": review.id,
        "annotation": review.annotation_id,
        "task": review.task_id,
        "project": review.project_id,
        "created_by": review.reviewer_id,
        "created_at": _converter.dt_to_json(review.created_at),
        "accepted": review.accepted,
        "action": review.action,
        "comment": review.comment,
        "annotation_version": review.annotation_version,
    }


@attrs.frozen(kw_only=True)
class ReviewStates:
    """A page of a project's review states (:meth:`ReviewAPI.review_states_page`): task id
    -> state and annotation id -> state, in task id order; ``next`` is the ``after`` that
    reads the following page, ``None`` on the last one."""

    tasks: dict[int, str]
    annotations: dict[int, str]
    next: int | None


@attrs.frozen(kw_only=True)
class ReviewItem:
    """An annotation to review with its task (visible rows only) and what is known of it."""

    annotation: Annotation
    bundle: TaskBundle
    state: str
    agreement: float | None
    reviews: tuple[AnnotationReview, ...]


def _check_comment(comment: Any) -> str:
    if not isinstance(comment, str):
        raise ValidationError("comment must be a string", code="review.comment")
    if len(comment) > MAX_COMMENT:
        raise ValidationError(
            f"comment is longer than {MAX_COMMENT} characters", code="review.comment"
        )
    return comment


_NO_FILTERS: dict[str, Any] = {
    "annotator": None,
    "label": None,
    "min_agreement": None,
    "max_agreement": None,
    "since": None,
    "until": None,
}


def _check_filters(
    annotator: UserId | None,
    label: str | None,
    min_agreement: float | None,
    max_agreement: float | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> dict[str, Any]:
    for name, bound in (("min_agreement", min_agreement), ("max_agreement", max_agreement)):
        if bound is not None and (
            isinstance(bound, bool) or not isinstance(bound, int | float) or not 0 <= bound <= 1
        ):
            raise ValidationError(f"{name} must be a number in 0..1", code="review.filter")
    return {
        "annotator": annotator,
        "label": label,
        "min_agreement": min_agreement,
        "max_agreement": max_agreement,
        "since": _parse_when(since, "since"),
        "until": _parse_when(until, "until"),
    }


def _matches(ann: Annotation, filters: dict[str, Any]) -> bool:
    """The stream's annotator, label and date filters."""
    annotator, label = filters["annotator"], filters["label"]
    since, until = filters["since"], filters["until"]
    if annotator is not None and not same_user(ann.completed_by, annotator):
        return False
    if label is not None and all(lab != label for _, lab in result_labels(ann.result)):
        return False
    if since is not None and ann.updated_at < since:
        return False
    return until is None or ann.updated_at <= until


def _parse_when(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationError(f"{name} must be a timezone-aware datetime", code="review.filter")
    return value


class ReviewAPI(ServiceBase):
    # -- the stream --------------------------------------------------------------------------
    def review_queue(
        self,
        user: User,
        project_id: int,
        *,
        annotator: UserId | None = None,
        label: str | None = None,
        min_agreement: float | None = None,
        max_agreement: float | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[ReviewItem]:
        """Annotations waiting for this reviewer, oldest change first: not skipped, not by
        the reviewer, not yet judged by them as they are now, not accepted or rejected as
        they are now, and not claimed by another reviewer. Filters: ``annotator``
        (completed_by), ``label`` (any label, choice or taxonomy path in the result), task
        agreement within ``[min_agreement, max_agreement]``, ``updated_at`` within
        ``[since, until]``."""
        access = self._project(user, project_id, "annotations.review", "review annotations")
        if not isinstance(limit, int) or not 0 < limit <= STREAM_LIMIT:
            raise ValidationError(f"limit must be 1..{STREAM_LIMIT}", code="review.filter")
        filters = _check_filters(annotator, label, min_agreement, max_agreement, since, until)
        page = min(max(limit, _CANDIDATES), STREAM_LIMIT)
        with self._reading():  # one connection (no BEGIN/COMMIT per read on PostgreSQL)
            found = list(itertools.islice(self._waiting(user, access, filters, page), limit))
            bundles = self._bundles(project_id, {ann.task_id for ann, *_ in found})
            return [
                self._review_item(user, access, *item, bundles.get(item[0].task_id))
                for item in found
            ]

    def _bundles(self, project_id: int, task_ids: set[int]) -> dict[int, TaskBundle]:
        """The tasks of the stream's items in one batch, not three statements per item."""
        if not task_ids:
            return {}
        wanted = TaskQuery(selection=Selection(included=tuple(sorted(task_ids))))
        bundles = self.store.iter_bundles(project_id, wanted, batch_size=STREAM_LIMIT)
        return {b.task.id: b for b in bundles}

    def _waiting(
        self,
        user: User,
        access: ProjectAccess,
        filters: dict[str, Any],
        page: int = _CANDIDATES,
        first: int | None = None,
    ) -> Iterator[tuple[Annotation, str, float | None, list[AnnotationReview]]]:
        """What :meth:`review_queue` lists, lazily: ``(annotation, state, task agreement when
        a filter needed it, its reviews)``; the annotation the user holds comes first. Each
        page of ``page`` candidates (the first one ``first``) costs the same few statements:
        the candidates, their annotations, their reviews (and their tasks' stored agreement
        for that filter)."""
        project_id = access.project.id
        needed = access.project.settings.reviews_per_annotation
        lo, hi = filters["min_agreement"], filters["max_agreement"]
        by_agreement = lo is not None or hi is not None
        now = self._now()
        offset, size = 0, first or page
        while True:  # the stored states narrow the candidates; each one is checked as it is
            ids = self.store.review_candidates(
                project_id, user.id, _WAITING, now, offset=offset, limit=size
            )
            offset += len(ids)
            agreements: dict[int, float | None] = {}
            found = (
                {a.id: a for a in self.store.list_annotations(annotation_ids=ids)} if ids else {}
            )
            anns = [found[i] for i in ids if i in found]  # in the candidates' order
            reviews = (
                reviews_by_annotation(self.store.list_reviews(annotation_ids=ids)) if anns else {}
            )
            if by_agreement and anns:  # the stored values: no recomputation
                stored = self.store.get_task_quality({a.task_id for a in anns})
                agreements = {t: q.agreement for t, q in stored.items()}
            for ann in anns:
                if not _matches(ann, filters):
                    continue
                agreement = None
                if by_agreement:
                    agreement = agreements.get(ann.task_id)
                    if agreement is None:
                        continue
                    if (lo is not None and agreement < lo) or (hi is not None and agreement > hi):
                        continue
                mine = reviews.get(ann.id, [])
                state = annotation_state(ann, mine, needed)
                if state not in _WAITING or same_user(ann.completed_by, user.id):
                    continue
                if any(same_user(r.reviewer_id, user.id) for r in current_reviews(ann, mine)):
                    continue
                yield ann, state, agreement, mine
            if len(ids) < size:
                return
            size = page

    def next_review(self, user: User, project_id: int, **filters: Any) -> ReviewItem | None:
        """The first annotation of :meth:`review_queue` (same filters) that this reviewer
        could claim, or ``None``. The claim lasts the project's ``lock_ttl_seconds`` (or
        until a verdict): meanwhile no other reviewer gets this annotation. Asking again
        returns the annotation the reviewer already holds."""
        access = self._project(user, project_id, "annotations.review", "review annotations")
        checked = _check_filters(**{**_NO_FILTERS, **filters})
        ttl = dt.timedelta(seconds=access.project.settings.lock_ttl_seconds)
        needed = access.project.settings.reviews_per_annotation
        # mostly the first candidate is taken: a short first page
        for ann, state, agreement, mine in self._waiting(user, access, checked, first=_FIRST):
            if not self.store.claim_review(ann.id, user.id, self._now(), ttl):
                continue
            # another reviewer may have judged it between our read and our claim
            if self._waits_for(user, ann.id, ann.version, needed):
                return self._review_item(user, access, ann, state, agreement, mine)
            self.store.release_review_claims(user_id=user.id, annotation_id=ann.id)
        return None

    def _waits_for(self, user: User, annotation_id: int, version: int, needed: int) -> bool:
        ann = self.store.get_annotation(annotation_id)
        if ann is None or ann.version != version:
            return False
        reviews = self.store.list_reviews(annotation_id=annotation_id)
        if annotation_state(ann, reviews, needed) not in (ANNOTATED, IN_REVIEW):
            return False
        return not any(same_user(r.reviewer_id, user.id) for r in current_reviews(ann, reviews))

    def _review_item(
        self,
        user: User,
        access: ProjectAccess,
        ann: Annotation,
        state: str,
        agreement: float | None,
        reviews: list[AnnotationReview],
        bundle: TaskBundle | None = None,
    ) -> ReviewItem:
        if bundle is None:
            bundle = self.store.get_bundle(ann.task_id, include_drafts=False)
        assert bundle is not None
        task_access = TaskAccess(bundle.task, access.project, access.role)
        if agreement is None:
            controls = controls_of(self._config(access.project.settings.label_config))
            agreement = _task_agreement(bundle.annotations, controls)
        return ReviewItem(
            annotation=ann,
            bundle=self._visible_bundle(user, task_access, bundle),
            state=state,
            agreement=agreement,
            reviews=tuple(reviews),
        )

    # -- verdicts ----------------------------------------------------------------------------
    def accept_annotation(
        self, user: User, annotation_id: int, *, comment: str = ""
    ) -> AnnotationReview:
        """Accept the annotation's current version."""
        return self._verdict(user, annotation_id, "accepted", comment, None)

    def reject_annotation(
        self, user: User, annotation_id: int, *, comment: str = ""
    ) -> AnnotationReview:
        """Reject the current version; the comment is shown to the annotator."""
        return self._verdict(user, annotation_id, "rejected", comment, None)

    def fix_and_accept(
        self, user: User, annotation_id: int, *, result: ResultList, comment: str = ""
    ) -> AnnotationReview:
        """Replace the result with the reviewer's (validated against the config) as a new
        version attributed to the reviewer, and accept it."""
        return self._verdict(user, annotation_id, "fixed_and_accepted", comment, result)

    def create_review(
        self,
        user: User,
        annotation_id: int,
        *,
        accepted: bool,
        result: ResultList | None = None,
        comment: str = "",
    ) -> AnnotationReview:
        """Label Studio's ``POST /api/annotation-reviews`` shape: ``accepted`` with an
        optional fixed ``result`` (fix-and-accept) or a rejection."""
        if not isinstance(accepted, bool):
            raise ValidationError("accepted must be true or false", code="review.accepted")
        if result is not None and not accepted:
            raise ValidationError(
                "a fixed result can only come with accepted=true", code="review.result"
            )
        action = (
            "rejected" if not accepted else "accepted" if result is None else "fixed_and_accepted"
        )
        return self._verdict(user, annotation_id, action, comment, result)

    def _verdict(
        self, user: User, annotation_id: int, action: str, comment: Any, result: Any
    ) -> AnnotationReview:
        annotation, access = self._annotation(user, annotation_id)
        self._require(access.role, "annotations.review", "review annotations")
        text = _check_comment(comment)
        if same_user(annotation.completed_by, user.id):
            raise Forbidden("you cannot review your own annotation", code="review.own_annotation")
        if annotation.was_cancelled:
            raise ValidationError("a skipped task has nothing to review", code="review.skipped")
        if result is not None:
            self._check_result(
                access.project,
                access.task.data,
                result,
                allow_empty=access.project.settings.enable_empty_annotation,
            )
        with self._tx():
            updated = self.store.update_annotation(
                annotation_id,
                updated_by=user.id,
                action=action,
                expected_version=annotation.version,
                result=result,
                last_action=action,
            )
            review = self.store.add_review(
                annotation_id,
                user.id,
                action=action,
                accepted=action != "rejected",
                comment=text,
                annotation_version=updated.version,
            )
            self.store.release_review_claims(annotation_id=annotation_id)
            settings = access.project.settings
            if action == "rejected" and not settings.requeue_rejected_to_annotator:
                task = self.store.get_task(annotation.task_id)
                assert task is not None
                self.store.set_task_overlap(task.project_id, {task.id: task.overlap + 1})
            self._emit(
                "review.created",
                annotation.project_id,
                user,
                review=review_to_json(review),
                annotation=_converter.annotation_to_json(updated),
            )
        return review

    def update_review(self, user: User, review_id: int, *, comment: str) -> AnnotationReview:
        """Change the comment of a review (its author, or a manager); the verdict stays.
        Emits ``review.updated``."""
        review = self._own_review(user, review_id, "edit")
        text = _check_comment(comment)
        with self._tx():
            updated = self.store.update_review(review_id, comment=text)
            self._emit("review.updated", review.project_id, user, review=review_to_json(updated))
        return updated

    def delete_review(self, user: User, review_id: int) -> None:
        """Withdraw a verdict (its author, or a manager): the annotation's review state is
        computed again without it. Emits ``reviews.deleted``."""
        review = self._own_review(user, review_id, "delete")
        with self._tx():
            self.store.delete_reviews([review_id])
            self._emit(
                "reviews.deleted",
                review.project_id,
                user,
                reviews=[{"id": review_id, "annotation": review.annotation_id}],
                task={"id": review.task_id},
            )

    def _own_review(self, user: User, review_id: int, verb: str) -> AnnotationReview:
        review = self.get_review(user, review_id)
        access = self._project(user, review.project_id, "annotations.review", "review")
        if not same_user(review.reviewer_id, user.id) and not self.policy.allows(
            access.role, "annotations.manage"
        ):
            raise Forbidden(f"only its author or a manager may {verb} a review", code="review.own")
        return review

    # -- reading reviews ---------------------------------------------------------------------
    def list_reviews(
        self,
        user: User,
        *,
        project_id: int | None = None,
        task_id: int | None = None,
        annotation_id: int | None = None,
    ) -> list[AnnotationReview]:
        """Reviews the user may see: all of a project for reviewers and managers, those of
        their own annotations for annotators. Needs one of the three ids."""
        if annotation_id is not None:
            role = self._annotation(user, annotation_id)[1].role
            rows = self.store.list_reviews(annotation_id=annotation_id)
        elif task_id is not None:
            role = self._task(user, task_id, "project.view").role
            rows = self.store.list_reviews(task_id=task_id)
        elif project_id is not None:
            role = self._project(user, project_id, "project.view").role
            rows = self.store.list_reviews(project_id=project_id)
        else:
            raise ValidationError(
                "give a project, task or annotation id", code="review.filter_missing"
            )
        if self.policy.allows(role, "annotations.view_all"):
            return rows
        return self._own_reviews(user, rows)

    def _own_reviews(self, user: User, rows: list[AnnotationReview]) -> list[AnnotationReview]:
        ids = {r.annotation_id for r in rows}
        anns = self.store.list_annotations(annotation_ids=ids) if ids else []
        own = {a.id for a in anns if same_user(a.completed_by, user.id)}  # one read, not one each
        return [r for r in rows if r.annotation_id in own]

    def get_review(self, user: User, review_id: int) -> AnnotationReview:
        review = self.store.get_review(review_id)
        if review is not None:
            try:
                self._annotation(user, review.annotation_id)
                return review
            except NotFound:
                pass
        raise NotFound(f"review {review_id} not found", code="review.not_found")

    def rejected_annotations(
        self, user: User, project_id: int
    ) -> list[tuple[Annotation, AnnotationReview]]:
        """The user's own annotations whose current version was rejected, with the
        rejecting review (its comment is what the annotator must fix). The stored states
        find their tasks (``refresh_quality`` recomputes them); only those tasks' annotations
        and reviews are read, ``_READ_BATCH`` tasks a statement."""
        access = self._project(user, project_id, "project.view")
        needed = access.project.settings.reviews_per_annotation
        out: list[tuple[Annotation, AnnotationReview]] = []
        after = 0
        with self._reading():
            while tasks := self.store.tasks_with_state(
                project_id, user.id, REJECTED, _READ_BATCH, after=after
            ):
                after = tasks[-1]
                reviews = reviews_by_annotation(self.store.list_reviews(task_ids=tasks))
                for ann in self.store.list_annotations(completed_by=user.id, task_ids=tasks):
                    mine = reviews.get(ann.id, [])
                    if annotation_state(ann, mine, needed) == REJECTED:
                        out.append((ann, mine[-1]))
                if len(tasks) < _READ_BATCH:  # the last batch: no second look for none
                    break
        return sorted(out, key=lambda row: row[0].id)

    # -- states, agreement, statistics -------------------------------------------------------
    def review_states(
        self, user: User, project_id: int, task_ids: Collection[int] | None = None
    ) -> tuple[dict[int, str], dict[int, str]]:
        """``(task id -> state, annotation id -> state)`` for the project's tasks (those
        ids only when given), in task id order; annotations the user may not see are left
        out. Computed from the annotations and reviews of a batch of tasks at a time (never
        the tasks' data or predictions; for the whole project, never the annotations'
        results either: ``ReviewReads.iter_review_rows``)."""
        access = self._project(user, project_id, "project.view")
        with self._reading():
            if task_ids is None:
                rows = self._review_rows(project_id, 0, None)
            else:
                rows = self._review_rows_of(project_id, task_ids)
            return self._states(user, access, rows)

    def iter_review_states(
        self, user: User, project_id: int
    ) -> Iterator[tuple[dict[int, str], dict[int, str]]]:
        """:meth:`review_states` of the whole project a batch of tasks at a time, in task id
        order: each batch's ``(task id -> state, annotation id -> state)``. The project is
        checked at the call; the batches are read as they are asked for (the store's
        snapshots are its batches', not one of the whole project), so an answer can be
        written as they come and never be held whole."""
        access = self._project(user, project_id, "project.view")

        def batches() -> Iterator[tuple[dict[int, str], dict[int, str]]]:
            rows = self._review_rows(project_id, 0, None)
            while batch := list(itertools.islice(rows, _READ_BATCH)):
                yield self._states(user, access, batch)

        return batches()

    def review_states_page(
        self, user: User, project_id: int, *, after: int = 0, limit: int = STATES_PAGE
    ) -> ReviewStates:
        """One page of :meth:`review_states` of the whole project: the first ``limit``
        (1..``MAX_STATES_PAGE``) tasks with an id above ``after``, with their annotations'
        states; ``next`` is the ``after`` of the following page (``None`` after the last
        task). Memory and reads stay bounded by the page."""
        access = self._project(user, project_id, "project.view")
        for name, value, low, high in (
            ("limit", limit, 1, MAX_STATES_PAGE),
            ("after", after, 0, None),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < low
                or (high is not None and value > high)
            ):
                bounds = f"{low}..{high}" if high is not None else f"{low} or more"
                raise ValidationError(
                    f"{name} must be an integer {bounds}, got {value!r}", code=f"review.{name}"
                )
        with self._reading():
            # one task past the page says whether another page follows
            rows = list(self._review_rows(project_id, after, limit + 1))
            tasks, anns = self._states(user, access, rows[:limit])
        return ReviewStates(
            tasks=tasks, annotations=anns, next=rows[limit - 1][0] if len(rows) > limit else None
        )

    def _states(
        self, user: User, access: ProjectAccess, rows: Iterable[_ReviewRows]
    ) -> tuple[dict[int, str], dict[int, str]]:
        needed = access.project.settings.reviews_per_annotation
        # _sees_annotation's rule with the policy asked once, not once per annotation
        sees_all = self.policy.allows(access.role, "annotations.view_all")
        tasks: dict[int, str] = {}
        anns: dict[int, str] = {}
        for task_id, heads, reviews in rows:
            if not heads:
                tasks[task_id] = UNANNOTATED
                continue
            by_annotation = reviews_by_annotation(reviews) if reviews else {}
            states = [annotation_state(a, by_annotation.get(a.id, ()), needed) for a in heads]
            tasks[task_id] = task_state(states)
            for a, state in zip(heads, states, strict=True):
                if sees_all or same_user(a.completed_by, user.id):
                    anns[a.id] = state
        return tasks, anns

    def _review_rows(self, project_id: int, after: int, limit: int | None) -> Iterator[_ReviewRows]:
        """The review rows of the project's tasks above ``after`` (``limit`` of them): the
        store's ``ReviewReads``, or the project's task ids streamed and their whole
        annotations read ``_READ_BATCH`` tasks at a time."""
        if isinstance(self.store, ReviewReads):
            return self.store.iter_review_rows(project_id, after=after, limit=limit)
        ids = (t for t in self.store.task_ids(project_id, TaskQuery()) if t > after)
        return self._batch_rows(itertools.islice(ids, limit))

    def _review_rows_of(self, project_id: int, task_ids: Collection[int]) -> Iterator[_ReviewRows]:
        """The review rows of those of ``task_ids`` that are the project's, in id order."""
        wanted = sorted(set(task_ids))
        for start in range(0, len(wanted), _READ_BATCH):
            chunk = wanted[start : start + _READ_BATCH]
            mine = sorted(t.id for t in self.store.get_tasks(chunk) if t.project_id == project_id)
            yield from self._batch_rows(mine)

    def _batch_rows(self, task_ids: Iterable[int]) -> Iterator[_ReviewRows]:
        """Whole annotations and reviews of these tasks (in id order), ``_READ_BATCH`` tasks
        a statement each."""
        stream = iter(task_ids)
        while batch := list(itertools.islice(stream, _READ_BATCH)):
            reviews: dict[int, list[AnnotationReview]] = {t: [] for t in batch}
            for r in self.store.list_reviews(task_ids=batch):
                reviews[r.task_id].append(r)
            by_task: dict[int, list[Annotation]] = {t: [] for t in batch}
            # the batch holds only the project's tasks: no project filter (SQLite then
            # walked the project's annotations for each batch, 12 ms a batch at 50k)
            for a in self.store.list_annotations(task_ids=batch):
                by_task[a.task_id].append(a)
            for task_id in batch:
                yield task_id, by_task[task_id], reviews[task_id]

    def reviewed_export(
        self, user: User, project_id: int, *, only_accepted: bool = False
    ) -> Iterator[dict[str, Any]]:
        """The project's annotated tasks as Label Studio task JSON with each annotation's
        review verdicts (``reviews``); ``only_accepted`` keeps accepted annotations (and the
        tasks that have one). For reviewers and managers (``prepare_export`` with
        ``include_reviews`` is the managers' export in every format)."""
        access = self._project(user, project_id, "annotations.view_all", "export reviews")
        return reviewed_tasks(
            self.store.iter_bundles(project_id, only_annotated=True),
            self.store.list_reviews(project_id=project_id),
            access.project.settings.reviews_per_annotation,
            only_accepted=only_accepted,
            include_reviews=True,
        )

    def agreement(
        self, user: User, project_id: int, *, iou_threshold: float = 0.5
    ) -> AgreementReport:
        """Inter-annotator agreement of the project (see ``labelcore.quality.agreement``);
        for reviewers and managers."""
        access = self._project(user, project_id, "annotations.view_all", "see agreement")
        if (
            isinstance(iou_threshold, bool)
            or not isinstance(iou_threshold, int | float)
            or not 0 < iou_threshold <= 1
        ):
            raise ValidationError("iou_threshold must be in (0, 1]", code="agreement.threshold")
        controls = controls_of(self._config(access.project.settings.label_config))
        return read_agreement(self.store, project_id, controls, float(iou_threshold))

    def project_stats(self, user: User, project_id: int) -> ProjectStatistics:
        """Progress, per-annotator numbers and label distribution; for reviewers and
        managers."""
        self._project(user, project_id, "annotations.view_all", "see statistics")
        return read_statistics(self.store, project_id)

    def request_more_annotations(
        self, user: User, project_id: int, task_ids: Collection[int], extra: int = 1
    ) -> int:
        """Raise the overlap of these tasks by ``extra`` so the queue serves them to more
        annotators (e.g. low-agreement tasks); returns how many tasks changed."""
        self._project(user, project_id, "actions.run", "request more annotations")
        if isinstance(extra, bool) or not isinstance(extra, int) or not 1 <= extra <= 20:
            raise ValidationError("extra must be an integer 1..20", code="review.extra")
        tasks = [t for t in self.store.get_tasks(task_ids) if t.project_id == project_id]
        if len(tasks) != len(set(task_ids)):
            raise NotFound("some tasks are not in this project", code="task.not_found")
        with self._tx():
            self.store.set_task_overlap(project_id, {t.id: t.overlap + extra for t in tasks})
        return len(tasks)

    def _action_request_more_annotations(
        self, user: User, project_id: int, query: TaskQuery, params: dict[str, Any]
    ) -> ActionResult:
        """Data-manager action: raise the overlap of the selected tasks by ``params["extra"]``
        (default 1); with ``params["below"]`` only of those whose agreement is below it
        (tasks without an agreement are left alone then)."""
        extra = params.get("extra", 1)
        below = params.get("below")
        if below is not None and (
            isinstance(below, bool) or not isinstance(below, int | float) or not 0 < below <= 1
        ):
            raise ValidationError("below must be a number in (0, 1]", code="review.below")
        with regex_budget():
            ids = list(self.store.task_ids(project_id, query))
        if below is not None:
            quality = self.store.get_task_quality(ids)
            ids = [
                i
                for i in ids
                if (q := quality.get(i)) is not None
                and q.agreement is not None
                and q.agreement < below
            ]
        changed = self.request_more_annotations(user, project_id, ids, extra) if ids else 0
        return ActionResult(
            processed_items=changed,
            detail=f"Asked for more annotations on {changed} tasks",
            reload=True,
        )

    # -- stored quality (data-manager columns) -----------------------------------------------
    def quality_columns(
        self, user: User, project_id: int, tasks: Collection[Task]
    ) -> dict[int, dict[str, Any]]:
        """The data manager's ``review_state``, ``annotation_states`` and ``agreement`` values
        of these tasks of the project, for reviewers and managers (``{}`` for annotators)."""
        access = self._project(user, project_id, "project.view")
        if not self.policy.allows(access.role, "annotations.view_all"):
            return {}
        stored = self.store.get_task_quality([t.id for t in tasks if t.project_id == project_id])
        out: dict[int, dict[str, Any]] = {}
        for task in tasks:
            if task.project_id != project_id:
                continue
            row = stored.get(task.id)
            fallback = ANNOTATED if task.total_annotations > 0 else UNANNOTATED
            out[task.id] = {
                "review_state": fallback if row is None else row.state,
                "annotation_states": []
                if row is None
                else sorted(set(row.annotation_states.values())),
                "agreement": None if row is None else row.agreement,
            }
        return out

    def refresh_quality(self, user: User, project_id: int) -> int:
        """Recompute the stored review states and agreement of every task of the project
        (managers; e.g. after upgrading a database that already holds reviews); returns the
        number of tasks."""
        self._project(user, project_id, "project.update", "refresh review states")
        with self._tx():
            return self._refresh_quality(project_id, None)

    def _emit(self, name: str, project_id: int | None, user: User | None, **payload: Any) -> None:
        for pid, task_ids in self._quality_scope(name, project_id, payload):
            self._refresh_quality(pid, task_ids)
        super()._emit(name, project_id, user, **payload)

    def _annotations_changed(self, project_id: int, task_ids: list[int]) -> None:
        if task_ids:
            self._refresh_quality(project_id, sorted(set(task_ids)))

    def _settings_changed(self, project_id: int, old: Any, new: Any) -> None:
        """Recompute the project's stored quality only when what it is computed from
        changed: ``reviews_per_annotation`` or the config's controls (a title edit costs
        nothing)."""
        if old.reviews_per_annotation != new.reviews_per_annotation or controls_of(
            self._config(old.label_config)
        ) != controls_of(self._config(new.label_config)):
            self._refresh_quality(project_id, None)

    def _tasks_added(self, project_id: int, annotated_task_ids: list[int]) -> None:
        # new tasks have no stored quality row; one without annotations reads as
        # "unannotated" with no agreement from the fallback, so only annotated ones are stored
        if annotated_task_ids:
            self._refresh_quality(project_id, annotated_task_ids)

    def _new_task_quality(self, project: Project) -> QualityOfNew:
        controls = controls_of(self._config(project.settings.label_config))
        return lambda annotations: _new_quality(annotations, controls)

    def _quality_scope(
        self, name: str, project_id: int | None, payload: dict[str, Any]
    ) -> Iterator[tuple[int, list[int] | None]]:
        """Which tasks an event changed the quality of: ``(project, task ids or None)``."""
        if name == "user.erased":  # their annotations went or lost their author everywhere
            if payload.get("counts", {}).get("annotations"):
                for project in self.store.list_projects():
                    yield project.id, None
            return
        if project_id is None:
            return
        if name in _ANNOTATION_EVENTS:
            yield project_id, [payload["annotation"]["task"]]
        elif name == "reviews.deleted":
            yield project_id, [payload["task"]["id"]]
        elif name == "annotations.deleted":
            tasks = {a.get("task") for a in payload.get("annotations", [])}
            yield (
                project_id,
                [t for t in tasks if isinstance(t, int)] if None not in tasks else None,
            )

    def _refresh_quality(self, project_id: int, task_ids: list[int] | None) -> int:
        """Recompute and store the quality of these tasks (``None``: every task of the
        project, streamed in batches of ``_REFRESH_BATCH``); returns how many."""
        project = self.store.get_project(project_id)
        if project is None or task_ids == []:
            return 0
        ids = task_ids or []
        if task_ids is not None and len(ids) <= _PER_TASK_REVIEWS:
            reviews: dict[int, list[AnnotationReview]] = {}
            for tid in ids:
                reviews.update(reviews_by_annotation(self.store.list_reviews(task_id=tid)))
        else:
            reviews = reviews_by_annotation(self.store.list_reviews(project_id=project_id))
        controls = controls_of(self._config(project.settings.label_config))
        needed = project.settings.reviews_per_annotation
        done = 0
        for batch in self._refresh_batches(project_id, task_ids):
            self.store.set_task_quality(
                project_id, list(_quality_rows(batch, reviews, controls, needed))
            )
            done += len(batch)
        return done

    def _refresh_batches(
        self, project_id: int, task_ids: list[int] | None
    ) -> Iterator[list[tuple[int, list[Annotation]]]]:
        """(task id, its annotations) to refresh, a batch at a time, each read whole before
        it is written (no open cursor while rows change)."""
        if task_ids is None:  # the whole project: iter_bundles reads a keyset batch at a time
            stream = iter(self.store.iter_bundles(project_id, batch_size=_REFRESH_BATCH))
            while batch := list(itertools.islice(stream, _REFRESH_BATCH)):
                yield [(b.task.id, b.annotations) for b in batch]
            return
        for start in range(0, len(task_ids), _REFRESH_BATCH):
            chunk = tuple(task_ids[start : start + _REFRESH_BATCH])
            if len(chunk) <= _PER_TASK_REVIEWS:
                # one write's tasks (every submit comes here): quality needs only the
                # annotations, one statement per task instead of a whole bundle's three;
                # set_task_quality keeps only tasks of this project that still exist
                yield [(tid, self.store.list_annotations(task_id=tid)) for tid in chunk]
            else:
                # the annotations alone, not whole bundles (an import of 50k annotated tasks
                # read their data and predictions too: PostgreSQL ~4 s, SQLite ~2 s)
                found: dict[int, list[Annotation]] = {}
                for a in self.store.list_annotations(project_id=project_id, task_ids=chunk):
                    found.setdefault(a.task_id, []).append(a)
                yield [(tid, found.get(tid, [])) for tid in chunk]


def rejected_tasks_of(store: Store, project_id: int, user_id: UserId) -> list[int]:
    """Tasks (in id order, a few) where the user's own annotation is rejected as it is now,
    by the stored states: the labeling queue serves them to their annotator first when the
    project's ``requeue_rejected_to_annotator`` is on."""
    return store.tasks_with_state(project_id, user_id, REJECTED)


def reviewed_tasks(
    bundles: Iterable[TaskBundle],
    reviews: Iterable[AnnotationReview],
    reviews_needed: int,
    *,
    only_accepted: bool = False,
    include_reviews: bool = False,
) -> Iterator[dict[str, Any]]:
    """Label Studio task JSON for an export: with ``only_accepted`` only the accepted
    annotations (tasks without one are left out); with ``include_reviews`` each annotation
    carries ``reviews``, its verdicts in order (``review_to_json``)."""
    by_annotation = reviews_by_annotation(reviews)
    for b in bundles:
        anns = b.annotations
        if only_accepted:
            anns = [
                a
                for a in anns
                if annotation_state(a, by_annotation.get(a.id, []), reviews_needed) == ACCEPTED
            ]
            if not anns:
                continue
        task = _converter.task_to_json(b.task, anns, b.predictions, b.drafts)
        if include_reviews:
            for ann in task.get("annotations", []):
                ann["reviews"] = [review_to_json(r) for r in by_annotation.get(ann["id"], [])]
        yield task


def _new_quality(
    annotations: Sequence[Annotation | NewAnnotation], controls: dict[str, str]
) -> NewTaskQuality:
    """What ``_quality_rows`` computes for a task whose annotations have no reviews yet
    (one being imported), before the annotations have ids."""
    states = tuple(unreviewed_state(a) for a in annotations)
    return NewTaskQuality(
        state=task_state(states),
        agreement=_task_agreement(annotations, controls) if annotations else None,
        annotation_states=states,
    )


def _quality_rows(
    tasks: Iterable[tuple[int, list[Annotation]]],
    reviews: dict[int, list[AnnotationReview]],
    controls: dict[str, str],
    needed: int,
) -> Iterator[TaskQuality]:
    for task_id, anns in tasks:
        states = {a.id: annotation_state(a, reviews.get(a.id, []), needed) for a in anns}
        yield TaskQuality(
            task_id=task_id,
            state=task_state(states.values()),
            agreement=_task_agreement(anns, controls) if anns else None,
            annotation_states=states,
        )
