"""Benchmark plumbing: timing samples, one child process per measurement, databases, machine.

    from harness import Samples, run_child, time_repeats
    s = time_repeats(lambda: sum(range(10**6)), repeats=5)      # Samples, seconds
    res = run_child(["--child", spec_json], cwd=repo)          # dict with measurements + peak RSS

A measurement runs in a fresh ``python bench/run.py --child SPEC`` process so that its peak
RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) belongs to it alone; the child prints one
JSON object on its last stdout line.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent


def _find_workload() -> Path:
    """``../shared/bench/workload.py`` relative to the repo root (looked up through the
    parents too, so a git worktree below the checkout finds the same file)."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "bench" / "workload.py"
        if candidate.exists():
            return candidate
    return REPO.parent / "shared" / "bench" / "workload.py"


DEFAULT_WORKLOAD = _find_workload()
DEFAULT_PG_ADMIN = os.environ.get("LABELCORE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
# Databases of one run are named lc_bench_<run tag>_<random>: the parent drops whatever its
# children left behind (a child killed by its timeout cannot drop its own), and only those.
RUN_TAG_ENV = "LABELCORE_BENCH_RUN"


class Samples:
    """Repeated measurements of one quantity (seconds unless ``unit`` says otherwise)."""

    def __init__(self, values: list[float], unit: str = "s") -> None:
        self.values = list(values)
        self.unit = unit

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def to_json(self) -> dict[str, Any]:
        return {"values": self.values, "unit": self.unit}


def time_repeats(fn: Callable[[], object], repeats: int, warmup: int = 0) -> list[float]:
    """Wall-clock seconds of ``fn()`` for each repeat (after ``warmup`` unmeasured calls)."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def proc_peak_rss_mb(pid: int) -> float | None:
    """Peak RSS (VmHWM) of another process, in MB, or None when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def proc_cpu_s(pid: int) -> float | None:
    """User+system CPU seconds of another process so far, or None when unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def proc_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants (a gunicorn master and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_cpu_s(pid: int) -> float | None:
    """User+system CPU seconds of a process and its live descendants, or None."""
    values = [proc_cpu_s(p) for p in proc_tree(pid)]
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def tree_peak_rss_mb(pid: int) -> float | None:
    """The largest peak RSS (VmHWM) among a process and its live descendants, in MB."""
    values = [proc_peak_rss_mb(p) for p in proc_tree(pid)]
    known = [v for v in values if v is not None]
    return max(known) if known else None


def run_child(spec: dict[str, Any], timeout: float = 3600.0) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; returns its JSON result.

    Raises RuntimeError with the child's stderr tail when it fails.
    """
    env = dict(os.environ)
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run(
        [sys.executable, str(BENCH_DIR / "run.py"), "--child", json.dumps(spec)],
        cwd=str(REPO),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(proc.stderr.splitlines()[-25:])
        raise RuntimeError(f"child {spec.get('op')} failed (exit {proc.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def generate_workload(workload_py: Path, out: Path, n: int) -> dict[str, Any]:
    """Run the shared generator unchanged; reuse an existing directory with the same n."""
    manifest = out / "manifest.json"
    if manifest.exists():
        m: dict[str, Any] = json.loads(manifest.read_text())
        if m.get("n") == n:
            return m
    subprocess.run(
        [sys.executable, str(workload_py), "--out", str(out), "--n", str(n)],
        check=True,
        capture_output=True,
    )
    loaded: dict[str, Any] = json.loads(manifest.read_text())
    return loaded


# -- databases ---------------------------------------------------------------------------------


def pg_available(admin_url: str) -> str | None:
    """None when PostgreSQL answers at ``admin_url``, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{type(exc).__name__}: {exc}".strip()


def pg_create_db(admin_url: str) -> str:
    """Create a fresh database; returns its libpq URL (postgresql://.../name)."""
    import psycopg

    tag = os.environ.get(RUN_TAG_ENV, "")
    name = f"lc_bench_{tag + '_' if tag else ''}{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def pg_drop_db(admin_url: str, db_url: str) -> None:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_drop_run_dbs(admin_url: str, tag: str) -> list[str]:
    """Drop every database of the run ``tag`` still there; returns their names."""
    import psycopg

    if not tag.isalnum():
        raise ValueError(f"bad run tag {tag!r}")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                (f"lc\\_bench\\_{tag}\\_%",),
            )
        ]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return names


def pg_vacuum(db_url: str) -> float:
    """Seconds for ``VACUUM (ANALYZE)`` of the database: what autovacuum does after a big
    import on a default server (it sets the visibility map that index-only scans need)."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        t0 = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        return time.perf_counter() - t0


class PGServerCPU:
    """CPU seconds of a database's backends plus the server's background processes
    (checkpointer, WAL writer, background writer, autovacuum), read from ``/proc/<pid>/stat``
    every half second by a thread (the server must run on this machine; one clock tick is
    10 ms, and a backend's last half second before it exits can be missed). ``states``
    counts what the database's busy backends were doing at each sample (``active`` while
    working, ``idle in transaction`` while waiting for their client)."""

    AUX = ("checkpointer", "background writer", "walwriter", "autovacuum")

    def __init__(self, admin_url: str, db_url: str) -> None:
        import psycopg

        self._conn = psycopg.connect(admin_url, autocommit=True)
        self._database = db_url.rsplit("/", 1)[1]
        self._own = self._conn.info.backend_pid
        self._first: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._started = False
        self.states: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._lock = threading.Lock()

    @staticmethod
    def _ticks(pid: int) -> int | None:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return int(fields[11]) + int(fields[12])

    @classmethod
    def _aux_pids(cls) -> list[int]:
        out = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if cmd.startswith("postgres:") and any(a in cmd for a in cls.AUX):
                out.append(int(entry.name))
        return out

    def sample(self) -> None:
        with self._lock:
            rows = self._conn.execute(
                "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> %s",
                (self._database, self._own),
            ).fetchall()
        for _, state, wtype, wevent in rows:
            if self._started and state and state != "idle":
                key = state if state != "active" or not wtype else f"{state}: {wtype}/{wevent}"
                self.states[key] = self.states.get(key, 0) + 1
        for pid in [r[0] for r in rows] + self._aux_pids():
            t = self._ticks(pid)
            if t is None:
                continue
            # a process first seen after the start began after it: all its ticks count
            self._first.setdefault(pid, 0 if self._started else t)
            self._last[pid] = t

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def start(self, thread: bool = True) -> PGServerCPU:
        self.sample()
        self._started = True
        if thread:
            self._thread.start()
        return self

    def stop(self) -> float:
        """Stop sampling; returns the CPU seconds used since ``start``."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.sample()
        self._conn.close()
        return sum(self._last[p] - self._first[p] for p in self._last) / os.sysconf("SC_CLK_TCK")


def sqlalchemy_url(db: dict[str, str]) -> str:
    """The URL labelcore's store takes for a database descriptor."""
    if db["kind"] == "sqlite":
        return "sqlite:///" + db["path"]
    return db["url"].replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def fresh_db(
    kind: str, workdir: Path, admin_url: str, keep: bool = False
) -> Iterator[dict[str, str]]:
    """A new empty database descriptor ({"kind", "path"|"url"}); removed afterwards unless
    ``keep`` — and always removed when the block raises, so a failed run leaves nothing."""
    if kind == "sqlite":
        db = {"kind": "sqlite", "path": str(workdir / f"db-{uuid.uuid4().hex[:10]}.sqlite3")}
    else:
        db = {"kind": "postgres", "url": pg_create_db(admin_url)}
    try:
        yield db
    except BaseException:
        drop_db(db, admin_url)
        raise
    if not keep:
        drop_db(db, admin_url)


def drop_db(db: dict[str, str], admin_url: str) -> None:
    if db["kind"] == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal", "-labelcore-writer"):
            Path(db["path"] + suffix).unlink(missing_ok=True)
    else:
        pg_drop_db(admin_url, db["url"])


# -- machine -----------------------------------------------------------------------------------


def machine_info(admin_url: str | None) -> dict[str, str]:
    """Cores, memory, CPU model, OS, Python, SQLite, PostgreSQL and key library versions."""
    info: dict[str, str] = {}
    info["cores"] = str(os.cpu_count())
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            kb = int(next(ln for ln in f if ln.startswith("MemTotal:")).split()[1])
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        info["memory"] = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            info["cpu"] = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "unknown"
            )
    except OSError:
        info["cpu"] = "unknown"
    info["os"] = f"{platform.system()} {platform.release()}"
    info["python"] = platform.python_version()
    info["sqlite"] = sqlite3.sqlite_version
    if admin_url and pg_available(admin_url) is None:
        import psycopg

        with psycopg.connect(admin_url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = str(row[0]) if row else "unknown"
    from importlib import metadata

    for dist in ("labelcore", "sqlalchemy", "sqlmodel", "psycopg", "flask", "werkzeug", "waitress"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=str(REPO), capture_output=True, text=True
        ).stdout.strip()
        if rev:
            info["labelcore commit"] = rev
    except OSError:
        pass
    return info
