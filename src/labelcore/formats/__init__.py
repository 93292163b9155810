"""Task files in and Label Studio export formats out.

from labelcore.formats import read_tasks, export, supported_formats
with open("tasks.json", "rb") as f: items = [it for _, it in read_tasks(f, filename="t.json")]
export(cfg, tasks, "YOLO", open("yolo.zip", "wb"))
"""

from __future__ import annotations

from labelcore.formats.readers import read_tasks, reader_for

__all__ = ["read_tasks", "reader_for"]
