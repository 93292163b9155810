"""The next-task candidates of one user as a few short index walks (private).

    plan = candidates_stmt(spec, ignore, query, dialect=..., fts=..., is_pg=...)
    params = {"pid": ..., "uid": ..., "now": ..., "lim": 20}
    ids = [row.id for row in conn.execute(plan, params)]   # SamplingPlan: see _queue

The queue's order starts with keys that take a few values each: the user's own skips last
(``include_skipped_by_user``), tasks with overlap > 1 first (``overlap_first``), started
tasks first, most annotations first (``breadth_first``); then import order (``inner_id``).
Sorting every open task of the project by that key read all of them, with their slot
checks: 0.34 to 1.4 s a next task at 100,000 tasks. Instead the open tasks are split into
parts on which those leading keys are constant; each part is read in its own order from an
index and stops after ``lim`` rows that pass the checks, and only those rows (``lim`` per
part at most) are sorted by the whole key. The first ``lim`` of them are the first ``lim``
of the whole order, as each part's first rows are that part's first rows.

- Breadth first: the open tasks that have annotations come from
  ``labelcore_task_started_ix``, a partial index of exactly those tasks (in
  ``total_annotations`` descending, then ``inner_id``; a fresh import adds nothing to it),
  the others from ``labelcore_task_queue_ix``. "Most annotations" is the task's
  ``total_annotations`` (skips are not counted).
- Overlap first, own skips: one part per value (overlap > 1 or not; skipped by the user
  or not). A part with no open task reads the queue to its end.
- Uniform sampling (``SamplingPlan``): the started tasks sorted by count and at random
  within a count, then rejection sampling of the rest at random inner ids; with own skips
  or overlap first, one sort of every open task by the keys and ``random()``.
- Uncertainty sampling (lowest mean prediction score first) sorts each part by the score,
  which no index holds: it reads every open task of the part.

A data-manager query with an ordering of its own (``query.ordering``) keeps one statement
that sorts the matching open tasks by the leading keys and that ordering.
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs
import sqlalchemy as sa

from labelcore.query import TaskQuery
from labelcore.storage.base import CandidateSpec
from labelcore.storage.sql.querysql import QuerySQL
from labelcore.storage.sql.tables import (
    ANNOTATIONS,
    ASSIGNMENTS,
    CLAIMS,
    PREDICTIONS,
    TASKS,
)

T, A, P, C, S = TASKS, ANNOTATIONS, PREDICTIONS, CLAIMS, ASSIGNMENTS


def _bp(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, type_=type_)


def slot_exprs(ignore: bool) -> tuple[Any, Any]:
    """(live claims by others, distinct completed annotators other than the user) per task,
    over the bound parameters ``uid`` and ``now``."""
    uid, now = _bp("uid"), _bp("now")
    done = sa.true() if ignore else A.c.was_cancelled.is_(False)
    who = sa.func.coalesce(sa.cast(A.c.completed_by, sa.String), "null")
    claims = (
        sa.select(sa.func.count())
        .where(C.c.task_id == T.c.id, C.c.user_id != uid, C.c.expires_at > now)
        .scalar_subquery()
    )
    others = sa.or_(A.c.completed_by.is_(None), A.c.completed_by != uid)
    completers = (
        sa.select(sa.func.count(sa.distinct(who))).where(A.c.task_id == T.c.id, done, others)
    ).scalar_subquery()
    return claims, completers


def candidates_stmt(
    spec: CandidateSpec,
    ignore: bool,
    query: TaskQuery | None,
    *,
    dialect: str,
    fts: bool,
    is_pg: bool,
) -> Any:
    """The statement that lists the user's next candidates, over the bound parameters
    ``pid``, ``uid``, ``now``, ``lim`` (and ``assignee``, and ``turn`` in [0, 1) for uniform
    sampling)."""
    mine = sa.and_(A.c.task_id == T.c.id, A.c.completed_by == _bp("uid"))

    def exists(*where: Any) -> Any:
        probe = sa.select(sa.literal(1)).where(*where)
        if is_pg:
            # OFFSET 0 keeps the EXISTS a per-task probe of the (task_id, completed_by)
            # index. Flattened into an anti join, its plan follows the annotation table's
            # statistics, which lag behind while a new table fills (autovacuum analyzes
            # it a minute later): estimated at one row, the plan scanned every annotation
            # once per open task (55 ms per next task at 1,000 tasks and 60 annotations).
            probe = probe.offset(sa.literal_column("0"))
        return sa.exists(probe)

    completed_by_me = exists(mine, sa.true() if ignore else A.c.was_cancelled.is_(False))
    skipped_by_me = exists(mine)  # only skips are left once completed ones are out
    claims, completers = slot_exprs(ignore)
    conds: list[Any] = [
        T.c.project_id == _bp("pid"),
        T.c.is_labeled.is_(False),
        ~completed_by_me,
        claims + completers < T.c.overlap,
    ]
    if spec.only_skipped_by_user:
        conds.append(skipped_by_me)
    elif not spec.include_skipped_by_user:
        conds.append(~skipped_by_me)
    if spec.assigned_to is not None:
        conds.append(_assigned_to_them())
    if spec.unassigned_or_assigned_to is not None:
        conds.append(sa.or_(~_assigned_to_anyone(), _assigned_to_them()))
    qs = None if query is None else QuerySQL(dialect, fts=fts)
    if qs is not None and query is not None:
        conds += qs.where(query)
        if query.ordering:
            return _sorted_stmt(spec, conds, skipped_by_me, qs, query)
    lim = _bp("lim", sa.Integer)
    # each dimension: the parts it splits the open tasks into, as (condition, key value)
    dims: list[tuple[str, list[tuple[Any, int]]]] = []
    if spec.include_skipped_by_user:
        dims.append(("skipped", [(~skipped_by_me, 0), (skipped_by_me, 1)]))
    if spec.overlap_first:
        one: Any = sa.literal_column("1")
        dims.append(("overlap", [(T.c.overlap > one, 0), (T.c.overlap <= one, 1)]))
    if spec.breadth_first:
        # labelcore_task_started_ix's own condition, its constants written into the
        # statement (not bound), so that the planner sees the part's condition imply the
        # index's whatever its plan cache does
        none: Any = sa.literal_column("0")
        started = sa.and_(T.c.is_labeled == sa.false(), T.c.total_annotations > none)
        dims.append(("started", [(started, 0), (T.c.total_annotations == none, 1)]))
    if spec.order == "random":
        if spec.include_skipped_by_user or spec.overlap_first:
            return _sorted_stmt(spec, conds, skipped_by_me, None, None)
        return _sampling_plan(conds, dims, lim)
    score = None
    if spec.order == "uncertainty":
        if not (spec.include_skipped_by_user or spec.overlap_first):
            return _uncertainty_plan(conds, dims, lim)
        score = sa.select(sa.func.min(P.c.score)).where(P.c.task_id == T.c.id).scalar_subquery()
    parts = []
    for combo in itertools.product(*(values for _, values in dims)):
        keys = {kind: key for (kind, _), (_, key) in zip(dims, combo)}
        inner: list[Any] = []
        if keys.get("started") == 0:
            inner.append(T.c.total_annotations.desc())  # the others have none
        if score is not None:
            inner.append(score.asc().nulls_last())
        # inner_id is unique in a project (labelcore_task_inner_uq): no tie to break by id
        inner.append(T.c.inner_id)
        cols = [
            T.c.id,
            *(sa.literal(key, sa.Integer).label(f"k{i}") for i, (_, key) in enumerate(combo)),
            T.c.total_annotations.label("started"),
            T.c.inner_id,
        ]
        if score is not None:
            cols.append(score.label("score"))
        where = [*conds, *(cond for cond, _ in combo)]
        parts.append(sa.select(*cols).where(*where).order_by(*inner).limit(lim))
    if len(parts) == 1:
        return parts[0].with_only_columns(T.c.id)
    every = sa.union_all(*(sa.select(p.subquery()) for p in parts)).subquery("lc_parts")
    outer: list[Any] = []
    for i, (kind, _) in enumerate(dims):
        outer.append(every.c[f"k{i}"])
        if kind == "started":  # within the started part, most annotations first
            outer.append(every.c.started.desc())
    if score is not None:
        outer.append(every.c.score.asc().nulls_last())
    outer.append(every.c.inner_id)
    return sa.select(every.c.id).order_by(*outer).limit(lim)


@attrs.frozen
class SamplingPlan:
    """Uniform sampling's statements (``next_task_candidates`` runs them in turn):

    - ``started``: breadth first, the started open tasks, most annotations first and in
      random order within a count (a sort of the started tasks alone), or None;
    - ``probe``: the open tasks (not started, with breadth first) among the inner ids in
      the bound list ``probes``, drawn at random from the project's range of inner ids.
      Rejection sampling: each open task is as likely to be drawn as any other, so the
      first candidate is uniform among them, and the statement reads a few hundred rows by
      the ``(project_id, inner_id)`` index instead of sorting every open task;
    - ``everything``: the same tasks sorted by ``random()`` (a project small enough to
      sort, or one where draws find nothing: few open tasks left).
    """

    started: Any
    probe: Any
    everything: Any


@attrs.frozen
class UncertaintyPlan:
    """Uncertainty sampling's statements (``next_task_candidates`` runs them in turn):
    lowest score first, a task ranked by its least sure prediction.

    - ``started``: breadth first, the started open tasks sorted by count, then score (a
      sort of the started tasks alone), or None;
    - ``scored``: the scored predictions of the open tasks (not started, with breadth first)
      in (score, inner_id) order, walked from ``labelcore_prediction_score_ix`` and stopped
      at the bound ``plim``: a task's first row is its lowest score, so the first ``lim``
      distinct tasks are the first ``lim`` in order (asked again with a larger ``plim``
      when repeated tasks leave fewer);
    - ``unscored``: then the open tasks without a scored prediction, in import order.
    """

    started: Any
    scored: Any
    unscored: Any


def _started_part(
    conds: list[Any], dims: list[tuple[str, Any]], lim: Any, *then: Any
) -> tuple[Any, list[Any]]:
    """Breadth first (the only dimension a sampling plan keeps): the started open tasks,
    most annotations first and then by ``then`` (a sort of the started tasks alone), and
    the conditions of the rest; (None, ``conds``) without it."""
    if not dims:
        return None, list(conds)
    (_, ((started_cond, _), (fresh_cond, _))) = dims[0]
    started = (
        sa.select(T.c.id)
        .where(*conds, started_cond)
        .order_by(T.c.total_annotations.desc(), *then)
        .limit(lim)
    )
    return started, [*conds, fresh_cond]


def _uncertainty_plan(conds: list[Any], dims: list[tuple[str, Any]], lim: Any) -> UncertaintyPlan:
    scored_by = sa.exists().where(P.c.task_id == T.c.id, P.c.score.is_not(None))
    least = sa.select(sa.func.min(P.c.score)).where(P.c.task_id == T.c.id).scalar_subquery()
    started, rest = _started_part(conds, dims, lim, least.asc().nulls_last(), T.c.inner_id)
    scored = (
        sa.select(T.c.id)
        .select_from(P.join(T, T.c.id == P.c.task_id))
        .where(P.c.project_id == _bp("pid"), P.c.score.is_not(None), *rest)
        .order_by(P.c.score, T.c.inner_id)
        .limit(_bp("plim", sa.Integer))
    )
    unscored = sa.select(T.c.id).where(*rest, ~scored_by).order_by(T.c.inner_id).limit(lim)
    return UncertaintyPlan(started=started, scored=scored, unscored=unscored)


def _sampling_plan(conds: list[Any], dims: list[tuple[str, Any]], lim: Any) -> SamplingPlan:
    started, rest = _started_part(conds, dims, lim, sa.func.random())
    probe = sa.select(T.c.id, T.c.inner_id).where(
        *rest, T.c.inner_id.in_(sa.bindparam("probes", expanding=True))
    )
    everything = sa.select(T.c.id).where(*rest).order_by(sa.func.random()).limit(lim)
    return SamplingPlan(started=started, probe=probe, everything=everything)


def _sorted_stmt(
    spec: CandidateSpec,
    conds: list[Any],
    skipped_by_me: Any,
    qs: QuerySQL | None,
    query: TaskQuery | None,
) -> Any:
    """The open matching tasks, sorted whole: a data-manager tab's own ordering, or uniform
    sampling with keys that split the queue further (own skips last, overlap first)."""
    order: list[Any] = []
    if spec.include_skipped_by_user:
        order.append(sa.case((skipped_by_me, 1), else_=0))
    if spec.overlap_first:
        order.append(sa.case((T.c.overlap > 1, 0), else_=1))
    if spec.breadth_first:
        order.append(T.c.total_annotations.desc())
    if qs is not None and query is not None and query.ordering:
        for o, exprs in zip(query.ordering, qs.order_exprs(query.ordering)):
            order += [(e.desc() if o.descending else e.asc()).nulls_last() for e in exprs]
    else:
        order.append(sa.func.random())
    order.append(T.c.id)
    return sa.select(T.c.id).where(*conds).order_by(*order).limit(_bp("lim", sa.Integer))


def _assigned_to_them() -> Any:
    return sa.exists().where(S.c.task_id == T.c.id, S.c.user_id == _bp("assignee"))


def _assigned_to_anyone() -> Any:
    return sa.exists().where(S.c.task_id == T.c.id)
