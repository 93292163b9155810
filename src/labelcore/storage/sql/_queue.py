"""SQLStore's next-task queue, claims, assignments, views, webhooks and jobs (private)."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections.abc import Collection, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from labelcore.errors import NotFound, ValidationError
from labelcore.model import Claim, Job, JobStatus, UserId, View, Webhook, utcnow
from labelcore.query import validate_query
from labelcore.storage.base import CandidateSpec
from labelcore.storage.sql import _candidates
from labelcore.storage.sql._base import chunks, ignores_skipped
from labelcore.storage.sql._candidates import (
    BreadthFirst,
    Levels,
    MixedLevel,
    PartsPlan,
    SampledParts,
    SamplingPlan,
    UncertaintyPlan,
    candidates_stmt,
    slot_exprs,
)
from labelcore.storage.sql._rows import SQLRows
from labelcore.storage.sql.tables import (
    ANNOTATIONS,
    ASSIGNMENTS,
    CLAIMS,
    JOBS,
    PAIR_SEP,
    PREDICTIONS,
    PROJECTS,
    TASKS,
    VIEWS,
    WEBHOOKS,
    among_annotators,
)

T, A, P, C, S = TASKS, ANNOTATIONS, PREDICTIONS, CLAIMS, ASSIGNMENTS
SAMPLE_DRAWS = 10  # uniform sampling: inner ids drawn per candidate asked for, per round


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        payload=row.payload,
        project_id=row.project_id,
        status=JobStatus(row.status),
        progress=row.progress,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        run_at=row.run_at,
        lease_until=row.lease_until,
        worker=row.worker,
        error=row.error,
        result=row.result,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _webhook(row: Any) -> Webhook:
    return Webhook(
        id=row.id,
        project_id=row.project_id,
        url=row.url,
        secret=row.secret,
        send_payload=bool(row.send_payload),
        send_for_all_actions=bool(row.send_for_all_actions),
        actions=frozenset(row.actions),
        headers=dict(row.headers),
        is_active=bool(row.is_active),
        created_at=row.created_at,
    )


def _view(row: Any) -> View:
    return View(
        id=row.id, project_id=row.project_id, user_id=row.user_id, data=row.data, order=row.order
    )


def _bp(name: str) -> Any:
    return sa.bindparam(name)


def _draw(
    conn: sa.Connection, probe: Any, params: dict[str, Any], lo: int, hi: int, limit: int
) -> list[int]:
    """Rejection sampling: the open tasks found at inner ids drawn at random between ``lo``
    and ``hi``, in the order drawn (each open task there as likely to come first as any
    other); [] when the range is too small to draw from or two rounds found nothing."""
    draws = SAMPLE_DRAWS * limit
    if hi - lo + 1 <= 2 * draws:
        return []
    for _ in range(2):
        probes = random.sample(range(lo, hi + 1), draws)  # noqa: S311 - not a secret
        found = {r.inner_id: r.id for r in conn.execute(probe, {**params, "probes": probes})}
        if found:
            return [found[i] for i in probes if i in found]
    return []


class SQLQueue(SQLRows):
    # -- next task and claims ---------------------------------------------------------------
    # The statements of the labeling path are built once per store (``_stmt``) with bound
    # parameters: building SQLAlchemy expressions per call cost more CPU than SQLite's work.
    def _candidates_stmt(self, spec: CandidateSpec, ignore: bool, query: Any) -> Any:
        return candidates_stmt(
            spec, ignore, query, dialect=self.dialect, fts=self.fts, is_pg=self.is_pg
        )

    def next_task_candidates(
        self, project_id: int, user_id: UserId, spec: CandidateSpec, now: dt.datetime, limit: int
    ) -> list[int]:
        if limit <= 0:
            return []
        query = validate_query(spec.query) if spec.query is not None else None
        with self._tx(write=False, snapshot=False) as conn:
            ignore = spec.ignore_skipped
            if ignore is None:  # the caller did not say: the project's settings tell
                settings = conn.execute(
                    self._stmt(
                        "project.settings",
                        lambda: sa.select(PROJECTS.c.settings).where(PROJECTS.c.id == _bp("pid")),
                    ),
                    {"pid": project_id},
                ).scalar()
                if settings is None:
                    return []
                ignore = ignores_skipped(settings)
            if query is None:
                shape = (
                    spec.order,
                    spec.breadth_first,
                    spec.overlap_first,
                    spec.only_skipped_by_user,
                    spec.include_skipped_by_user,
                    spec.assigned_to is not None,
                    spec.unassigned_or_assigned_to is not None,
                )
                stmt = self._stmt(
                    ("candidates", ignore, shape),
                    lambda: self._candidates_stmt(spec, ignore, None),
                )
            else:
                stmt = self._candidates_stmt(spec, ignore, query)
            assignee = (
                spec.assigned_to if spec.assigned_to is not None else spec.unassigned_or_assigned_to
            )
            params: dict[str, Any] = {"pid": project_id, "uid": user_id, "now": now, "lim": limit}
            if assignee is not None:
                params["assignee"] = assignee
            return self._run(conn, stmt, project_id, params, limit)[0]

    def _run(
        self, conn: sa.Connection, plan: Any, project_id: int, params: dict[str, Any], limit: int
    ) -> tuple[list[int], bool]:
        """The candidates of a plan (``candidates_stmt``'s answer), with whether its tasks
        were read to their end (False when they were drawn at random: a sample)."""
        if isinstance(plan, BreadthFirst):
            return self._breadth_first(conn, plan, project_id, params, limit)
        if isinstance(plan, SampledParts):
            return self._sampled_parts(conn, plan, project_id, params, limit), True
        if isinstance(plan, SamplingPlan):
            return self._sampled(conn, plan, project_id, params, limit)
        if isinstance(plan, UncertaintyPlan):
            return self._least_sure(conn, plan, params, limit), True
        if isinstance(plan, PartsPlan):
            return self._parts(conn, plan, params, limit), True
        return [r.id for r in conn.execute(plan, params)], True

    def _parts(
        self, conn: sa.Connection, plan: PartsPlan, params: dict[str, Any], limit: int
    ) -> list[int]:
        """The parts in turn (``PartsPlan``), each asked for what is still wanted."""
        out: list[int] = []
        for part in plan.parts:
            out += [r.id for r in conn.execute(part, {**params, "lim": limit - len(out)})]
            if len(out) >= limit:
                break
        return out

    def _breadth_first(
        self,
        conn: sa.Connection,
        plan: BreadthFirst,
        project_id: int,
        params: dict[str, Any],
        limit: int,
    ) -> tuple[list[int], bool]:
        """``BreadthFirst``: from the most annotations down, past the counts whose tasks all
        have the user among their annotators; a count mixing many of the user's own tasks
        with others' read per other annotator (``MixedLevel``), and the plan from the
        next count down."""
        out: list[int] = []
        below = 2**31 - 1
        while True:
            top, mixed = self._top(conn, plan, params, below, limit - len(out))
            if not (mixed and plan.mixed is not None):
                break
            ids = self._mixed(conn, plan.mixed, {**params, "t": top}, limit - len(out))
            if ids is None:  # too many annotators at the count: walked
                break
            out += ids
            if len(out) >= limit:
                return out, True
            below = top
        at = {**params, "top": top, "lim": limit - len(out)}
        ids, done = self._run(conn, plan.plan, project_id, at, limit - len(out))
        return out + ids, done

    @staticmethod
    def _top(
        conn: sa.Connection, plan: BreadthFirst, params: dict[str, Any], below: int, limit: int
    ) -> tuple[int, bool]:
        """The most annotations below ``below`` of a started open task the user may label,
        as far as the counts' least and greatest ``sole_annotator`` tell (``BreadthFirst``);
        0 when every count has the user among all its tasks' annotators, or none is left.
        With whether that count mixes the user's own tasks with others' so that the walk
        would pass many of the user's (``MixedLevel``)."""
        walk = _candidates.MIXED_WALK
        at = {**params, "below": below, "mixed_at": walk - 1}
        uid = params["uid"]
        while (row := conn.execute(plan.level, at).first()) is not None:
            if not among_annotators(row.least, row.greatest, uid):
                n = int(row.annotations)
                if row.mine is not None and plan.mixed is not None:
                    # the user has ``walk`` tasks at the count: the walk would pass them all
                    # unless ``limit`` others come before the last (or the count is small)
                    skip = {**params, "t": n, "skip": walk + limit - 1}
                    reach = conn.execute(plan.mixed.reach, skip).first()
                    long = reach is not None and reach.annotations == n
                    return n, long and reach is not None and reach.inner_id > row.mine
                pair = any(
                    v is not None and PAIR_SEP in v and among_annotators(v, v, uid)
                    for v in (row.least, row.greatest)
                )
                return n, pair
            if row.annotations <= 1:  # the last count there can be (overlap 2: the only)
                return 0, False
            at["below"] = row.annotations
        return 0, False

    @staticmethod
    def _mixed(
        conn: sa.Connection, plan: MixedLevel, params: dict[str, Any], limit: int
    ) -> list[int] | None:
        """The first ``limit`` open tasks of one count (bound ``t``) the user may label, in
        import order, from the tasks of each ``sole_annotator`` there that does not name
        the user (``MixedLevel``); None when the count has more than ``MIXED_VALUES``."""
        cap = _candidates.MIXED_VALUES
        values = [r.v for r in conn.execute(plan.values, {**params, "cap": cap + 1})]
        if len(values) > cap:
            return None
        uid = params["uid"]
        at = {**params, "lim": limit}
        streams = [
            [(r.inner_id, r.id) for r in conn.execute(plan.stream, {**at, "v": v})]
            for v in values
            if not among_annotators(v, v, uid)  # "" (several): its tasks are checked
        ]
        return [task_id for _, task_id in itertools.islice(heapq.merge(*streams), limit)]

    @staticmethod
    def _levels(
        conn: sa.Connection, levels: Levels, params: dict[str, Any]
    ) -> Iterator[sa.Row[Any]]:
        """The levels of started open tasks (``Levels.level`` rows), most annotations first,
        but for those whose tasks all have the user among their annotators (none is theirs
        to label)."""
        at = {**params, "below": 2**31 - 1, "sorted_max": _candidates.LEVEL_SORTED}
        while (level := conn.execute(levels.level, at).first()) is not None:
            if not among_annotators(level.least, level.greatest, params["uid"]):
                yield level
            if level.annotations <= 1:  # the last level there can be (overlap 2: the only)
                return
            at["below"] = level.annotations

    def _least_sure(
        self, conn: sa.Connection, plan: UncertaintyPlan, params: dict[str, Any], limit: int
    ) -> list[int]:
        """Uncertainty sampling (``UncertaintyPlan``): the started tasks first, level by level
        (breadth first), then the scored open tasks by their lowest score, then the unscored
        ones."""
        out: list[int] = []
        if plan.levels is not None:
            for level in self._levels(conn, plan.levels, params):
                at = {**params, "t": level.annotations, "lim": limit - len(out)}
                if not level.big:  # a few: sorted
                    out += [r.id for r in conn.execute(plan.levels.sort, at)]
                else:
                    out = self._by_score(
                        conn, plan.scored_level, plan.unscored_level, at, out, limit
                    )
                if len(out) >= limit:
                    return out[:limit]
        return self._by_score(conn, plan.scored, plan.unscored, params, out, limit)

    @staticmethod
    def _by_score(
        conn: sa.Connection,
        scored: Any,
        unscored: Any,
        params: dict[str, Any],
        out: list[int],
        limit: int,
    ) -> list[int]:
        """``out`` and then the scored tasks of ``scored`` by lowest score, then those of
        ``unscored``, up to ``limit``."""
        out = list(out)
        rows = 4 * limit
        while len(out) < limit:
            ids = [r.id for r in conn.execute(scored, {**params, "plim": rows})]
            fresh = [i for i in dict.fromkeys(ids) if i not in out]
            if len(fresh) >= limit - len(out) or len(ids) < rows:  # enough, or all read
                out += fresh[: limit - len(out)]
                break
            rows *= 4  # tasks with several predictions repeat: read further
        if len(out) < limit:
            seen = set(out)
            out += [r.id for r in conn.execute(unscored, params) if r.id not in seen]
        return out[:limit]

    def _sampled_parts(
        self,
        conn: sa.Connection,
        plan: SampledParts,
        project_id: int,
        params: dict[str, Any],
        limit: int,
    ) -> list[int]:
        """``SampledParts`` in turn, each asked for what is still wanted; the next one only
        when the earlier ones were read to their end."""
        out: list[int] = []
        for part in plan.parts:
            at = {**params, "lim": limit - len(out)}
            done = True
            if part.size is not None:
                cap = _candidates.LEVEL_SORTED
                n = conn.execute(part.size, {**at, "sorted_cap": cap + 1}).scalar_one()
                ids = [r.id for r in conn.execute(part.sort, at)] if 0 < n <= cap else None
            else:
                ids = None
            if ids is None and (part.size is None or n):
                ids, done = self._run(conn, part.plan, project_id, at, limit - len(out))
            out += ids or []
            if len(out) >= limit or not done:
                break
        return out[:limit]

    def _sampled(
        self,
        conn: sa.Connection,
        plan: SamplingPlan,
        project_id: int,
        params: dict[str, Any],
        limit: int,
    ) -> tuple[list[int], bool]:
        """Uniform sampling (``SamplingPlan``): the started tasks first, level by level
        (breadth first), then open tasks found at inner ids drawn at random, in the order
        drawn. A level or a project whose range is small, or where two rounds of draws
        found nothing, is sorted whole. With whether the tasks were read to their end
        (False when the candidates were drawn: a sample)."""
        out: list[int] = []
        if plan.levels is not None:
            for level in self._levels(conn, plan.levels, params):
                at = {**params, "t": level.annotations, "lim": limit - len(out)}
                if level.big:  # many: drawn between its first and last
                    drawn = _draw(conn, plan.draw_level, at, level.lo, level.hi, limit)
                    if drawn:
                        return (out + drawn)[:limit], False
                out += [r.id for r in conn.execute(plan.levels.sort, at)]
                if len(out) >= limit:
                    return out[:limit], True
        seq = conn.execute(
            self._stmt(
                "project.task_seq",
                lambda: sa.select(PROJECTS.c.task_seq).where(PROJECTS.c.id == _bp("pid")),
            ),
            {"pid": project_id},
        ).scalar()
        if seq:
            drawn = _draw(conn, plan.probe, params, 1, seq, limit)
            if drawn:  # fewer than asked is fine: next task asks again if none is free
                return (out + drawn)[:limit], False
        seen = set(out)
        out += [r.id for r in conn.execute(plan.everything, params) if r.id not in seen]
        return out[:limit], True

    def _claim_task_stmt(self, skip_locked: bool = False) -> Any:
        stmt = (
            sa.select(T.c.project_id, T.c.overlap, PROJECTS.c.settings)
            .join_from(T, PROJECTS, T.c.project_id == PROJECTS.c.id)
            .where(T.c.id == _bp("tid"))
        )
        if self.is_pg:  # claims of one task serialize on its row
            stmt = stmt.with_for_update(of=T, skip_locked=skip_locked)
        return stmt

    @staticmethod
    def _claim_check_stmt(ignore: bool) -> Any:
        done = sa.true() if ignore else A.c.was_cancelled.is_(False)
        mine = sa.exists().where(A.c.task_id == T.c.id, A.c.completed_by == _bp("uid"), done)
        claims, completers = slot_exprs(ignore)
        return (
            sa.select(mine.label("mine"), (claims + completers).label("taken"))
            .select_from(T)
            .where(T.c.id == _bp("tid"))
        )

    @staticmethod
    def _take_stmt(ignore: bool) -> Any:
        """PostgreSQL, with the task's row locked: check the slot, drop the user's other claims
        in the project and take (or refresh) this one, in one statement (one round trip
        instead of three while the row is locked). Its snapshot is taken after the lock, so
        it sees every claim committed before. Returns 1 when the claim was taken."""
        done = sa.true() if ignore else A.c.was_cancelled.is_(False)
        uid = sa.bindparam("uid", type_=C.c.user_id.type)
        tid = sa.bindparam("tid", type_=sa.Integer)
        pid = sa.bindparam("pid", type_=sa.Integer)
        mine = sa.exists().where(A.c.task_id == T.c.id, A.c.completed_by == uid, done)
        claims, completers = slot_exprs(ignore)
        check = (
            sa.select(sa.and_(~mine, claims + completers < _bp("overlap")).label("ok"))
            .select_from(T)
            .where(T.c.id == tid)
            .cte("lc_check")
        )
        ok = sa.select(check.c.ok).scalar_subquery()
        gone = (
            sa.delete(C)
            .where(C.c.user_id == uid, C.c.project_id == pid, C.c.task_id != tid, ok)
            .cte("lc_gone")
        )
        expires = sa.bindparam("expires", type_=C.c.expires_at.type)
        insert = pg_insert(C).from_select(
            ["task_id", "user_id", "project_id", "expires_at"],
            sa.select(tid, uid, pid, expires).where(ok),
        )
        took = insert.on_conflict_do_update(
            index_elements=[C.c.task_id, C.c.user_id],
            set_={"expires_at": insert.excluded.expires_at},
        ).returning(C.c.task_id)
        return sa.select(sa.func.count()).select_from(took.cte("lc_took")).add_cte(gone)

    def try_claim(self, task_id: int, user_id: UserId, now: dt.datetime, ttl: dt.timedelta) -> bool:
        return bool(self._claim(task_id, user_id, now, ttl, skip_locked=False))

    def try_claim_unless_busy(
        self, task_id: int, user_id: UserId, now: dt.datetime, ttl: dt.timedelta
    ) -> bool | None:
        """``try_claim``, except that on PostgreSQL a task whose row another transaction holds
        right now (a claim or a submit of the same task) is not waited for: None, "busy, ask
        again". Next task tries its other candidates first, so annotators who read the same
        candidates spread over them instead of queueing on the first one; the busy ones are
        waited for only when no other candidate is free. On SQLite, ``try_claim``."""
        return self._claim(task_id, user_id, now, ttl, skip_locked=self.is_pg)

    def _claim(
        self,
        task_id: int,
        user_id: UserId,
        now: dt.datetime,
        ttl: dt.timedelta,
        *,
        skip_locked: bool,
    ) -> bool | None:
        with self._tx() as conn:
            task = conn.execute(
                self._stmt(("claim.task", skip_locked), lambda: self._claim_task_stmt(skip_locked)),
                {"tid": task_id},
            ).first()
            if task is None:
                return None if skip_locked else False  # busy (or gone: try_claim tells)
            ignore = ignores_skipped(task.settings)
            if self.is_pg:
                took = conn.execute(
                    self._stmt(("claim.take", ignore), lambda: self._take_stmt(ignore)),
                    {
                        "tid": task_id,
                        "uid": user_id,
                        "pid": task.project_id,
                        "now": now,
                        "overlap": task.overlap,
                        "expires": now + ttl,
                    },
                ).scalar()
                return bool(took)
            check = conn.execute(
                self._stmt(("claim.check", ignore), lambda: self._claim_check_stmt(ignore)),
                {"tid": task_id, "uid": user_id, "now": now},
            ).one()
            if check.mine or check.taken >= task.overlap:
                return False
            # one claim per user and project: taking a task releases the previous one
            conn.execute(
                self._stmt(
                    "claim.release_project",
                    lambda: sa.delete(C).where(
                        C.c.user_id == _bp("uid"), C.c.project_id == _bp("pid")
                    ),
                ),
                {"uid": user_id, "pid": task.project_id},
            )
            conn.execute(
                self._stmt("claim.insert", lambda: sa.insert(C)),
                {
                    "task_id": task_id,
                    "user_id": user_id,
                    "project_id": task.project_id,
                    "expires_at": now + ttl,
                },
            )
            return True

    def user_claim(self, project_id: int, user_id: UserId, now: dt.datetime) -> Claim | None:
        stmt = self._stmt(
            "claim.user",
            lambda: (
                sa.select(C)
                .where(
                    C.c.project_id == _bp("pid"),
                    C.c.user_id == _bp("uid"),
                    C.c.expires_at > _bp("now"),
                )
                .order_by(C.c.task_id)
                .limit(1)
            ),
        )
        with self._tx(write=False, snapshot=False) as conn:
            row = conn.execute(stmt, {"pid": project_id, "uid": user_id, "now": now}).first()
        if row is None:
            return None
        return Claim(
            task_id=row.task_id,
            project_id=row.project_id,
            user_id=row.user_id,
            expires_at=row.expires_at,
        )

    def release_claims(self, *, user_id: UserId | None = None, task_id: int | None = None) -> int:
        def build() -> Any:
            stmt = sa.delete(C)
            if user_id is not None:
                stmt = stmt.where(C.c.user_id == _bp("uid"))
            if task_id is not None:
                stmt = stmt.where(C.c.task_id == _bp("tid"))
            return stmt

        stmt = self._stmt(("claim.release", user_id is None, task_id is None), build)
        params = {"uid": user_id, "tid": task_id}
        with self._tx() as conn:
            return conn.execute(stmt, {k: v for k, v in params.items() if v is not None}).rowcount

    def purge_expired_claims(self, now: dt.datetime) -> int:
        with self._tx() as conn:
            return conn.execute(sa.delete(C).where(C.c.expires_at <= now)).rowcount

    # -- assignments ------------------------------------------------------------------------
    def assign(
        self, project_id: int, task_ids: Collection[int], user_ids: Collection[UserId]
    ) -> int:
        wanted = list(dict.fromkeys(task_ids))
        with self._tx() as conn:
            tasks = self._tasks_of(conn, wanted)
            for task_id in wanted:
                if task_id not in tasks or tasks[task_id].project_id != project_id:
                    raise NotFound(
                        f"task {task_id} is not in project {project_id}", code="task.not_found"
                    )
            have = set()
            for batch in chunks(wanted):
                have |= {
                    (r.task_id, repr(r.user_id))
                    for r in conn.execute(
                        sa.select(S.c.task_id, S.c.user_id).where(S.c.task_id.in_(batch))
                    )
                }
            rows = [
                {"task_id": t, "user_id": u, "project_id": project_id}
                for t in wanted
                for u in dict.fromkeys(user_ids)
                if (t, repr(u)) not in have
            ]
            if rows:
                conn.execute(sa.insert(S), rows)
            return len(rows)

    def unassign(
        self, project_id: int, task_ids: Collection[int], user_ids: Collection[UserId] | None = None
    ) -> int:
        gone = 0
        with self._tx() as conn:
            for batch in chunks(set(task_ids)):
                stmt = sa.delete(S).where(S.c.project_id == project_id, S.c.task_id.in_(batch))
                if user_ids is not None:
                    stmt = stmt.where(S.c.user_id.in_(list(user_ids)))
                gone += conn.execute(stmt).rowcount
        return gone

    def unassign_user(self, user_id: UserId) -> int:
        """Every assignment of this user, in every project, removed (erasing a user): one
        statement, no project's task ids read."""
        with self._tx() as conn:
            return int(conn.execute(sa.delete(S).where(S.c.user_id.in_([user_id]))).rowcount)

    def assignees(self, task_ids: Collection[int]) -> dict[int, list[UserId]]:
        out: dict[int, list[UserId]] = {}
        with self._tx(write=False) as conn:
            for batch in chunks(sorted(set(task_ids))):
                stmt = (
                    sa.select(S.c.task_id, S.c.user_id)
                    .where(S.c.task_id.in_(batch))
                    .order_by(S.c.task_id, S.c.id)
                )
                for row in conn.execute(stmt):
                    out.setdefault(row.task_id, []).append(row.user_id)
        return out

    # -- views ------------------------------------------------------------------------------
    def add_view(self, project_id: int, user_id: UserId | None, data: dict[str, Any]) -> View:
        with self._tx() as conn:
            self._project_row(conn, project_id, lock=True)
            top = conn.execute(
                sa.select(sa.func.max(VIEWS.c.order)).where(VIEWS.c.project_id == project_id)
            ).scalar()
            row = conn.execute(
                sa.insert(VIEWS)
                .values(
                    project_id=project_id,
                    user_id=user_id,
                    data=data,
                    order=0 if top is None else top + 1,
                )
                .returning(*VIEWS.c)
            ).one()
            return _view(row)

    def get_view(self, view_id: int) -> View | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(VIEWS).where(VIEWS.c.id == view_id)).first()
            return None if row is None else _view(row)

    def list_views(self, project_id: int) -> list[View]:
        with self._tx(write=False) as conn:
            stmt = (
                sa.select(VIEWS)
                .where(VIEWS.c.project_id == project_id)
                .order_by(VIEWS.c.order, VIEWS.c.id)
            )
            return [_view(r) for r in conn.execute(stmt)]

    def update_view(self, view_id: int, data: dict[str, Any], order: int | None = None) -> View:
        values: dict[str, Any] = {"data": data}
        if order is not None:
            values["order"] = order
        with self._tx() as conn:
            row = conn.execute(
                sa.update(VIEWS).where(VIEWS.c.id == view_id).values(values).returning(*VIEWS.c)
            ).first()
            if row is None:
                raise NotFound(f"view {view_id} does not exist", code="view.not_found")
            return _view(row)

    def delete_views(self, view_ids: Collection[int]) -> int:
        with self._tx() as conn:
            return sum(
                conn.execute(sa.delete(VIEWS).where(VIEWS.c.id.in_(b))).rowcount
                for b in chunks(set(view_ids))
            )

    # -- webhooks ---------------------------------------------------------------------------
    @staticmethod
    def _webhook_values(webhook: Webhook) -> dict[str, Any]:
        return {
            "project_id": webhook.project_id,
            "url": webhook.url,
            "secret": webhook.secret,
            "send_payload": webhook.send_payload,
            "send_for_all_actions": webhook.send_for_all_actions,
            "actions": sorted(webhook.actions),
            "headers": dict(webhook.headers),
            "is_active": webhook.is_active,
        }

    def add_webhook(self, webhook: Webhook) -> Webhook:
        with self._tx() as conn:
            if webhook.project_id is not None:
                self._project_row(conn, webhook.project_id)
            row = conn.execute(
                sa.insert(WEBHOOKS)
                .values(created_at=webhook.created_at, **self._webhook_values(webhook))
                .returning(*WEBHOOKS.c)
            ).one()
            return _webhook(row)

    def get_webhook(self, webhook_id: int) -> Webhook | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(WEBHOOKS).where(WEBHOOKS.c.id == webhook_id)).first()
            return None if row is None else _webhook(row)

    def list_webhooks(
        self, project_id: int | None = None, *, include_global: bool = True
    ) -> list[Webhook]:
        def build() -> Any:
            stmt = sa.select(WEBHOOKS).order_by(WEBHOOKS.c.id)
            if project_id is not None:
                mine = WEBHOOKS.c.project_id == _bp("pid")
                stmt = stmt.where(
                    sa.or_(mine, WEBHOOKS.c.project_id.is_(None)) if include_global else mine
                )
            return stmt

        stmt = self._stmt(("webhooks", project_id is None, include_global), build)
        with self._tx(write=False, snapshot=False) as conn:
            return [_webhook(r) for r in conn.execute(stmt, {"pid": project_id})]

    def update_webhook(self, webhook: Webhook) -> Webhook:
        with self._tx() as conn:
            if webhook.project_id is not None:
                self._project_row(conn, webhook.project_id)
            row = conn.execute(
                sa.update(WEBHOOKS)
                .where(WEBHOOKS.c.id == webhook.id)
                .values(self._webhook_values(webhook))
                .returning(*WEBHOOKS.c)
            ).first()
            if row is None:
                raise NotFound(f"webhook {webhook.id} does not exist", code="webhook.not_found")
            return _webhook(row)

    def delete_webhooks(self, webhook_ids: Collection[int]) -> int:
        with self._tx() as conn:
            return sum(
                conn.execute(sa.delete(WEBHOOKS).where(WEBHOOKS.c.id.in_(b))).rowcount
                for b in chunks(set(webhook_ids))
            )

    # -- jobs -------------------------------------------------------------------------------
    def add_job(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        project_id: int | None = None,
        run_at: dt.datetime | None = None,
        max_attempts: int = 1,
    ) -> Job:
        if max_attempts < 1:
            raise ValidationError("max_attempts must be >= 1", code="job.max_attempts")
        now = utcnow()
        with self._tx() as conn:
            if project_id is not None:
                self._project_row(conn, project_id)
            row = conn.execute(
                sa.insert(JOBS)
                .values(
                    kind=kind,
                    payload=payload,
                    project_id=project_id,
                    status=JobStatus.QUEUED.value,
                    progress=0.0,
                    attempts=0,
                    max_attempts=max_attempts,
                    run_at=run_at or now,
                    created_at=now,
                    updated_at=now,
                )
                .returning(*JOBS.c)
            ).one()
            return _job(row)

    def get_job(self, job_id: int) -> Job | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(JOBS).where(JOBS.c.id == job_id)).first()
            return None if row is None else _job(row)

    def list_jobs(
        self,
        *,
        project_id: int | None = None,
        kind: str | None = None,
        status: JobStatus | None = None,
    ) -> list[Job]:
        stmt = sa.select(JOBS).order_by(JOBS.c.id)
        for column, value in (
            (JOBS.c.project_id, project_id),
            (JOBS.c.kind, kind),
            (JOBS.c.status, None if status is None else status.value),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        with self._tx(write=False) as conn:
            return [_job(r) for r in conn.execute(stmt)]

    def claim_job(
        self,
        worker: str,
        now: dt.datetime,
        lease: dt.timedelta,
        kinds: Collection[str] | None = None,
    ) -> Job | None:
        due = sa.or_(
            JOBS.c.status == JobStatus.QUEUED.value,
            sa.and_(JOBS.c.status == JobStatus.RUNNING.value, JOBS.c.lease_until <= now),
        )
        stmt = (
            sa.select(JOBS)
            .where(due, JOBS.c.run_at <= now)
            .order_by(JOBS.c.run_at, JOBS.c.id)
            .limit(1)
        )
        if kinds is not None:
            stmt = stmt.where(JOBS.c.kind.in_(list(kinds)))
        if self.is_pg:
            stmt = stmt.with_for_update(skip_locked=True)
        with self._tx() as conn:
            while (row := conn.execute(stmt).first()) is not None:
                if row.status == JobStatus.RUNNING.value and row.attempts >= row.max_attempts:
                    conn.execute(
                        sa.update(JOBS)
                        .where(JOBS.c.id == row.id)
                        .values(
                            status=JobStatus.FAILED.value,
                            updated_at=now,
                            lease_until=None,
                            error=row.error or f"lease expired after {row.attempts} attempt(s)",
                        )
                    )
                    continue
                taken = conn.execute(
                    sa.update(JOBS)
                    .where(JOBS.c.id == row.id, JOBS.c.attempts == row.attempts)
                    .values(
                        status=JobStatus.RUNNING.value,
                        worker=worker,
                        lease_until=now + lease,
                        attempts=row.attempts + 1,
                        updated_at=now,
                    )
                    .returning(*JOBS.c)
                ).first()
                if taken is not None:
                    return _job(taken)
            return None

    def update_job(
        self,
        job_id: int,
        *,
        status: JobStatus | None = None,
        progress: float | None = None,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        run_at: dt.datetime | None = None,
        lease_until: dt.datetime | None = None,
    ) -> Job:
        values: dict[str, Any] = {"updated_at": utcnow()}
        for name, value in (
            ("status", None if status is None else JobStatus(status).value),
            ("progress", progress),
            ("error", error),
            ("result", result),
            ("run_at", run_at),
            ("lease_until", lease_until),
        ):  # noqa: E501
            if value is not None:
                values[name] = value
        with self._tx() as conn:
            row = conn.execute(
                sa.update(JOBS).where(JOBS.c.id == job_id).values(values).returning(*JOBS.c)
            ).first()
            if row is None:
                raise NotFound(f"job {job_id} does not exist", code="job.not_found")
            return _job(row)
