"""Export endpoints: Label Studio's synchronous export, streamed, and the format list.

    GET /api/projects/{id}/export?exportType=JSON&download_all_tasks=false&ids[]=1
    GET /api/projects/{id}/export/formats

The file is produced by ``labelcore.formats.exporters`` on a worker thread and streamed to
the client through a small bounded queue, so memory stays flat whatever the project size.
Everything that can fail (visibility, permission, unknown or unfitting format, bad ids) is
checked before the first byte is sent.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import queue
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

from labelcore._converter import task_to_json
from labelcore.errors import Forbidden
from labelcore.formats.exporters import ExportOptions, check_format, export, supported_formats
from labelcore.query import Selection, TaskQuery
from labelcore.web.api._util import OBJ_LIST, bad, bool_param
from labelcore.web.context import Ctx
from labelcore.web.http import Headers, Response
from labelcore.web.routes import Param, Router

log = logging.getLogger("labelcore.web")
_DONE = object()
_CHUNK = 64 * 1024


class _QueueWriter(io.RawIOBase):
    """A write-only stream whose chunks go to a bounded queue (back-pressure on the thread)."""

    def __init__(self, q: queue.Queue[Any], stop: threading.Event) -> None:
        self._q, self._stop, self._buf = q, stop, bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self._buf += data
        if len(self._buf) >= _CHUNK:
            self._put(bytes(self._buf))
            self._buf.clear()
        return len(data)

    def flush(self) -> None:
        if self._buf:
            self._put(bytes(self._buf))
            self._buf.clear()

    def _put(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise BrokenPipeError("the client went away")


def stream_writer(write: Callable[[IO[bytes]], Any]) -> Iterator[bytes]:
    """Run ``write(fileobj)`` on a thread and yield what it writes, a chunk at a time."""
    q: queue.Queue[Any] = queue.Queue(maxsize=8)
    stop = threading.Event()
    out = _QueueWriter(q, stop)

    def run() -> None:
        try:
            write(out)  # type: ignore[arg-type]
            out.flush()
            q.put(_DONE)
        except BrokenPipeError:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming side
            log.error("export failed while streaming", exc_info=exc)
            while not stop.is_set():
                try:
                    q.put(exc, timeout=0.5)
                    return
                except queue.Full:
                    continue

    thread = threading.Thread(target=run, name="labelcore-export", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _require_export(ctx: Ctx, project_id: int) -> Any:
    user = ctx.require_user()
    core = ctx.core
    project = core.get_project(user, project_id)  # 404 when invisible
    role = core.policy.project_role(user, project, core.list_members(user, project_id))
    if role is None or not core.policy.allows(role, "project.update"):
        raise Forbidden(
            f"your role ({role}) may not export this project", code="forbidden.project.export"
        )
    return project


def _ids(ctx: Ctx) -> tuple[int, ...] | None:
    raw = ctx.request.query.getlist("ids[]") + ctx.request.query.getlist("ids")
    if not raw:
        return None
    out: list[int] = []
    for item in raw:
        for part in item.split(","):
            if part.strip():
                if not part.strip().isdigit():
                    raise bad(f"ids must be task ids, got {part[:30]!r}", "ids")
                out.append(int(part))
    return tuple(out)


def export_project(ctx: Ctx) -> Response:
    pid = ctx.params["id"]
    project = _require_export(ctx, pid)
    q = ctx.request.query
    fmt = q.get("exportType") or q.get("export_type") or "JSON"
    config = project.settings.label_config
    info = check_format(config, fmt)  # 400 for an unknown or unfitting format
    all_tasks = bool_param(ctx, "download_all_tasks")
    ids = _ids(ctx)
    query = TaskQuery(selection=Selection(included=ids)) if ids is not None else None
    options = ExportOptions(only_annotated=not all_tasks)
    store = ctx.core.store

    def tasks() -> Iterator[dict[str, Any]]:
        for b in store.iter_bundles(pid, query, only_annotated=not all_tasks):
            yield task_to_json(b.task, b.annotations, b.predictions)

    def write(out: IO[bytes]) -> None:
        export(config, tasks(), info.name, out, options=options)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")
    ext = "zip" if info.archive else info.filename.rsplit(".", 1)[-1]
    name = f"project-{pid}-at-{stamp}-{secrets.token_hex(4)}.{ext}"
    headers = Headers(
        [
            ("Content-Type", "application/zip" if info.archive else info.media_type),
            ("Content-Disposition", f'attachment; filename="{name}"'),
            ("Cache-Control", "no-store"),
        ]
    )
    return Response(status=200, headers=headers, body=stream_writer(write))


def export_formats(ctx: Ctx) -> Response:
    user = ctx.require_user()
    project = ctx.core.get_project(user, ctx.params["id"])
    return ctx.json(
        [
            {
                "name": f.name,
                "title": f.title,
                "description": f.description,
                "disabled": f.disabled,
                "reason": f.reason,
                "tags": ["archive"] if f.archive else [],
            }
            for f in supported_formats(project.settings.label_config)
        ]
    )


def register(router: Router) -> None:
    t = ("export",)
    router.api(
        "GET",
        "/api/projects/{id:int}/export",
        export_project,
        name="api.project_export",
        tags=t,
        summary="Download the project's tasks in an export format (streamed)",
        params=[
            Param(name="exportType"),
            Param(name="export_type"),
            Param(name="download_all_tasks", schema={"type": "boolean"}),
            Param(name="ids[]", schema={"type": "integer"}),
        ],
        responses={
            200: {
                "x-content-type": "application/octet-stream",
                "type": "string",
                "format": "binary",
            }
        },
    )
    router.api(
        "GET",
        "/api/projects/{id:int}/export/formats",
        export_formats,
        name="api.project_export_formats",
        tags=t,
        summary="Export formats and whether they fit the project's config",
        responses={200: OBJ_LIST},
    )
