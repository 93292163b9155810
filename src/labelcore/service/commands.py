"""``labelcore import`` and ``labelcore export``: the lifecycle from the command line.

    labelcore import --store sqlite:///labelcore.db --project 1 tasks.jsonl
    labelcore export --store sqlite:///labelcore.db --project 1 --format CSV --out out.csv

Both act as a manager (``--user``, default ``cli``) on the given store, so the same
validation and all-or-nothing rules apply as in the API. Files are streamed: a JSONL or
JSON file of a million tasks imports in flat memory.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from labelcore.model import User

Register = Callable[..., None]


def _store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default="sqlite:///labelcore.db", help="store URL")
    p.add_argument("--project", type=int, required=True, help="project id")
    p.add_argument("--user", default="cli", help="acting user id (a manager)")


def _core(args: argparse.Namespace) -> tuple[object, User]:
    from labelcore.service.core import LabelCore

    core = LabelCore(store=args.store, start_jobs=False)
    return core, User(id=args.user, name=args.user, roles=frozenset({"manager"}))


def _configure_import(p: argparse.ArgumentParser) -> None:
    _store_args(p)
    p.add_argument("files", nargs="+", type=Path, help="JSON, JSONL, CSV, TSV or TXT files")
    p.add_argument("--dedupe", choices=["skip", "report"], default=None)


def _run_import(args: argparse.Namespace) -> int:
    from labelcore.service.core import LabelCore

    core, user = _core(args)
    assert isinstance(core, LabelCore)
    try:
        # several files: all or nothing together, and their events (webhooks) only once
        # the whole transaction commits, none if a later file fails
        with core.atomic():
            total = 0
            for path in args.files:
                with path.open("rb") as fh:
                    report = core.import_tasks(
                        user,
                        args.project,
                        fh,
                        filename=path.name,
                        dedupe=args.dedupe,
                        progress=lambda n: print(f"\r{n} rows", end="", file=sys.stderr),
                    )
                print(file=sys.stderr)
                total += report.task_count
                print(
                    f"{path.name}: {report.task_count} tasks, {report.annotation_count} "
                    f"annotations, {report.prediction_count} predictions "
                    f"in {report.duration:.1f} s"
                )
        print(f"imported {total} tasks into project {args.project}")
    finally:
        core.close()
    return 0


def _configure_export(p: argparse.ArgumentParser) -> None:
    _store_args(p)
    p.add_argument("--format", default="JSON", help="export format (JSON, CSV, COCO, ...)")
    p.add_argument("--out", type=Path, required=True, help="output file")
    p.add_argument("--all", action="store_true", help="include tasks without annotations")


def _run_export(args: argparse.Namespace) -> int:
    from labelcore.service.core import LabelCore

    core, user = _core(args)
    assert isinstance(core, LabelCore)
    try:
        prepared = core.prepare_export(user, args.project, args.format, download_all_tasks=args.all)
        with args.out.open("wb") as out:
            prepared.write(out)
        print(f"wrote {args.out} ({prepared.format.name})")
    finally:
        core.close()
    return 0


def register_commands(register: Register) -> None:
    register("import", "import task files into a project", _configure_import, _run_import)
    register("export", "export a project's tasks to a file", _configure_export, _run_export)
