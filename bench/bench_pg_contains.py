"""Where a PostgreSQL ``contains`` page spends its time, per matching row, on a kept database.

    python bench/bench_pg_contains.py postgresql+psycopg://postgres@127.0.0.1/db [--needle Berlin]

For ``data.text contains <needle>`` (the first page's filter in bench/run.py) on a database
that ``bench_pg_import.py --keep`` left, prints one JSON object:

- ``count``: the count the page's ``total`` needs, as the store writes it (the trigram
  index's recheck ``data::text ILIKE``, then the key's ``ILIKE``), one backend, no parallel
  workers: wall and backend CPU (median), and from ``EXPLAIN (ANALYZE, BUFFERS)`` with
  ``track_io_timing`` the heap pages read and the time spent reading them;
- ``per_row_us``: the CPU of each part of that check and of exact alternatives, per
  matching row, measured on the matching rows copied into a temporary table (in memory, so
  no page reads): the jsonb -> text serialization, ``ILIKE`` in the database's locale,
  ``LIKE`` on text lowered ahead, ASCII folding (``lower(... COLLATE "C")``), the
  ``translate``/``replace`` that would map the locale's non-ASCII characters lowering to ASCII
  (U+0130, U+212A in glibc) first, and pg_trgm's trigram extraction (``similarity``), which an
  import pays once per inserted task. Minimum of ``--runs`` runs, less the bare scan;
  ``rows_kept`` says how many rows each condition kept.

The server must run on this machine (backend CPU from ``/proc/<pid>/stat``; one clock tick
is 10 ms). It changes nothing in the database (the temporary table goes with the session).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import psycopg

TICK = os.sysconf("SC_CLK_TCK")
REPLACE = "replace(replace({x}, U&'\\0130', 'i'), U&'\\212A', 'k')"
FOLD = "lower(" + REPLACE + ' COLLATE "C")'
PARTS = {  # name -> condition over the temporary table m(data jsonb, t text, k text)
    "bare scan": "t IS NOT NULL",
    "jsonb -> text (data::text)": "data::text IS NOT NULL",
    "key text (jsonb_extract_path_text)": "jsonb_extract_path_text(data, 'text') IS NOT NULL",
    "ILIKE, database locale (t)": "t ILIKE %(p)s",
    "LIKE on text lowered ahead (t)": "t LIKE %(lp)s",
    "ASCII folding + LIKE (t)": 'lower(t COLLATE "C") LIKE %(lp)s',
    "translate of 2 characters (t)": "translate(t, U&'\\0130\\212A', 'ik') IS NOT NULL",
    "replace of 2 characters (t)": REPLACE.format(x="t") + " IS NOT NULL",
    "recheck today: data::text ILIKE": "data::text ILIKE %(p)s",
    "recheck folded: fold(data::text) LIKE": FOLD.format(x="data::text") + " LIKE %(lp)s",
    "key today: key ILIKE": "jsonb_extract_path_text(data, 'text') ILIKE %(p)s",
    "key folded: fold(key) LIKE": FOLD.format(x="jsonb_extract_path_text(data, 'text')")
    + " LIKE %(lp)s",
    "both today": "data::text ILIKE %(p)s AND jsonb_extract_path_text(data, 'text') ILIKE %(p)s",
    "both folded": FOLD.format(x="data::text")
    + " LIKE %(lp)s AND "
    + FOLD.format(x="jsonb_extract_path_text(data, 'text')")
    + " LIKE %(lp)s",
    "trigram extraction (similarity(data::text, 'x'))": "similarity(data::text, 'x') >= 0",
}


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--needle", default="Berlin")
    ap.add_argument("--project", type=int, default=1)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    dsn = args.url.replace("postgresql+psycopg://", "postgresql://")
    params = {"p": f"%{args.needle}%", "lp": f"%{args.needle.lower()}%", "project": args.project}
    out: dict[str, Any] = {"needle": args.needle, "load_start": round(os.getloadavg()[0], 2)}
    with psycopg.connect(dsn, autocommit=True) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        conn.execute("SET max_parallel_workers_per_gather = 0")
        conn.execute("SET track_io_timing = on")
        count = (
            "SELECT count(*) FROM labelcore_task WHERE project_id = %(project)s"
            " AND data::text ILIKE %(p)s AND jsonb_extract_path_text(data, 'text') ILIKE %(p)s"
        )
        conn.execute(count, params).fetchone()  # warm-up
        walls, cpus = [], []
        for _ in range(args.runs):
            c0, t0 = _cpu(pid), time.perf_counter()
            matches = conn.execute(count, params).fetchone()[0]  # type: ignore[index]
            walls.append(time.perf_counter() - t0)
            cpus.append(_cpu(pid) - c0)
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + count, params)
        top = plan.fetchone()[0][0]  # type: ignore[index]
        node = top["Plan"]["Plans"][0]  # the bitmap heap scan under the aggregate
        out["count"] = {
            "matches": matches,
            "wall_ms": round(statistics.median(walls) * 1000, 1),
            "backend_cpu_ms": round(statistics.median(cpus) * 1000, 1),
            "explain_ms": round(top["Execution Time"], 1),
            "heap_pages": node.get("Exact Heap Blocks", 0) + node.get("Lossy Heap Blocks", 0),
            "pages_read": top["Plan"].get("Shared Read Blocks"),
            "read_ms": round(top["Plan"].get("I/O Read Time", 0.0), 1),
        }
        conn.execute(
            "CREATE TEMP TABLE m AS SELECT data, data::text AS t,"
            " jsonb_extract_path_text(data, 'text') AS k FROM labelcore_task"
            " WHERE project_id = %(project)s AND data::text ILIKE %(p)s",
            params,
        )
        rows = conn.execute("SELECT count(*) FROM m").fetchone()[0]  # type: ignore[index]
        times: dict[str, list[float]] = {name: [] for name in PARTS}
        kept: dict[str, int] = {}
        for _ in range(args.runs):
            for name, cond in PARTS.items():
                t0 = time.perf_counter()
                row = conn.execute(f"SELECT count(*) FROM m WHERE {cond}", params).fetchone()  # noqa: S608
                times[name].append(time.perf_counter() - t0)
                kept[name] = row[0]  # type: ignore[index]
        bare = min(times["bare scan"])
        out["rows"] = rows
        out["per_row_us"] = {
            name: round((min(t) - bare) / rows * 1e6, 2) for name, t in times.items() if t
        }
        out["rows_kept"] = kept  # the exact alternatives keep what today's check keeps
    out["load_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
