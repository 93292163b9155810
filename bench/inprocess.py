"""In-process measurements through the LabelCore API (run inside a ``--child`` process).

    import inprocess
    res = inprocess.run({"op": "api_import", "backend": "sqlite", "wl": "wl-10000", ...})
    res["samples"]["import"]        # seconds per repeat

Operations: ``api_import`` (fresh database per repeat, the last one kept for the others),
``api_pages``, ``api_label`` (sequential next + submit), ``api_concurrent`` (8 annotator
threads, overlap 2) and ``api_export``.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness

MANAGER_ID = 1
ANNOTATOR_ID = 2

LS_QUERIES: dict[str, dict[str, Any]] = {
    # Label Studio data-manager query JSON, as its frontend and SDK send it.
    "page_plain": {},
    "page_ordered": {"ordering": ["tasks:data.text"]},
    "page_has_predictions": {
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:total_predictions",
                    "operator": "greater",
                    "type": "Number",
                    "value": 0,
                }
            ],
        }
    },
    "page_contains": {
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:data.text",
                    "operator": "contains",
                    "type": "String",
                    "value": "Berlin",
                }
            ],
        }
    },
}


def _users() -> tuple[Any, Any]:
    from labelcore.model import User

    manager = User(id=MANAGER_ID, name="bench manager", roles=frozenset({"manager"}))
    annotator = User(id=ANNOTATOR_ID, name="bench annotator", roles=frozenset({"annotator"}))
    return manager, annotator


def open_core(db: dict[str, str]) -> Any:
    from labelcore.service import LabelCore

    core = LabelCore(store=harness.sqlalchemy_url(db), start_jobs=False)
    core.store.migrate()
    return core


def close_core(core: Any) -> None:
    close = getattr(core, "close", None)
    if callable(close):
        close()
    else:
        core.store.close()


def import_file(core: Any, user: Any, project_id: int, path: Path) -> float:
    """Seconds to import a workload file through the API, streamed from the open file."""
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        report = core.import_tasks(user, project_id, f, filename=path.name)
    elapsed = time.perf_counter() - t0
    if report.task_count <= 0:
        raise RuntimeError(f"import of {path.name} reported {report.task_count} tasks")
    return elapsed


def op_import(spec: dict[str, Any]) -> dict[str, Any]:
    wl = Path(spec["wl"])
    manager, _ = _users()
    ner_xml = (wl / "config_ner.xml").read_text()
    box_xml = (wl / "config_bbox.xml").read_text()
    times: list[float] = []
    box_times: list[float] = []
    server_cpu: list[float] = []
    kept: dict[str, Any] = {}
    workdir = Path(spec["workdir"])
    for i in range(spec["repeats"]):
        last = i == spec["repeats"] - 1
        with harness.fresh_db(spec["backend"], workdir, spec["admin"], keep=last) as db:
            core = open_core(db)
            try:
                project = core.create_project(manager, title="bench NER", label_config=ner_xml)
                server = None
                if db["kind"] == "postgres":  # the server's share of the work, beside ours
                    server = harness.PGServerCPU(spec["admin"], db["url"]).start()
                times.append(import_file(core, manager, project.id, wl / "tasks_ner.json"))
                if server is not None:
                    server_cpu.append(server.stop())
                box_id = None
                if spec.get("boxes") and last:  # the image project: imported once
                    box = core.create_project(manager, title="bench boxes", label_config=box_xml)
                    box_times.append(import_file(core, manager, box.id, wl / "tasks_bbox.json"))
                    box_id = box.id
                if last:
                    page = core.list_tasks(manager, project.id, _query({}), _page())
                    if page.total != spec["n"]:
                        raise RuntimeError(f"imported {page.total} tasks, expected {spec['n']}")
                    kept = {"db": db, "project": project.id, "box_project": box_id}
            finally:
                close_core(core)
    samples: dict[str, list[float]] = {"import": times}
    if box_times:
        samples["import_boxes"] = box_times
    extra = {"pg_server_cpu_import": server_cpu} if server_cpu else {}
    return {"samples": samples, "extra": extra, **kept}


def _query(ls: dict[str, Any]) -> Any:
    """The labelcore TaskQuery for a Label Studio query JSON."""
    from labelcore.query import parse_query

    return parse_query(ls)


def _page(size: int = 100) -> Any:
    from labelcore.query import PageRequest

    return PageRequest(page=1, page_size=size)


def op_pages(spec: dict[str, Any]) -> dict[str, Any]:
    manager, _ = _users()
    samples: dict[str, list[float]] = {}
    extra: dict[str, Any] = {}
    # right after the import, as a user sees them: a big PostgreSQL import has set the
    # visibility map itself (VACUUM after its commit, in the import's time), a small one
    # leaves it to autovacuum
    core = open_core(spec["db"])
    try:
        for key, ls in LS_QUERIES.items():
            query = _query(ls)
            totals: list[int] = []

            def one(q: Any = query, acc: list[int] = totals) -> None:
                page = core.list_tasks(manager, spec["project"], q, _page())
                acc.append(page.total)

            samples[key] = harness.time_repeats(one, spec["repeats"], warmup=1)
            extra[f"{key}_total"] = totals[-1]
    finally:
        close_core(core)
    return {"samples": samples, "extra": extra}


def _payloads(wl: Path) -> list[dict[str, Any]]:
    with open(wl / "annotations_ner.json", encoding="utf-8") as f:
        loaded: list[dict[str, Any]] = json.load(f)
    return loaded


def _payload_for(task: Any, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """The workload's annotation meant for this task (entry k is for data.meta_id == k)."""
    k = task.data.get("meta_id", 0)
    if not isinstance(k, int) or not 0 <= k < len(payloads):
        raise RuntimeError(f"task {task.id}: no workload annotation for meta_id {k!r}")
    return payloads[k]


def op_label(spec: dict[str, Any]) -> dict[str, Any]:
    _, annotator = _users()
    payloads = _payloads(Path(spec["wl"]))
    core = open_core(spec["db"])
    nexts: list[float] = []
    submits: list[float] = []
    cpu0 = time.process_time()
    try:
        for _ in range(spec["pairs"]):
            t0 = time.perf_counter()
            bundle = core.next_task(annotator, spec["project"])
            t1 = time.perf_counter()
            if bundle is None:
                raise RuntimeError("next task returned nothing before the pairs were done")
            p = _payload_for(bundle.task, payloads)
            core.submit_annotation(annotator, bundle.task.id, p["result"], lead_time=p["lead_time"])
            t2 = time.perf_counter()
            nexts.append(t1 - t0)
            submits.append(t2 - t1)
    finally:
        close_core(core)
    cpu_ms = 1000 * (time.process_time() - cpu0) / max(1, spec["pairs"])
    pairs = [a + b for a, b in zip(nexts, submits)]
    return {
        "samples": {"next": nexts, "submit": submits, "pair": pairs},
        "extra": {"pair_cpu_ms": cpu_ms},
    }


def concurrent_annotators(
    next_fn: Callable[[int], tuple[int, dict[str, Any]] | None],
    submit_fn: Callable[[int, int, dict[str, Any]], None],
    annotators: int,
    max_rounds: int,
) -> dict[str, Any]:
    """Run ``annotators`` threads, each ``next_fn(user) -> (task_id, data) | None`` then
    ``submit_fn(user, task_id, data)`` until nothing is left; returns throughput, next
    latency percentiles and the error count."""
    lock = threading.Lock()
    next_times: list[float] = []
    submitted = [0]
    errors: list[str] = []
    barrier = threading.Barrier(annotators + 1)

    def worker(user_index: int) -> None:
        barrier.wait()
        for _ in range(max_rounds):
            t0 = time.perf_counter()
            try:
                got = next_fn(user_index)
            except Exception as exc:  # noqa: BLE001 - counted
                with lock:
                    errors.append(f"next: {type(exc).__name__}: {exc}")
                continue
            dt_next = time.perf_counter() - t0
            with lock:
                next_times.append(dt_next)
            if got is None:
                return
            try:
                submit_fn(user_index, got[0], got[1])
            except Exception as exc:  # noqa: BLE001 - counted
                with lock:
                    errors.append(f"submit: {type(exc).__name__}: {exc}")
                continue
            with lock:
                submitted[0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(annotators)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    return {
        "submits": submitted[0],
        "seconds": seconds,
        "submits_per_s": submitted[0] / seconds if seconds > 0 else 0.0,
        "next_p50": harness.percentile(next_times, 50) if next_times else 0.0,
        "next_p95": harness.percentile(next_times, 95) if next_times else 0.0,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
    }


def write_subset(src: Path, dst: Path, count: int) -> None:
    """The first ``count`` tasks of a workload file (the workload itself stays unchanged)."""
    with open(src, encoding="utf-8") as f:
        tasks = json.load(f)
    dst.write_text(json.dumps(tasks[:count]))


def op_concurrent(spec: dict[str, Any]) -> dict[str, Any]:
    from labelcore.model import User

    wl = Path(spec["wl"])
    manager, _ = _users()
    payloads = _payloads(wl)
    workdir = Path(spec["workdir"])
    subset = workdir / f"concurrent-{spec['tasks']}.json"
    write_subset(wl / "tasks_ner.json", subset, spec["tasks"])
    users = [
        User(id=100 + i, name=f"annotator {i}", roles=frozenset({"annotator"}))
        for i in range(spec["annotators"])
    ]
    with harness.fresh_db(spec["backend"], workdir, spec["admin"]) as db:
        core = open_core(db)
        try:
            project = core.create_project(
                manager,
                title="bench concurrent",
                label_config=(wl / "config_ner.xml").read_text(),
                maximum_annotations=spec["overlap"],
            )
            import_file(core, manager, project.id, subset)

            def next_fn(i: int) -> tuple[int, dict[str, Any]] | None:
                bundle = core.next_task(users[i], project.id)
                return None if bundle is None else (bundle.task.id, bundle.task.data)

            def submit_fn(i: int, task_id: int, data: dict[str, Any]) -> None:
                p = payloads[data["meta_id"]]
                core.submit_annotation(users[i], task_id, p["result"], lead_time=p["lead_time"])

            cpu0 = time.process_time()
            stats = concurrent_annotators(next_fn, submit_fn, spec["annotators"], spec["tasks"] * 2)
            stats["cpu_s"] = time.process_time() - cpu0
            stats["over_overlap"] = over_overlap(core, project.id, spec["overlap"])
            stats["expected_submits"] = spec["tasks"] * spec["overlap"]
        finally:
            close_core(core)
    return {"extra": {"concurrent": stats}}


def over_overlap(core: Any, project_id: int, overlap: int) -> int:
    """Tasks with more distinct completed annotators than the overlap allows."""
    per_task: dict[int, set[Any]] = {}
    for a in core.store.list_annotations(project_id=project_id):
        if not a.was_cancelled:
            per_task.setdefault(a.task_id, set()).add(a.completed_by)
    return sum(1 for users in per_task.values() if len(users) > overlap)


def op_export(spec: dict[str, Any]) -> dict[str, Any]:
    import exporting

    manager, _ = _users()
    core = open_core(spec["db"])
    samples: dict[str, list[float]] = {}
    extra: dict[str, Any] = {}
    try:
        for fmt in spec["formats"]:
            box = fmt in ("COCO", "YOLO")
            project = spec["box_project"] if box else spec["project"]
            if project is None:
                continue
            sizes: list[int] = []

            def one(f: str = fmt, p: int = project, acc: list[int] = sizes) -> None:
                sink = _CountingSink()
                exporting.export(core, manager, p, f, sink)
                acc.append(sink.size)

            samples[f"export_{fmt}"] = harness.time_repeats(one, spec["repeats"])
            extra[f"export_{fmt}_bytes"] = sizes[-1]
    finally:
        close_core(core)
    return {"samples": samples, "extra": extra}


class _CountingSink(io.RawIOBase):
    """A binary file that only counts what is written (exports are measured, not kept)."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        n = len(b)
        self.size += n
        return n


OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "api_import": op_import,
    "api_pages": op_pages,
    "api_label": op_label,
    "api_concurrent": op_concurrent,
    "api_export": op_export,
}


def run(spec: dict[str, Any]) -> dict[str, Any]:
    return OPS[spec["op"]](spec)
