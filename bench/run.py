"""labelcore benchmark suite: the floor, the LabelCore API and HTTP, on SQLite and PostgreSQL.

    python bench/run.py --n 10000                  # make bench (a few minutes)
    python bench/run.py --full                     # make bench-full: 10k, 100k and 1M
    python bench/run.py --n 200 --quick --out /tmp/R.md --modes floor,api   # smoke run

The workload comes from ../shared/bench/workload.py (unchanged; ``--workload`` to point
elsewhere). Every measurement runs in its own child process (``--child SPEC``) so its peak RSS
is its own. Results go to bench/RESULTS.md (``--out``) and, raw, to ``--json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import over_http  # noqa: E402
import report  # noqa: E402

MODES = ("floor", "api", "http")
BACKENDS = ("sqlite", "postgres")


# -- child side --------------------------------------------------------------------------------


def child_main(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement described by ``spec`` in this (fresh) process."""
    op = spec["op"]
    if op.startswith("floor_"):
        import floor

        if op == "floor_import":
            values = [
                floor.floor_import(spec["db"], Path(spec["tasks_file"]))
                for _ in range(spec["repeats"])
            ]
            return {"samples": {"import": values}}
        if op == "floor_json":
            with open(spec["tasks_file"], encoding="utf-8") as f:
                tasks = json.load(f)
            values = [floor.floor_json_dumps(tasks) for _ in range(spec["repeats"])]
            return {"samples": {"json_dumps": values}}
    if op.startswith("api_"):
        import inprocess

        return inprocess.run(spec)
    if op.startswith("http_"):
        import over_http

        return over_http.run(spec)
    raise SystemExit(f"unknown child op {op!r}")


def _child_entry(spec_json: str) -> int:
    spec = json.loads(spec_json)
    profile_to = spec.get("profile_to")
    if profile_to:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        try:
            out = child_main(spec)
        finally:
            profiler.stop()
            Path(profile_to).write_text(profiler.output_text(unicode=True, show_all=False))
    else:
        out = child_main(spec)
    out["peak_rss_mb"] = max(out.get("peak_rss_mb", 0.0), harness.peak_rss_mb())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    return 0


# -- parent side -------------------------------------------------------------------------------


class Runner:
    """Collects results; a failing measurement is recorded as skipped with its reason."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.results: list[dict[str, Any]] = []
        self.skipped: list[dict[str, str]] = []
        self.write: Any = None

    def log(self, msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def skip(self, n: int, column: str, op: str, why: str) -> None:
        self.skipped.append({"n": str(n), "column": column, "op": op, "why": why})
        self.log(f"  skipped: {why}")
        if self.write is not None:
            self.write()

    def drop(self, n: int, column: str, db: dict[str, str]) -> None:
        """Drop a measurement's database; a failure is noted, not raised (the run goes on,
        and the run's leftover databases are dropped at its end)."""
        try:
            harness.drop_db(db, self.args.pg)
        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
            self.skip(n, column, "drop database", f"{type(exc).__name__}: {exc}")

    def measure(self, n: int, column: str, spec: dict[str, Any]) -> dict[str, Any] | None:
        self.log(f"n={n} {column} {spec['op']} ...")
        if spec["op"] in self.args.profile:
            target = self.workdir / f"profile-{n}-{column.replace('/', '-')}-{spec['op']}.txt"
            spec = {**spec, "profile_to": str(target)}
            self.log(f"  profiling to {target}")
        t0 = time.perf_counter()
        try:
            res = harness.run_child(spec)
        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
            reason = str(exc).strip().splitlines()
            why = reason[-1] if reason else type(exc).__name__
            self.skip(n, column, spec["op"], why)
            if self.args.verbose:
                self.log(str(exc))
            return None
        res.update({"n": n, "column": column, "op": spec["op"]})
        self.results.append(res)
        if self.write is not None:  # rewrite the outputs: a stopped run keeps its rows
            self.write()
        self.log(f"  done in {time.perf_counter() - t0:.1f} s")
        return res


def _repeats(args: argparse.Namespace, n: int, kind: str) -> int:
    if args.repeats:
        return int(args.repeats)
    if args.quick:
        return 1
    big = n >= 100_000
    return {
        "import": 1 if big else 3,
        "page": 5 if big else 7,
        "export": 1 if n >= 10_000 else 3,
        "floor": 1 if n >= 1_000_000 else 3,
    }[kind]


def plan_size(r: Runner, n: int, wl: Path, backends: list[str], modes: list[str]) -> None:
    args = r.args
    admin = args.pg
    ner = str(wl / "tasks_ner.json")
    full_size = n <= 100_000  # every operation; at 1M only what issue 10 asks (PostgreSQL)
    for backend in backends:
        if n >= 1_000_000 and backend == "sqlite":
            continue
        if "floor" in modes:
            try:
                with harness.fresh_db(backend, r.workdir, admin, keep=True) as db:
                    pass
            except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                r.skip(n, f"{backend}/floor", "floor_import", f"{type(exc).__name__}: {exc}")
            else:
                r.measure(
                    n,
                    f"{backend}/floor",
                    {
                        "op": "floor_import",
                        "db": db,
                        "tasks_file": ner,
                        "repeats": _repeats(args, n, "floor"),
                    },
                )
                r.drop(n, f"{backend}/floor", db)
        if "api" in modes:
            common = {
                "workdir": str(r.workdir),
                "admin": admin,
                "wl": str(wl),
                "backend": backend,
                "quick": bool(args.quick),
                "n": n,
            }
            imp = r.measure(
                n,
                f"{backend}/api",
                {
                    **common,
                    "op": "api_import",
                    "repeats": _repeats(args, n, "import"),
                    "boxes": full_size,
                },
            )
            if imp is not None:
                db = imp["db"]
                try:
                    # labeling first: annotators start as soon as the import is done
                    if full_size:
                        r.measure(
                            n,
                            f"{backend}/api",
                            {
                                **common,
                                "op": "api_label",
                                "db": db,
                                "project": imp["project"],
                                "pairs": 5 if args.quick else 200,
                            },
                        )
                    r.measure(
                        n,
                        f"{backend}/api",
                        {
                            **common,
                            "op": "api_pages",
                            "db": db,
                            "project": imp["project"],
                            "repeats": _repeats(args, n, "page"),
                        },
                    )
                    if "http" in modes and not full_size:  # 1M: the pages over HTTP too
                        r.measure(
                            n,
                            f"{backend}/http",
                            {
                                **common,
                                "op": "http_pages",
                                "db": db,
                                "project": imp["project"],
                                "repeats": _repeats(args, n, "page"),
                                "server": http_server(args),
                            },
                        )
                    r.measure(
                        n,
                        f"{backend}/api",
                        {
                            **common,
                            "op": "api_export",
                            "db": db,
                            "project": imp["project"],
                            "box_project": imp.get("box_project"),
                            "formats": report.EXPORTS if full_size else ["JSON"],
                            "repeats": _repeats(args, n, "export"),
                        },
                    )
                finally:
                    r.drop(n, f"{backend}/api", db)
            if n == min(r.sizes) and n < 1_000_000:  # --n 1000000 = the 1M part of --full
                r.measure(
                    n,
                    f"{backend}/api",
                    {
                        **common,
                        "op": "api_concurrent",
                        "tasks": 16 if args.quick else 400,
                        "annotators": 8,
                        "overlap": 2,
                    },
                )
        if "http" in modes and full_size:
            common = {
                "workdir": str(r.workdir),
                "admin": admin,
                "wl": str(wl),
                "backend": backend,
                "quick": bool(args.quick),
                "n": n,
                "repeats_import": _repeats(args, n, "import"),
                "repeats_page": _repeats(args, n, "page"),
                "repeats_export": _repeats(args, n, "export"),
                "pairs": 5 if args.quick else 200,
                "server": http_server(args),
            }
            r.measure(
                n,
                f"{backend}/http",
                {
                    **common,
                    "op": "http_all",
                    "formats": report.EXPORTS,
                    "concurrent": n == min(r.sizes) and n < 1_000_000,
                    "concurrent_tasks": 16 if args.quick else 400,
                },
            )
    if "floor" in modes:
        r.measure(
            n,
            "floor/json",
            {"op": "floor_json", "tasks_file": ner, "repeats": _repeats(args, n, "floor")},
        )


def http_server(args: argparse.Namespace) -> dict[str, Any]:
    """The server spec of ``--server``/``--workers``/``--threads``/``--worker-class``."""
    return {
        "kind": args.server,
        "worker_class": args.worker_class,
        "workers": args.workers,
        "threads": args.threads if args.worker_class == "gthread" else 1,
    }


def merge_runs(paths: list[Path], args: argparse.Namespace) -> int:
    """Render several runs' raw results as one RESULTS.md (a measurement present in two runs
    is kept from the later file; the floor's json.dumps is taken from the first run)."""
    parts = [json.loads(p.read_text()) for p in paths]
    results: dict[tuple[int, str, str], dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    for part in parts:
        for res in part["results"]:
            key = (res["n"], res["column"], res["op"])
            if key[1] == "floor/json" and key in results:
                continue
            results[key] = res
        skipped.extend(part["skipped"])
    first = parts[0]["meta"]
    meta = {
        **first,
        "sizes": sorted({n for part in parts for n in part["meta"]["sizes"]}),
        "command": " ; ".join(part["meta"]["command"] for part in parts),
        "duration_s": round(sum(part["meta"]["duration_s"] for part in parts), 1),
        "load": " ; ".join(part["meta"].get("load", "") for part in parts),
        "complete": all(part["meta"].get("complete", True) for part in parts),
        "date": " / ".join(part["meta"]["date"] for part in parts),
    }
    servers = [p["meta"]["http_server"] for p in parts if p["meta"].get("http_server")]
    if servers:
        meta["http_server"] = " ; ".join(dict.fromkeys(servers))
    raw = {"meta": meta, "results": list(results.values()), "skipped": skipped}
    json_path = args.json or args.out.with_suffix(".json")
    json_path.write_text(json.dumps(raw, indent=1) + "\n")
    args.out.write_text(report.render(raw))
    print(f"wrote {args.out} and {json_path} from {len(parts)} runs")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, action="append", help="task count (repeatable); default 10000")
    ap.add_argument("--full", action="store_true", help="10k, 100k and 1M")
    ap.add_argument("--out", type=Path, default=harness.BENCH_DIR / "RESULTS.md")
    ap.add_argument("--json", type=Path, default=None, help="raw results (default: next to --out)")
    ap.add_argument("--workdir", type=Path, default=None, help="scratch dir (default: a temp dir)")
    ap.add_argument("--workload", type=Path, default=harness.DEFAULT_WORKLOAD)
    ap.add_argument("--pg", default=harness.DEFAULT_PG_ADMIN, help="PostgreSQL admin URL")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--modes", default="floor,api,http")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument(
        "--server",
        choices=("gunicorn", "werkzeug"),
        default="gunicorn",
        help="WSGI server for the HTTP column: gunicorn (default) or werkzeug's threaded"
        " development server (one process; the pre-session-3 setup, for comparison)",
    )
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2)")
    ap.add_argument("--threads", type=int, default=4, help="threads per gthread worker (4)")
    ap.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread")
    ap.add_argument("--quick", action="store_true", help="1 repeat, few pairs (smoke runs)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument(
        "--profile",
        default="",
        help="comma-separated child ops to run under pyinstrument (e.g. api_import,api_export);"
        " the text profiles go to the workdir",
    )
    ap.add_argument(
        "--merge",
        default="",
        help="comma-separated raw .json files of separate runs (e.g. one per backend) to render"
        " together into --out; nothing is measured",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        return _child_entry(args.child)
    if args.merge:
        return merge_runs([Path(p) for p in args.merge.split(",") if p], args)
    sizes = sorted(set(args.n or [])) or [10_000]
    if args.full:
        sizes = sorted(set(sizes) | {10_000, 100_000, 1_000_000})
    args.profile = [p for p in args.profile.split(",") if p]
    backends = [b for b in args.backends.split(",") if b]
    modes = [m for m in args.modes.split(",") if m]
    for x in backends:
        if x not in BACKENDS:
            raise SystemExit(f"--backends: unknown {x!r} (choose from {', '.join(BACKENDS)})")
    for x in modes:
        if x not in MODES:
            raise SystemExit(f"--modes: unknown {x!r} (choose from {', '.join(MODES)})")
    if not args.workload.exists():
        raise SystemExit(f"workload generator not found: {args.workload} (give --workload)")
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="lc-bench-")
        workdir = Path(tmp.name)
    else:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    r = Runner(args, workdir)
    r.sizes = sizes  # type: ignore[attr-defined]
    run_tag = uuid.uuid4().hex[:8]
    os.environ[harness.RUN_TAG_ENV] = run_tag  # children name their databases after it
    if "postgres" in backends:
        why = harness.pg_available(args.pg)
        if why is not None:
            r.log(f"PostgreSQL not available, skipped: {why}")
            r.skipped.append({"n": "all", "column": "postgres", "op": "all", "why": why})
            backends = [b for b in backends if b != "postgres"]
    started = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()
    t0 = time.perf_counter()
    machine = harness.machine_info(args.pg if "postgres" in backends else None)
    json_path = args.json or args.out.with_suffix(".json")

    def write(final: bool = False) -> None:
        meta = {
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "duration_s": round(time.perf_counter() - t0, 1),
            "sizes": sizes,
            "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "machine": machine,
            # other work on the machine skews wall-clock times; the table says how busy it was
            "load": f"1-minute load average {load_start[0]:.1f} at the start, "
            f"{os.getloadavg()[0]:.1f} at the {'end' if final else 'last measurement'}",
            "complete": final,
        }
        if "http" in modes:
            meta["http_server"] = over_http.describe_server(http_server(args))
        raw = {"meta": meta, "results": r.results, "skipped": r.skipped}
        json_path.write_text(json.dumps(raw, indent=1) + "\n")
        args.out.write_text(report.render(raw))

    r.write = write
    try:
        for n in sizes:
            wl = workdir / f"wl-{n}"
            r.log(f"workload n={n} -> {wl}")
            try:
                harness.generate_workload(args.workload, wl, n)
                plan_size(r, n, wl, backends, modes)
            except Exception as exc:  # noqa: BLE001 - keep what was measured, go on
                r.log(traceback.format_exc())
                r.skip(n, "all", "plan", f"harness error: {type(exc).__name__}: {exc}")
    finally:
        if "postgres" in backends:
            try:
                left = harness.pg_drop_run_dbs(args.pg, run_tag)
                if left:
                    r.log(f"dropped databases left behind: {', '.join(left)}")
            except Exception as exc:  # noqa: BLE001 - the results matter more
                r.log(f"could not drop this run's databases: {exc}")
        write(final=True)
        r.log(f"wrote {args.out} and {json_path} ({time.perf_counter() - t0:.1f} s)")
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
