"""PostgreSQL: next task does not queue behind a task another annotator is claiming or
submitting at that instant; it takes the next free candidate, and waits for the busy one
only when nothing else is free (so nobody is told "nothing left" while a slot is open)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from svc_fixtures import MANAGER, make_project

from labelcore import LabelCore, User
from labelcore.query import TaskQuery
from labelcore.storage.sql import SQLStore

pytestmark = pytest.mark.postgres
ANN = User(id=41, name="Al", roles={"annotator"})
HANG_GUARD = 60  # seconds: a join that long means the call is stuck, not slow


@pytest.fixture()
def core(pg_url: str) -> Iterator[LabelCore]:
    c = LabelCore(store=SQLStore(pg_url), start_jobs=False)
    yield c
    c.close()


def _tasks(core: LabelCore, n: int, overlap: int = 2) -> tuple[int, list[int]]:
    project = make_project(core, n, maximum_annotations=overlap)
    return project.id, sorted(core.store.task_ids(project.id, TaskQuery()))


class RowHolder:
    """Another worker in the middle of a claim or submit: holds the task's row lock."""

    def __init__(self, url: str, task_id: int) -> None:
        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        self.conn.execute("SELECT id FROM labelcore_task WHERE id = %s FOR UPDATE", (task_id,))

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def _waiting_on_a_lock(url: str) -> bool:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    name = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (name,),
        ).fetchone()
    return bool(row and row[0])


def _label_in_thread(core: LabelCore, project_id: int) -> tuple[threading.Thread, list[int]]:
    """ANN asks for the next task in a thread (started); the list gets its task id (-1: None)."""
    got: list[int] = []

    def label() -> None:
        bundle = core.next_task(ANN, project_id)
        got.append(-1 if bundle is None else bundle.task.id)

    worker = threading.Thread(target=label)
    worker.start()
    return worker, got


def test_a_busy_first_candidate_is_passed_over(core: LabelCore, pg_url: str) -> None:
    project_id, (t1, t2, _t3) = _tasks(core, 3)
    holder = RowHolder(pg_url, t1)
    worker, got = _label_in_thread(core, project_id)
    try:
        worker.join(HANG_GUARD)
        assert got == [t2]  # the next free task, without waiting for the holder
    finally:
        holder.release()
        worker.join(HANG_GUARD)
    # the passed-over task is still first in line for the next annotator
    other = User(id=42, name="Bea", roles={"annotator"})
    bundle = core.next_task(other, project_id)
    assert bundle is not None and bundle.task.id == t1


def test_when_every_candidate_is_busy_it_waits_instead_of_saying_nothing_left(
    core: LabelCore, pg_url: str
) -> None:
    project_id, (t1,) = _tasks(core, 1)
    holder = RowHolder(pg_url, t1)
    worker, got = _label_in_thread(core, project_id)
    try:
        for _ in range(600):  # until the claim waits for the row (no timing asserted)
            if _waiting_on_a_lock(pg_url) or not worker.is_alive():
                break
            worker.join(0.05)
        assert got == []  # still waiting: the only open slot is on the busy task
    finally:
        holder.release()
    worker.join(HANG_GUARD)
    assert got == [t1]


def test_overlap_still_holds_when_claims_pass_over_busy_tasks(core: LabelCore, pg_url: str) -> None:
    project_id, (t1, t2) = _tasks(core, 2, overlap=1)
    holder = RowHolder(pg_url, t1)
    worker, got = _label_in_thread(core, project_id)
    try:
        worker.join(HANG_GUARD)
    finally:
        holder.release()
        worker.join(HANG_GUARD)
    assert got == [t2]
    b = core.next_task(User(id=42, roles={"annotator"}), project_id)
    c = core.next_task(User(id=43, roles={"annotator"}), project_id)
    assert b is not None and b.task.id == t1 and c is None
    core.submit_annotation(ANN, t2, [])
    assert core.project_counts(MANAGER, project_id).labeled_count == 1
