"""The ``labelcore`` command: convert exports, check configs, and whatever others register.

    labelcore check-config config.xml
    labelcore convert --config config.xml --input export.json --format YOLO --out yolo/
    labelcore convert --from coco --input instances.json --out tasks.json

Adding a command: call :func:`register` with a name, a help line, a function that adds
arguments to its ``argparse`` parser and a function that runs it and returns the exit
code. Modules listed in ``COMMAND_MODULES`` are imported when present and their
``register_commands(register)`` is called, so a package part can add ``demo``, ``import``
or ``export`` without editing this file. Errors from labelcore (``LabelcoreError``) are
printed as ``error: ...`` and exit with code 2; success is 0.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import attrs

from labelcore.errors import LabelcoreError

__all__ = ["COMMAND_MODULES", "Command", "main", "register"]

# modules that may add commands: each defines register_commands(register)
COMMAND_MODULES = (
    "labelcore.service.commands",
    "labelcore.storage.commands",
    "labelcore.web.commands",
)


@attrs.frozen
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


_COMMANDS: dict[str, Command] = {}


def register(
    name: str,
    help: str,
    configure: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
) -> None:
    """Add (or replace) the subcommand ``name``."""
    _COMMANDS[name] = Command(name, help, configure, run)


def _load_plugins() -> None:
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                continue  # that part of labelcore has no commands (yet)
            raise
        hook = getattr(module, "register_commands", None)
        if callable(hook):
            hook(register)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labelcore", description="Label Studio-compatible labeling as a library."
    )
    from labelcore import __version__

    parser.add_argument("--version", action="version", version=f"labelcore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in sorted(_COMMANDS.values(), key=lambda c: c.name):
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.configure(p)
        p.set_defaults(_run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    _load_plugins()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args._run(args)
    except LabelcoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.errors[:20]:
            message = problem.get("message")
            if message and message != str(exc):
                print(f"  - {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


# -- check-config -----------------------------------------------------------------------------


def _check_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="labeling config XML file ('-' reads standard input)")


def _check_config(args: argparse.Namespace) -> int:
    from labelcore.config import ConfigError, parse_config

    text = sys.stdin.read() if args.file == "-" else _read_text(args.file)
    try:
        cfg = parse_config(text)
    except ConfigError as exc:
        print(f"{args.file}: {len(exc.problems)} problem(s)", file=sys.stderr)
        for p in exc.problems:
            where = f"line {p.line}: " if p.line else ""
            print(f"  {where}{p.message} [{p.code}]", file=sys.stderr)
        return 2
    from labelcore.formats.exporters import supported_formats

    print(f"{args.file}: valid")
    print(f"  controls: {', '.join(f'{c.name} ({c.tag})' for c in cfg.controls.values()) or '-'}")
    print(f"  objects: {', '.join(f'{o.name} ({o.tag})' for o in cfg.objects.values()) or '-'}")
    print(f"  data keys: {', '.join(sorted(cfg.data_keys)) or '-'}")
    formats = [f.name for f in supported_formats(cfg) if not f.disabled]
    print(f"  export formats: {', '.join(formats)}")
    return 0


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        from labelcore.errors import ValidationError

        raise ValidationError(f"cannot read {path}: {exc}") from None


# -- convert ----------------------------------------------------------------------------------


def _convert_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from",
        dest="source",
        choices=["coco", "yolo"],
        help="turn a COCO file or YOLO directory into Label Studio tasks instead",
    )
    p.add_argument("--config", help="labeling config XML (for exports)")
    p.add_argument(
        "--input",
        required=True,
        help="Label Studio JSON export (.json or .jsonl); COCO JSON; YOLO directory",
    )
    p.add_argument("--format", help="export format, e.g. JSON_MIN, CSV, CONLL2003, COCO, YOLO")
    p.add_argument(
        "--out", required=True, help="output directory (exports) or JSON file of tasks (--from)"
    )
    g = p.add_argument_group("export options")
    g.add_argument("--only-annotated", action="store_true", help="leave out unannotated tasks")
    g.add_argument("--no-predictions", action="store_true", help="leave predictions out of JSON")
    g.add_argument("--drafts", action="store_true", help="keep drafts in JSON")
    g.add_argument("--no-skipped", action="store_true", help="leave skipped annotations out")
    g.add_argument("--only-ground-truth", action="store_true", help="ground-truth annotations only")
    g.add_argument(
        "--media-root",
        help="local directory with the tasks' media, read for image "
        "sizes and audio durations (URLs are never fetched)",
    )
    g.add_argument(
        "--progress",
        action="store_true",
        help="always show progress (default: for inputs over 1 MB on a terminal)",
    )
    g.add_argument("--quiet", action="store_true", help="no progress and no summary")
    g2 = p.add_argument_group("--from options")
    g2.add_argument(
        "--image-root-url",
        help="URL prefix for images in the tasks "
        "(default /data/local-files/?d= for COCO, /data/local-files/?d=images for YOLO)",
    )
    g2.add_argument("--out-type", choices=["predictions", "annotations"], default="predictions")
    g2.add_argument("--from-name", default="label", help="control name in the generated config")
    g2.add_argument("--to-name", default="image", help="image object name")
    g2.add_argument("--image-dims", help="WIDTHxHEIGHT of every image (YOLO), skips reading them")
    g2.add_argument("--model-version", help="model_version of the predictions")


def _convert(args: argparse.Namespace) -> int:
    from labelcore.errors import ValidationError

    if args.source:
        return _convert_dataset(args)
    if not args.config or not args.format:
        raise ValidationError("convert needs --config and --format (or --from coco|yolo)")
    from labelcore.config import parse_config
    from labelcore.formats.exporters import ExportOptions, check_format, export_to_dir
    from labelcore.formats.readers import read_tasks

    cfg = parse_config(_read_text(args.config))
    check_format(cfg, args.format)  # fail before reading anything
    options = ExportOptions(
        only_annotated=args.only_annotated,
        include_predictions=not args.no_predictions,
        include_drafts=args.drafts,
        include_skipped=not args.no_skipped,
        only_ground_truth=args.only_ground_truth,
        media_root=args.media_root,
    )
    path = Path(args.input)
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below, read while exporting
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc}") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        bar = _Progress(
            f,
            size,
            enabled=not args.quiet and (args.progress or (size >= 1 << 20 and sys.stderr.isatty())),
        )
        tasks = (item for _row, item in read_tasks(f, filename=path.name))
        result = export_to_dir(
            cfg, tasks, args.format, args.out, options=options, progress=bar.update
        )
        bar.done(result.task_count)
    if not args.quiet:
        print(
            f"{result.format}: {result.task_count} tasks, {len(result.files)} file(s) in {args.out}"
        )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


class _Progress:
    """A one-line progress bar on stderr, driven by how far the input file was read."""

    def __init__(self, f: IO[bytes], size: int, *, enabled: bool) -> None:
        self._f, self._size, self.enabled = f, size, enabled
        self._last = 0.0

    def update(self, tasks: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last < 0.2:
            return
        self._last = now
        self._draw(tasks, min(1.0, self._f.tell() / self._size) if self._size else 1.0)

    def done(self, tasks: int) -> None:
        if self.enabled:
            self._draw(tasks, 1.0)
            sys.stderr.write("\n")

    def _draw(self, tasks: int, fraction: float) -> None:
        filled = int(fraction * 30)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {tasks} tasks")
        sys.stderr.flush()


def _convert_dataset(args: argparse.Namespace) -> int:
    from labelcore.errors import ValidationError
    from labelcore.formats import imports

    out = Path(args.out)
    kwargs: dict[str, Any] = {
        "to_name": args.to_name,
        "from_name": args.from_name,
        "out_type": args.out_type,
    }
    if args.image_root_url is not None:
        kwargs["image_root_url"] = args.image_root_url
    if args.model_version is not None:
        kwargs["model_version"] = args.model_version
    if args.source == "coco":
        try:
            coco = json.loads(Path(args.input).read_bytes())
        except (OSError, ValueError) as exc:
            raise ValidationError(f"cannot read COCO file {args.input}: {exc}") from None
        tasks, config = imports.coco_to_tasks(coco, **kwargs)
    else:
        if args.image_dims:
            try:
                w, h = (int(v) for v in args.image_dims.lower().split("x"))
            except ValueError:
                raise ValidationError("--image-dims must look like 640x480") from None
            kwargs["image_dims"] = (w, h)
        tasks, config = imports.yolo_to_tasks(args.input, **kwargs)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for chunk in _json_list(tasks):
            f.write(chunk)
    config_path = out.with_name(out.stem + ".label_config.xml")
    config_path.write_text(config, encoding="utf-8")
    if not args.quiet:
        print(f"{len(tasks)} tasks written to {out}; labeling config in {config_path}")
    return 0


def _json_list(items: list[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for i, item in enumerate(items):
        yield ("\n" if i == 0 else ",\n") + json.dumps(item, ensure_ascii=False)
    yield "\n]\n"


# -- db upgrade -------------------------------------------------------------------------------


def _db_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["upgrade"], help="upgrade: apply schema migrations")
    p.add_argument(
        "--url",
        default=os.environ.get("LABELCORE_DB", "sqlite:///labelcore.db"),
        help="database URL (default $LABELCORE_DB or sqlite:///labelcore.db)",
    )


def _db(args: argparse.Namespace) -> int:
    try:
        from labelcore.storage.sql import upgrade  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        print(f"error: the SQL storage backend is not available ({exc})", file=sys.stderr)
        return 1
    upgrade(args.url)
    print(f"database at {args.url} is up to date")
    return 0


register(
    "check-config",
    "Check a labeling config and list what it offers",
    _check_config_args,
    _check_config,
)
register(
    "convert",
    "Convert a Label Studio JSON export to another format (no database), "
    "or COCO/YOLO datasets to tasks",
    _convert_args,
    _convert,
)
register("db", "Database maintenance (upgrade)", _db_args, _db)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
