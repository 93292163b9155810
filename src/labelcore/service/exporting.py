"""Exports from the store: which formats fit, and a prepared, permission-checked export.

    job = core.prepare_export(manager, project.id, "CSV", download_all_tasks=True)
    with open(job.filename, "wb") as out:
        job.write(out)

Everything that can fail (visibility, the ``project.export`` permission, an unknown or
unfitting format) is checked by ``prepare_export``; ``write`` then streams the tasks from
``store.iter_bundles`` through ``labelcore.formats`` in bounded memory. A query with regex
filters is matched in ``prepare_export``, under the one ``regex_budget`` of a query: a
pattern that runs too long fails there (HTTP: a 400 before the response starts), and
``write`` reads the matched tasks by id, a chunk at a time, without matching again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator
from typing import IO, Any

import attrs

from labelcore._converter import task_to_json
from labelcore.formats.exporters import (
    ExportOptions,
    FormatInfo,
    check_format,
    export,
    supported_formats,
)
from labelcore.model import User
from labelcore.query import Selection, TaskQuery
from labelcore.service._base import ServiceBase
from labelcore.service.review import reviewed_tasks


@attrs.frozen(kw_only=True)
class PreparedExport:
    """A checked export, ready to stream: ``write(binary_stream)`` produces the file."""

    format: FormatInfo
    filename: str  # a suggested download name
    media_type: str
    write: Callable[[IO[bytes]], None]


class ExportAPI(ServiceBase):
    def export_formats(self, user: User, project_id: int) -> list[FormatInfo]:
        """Every export format with ``disabled``/``reason`` for this project's config."""
        access = self._project(user, project_id, "project.view")
        return supported_formats(access.project.settings.label_config)

    def prepare_export(
        self,
        user: User,
        project_id: int,
        export_type: str = "JSON",
        *,
        download_all_tasks: bool = False,
        task_ids: Collection[int] | None = None,
        query: TaskQuery | None = None,
        options: ExportOptions | None = None,
        only_accepted: bool = False,
        include_reviews: bool = False,
    ) -> PreparedExport:
        """Check and prepare an export of the project (managers by default).

        ``download_all_tasks=False`` keeps only tasks with annotations, as Label Studio does;
        ``task_ids`` or a data-manager ``query`` narrow the tasks; ``options`` choose
        predictions, drafts, skipped annotations and ground truth only. ``only_accepted``
        keeps only annotations a review accepted (and tasks that have one);
        ``include_reviews`` adds each annotation's review verdicts (``reviews``) to JSON.
        """
        access = self._project(user, project_id, "project.export", "export this project")
        self._check_query(access, query)  # a policy may let roles that see less export
        config = access.project.settings.label_config
        info = check_format(config, export_type)  # 400 for an unknown or unfitting format
        if task_ids is not None:
            selection = Selection(included=tuple(int(i) for i in task_ids))
            query = attrs.evolve(query or TaskQuery(), selection=selection)
        opts = options or ExportOptions()
        opts = attrs.evolve(opts, only_annotated=opts.only_annotated or not download_all_tasks)
        store = self.store
        queries = self._matched(project_id, query)

        def each(read: Callable[[TaskQuery | None], Iterator[Any]]) -> Iterator[Any]:
            for q in queries():
                yield from read(q)

        def tasks() -> Iterator[Any]:
            if only_accepted or include_reviews:
                yield from reviewed_tasks(
                    each(
                        lambda q: store.iter_bundles(
                            project_id,
                            q,
                            only_annotated=opts.only_annotated or only_accepted,
                            include_drafts=opts.include_drafts,
                        )
                    ),
                    store.list_reviews(project_id=project_id),
                    access.project.settings.reviews_per_annotation,
                    only_accepted=only_accepted,
                    include_reviews=include_reviews,
                )
                return
            # a store may offer the export JSON directly (SQLStore: from the rows, without
            # domain objects), or for the JSON format its text (splicing the stored JSON);
            # otherwise each bundle goes through task_to_json
            encoded = getattr(store, "iter_export_json", None)
            if encoded is not None and info.name == "JSON" and opts.keeps_tasks_whole:
                yield from each(
                    lambda q: encoded(
                        project_id,
                        q,
                        only_annotated=opts.only_annotated,
                        include_drafts=opts.include_drafts,
                    )
                )
                return
            direct = getattr(store, "iter_export_tasks", None)
            if direct is not None:
                yield from each(
                    lambda q: direct(
                        project_id,
                        q,
                        only_annotated=opts.only_annotated,
                        include_drafts=opts.include_drafts,
                        include_predictions=opts.include_predictions and info.reads_predictions,
                    )
                )
                return
            bundles = each(
                lambda q: store.iter_bundles(
                    project_id,
                    q,
                    only_annotated=opts.only_annotated,
                    include_drafts=opts.include_drafts,
                )
            )
            for b in bundles:
                yield task_to_json(b.task, b.annotations, b.predictions, b.drafts)

        def write(out: IO[bytes]) -> None:
            export(config, tasks(), info.name, out, options=opts)

        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")
        ext = "zip" if info.archive else info.filename.rsplit(".", 1)[-1]
        return PreparedExport(
            format=info,
            filename=f"project-{project_id}-at-{stamp}.{ext}",
            media_type="application/zip" if info.archive else info.media_type,
            write=write,
        )
