"""Import: tasks with their annotations and predictions, validated, all or nothing, streamed.

    report = core.import_tasks(manager, project.id, [{"text": "good"}, {"text": "bad"}])
    report = core.import_tasks(manager, project.id, open("t.jsonl", "rb"), filename="t.jsonl")
    report.task_count, report.duration

Every row is checked against the labeling config (data keys and types, every nested result);
errors name the row (1-based), the field and the rule. A call imports every row or none.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol

import attrs

from labelcore import _converter
from labelcore._jsontext import compact_encoder
from labelcore.config.results import validate_result
from labelcore.config.taskdata import check_task_data
from labelcore.errors import LabelcoreError, NotFound, ValidationError
from labelcore.model import ImportReport, NewAnnotation, NewTask, Project, Task, User, UserId
from labelcore.service._base import ServiceBase
from labelcore.service.overlap import rearrange_overlap
from labelcore.service.sources import UNDEFINED, read_source
from labelcore.storage.base import DataColumns, QualityImport

if TYPE_CHECKING:
    from labelcore.config import LabelConfig


class Readable(Protocol):
    """Anything with a binary ``read(n)``."""

    def read(self, n: int = -1, /) -> bytes: ...


#: What ``import_tasks`` reads: task dicts (an iterable, a list, or one dict: a parsed JSON
#: body), raw bytes/str of a file, or a binary file object (give ``filename`` or
#: ``content_type`` so the format is known: json, jsonl, csv, tsv, txt).
ImportSource = Mapping[str, Any] | Iterable[Mapping[str, Any]] | bytes | str | IO[bytes] | Readable


Dedupe = Literal["skip", "report"] | None
Progress = Callable[[int], object]

MAX_LISTED_ERRORS = 100
MAX_IMPORT_ROWS = 1_000_000  # Label Studio's TASKS_MAX_NUMBER
MAX_EVENT_TASKS = 5000  # tasks serialized into one tasks.created event (webhook batch size)
_BATCH = 500
_PROGRESS_EVERY = 1000


_CANONICAL = compact_encoder(sort_keys=True, allow_nan=True)


def data_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of the task data's canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(_CANONICAL(data).encode("utf-8")).hexdigest()


class ImportAPI(ServiceBase):
    max_import_rows: int = MAX_IMPORT_ROWS

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
        file_upload: str | None = None,
    ) -> ImportReport:
        """Import tasks (with nested ``annotations`` and ``predictions``) into a project.

        All or nothing: any bad row raises ``ValidationError`` (``errors``: at most 100
        problems, each with ``row``, ``field``, ``code``, ``message``; the message gives the
        total) and the project is unchanged. ``dedupe="skip"`` leaves out tasks whose data
        hash already exists in the project (or earlier in the same import);
        ``dedupe="report"`` imports them and reports them in ``duplicate_count`` and
        ``warnings``. ``progress(rows_read)`` is called every 1000 rows and at the end.
        ``file_upload`` is the name of the file the rows came from, kept on each task as
        Label Studio's ``file_upload`` (the data manager's source file column) unless the
        row names its own (a Label Studio export brought over).
        Needs ``tasks.import``. Emits ``tasks.created``.
        """
        project = self._project(user, project_id, "tasks.import").project
        if dedupe not in (None, "skip", "report"):
            raise ValidationError(
                f"dedupe must be 'skip', 'report' or None, got {dedupe!r}",
                code="import.bad_dedupe",
            )
        started = time.monotonic()
        kind, rows = read_source(source, filename=filename, content_type=content_type)
        run = _ImportRun(
            self,
            project,
            user,
            dedupe,
            progress,
            self.max_import_rows,
            file_upload=file_upload[: _converter.MAX_FILE_NAME] if file_upload else None,
        )
        with self._tx():
            # the annotated tasks' review quality is stored with their annotations, from
            # the annotations the import hands over, when the store can (no read back)
            quality = self._new_task_quality(project)
            if quality is not None and isinstance(self.store, QualityImport):
                ids = self.store.add_tasks_with_quality(project_id, run.tasks(rows), quality)
            else:
                ids = self.store.add_tasks(project_id, run.tasks(rows))
                self._tasks_added(
                    project_id, [i for i, annotated in zip(ids, run.annotated) if annotated]
                )
            if ids and run.columns and isinstance(self.store, DataColumns):
                self.store.add_data_columns(project_id, run.columns)  # the data manager's
            s = project.settings
            if ids and s.maximum_annotations > 1 and s.overlap_cohort_percentage < 100:
                rearrange_overlap(self.store, project)
            self._emit("tasks.created", project_id, user, **self._created_payload(ids))
        return ImportReport(
            task_count=len(ids),
            annotation_count=run.annotations,
            prediction_count=run.predictions,
            duplicate_count=run.duplicates,
            duration=time.monotonic() - started,
            task_ids=tuple(ids),
            data_columns=tuple(sorted(run.columns)),
            found_formats=(kind,) if kind != "python" else (),  # Label Studio lists extensions
            warnings=tuple(run.warnings),
        )

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
        from urllib.parse import urlsplit

        from labelcore import net

        self._project(user, project_id, "tasks.import")
        policy = self.net_policy if self.net_policy is not None else net.NetPolicy()
        with net.open_url(url, policy) as response:
            if response.status >= 400:
                raise ValidationError(
                    f"downloading {url} failed with HTTP {response.status}",
                    code="import.url_failed",
                )
            path = urlsplit(response.url).path
            name = path.rsplit("/", 1)[-1] or None
            if name is not None and "." not in name:
                name = None
            return self.import_tasks(
                user,
                project_id,
                _ResponseStream(response),
                filename=name,
                content_type=response.headers.get("content-type"),
                dedupe=dedupe,
                progress=progress,
            )

    def create_task(
        self, user: User, project_id: int, data: dict[str, Any], meta: dict[str, Any] | None = None
    ) -> Task:
        """Add one task (validated like an import row). Needs ``tasks.import``."""
        report = self.import_tasks(user, project_id, [{"data": data, "meta": meta or {}}])
        task = self.store.get_task(report.task_ids[0])
        if task is None:  # deleted by someone else in between
            raise NotFound(f"task {report.task_ids[0]} not found", code="task.not_found")
        return task

    def _created_payload(self, ids: list[int]) -> dict[str, Any]:
        payload: dict[str, Any] = {"task_ids": ids, "count": len(ids)}
        if len(ids) <= MAX_EVENT_TASKS:
            payload["tasks"] = [_converter.task_to_json(t) for t in self.store.get_tasks(ids)]
        return payload


class _ResponseStream:
    """A ``read(n)`` view of a ``labelcore.net.SafeResponse`` (bounded by its policy)."""

    def __init__(self, response: Any) -> None:
        self._chunks = response.iter_bytes(64 * 1024)
        self._buffer = b""

    def read(self, n: int = -1, /) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        if n < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


@attrs.define
class _ImportRun:
    """One import call: turns rows into checked NewTasks, collecting every problem."""

    core: ServiceBase
    project: Project
    user: User
    dedupe: Dedupe
    progress: Progress | None
    max_rows: int
    errors: list[dict[str, Any]] = attrs.field(factory=list)
    error_count: int = 0
    annotations: int = 0
    predictions: int = 0
    duplicates: int = 0
    columns: set[str] = attrs.field(factory=set)
    warnings: list[str] = attrs.field(factory=list)
    seen_hashes: set[str] = attrs.field(factory=set)
    emails: dict[str, UserId | None] = attrs.field(factory=dict)
    #: per task handed to the store, in order: whether it carries annotations
    annotated: list[bool] = attrs.field(factory=list)
    #: the source file's name, for rows that do not name their own
    file_upload: str | None = None

    cfg: LabelConfig = attrs.field(init=False)

    overlap: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.cfg = self.core._config(self.project.settings.label_config)
        self.overlap = self.project.settings.maximum_annotations

    def error(self, row: int, field: str, code: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(
                {"row": row, "field": field, "code": code, "message": f"row {row}: {message}"}
            )

    def tasks(self, rows: Iterator[tuple[int, Any]]) -> Iterator[NewTask]:
        batch: list[tuple[int, NewTask]] = []
        count = 0
        for row, item in rows:
            count = row
            if row > self.max_rows:
                self.error(row, "", "import.too_many_tasks", f"more than {self.max_rows} tasks")
                break
            task = self.prepare(row, item)
            if task is not None and not self.error_count:
                if self.dedupe is None:  # straight on: a held batch costs garbage collection
                    self.annotated.append(bool(task.annotations))
                    yield task
                else:
                    batch.append((row, task))
            if len(batch) >= _BATCH:
                yield from self.deduped(batch)
                batch = []
            if self.progress is not None and row % _PROGRESS_EVERY == 0:
                self.progress(row)
        if self.error_count:
            self.fail()
        yield from self.deduped(batch)
        if self.progress is not None:
            self.progress(count)

    def fail(self) -> None:
        shown = len(self.errors)
        more = f" (showing the first {shown})" if self.error_count > shown else ""
        raise ValidationError(
            f"{self.error_count} problem(s) in the import{more}, nothing was imported: "
            + "; ".join(e["message"] for e in self.errors[:3]),
            code="import.invalid",
            errors=self.errors,
        )

    def deduped(self, batch: list[tuple[int, NewTask]]) -> Iterator[NewTask]:
        if not batch:
            return
        hashes = [t.data_hash or "" for _, t in batch]
        existing = self.core.store.find_tasks_by_hash(self.project.id, set(hashes))
        for (row, task), h in zip(batch, hashes):
            duplicate_of = existing.get(h)
            if duplicate_of is not None or h in self.seen_hashes:
                self.duplicates += 1
                if len(self.warnings) < MAX_LISTED_ERRORS:
                    what = f"task {duplicate_of}" if duplicate_of else "an earlier row"
                    self.warnings.append(f"row {row}: same data as {what}")
                if self.dedupe == "skip":
                    continue
            self.seen_hashes.add(h)
            self.annotated.append(bool(task.annotations))
            yield task

    def prepare(self, row: int, item: Any) -> NewTask | None:
        try:
            task = _converter.task_from_import(item, row=row, default_user=self.user.id)
        except LabelcoreError as exc:
            for problem in exc.errors or [{"code": exc.code, "message": exc.message}]:
                message = str(problem.get("message", exc.message))
                self.error(
                    row,
                    "",
                    str(problem.get("code", exc.code)),
                    message.removeprefix(f"row {row}: "),
                )
            return None
        before = self.error_count
        data = self.remap_undefined(row, task.data)
        for data_problem in check_task_data(self.cfg, data):
            key = data_problem.key
            field = f"data.{key}" if key else "data"
            self.error(row, field, data_problem.code, data_problem.message)
        annotations = self.checked_annotations(row, task, data) if task.annotations else ()
        for i, prediction in enumerate(task.predictions):
            self.check_result(row, f"predictions[{i}]", prediction.result, data)
        if self.error_count > before:
            return None
        self.annotations += len(annotations)
        self.predictions += len(task.predictions)
        if len(self.columns) < 1000:
            self.columns.update(data)
        return NewTask(
            data=data,
            meta=task.meta,
            annotations=annotations,
            predictions=task.predictions,
            overlap=self.overlap,
            file_upload=task.file_upload or self.file_upload,
            data_hash=data_hash(data),
        )

    def remap_undefined(self, row: int, data: dict[str, Any]) -> dict[str, Any]:
        if UNDEFINED not in data:
            return data
        keys = sorted(self.cfg.data_keys)
        if len(keys) > 1:
            self.error(
                row,
                "data",
                "import.single_key_upload",
                "your labeling config has more than one data key "
                f"({', '.join(keys)}) and plain-file upload fills only one; "
                "import JSON, CSV or TSV with a column per data key",
            )
            return data
        if not keys:
            return data
        out = {k: v for k, v in data.items() if k != UNDEFINED}
        out[keys[0].split(".")[0]] = data[UNDEFINED]
        return out

    def checked_annotations(
        self, row: int, task: NewTask, data: dict[str, Any]
    ) -> tuple[NewAnnotation, ...]:
        out: list[NewAnnotation] = []
        for i, ann in enumerate(task.annotations):
            where = f"annotations[{i}]"
            self.check_result(row, where, ann.result, data)
            if ann.completed_by_email is not None:
                user_id = self.resolve_email(ann.completed_by_email)
                if user_id is None:
                    self.error(
                        row,
                        f"{where}.completed_by",
                        "import.unknown_user",
                        f"no user with email {ann.completed_by_email!r} in the user directory",
                    )
                    continue
                ann = attrs.evolve(ann, completed_by=user_id, completed_by_email=None)
            out.append(ann)
        # at most one ground truth per task: the last one given wins
        gt = [i for i, a in enumerate(out) if a.ground_truth]
        for i in gt[:-1]:
            out[i] = attrs.evolve(out[i], ground_truth=False)
        if len(gt) > 1 and len(self.warnings) < MAX_LISTED_ERRORS:
            self.warnings.append(f"row {row}: several ground-truth annotations; kept the last")
        return tuple(out)

    def check_result(self, row: int, where: str, result: list[Any], data: dict[str, Any]) -> None:
        for problem in validate_result(self.cfg, result, data):
            region = problem.region
            field = f"{where}.result" + (f"[{region}]" if region is not None else "")
            self.error(row, field, problem.code, f"{field}: {problem.message}")

    def resolve_email(self, email: str) -> UserId | None:
        key = email.strip().casefold()
        if key not in self.emails:
            found = self.core.store.find_user_by_email(key)
            # a user of another organization is no author for this tenant's project (and
            # the answer must not tell its manager that the email exists elsewhere)
            foreign = self.project.organization not in (None, getattr(found, "organization", None))
            self.emails[key] = None if found is None or foreign else found.id
        return self.emails[key]
