"""Many annotators at once never push a task past its overlap and never share a slot."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from svc_fixtures import MANAGER, make_project
from svc_workers import label_until_done

from labelcore import LabelCore, User
from labelcore.storage.memory import MemoryStore

TASKS = 24
WORKERS = 4


def check_invariants(core: LabelCore, project_id: int, runs: list[list[int]], overlap: int) -> None:
    per_task: Counter[int] = Counter()
    for labeled in runs:
        assert len(labeled) == len(set(labeled)), "a user got the same task twice"
        per_task.update(labeled)
    assert per_task and max(per_task.values()) <= overlap
    for task_id, times in per_task.items():
        annotations = core.store.list_annotations(task_id=task_id)
        users = [a.completed_by for a in annotations]
        assert len(users) == len(set(users)) == times
        assert len(users) <= overlap
    # when nobody holds a claim any more, everything is labeled exactly `overlap` times
    assert sum(per_task.values()) == TASKS * overlap


def setup_project(core: LabelCore, overlap: int) -> int:
    return make_project(core, TASKS, maximum_annotations=overlap).id


def run_threads(core: LabelCore, overlap: int) -> None:
    project_id = setup_project(core, overlap)

    def work(user_id: int) -> list[int]:
        user = User(id=user_id, roles={"annotator"})
        labeled = []
        while (bundle := core.next_task(user, project_id)) is not None:
            core.submit_annotation(user, bundle.task.id, [])
            labeled.append(bundle.task.id)
        return labeled

    with ThreadPoolExecutor(8) as pool:
        runs = list(pool.map(work, range(100, 108)))
    check_invariants(core, project_id, runs, overlap)


@pytest.mark.parametrize("overlap", [1, 2])
def test_threads_on_memory_store(overlap: int) -> None:
    run_threads(LabelCore(store=MemoryStore(), start_jobs=False), overlap)


@pytest.mark.slow
@pytest.mark.parametrize("overlap", [2])
def test_threads_on_a_sqlite_file(tmp_path, overlap: int) -> None:
    pytest.importorskip("labelcore.storage.sql", reason="SQLStore is not in this branch yet")
    core = LabelCore(store=f"sqlite:///{tmp_path / 'lc.db'}", start_jobs=False)
    try:
        run_threads(core, overlap)
    finally:
        core.close()


def run_processes(url: str, overlap: int) -> None:
    core = LabelCore(store=url, start_jobs=False)
    project_id = setup_project(core, overlap)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WORKERS) as pool:
        runs = pool.starmap(label_until_done, [(url, project_id, 200 + i) for i in range(WORKERS)])
    check_invariants(core, project_id, runs, overlap)
    assert core.project_counts(MANAGER, project_id).labeled_count == TASKS
    core.close()


@pytest.mark.slow
@pytest.mark.parametrize("overlap", [1, 3])  # one slot per task; several slots per task
def test_processes_on_a_sqlite_file(tmp_path, overlap: int) -> None:
    pytest.importorskip("labelcore.storage.sql", reason="SQLStore is not in this branch yet")
    run_processes(f"sqlite:///{tmp_path / 'lc.db'}", overlap)


@pytest.mark.postgres
@pytest.mark.slow
def test_processes_on_postgresql(pg_url: str) -> None:
    pytest.importorskip("labelcore.storage.sql", reason="SQLStore is not in this branch yet")
    run_processes(pg_url, 2)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("overlap", [1, 2])
def test_threads_on_postgresql(pg_url: str, overlap: int) -> None:
    # 8 threads of one process: claims skip a task another thread holds at that instant and
    # come back to it (try_claim_unless_busy); the overlap stays exact all the same
    core = LabelCore(store=pg_url, start_jobs=False)
    try:
        run_threads(core, overlap)
    finally:
        core.close()
