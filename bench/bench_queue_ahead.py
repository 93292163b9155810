"""Next task for an annotator far ahead of the others: next_task_candidates on a 100,000-task
project of overlap 2 where one user has annotated many tasks no one else has touched.

    PYTHONPATH=src python bench/bench_queue_ahead.py --url sqlite:///qa.db --build 3a
    PYTHONPATH=src python bench/bench_queue_ahead.py --url sqlite:///qa.db        # measure

Shapes (``--build``): ``3a`` user 1 annotated the first half of the tasks, ``3b`` every other
task, ``3c`` as 3a and user 2 followed user 1 over the first tenth (those tasks are done),
``3f`` overlap 3: user 1 annotated the first half and user 2 followed over the first 40%
(tasks both did stay open, at two annotations), ``3s`` as 3a and user 1 skipped 20 tasks
of the second half (for ``--skipped``: requeue_for_me's pass over the user's own skips),
``3m`` as 3a and five other users (3-7) on every tenth task of the second half: one count
of annotations mixing user 1's 50,000 tasks with 5,000 of the others', ``4t`` overlap 4:
users 1, 2 and 8 on each task of the first half (open at three annotations);
controls: ``2a`` every other task annotated by one of five other users, ``10`` ten tasks.
Every task has one scored prediction (for uncertainty sampling). Without ``--build`` it
measures the newest project in the database: per queue order (sequential, uniform,
uncertainty; breadth first, as a project of overlap 2 asks; ``--overlap-first`` adds
show_overlap_first, ``--skipped`` asks for the user's own skips alone, as requeue_for_me
does once nothing else is left) and per user (1 the one ahead, 2 the follower, 99 a new
one), the median wall and CPU milliseconds of a call, its SQL statements and, on PostgreSQL, the
task rows its statements read (EXPLAIN ANALYZE: rows returned and removed by filters,
over all loops).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from typing import Any

import sqlalchemy as sa

from labelcore.model import NewAnnotation, NewPrediction, NewTask, ProjectSettings, SkipQueue
from labelcore.storage.base import CandidateSpec
from labelcore.storage.sql import SQLStore

WORDS = ["Alice", "met", "Bob", "in", "Paris", "on", "Monday", "to", "talk", "about", "Acme"]
ORDERS = ("sequential", "random", "uncertainty")


def _task(i: int, shape: str, n: int) -> NewTask:
    annotators = []
    if (shape in ("3a", "3c", "3f", "3s", "3m") and i < n // 2) or (shape == "3b" and i % 2 == 0):
        annotators.append(1)
    if (shape == "3c" and i < n // 10) or (shape == "3f" and i < n * 2 // 5):
        annotators.append(2)
    if shape == "4t" and i < n // 2:
        annotators += [1, 2, 8]  # three users on each task of the first half
    skipped = shape == "3s" and i >= n // 2 and i % (n // 40) == 7  # by user 1
    if (shape == "2a" and i % 2 == 0) or (shape == "10" and i % (n // 10) == n // 20):
        annotators.append(3 + i % 5)  # five other annotators (2a), or ten started tasks
    elif shape == "3m" and i >= n // 2 and i % 10 == 0:
        annotators.append(3 + i // 10 % 5)  # five others on every tenth task, in turn
    text = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(12))
    return NewTask(
        data={"text": f"{i}: {text}"},
        overlap={"3f": 3, "4t": 4}.get(shape, 2),
        annotations=(
            *(NewAnnotation(result=[], completed_by=u) for u in annotators),
            *([NewAnnotation(result=[], completed_by=1, was_cancelled=True)] if skipped else []),
        ),
        predictions=(NewPrediction(result=[], score=(i * 7919 % 1000) / 1000),),
    )


def build(store: SQLStore, shape: str, n: int) -> int:
    overlap = {"3f": 3, "4t": 4}.get(shape, 2)
    settings = ProjectSettings(
        title="ahead", maximum_annotations=overlap, skip_queue=SkipQueue.REQUEUE_FOR_ME
    )
    pid = store.add_project(settings, 1).id
    start, cpu = time.perf_counter(), time.process_time()
    store.add_tasks(pid, (_task(i, shape, n) for i in range(n)))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"build {shape}: {n} tasks in {wall:.2f} s wall, {cpu:.2f} s CPU")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return pid


def _rows_read(store: SQLStore, seen: list[tuple[str, Any]]) -> int:
    def read(node: dict[str, Any]) -> int:
        rows = 0
        if node.get("Relation Name") == "labelcore_task":
            kept = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            rows += kept * node["Actual Loops"]
        return rows + sum(read(child) for child in node.get("Plans", []))

    total = 0
    with store.engine.connect() as conn:
        for s, p in seen:
            if "labelcore_task" in s and s.lstrip().upper().startswith(("SELECT", "WITH")):
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + s, p).scalar()
                total += read(plan[0]["Plan"])
    return total


def measure(
    store: SQLStore,
    pid: int,
    repeats: int,
    overlap_first: bool,
    skipped: bool,
    users: tuple[int, ...] = (1, 2, 99),
) -> None:
    now = dt.datetime.now(dt.UTC)
    print("| order | user | median ms | CPU ms | statements | task rows read |")
    print("|---|---|---|---|---|---|")
    for order in ORDERS:
        spec = CandidateSpec(
            order=order,
            breadth_first=True,
            overlap_first=overlap_first,
            only_skipped_by_user=skipped,
        )
        for user in users:
            seen: list[tuple[str, Any]] = []

            def before(_c: Any, _k: Any, statement: str, params: Any, *_: Any) -> None:
                seen.append((statement, params))  # noqa: B023 - one listener per loop

            sa.event.listen(store.engine, "before_cursor_execute", before)
            first = store.next_task_candidates(pid, user, spec, now, 20)
            sa.event.remove(store.engine, "before_cursor_execute", before)
            walls, cpus = [], []
            for _ in range(repeats):
                start, cpu = time.perf_counter(), time.process_time()
                store.next_task_candidates(pid, user, spec, now, 20)
                walls.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
            rows = _rows_read(store, seen) if store.is_pg else "-"
            print(
                f"| {order} | {user} | {statistics.median(walls) * 1e3:.1f} |"
                f" {statistics.median(cpus) * 1e3:.1f} | {len(seen)} | {rows} |"
                f"  first: {first[:3]}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--build", choices=("3a", "3b", "3c", "3f", "3m", "4t", "3s", "2a", "10"))
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--overlap-first", action="store_true", help="show_overlap_first")
    parser.add_argument("--skipped", action="store_true", help="the user's own skips alone")
    parser.add_argument("--users", default="1,2,99", help="the users measured (3m: 3 too)")
    args = parser.parse_args()
    store = SQLStore(args.url)
    try:
        if args.build:
            build(store, args.build, args.n)
            return
        with store.engine.connect() as conn:
            pid = conn.execute(sa.text("SELECT max(id) FROM labelcore_project")).scalar_one()
        users = tuple(int(u) for u in args.users.split(","))
        measure(store, pid, args.repeats, args.overlap_first, args.skipped, users)
    finally:
        store.close()


if __name__ == "__main__":
    main()
