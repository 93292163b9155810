"""SQLite writers of several processes queue on a file lock beside the database (the
processes of a host served by gunicorn workers), so a writer starts right after the one
before it commits; correctness still rests on SQLite's own lock."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import pytest

from labelcore.storage.sql import SQLStore
from labelcore.storage.sql._writer import SUFFIX, WriterQueue

pytestmark = pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")


Q = multiprocessing.Queue


def _write_when_told(
    url: str | None, inherited: SQLStore | None, go: Any, started: Q
) -> None:
    store = inherited if inherited is not None else SQLStore(str(url), auto_migrate=False)
    go.wait(60)
    with store.transaction():
        started.put(time.monotonic())
        store.touch_token(1, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    store.close()


def _child_waits_for_the_turn(store: SQLStore, *, inherit: bool) -> None:
    """A child process writes while this one holds the writer turn: it may only start
    once the turn is given back."""
    ctx = multiprocessing.get_context("fork")
    go, started = ctx.Event(), ctx.Queue()
    args = (None, store, go, started) if inherit else (store.url, None, go, started)
    child = ctx.Process(target=_write_when_told, args=args)
    child.start()  # before the turn is taken: a fork inside it would copy the held lock
    with store._writer:  # type: ignore[union-attr]
        go.set()
        time.sleep(0.5)  # the child reaches its write and waits for the turn
        assert started.empty(), "the child wrote while another process held the turn"
        released = time.monotonic()
    assert started.get(timeout=60) >= released
    child.join(60)
    assert child.exitcode == 0


def test_a_second_process_waits_for_the_writer_turn(tmp_path: Path) -> None:
    store = SQLStore(f"sqlite:///{tmp_path / 'lc.db'}")
    store.engine.dispose()  # the child opens its own connections
    _child_waits_for_the_turn(store, inherit=False)
    assert (tmp_path / f"lc.db{SUFFIX}").exists()
    store.close()


def test_a_forked_process_takes_its_own_turn(tmp_path: Path) -> None:
    """A store inherited through fork() (a host that builds its app before forking workers)
    must not share the parent's lock: the child opens the lock file again."""
    store = SQLStore(f"sqlite:///{tmp_path / 'lc.db'}")
    with store.transaction():  # the parent's lock file is open before the fork
        pass
    store.engine.dispose()  # the child opens its own connections
    _child_waits_for_the_turn(store, inherit=True)
    store.close()


def test_without_a_lock_file_writers_still_work(tmp_path: Path) -> None:
    """No lock file can be made (here: its folder is gone): SQLite's busy handler orders the
    writers, as for any program that does not queue."""
    queue = WriterQueue(str(tmp_path / "missing" / f"lc.db{SUFFIX}"))
    with queue, queue:  # reentrant for the holding thread
        pass
    store = SQLStore(f"sqlite:///{tmp_path / 'lc.db'}")
    store._writer = queue
    with store.transaction():
        store.touch_token(1, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    store.close()


def test_memory_databases_use_the_process_lock_only() -> None:
    assert WriterQueue.for_database(":memory:")._path is None
    assert WriterQueue.for_database(None)._path is None
    assert WriterQueue.for_database("file:x?mode=memory")._path is None
    assert WriterQueue.for_database("/srv/lc.db")._path == f"/srv/lc.db{SUFFIX}"


def test_a_locked_database_is_sqlalchemys_operational_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BEGIN goes straight to the driver; its errors keep SQLAlchemy's types."""
    import sqlite3

    import sqlalchemy as sa

    from labelcore.storage.sql import engine

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 50)
    store = SQLStore(f"sqlite:///{tmp_path / 'lc.db'}")
    other = sqlite3.connect(tmp_path / "lc.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a program that does not queue holds the write lock
    try:
        locked = pytest.raises(sa.exc.OperationalError, match="database is locked")
        with locked, store.transaction():
            pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    with store.transaction():  # and the store writes again once it is free
        store.touch_token(1, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    store.close()


def test_two_stores_of_one_file_nested_in_one_thread_do_not_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two stores on one file share the process's queue: a write through the second inside
    the first's transaction re-enters the turn and gets SQLite's "database is locked" after
    the busy timeout, instead of waiting forever for its own flock."""
    import sqlalchemy as sa

    from labelcore.model import NewTask, ProjectSettings
    from labelcore.query import TaskQuery
    from labelcore.storage.sql import engine

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 50)
    url = f"sqlite:///{tmp_path / 'lc.db'}"
    first, second = SQLStore(url), SQLStore(url)
    assert first._writer is second._writer
    pid = first.add_project(ProjectSettings(title="nested"), None).id
    with first.transaction():
        first.add_tasks(pid, [NewTask(data={"text": "kept"})])
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            second.add_tasks(pid, [NewTask(data={"text": "refused"})])
    kept = second.get_tasks(list(second.task_ids(pid, TaskQuery())))
    assert [t.data["text"] for t in kept] == ["kept"]
    first.close()
    with second.transaction():  # the queue outlives the first store's close
        second.add_tasks(pid, [NewTask(data={"text": "later"})])
    second.close()
    third = SQLStore(url)  # all closed: a fresh queue, its own lock file descriptor
    assert third._writer is not first._writer
    third.close()
