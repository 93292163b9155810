"""Import: tasks with their annotations and predictions, validated, all or nothing, streamed.

    report = core.import_tasks(manager, project.id, [{"text": "good"}, {"text": "bad"}])
    report = core.import_tasks(manager, project.id, open("t.jsonl", "rb"), filename="t.jsonl")
    report.task_count, report.duration

Every row is checked against the labeling config (data keys and types, every nested result);
errors name the row (1-based), the field and the rule. A call imports every row or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any, Literal

from labelcore.model import ImportReport, User
from labelcore.service._base import ServiceBase

#: What ``import_tasks`` reads: task dicts (an iterable, a list, or one dict: a parsed JSON
#: body), raw bytes/str of a file, or a binary file object (give ``filename`` or
#: ``content_type`` so the format is known: json, jsonl, csv, tsv, txt).
ImportSource = Mapping[str, Any] | Iterable[Mapping[str, Any]] | bytes | str | IO[bytes]
Dedupe = Literal["skip", "report"] | None
Progress = Callable[[int], object]


class ImportAPI(ServiceBase):
    def import_tasks(
        self,
        user: User,
        project_id: int,
        source: ImportSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        dedupe: Dedupe = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import tasks (with nested ``annotations`` and ``predictions``) into a project.

        All or nothing: any bad row raises ``ValidationError`` (``errors``: at most 100
        problems, each with ``row``, ``field``, ``code``, ``message``; the message gives the
        total) and the project is unchanged. ``dedupe="skip"`` leaves out tasks whose data
        hash already exists in the project (or earlier in the same import);
        ``dedupe="report"`` imports them and reports them in ``duplicate_count`` and
        ``warnings``. ``progress(rows_read)`` is called every 1000 rows and at the end.
        Needs ``tasks.import``. Emits ``tasks.created``.
        """
        raise NotImplementedError

    def import_url(
        self,
        user: User,
        project_id: int,
        url: str,
        *,
        dedupe: Dedupe = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Download ``url`` (http/https only, through the SSRF guard of ``labelcore.net``
        with the core's ``net_policy``) and import it as ``import_tasks`` does; the format
        comes from the final URL's extension or the response's content type."""
        raise NotImplementedError
