"""The next-task candidates of one user as a few short index walks (private).

    plan = candidates_stmt(spec, ignore, query, dialect=..., fts=..., is_pg=...)
    params = {"pid": ..., "uid": ..., "now": ..., "lim": 20}
    ids = [row.id for row in conn.execute(plan, params)]   # the plans: see _queue

The queue's order starts with keys that take a few values each: the user's own skips last
(``include_skipped_by_user``), tasks with overlap > 1 first (``overlap_first``), started
tasks first, most annotations first (``breadth_first``); then import order (``inner_id``).
Sorting every open task of the project by that key read all of them, with their slot
checks: 0.34 to 1.4 s a next task at 100,000 tasks. Instead the open tasks are split into
parts on which those leading keys are constant; each part is read in its own order from an
index and stops after ``lim`` rows that pass the checks. Started and not started parts
are read in one statement and only their first rows sorted; the parts of own skips and
overlap first run one after the other in the order of their keys (``PartsPlan``), each
asked for what the earlier ones left wanting, so one after those that filled the limit is
not read at all.

- Breadth first: the open tasks that have annotations come from
  ``labelcore_task_started_ix``, a partial index of exactly those tasks (in
  ``total_annotations`` descending, then ``inner_id``; a fresh import adds nothing to it),
  the others from ``labelcore_task_fresh_ix`` (the open tasks without annotations, in
  import order). "Most annotations" is the task's ``total_annotations`` (skips are not
  counted). The walk starts at the most annotations whose tasks do not all have the user
  among the same one or two users: a user far ahead of the others (50,000 tasks only they
  annotated) had every one of theirs read and passed, 100,000 rows a next task, and with
  overlap 3 a user and a follower the tasks both had done. Whether a count's tasks are all
  so is two probes of ``labelcore_task_sole_ix``: each task's ``sole_annotator`` (the one
  or two users of its annotations that are not skips, "" for more), least and greatest,
  read first count by count (``BreadthFirst``). Sampling skips such a count too
  (``Levels.level``'s ``least`` and ``greatest``). In import order, a count that mixes
  many of the user's own tasks with others' is read per other annotator from the same
  index, ``inner_id`` after ``sole_annotator``, and merged (``MixedLevel``): the walk read
  every one of the user's before the others' (50,000 rows a next task).
- Overlap first, own skips: one part per value (overlap > 1 or not; skipped by the user
  or not). The open tasks with overlap > 1 come from ``labelcore_task_overlap_ix``, a
  partial index of exactly those (empty in a project of overlap 1); started tasks of
  overlap 1 cannot be open, so that part is left out.
- Uniform sampling (``SamplingPlan``): the started tasks one count of annotations at a
  time (``Levels``), a level of a few hundred sorted at random and a larger one drawn from
  at random inner ids between its first and last; then rejection sampling of the rest at
  random inner ids; with own skips (``include_skipped_by_user``), one sort of every open
  task by the keys and ``random()``.
- Show overlap first with uniform or uncertainty sampling (``SampledParts``): the open
  tasks with overlap > 1 sampled as a project of their own (none: passed; at most
  ``LEVEL_SORTED``: sorted whole), then the others, read only when the first part was
  read to its end.
- The user's own skips alone (``only_skipped_by_user``: requeue_for_me, once nothing else
  is left for them): their skips on open tasks counted in ``labelcore_annotation_skip_ix``;
  up to ``LEVEL_SORTED`` of them, their tasks sorted by the queue's keys; more, the plan
  the order would use (which reads the open tasks until it finds theirs).
- Uncertainty sampling (lowest prediction score first, ``UncertaintyPlan``): the started
  tasks level by level, a small level sorted by score and a larger one walked like the
  rest: the scored predictions in score order from ``labelcore_prediction_score_ix``,
  each probing its task, then the unscored tasks in import order. With own skips each
  part is sorted by the score, which no index holds: it reads every open task of the part.

A data-manager query with an ordering of its own (``query.ordering``): the same parts, each
in that ordering (``_tab_parts``): the part nobody has started walks the ordering's index
when there is one, the started tasks are sorted alone.
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
    SKIPS,
    TASKS,
)

T, A, P, C, S = TASKS, ANNOTATIONS, PREDICTIONS, CLAIMS, ASSIGNMENTS


def _bp(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, type_=type_)


IS_OPEN = T.c.is_labeled.is_(False)
#: IS_OPEN as the partial indexes of open tasks write it (not "= 0": see tables.OVERLAP)
NOT_LABELED = sa.text(f"NOT {T.name}.is_labeled")


def _as_indexed(where: list[Any]) -> list[Any]:
    """``where`` with ``IS_OPEN`` written as the partial indexes of open tasks write it, so
    that the part is read from one of them (labelcore_task_fresh_ix, _overlap_ix)."""
    return [NOT_LABELED if c is IS_OPEN else c for c in where]


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
    own_skips: bool = True,
) -> Any:
    """The statement that lists the user's next candidates, over the bound parameters
    ``pid``, ``uid``, ``now``, ``lim`` (and ``assignee``, and ``turn`` in [0, 1) for uniform
    sampling). ``own_skips`` False: the user's own skipped tasks (``only_skipped_by_user``)
    found among every open task, not from their skips (``_own_skips``'s plan past
    ``LEVEL_SORTED`` of them)."""
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
        IS_OPEN,
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
    tab: list[Any] = []  # a data-manager tab's own ordering: the order within each part
    if qs is not None and query is not None:
        conds += qs.where(query)
        for o, exprs in zip(query.ordering, qs.order_exprs(query.ordering)):
            tab += [_tab_order(e, o.descending) for e in exprs]
    lim = _bp("lim", sa.Integer)
    # each dimension: the parts it splits the open tasks into, as (condition, key value)
    dims: list[tuple[str, list[tuple[Any, int]]]] = []
    if spec.include_skipped_by_user:
        dims.append(("skipped", [(~skipped_by_me, 0), (skipped_by_me, 1)]))
    if spec.overlap_first:
        one: Any = sa.literal_column("1")
        dims.append(("overlap", [(T.c.overlap > one, 0), (T.c.overlap <= one, 1)]))
    if spec.breadth_first:
        none: Any = sa.literal_column("0")
        dims.append(("started", [(_started(), 0), (T.c.total_annotations == none, 1)]))
    if tab:
        return _tab_parts(conds, dims, tab, lim)
    if spec.only_skipped_by_user and own_skips:
        # requeue_for_me's last pass: from the user's own skips (a few: sorted alone)
        every = candidates_stmt(
            spec, ignore, query, dialect=dialect, fts=fts, is_pg=is_pg, own_skips=False
        )
        return _own_skips(conds, spec, every)
    sampled = {"random": _sampling_plan, "uncertainty": _uncertainty_plan}.get(spec.order)
    if sampled is not None and not spec.include_skipped_by_user:
        breadth = [d for d in dims if d[0] == "started"]  # the only one sampling keeps
        if spec.overlap_first:
            return _overlap_parts(conds, breadth, lim, sampled, spec.order == "random")
        return sampled(conds, breadth, lim)
    if spec.order == "random":  # own skips last: one sort
        return _sorted_stmt(spec, conds, skipped_by_me)
    score = None
    if spec.order == "uncertainty":
        score = sa.select(sa.func.min(P.c.score)).where(P.c.task_id == T.c.id).scalar_subquery()
    # parts that differ only in "started" are read in one statement (both are short walks
    # of their own index; a second round trip cost more than the few rows); the others
    # (own skips, overlap first) one after the other, as one of them may have no open task
    groups: dict[tuple[int, ...], list[Any]] = {}
    for combo in itertools.product(*(values for _, values in dims)):
        keys = {kind: key for (kind, _), (_, key) in zip(dims, combo)}
        if keys.get("overlap") == 1 and keys.get("started") == 0:
            # an open task with overlap 1 has no annotation: one would have labeled it
            # (``is_labeled`` is "distinct completers >= overlap", and a task counted in
            # ``total_annotations`` has a completer); the part would read the started
            # tasks' index to its end to find nothing
            continue
        inner: list[Any] = []
        if keys.get("started") == 0:
            inner.append(T.c.total_annotations.desc())  # the others have none
        if score is not None:
            inner.append(score.asc().nulls_last())
        # inner_id is unique in a project (labelcore_task_inner_uq): no tie to break by id
        inner.append(T.c.inner_id)
        cols = [
            T.c.id,
            sa.literal(keys.get("started", 0), sa.Integer).label("k"),
            T.c.total_annotations.label("started"),
            T.c.inner_id,
        ]
        if score is not None:
            cols.append(score.label("score"))
        where = [*conds, *(cond for cond, _ in combo)]
        if keys.get("started") == 0:
            # from the most annotations down, past the counts whose tasks all have the user
            # among their annotators (a user far ahead, and a follower: the walk read and
            # passed every one of them): the bound ``top`` (``BreadthFirst``)
            where.append(T.c.total_annotations <= _bp("top", sa.Integer))
        if keys.get("started") == 1 or (keys.get("overlap") == 0 and "started" not in keys):
            # from labelcore_task_fresh_ix (or labelcore_task_overlap_ix): the queue index
            # walked the started tasks to reach the ones nobody has started
            where = _as_indexed(where)
        group = tuple(key for kind, key in keys.items() if kind != "started")
        groups.setdefault(group, []).append(
            sa.select(*cols).where(*where).order_by(*inner).limit(lim)
        )
    stmts = [_merged(parts, score is not None) for parts in groups.values()]
    plan = stmts[0] if len(stmts) == 1 else PartsPlan(parts=tuple(stmts))
    if not spec.breadth_first:
        return plan
    # a count mixing the user's own tasks with others' is read per other annotator (in
    # import order, so sequential alone; and not with own skips last, whose second part
    # reads the same counts again)
    mixed = None if score is not None or spec.include_skipped_by_user else _mixed_level(conds)
    return BreadthFirst(level=_level_stmt(), plan=plan, mixed=mixed)


def _tab_order(expr: Any, descending: bool) -> Any:
    """One sort key of a tab's ordering, nulls last; a column that holds no NULL (the id,
    the counts) as a bare ``DESC``, which PostgreSQL reads backwards from an index (its
    ``DESC NULLS LAST`` is not an index's order: the whole part was sorted)."""
    if isinstance(expr, sa.Column) and not expr.nullable:
        return expr.desc() if descending else expr.asc()
    return (expr.desc() if descending else expr.asc()).nulls_last()


def _tab_parts(
    conds: list[Any], dims: list[tuple[str, list[tuple[Any, int]]]], tab: list[Any], lim: Any
) -> Any:
    """A data-manager tab's own ordering as the queue's (``query.ordering``): the open
    matching tasks split into parts on which the leading keys (own skips, overlap first,
    started or not) are constant, each sorted by the tab's ordering (the started ones by
    their count of annotations first), run in turn (``PartsPlan``). One sort of every open
    matching task by the keys and the ordering read the whole project for each next task
    (a 100,000-task project: 60,000 SQLite steps); now the part nobody has started is
    walked in the ordering's index when it has one (a data key's, made on demand by the
    data manager; the id), and the started tasks, a few, are sorted alone."""
    parts = []
    for combo in itertools.product(*(values for _, values in dims)):
        keys = {kind: key for (kind, _), (_, key) in zip(dims, combo)}
        if keys.get("overlap") == 1 and keys.get("started") == 0:
            continue  # an open task of overlap 1 has no annotation (see candidates_stmt)
        order = [T.c.total_annotations.desc()] if keys.get("started") == 0 else []
        where = [*conds, *(cond for cond, _ in combo)]
        parts.append(sa.select(T.c.id).where(*where).order_by(*order, *tab, T.c.id).limit(lim))
    return parts[0] if len(parts) == 1 else PartsPlan(parts=tuple(parts))


def _merged(parts: list[Any], scored: bool) -> Any:
    """One statement for parts that differ only in "started": their first rows, sorted."""
    if len(parts) == 1:
        return parts[0].with_only_columns(T.c.id)
    every = sa.union_all(*(sa.select(p.subquery()) for p in parts)).subquery("lc_parts")
    outer = [every.c.k, every.c.started.desc()]  # within the started part, most first
    if scored:
        outer.append(every.c.score.asc().nulls_last())
    outer.append(every.c.inner_id)
    return sa.select(every.c.id).order_by(*outer).limit(_bp("lim", sa.Integer))


@attrs.frozen
class PartsPlan:
    """The open tasks split into parts on which the order's leading keys (own skips,
    overlap first) are constant, in the order of those keys: ``next_task_candidates`` runs
    them in turn, each with the bound ``lim`` of candidates still wanted, and stops when it
    has enough. Each part is read in the rest of the order, so their rows one after the
    other are the whole order; a later part is not read at all once the earlier ones filled
    the limit (a part with no open task, run in one UNION with the others, read its index
    to the end: 25-110 ms at 100,000 tasks)."""

    parts: tuple[Any, ...]


@attrs.frozen
class BreadthFirst:
    """Breadth first in order (sequential or uncertainty): ``plan`` walks the started open
    tasks from the count of annotations bound as ``top`` down. ``next_task_candidates``
    finds ``top`` first with ``level``: the highest count below the bound ``below``, as
    ``(annotations, least, greatest)``, its tasks' least and greatest ``sole_annotator``
    (two probes of ``labelcore_task_sole_ix``), asked again below each count whose tasks
    all have the user among their annotators (``tables.among_annotators``). In the plan's
    own statement, the top count alone was passed over (a recursive walk over the counts
    cost 0.5 ms more of PostgreSQL planning on every next task), and only when its tasks
    were the user's alone; with overlap 3 a user and a follower walked the tasks both had
    done, and the user then their own below them (40,000-50,000 rows at 100,000 tasks)."""

    level: Any
    plan: Any
    mixed: MixedLevel | None = None


@attrs.frozen
class MixedLevel:
    """Breadth first in import order, a count of annotations that mixes the user's own
    tasks with others' (``level``'s ``mine``: at least ``MIXED_WALK`` of the user's alone,
    or its least or greatest ``sole_annotator`` a pair with the user): the walk in import
    order read and passed each of the user's tasks before the others' (a user ahead on
    50,000 tasks of overlap 2: 50,000 rows a next task). Instead:

    - ``values``: the count's (bound ``t``) distinct ``sole_annotator`` values, at most
      ``MIXED_VALUES`` + 1 of them (bound ``cap``), one probe of ``labelcore_task_sole_ix``
      each (a recursive skip over the index);
    - ``stream``: the open tasks of count ``t`` whose ``sole_annotator`` is the bound ``v``
      (as stored), in import order, at most ``lim``: a range of the same index.

    - ``reach``: the (``skip`` + 1)-th started open task from the count ``t`` down, in the
      queue's order, as ``(annotations, inner_id)``: when the count has ``MIXED_WALK`` of
      the user's tasks (the last at ``level``'s ``mine``), the walk is short if it holds
      ``lim`` more tasks before that one (a user among others, whose tasks come late).

    ``next_task_candidates`` reads the stream of each value that does not name the user
    and merges them by ``inner_id``: the first ``lim`` of the count are among the first
    ``lim`` of each. More values than ``MIXED_VALUES``: the count is walked as before."""

    values: Any
    stream: Any
    reach: Any


#: a count of annotations holding at least this many started open tasks that are the
#: user's alone, the last of them before the count's first ``MIXED_WALK`` + ``lim`` tasks
#: in import order, is read per other annotator (``MixedLevel``) rather than walked
MIXED_WALK = 100
#: at most this many distinct ``sole_annotator`` values at such a count are read one by
#: one; more, and the count is walked
MIXED_VALUES = 32


#: A count of annotations with at most this many started open tasks is sorted whole (by
#: random() or score); a larger one is sampled or walked (``Levels``)
LEVEL_SORTED = 500


@attrs.frozen
class Levels:
    """Breadth first under uniform or uncertainty sampling: the started open tasks, one
    count of annotations ("level") at a time, most first. A level with few tasks is sorted
    (``sort``); a larger one is drawn from or walked in score order (the sampling plan's
    statements), so no statement sorts a level of thousands of half-done tasks (0.1-0.5 s
    with 50,000 of them at 100,000 tasks).

    - ``level``: the highest count below the bound ``below`` among the project's started
      open tasks, as ``(annotations, lo, hi, big, least, greatest)``: ``lo`` and ``hi`` its
      least and greatest inner id, ``big`` true when it has more than ``LEVEL_SORTED`` tasks
      (bound as ``sorted_max``), ``least`` and ``greatest`` its tasks' ``sole_annotator``
      (all with the user among their annotators: none is theirs to label, passed over): a
      few probes of ``labelcore_task_started_ix`` and ``labelcore_task_sole_ix``, no row
      when no level is left;
    - ``sort``: the open tasks of level ``t`` (bound) sorted by the sampling's order, at most
      ``lim`` of them.
    """

    level: Any
    sort: Any


@attrs.frozen
class SamplingPlan:
    """Uniform sampling's statements (``next_task_candidates`` runs them in turn):

    - ``levels``: breadth first, the started open tasks by level (``Levels``), or None;
      ``draw_level`` reads the open tasks of level ``t`` among the drawn inner ids
      ``probes`` (drawn between the level's ``lo`` and ``hi``);
    - ``probe``: the open tasks (not started, with breadth first) among the inner ids in
      the bound list ``probes``, drawn at random from the project's range of inner ids.
      Rejection sampling: each open task is as likely to be drawn as any other, so the
      first candidate is uniform among them, and the statement reads a few hundred rows by
      the ``(project_id, inner_id)`` index instead of sorting every open task;
    - ``everything``: the same tasks sorted by ``random()`` (a project small enough to
      sort, or one where draws find nothing: few open tasks left).
    """

    levels: Levels | None
    draw_level: Any
    probe: Any
    everything: Any


@attrs.frozen
class UncertaintyPlan:
    """Uncertainty sampling's statements (``next_task_candidates`` runs them in turn):
    lowest score first, a task ranked by its least sure prediction.

    - ``levels``: breadth first, the started open tasks by level (``Levels``: a small level
      sorted by score, then inner id), or None; a large level ``t`` is walked as the rest
      below: ``scored_level`` and ``unscored_level``;
    - ``scored``: the scored predictions of the open tasks (not started, with breadth first)
      in (score, inner_id) order, walked from ``labelcore_prediction_score_ix`` and stopped
      at the bound ``plim``: a task's first row is its lowest score, so the first ``lim``
      distinct tasks are the first ``lim`` in order (asked again with a larger ``plim``
      when repeated tasks leave fewer);
    - ``unscored``: then the open tasks without a scored prediction, in import order.
    """

    levels: Levels | None
    scored_level: Any
    unscored_level: Any
    scored: Any
    unscored: Any


def _levels(
    conds: list[Any], dims: list[tuple[str, Any]], lim: Any, *then: Any
) -> tuple[Levels | None, list[Any], list[Any]]:
    """Breadth first (the only dimension a sampling plan keeps): the started open tasks by
    level, sorted by ``then`` within a level; with the conditions of one level (at the
    bound ``t``) and of the tasks not started. (None, [], ``conds``) without it."""
    if not dims:
        return None, [], list(conds)
    (_, ((started_cond, _), (fresh_cond, _))) = dims[0]
    index = [T.c.project_id == _bp("pid"), started_cond]  # labelcore_task_started_ix's rows
    top = (
        sa.select(T.c.total_annotations.label("annotations"))
        .where(*index, T.c.total_annotations < _bp("below", sa.Integer))
        .order_by(T.c.total_annotations.desc())
        .limit(1)
        .subquery("lc_level")
    )
    # Each read below is in labelcore_task_started_ix's own order (count descending, then
    # inner id) over a range of counts, where the level's rows come first: an equality on
    # the count let SQLite take the queue index (equalities on project and is_labeled,
    # inner id order) and walk every open task of the project to find the level's.
    n, at = T.c.total_annotations, top.c.annotations
    below_or_at = sa.select(T.c.inner_id).where(*index, n <= at).order_by(n.desc(), T.c.inner_id)
    at_or_above = sa.select(T.c.inner_id).where(*index, n >= at).order_by(n, T.c.inner_id.desc())
    big = (
        sa.select(n)
        .where(*index, n <= at)
        .order_by(n.desc(), T.c.inner_id)
        .limit(1)
        .offset(_bp("sorted_max", sa.Integer))
        .scalar_subquery()
    )
    level = sa.select(
        at,
        below_or_at.limit(1).scalar_subquery().label("lo"),
        at_or_above.limit(1).scalar_subquery().label("hi"),
        (big == at).label("big"),
        *_annotators_at(at),
    )
    t = _bp("t", sa.Integer)
    in_level = [*conds, started_cond, n <= t, n >= t]
    sort = sa.select(T.c.id).where(*in_level).order_by(n.desc(), *then).limit(lim)
    return Levels(level=level, sort=sort), in_level, [*_as_indexed(conds), fresh_cond]


#: labelcore_task in the reads of labelcore_task_sole_ix, under a short name (the parts'
#: statement held them: under psycopg's 4,096 bytes, past which it parses every
#: execution's query text again, 0.19 ms of CPU a next task)
SOLE = T.alias("lt")


def _sole_started() -> list[Any]:
    """The project's started open tasks as ``labelcore_task_sole_ix`` writes them (tables.SOLE:
    SQLite passes over an equality on the count for ``total_annotations > 0``)."""
    not_labeled = sa.text(f"NOT {SOLE.name}.is_labeled")  # as NOT_LABELED
    return [SOLE.c.project_id == _bp("pid"), not_labeled, SOLE.c.sole_annotator.is_not(None)]


def _annotators_at(n: Any) -> tuple[Any, Any]:
    """The least and greatest ``sole_annotator`` of the started open tasks with ``n``
    annotations (a started task's is never NULL: "" stands for more users than a pair),
    as columns ``least`` and ``greatest``: two probes of ``labelcore_task_sole_ix``, not a
    walk of the count's tasks (an EXISTS per kind of other annotator was planned as a scan
    on PostgreSQL, which took matches for likely and read every task when there were none).
    Written as ordered LIMIT 1 reads rather than min() and max(): PostgreSQL planned those
    twice over (0.25 ms more per next task)."""
    sole = SOLE.c.sole_annotator
    first = sa.select(sole).where(*_sole_started(), SOLE.c.total_annotations == n).limit(1)
    least = first.order_by(sole).scalar_subquery().label("least")
    return least, first.order_by(sole.desc()).scalar_subquery().label("greatest")


def _level_stmt() -> Any:
    """``BreadthFirst.level``: the first entry of ``labelcore_task_sole_ix`` below the
    bound ``below`` gives the count with its least ``sole_annotator``, one more probe its
    greatest."""
    n, sole = SOLE.c.total_annotations, SOLE.c.sole_annotator
    first = (
        sa.select(n.label("annotations"), sole.label("least"))
        .where(*_sole_started(), n < _bp("below", sa.Integer))
        .order_by(n.desc(), sole)
        .limit(1)
        .subquery("lc_top")
    )
    most = sa.select(sole).where(*_sole_started(), n == first.c.annotations)
    greatest = most.order_by(sole.desc()).limit(1).scalar_subquery()
    # the user's own tasks at the count: the inner id of the (``mixed_at`` + 1)-th, NULL
    # when there are fewer (a probe that reads at most that many index entries); only
    # for a count of several values (one value: passed over, or none of theirs)
    own = (
        sa.select(SOLE.c.inner_id)
        .where(*_sole_started(), n == first.c.annotations, sole == _bp("uid"))
        .order_by(SOLE.c.inner_id)
        .limit(1)
        .offset(_bp("mixed_at", sa.Integer))
        .scalar_subquery()
    )
    several = sa.case((first.c.least != greatest, own), else_=sa.null()).label("mine")
    return sa.select(first.c.annotations, first.c.least, greatest.label("greatest"), several)


def _mixed_level(conds: list[Any]) -> MixedLevel:
    """``MixedLevel``'s statements over the queue's conditions ``conds``."""
    n, sole, t = SOLE.c.total_annotations, SOLE.c.sole_annotator, _bp("t", sa.Integer)

    def after(prev: Any) -> Any:
        probe = sa.select(sole).where(*_sole_started(), n == t)
        if prev is not None:
            probe = probe.where(sole > prev)
        return probe.order_by(sole).limit(1).scalar_subquery()

    one: Any = sa.literal_column("1")
    start = sa.select(after(None).label("v"), one.label("k")).cte("lc_vals", recursive=True)
    walk = start.union_all(
        sa.select(after(start.c.v), start.c.k + one).where(
            start.c.v.is_not(None), start.c.k < _bp("cap", sa.Integer)
        )
    )
    values = sa.select(walk.c.v).where(walk.c.v.is_not(None))
    stream = (
        sa.select(T.c.id, T.c.inner_id)
        .where(
            *_as_indexed(conds),
            T.c.sole_annotator.is_not(None),
            T.c.total_annotations == t,
            T.c.sole_annotator == sa.bindparam("v", type_=sa.String),
        )
        .order_by(T.c.inner_id)
        .limit(_bp("lim", sa.Integer))
    )
    at = T.c.total_annotations
    index = [T.c.project_id == _bp("pid"), _started(), at <= t]  # labelcore_task_started_ix
    reach = (
        sa.select(at.label("annotations"), T.c.inner_id)
        .where(*index)
        .order_by(at.desc(), T.c.inner_id)
        .limit(1)
        .offset(_bp("skip", sa.Integer))
    )
    return MixedLevel(values=values, stream=stream, reach=reach)


def _started() -> Any:
    """labelcore_task_started_ix's own condition, its constants written into the statement
    (not bound), so that the planner sees the part's condition imply the index's whatever
    its plan cache does."""
    none: Any = sa.literal_column("0")
    return sa.and_(T.c.is_labeled == sa.false(), T.c.total_annotations > none)


def _at_level(in_level: list[Any]) -> list[Any]:
    """A level's conditions with its count as an equality: for lookups by inner id, which
    then probe (project_id, count, inner_id) instead of walking the level's range."""
    n, t = T.c.total_annotations, _bp("t", sa.Integer)
    return [*in_level[:-2], n == t]


def _scored(where: list[Any]) -> Any:
    """The scored predictions of the tasks that pass ``where``, in (score, inner_id) order,
    stopped at the bound ``plim``. Each prediction probes its own task (an ``EXISTS`` kept
    apart by ``OFFSET 0``): joined, PostgreSQL took a level's tasks for a few hundred rows
    (a bound count of annotations) and read all 50,000 of them with their checks, 0.6 s."""
    task = sa.select(T.c.inner_id).where(T.c.id == P.c.task_id)
    passes = sa.exists(
        sa.select(sa.literal(1)).where(T.c.id == P.c.task_id, *where).offset(sa.literal_column("0"))
    )
    return (
        sa.select(P.c.task_id.label("id"))
        .where(P.c.project_id == _bp("pid"), P.c.score.is_not(None), passes)
        .order_by(P.c.score, task.scalar_subquery())
        .limit(_bp("plim", sa.Integer))
    )


def _uncertainty_plan(conds: list[Any], dims: list[tuple[str, Any]], lim: Any) -> UncertaintyPlan:
    scored_by = sa.exists().where(P.c.task_id == T.c.id, P.c.score.is_not(None))
    least = sa.select(sa.func.min(P.c.score)).where(P.c.task_id == T.c.id).scalar_subquery()
    levels, in_level, rest = _levels(conds, dims, lim, least.asc().nulls_last(), T.c.inner_id)

    def unscored(where: list[Any], *order: Any) -> Any:
        return sa.select(T.c.id).where(*where, ~scored_by).order_by(*order).limit(lim)

    return UncertaintyPlan(
        levels=levels,
        scored_level=_scored(in_level) if levels else None,
        unscored_level=unscored(in_level, T.c.total_annotations.desc(), T.c.inner_id)
        if levels
        else None,
        scored=_scored(rest),
        unscored=unscored(rest, T.c.inner_id),
    )


def _sampling_plan(conds: list[Any], dims: list[tuple[str, Any]], lim: Any) -> SamplingPlan:
    levels, in_level, rest = _levels(conds, dims, lim, sa.func.random())

    def probe(where: list[Any]) -> Any:
        drawn = T.c.inner_id.in_(sa.bindparam("probes", expanding=True))
        return sa.select(T.c.id, T.c.inner_id).where(*where, drawn)

    everything = sa.select(T.c.id).where(*rest).order_by(sa.func.random()).limit(lim)
    return SamplingPlan(
        levels=levels,
        draw_level=probe(_at_level(in_level)) if levels else None,
        probe=probe(rest),
        everything=everything,
    )


@attrs.frozen
class SampledPart:
    """One part of the open tasks under uniform or uncertainty sampling with
    ``show_overlap_first`` (``SampledParts``):

    - ``plan``: the part's ``SamplingPlan`` or ``UncertaintyPlan``;
    - ``size``: None, or how many open tasks the part has, counted up to the bound
      ``sorted_cap`` (``LEVEL_SORTED`` + 1) in its own index: none, the part is passed;
      at most ``LEVEL_SORTED``, ``sort`` reads it whole (a few tasks of overlap > 1 among
      many are rarely drawn, and their predictions are far apart in score order);
    - ``sort``: the part's open tasks in the sampling's order, at most ``lim``.
    """

    plan: Any
    size: Any
    sort: Any


@attrs.frozen
class SampledParts:
    """Uniform or uncertainty sampling with ``show_overlap_first``: the open tasks with
    overlap > 1, then the others, each sampled as a project of its own (a sort of every open
    task by the keys before: 0.3-1 s at 100,000 tasks). A later part is read only when the
    earlier ones were read to their end (drawn candidates are a sample: fewer than asked
    does not mean the part has no more). Also requeue_for_me's last pass, in any order: one
    part, the user's own skipped tasks (``_own_skips``)."""

    parts: tuple[SampledPart, ...]


def _overlap_parts(
    conds: list[Any], started: list[tuple[str, Any]], lim: Any, sampled: Any, uniform: bool
) -> SampledParts:
    """``SampledParts`` for show_overlap_first: overlap > 1 (breadth first, if asked, within
    it: the started open tasks all have overlap > 1), then overlap 1 (none started)."""
    one: Any = sa.literal_column("1")
    many = [*conds, T.c.overlap > one]
    counted = (
        sa.select(sa.literal(1))
        .where(T.c.project_id == _bp("pid"), NOT_LABELED, T.c.overlap > one)  # OVERLAP's rows
        .limit(_bp("sorted_cap", sa.Integer))
        .subquery("lc_part")
    )
    size = sa.select(sa.func.count()).select_from(counted)
    order: list[Any] = [T.c.total_annotations.desc()] if started else []
    if uniform:
        order.append(sa.func.random())
    else:
        least = sa.select(sa.func.min(P.c.score)).where(P.c.task_id == T.c.id).scalar_subquery()
        order += [least.asc().nulls_last(), T.c.inner_id]
    sort = sa.select(T.c.id).where(*_as_indexed(many)).order_by(*order).limit(lim)
    return SampledParts(
        parts=(
            SampledPart(plan=sampled(many, started, lim), size=size, sort=sort),
            SampledPart(plan=sampled([*conds, T.c.overlap <= one], [], lim), size=None, sort=None),
        )
    )


def _own_skips(conds: list[Any], spec: CandidateSpec, every: Any) -> SampledParts:
    """requeue_for_me's last pass (``only_skipped_by_user``) as one ``SampledPart``: the
    user's skips on open tasks counted from ``labelcore_annotation_skip_ix`` up to the bound
    ``sorted_cap`` (none: nothing to read), their tasks sorted by the queue's keys when they
    are at most ``LEVEL_SORTED``, else ``every``, the plan that finds them among every open
    task. That plan read and passed every open task to find a user's few skipped ones: the
    walk in order, the draws that found none and then a sort of all open tasks, or the walk
    over every scored prediction (0.15-0.8 s at 100,000 tasks)."""
    skip = sa.text(f"{A.name}.{SKIPS}")  # labelcore_annotation_skip_ix's condition, as written
    theirs = [A.c.project_id == _bp("pid"), A.c.completed_by == _bp("uid"), skip]
    counted = (
        sa.select(sa.literal(1))
        .select_from(A.join(T, T.c.id == A.c.task_id))
        .where(*theirs, IS_OPEN)
        .limit(_bp("sorted_cap", sa.Integer))
        .subquery("lc_skips")
    )
    size = sa.select(sa.func.count()).select_from(counted)
    skipped = T.c.id.in_(sa.select(A.c.task_id).where(*theirs))
    order: list[Any] = []
    if spec.overlap_first:
        order.append(sa.case((T.c.overlap > 1, 0), else_=1))
    if spec.breadth_first:
        order.append(T.c.total_annotations.desc())
    if spec.order == "random":
        order.append(sa.func.random())
    elif spec.order == "uncertainty":
        least = sa.select(sa.func.min(P.c.score)).where(P.c.task_id == T.c.id).scalar_subquery()
        order.append(least.asc().nulls_last())
    order.append(T.c.inner_id)
    sort = sa.select(T.c.id).where(*conds, skipped).order_by(*order).limit(_bp("lim", sa.Integer))
    return SampledParts(parts=(SampledPart(plan=every, size=size, sort=sort),))


def _sorted_stmt(spec: CandidateSpec, conds: list[Any], skipped_by_me: Any) -> Any:
    """The open matching tasks, sorted whole: uniform sampling with own skips last
    (``include_skipped_by_user``)."""
    order: list[Any] = []
    if spec.include_skipped_by_user:
        order.append(sa.case((skipped_by_me, 1), else_=0))
    if spec.overlap_first:
        order.append(sa.case((T.c.overlap > 1, 0), else_=1))
    if spec.breadth_first:
        order.append(T.c.total_annotations.desc())
    order += [sa.func.random(), T.c.id]
    return sa.select(T.c.id).where(*conds).order_by(*order).limit(_bp("lim", sa.Integer))


def _assigned_to_them() -> Any:
    return sa.exists().where(S.c.task_id == T.c.id, S.c.user_id == _bp("assignee"))


def _assigned_to_anyone() -> Any:
    return sa.exists().where(S.c.task_id == T.c.id)
