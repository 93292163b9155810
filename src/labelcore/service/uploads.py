"""Files kept for a later import, as Label Studio's ``commit_to_project=false`` and
``reimport`` do it.

    upload = core.upload_file(manager, project.id, open("t.csv", "rb"), filename="t.csv")
    upload.id, upload.task_count           # checked now, no task created yet
    report = core.reimport(manager, project.id, [upload.id])     # now the tasks exist
    core.reimport(manager, project.id, [upload.id])   # again: replaces that file's tasks

An upload is checked when it is kept (every row against the labeling config, as an import
would), so a reimport of an unchanged project cannot fail on the file's content. Uploads
belong to the user who sent them: listing and deleting see only one's own (as in Label
Studio), and the reimport takes only uploads of the same project.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from typing import IO, Any

import attrs

from labelcore.errors import NotFound, TooLarge, ValidationError
from labelcore.model import FileUpload, ImportReport, User
from labelcore.service.importing import ImportAPI
from labelcore.service.tasks import TasksAPI
from labelcore.storage.base import Store

#: Largest file kept (Label Studio's DATA_UPLOAD_MAX_MEMORY_SIZE).
MAX_UPLOAD_BYTES = 250 * 1024 * 1024
#: Most bytes one user may keep in one project's staged uploads (delete or reimport first).
MAX_KEPT_UPLOAD_BYTES = 1024 * 1024 * 1024


@attrs.frozen
class Fetched:
    """A downloaded file: its bytes, the name from the final URL, the content type."""

    content: bytes
    filename: str
    content_type: str | None


class _DryRun(Exception):
    """Leaves a checking transaction so nothing it wrote stays."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("dry run")
        self.report = report


def _read(source: bytes | str | IO[bytes] | Any, limit: int) -> bytes:
    if isinstance(source, str):
        source = source.encode("utf-8")
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read(limit + 1)
    else:
        raise ValidationError(
            f"cannot keep a {type(source).__name__}; give bytes or a binary file",
            code="upload.bad_source",
        )
    if len(data) > limit:
        raise TooLarge(f"the file is over the {limit}-byte limit", code="upload.too_large")
    return data


class UploadsAPI(ImportAPI, TasksAPI):
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_kept_upload_bytes: int = MAX_KEPT_UPLOAD_BYTES

    def upload_file(
        self,
        user: User,
        project_id: int,
        source: bytes | str | IO[bytes] | Any,
        *,
        filename: str,
        content_type: str | None = None,
    ) -> FileUpload:
        """Keep a file (json, jsonl, csv, tsv, txt, or one media/html file) for a later
        ``reimport``; no task is created. The file is checked as ``import_tasks`` checks
        it (all rows, against the labeling config) and a bad file raises the same
        ``ValidationError`` and keeps nothing. A user keeps at most ``max_kept_upload_bytes``
        per project (``TooLarge`` beyond: delete kept uploads first). Needs ``tasks.import``."""
        self._project(user, project_id, "tasks.import")
        name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
        if not name:
            raise ValidationError("the file needs a name", code="upload.no_name")
        data = _read(source, self.max_upload_bytes)
        report = self._check_file(user, project_id, data, name, content_type)
        with self._tx():
            kept = sum(u.size for u in _own(self.store, project_id, user, None))
            if kept + len(data) > self.max_kept_upload_bytes:
                raise TooLarge(
                    f"you keep {kept} bytes of uploads in project {project_id}; with this file "
                    f"that is over the {self.max_kept_upload_bytes}-byte limit: delete kept "
                    "uploads (DELETE .../file-uploads) first",
                    code="upload.quota",
                )
            return self.store.add_file_upload(
                FileUpload(
                    id=0,
                    project_id=project_id,
                    user_id=user.id,
                    filename=name,
                    content_type=(content_type or "")[:255],
                    task_count=report.task_count,
                ),
                data,
            )

    def upload_url(self, user: User, project_id: int, url: str) -> FileUpload:
        """Download ``url`` (see ``fetch_url``) and keep it as ``upload_file`` does.
        Needs ``tasks.import``."""
        fetched = self.fetch_url(user, project_id, url)
        return self.upload_file(
            user,
            project_id,
            fetched.content,
            filename=fetched.filename,
            content_type=fetched.content_type,
        )

    def fetch_url(self, user: User, project_id: int, url: str) -> Fetched:
        """Download ``url`` for an upload to the project, without keeping it: http/https
        through the SSRF guard of ``labelcore.net`` with the core's ``net_policy``, bounded
        by its ``max_bytes`` and by ``max_upload_bytes``. Call it before opening a
        transaction that will keep the file, so no transaction waits on the network.
        Needs ``tasks.import``."""
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
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > self.max_upload_bytes:
                    raise TooLarge(
                        f"the file at {url} is over the {self.max_upload_bytes}-byte limit",
                        code="upload.too_large",
                    )
            return Fetched(
                content=bytes(data),
                filename=urlsplit(response.url).path.rsplit("/", 1)[-1] or "download",
                content_type=response.headers.get("content-type"),
            )

    def _check_file(
        self, user: User, project_id: int, data: bytes, name: str, content_type: str | None
    ) -> ImportReport:
        """Import the file inside a transaction that is then undone: the report, or the
        import's own ``ValidationError``."""
        try:
            with self._tx():
                report = self.import_tasks(
                    user,
                    project_id,
                    io.BytesIO(data),
                    filename=_format_name(name),
                    content_type=content_type,
                )
                raise _DryRun(report)
        except _DryRun as done:
            return done.report

    def list_file_uploads(
        self, user: User, project_id: int, ids: Collection[int] | None = None
    ) -> list[FileUpload]:
        """The user's own uploads in the project (only ``ids`` when given). Needs
        ``project.view``."""
        self._project(user, project_id, "project.view")
        return _own(self.store, project_id, user, ids)

    def get_file_upload(self, user: User, upload_id: int) -> FileUpload:
        """One of the user's own uploads, in a project they see (else ``NotFound``)."""
        upload = self.store.get_file_upload(upload_id)
        if upload is None or upload.user_id != user.id:
            raise NotFound(f"file upload {upload_id} not found", code="upload.not_found")
        try:
            self._project(user, upload.project_id, "project.view")
        except NotFound:
            raise NotFound(f"file upload {upload_id} not found", code="upload.not_found") from None
        return upload

    def delete_file_upload(self, user: User, upload_id: int) -> None:
        """Delete one of the user's own uploads (its tasks stay). Needs ``tasks.import``."""
        upload = self.get_file_upload(user, upload_id)
        self._project(user, upload.project_id, "tasks.import")
        self.store.delete_file_uploads([upload.id])

    def delete_file_uploads(
        self, user: User, project_id: int, ids: Collection[int] | None = None
    ) -> int:
        """Delete the user's own uploads in the project (all of them when ``ids`` is None);
        the tasks made from them stay. Returns how many went. Needs ``tasks.import``."""
        self._project(user, project_id, "tasks.import")
        with self._tx():
            mine = _own(self.store, project_id, user, ids)
            return self.store.delete_file_uploads([u.id for u in mine]) if mine else 0

    def reimport(self, user: User, project_id: int, upload_ids: Collection[int]) -> ImportReport:
        """Turn kept uploads into tasks, all or nothing, through ``import_tasks``: tasks an
        earlier reimport made from the same uploads are deleted first (with their
        annotations), as Label Studio does. An id that is not one of the user's uploads in
        this project is a ``ValidationError`` naming it. Needs ``tasks.import``; emits
        ``tasks.deleted`` (when it replaces tasks) and ``tasks.created``."""
        self._project(user, project_id, "tasks.import")
        wanted = list(dict.fromkeys(upload_ids))
        uploads = {u.id: u for u in _own(self.store, project_id, user, wanted)}
        missing = [i for i in wanted if i not in uploads]
        if missing:
            raise ValidationError(
                f"no file upload {', '.join(map(str, missing))} of yours in project {project_id}",
                code="upload.not_found",
                errors=[
                    {"field": "file_upload_ids", "code": "upload.not_found", "message": str(i)}
                    for i in missing
                ],
            )
        reports: list[ImportReport] = []
        with self._tx():
            old = [t for i in wanted for t in uploads[i].task_ids]
            if old:
                self.delete_tasks(user, project_id, old)
            for i in wanted:
                upload = uploads[i]
                content = self.store.file_upload_content(i)
                if content is None:  # deleted in between
                    raise NotFound(f"file upload {i} not found", code="upload.not_found")
                report = self.import_tasks(
                    user,
                    project_id,
                    io.BytesIO(content),
                    filename=_format_name(upload.filename),
                    content_type=upload.content_type or None,
                    file_upload=upload.filename or None,
                )
                self.store.set_file_upload_tasks(i, report.task_ids)
                reports.append(report)
        return merge_reports(reports)


def _format_name(name: str) -> str | None:
    """The name to read the format from: none without an extension (then the content
    type decides, as for a download such as ``/export?id=3``)."""
    return name if "." in name else None


def _own(
    store: Store, project_id: int, user: User, ids: Collection[int] | None
) -> list[FileUpload]:
    return [u for u in store.list_file_uploads(project_id, ids) if u.user_id == user.id]


def merge_reports(reports: list[ImportReport]) -> ImportReport:
    """One report for several imports made as one (counts add up, lists concatenate)."""
    return ImportReport(
        task_count=sum(r.task_count for r in reports),
        annotation_count=sum(r.annotation_count for r in reports),
        prediction_count=sum(r.prediction_count for r in reports),
        duplicate_count=sum(r.duplicate_count for r in reports),
        duration=sum(r.duration for r in reports),
        task_ids=tuple(i for r in reports for i in r.task_ids),
        data_columns=tuple(dict.fromkeys(c for r in reports for c in r.data_columns)),
        found_formats=tuple(dict.fromkeys(f for r in reports for f in r.found_formats)),
        warnings=tuple(w for r in reports for w in r.warnings),
    )
