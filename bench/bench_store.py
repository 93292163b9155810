"""Store benchmarks: bulk insert vs raw executemany, first filtered+sorted page, contains, and
streaming export memory.

    python bench/bench_store.py --n 100000 --export-n 1000000 [--pg postgresql+psycopg://...]

Tasks come from the shared workload generator (/work/shared/bench/workload.py, or
--workload PATH). Prints a Markdown table (and writes it with --out FILE).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from labelcore.model import NewTask, ProjectSettings
from labelcore.query import PageRequest, parse_query
from labelcore.storage.sql import SQLStore

WORKLOAD = Path("/work/shared/bench/workload.py")


def load_tasks(n: int, workdir: Path, workload: Path) -> list[dict[str, object]]:
    out = workdir / f"wl-{n}"
    if not (out / "tasks_ner.json").exists():
        subprocess.run(
            [sys.executable, str(workload), "--out", str(out), "--n", str(n)], check=True
        )
    data: list[dict[str, object]] = json.loads((out / "tasks_ner.json").read_text())
    return data


def new_tasks(items: list[dict[str, object]], repeat: int = 1) -> Iterator[NewTask]:
    for _ in range(repeat):
        for item in items:
            yield NewTask(data=dict(item["data"]))  # type: ignore[call-overload]


def bench_insert(
    url_store: str, url_raw: str, items: list[dict[str, object]]
) -> tuple[float, float]:
    store = SQLStore(url_store)
    pid = store.add_project(ProjectSettings(title="bench"), created_by=1).id
    started, cpu = time.perf_counter(), time.process_time()
    store.add_tasks(pid, new_tasks(items))
    store_s, store_cpu = time.perf_counter() - started, time.process_time() - cpu
    store.close()

    raw = SQLStore(url_raw)  # same schema, indexes and text-search triggers
    raw_pid = raw.add_project(ProjectSettings(title="raw"), created_by=1).id
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    engine = raw.engine
    started, cpu = time.perf_counter(), time.process_time()
    rows = [
        (
            raw_pid,
            i + 1,
            json.dumps(item["data"], ensure_ascii=False, separators=(",", ":")),
            "{}",
            1,
            False,
            0,
            0,
            0,
            now,
            now,
        )
        for i, item in enumerate(items)
    ]
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        # SQLite: the cheapest raw way to the same rows and text index is one executemany
        # (no insert trigger since migration 0013) and one INSERT ... SELECT
        if sqlite:
            cur.execute("BEGIN IMMEDIATE")
            top = cur.execute("SELECT coalesce(max(id), 0) FROM labelcore_task").fetchone()[0]
            span = (top + 1, top + len(rows))
            marks = ",".join("?" * 11)
        else:
            marks = ",".join(["%s"] * 11)
        cur.executemany(
            "INSERT INTO labelcore_task (project_id, inner_id, data, meta, overlap, is_labeled, "
            "total_annotations, cancelled_annotations, total_predictions, created_at, updated_at) "
            f"VALUES ({marks})",
            rows,
        )
        if sqlite:
            cur.execute(
                "INSERT INTO labelcore_task_fts (rowid, data) "
                "SELECT id, data FROM labelcore_task WHERE id BETWEEN ? AND ?",
                span,
            )
        dbapi.commit()
    raw_s, raw_cpu = time.perf_counter() - started, time.process_time() - cpu
    raw.close()
    return store_s, raw_s, store_cpu, raw_cpu


def timed(fn: object, runs: int = 7) -> tuple[float, float]:
    """Median wall and CPU milliseconds (SQLite runs in-process: CPU time is what the query
    costs when the machine is not shared)."""
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    # the first run warms caches and compiles SQL
    return statistics.median(walls[1:]) * 1000, statistics.median(cpus[1:]) * 1000


def bench_queries(url: str) -> dict[str, object]:
    store = SQLStore(url)
    pid = store.list_projects()[-1].id
    filtered = parse_query(
        {
            "filters": {
                "conjunction": "and",
                "items": [
                    {
                        "filter": "filter:tasks:data.meta_id",
                        "operator": "less",
                        "type": "Number",
                        "value": 50000,
                    }
                ],
            },
            "ordering": ["-tasks:data.text"],
        }
    )
    contains = parse_query(
        {
            "filters": {
                "conjunction": "and",
                "items": [
                    {
                        "filter": "filter:tasks:data.text",
                        "operator": "contains",
                        "type": "String",
                        "value": "Wimbledon",
                    }
                ],
            }
        }
    )
    page = PageRequest(page=1, page_size=100)
    out: dict[str, object] = {
        "first page, filter data.meta_id < 50000, order -data.text (100 rows + total)": timed(
            lambda: store.query_tasks(pid, filtered, page)
        ),
        "contains 'Wimbledon' on data.text (100 rows + total)": timed(
            lambda: store.query_tasks(pid, contains, page)
        ),
        "unfiltered first page by id (100 rows + total)": timed(
            lambda: store.query_tasks(pid, parse_query({}), page)
        ),
    }
    out["(matches of the contains filter)"] = store.query_tasks(pid, contains, page).total
    store.close()
    return out


EXPORT_CHILD = """
import io, sys, time
from labelcore.formats.exporters import export
from labelcore.storage.sql import SQLStore
CONFIG = (
    '<View><Labels name="label" toName="text"><Label value="PER"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)
class Counter(io.RawIOBase):
    size = 0
    def writable(self):
        return True
    def write(self, b):
        self.size += len(b)
        return len(b)
store = SQLStore(sys.argv[1], auto_migrate=False)
pid = store.list_projects()[0].id  # the newest
started, cpu = time.perf_counter(), time.process_time()
sink = Counter()
# what the JSON export reads: the tasks' export text, spliced from the stored JSON
n = export(CONFIG, store.iter_export_json(pid), "JSON", sink).task_count
# VmHWM is this process's own peak; ru_maxrss would include the parent's peak at fork time
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(n, time.perf_counter() - started, time.process_time() - cpu, hwm.split()[1])
"""


def bench_export(
    url: str, items: list[dict[str, object]], total: int
) -> tuple[int, float, float, float]:
    store = SQLStore(url)
    pid = store.add_project(ProjectSettings(title="export"), created_by=1).id
    repeat = max(1, total // len(items))
    store.add_tasks(pid, new_tasks(items, repeat))
    store.close()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", EXPORT_CHILD, url],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    n, seconds, cpu, rss_kb = out.stdout.split()
    return int(n), float(seconds), float(cpu), int(rss_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument(
        "--export-n", type=int, default=0, help="tasks for the streaming export (0: skip)"
    )
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (an empty database)")
    parser.add_argument("--workload", type=Path, default=WORKLOAD)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--dir", help="where the databases go (e.g. /dev/shm to leave disk I/O out)"
    )
    args = parser.parse_args()
    lines = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs, N = {args.n:,} tasks (workload tasks_ner.json), databases in "
        f"{args.dir or tempfile.gettempdir()}.",
        "",
        "| backend | measure | result | target |",
        "|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        items = load_tasks(args.n, Path(tmp), args.workload)
        targets = [("sqlite", f"sqlite:///{tmp}/store.db", f"sqlite:///{tmp}/raw.db")]
        if args.pg:
            targets.append(("postgresql", args.pg, args.pg))
        for name, url, raw_url in targets:
            store_s, raw_s, store_cpu, raw_cpu = bench_insert(url, raw_url, items)
            lines += [
                f"| {name} | insert {args.n:,} tasks: store.add_tasks | {store_s:.1f} s "
                f"({store_cpu:.1f} s CPU) | |",
                f"| {name} | insert {args.n:,} tasks: raw executemany, same rows and schema "
                f"| {raw_s:.1f} s ({raw_cpu:.1f} s CPU) | |",
                f"| {name} | ratio store / raw | {store_s / raw_s:.2f}x wall, "
                f"{store_cpu / raw_cpu:.2f}x CPU | <= 2x |",
            ]
            limit = {"sqlite": 30, "postgresql": 100}[name]
            for label, value in bench_queries(url).items():
                if isinstance(value, tuple):
                    wall, cpu = value
                    target = f"< {50 if 'contains' in label else limit} ms"
                    target = "" if "unfiltered" in label else target
                    lines.append(
                        f"| {name} | {label} | {wall:.0f} ms ({cpu:.0f} ms CPU) | {target} |"
                    )
                else:
                    lines.append(f"| {name} | {label} | {value:,} | |")
            print("\n".join(lines), flush=True)
        exports = [("sqlite", f"sqlite:///{tmp}/export.db")]
        if args.pg:
            exports.append(("postgresql", args.pg))
        for name, url in exports if args.export_n else ():
            n, seconds, cpu, rss = bench_export(url, items, args.export_n)
            lines += [
                f"| {name} | JSON export of {n:,} tasks streamed from iter_export_json "
                f"| {seconds:.1f} s ({cpu:.1f} s CPU) | |",
                f"| {name} | JSON export of {n:,} tasks: peak RSS of the process "
                f"| {rss:.0f} MB | < 200 MB |",
            ]
            print("\n".join(lines), flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
