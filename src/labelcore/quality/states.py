"""Review states of annotations and tasks, from their reviews (pure functions).

    from labelcore.quality.states import annotation_state, task_state
    annotation_state(annotation, reviews, reviews_needed=1)   # "annotated" | "in_review" | ...
    task_state([annotation_state(a, ...) for a in annotations])

A verdict counts only for the annotation version it was given on: an annotation changed
after a review is back to ``annotated`` (waiting for review).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from labelcore.model import Annotation, AnnotationReview

ANNOTATED = "annotated"  # waiting for a review
IN_REVIEW = "in_review"  # accepted by some reviewers, more reviews needed
ACCEPTED = "accepted"
REJECTED = "rejected"
SKIPPED = "skipped"
UNANNOTATED = "unannotated"
STATES = (UNANNOTATED, ANNOTATED, IN_REVIEW, ACCEPTED, REJECTED)


def annotation_state(
    annotation: Annotation, reviews: Sequence[AnnotationReview], reviews_needed: int = 1
) -> str:
    """``skipped`` for a skip; else the state given by the reviews of the current version:
    the latest verdict ``rejected`` wins; ``accepted`` once ``reviews_needed`` distinct
    reviewers accepted; ``in_review`` with fewer; ``annotated`` with none."""
    if annotation.was_cancelled:
        return SKIPPED
    current = [
        r
        for r in sorted(reviews, key=lambda r: r.id)
        if r.annotation_id == annotation.id and r.annotation_version == annotation.version
    ]
    if current and not current[-1].accepted:
        return REJECTED
    acceptors = {str(r.reviewer_id) for r in current if r.accepted}
    if len(acceptors) >= max(1, reviews_needed):
        return ACCEPTED
    return IN_REVIEW if acceptors else ANNOTATED


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
