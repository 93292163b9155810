"""Next task: which task a user labels next, as an atomic claim on one of its overlap slots.

    bundle = core.next_task(annotator, project.id)      # None when nothing is left
    core.submit_annotation(annotator, bundle.task.id, result)   # releases the claim
    core.release_task(annotator, bundle.task.id)                # or give it back explicitly

The rules are in docs/lifecycle.md ("Next task"). The store proposes candidates in the
order a ``CandidateSpec`` asks for; ``try_claim`` takes a slot atomically, so when two
users race for the last slot one of them moves on to the next candidate.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import attrs

from labelcore.model import AssignmentMode, Project, Sampling, SkipQueue, User
from labelcore.query import Selection, TaskQuery, regex_budget
from labelcore.service._base import ServiceBase, TaskAccess
from labelcore.service.review import rejected_tasks_of
from labelcore.storage.base import CandidateSpec, TaskBundle

CANDIDATES = 20  # candidates fetched per round
ROUNDS = 10  # rounds per queue before giving up on a contended queue
PURGE_EVERY = 60.0  # seconds between purges of expired claims
EMPTY_RETRIES = 2  # extra looks before answering "nothing left" (see next_task)
EMPTY_RETRY_DELAY = 0.02  # seconds, times the attempt number

_ORDER = {
    Sampling.SEQUENTIAL: "sequential",
    Sampling.UNIFORM: "random",
    Sampling.UNCERTAINTY: "uncertainty",
}


def queue_specs(
    project: Project, user: User, role: str, query: TaskQuery | None
) -> Iterator[CandidateSpec]:
    """The queues to try, in order, for this user in this project."""
    s = project.settings
    base = CandidateSpec(
        order=_ORDER[s.sampling],
        breadth_first=s.maximum_annotations > 1,
        overlap_first=s.show_overlap_first,
        query=query,
        ignore_skipped=s.skip_queue == SkipQueue.IGNORE_SKIPPED,
    )
    mode = s.assignment_mode if role != "manager" else AssignmentMode.NONE
    if mode == AssignmentMode.ASSIGNED_ONLY:
        queues = [attrs.evolve(base, assigned_to=user.id)]
    elif mode == AssignmentMode.ASSIGNED_FIRST:
        queues = [
            attrs.evolve(base, assigned_to=user.id),
            attrs.evolve(base, unassigned_or_assigned_to=user.id),
        ]
    else:
        queues = [base]
    yield from queues
    if s.skip_queue == SkipQueue.REQUEUE_FOR_ME:  # skipped tasks come back at the end
        for spec in queues:
            yield attrs.evolve(spec, only_skipped_by_user=True)


class DistributionAPI(ServiceBase):
    _last_purge: float = 0.0

    def next_task(
        self, user: User, project_id: int, *, query: TaskQuery | None = None
    ) -> TaskBundle | None:
        """Claim and return the next task for the user, or None when none is left for them.

        The user's live claim comes back first. Otherwise a task they have not annotated
        (skipped ones per ``skip_queue``), breadth-first when overlap > 1, overlap tasks
        first with ``show_overlap_first``, then by ``sampling``; assignments per
        ``assignment_mode``; with ``query`` (a data-manager tab's filters/selection) only
        matching tasks, in the query's order. Before new work, tasks where the user's own
        annotation was rejected come back to them (``requeue_rejected_to_annotator``; no
        claim: the task is theirs to fix). The claim expires after
        ``lock_ttl_seconds``. Needs ``task.label``; ``query`` may not use the columns
        :meth:`hidden_columns` names, and its regex filters share one ``regex_budget``.
        """
        with regex_budget():
            return self._next_task(user, project_id, query)

    def _next_task(self, user: User, project_id: int, query: TaskQuery | None) -> TaskBundle | None:
        now = self._now()
        with self._reading():  # access, the user's claim, their rejected work: one read
            access = self._project(user, project_id, "task.label")
            self._check_query(access, query)
            project = access.project
            claim = self.store.user_claim(project_id, user.id, now)
            rejected = (
                rejected_tasks_of(self.store, project_id, user.id)
                if project.settings.requeue_rejected_to_annotator
                else []
            )
        ttl = dt.timedelta(seconds=project.settings.lock_ttl_seconds)
        self._maybe_purge(now)
        if (
            claim is not None
            and self._in_query(project_id, claim.task_id, query)
            and self.store.try_claim(claim.task_id, user.id, now, ttl)
        ):
            return self._claimed_bundle(user, claim.task_id, access.role, project)
        for task_id in rejected:  # issue 11: rejected work first (no claim: it is theirs)
            if self._in_query(project_id, task_id, query):
                return self._claimed_bundle(user, task_id, access.role, project)
        for attempt in range(EMPTY_RETRIES + 1):
            if attempt:
                # a store may skip rows a concurrent submit or claim has locked for a moment
                # (PostgreSQL SKIP LOCKED); look again before telling the user nothing is left
                time.sleep(EMPTY_RETRY_DELAY * attempt)
            for spec in queue_specs(project, user, access.role, query):
                for _ in range(ROUNDS):
                    ids = self.store.next_task_candidates(
                        project_id, user.id, spec, now, CANDIDATES
                    )
                    if not ids:
                        break
                    taken = self._claim_first(ids, user, now, ttl)
                    if taken is not None:
                        return self._claimed_bundle(user, taken, access.role, project)
        if claim is not None:  # nothing new fits: do not keep a claim outside the query
            self.store.release_claims(user_id=user.id, task_id=claim.task_id)
        return None

    def release_task(self, user: User, task_id: int) -> None:
        """Give back the user's claim on the task (no error when they hold none)."""
        self._task(user, task_id, "project.view")
        self.store.release_claims(user_id=user.id, task_id=task_id)

    # -- helpers ---------------------------------------------------------------------------
    def _claim_first(
        self, ids: list[int], user: User, now: dt.datetime, ttl: dt.timedelta
    ) -> int | None:
        """The first candidate the user could claim, in order. A store that can tell a task
        busy at this instant (``try_claim_unless_busy``: another annotator claiming or
        submitting it) lets the candidates after it go first; the busy ones are waited for
        only when none of the others is free, so a free slot is never missed."""
        unless_busy = getattr(self.store, "try_claim_unless_busy", None)
        if unless_busy is None:
            return next((t for t in ids if self.store.try_claim(t, user.id, now, ttl)), None)
        busy = []
        for task_id in ids:
            took = unless_busy(task_id, user.id, now, ttl)
            if took:
                return task_id
            if took is None:
                busy.append(task_id)
        return next((t for t in busy if self.store.try_claim(t, user.id, now, ttl)), None)

    def _claimed_bundle(
        self, user: User, task_id: int, role: str, project: Project
    ) -> TaskBundle | None:
        bundle = self.store.get_bundle(task_id, include_drafts=True)
        if bundle is None:  # deleted right after the claim
            return None
        return self._visible_bundle(user, TaskAccess(bundle.task, project, role), bundle)

    def _in_query(self, project_id: int, task_id: int, query: TaskQuery | None) -> bool:
        if query is None:
            return True
        sel = query.selection
        if sel is not None and not (
            (sel.all and task_id not in sel.excluded) or (not sel.all and task_id in sel.included)
        ):
            return False
        probe = TaskQuery(filters=query.filters, selection=Selection(included=(task_id,)))
        return next(iter(self.store.task_ids(project_id, probe)), None) == task_id

    def _maybe_purge(self, now: dt.datetime) -> None:
        tick = time.monotonic()
        if tick - self._last_purge > PURGE_EVERY:
            self._last_purge = tick
            self.store.purge_expired_claims(now)
