"""Local media files from the host's ``media_roots``, with Range support and safe headers.

GET <prefix>/data/local-files/?d=images/cat.jpg      (Label Studio's path for local files)
    WebApp(core, ..., media_roots=["/srv/images"])    # or the adapter option media_roots

Only signed-in users get files, only from inside the roots (:class:`labelcore.media.LocalMedia`).
The Content-Type is sniffed from the content; every answer carries
``Content-Security-Policy: sandbox`` and ``X-Content-Type-Options: nosniff``, and
unrecognised content is sent as an ``application/octet-stream`` attachment.
"""

from __future__ import annotations

from labelcore.errors import NotFound
from labelcore.media import LOCAL_FILES_PATH, OCTET, LocalMedia, RangeNotSatisfiable, parse_range
from labelcore.web.context import Ctx
from labelcore.web.http import Headers, Response
from labelcore.web.routes import Router


def _safe_headers() -> Headers:
    return Headers(
        [
            ("Content-Security-Policy", "sandbox"),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "private, max-age=300"),
        ]
    )


def local_file(ctx: Ctx) -> Response:
    ctx.require_user()
    media: LocalMedia | None = getattr(ctx.app, "media", None)
    if media is None:
        raise NotFound("no media roots are configured", code="media.not_found")
    file = media.open(ctx.request.query.get("d") or "")
    headers = _safe_headers()
    headers.set("Accept-Ranges", "bytes")
    headers.set("Content-Type", file.content_type)
    if file.content_type == OCTET:
        headers.set("Content-Disposition", "attachment")
    try:
        span = parse_range(ctx.request.headers.get("Range"), file.size)
    except RangeNotSatisfiable:
        headers.set("Content-Range", f"bytes */{file.size}")
        headers.set("Content-Type", "text/plain; charset=utf-8")
        headers.remove("Content-Disposition")
        return Response(status=416, headers=headers, body=b"range not satisfiable\n")
    status, length = 200, file.size
    if span is not None:
        status, length = 206, span.length
        headers.set("Content-Range", f"bytes {span.start}-{span.end}/{file.size}")
    headers.set("Content-Length", str(length))
    body = b"" if ctx.request.method == "HEAD" else file.iter_bytes(span)
    return Response(status=status, headers=headers, body=body)


def register(router: Router) -> None:
    router.page("GET", LOCAL_FILES_PATH, local_file, name="media.local_file")
