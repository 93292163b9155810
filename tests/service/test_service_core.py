from __future__ import annotations

import threading

from svc_fixtures import MANAGER, make_project

from labelcore import LabelCore
from labelcore.service.jobs import ThreadJobRunner
from labelcore.storage.memory import MemoryStore


def test_default_core_runs_jobs_and_attaches_webhooks() -> None:
    before = {t.name for t in threading.enumerate()}
    with LabelCore(store=MemoryStore()) as core:
        assert isinstance(core.jobs, ThreadJobRunner)
        assert getattr(core, "_labelcore_webhooks_attached", False)
        assert "webhook.deliver" in core.jobs.kinds
        running = {t.name for t in threading.enumerate()} - before
        assert any(name.startswith("labelcore-jobs") for name in running)
    # leaving the block stopped the runner's threads
    started = [t for t in threading.enumerate() if t.name.startswith("labelcore-jobs")]
    assert all(t.name in before for t in started)


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
