"""The limits hold across workers sharing a SQL store (SQLite file, PostgreSQL), and a slot
held by a worker that died frees itself: ``labelcore.storage.sql._limits``."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from labelcore import Limits, Rate, TooManyRequests, User
from labelcore.model import utcnow
from labelcore.service.limits import Limiter
from labelcore.storage.sql import SQLStore
from labelcore.storage.sql._limits import SUFFIX

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'lc.db'}"


@pytest.fixture()
def workers(url: str) -> Iterator[Callable[[], SQLStore]]:
    """Stores on one database, as each worker process opens its own."""
    opened: list[SQLStore] = []

    def open_one() -> SQLStore:
        opened.append(SQLStore(url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


def _limiter(store: SQLStore, limits: Limits, clock: Callable[[], float] = time.time) -> Limiter:
    return Limiter(limits, store.limit_backend(), clock=clock)


def _together(limiters: list[Limiter], run: Callable[[Limiter], None]) -> None:
    """``run(limiter)`` for each limiter on its own thread, all started at once."""
    barrier = threading.Barrier(len(limiters))

    def start(limiter: Limiter) -> None:
        barrier.wait()
        run(limiter)

    threads = [threading.Thread(target=start, args=(lim,)) for lim in limiters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def test_lease_of_a_crashed_worker_expires(workers: Callable[[], SQLStore]) -> None:
    now = [1_000_000.0]
    limits = Limits(exports_per_user=1, lease_seconds=60)
    dead = _limiter(workers(), limits, lambda: now[0])
    alive = _limiter(workers(), limits, lambda: now[0])
    dead.hold_export("u", 1)  # the worker dies mid-export: never released
    with pytest.raises(TooManyRequests) as exc:
        alive.hold_export("u", 1)
    assert exc.value.code == "limit.exports"
    now[0] += 59
    with pytest.raises(TooManyRequests):
        alive.hold_export("u", 1)
    now[0] += 2  # past its expiry: the slot is taken over
    lease = alive.hold_export("u", 1)
    with pytest.raises(TooManyRequests):
        dead.hold_export("u", 1)
    lease.release()
    dead.hold_export("u", 1).release()


def test_lease_of_a_killed_process_expires(tmp_path: Path) -> None:
    """A real process takes a slot and exits without giving it back (os._exit)."""
    url = f"sqlite:///{tmp_path / 'lc.db'}"
    SQLStore(url).close()
    script = (
        "import os, time\n"
        "from labelcore import Limits\n"
        "from labelcore.service.limits import Limiter\n"
        "from labelcore.storage.sql import SQLStore\n"
        f"store = SQLStore({url!r})\n"
        "limiter = Limiter(Limits(imports_per_project=1, lease_seconds=30), "
        "store.limit_backend())\n"
        "limiter.hold_import(7)\n"
        "os._exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env={"PYTHONPATH": str(SRC)}, timeout=120, check=False
    )
    assert done.returncode == 3
    assert Path(f"{tmp_path / 'lc.db'}{SUFFIX}").exists()
    store = SQLStore(url)
    try:
        limits = Limits(imports_per_project=1, lease_seconds=30)
        with pytest.raises(TooManyRequests):
            _limiter(store, limits).hold_import(7)
        later = _limiter(store, limits, lambda: time.time() + 31)
        later.hold_import(7).release()
    finally:
        store.close()


def test_a_long_export_keeps_its_slot(workers: Callable[[], SQLStore]) -> None:
    now = [1_000_000.0]
    limits = Limits(exports_per_project=1, lease_seconds=30)
    mine = _limiter(workers(), limits, lambda: now[0])
    theirs = _limiter(workers(), limits, lambda: now[0])
    stream = mine.hold_export("u", 5).stream(iter([b"a"] * 10))
    for _ in range(6):  # 15 s between chunks: each renews the slot past its first expiry
        now[0] += 15
        assert next(stream) == b"a"
        with pytest.raises(TooManyRequests):
            theirs.hold_export("v", 5)
    stream.close()
    theirs.hold_export("v", 5).release()


def test_slots_are_never_over_given_across_workers(workers: Callable[[], SQLStore]) -> None:
    limits = Limits(exports_per_project=3)
    limiters = [_limiter(workers(), limits) for _ in range(6)]
    got: list[object] = []
    refused: list[int] = []

    def run(limiter: Limiter) -> None:
        for _ in range(4):
            try:
                got.append(limiter.hold_export("u", 9))
            except TooManyRequests:
                refused.append(1)

    _together(limiters, run)
    assert len(got) == 3 and len(refused) == 21


def test_rate_tokens_are_never_over_given_across_workers(
    workers: Callable[[], SQLStore],
) -> None:
    limits = Limits(api_per_user=Rate(20, per=3600))
    limiters = [_limiter(workers(), limits) for _ in range(6)]
    passed: list[int] = []

    def run(limiter: Limiter) -> None:
        for _ in range(10):
            try:
                limiter.check_api(42)
                passed.append(1)
            except TooManyRequests as exc:
                assert exc.retry_after >= 1

    _together(limiters, run)
    assert len(passed) == 20
    # another user's bucket is their own; "42" (a str id) is not the user 42
    limiters[0].check_api("42")


def test_rate_refills_in_the_store(workers: Callable[[], SQLStore]) -> None:
    now = [2_000_000.0]
    limiter = _limiter(workers(), Limits(ml_per_project=Rate(2, per=60)), lambda: now[0])
    limiter.check_ml(1)
    limiter.check_ml(1)
    with pytest.raises(TooManyRequests) as exc:
        limiter.check_ml(1)
    assert exc.value.retry_after == 30 and exc.value.code == "limit.ml_rate"
    limiter.check_ml(2)  # per project
    now[0] += 30
    limiter.check_ml(1)
    with pytest.raises(TooManyRequests):
        limiter.check_ml(1)
    now[0] += 1000  # a full bucket holds no more than its count
    limiter.check_ml(1)
    limiter.check_ml(1)
    with pytest.raises(TooManyRequests):
        limiter.check_ml(1)


def test_rate_check_does_not_wait_for_a_long_write(tmp_path: Path) -> None:
    """On SQLite the limits live beside the database: an import holding the write lock of
    the main file for a long time does not hold up every API request's rate check."""
    store = SQLStore(f"sqlite:///{tmp_path / 'lc.db'}")
    limiter = _limiter(store, Limits(api_per_user=Rate(100, per=60)))
    writing, done = threading.Event(), threading.Event()

    def long_write() -> None:
        with store.transaction():
            store.upsert_user(User(id="w", name="w"), utcnow())
            writing.set()
            done.wait(30)

    thread = threading.Thread(target=long_write)
    thread.start()
    try:
        assert writing.wait(30)
        started = time.monotonic()
        limiter.check_api("u")
        assert time.monotonic() - started < 2.0
    finally:
        done.set()
        thread.join(30)
        store.close()


@pytest.mark.postgres
def test_rate_check_leaves_the_connection_s_commit_durability_alone(pg_url: str) -> None:
    """The token UPDATE skips the WAL flush for its own transaction only: the store's
    later transactions on the same pooled connection still commit durably."""
    store = SQLStore(pg_url, pool_size=1, max_overflow=0)
    try:
        limiter = _limiter(store, Limits(api_per_user=Rate(100, per=60)))
        limiter.check_api("u")
        limiter.check_api("u")
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
            conn.exec_driver_sql("SELECT 1")
        with store.engine.connect() as conn:
            tokens = conn.exec_driver_sql("SELECT tokens FROM labelcore_limit_bucket").scalar()
        assert tokens is not None and 97.0 <= tokens < 99.0
    finally:
        store.close()
