"""Export endpoints: Label Studio's synchronous export, streamed, and the format list.

    GET /api/projects/{id}/export?exportType=JSON&download_all_tasks=false&ids[]=1
    GET /api/projects/{id}/export/formats

The file is produced by ``labelcore.formats.exporters`` on a worker thread and streamed to
the client through a small bounded queue, so memory stays flat whatever the project size.
Everything that can fail (visibility, permission, unknown or unfitting format, bad ids) is
checked before the first byte is sent.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

from labelcore._numbers import ascii_int
from labelcore.model import MAX_ID
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
        data = b if type(b) is bytes else bytes(b)
        n = len(data)
        if n >= _CHUNK and not self._buf:
            self._put(data)  # the exporters write large chunks: passed on as they are
            return n
        self._buf += data
        if len(self._buf) >= _CHUNK:
            self._put(bytes(self._buf))
            self._buf.clear()
        return n

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


def _ids(ctx: Ctx) -> tuple[int, ...] | None:
    raw = ctx.request.query.getlist("ids[]") + ctx.request.query.getlist("ids")
    if not raw:
        return None
    out: list[int] = []
    for item in raw:
        for part in item.split(","):
            if part.strip():
                task_id = ascii_int(part.strip())
                if task_id is None or task_id > MAX_ID:
                    raise bad(f"ids must be task ids, got {part[:30]!r}", "ids")
                out.append(task_id)
    return tuple(out)


def export_project(ctx: Ctx) -> Response:
    user = ctx.require_user()
    q = ctx.request.query
    prepared = ctx.core.prepare_export(
        user,
        ctx.params["id"],
        q.get("exportType") or q.get("export_type") or "JSON",
        download_all_tasks=bool_param(ctx, "download_all_tasks"),
        task_ids=_ids(ctx),
        only_accepted=bool_param(ctx, "only_accepted", default=False),
        include_reviews=bool_param(ctx, "include_reviews", default=False),
    )
    headers = Headers(
        [
            ("Content-Type", prepared.media_type),
            ("Content-Disposition", f'attachment; filename="{prepared.filename}"'),
            ("Cache-Control", "no-store"),
        ]
    )
    body = ctx.export_stream(ctx.params["id"], stream_writer(prepared.write))
    return Response(status=200, headers=headers, body=body)


def export_formats(ctx: Ctx) -> Response:
    user = ctx.require_user()
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
            for f in ctx.core.export_formats(user, ctx.params["id"])
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
            Param(name="only_accepted", schema={"type": "boolean"}),
            Param(name="include_reviews", schema={"type": "boolean"}),
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
