"""A PostgreSQL import through ``core.import_tasks`` with the server's CPU beside the client's.

    python bench/bench_pg_import.py /tmp/wl-1000000/tasks_ner.json [--keep] [--pages]

Creates a fresh database (``lc_bench_<random>`` under ``--pg``, the admin URL), a NER project
with the workload's config, and imports the file streamed from disk, as a host's script would.
Prints one JSON object: wall seconds, client CPU seconds (``time.process_time``), the client's
peak RSS, and the server's CPU seconds — the backends connected to the new database plus the
server's own background processes (checkpointer, WAL writer, background writer), read from
``/proc/<pid>/stat`` (``harness.PGServerCPU``: the server must run on this machine), and what
the import's backend was doing at each half-second sample (``server_states``: ``active`` while
it works, ``idle in transaction`` while it waits for the client).
``--pages`` then times the four first pages of ``bench/run.py`` on the imported project (wall
and backend CPU, medians of 5 after a warm-up), right after the import and again after a
``VACUUM (ANALYZE)`` (what autovacuum does on a default server; its visibility map lets counts
read indexes alone). ``--keep`` leaves the database for
``bench/bench_pg_pages.py``; otherwise it is dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tasks_file", type=Path)
    ap.add_argument("--pg", default=harness.DEFAULT_PG_ADMIN, help="PostgreSQL admin URL")
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    ap.add_argument("--pages", action="store_true", help="then time the four first pages")
    ap.add_argument(
        "--drop-index",
        action="append",
        default=[],
        help="drop this index before the import (to see what it costs; repeatable)",
    )
    args = ap.parse_args()

    import inprocess

    db = {"kind": "postgres", "url": harness.pg_create_db(args.pg)}
    out: dict[str, Any] = {"db": db["url"], "load_start": round(os.getloadavg()[0], 2)}
    try:
        core = inprocess.open_core(db)
        manager, _ = inprocess._users()
        config = (args.tasks_file.parent / "config_ner.xml").read_text()
        project = core.create_project(manager, title="bench NER", label_config=config)
        with core.store.engine.begin() as conn:
            for name in args.drop_index:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
        out["dropped_indexes"] = args.drop_index
        with core.store.engine.connect() as conn:
            lsn = conn.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar()
        server = harness.PGServerCPU(args.pg, db["url"]).start()
        wall, cpu = time.perf_counter(), time.process_time()
        with open(args.tasks_file, "rb") as f:
            report = core.import_tasks(manager, project.id, f, filename=args.tasks_file.name)
        out["tasks"] = report.task_count
        out["wall_s"] = round(time.perf_counter() - wall, 2)
        out["client_cpu_s"] = round(time.process_time() - cpu, 2)
        out["server_cpu_s"] = round(server.stop(), 2)
        out["server_states"] = dict(sorted(server.states.items(), key=lambda kv: -kv[1]))
        with core.store.engine.connect() as conn:  # WAL written meanwhile (the whole server's)
            wal = conn.exec_driver_sql("SELECT pg_current_wal_lsn() - %s::pg_lsn", (lsn,))
            out["wal_mb"] = round(float(wal.scalar()) / 2**20)
        out["client_peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1
        )
        out["load_end"] = round(os.getloadavg()[0], 2)
        if args.pages:
            out["pages"] = pages(core, manager, project.id, args.pg, db["url"])
            out["vacuum_s"] = round(harness.pg_vacuum(db["url"]), 2)
            out["pages_after_vacuum"] = pages(core, manager, project.id, args.pg, db["url"])
        inprocess.close_core(core)
    finally:
        if not args.keep:
            harness.pg_drop_db(args.pg, db["url"])
    print(json.dumps(out, indent=1))


def pages(core: Any, manager: Any, project_id: int, admin: str, url: str) -> dict[str, Any]:
    import inprocess

    res: dict[str, Any] = {}
    for name, ls in inprocess.LS_QUERIES.items():
        query = inprocess._query(ls)
        walls, cpus, total = [], [], 0
        for _ in range(6):  # the first warms caches
            server = harness.PGServerCPU(admin, url).start(thread=False)
            t0 = time.perf_counter()
            page = core.list_tasks(manager, project_id, query, inprocess._page())
            walls.append(time.perf_counter() - t0)
            cpus.append(server.stop())
            total = page.total
        res[name] = {
            "wall_ms": round(statistics.median(walls[1:]) * 1000, 1),
            "pg_cpu_ms": round(statistics.median(cpus[1:]) * 1000, 1),
            "total": total,
        }
    return res


if __name__ == "__main__":
    main()
