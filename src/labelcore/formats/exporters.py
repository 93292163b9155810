"""Label Studio's export formats, streamed from an iterator of task JSON dicts.

    from labelcore.formats.exporters import export, supported_formats
    [f.name for f in supported_formats(cfg) if not f.disabled]   # ["JSON", ..., "YOLO", ...]
    result = export(cfg, tasks, "COCO", open("coco.zip", "wb"))  # tasks: LS full-export dicts

``tasks`` are tasks in Label Studio's full JSON export shape (what
``labelcore._converter.task_to_json`` makes, or a Label Studio export file read with
``labelcore.formats.readers.read_json``), so exports work from a store and offline alike.
The JSON format also takes ``EncodedTasks``: runs of tasks a store already wrote as JSON.
One-file formats (JSON, JSON_MIN, CSV, TSV, CONLL2003, ASR_MANIFEST) write that file to
``out``; the others write a zip archive as a stream (``out`` need not be seekable). A
format that does not fit the config raises ValidationError saying why.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

import attrs

from labelcore.config import LabelConfig, parse_config
from labelcore.errors import ValidationError
from labelcore.formats import _brush, _tabular, _vision
from labelcore.formats._context import Context
from labelcore.formats._files import DirSink, LocalMedia, Sink, StreamSink, ZipSink
from labelcore.formats._items import EncodedTasks, ExportOptions, filter_task
from labelcore.formats._schema import Schema

__all__ = [
    "FORMATS",
    "EncodedTasks",
    "ExportOptions",
    "ExportResult",
    "FormatInfo",
    "check_format",
    "export",
    "export_to_dir",
    "supported_formats",
]

Writer = Callable[[Context, Iterable[Mapping[str, Any]], Sink], None]


@attrs.frozen(kw_only=True)
class FormatInfo:
    """An export format and whether it fits a config (``reason`` says why not)."""

    name: str
    title: str
    description: str
    disabled: bool = False
    reason: str = ""
    filename: str = "result.json"  # the file written, or the suggested archive name
    media_type: str = "application/json"
    archive: bool = False  # True: written as a zip of several files
    # False: the format never looks at predictions (a store need not read them)
    reads_predictions: bool = True


@attrs.frozen(kw_only=True)
class ExportResult:
    format: str
    filename: str
    media_type: str
    task_count: int
    files: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@attrs.frozen
class _Format:
    name: str
    title: str
    description: str
    writer: Writer
    filename: str
    media_type: str
    archive: bool
    fits: Callable[[Schema], str]  # "" when the format fits, else the reason
    # JSON writes predictions; image formats take image sizes and ASR_MANIFEST durations
    # from them; the others never look at them
    reads_predictions: bool = True


def _always(_s: Schema) -> str:
    return ""


def _conll(s: Schema) -> str:
    if "Text" in s.input_types and "Labels" in s.output_types:
        return ""
    return "CONLL2003 needs a Text object with Labels"


_SHAPES = "RectangleLabels, PolygonLabels or KeyPointLabels"


def _image_shapes(s: Schema) -> bool:
    out, inp = s.output_types, s.input_types
    labels = "Labels" in out
    return (
        ("Image" in inp and bool({"RectangleLabels", "PolygonLabels", "KeyPointLabels"} & out))
        or ("Rectangle" in out and labels)
        or ("PolygonLabels" in out and labels)
        or ("KeyPointLabels" in out and labels)
    )


def _coco_like(name: str) -> Callable[[Schema], str]:
    def fits(s: Schema) -> str:
        if s.is_multi_image:
            return f"{name} does not support images given as a list (valueList)"
        if not _image_shapes(s):
            return f"{name} needs an Image object with {_SHAPES}"
        if "KeyPointLabels" in s.output_types and "RectangleLabels" not in s.output_types:
            return (
                f"{name} with KeyPointLabels needs RectangleLabels too (keypoints belong to boxes)"
            )
        return ""

    return fits


def _obb(s: Schema) -> str:
    if s.is_multi_image:
        return "YOLO_OBB does not support images given as a list (valueList)"
    if not _image_shapes(s):
        return (
            "YOLO_OBB needs an Image object with RectangleLabels, PolygonLabels or KeyPointLabels"
        )
    if "Video" in s.input_types and "TimelineLabels" in s.output_types:
        return "YOLO_OBB does not support Video with TimelineLabels"
    return ""


def _voc(s: Schema) -> str:
    if s.is_multi_image:
        return "VOC does not support images given as a list (valueList)"
    out = s.output_types
    if "Image" in s.input_types and (
        "RectangleLabels" in out or ("Rectangle" in out and "Labels" in out)
    ):
        return ""
    return "VOC needs an Image object with RectangleLabels (or Rectangle with Labels)"


def _brush_fits(name: str) -> Callable[[Schema], str]:
    def fits(s: Schema) -> str:
        out = s.output_types
        if "Image" in s.input_types and (
            "BrushLabels" in out or ("Brush" in out and "Labels" in out)
        ):
            return ""
        return f"{name} needs an Image object with BrushLabels (or Brush with Labels)"

    return fits


def _asr(s: Schema) -> str:
    if ({"Audio", "AudioPlus"} & s.input_types) and "TextArea" in s.output_types:
        return ""
    return "ASR_MANIFEST needs an Audio object with a TextArea"


_ZIP = "application/zip"
_ALL = [
    _Format(
        "JSON",
        "JSON",
        "Every task with its data, annotations, predictions and drafts: "
        "Label Studio's full export, importable again.",
        _tabular.write_json,
        "result.json",
        "application/json",
        False,
        _always,
    ),
    _Format(
        "JSON_MIN",
        "JSON-MIN",
        "One record per annotation: the task data plus each "
        "control's value under its name, annotator and times.",
        _tabular.write_json_min,
        "result.json",
        "application/json",
        False,
        _always,
        reads_predictions=False,
    ),
    _Format(
        "CSV",
        "CSV",
        "The JSON-MIN records as comma-separated rows, one column per data key and control.",
        _tabular.write_csv,
        "result.csv",
        "text/csv",
        False,
        _always,
        reads_predictions=False,
    ),
    _Format(
        "TSV",
        "TSV",
        "The JSON-MIN records as tab-separated rows.",
        _tabular.write_tsv,
        "result.tsv",
        "text/tab-separated-values",
        False,
        _always,
        reads_predictions=False,
    ),
    _Format(
        "CONLL2003",
        "CoNLL 2003",
        "Tokens with BIO tags for named entity recognition.",
        _tabular.write_conll,
        "result.conll",
        "text/plain",
        False,
        _conll,
        reads_predictions=False,
    ),
    _Format(
        "COCO",
        "COCO",
        "Object detection and segmentation: boxes, polygons and keypoints in one COCO JSON file.",
        _vision.write_coco,
        "result.zip",
        _ZIP,
        True,
        _coco_like("COCO"),
    ),
    _Format(
        "YOLO",
        "YOLO",
        "A text file of normalised boxes, polygons or pose keypoints per image, with classes.txt.",
        _vision.write_yolo,
        "result.zip",
        _ZIP,
        True,
        _coco_like("YOLO"),
        reads_predictions=False,
    ),
    _Format(
        "YOLO_OBB",
        "YOLO OBB",
        "YOLO oriented boxes: the four corners of each rotated box per image.",
        _vision.write_yolo_obb,
        "result.zip",
        _ZIP,
        True,
        _obb,
    ),
    _Format(
        "VOC",
        "Pascal VOC XML",
        "One Pascal VOC XML file of boxes per image.",
        _vision.write_voc,
        "result.zip",
        _ZIP,
        True,
        _voc,
    ),
    _Format(
        "BRUSH_TO_NUMPY",
        "Brush masks as NumPy",
        "Each brush region as a 2-D uint8 NumPy array (.npy).",
        _brush.write_brush_numpy,
        "result.zip",
        _ZIP,
        True,
        _brush_fits("BRUSH_TO_NUMPY"),
        reads_predictions=False,
    ),
    _Format(
        "BRUSH_TO_PNG",
        "Brush masks as PNG",
        "Each brush region as a grayscale PNG mask.",
        _brush.write_brush_png,
        "result.zip",
        _ZIP,
        True,
        _brush_fits("BRUSH_TO_PNG"),
        reads_predictions=False,
    ),
    _Format(
        "ASR_MANIFEST",
        "ASR manifest",
        "NVIDIA NeMo speech recognition manifest: audio file, duration and transcript per line.",
        _tabular.write_asr_manifest,
        "manifest.json",
        "application/json",
        False,
        _asr,
    ),
]
FORMATS: Mapping[str, _Format] = {f.name: f for f in _ALL}
_ROW_FORMATS = frozenset({"JSON", "JSON_MIN", "CSV", "TSV"})


def _schema(cfg: LabelConfig | str) -> Schema:
    return Schema.from_config(parse_config(cfg) if isinstance(cfg, str) else cfg)


def _reason(fmt: _Format, schema: Schema) -> str:
    if len(schema.data_keys) > 1 and fmt.name not in _ROW_FORMATS:
        keys = ", ".join(schema.data_keys)
        return (
            f"{fmt.name} needs a config that reads one data key; this one reads {keys} "
            "(JSON, JSON_MIN, CSV and TSV fit any config)"
        )
    return fmt.fits(schema)


def supported_formats(cfg: LabelConfig | str) -> list[FormatInfo]:
    """Every export format, with ``disabled`` and a ``reason`` where it does not fit."""
    schema = _schema(cfg)
    out = []
    for fmt in _ALL:
        reason = _reason(fmt, schema)
        out.append(
            FormatInfo(
                name=fmt.name,
                title=fmt.title,
                description=fmt.description,
                disabled=bool(reason),
                reason=reason,
                filename=fmt.filename,
                media_type=fmt.media_type,
                archive=fmt.archive,
                reads_predictions=fmt.reads_predictions,
            )
        )
    return out


def check_format(cfg: LabelConfig | str, name: str) -> FormatInfo:
    """The format's info; ValidationError when the name is unknown or the format does not
    fit the config (the message says why)."""
    key = name.strip().upper().replace("-", "_")
    infos = {f.name: f for f in supported_formats(cfg)}
    info = infos.get(key)
    if info is None:
        raise ValidationError(
            f"unknown export format {name!r}; choose one of {', '.join(infos)}",
            code="export.unknown_format",
        )
    if info.disabled:
        raise ValidationError(info.reason, code="export.format_unsupported")
    return info


def _tasks(tasks: Iterable[Any], options: ExportOptions, fmt: str) -> Iterator[Any]:
    n = 0
    for task in tasks:
        if type(task) is EncodedTasks:
            if fmt != "JSON":
                raise TypeError(f"{fmt} needs task objects; only JSON takes EncodedTasks")
            if not options.keeps_tasks_whole:
                raise TypeError(
                    "EncodedTasks cannot be filtered by predictions, skipped or ground truth"
                )
            n += task.count
            yield task
            continue
        n += 1
        if not isinstance(task, Mapping) or not isinstance(task.get("data"), Mapping):
            raise ValidationError(
                f"task {n}: expected a task object with a 'data' object",
                code="export.invalid_task",
            )
        kept = filter_task(task, options)
        if kept is not None:
            yield kept


def _run(
    cfg: LabelConfig | str,
    tasks: Iterable[Any],
    name: str,
    sink_for: Callable[[FormatInfo], Sink],
    options: ExportOptions | None,
    progress: Callable[[int], None] | None,
) -> ExportResult:
    schema = _schema(cfg)
    info = check_format(schema.config, name)
    opts = options or ExportOptions()
    media = LocalMedia(opts.media_root) if opts.media_root is not None else None
    ctx = Context(schema=schema, options=opts, media=media, on_task=progress)
    sink = sink_for(info)
    try:
        FORMATS[info.name].writer(ctx, _tasks(tasks, opts, info.name), sink)
    finally:
        if isinstance(sink, ZipSink):
            sink.close()
    return ExportResult(
        format=info.name,
        filename=info.filename,
        media_type=info.media_type,
        task_count=ctx.tasks,
        files=tuple(getattr(sink, "names", ())),
        warnings=tuple(ctx.warnings),
    )


def export(
    cfg: LabelConfig | str,
    tasks: Iterable[Any],
    fmt: str,
    out: IO[bytes],
    *,
    options: ExportOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write ``tasks`` in format ``fmt`` to the binary stream ``out``: the file itself for
    one-file formats, a zip archive otherwise. ``progress`` is called with the number of
    tasks done so far."""

    def sink_for(info: FormatInfo) -> Sink:
        return ZipSink(out) if info.archive else StreamSink(out)

    return _run(cfg, tasks, fmt, sink_for, options, progress)


def export_to_dir(
    cfg: LabelConfig | str,
    tasks: Iterable[Any],
    fmt: str,
    out_dir: str | os.PathLike[str],
    *,
    options: ExportOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the export's files under ``out_dir`` (created if needed); nothing is written
    outside it whatever the task data says."""
    return _run(cfg, tasks, fmt, lambda _info: DirSink(out_dir), options, progress)
