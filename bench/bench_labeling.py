"""Labeling path and data-manager first pages, in CPU time (for a shared, loaded machine).

    python bench/bench_labeling.py --n 10000 [--n 100000] [--dir /dev/shm/lc] [--out FILE]
    python bench/bench_labeling.py --pg postgresql+psycopg://postgres@127.0.0.1/db --n 1000000 \
        --only pages

Measures through the LabelCore API, in this process, on a SQLite file (or a PostgreSQL URL):

- ``pairs``: next task + submit, 200 sequential pairs by one annotator on the N-task project:
  CPU ms per pair (median) and SQL statements per pair;
- ``concurrent``: 8 annotator threads, 400 tasks, overlap 2: submits/s, errors, tasks past
  their overlap, CPU seconds;
- ``pages``: first page (100 rows with the exact ``total``): plain, ordered by data.text,
  has-predictions, data.text contains, and filtered on data.meta_id sorted on -data.text.

The N-task database is imported once from the shared workload (tasks_ner.json, 30% with
predictions) and kept in --dir, so before/after runs read the same rows; ``pairs`` works on a
copy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402
from inprocess import LS_QUERIES, _payloads, over_overlap  # noqa: E402

from labelcore.model import User  # noqa: E402
from labelcore.query import PageRequest, parse_query  # noqa: E402
from labelcore.service import LabelCore  # noqa: E402

MANAGER = User(id=1, name="manager", roles=frozenset({"manager"}))
ANNOTATOR = User(id=2, name="annotator", roles=frozenset({"annotator"}))

QUERIES: dict[str, dict[str, Any]] = {
    **LS_QUERIES,
    "page_key_filter_sorted": {
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:data.meta_id",
                    "operator": "less",
                    "type": "Number",
                    "value": 1000,
                }
            ],
        },
        "ordering": ["-tasks:data.text"],
    },
}


class Counter:
    """SQL statements executed on an engine (cursor executions, executemany counts once)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.n = 0
        sa.event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *args: Any) -> None:
        self.n += 1


def workload(n: int, workdir: Path) -> Path:
    out = workdir / f"wl-{n}"
    if not (out / "tasks_ner.json").exists():
        subprocess.run(
            [sys.executable, str(harness.DEFAULT_WORKLOAD), "--out", str(out), "--n", str(n)],
            check=True,
        )
    return out


DATA_INDEXES = True  # --no-data-indexes: measure the pages without data-key indexes


def open_core(url: str) -> LabelCore:
    from labelcore.storage.sql import SQLStore

    store = SQLStore(url) if DATA_INDEXES else SQLStore(url, data_indexes=False)
    core = LabelCore(store=store, start_jobs=False)
    core.store.migrate()
    return core


def build(url: str, wl: Path, overlap: int = 1, limit: int | None = None) -> int:
    """A NER project with the workload's tasks; returns its id."""
    core = open_core(url)
    try:
        project = core.create_project(
            MANAGER,
            title="bench NER",
            label_config=(wl / "config_ner.xml").read_text(),
            maximum_annotations=overlap,
        )
        path = wl / "tasks_ner.json"
        if limit is not None:
            tasks = json.loads(path.read_text())[:limit]
            path = wl.parent / f"subset-{limit}.json"
            path.write_text(json.dumps(tasks))
        with open(path, "rb") as f:
            core.import_tasks(MANAGER, project.id, f, filename=path.name)
        return project.id
    finally:
        core.close()


def sqlite_db(n: int, workdir: Path, wl: Path) -> tuple[Path, int]:
    db = workdir / f"bench-{n}.sqlite"
    meta = db.with_suffix(".json")
    if not meta.exists():
        for p in workdir.glob(f"bench-{n}.sqlite*"):
            p.unlink()
        pid = build(f"sqlite:///{db}", wl)
        meta.write_text(json.dumps({"project": pid}))
    return db, int(json.loads(meta.read_text())["project"])


def bench_pairs(url: str, project: int, wl: Path, pairs: int = 200) -> dict[str, Any]:
    payloads = _payloads(wl)
    core = open_core(url)
    counter = Counter(core.store.engine)  # type: ignore[attr-defined]
    cpus: list[float] = []
    stmts: list[int] = []
    try:
        for _ in range(pairs + 5):
            before, c0 = counter.n, time.process_time()
            bundle = core.next_task(ANNOTATOR, project)
            if bundle is None:
                raise RuntimeError("no task left")
            p = payloads[bundle.task.data["meta_id"]]
            core.submit_annotation(ANNOTATOR, bundle.task.id, p["result"], lead_time=1.0)
            cpus.append(time.process_time() - c0)
            stmts.append(counter.n - before)
    finally:
        core.close()
    cpus, stmts = cpus[5:], stmts[5:]  # warm-up: statement compilation, config parse
    return {
        "pair_cpu_ms": statistics.median(cpus) * 1000,
        "pair_cpu_ms_mean": statistics.mean(cpus) * 1000,
        "statements_per_pair": statistics.median(stmts),
    }


def bench_concurrent(url: str, wl: Path, tasks: int = 400, overlap: int = 2) -> dict[str, Any]:
    project = build(url, wl, overlap=overlap, limit=tasks)
    payloads = _payloads(wl)
    core = open_core(url)
    users = [User(id=100 + i, name=f"a{i}", roles=frozenset({"annotator"})) for i in range(8)]
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(9)

    def worker(user: User) -> None:
        barrier.wait()
        for _ in range(tasks * 2):
            try:
                bundle = core.next_task(user, project)
                if bundle is None:
                    return
                p = payloads[bundle.task.data["meta_id"]]
                core.submit_annotation(user, bundle.task.id, p["result"], lead_time=1.0)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for t in threads:
        t.start()
    c0 = time.process_time()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    try:
        over = over_overlap(core, project, overlap)
    finally:
        core.close()
    return {
        "submits": done[0],
        "expected": tasks * overlap,
        "submits_per_s_wall": done[0] / wall,
        "submits_per_cpu_s": done[0] / cpu if cpu else 0.0,
        "cpu_s": cpu,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:3],
        "over_overlap": over,
    }


def bench_pages(url: str, project: int, runs: int = 7) -> dict[str, Any]:
    core = open_core(url)
    out: dict[str, Any] = {}
    try:
        for name, ls in QUERIES.items():
            query = parse_query(ls)
            cpus, walls, total = [], [], 0
            for _ in range(runs + 1):
                c0, t0 = time.process_time(), time.perf_counter()
                page = core.list_tasks(MANAGER, project, query, PageRequest(page=1, page_size=100))
                cpus.append(time.process_time() - c0)
                walls.append(time.perf_counter() - t0)
                total = page.total
            out[name] = {
                "cpu_ms": statistics.median(cpus[1:]) * 1000,
                "wall_ms": statistics.median(walls[1:]) * 1000,
                "total": total,
            }
    finally:
        core.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, action="append", help="task counts (repeatable)")
    parser.add_argument("--dir", type=Path, default=Path("/dev/shm/labelcore-bench"))
    parser.add_argument("--pg", help="PostgreSQL URL of a database this run may fill")
    parser.add_argument("--only", choices=["pairs", "concurrent", "pages"], action="append")
    parser.add_argument("--out", type=Path, help="append the JSON results to this file")
    parser.add_argument(
        "--no-data-indexes", action="store_true", help="SQLStore(data_indexes=False)"
    )
    args = parser.parse_args()
    global DATA_INDEXES
    DATA_INDEXES = not args.no_data_indexes
    args.dir.mkdir(parents=True, exist_ok=True)
    only = set(args.only or ["pairs", "concurrent", "pages"])
    results: dict[str, Any] = {
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "load": os.getloadavg()[0],
        "data_indexes": DATA_INDEXES,
    }
    for n in args.n or [10_000]:
        wl = workload(n, args.dir)
        res: dict[str, Any] = {}
        if args.pg:
            meta = args.dir / f"pg-{n}.json"
            if not meta.exists():
                meta.write_text(json.dumps({"project": build(args.pg, wl)}))
            project = int(json.loads(meta.read_text())["project"])
            if "pages" in only:
                res["pages"] = bench_pages(args.pg, project)
            if "pairs" in only:
                res["pairs"] = bench_pairs(args.pg, project, wl)
            results[f"postgresql-{n}"] = res
        else:
            db, project = sqlite_db(n, args.dir, wl)
            if "pages" in only:
                res["pages"] = bench_pages(f"sqlite:///{db}", project)
            if "pairs" in only:
                work = args.dir / "pairs.sqlite"
                for p in args.dir.glob("pairs.sqlite*"):
                    p.unlink()
                shutil.copy(db, work)
                res["pairs"] = bench_pairs(f"sqlite:///{work}", project, wl)
            if "concurrent" in only:
                conc = args.dir / "concurrent.sqlite"
                for p in args.dir.glob("concurrent.sqlite*"):
                    p.unlink()
                res["concurrent"] = bench_concurrent(f"sqlite:///{conc}", wl)
            results[f"sqlite-{n}"] = res
        print(json.dumps({f"n={n}": res}, indent=1), flush=True)
    if args.out:
        with open(args.out, "a") as f:
            f.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
