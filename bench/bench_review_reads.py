"""What the review reads cost on a big project: the review stream, agreement, review states and
an annotator's rejected work, in wall and CPU milliseconds (this process: the database
server's time on PostgreSQL is in the wall time only) and SQL statements per call.

    PYTHONPATH=src:. python bench/bench_review_reads.py --url sqlite:///rr.db --build
    PYTHONPATH=src:. python bench/bench_review_reads.py --url sqlite:///rr.db   # measure

``--build`` imports ``--n`` tasks (default 100,000) of which ``--annotated`` (50,000) carry one
annotation, ``--compared`` (2,000) of those a second one by another annotator, and has a
reviewer reject 200 and accept 300 annotations of the first annotator. Without ``--build``
it measures the newest project of that name in the database, so code before and after a
change can be timed alternately on the same rows (the schema must be the same; across a
migration, on two copies of one database). ``--only TEXT`` measures the cases whose name has
TEXT. The ``GET`` cases run the route through ``WebApp`` and read the whole body (a streamed
one to its end); one more traced call gives the peak of Python memory it held.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from labelcore import LabelCore, User
from labelcore.storage.sql import SQLStore

XML = """<View><Text name="text" value="$text"/>
<Choices name="c" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>"""
TITLE = "Review reads bench"
BOSS = User(id=1, name="Boss", roles=frozenset({"manager"}))
REX = User(id=2, name="Rex", roles=frozenset({"reviewer"}))
ANN = [User(id=10 + i, name=f"A{i}", roles=frozenset({"annotator"})) for i in range(2)]


def _choice(value: str) -> list[dict[str, Any]]:
    return [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def build(core: LabelCore, n: int, annotated: int, compared: int) -> int:
    for u in (BOSS, REX, *ANN):
        core.identify(u)
    project = core.create_project(BOSS, title=TITLE, label_config=XML, maximum_annotations=2)

    def row(i: int) -> dict[str, Any]:
        anns = []
        if i < annotated:
            anns.append({"result": _choice("a"), "completed_by": ANN[i % 2].id})
        if i < compared:
            anns.append(
                {"result": _choice("a" if i % 3 else "b"), "completed_by": ANN[1 - i % 2].id}
            )
        return {"data": {"text": f"task {i}"}, "annotations": anns}

    start = time.perf_counter()
    core.import_tasks(BOSS, project.id, (row(i) for i in range(n)))
    print(f"import: {time.perf_counter() - start:.1f} s")
    mine = core.store.list_annotations(project_id=project.id, completed_by=ANN[0].id)
    for k, ann in enumerate(mine[:500]):
        if k % 5 < 2:
            core.reject_annotation(REX, ann.id, comment=f"fix {k}")
        else:
            core.accept_annotation(REX, ann.id)
    return project.id


def measure(core: LabelCore, pid: int, repeats: int, only: str = "") -> None:
    seen: list[int] = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    sa.event.listen(core.store.engine, "before_cursor_execute", count)  # type: ignore[attr-defined]
    one_task = core.store.list_annotations(project_id=pid, completed_by=ANN[0].id)[0].task_id
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("review_queue(100)", lambda: core.review_queue(REX, pid, limit=100)),
        (
            "review_queue(100, annotator=A1)",
            lambda: core.review_queue(REX, pid, limit=100, annotator=ANN[1].id),
        ),
        ("next_review", lambda: core.next_review(REX, pid)),
        ("agreement", lambda: core.agreement(BOSS, pid)),
        ("agreement + report_to_json", lambda: _json(core.agreement(BOSS, pid))),
        ("review_states(project)", lambda: core.review_states(BOSS, pid)),
        ("review_states([1 task])", lambda: core.review_states(BOSS, pid, [one_task])),
        ("rejected_annotations(A0)", lambda: core.rejected_annotations(ANN[0], pid)),
        ("rejected_annotations(A1)", lambda: core.rejected_annotations(ANN[1], pid)),
        # each next task looks for the annotator's rejected work first (the project's
        # requeue_rejected_to_annotator); the claim it takes is theirs again on each call
        ("next_task(A0)", lambda: core.next_task(ANN[0], pid)),
        # what the endpoints send (old and new code alike: the route's whole body)
        ("GET /agreement", lambda: _get(core, f"/api/projects/{pid}/agreement")),
        ("GET /stats", lambda: _get(core, f"/api/projects/{pid}/stats")),
        ("GET /review/states", lambda: _get(core, f"/api/projects/{pid}/review/states")),
        (
            "GET /review/states?limit=1000",
            lambda: _get(core, f"/api/projects/{pid}/review/states", limit="1000"),
        ),
    ]
    for name, fn in cases:
        if only not in name:
            continue
        times, cpu, stmts = [], [], []
        for _ in range(repeats):
            seen[0] = 0
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            times.append(1000 * (time.perf_counter() - start))
            cpu.append(1000 * (time.process_time() - start_cpu))
            stmts.append(seen[0])
        peak = ""
        if name.startswith("GET"):  # one more call, traced: the most memory it held
            tracemalloc.start()
            fn()
            peak = f"  peak {tracemalloc.get_traced_memory()[1] / 2**20:6.1f} MB"
            tracemalloc.stop()
        print(
            f"{name:34} median {statistics.median(times):8.1f} ms  "
            f"range {min(times):8.1f}-{max(times):8.1f} ms  "
            f"CPU {statistics.median(cpu):8.1f} ms  statements {max(stmts)}{peak}"
        )


def _get(core: LabelCore, path: str, **query: str) -> int:
    """The route's whole body (a streamed one read to its end), as a client gets it."""
    from labelcore.web.app import WebApp
    from labelcore.web.http import MultiDict, Request

    app = WebApp(core, identify=lambda native: native, csrf=None)
    request = Request(method="GET", path=path, query=MultiDict(query.items()), native=BOSS)
    response = app.handle(request)
    assert response.status == 200, response.body
    return sum(len(chunk) for chunk in response.iter_body())


def _json(report: Any) -> int:
    from labelcore.quality.tables import report_to_json

    return len(report_to_json(report)["tasks"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--annotated", type=int, default=50_000)
    parser.add_argument("--compared", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default="", help="measure the cases whose name has this")
    args = parser.parse_args()
    core = LabelCore(store=SQLStore(args.url), start_jobs=False)
    if args.build:
        pid = build(core, args.n, args.annotated, args.compared)
    else:
        pid = max(p.id for p in core.store.list_projects() if p.settings.title == TITLE)
    measure(core, pid, args.repeats, args.only)
    core.close()


if __name__ == "__main__":
    main()
