"""The in-process export path the benchmark measures.

    import exporting
    exporting.export(core, manager, project_id, "CSV", sink)   # sink: a binary writable file

What a host's export view runs: ``core.prepare_export`` (permission, format check) and its
``write``, which streams the store's tasks (``SQLStore.iter_export_tasks``: the export JSON
built from the rows, batched, no N+1; for JSON ``SQLStore.iter_export_json``: the export
text itself, spliced from the stored JSON) through ``labelcore.formats.exporters.export``
into ``sink``. Every task is exported (``download_all_tasks=True``), as the HTTP rows do.
"""

from __future__ import annotations

from typing import IO, Any


def export(core: Any, user: Any, project_id: int, fmt: str, sink: IO[bytes]) -> None:
    job = core.prepare_export(user, project_id, fmt, download_all_tasks=True)
    job.write(sink)
