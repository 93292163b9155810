"""SQLStore part: the review reads that cost what they return (private; see
``labelcore.storage.base.ReviewReads``).

    store = SQLStore("sqlite:///labelcore.db")
    for task_id, heads, reviews in store.iter_review_rows(project.id): ...
    store.completed_annotators(project.id)              # [7, "ada", None]

A whole project's review states read, per batch of tasks, the tasks' ids, their annotations'
five small columns (never the result JSON) and their reviews: three statements in one
snapshot, each an index range over the batch's task ids (the first batch finds the project's
first and last task id too, so no batch reads past them). The annotators are found by
seeking the ``(project_id, completed_by)`` index once per distinct author.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from labelcore.model import AnnotationReview, UserId
from labelcore.storage.base import AnnotationHead, TaskReviewRows
from labelcore.storage.sql._base import SQLBase
from labelcore.storage.sql._reviews import REVIEWS, review_from_row
from labelcore.storage.sql.tables import ANNOTATIONS, TASKS

A, T, R = ANNOTATIONS, TASKS, REVIEWS
REVIEW_BATCH = 5000  # tasks whose rows iter_review_rows reads in one snapshot
# the stored text of completed_by, decoded once per distinct author (not once per row)
_AUTHOR: Any = sa.type_coerce(A.c.completed_by, sa.String).label("author")


def _review_rows_stmts() -> tuple[Any, Any, Any]:
    lo: Any = sa.bindparam("lo")
    hi: Any = sa.bindparam("hi")
    ids = (
        sa.select(T.c.id)
        .where(
            T.c.project_id == sa.bindparam("pid"),
            T.c.id > sa.bindparam("after"),
            T.c.id <= sa.bindparam("last"),  # the project's last task (SQLBase._task_span)
        )
        .order_by(T.c.id)
        .limit(sa.bindparam("n", type_=sa.Integer))
    )
    # a range of task ids, not the project's annotations: SQLite then walks
    # (task_id, completed_by) for the batch alone; rows of another project's tasks inside the
    # range are dropped by the caller
    heads = sa.select(A.c.id, A.c.task_id, _AUTHOR, A.c.was_cancelled, A.c.version).where(
        A.c.task_id >= lo, A.c.task_id <= hi
    )
    reviews = sa.select(R).where(R.c.task_id >= lo, R.c.task_id <= hi).order_by(R.c.id)
    return ids, heads, reviews


# The project's distinct authors by a loose index scan of (project_id, completed_by): each
# step seeks the next stored value after the last one, so it costs one seek per author, not
# a pass over the annotations (what annotation_totals' GROUP BY reads); then whether each
# has a completed annotation (its first such row ends the probe: a scalar subquery with a
# LIMIT, which PostgreSQL cannot turn into a semi join that reads every row of the project,
# as it did for an EXISTS on an annotation table that was never analyzed).
_ANNOTATORS = sa.text(
    """
WITH RECURSIVE authors(u) AS (
    SELECT (SELECT completed_by FROM labelcore_annotation
            WHERE project_id = :pid AND completed_by IS NOT NULL
            ORDER BY completed_by LIMIT 1)
    UNION ALL
    SELECT (SELECT a.completed_by FROM labelcore_annotation a
            WHERE a.project_id = :pid AND a.completed_by > authors.u
            ORDER BY a.completed_by LIMIT 1)
    FROM authors WHERE authors.u IS NOT NULL
)
SELECT u FROM authors WHERE u IS NOT NULL AND (
    SELECT 1 FROM labelcore_annotation a
    WHERE a.project_id = :pid AND a.completed_by = authors.u AND NOT a.was_cancelled
    LIMIT 1) IS NOT NULL
UNION ALL
SELECT NULL WHERE (
    SELECT 1 FROM labelcore_annotation a
    WHERE a.project_id = :pid AND a.completed_by IS NULL AND NOT a.was_cancelled
    LIMIT 1) IS NOT NULL
"""
)


class SQLReviewReads(SQLBase):
    def iter_review_rows(
        self, project_id: int, *, after: int = 0, limit: int | None = None
    ) -> Iterator[TaskReviewRows]:
        ids_stmt, heads_stmt, reviews_stmt = self._stmt("review.rows", _review_rows_stmts)
        authors: dict[str | None, UserId | None] = {None: None}
        ends: tuple[int, int] | None = None
        left = limit
        while left is None or left > 0:
            n = REVIEW_BATCH if left is None else min(REVIEW_BATCH, left)
            with self._tx(write=False) as conn:  # one snapshot: rows and reviews agree
                ends = ends or self._task_span(conn, project_id)
                # past the last task: a client's cursor may be beyond any id a column holds,
                # and is then never bound
                if ends is None or after >= ends[1]:
                    return
                bounds = {"pid": project_id, "after": max(after, ends[0] - 1), "last": ends[1]}
                ids = conn.execute(ids_stmt, {**bounds, "n": n}).all()
                if not ids:
                    return
                span = {"lo": ids[0].id, "hi": ids[-1].id}
                heads: dict[int, list[AnnotationHead]] = {}
                for aid, tid, author, cancelled, version in conn.execute(heads_stmt, span).all():
                    if author not in authors:
                        authors[author] = json.loads(author)
                    head = AnnotationHead(aid, tid, authors[author], bool(cancelled), version)
                    if tid in heads:
                        heads[tid].append(head)
                    else:
                        heads[tid] = [head]
                reviews: dict[int, list[AnnotationReview]] = {}
                for r in conn.execute(reviews_stmt, span):
                    reviews.setdefault(r.task_id, []).append(review_from_row(r))
            for (task_id,) in ids:
                mine = heads.get(task_id, ())
                if len(mine) > 1:
                    mine.sort()  # by id, the tuple's first field
                yield task_id, mine, reviews.get(task_id, ())
            after = ids[-1].id
            if left is not None:
                left -= len(ids)
            if len(ids) < n or after == ends[1]:
                return

    def completed_annotators(self, project_id: int) -> list[UserId | None]:
        with self._tx(write=False, snapshot=False) as conn:
            found = conn.execute(_ANNOTATORS, {"pid": project_id}).scalars().all()
        return [None if u is None else json.loads(u) for u in found]
