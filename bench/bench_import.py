"""Import benchmark: a large JSONL file through LabelCore.import_tasks, good and bad.

    PYTHONPATH=src python bench/bench_import.py --rows 100000                 # SQLite file
    PYTHONPATH=src python bench/bench_import.py --rows 100000 --store memory://
    PYTHONPATH=src python bench/bench_import.py --file /tmp/wl/tasks_ner_annotated.json

Each scenario runs in a fresh process so the peak RSS it reports is its own. Scenarios:
``import`` (every row good), ``bad-last-row`` (row N breaks the config: nothing may be
kept) and ``dedupe`` (the same file again with ``dedupe="skip"``). Prints a markdown table.
``--file`` imports a workload's JSON file instead (``bench/annotated_export.py`` writes one
whose tasks carry annotations; the project's config is the ``config_ner.xml`` beside it):
scenarios ``import`` and ``dedupe``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from typing import Any

CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="sentiment" toName="text">
<Choice value="Positive"/><Choice value="Negative"/></Choices>
</View>"""


def write_file(path: str, rows: int, bad_last: bool) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(rows):
            text: Any = f"review number {i}: " + "lorem ipsum " * 8
            if bad_last and i == rows - 1:
                text = {"not": "text"}
            f.write(json.dumps({"data": {"text": text}, "meta": {"n": i}}) + "\n")


def scenario(store: str, path: str, name: str, project_id: int) -> dict[str, Any]:
    from labelcore import LabelCore, User, ValidationError

    manager = User(id=1, roles={"manager"})
    core = LabelCore(store=store, start_jobs=False, migrate=False)
    before = core.project_counts(manager, project_id).task_count
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    error = ""
    imported = 0
    try:
        with open(path, "rb") as f:
            report = core.import_tasks(
                manager,
                project_id,
                f,
                filename=os.path.basename(path) if path.endswith(".json") else "tasks.jsonl",
                dedupe="skip" if name == "dedupe" else None,
            )
        imported = report.task_count
    except ValidationError as exc:
        error = exc.errors[0]["code"] if exc.errors else exc.code
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = core.project_counts(manager, project_id).task_count
    core.close()
    return {
        "scenario": name,
        "seconds": round(seconds, 2),
        "CPU s": round(cpu, 2),
        "imported": imported,
        "tasks before/after": f"{before}/{after}",
        "error": error or "-",
        "peak RSS MiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "RSS growth MiB": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--store", default="")
    parser.add_argument("--file", default="", help="a workload JSON file to import instead")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="lc-bench-")
    store = args.store or f"sqlite:///{os.path.join(tmp, 'bench.db')}"
    if store.startswith("memory:"):
        print("memory:// keeps every task in this process, so scenarios share one process")
    config = CONFIG
    if args.file:
        good = args.file
        with open(os.path.join(os.path.dirname(good), "config_ner.xml")) as f:
            config = f.read()
        scenarios = (("import", good), ("dedupe", good))
    else:
        good, bad = os.path.join(tmp, "good.jsonl"), os.path.join(tmp, "bad.jsonl")
        write_file(good, args.rows, bad_last=False)
        write_file(bad, args.rows, bad_last=True)
        scenarios = (("import", good), ("bad-last-row", bad), ("dedupe", good))
    size = os.path.getsize(good) / 2**20

    from labelcore import LabelCore, User

    setup = LabelCore(store=store, start_jobs=False)
    project_id = setup.create_project(
        User(id=1, roles={"manager"}), title="Bench", label_config=config
    ).id
    if not store.startswith("memory:"):
        setup.close()
    results = []
    for name, path in scenarios:
        if store.startswith("memory:"):
            # one process: the store lives in it (pass the store object itself)
            results.append(_in_process(setup, path, name, project_id))
        else:
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(1) as pool:
                results.append(pool.apply(scenario, (store, path, name, project_id)))
    print(
        f"\n{args.file or args.rows} rows, {size:.1f} MiB, store {store.split(':')[0]}, "
        f"python {sys.version.split()[0]}\n"
    )
    keys = list(results[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in results:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")


def _in_process(core: Any, path: str, name: str, project_id: int) -> dict[str, Any]:
    from labelcore import User, ValidationError

    manager = User(id=1, roles={"manager"})
    before = core.project_counts(manager, project_id).task_count
    start = time.perf_counter()
    error, imported = "", 0
    try:
        with open(path, "rb") as f:
            imported = core.import_tasks(
                manager,
                project_id,
                f,
                filename=os.path.basename(path) if path.endswith(".json") else "t.jsonl",
                dedupe="skip" if name == "dedupe" else None,
            ).task_count
    except ValidationError as exc:
        error = exc.errors[0]["code"] if exc.errors else exc.code
    return {
        "scenario": name,
        "seconds": round(time.perf_counter() - start, 2),
        "imported": imported,
        "tasks before/after": f"{before}/{core.project_counts(manager, project_id).task_count}",
        "error": error or "-",
        "peak RSS MiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    main()
