"""ThreadJobRunner: claiming, retries with back-off, leases, resume after a crash, threads."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest

from labelcore.model import Job, JobStatus
from labelcore.service.jobs import JobContext, JobRunner, PermanentJobError, ThreadJobRunner


def _runner(store: Any, clock: Any, **kw: Any) -> ThreadJobRunner:
    kw.setdefault("jitter", 0.0)
    return ThreadJobRunner(store, clock=clock, **kw)


def test_thread_runner_is_a_job_runner(job_store: Any) -> None:
    assert isinstance(ThreadJobRunner(job_store), JobRunner)


def test_run_pending_completes_with_result_and_progress(job_store: Any, clock: Any) -> None:
    runner = _runner(job_store, clock)
    seen: list[float] = []

    def handler(job: Job, ctx: JobContext) -> dict[str, Any]:
        ctx.progress(0.5)
        seen.append(job_store.get_job(job.id).progress)
        ctx.progress(7)  # clamped
        return {"doubled": job.payload["n"] * 2}

    runner.register("double", handler)
    job = runner.submit("double", {"n": 21}, project_id=None)
    assert job.status == JobStatus.QUEUED
    assert runner.run_pending() == 1
    done = runner.get(job.id)
    assert done.status == JobStatus.COMPLETED
    assert done.result == {"doubled": 42}
    assert done.progress == 1.0
    assert done.attempts == 1
    assert seen == [0.5]
    assert runner.run_pending() == 0


def test_retries_with_exponential_backoff(job_store: Any, clock: Any) -> None:
    runner = _runner(job_store, clock, backoff=2.0)
    calls: list[int] = []

    def flaky(job: Job, ctx: JobContext) -> None:
        calls.append(job.attempts)
        if len(calls) < 3:
            raise RuntimeError(f"boom {len(calls)}")

    runner.register("flaky", flaky)
    job = runner.submit("flaky", {}, max_attempts=3)
    assert runner.run_pending() == 1
    after1 = runner.get(job.id)
    assert after1.status == JobStatus.QUEUED
    assert after1.error == "RuntimeError: boom 1"
    assert after1.run_at == clock.now + dt.timedelta(seconds=2)
    assert runner.run_pending() == 0  # not due yet
    clock.advance(2)
    assert runner.run_pending() == 1
    after2 = runner.get(job.id)
    assert after2.run_at == clock.now + dt.timedelta(seconds=4)  # doubled
    clock.advance(4)
    assert runner.run_pending() == 1
    final = runner.get(job.id)
    assert final.status == JobStatus.COMPLETED
    assert final.attempts == 3
    assert calls == [1, 2, 3]


def test_max_attempts_exhausted_fails_with_error(job_store: Any, clock: Any) -> None:
    runner = _runner(job_store, clock, backoff=1.0)

    def broken(job: Job, ctx: JobContext) -> None:
        raise ValueError("remote said no")

    runner.register("broken", broken)
    job = runner.submit("broken", {}, max_attempts=2)
    runner.run_pending()
    clock.advance(1)
    runner.run_pending()
    clock.advance(100)
    assert runner.run_pending() == 0
    failed = runner.get(job.id)
    assert failed.status == JobStatus.FAILED
    assert failed.attempts == 2
    assert failed.error == "ValueError: remote said no"


def test_permanent_error_is_not_retried(job_store: Any, clock: Any) -> None:
    runner = _runner(job_store, clock)
    runner.register("nope", lambda job, ctx: (_ for _ in ()).throw(PermanentJobError("bad url")))
    job = runner.submit("nope", {}, max_attempts=5)
    runner.run_pending()
    failed = runner.get(job.id)
    assert (failed.status, failed.attempts) == (JobStatus.FAILED, 1)
    assert "bad url" in (failed.error or "")


def test_job_resumed_after_worker_died(job_store: Any, clock: Any) -> None:
    lease = dt.timedelta(seconds=30)
    runner = _runner(job_store, clock, lease=lease)
    runner.register("import", lambda job, ctx: {"resumed_at_attempt": job.attempts})
    job = runner.submit("import", {}, max_attempts=3)
    # a worker in another process takes it and dies without recording anything
    dead = job_store.claim_job("dead-worker", clock.now, lease, kinds={"import"})
    assert dead.id == job.id and dead.status == JobStatus.RUNNING
    assert runner.run_pending() == 0  # lease still live: never run twice at once
    clock.advance(31)
    assert runner.run_pending() == 1
    done = runner.get(job.id)
    assert done.status == JobStatus.COMPLETED
    assert done.result == {"resumed_at_attempt": 2}


def test_worker_died_on_last_attempt_fails_the_job(job_store: Any, clock: Any) -> None:
    lease = dt.timedelta(seconds=10)
    runner = _runner(job_store, clock, lease=lease)
    runner.register("once", lambda job, ctx: None)
    job = runner.submit("once", {}, max_attempts=1)
    job_store.claim_job("dead-worker", clock.now, lease, kinds={"once"})
    clock.advance(11)
    runner.run_pending()
    failed = runner.get(job.id)
    assert failed.status == JobStatus.FAILED
    assert "lease expired" in (failed.error or "")


def test_unregistered_kinds_are_left_for_other_processes(job_store: Any, clock: Any) -> None:
    runner = _runner(job_store, clock)
    runner.register("mine", lambda job, ctx: None)
    other = runner.submit("theirs", {})
    mine = runner.submit("mine", {})
    assert runner.run_pending() == 1
    assert runner.get(mine.id).status == JobStatus.COMPLETED
    assert runner.get(other.id).status == JobStatus.QUEUED


def test_scheduled_job_waits_for_run_at(job_store: Any, clock: Any) -> None:
    runner = _runner(job_store, clock)
    runner.register("later", lambda job, ctx: None)
    job = runner.submit("later", {}, run_at=clock.now + dt.timedelta(minutes=5))
    assert runner.run_pending() == 0
    clock.advance(301)
    assert runner.run_pending() == 1
    assert runner.get(job.id).status == JobStatus.COMPLETED


def test_submit_validates() -> None:
    runner = ThreadJobRunner(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        runner.submit("x", {}, max_attempts=0)
    with pytest.raises(ValueError):
        runner.register("", lambda job, ctx: None)
    with pytest.raises(ValueError):
        ThreadJobRunner(object(), workers=0)  # type: ignore[arg-type]


def test_threads_run_jobs_off_the_caller_thread(job_store: Any) -> None:
    runner = ThreadJobRunner(job_store, poll=0.05)
    release = threading.Event()
    where: list[int] = []

    def slow(job: Job, ctx: JobContext) -> None:
        where.append(threading.get_ident())
        release.wait(10)

    runner.register("slow", slow)
    runner.start()
    try:
        job = runner.submit("slow", {})  # returns while the handler blocks
        assert runner.get(job.id).status in (JobStatus.QUEUED, JobStatus.RUNNING)
        release.set()
        assert runner.wait(job.id, timeout=10).status == JobStatus.COMPLETED
        assert where and where[0] != threading.get_ident()
    finally:
        runner.stop()


def test_workers_sharing_a_store_run_each_job_once(job_store: Any) -> None:
    runs: list[int] = []
    lock = threading.Lock()

    def record(job: Job, ctx: JobContext) -> None:
        with lock:
            runs.append(job.id)
        time.sleep(0.002)

    runners = [ThreadJobRunner(job_store, workers=3, poll=0.02) for _ in range(2)]
    for r in runners:
        r.register("count", record)
    jobs = [runners[i % 2].submit("count", {"i": i}) for i in range(60)]
    for r in runners:
        r.start()
    try:
        for job in jobs:
            assert runners[0].wait(job.id, timeout=30).status == JobStatus.COMPLETED
    finally:
        for r in runners:
            r.stop()
    assert sorted(runs) == sorted(j.id for j in jobs)  # each exactly once


def test_lease_is_renewed_while_a_handler_runs(job_store: Any) -> None:
    lease = dt.timedelta(seconds=1.2)
    runs: list[int] = []

    def long(job: Job, ctx: JobContext) -> None:
        runs.append(job.id)
        time.sleep(3.0)  # 2.5 leases long

    first = ThreadJobRunner(job_store, lease=lease, poll=0.05)
    second = ThreadJobRunner(job_store, lease=lease, poll=0.05)
    for r in (first, second):
        r.register("long", long)
    job = first.submit("long", {})
    first.start()
    try:
        deadline = time.monotonic() + 5
        while first.get(job.id).status == JobStatus.QUEUED and time.monotonic() < deadline:
            time.sleep(0.01)
        second.start()  # polls all the time the first handler runs
        assert first.wait(job.id, timeout=15).status == JobStatus.COMPLETED
    finally:
        first.stop()
        second.stop()
    assert runs == [job.id]
