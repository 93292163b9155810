"""Task files in and Label Studio export formats out.

    from labelcore.formats import ExportOptions, export, read_tasks, supported_formats
    items = [item for _row, item in read_tasks(open("tasks.json", "rb"), filename="tasks.json")]
    export(cfg, tasks, "YOLO", open("yolo.zip", "wb"), options=ExportOptions(only_annotated=True))

See docs/export.md for every format, the options and the differences from Label Studio.
"""

from __future__ import annotations

from labelcore.formats.exporters import (
    ExportOptions,
    ExportResult,
    FormatInfo,
    check_format,
    export,
    export_to_dir,
    supported_formats,
)
from labelcore.formats.imports import coco_to_tasks, yolo_to_tasks
from labelcore.formats.readers import read_tasks, reader_for

__all__ = [
    "ExportOptions",
    "ExportResult",
    "FormatInfo",
    "check_format",
    "coco_to_tasks",
    "export",
    "export_to_dir",
    "read_tasks",
    "reader_for",
    "supported_formats",
    "yolo_to_tasks",
]
