"""Review workflow costs on SQLite: what keeping the stored review quality current adds to a
write, a data-manager page filtered and sorted by agreement, a full refresh, next_review.

    PYTHONPATH=src:. python bench/bench_review.py --n 5000 [--url sqlite:///...]

Times are CPU seconds of this process (``time.process_time``), so a loaded machine inflates
them less than wall time would.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labelcore import LabelCore, User
from labelcore.query import PageRequest, parse_query
from labelcore.storage.sql import SQLStore

XML = """<View><Text name="text" value="$text"/>
<Choices name="c" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>"""
BOSS = User(id=1, name="Boss", roles=frozenset({"manager"}))
REX = User(id=2, name="Rex", roles=frozenset({"reviewer"}))
ANN = [User(id=10 + i, name=f"A{i}", roles=frozenset({"annotator"})) for i in range(2)]


def _choice(value: str) -> list[dict[str, Any]]:
    return [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def _cpu(fn: Callable[[], Any]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000, help="tasks, each annotated twice")
    parser.add_argument("--writes", type=int, default=300, help="timed submits")
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.url or f"sqlite:///{Path(tmp) / 'review-bench.db'}"
    core = LabelCore(store=SQLStore(url), start_jobs=False)
    for u in (BOSS, REX, *ANN):
        core.identify(u)
    project = core.create_project(BOSS, title="Review bench", label_config=XML)
    rows = [
        {
            "data": {"text": f"task {i}"},
            "annotations": [
                {"result": _choice("a"), "completed_by": ANN[0].id},
                {"result": _choice("a" if i % 3 else "b"), "completed_by": ANN[1].id},
            ],
        }
        for i in range(args.n)
    ]
    load = _cpu(lambda: core.import_tasks(BOSS, project.id, rows))
    print(f"import {args.n} tasks x 2 annotations (with quality rows): {load:.2f} s CPU")

    extra = core.create_project(BOSS, title="Review bench writes", label_config=XML)
    ids = core.import_tasks(BOSS, extra.id, [{"text": str(i)} for i in range(args.writes * 2)])
    todo = list(ids.task_ids)

    def submits(count: int) -> None:
        for _ in range(count):
            core.submit_annotation(ANN[0], todo.pop(), _choice("a"))

    with_hook = _cpu(lambda: submits(args.writes))
    scope = core._quality_scope
    core._quality_scope = lambda *a, **k: iter(())  # type: ignore[method-assign]
    without = _cpu(lambda: submits(args.writes))
    core._quality_scope = scope  # type: ignore[method-assign]
    print(
        f"submit_annotation: {1000 * with_hook / args.writes:.2f} ms CPU each with the quality "
        f"refresh, {1000 * without / args.writes:.2f} ms without"
    )

    query = parse_query(
        {
            "filters": {
                "items": [
                    {
                        "filter": "filter:tasks:agreement",
                        "operator": "less",
                        "type": "Number",
                        "value": 0.5,
                    }
                ]
            },
            "ordering": ["-tasks:agreement"],
        }
    )
    pages = 5
    page_cpu = _cpu(
        lambda: [
            core.list_tasks(BOSS, project.id, query, PageRequest(page=1, page_size=30))
            for _ in range(pages)
        ]
    )
    total = core.list_tasks(BOSS, project.id, query, PageRequest(page_size=1)).total
    print(
        f"DM page (agreement < 0.5, sorted by agreement; {total} match): "
        f"{1000 * page_cpu / pages:.1f} ms CPU"
    )
    state = parse_query(
        {
            "filters": {
                "items": [
                    {
                        "filter": "filter:tasks:annotation_states",
                        "operator": "contains",
                        "type": "List",
                        "value": "annotated",
                    }
                ]
            }
        }
    )
    state_cpu = _cpu(
        lambda: [core.list_tasks(BOSS, project.id, state, PageRequest()) for _ in range(pages)]
    )
    print(f"DM page (annotation_states contains annotated): {1000 * state_cpu / pages:.1f} ms CPU")
    import labelcore.service.distribution as distribution

    labeler = User(id=99, name="L", roles=frozenset({"annotator"}))
    fresh = core.create_project(BOSS, title="Review bench queue", label_config=XML)
    core.import_tasks(BOSS, fresh.id, [{"text": str(i)} for i in range(args.n)])

    def asks(count: int) -> None:
        for _ in range(count):
            got = core.next_task(labeler, fresh.id)
            assert got is not None
            core.release_task(labeler, got.task.id)

    with_check = _cpu(lambda: asks(args.writes))
    real = distribution.rejected_tasks_of
    distribution.rejected_tasks_of = lambda *a, **k: []  # type: ignore[assignment]
    without_check = _cpu(lambda: asks(args.writes))
    distribution.rejected_tasks_of = real
    print(
        f"next_task: {1000 * with_check / args.writes:.2f} ms CPU with the rejected-work "
        f"check, {1000 * without_check / args.writes:.2f} ms without"
    )
    title = _cpu(lambda: core.update_project(BOSS, project.id, title="Review bench renamed"))
    print(f"update_project (title only) on {args.n} tasks: {1000 * title:.0f} ms CPU")
    needed = _cpu(lambda: core.update_project(BOSS, project.id, reviews_per_annotation=2))
    print(f"update_project (reviews_per_annotation) on {args.n} tasks: {needed:.2f} s CPU")
    refresh = _cpu(lambda: core.refresh_quality(BOSS, project.id))
    print(f"refresh_quality of {args.n} tasks: {refresh:.2f} s CPU")
    nxt = _cpu(lambda: core.next_review(REX, project.id))
    print(f"next_review over {2 * args.n} waiting annotations: {1000 * nxt:.0f} ms CPU")
    core.close()


if __name__ == "__main__":
    main()
