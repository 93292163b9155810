"""Background jobs kept in the store: webhook delivery, long imports and exports, ML predictions.

    runner = ThreadJobRunner(store)                      # LabelCore makes one by default
    runner.register("report", lambda job, ctx: {"rows": len(job.payload["ids"])})
    job = runner.submit("report", {"ids": [1, 2]}); runner.start()

Jobs are rows in the store (``Store.add_job``/``claim_job``/``update_job``), so several
processes sharing one database share one queue, and a job whose worker died is taken again
when its lease runs out. A host with Celery or RQ can implement :class:`JobRunner` itself
(docs/events.md has an adapter).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from labelcore.errors import LabelcoreError, NotFound
from labelcore.model import Job, JobStatus, utcnow
from labelcore.storage.base import Store

__all__ = [
    "JobContext",
    "JobHandler",
    "JobRunner",
    "PermanentJobError",
    "ThreadJobRunner",
]

log = logging.getLogger("labelcore.jobs")

_ERROR_LIMIT = 4000


class PermanentJobError(LabelcoreError):
    """Raise from a handler to fail the job at once, without further attempts."""

    status = 500
    code = "job.failed"


class JobContext:
    """What a running handler may tell the runner: progress (which also renews the lease)."""

    def __init__(self, runner: ThreadJobRunner, job: Job) -> None:
        self._runner = runner
        self.job = job

    def progress(self, fraction: float) -> None:
        """Record progress (0..1, clamped) and keep the job's lease alive."""
        value = min(1.0, max(0.0, float(fraction)))
        self.job = self._runner.store.update_job(
            self.job.id, progress=value, lease_until=self._runner._now() + self._runner.lease
        )


JobHandler = Callable[[Job, JobContext], "dict[str, Any] | None"]


@runtime_checkable
class JobRunner(Protocol):
    """Runs background jobs. What every implementation guarantees:

    * ``submit`` stores the job and returns at once; the handler never runs on the
      caller's thread inside ``submit`` (a slow webhook never slows a write).
    * A handler runs **at least once** per job and on at most one worker at a time while
      its lease is live; a job whose worker died runs again when the lease expires (so
      handlers must be idempotent).
    * A handler that raises is retried with exponential back-off until ``max_attempts``
      attempts were made; then the job is ``failed`` with the error recorded.
      ``PermanentJobError`` fails it at once. A handler that returns marks it
      ``completed`` with progress 1.0 and its return value (a dict or None) as ``result``.
    * Only registered kinds are taken from the store, so processes with different
      handlers can share one store.
    * ``run_pending`` runs every due job synchronously in the calling thread (tests,
      command-line hosts, queue workers) and returns how many it ran.
    """

    def register(self, kind: str, handler: JobHandler) -> None: ...

    def submit(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        project_id: int | None = None,
        run_at: dt.datetime | None = None,
        max_attempts: int = 3,
    ) -> Job: ...

    def start(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...

    def run_pending(self, *, limit: int | None = None) -> int: ...


class ThreadJobRunner:
    """The default :class:`JobRunner`: ``workers`` daemon threads claim jobs from ``store``.

    ``poll``: seconds between looks at the store when idle (``submit`` wakes the threads at
    once). ``lease``: how long a claim lasts before another worker may take the job; the
    runner renews the lease of running jobs every third of it. ``backoff``: seconds before
    the first retry, doubled per attempt up to ``backoff_max``, with ``jitter`` (a
    fraction) of randomness. ``clock``: returns the current UTC time (tests move it).
    """

    def __init__(
        self,
        store: Store,
        *,
        workers: int = 1,
        poll: float = 0.5,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        backoff: float = 2.0,
        backoff_max: float = 600.0,
        jitter: float = 0.1,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.store = store
        self.workers = workers
        self.poll = poll
        self.lease = lease
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.jitter = jitter
        self._now = clock
        self._handlers: dict[str, JobHandler] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[int, str] = {}  # job id -> worker name, for lease renewal
        self._name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    # -- JobRunner -------------------------------------------------------------------------
    def register(self, kind: str, handler: JobHandler) -> None:
        """Run ``handler(job, ctx)`` for jobs of ``kind`` (replaces an earlier handler)."""
        if not kind or not isinstance(kind, str):
            raise ValueError("a job kind is a non-empty string")
        with self._lock:
            self._handlers[kind] = handler

    @property
    def kinds(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._handlers)

    def submit(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        project_id: int | None = None,
        run_at: dt.datetime | None = None,
        max_attempts: int = 3,
    ) -> Job:
        """Store a job and wake the workers. ``run_at`` delays it; the kind need not be
        registered in this process (another process may run it)."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        job = self.store.add_job(
            kind,
            payload,
            project_id=project_id,
            run_at=run_at or self._now(),
            max_attempts=max_attempts,
        )
        self._wake.set()
        return job

    def start(self) -> None:
        """Start the worker threads and the lease keeper (idempotent)."""
        with self._lock:
            if self._threads:
                return
            self._stopping.clear()
            for i in range(self.workers):
                t = threading.Thread(
                    target=self._work,
                    args=(f"{self._name}:{i}",),
                    daemon=True,
                    name=f"labelcore-jobs-{i}",
                )
                self._threads.append(t)
            keeper = threading.Thread(
                target=self._keep_leases, daemon=True, name="labelcore-jobs-lease"
            )
            self._threads.append(keeper)
            for t in self._threads:
                t.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the threads to stop and wait up to ``timeout`` seconds for running handlers
        to return. A job still running afterwards is resumed elsewhere when its lease ends."""
        self._stopping.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads, self._threads = self._threads, []
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def run_pending(self, *, limit: int | None = None) -> int:
        """Run due jobs of registered kinds in this thread until none is due (or ``limit``
        ran); returns how many ran."""
        ran = 0
        while limit is None or ran < limit:
            if not self._run_one(f"{self._name}:sync"):
                break
            ran += 1
        return ran

    # -- helpers for hosts and tests ---------------------------------------------------------
    def get(self, job_id: int) -> Job:
        job = self.store.get_job(job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found", code="job.not_found")
        return job

    def wait(self, job_id: int, timeout: float = 30.0) -> Job:
        """Block until the job is completed or failed (or ``TimeoutError``)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job.status in (JobStatus.COMPLETED, JobStatus.FAILED):
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout} s")
            time.sleep(0.02)

    def retry_delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        base: float = min(self.backoff_max, self.backoff * 2.0 ** max(0, attempts - 1))
        return base * (1 + random.uniform(-self.jitter, self.jitter)) if self.jitter else base

    # -- internals ---------------------------------------------------------------------------
    def _work(self, worker: str) -> None:
        while not self._stopping.is_set():
            try:
                ran = self._run_one(worker)
            except Exception:  # the store failed; keep the thread alive and try again later
                log.exception("job worker %s: store error", worker)
                ran = False
            if not ran:
                self._wake.wait(self.poll)
                self._wake.clear()

    def _keep_leases(self) -> None:
        interval = max(0.05, self.lease.total_seconds() / 3)
        while not self._stopping.wait(interval):
            with self._lock:
                running = list(self._running)
            for job_id in running:
                try:
                    self.store.update_job(job_id, lease_until=self._now() + self.lease)
                except Exception:
                    log.exception("renewing the lease of job %s failed", job_id)

    def _run_one(self, worker: str) -> bool:
        kinds = self.kinds
        if not kinds:
            return False
        now = self._now()
        job = self.store.claim_job(worker, now, self.lease, kinds=kinds)
        if job is None:
            return False
        handler = self._handlers.get(job.kind)
        if handler is None:  # unregistered between claim and now: give it back
            self.store.update_job(job.id, status=JobStatus.QUEUED, run_at=now)
            return False
        if job.attempts > job.max_attempts:  # its last attempt's worker died mid-run
            self.store.update_job(
                job.id,
                status=JobStatus.FAILED,
                error=f"the worker running attempt {job.max_attempts} stopped before it "
                "finished (lease expired); no attempts left",
            )
            return True
        with self._lock:
            self._running[job.id] = worker
        try:
            self._execute(job, handler)
        finally:
            with self._lock:
                self._running.pop(job.id, None)
        return True

    def _execute(self, job: Job, handler: JobHandler) -> None:
        ctx = JobContext(self, job)
        try:
            result = handler(job, ctx)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"[:_ERROR_LIMIT]
            permanent = isinstance(exc, PermanentJobError)
            if permanent or job.attempts >= job.max_attempts:
                log.warning("job %s (%s) failed: %s", job.id, job.kind, message)
                self.store.update_job(job.id, status=JobStatus.FAILED, error=message)
            else:
                delay = dt.timedelta(seconds=self.retry_delay(job.attempts))
                log.info(
                    "job %s (%s) attempt %s failed, retry in %s: %s",
                    job.id,
                    job.kind,
                    job.attempts,
                    delay,
                    message,
                )
                self.store.update_job(
                    job.id, status=JobStatus.QUEUED, error=message, run_at=self._now() + delay
                )
            return
        if result is not None and not isinstance(result, dict):
            result = {"value": result}
        self.store.update_job(job.id, status=JobStatus.COMPLETED, progress=1.0, result=result)
