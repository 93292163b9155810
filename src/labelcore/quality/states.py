"""Review states of annotations and tasks, from their reviews (pure functions).

    from labelcore.quality.states import annotation_state, task_state
    annotation_state(annotation, reviews, reviews_needed=1)   # "annotated" | "in_review" | ...
    task_state([annotation_state(a, ...) for a in annotations])

A verdict counts for the annotation's content it was given on. Accepting or rejecting writes
a version of its own (the history shows it) without changing the result, so the verdicts of
several reviewers on unchanged content add up; an annotation whose result changed after a
review (the annotator's fix, a restore) is back to ``annotated`` (waiting for review).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from labelcore.model import AnnotationReview, NewAnnotation

ANNOTATED = "annotated"  # waiting for a review
IN_REVIEW = "in_review"  # accepted by some reviewers, more reviews needed
ACCEPTED = "accepted"
REJECTED = "rejected"
SKIPPED = "skipped"
UNANNOTATED = "unannotated"
STATES = (UNANNOTATED, ANNOTATED, IN_REVIEW, ACCEPTED, REJECTED)


class Reviewable(Protocol):
    """What a state is worked out from: an ``Annotation``, or an ``AnnotationHead`` (the
    same without its result, as a whole project's states are read)."""

    @property
    def id(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def was_cancelled(self) -> bool: ...


def annotation_state(
    annotation: Reviewable, reviews: Sequence[AnnotationReview], reviews_needed: int = 1
) -> str:
    """``skipped`` for a skip; else the state given by the reviews of the current version:
    the latest verdict ``rejected`` wins; ``accepted`` once ``reviews_needed`` distinct
    reviewers accepted; ``in_review`` with fewer; ``annotated`` with none."""
    if annotation.was_cancelled or not reviews:
        return unreviewed_state(annotation)
    current = current_reviews(annotation, reviews)
    if current and not current[-1].accepted:
        return REJECTED
    acceptors = {str(r.reviewer_id) for r in current if r.accepted}
    if len(acceptors) >= max(1, reviews_needed):
        return ACCEPTED
    return IN_REVIEW if acceptors else ANNOTATED


def unreviewed_state(annotation: Reviewable | NewAnnotation) -> str:
    """The state of an annotation that has no reviews (one being imported, say):
    ``skipped`` for a skip, else ``annotated``."""
    return SKIPPED if annotation.was_cancelled else ANNOTATED


def current_reviews(
    annotation: Reviewable, reviews: Sequence[AnnotationReview]
) -> list[AnnotationReview]:
    """The reviews (in id order) given on the annotation's current result: those on its
    current version and on the versions just before it that were plain verdicts (accepted
    or rejected, which leave the result as it was), down to the last change of the result
    (a submit, an update, a restore, or a reviewer's fix)."""
    mine = sorted((r for r in reviews if r.annotation_id == annotation.id), key=lambda r: r.id)
    by_version: dict[int, list[AnnotationReview]] = {}
    for r in mine:
        by_version.setdefault(r.annotation_version, []).append(r)
    versions = set()
    version = annotation.version
    while version > 0:
        versions.add(version)
        here = by_version.get(version, [])
        if not any(r.action in (ACCEPTED, REJECTED) for r in here):
            break  # this version changed the result (or holds a fix): nothing older counts
        version -= 1
    return [r for r in mine if r.annotation_version in versions]


def task_state(states: Iterable[str]) -> str:
    """A task's state from its annotations' states (skips ignored): ``rejected`` if any is,
    ``accepted`` when all are, ``in_review`` when some are reviewed, ``annotated`` when none
    is yet, ``unannotated`` without annotations."""
    done = [s for s in states if s != SKIPPED]
    if not done:
        return UNANNOTATED
    if REJECTED in done:
        return REJECTED
    if all(s == ACCEPTED for s in done):
        return ACCEPTED
    if any(s in (ACCEPTED, IN_REVIEW) for s in done):
        return IN_REVIEW
    return ANNOTATED


def reviews_by_annotation(
    reviews: Iterable[AnnotationReview],
) -> dict[int, list[AnnotationReview]]:
    out: dict[int, list[AnnotationReview]] = {}
    for review in reviews:
        out.setdefault(review.annotation_id, []).append(review)
    return out
