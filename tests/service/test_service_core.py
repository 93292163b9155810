from __future__ import annotations

import threading

from svc_fixtures import MANAGER, make_project

from labelcore import LabelCore
from labelcore.service.jobs import ThreadJobRunner
from labelcore.storage.memory import MemoryStore


def test_default_core_runs_jobs_and_attaches_webhooks() -> None:
    # thread objects, not names: other tests in this worker may have left runners with
    # the same thread names
    before = set(threading.enumerate())
    with LabelCore(store=MemoryStore()) as core:
        assert isinstance(core.jobs, ThreadJobRunner)
        assert getattr(core, "_labelcore_webhooks_attached", False)
        assert "webhook.deliver" in core.jobs.kinds
        running = set(threading.enumerate()) - before
        assert any(t.name.startswith("labelcore-jobs") for t in running)
    # leaving the block stopped the runner's threads
    for t in running:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in running)


def test_a_host_runner_is_used_as_given() -> None:
    store = MemoryStore()
    runner = ThreadJobRunner(store)
    core = LabelCore(store=store, job_runner=runner, start_jobs=False)
    assert core.jobs is runner
    job = core.jobs.submit("noop", {"x": 1})
    assert store.get_job(job.id) is not None
    core.close()


def test_store_url_memory() -> None:
    core = LabelCore(store="memory://", start_jobs=False)
    p = make_project(core, 2)
    assert core.project_counts(MANAGER, p.id).task_count == 2
    core.close()
