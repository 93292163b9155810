"""Claims from 4 processes at once (SQLite file and PostgreSQL): overlap is never exceeded and
no slot is handed out twice."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest

from labelcore.model import NewTask, ProjectSettings
from labelcore.storage.sql import SQLStore

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _claim_worker(url: str, worker: int, task_ids: list[int], out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = SQLStore(url, auto_migrate=False)
    won = []
    try:
        for user in range(worker * 10, worker * 10 + 5):  # 5 annotators per process
            for task_id in task_ids:
                if store.try_claim(task_id, user, NOW, dt.timedelta(minutes=10)):
                    won.append((task_id, user))
                    break
        out.put(won)
    finally:
        store.close()


def _run(url: str) -> None:
    store = SQLStore(url)
    pid = store.add_project(ProjectSettings(maximum_annotations=2), created_by=1).id
    task_ids = store.add_tasks(pid, [NewTask(data={"i": i}, overlap=2) for i in range(8)])
    store.engine.dispose()  # children open their own connections
    ctx = multiprocessing.get_context("fork")  # no re-import per child: quick on busy machines
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim_worker, args=(url, w, task_ids, out)) for w in range(4)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    won = [pair for result in results for pair in result]
    per_task: dict[int, set[int]] = {}
    for task_id, user in won:
        per_task.setdefault(task_id, set()).add(user)
    assert len(won) == 16  # 20 annotators, 8 tasks x overlap 2 = 16 slots
    assert all(len(users) <= 2 for users in per_task.values()), per_task
    assert len(set(won)) == len(won)
    claims = [
        store.user_claim(pid, user, NOW) for w in range(4) for user in range(w * 10, w * 10 + 5)
    ]
    assert sum(c is not None for c in claims) == 16
    store.close()


def test_four_processes_claiming_sqlite(tmp_path: Path) -> None:
    _run(f"sqlite:///{tmp_path / 'claims.db'}")


@pytest.mark.postgres
def test_four_processes_claiming_postgres(pg_url: str) -> None:
    _run(pg_url)
