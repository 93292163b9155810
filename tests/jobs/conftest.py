"""Fixtures for the jobs/webhooks tests: stores that keep jobs (and webhooks).

``job_store`` runs each test against every store available on this branch: a small
in-test table that follows the ``Store`` contract for jobs and webhooks (so these tests run
before the storage helper's backends land), ``MemoryStore`` and ``SQLStore`` on SQLite
when they are importable.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest

from labelcore.errors import NotFound
from labelcore.model import Job, JobStatus, Webhook, utcnow


class JobTableStore:
    """The job and webhook part of the Store protocol, in memory, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._jobs: dict[int, Job] = {}
        self._hooks: dict[int, Webhook] = {}
        self._ids = itertools.count(1)

    def migrate(self) -> None:
        pass

    def close(self) -> None:
        pass

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            yield

    def add_job(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        project_id: int | None = None,
        run_at: dt.datetime | None = None,
        max_attempts: int = 1,
    ) -> Job:
        with self._lock:
            job = Job(
                id=next(self._ids),
                kind=kind,
                payload=dict(payload),
                project_id=project_id,
                run_at=run_at or utcnow(),
                max_attempts=max_attempts,
            )
            self._jobs[job.id] = job
            return job

    def get_job(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def list_jobs(
        self,
        *,
        project_id: int | None = None,
        kind: str | None = None,
        status: JobStatus | None = None,
    ) -> list[Job]:
        return [
            j
            for j in sorted(self._jobs.values(), key=lambda j: j.id)
            if (project_id is None or j.project_id == project_id)
            and (kind is None or j.kind == kind)
            and (status is None or j.status == status)
        ]

    def claim_job(
        self,
        worker: str,
        now: dt.datetime,
        lease: dt.timedelta,
        kinds: Collection[str] | None = None,
    ) -> Job | None:
        with self._lock:
            for job in sorted(self._jobs.values(), key=lambda j: (j.run_at, j.id)):
                if kinds is not None and job.kind not in kinds:
                    continue
                due = job.status == JobStatus.QUEUED and job.run_at <= now
                stale = (
                    job.status == JobStatus.RUNNING
                    and job.lease_until is not None
                    and job.lease_until <= now
                )
                if due or stale:
                    job = attrs.evolve(
                        job,
                        status=JobStatus.RUNNING,
                        worker=worker,
                        attempts=job.attempts + 1,
                        lease_until=now + lease,
                        updated_at=utcnow(),
                    )
                    self._jobs[job.id] = job
                    return job
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
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFound(f"job {job_id} not found")
            changes: dict[str, Any] = {"updated_at": utcnow()}
            for name, value in (
                ("status", status),
                ("progress", progress),
                ("error", error),
                ("result", result),
                ("run_at", run_at),
                ("lease_until", lease_until),
            ):
                if value is not None:
                    changes[name] = value
            job = attrs.evolve(job, **changes)
            self._jobs[job_id] = job
            return job

    def add_webhook(self, webhook: Webhook) -> Webhook:
        with self._lock:
            hook = attrs.evolve(webhook, id=next(self._ids))
            self._hooks[hook.id] = hook
            return hook

    def get_webhook(self, webhook_id: int) -> Webhook | None:
        return self._hooks.get(webhook_id)

    def list_webhooks(
        self, project_id: int | None = None, *, include_global: bool = True
    ) -> list[Webhook]:
        return [
            h
            for h in sorted(self._hooks.values(), key=lambda h: h.id)
            if project_id is None
            or h.project_id == project_id
            or (include_global and h.project_id is None)
        ]

    def update_webhook(self, webhook: Webhook) -> Webhook:
        with self._lock:
            if webhook.id not in self._hooks:
                raise NotFound(f"webhook {webhook.id} not found")
            self._hooks[webhook.id] = webhook
            return webhook

    def delete_webhooks(self, webhook_ids: Collection[int]) -> int:
        with self._lock:
            return sum(self._hooks.pop(i, None) is not None for i in webhook_ids)


def _backends() -> list[str]:
    names = ["table"]
    try:
        import labelcore.storage.memory  # noqa: F401

        names.append("memory")
    except ImportError:
        pass
    try:
        import labelcore.storage.sql  # noqa: F401

        names.extend(["sqlite", "postgres"])
    except ImportError:
        pass
    return names


def make_store(kind: str, tmp_path: Path, pg_url: str | None = None) -> Any:
    if kind == "table":
        return JobTableStore()
    if kind == "memory":
        from labelcore.storage.memory import MemoryStore

        store: Any = MemoryStore()
    else:
        from labelcore.storage.sql import SQLStore

        store = SQLStore(pg_url if kind == "postgres" else f"sqlite:///{tmp_path / 'jobs.db'}")
    store.migrate()
    return store


@pytest.fixture(params=_backends())
def job_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    store = make_store(request.param, tmp_path, pg)
    yield store
    store.close()


class FakeClock:
    """A settable UTC clock for back-off and lease tests."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()
