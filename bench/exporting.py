"""The in-process export path the benchmark measures.

    import exporting
    exporting.export(core, manager, project_id, "CSV", sink)   # sink: a binary writable file

The pipeline the service composes for an export: the project (permission-checked) and its
config, the store's
``iter_bundles`` (batched, no N+1), ``_converter.task_to_json`` (Label Studio's full-export
task shape) and ``labelcore.formats.exporters.export`` (streamed into ``sink``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any


def export(core: Any, user: Any, project_id: int, fmt: str, sink: IO[bytes]) -> None:
    from labelcore._converter import task_to_json
    from labelcore.formats.exporters import export as write_export

    project = core.get_project(user, project_id)

    def tasks() -> Iterator[dict[str, Any]]:
        for b in core.store.iter_bundles(project_id):
            yield task_to_json(b.task, annotations=b.annotations, predictions=b.predictions)

    write_export(project.settings.label_config, tasks(), fmt, sink)
