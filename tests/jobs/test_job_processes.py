"""Several processes sharing one SQLite store run every job exactly once, and a job whose
process was killed mid-run is resumed by another process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("labelcore.storage.sql", reason="SQLStore not on this branch yet")
pytestmark = pytest.mark.slow  # subprocesses importing SQLAlchemy: seconds each

ROOT = Path(__file__).resolve().parent.parent.parent

WORKER = """
import datetime as dt, os, sys, time
from labelcore.storage.sql import SQLStore
from labelcore.service.jobs import ThreadJobRunner

url, out, mode, stop, lease = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
store = SQLStore(url)
runner = ThreadJobRunner(store, workers=2, poll=0.02, lease=dt.timedelta(seconds=float(lease)))

def record(job, ctx):
    if mode == "hang":
        with open(out, "a") as f:
            f.write(f"started {job.id}\\n")
        time.sleep(3600)
    time.sleep(0.02)
    with open(out, "a") as f:
        f.write(f"{job.id} {os.getpid()}\\n")

runner.register("count", record)
runner.start()
print("ready", flush=True)
while not os.path.exists(stop):
    time.sleep(0.05)
runner.stop(timeout=5)
"""


def _spawn(
    url: str, out: Path, mode: str, stop: Path, lease: float = 60.0
) -> subprocess.Popen[str]:
    # a lease shorter than a stall of a loaded machine lets a job run twice (at least once
    # is the guarantee); only the crash test wants it short
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(out), mode, str(stop), str(lease)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"


def _wait(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_processes_share_the_queue_each_job_once(tmp_path: Path) -> None:
    from labelcore.storage.sql import SQLStore

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = SQLStore(url)
    store.migrate()
    outs = [tmp_path / f"out{i}.txt" for i in range(3)]
    stop = tmp_path / "stop"
    procs = [_spawn(url, out, "work", stop) for out in outs]
    for p in procs:
        _ready(p)  # all polling before the jobs exist
    ids = [store.add_job("count", {"i": i}, max_attempts=3).id for i in range(80)]
    _wait(lambda: all(j.status.value == "completed" for j in store.list_jobs(kind="count")))
    stop.touch()
    for p in procs:
        p.wait(60)
    lines = [ln.split() for out in outs if out.exists() for ln in out.read_text().splitlines()]
    ran = sorted(int(job_id) for job_id, _pid in lines)
    assert ran == sorted(ids)  # every job, each exactly once
    assert len({pid for _job, pid in lines}) >= 2  # the work really was shared
    assert {j.status.value for j in store.list_jobs(kind="count")} == {"completed"}
    store.close()


def test_job_of_a_killed_process_is_resumed(tmp_path: Path) -> None:
    from labelcore.storage.sql import SQLStore

    url = f"sqlite:///{tmp_path / 'resume.db'}"
    store = SQLStore(url)
    store.migrate()
    job = store.add_job("count", {}, max_attempts=3)
    stop = tmp_path / "stop"
    hung = _spawn(url, tmp_path / "hung.txt", "hang", stop, lease=1.0)
    _ready(hung)
    _wait(lambda: (tmp_path / "hung.txt").exists())
    os.kill(hung.pid, signal.SIGKILL)  # the process we started, by its pid
    hung.wait(10)
    survivor = _spawn(url, tmp_path / "ok.txt", "work", stop, lease=1.0)
    _ready(survivor)
    _wait(lambda: (tmp_path / "ok.txt").exists())  # after the 1 s lease ran out
    stop.touch()
    survivor.wait(60)
    done = store.get_job(job.id)
    assert done is not None and done.status.value == "completed"
    assert done.attempts == 2
    assert (tmp_path / "ok.txt").read_text().split()[0] == str(job.id)
    store.close()
