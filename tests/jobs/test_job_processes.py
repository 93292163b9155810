"""Several processes sharing one SQLite store run every job exactly once, and a job whose
process was killed mid-run is resumed by another process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("labelcore.storage.sql", reason="SQLStore not on this branch yet")

ROOT = Path(__file__).resolve().parent.parent.parent

WORKER = """
import datetime as dt, os, sys, time
from labelcore.storage.sql import SQLStore
from labelcore.service.jobs import ThreadJobRunner

url, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
store = SQLStore(url)
runner = ThreadJobRunner(store, workers=2, poll=0.02, lease=dt.timedelta(seconds=1))

def record(job, ctx):
    if mode == "hang":
        with open(out, "a") as f:
            f.write(f"started {job.id}\\n")
        time.sleep(3600)
    with open(out, "a") as f:
        f.write(f"{job.id} {os.getpid()}\\n")

runner.register("count", record)
runner.start()
print("ready", flush=True)
time.sleep(float(sys.argv[4]))
runner.stop(timeout=5)
"""


def _spawn(url: str, out: Path, mode: str, seconds: float) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(out), mode, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_processes_share_the_queue_each_job_once(tmp_path: Path) -> None:
    from labelcore.storage.sql import SQLStore

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = SQLStore(url)
    store.migrate()
    ids = [store.add_job("count", {"i": i}, max_attempts=3).id for i in range(80)]
    outs = [tmp_path / f"out{i}.txt" for i in range(3)]
    procs = [_spawn(url, out, "work", 6.0) for out in outs]
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
    hung = _spawn(url, tmp_path / "hung.txt", "hang", 60.0)
    deadline = time.monotonic() + 20
    while not (tmp_path / "hung.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(hung.pid, signal.SIGKILL)  # the process we started, by its pid
    hung.wait(10)
    survivor = _spawn(url, tmp_path / "ok.txt", "work", 4.0)
    survivor.wait(60)
    done = store.get_job(job.id)
    assert done is not None and done.status.value == "completed"
    assert done.attempts == 2
    assert (tmp_path / "ok.txt").read_text().split()[0] == str(job.id)
    store.close()
