"""First data-manager pages on an existing PostgreSQL database, with the server's CPU.

    python bench/bench_pg_pages.py postgresql+psycopg://postgres@127.0.0.1/db [--project 1]

Runs bench_labeling's page queries (100 rows with the exact ``total``) against a project
already there (e.g. the 1M copy described in STORE_RESULTS.md) and prints, per query, the
median wall ms and the median CPU ms the database's backends spent (utime + stime from
/proc/<pid>/stat of every backend on that database: the server must run on this machine;
the resolution is one clock tick, 10 ms). On a loaded machine the backend CPU says more
than the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
import bench_labeling as bl  # noqa: E402

from labelcore.query import PageRequest, parse_query  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(admin: sa.Engine, database: str) -> float:
    """CPU seconds used so far by the backends connected to ``database``."""
    with admin.connect() as conn:
        pids = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}
            )
        ]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        ticks += int(fields[11]) + int(fields[12])
    return ticks / TICK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--project", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = sa.make_url(args.url)
    admin = sa.create_engine(url.set(database="postgres"))
    core = bl.open_core(args.url)
    out: dict[str, object] = {"load": os.getloadavg()[0]}
    try:
        for name, ls in bl.QUERIES.items():
            query = parse_query(ls)
            walls, cpus, total = [], [], 0
            for _ in range(args.runs + 1):  # the first run warms caches
                before, started = backend_cpu(admin, str(url.database)), time.perf_counter()
                page = core.list_tasks(bl.MANAGER, args.project, query, PageRequest(page_size=100))
                walls.append(time.perf_counter() - started)
                cpus.append(backend_cpu(admin, str(url.database)) - before)
                total = page.total
            out[name] = {
                "wall_ms": round(statistics.median(walls[1:]) * 1000, 1),
                "pg_cpu_ms": round(statistics.median(cpus[1:]) * 1000, 1),
                "total": total,
            }
    finally:
        core.close()
        admin.dispose()
    out["load_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
