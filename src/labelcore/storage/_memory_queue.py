"""MemoryStore's next-task queue, claims, assignments, views, webhooks and jobs (private:
use ``labelcore.storage.memory.MemoryStore``)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection
from typing import Any

import attrs

from labelcore.errors import NotFound, ValidationError
from labelcore.model import Claim, Job, JobStatus, SkipQueue, Task, UserId, View, Webhook, utcnow
from labelcore.storage._memory_base import jcopy, uid_key
from labelcore.storage._memory_rows import MemoryRows
from labelcore.storage.base import CandidateSpec


class MemoryQueue(MemoryRows):
    # -- next task and claims ---------------------------------------------------------------
    def _ordered_tasks(self, project_id: int, spec: CandidateSpec) -> list[Task]:
        """Tasks of the project the spec's query keeps, in its order (or in id order)."""
        raise NotImplementedError  # provided by MemoryStore (it owns query evaluation)

    def _slots(
        self, task: Task, user_key: Any, now: dt.datetime, ignore_skipped: bool
    ) -> tuple[int, int]:
        """(slots taken by others, distinct completed annotators other than the user)."""
        claims = sum(
            1
            for (tid, ukey), c in self._t["claims"].items()
            if tid == task.id and ukey != user_key and c.expires_at > now
        )
        completers = {
            uid_key(a.completed_by)
            for a in self._t["annotations"].values()
            if a.task_id == task.id and (ignore_skipped or not a.was_cancelled)
        } - {user_key}
        return claims, len(completers)

    def next_task_candidates(
        self, project_id: int, user_id: UserId, spec: CandidateSpec, now: dt.datetime, limit: int
    ) -> list[int]:
        with self._lock:
            project = self._t["projects"].get(project_id)
            if project is None or limit <= 0:
                return []
            ignore_skipped = project.settings.skip_queue == SkipQueue.IGNORE_SKIPPED
            ukey = uid_key(user_id)
            assigned: dict[int, set[Any]] = {}
            for tid, akey in self._t["assignments"]:
                assigned.setdefault(tid, set()).add(akey)
            mine: dict[int, list[bool]] = {}
            for ann in self._t["annotations"].values():
                if uid_key(ann.completed_by) == ukey:
                    mine.setdefault(ann.task_id, []).append(ann.was_cancelled)
            keyed = []
            for position, task in enumerate(self._ordered_tasks(project_id, spec)):
                if task.is_labeled:
                    continue
                skipped = False
                if task.id in mine:
                    if ignore_skipped or not all(mine[task.id]):
                        continue
                    if not (spec.include_skipped_by_user or spec.only_skipped_by_user):
                        continue
                    skipped = True
                elif spec.only_skipped_by_user:
                    continue
                owners = assigned.get(task.id, set())
                if spec.assigned_to is not None and uid_key(spec.assigned_to) not in owners:
                    continue
                if (
                    spec.unassigned_or_assigned_to is not None
                    and owners
                    and (uid_key(spec.unassigned_or_assigned_to) not in owners)
                ):
                    continue
                claims, done = self._slots(task, ukey, now, ignore_skipped)
                if claims + done >= task.overlap:
                    continue
                keyed.append((self._candidate_key(task, spec, position, skipped), task.id))
            keyed.sort(key=lambda pair: pair[0])
            return [task_id for _, task_id in keyed[:limit]]

    def _candidate_key(
        self, task: Task, spec: CandidateSpec, position: int, skipped: bool
    ) -> tuple[Any, ...]:
        if spec.query is not None and spec.query.ordering:
            order: tuple[Any, ...] = (position,)
        elif spec.order == "random":
            order = (random.random(),)
        elif spec.order == "uncertainty":
            scores = [
                p.score
                for p in self._t["predictions"].values()
                if p.task_id == task.id and p.score is not None
            ]
            score = min(scores) if scores else None  # its least sure prediction
            order = (score is None, score or 0.0, task.inner_id)
        else:
            order = (task.inner_id,)
        return (
            skipped,
            -int(task.overlap > 1) if spec.overlap_first else 0,
            -task.total_annotations if spec.breadth_first else 0,  # as SQLStore's index
            *order,
        )

    def try_claim(self, task_id: int, user_id: UserId, now: dt.datetime, ttl: dt.timedelta) -> bool:
        with self.transaction():
            task = self._t["tasks"].get(task_id)
            if task is None:
                return False
            project = self._t["projects"][task.project_id]
            ignore_skipped = project.settings.skip_queue == SkipQueue.IGNORE_SKIPPED
            ukey = uid_key(user_id)
            if any(
                a.task_id == task_id
                and uid_key(a.completed_by) == ukey
                and (ignore_skipped or not a.was_cancelled)
                for a in self._t["annotations"].values()
            ):
                return False
            claims, done = self._slots(task, ukey, now, ignore_skipped)
            if claims + done >= task.overlap:
                return False
            # one claim per user and project: taking a task releases the previous one
            for key, claim in list(self._t["claims"].items()):
                if key[1] == ukey and claim.project_id == task.project_id and key[0] != task_id:
                    self._del("claims", key)
            claim = Claim(
                task_id=task_id, project_id=task.project_id, user_id=user_id, expires_at=now + ttl
            )
            self._put("claims", (task_id, ukey), claim)
            return True

    def user_claim(self, project_id: int, user_id: UserId, now: dt.datetime) -> Claim | None:
        ukey = uid_key(user_id)
        with self._lock:
            live = [
                c
                for (_, key), c in self._t["claims"].items()
                if key == ukey and c.project_id == project_id and c.expires_at > now
            ]
        return min(live, key=lambda c: c.task_id, default=None)

    def release_claims(self, *, user_id: UserId | None = None, task_id: int | None = None) -> int:
        ukey = uid_key(user_id)
        with self.transaction():
            doomed = [
                k
                for k in self._t["claims"]
                if (task_id is None or k[0] == task_id) and (ukey is None or k[1] == ukey)
            ]
            return sum(self._del("claims", k) for k in doomed)

    def purge_expired_claims(self, now: dt.datetime) -> int:
        with self.transaction():
            doomed = [k for k, c in self._t["claims"].items() if c.expires_at <= now]
            return sum(self._del("claims", k) for k in doomed)

    # -- assignments ------------------------------------------------------------------------
    def assign(
        self, project_id: int, task_ids: Collection[int], user_ids: Collection[UserId]
    ) -> int:
        with self.transaction():
            for task_id in task_ids:
                task = self._t["tasks"].get(task_id)
                if task is None or task.project_id != project_id:
                    raise NotFound(
                        f"task {task_id} is not in project {project_id}", code="task.not_found"
                    )
            new = 0
            for task_id in dict.fromkeys(task_ids):
                for user_id in user_ids:
                    key = (task_id, uid_key(user_id))
                    if key not in self._t["assignments"]:
                        self._put(
                            "assignments", key, (project_id, user_id, self._next_id("assignments"))
                        )
                        new += 1
            return new

    def unassign(
        self, project_id: int, task_ids: Collection[int], user_ids: Collection[UserId] | None = None
    ) -> int:
        keys = None if user_ids is None else {uid_key(u) for u in user_ids}
        wanted = set(task_ids)
        with self.transaction():
            doomed = [
                k
                for k, (pid, _, _) in self._t["assignments"].items()
                if pid == project_id and k[0] in wanted and (keys is None or k[1] in keys)
            ]
            return sum(self._del("assignments", k) for k in doomed)

    def unassign_user(self, user_id: UserId) -> int:
        key = uid_key(user_id)
        with self.transaction():
            doomed = [k for k in self._t["assignments"] if k[1] == key]
            return sum(self._del("assignments", k) for k in doomed)

    def assignees(self, task_ids: Collection[int]) -> dict[int, list[UserId]]:
        wanted = set(task_ids)
        out: dict[int, list[tuple[int, UserId]]] = {}
        with self._lock:
            for (task_id, _), (_, user_id, seq) in self._t["assignments"].items():
                if task_id in wanted:
                    out.setdefault(task_id, []).append((seq, user_id))
        return {
            tid: [u for _, u in sorted(rows, key=lambda r: r[0])]
            for tid, rows in sorted(out.items())
        }

    # -- views ------------------------------------------------------------------------------
    def add_view(self, project_id: int, user_id: UserId | None, data: dict[str, Any]) -> View:
        with self.transaction():
            self._require_project(project_id)
            orders = [v.order for v in self._t["views"].values() if v.project_id == project_id]
            view = View(
                id=self._next_id("views"),
                project_id=project_id,
                user_id=user_id,
                data=jcopy(data, "view data"),
                order=max(orders, default=-1) + 1,
            )
            self._put("views", view.id, view)
            return view

    def get_view(self, view_id: int) -> View | None:
        with self._lock:
            view = self._t["views"].get(view_id)
            return None if view is None else attrs.evolve(view, data=jcopy(view.data, "view"))

    def list_views(self, project_id: int) -> list[View]:
        with self._lock:
            rows = [v for v in self._t["views"].values() if v.project_id == project_id]
        return [
            attrs.evolve(v, data=jcopy(v.data, "view"))
            for v in sorted(rows, key=lambda v: (v.order, v.id))
        ]

    def update_view(self, view_id: int, data: dict[str, Any], order: int | None = None) -> View:
        with self.transaction():
            view: View | None = self._t["views"].get(view_id)
            if view is None:
                raise NotFound(f"view {view_id} does not exist", code="view.not_found")
            changes: dict[str, Any] = {"data": jcopy(data, "view data")}
            if order is not None:
                changes["order"] = order
            view = attrs.evolve(view, **changes)
            self._put("views", view_id, view)
            return attrs.evolve(view, data=jcopy(view.data, "view"))

    def delete_views(self, view_ids: Collection[int]) -> int:
        with self.transaction():
            return sum(self._del("views", i) for i in set(view_ids))

    # -- webhooks ---------------------------------------------------------------------------
    def add_webhook(self, webhook: Webhook) -> Webhook:
        with self.transaction():
            if webhook.project_id is not None:
                self._require_project(webhook.project_id)
            hook = attrs.evolve(
                webhook, id=self._next_id("webhooks"), headers=dict(webhook.headers)
            )
            self._put("webhooks", hook.id, hook)
            return hook

    def get_webhook(self, webhook_id: int) -> Webhook | None:
        with self._lock:
            return self._t["webhooks"].get(webhook_id)

    def list_webhooks(
        self, project_id: int | None = None, *, include_global: bool = True
    ) -> list[Webhook]:
        with self._lock:
            return sorted(
                (
                    w
                    for w in self._t["webhooks"].values()
                    if project_id is None
                    or w.project_id == project_id
                    or (include_global and w.project_id is None)
                ),
                key=lambda w: w.id,
            )

    def update_webhook(self, webhook: Webhook) -> Webhook:
        with self.transaction():
            old = self._t["webhooks"].get(webhook.id)
            if old is None:
                raise NotFound(f"webhook {webhook.id} does not exist", code="webhook.not_found")
            if webhook.project_id is not None:
                self._require_project(webhook.project_id)
            hook = attrs.evolve(webhook, headers=dict(webhook.headers), created_at=old.created_at)
            self._put("webhooks", hook.id, hook)
            return hook

    def delete_webhooks(self, webhook_ids: Collection[int]) -> int:
        with self.transaction():
            return sum(self._del("webhooks", i) for i in set(webhook_ids))

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
        with self.transaction():
            if project_id is not None:
                self._require_project(project_id)
            now = utcnow()
            job = Job(
                id=self._next_id("jobs"),
                kind=kind,
                payload=jcopy(payload, "job payload"),
                project_id=project_id,
                run_at=run_at or now,
                max_attempts=max_attempts,
                created_at=now,
                updated_at=now,
            )
            self._put("jobs", job.id, job)
            return job

    def get_job(self, job_id: int) -> Job | None:
        with self._lock:
            job: Job | None = self._t["jobs"].get(job_id)
            return job

    def list_jobs(
        self,
        *,
        project_id: int | None = None,
        kind: str | None = None,
        status: JobStatus | None = None,
    ) -> list[Job]:
        with self._lock:
            return sorted(
                (
                    j
                    for j in self._t["jobs"].values()
                    if (project_id is None or j.project_id == project_id)
                    and (kind is None or j.kind == kind)
                    and (status is None or j.status == status)
                ),
                key=lambda j: j.id,
            )

    def claim_job(
        self,
        worker: str,
        now: dt.datetime,
        lease: dt.timedelta,
        kinds: Collection[str] | None = None,
    ) -> Job | None:
        with self.transaction():
            due = sorted(
                (
                    j
                    for j in self._t["jobs"].values()
                    if (kinds is None or j.kind in kinds)
                    and j.run_at <= now
                    and (
                        j.status == JobStatus.QUEUED
                        or (
                            j.status == JobStatus.RUNNING
                            and j.lease_until is not None
                            and j.lease_until <= now
                        )
                    )
                ),
                key=lambda j: (j.run_at, j.id),
            )
            for job in due:
                if job.status == JobStatus.RUNNING and job.attempts >= job.max_attempts:
                    failed = attrs.evolve(
                        job,
                        status=JobStatus.FAILED,
                        updated_at=now,
                        lease_until=None,
                        error=job.error or f"lease expired after {job.attempts} attempt(s)",
                    )
                    self._put("jobs", job.id, failed)
                    continue
                taken: Job = attrs.evolve(
                    job,
                    status=JobStatus.RUNNING,
                    worker=worker,
                    lease_until=now + lease,
                    attempts=job.attempts + 1,
                    updated_at=now,
                )
                self._put("jobs", job.id, taken)
                return taken
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
        with self.transaction():
            job: Job | None = self._t["jobs"].get(job_id)
            if job is None:
                raise NotFound(f"job {job_id} does not exist", code="job.not_found")
            changes: dict[str, Any] = {"updated_at": utcnow()}
            for name, value in (
                ("status", status),
                ("progress", progress),
                ("error", error),
                ("run_at", run_at),
                ("lease_until", lease_until),
            ):
                if value is not None:
                    changes[name] = value
            if result is not None:
                changes["result"] = jcopy(result, "job result")
            job = attrs.evolve(job, **changes)
            self._put("jobs", job_id, job)
            return job
