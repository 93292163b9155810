"""Media over HTTP: local files from ``media_roots``, uploaded media, and media URLs in task data.

GET <prefix>/data/local-files/?d=images/cat.jpg      (Label Studio's path for local files)
GET <prefix>/data/upload/<project id>/<name>         (files uploaded through the import dialog)
    WebApp(core, ..., media_roots=["/srv/images"], media_store="/srv/labelcore-media")

Only signed-in users get files: local files from inside the roots
(:class:`labelcore.media.LocalMedia`), uploads only from projects they can see (404 otherwise).
The Content-Type is sniffed from the content; every answer carries
``Content-Security-Policy: sandbox`` and ``X-Content-Type-Options: nosniff``, and
unrecognised content is sent as an ``application/octet-stream`` attachment.

:func:`import_media` is the import endpoint's path for image/audio/video files: one task per
file for a config with one data key, as Label Studio does. :func:`resolve_task_media` turns
the media URLs of a task's data into URLs the browser can load (``s3://`` presigned, our own
``/data/...`` paths under the mount prefix).
"""

from __future__ import annotations

import io
import os
from typing import Any

from labelcore.errors import NotFound, ValidationError
from labelcore.formats.readers import _Prefixed
from labelcore.media import (
    LOCAL_FILES_PATH,
    OCTET,
    SNIFF_BYTES,
    UPLOAD_PATH,
    LocalMedia,
    LocalMediaStore,
    MediaFile,
    RangeNotSatisfiable,
    S3MediaStore,
    media_kind,
    parse_range,
    resolve_media_url,
    sniff_type,
)
from labelcore.model import ImportReport, User
from labelcore.web.context import Ctx
from labelcore.web.http import Headers, Response, UploadedFile
from labelcore.web.routes import Router

#: object tags whose value is a media URL, and the kind of media each one shows
MEDIA_TAGS = {
    "image": "image",
    "audio": "audio",
    "audioplus": "audio",
    "video": "video",
    "timeseries": None,
    "pdf": None,
}
_MEDIA_EXTENSIONS = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".bmp",
        ".tif",
        ".tiff",
        ".avif",
        ".svg",
        ".wav",
        ".mp3",
        ".ogg",
        ".oga",
        ".flac",
        ".m4a",
        ".aac",
        ".opus",
        ".mp4",
        ".m4v",
        ".mov",
        ".webm",
        ".avi",
        ".mkv",
    ]
)


def _safe_headers() -> Headers:
    return Headers(
        [
            ("Content-Security-Policy", "sandbox"),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "private, max-age=300"),
        ]
    )


def _file_response(ctx: Ctx, file: MediaFile) -> Response:
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


def local_file(ctx: Ctx) -> Response:
    ctx.require_user()
    media: LocalMedia | None = getattr(ctx.app, "media", None)
    if media is None:
        raise NotFound("no media roots are configured", code="media.not_found")
    return _file_response(ctx, media.open(ctx.request.query.get("d") or ""))


def uploaded_file(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params["id"]
    ctx.core.authorize(user, pid, "project.view", "see this project's media")
    store = getattr(ctx.app, "media_store", None)
    if not isinstance(store, LocalMediaStore):
        raise NotFound("media file not found", code="media.not_found")
    return _file_response(ctx, store.open(pid, ctx.params["name"]))


# -- uploads through the import dialog -------------------------------------------------------
def _problem(name: str, code: str, message: str) -> dict[str, Any]:
    return {"field": "file", "file": name, "code": code, "message": f"{name}: {message}"}


def _refuse(problems: list[dict[str, Any]]) -> ValidationError:
    head = problems[0]["message"] if len(problems) == 1 else f"{len(problems)} files are refused"
    return ValidationError(
        f"Nothing was imported: {head}.", code=problems[0]["code"], errors=problems[:100]
    )


def _media_key(ctx: Ctx, user: User, pid: int) -> tuple[str, str | None]:
    """The config's one data key and the media kind its object tag shows."""
    project = ctx.core.get_project(user, pid)
    cfg = ctx.core.validate_config(user, project.settings.label_config)
    keys = sorted(cfg.data_keys)
    if len(keys) != 1:
        raise ValidationError(
            "Nothing was imported: media files become one task each only when the labeling "
            f"config reads one data key (this one reads {len(keys)}: {', '.join(keys) or '-'}); "
            "import a JSON or CSV file that names the media URLs instead.",
            code="media.needs_one_key",
        )
    tags = [o.tag.lower() for o in cfg.objects.values() if o.data_key == keys[0]]
    kinds = {MEDIA_TAGS.get(tag) for tag in tags}
    if not tags or None in kinds:
        raise ValidationError(
            f"Nothing was imported: the config's ${keys[0]} is not read by an Image, Audio or "
            "Video tag only, so media files cannot become its tasks.",
            code="media.no_media_tag",
        )
    return keys[0], next(iter(kinds)) if len(kinds) == 1 else None  # Image and Video: any


def import_media(
    ctx: Ctx, user: User, pid: int, files: list[UploadedFile], *, dedupe: Any = None
) -> ImportReport | None:
    """One task per uploaded image/audio/video file, or ``None`` when the files are task files
    (JSON, CSV...) for the ordinary import. Types are checked by content, never by name; a
    file named like media whose bytes are not, or a mix of media and task files, refuses the
    whole upload. Stored files of a failed import are removed again."""
    sniffed: list[tuple[UploadedFile, bytes, str]] = []
    for f in files:
        head = f.stream.read(SNIFF_BYTES)
        sniffed.append((f, head, sniff_type(head)))
        f.stream = io.BufferedReader(_Prefixed(head, f.stream))
    named = [os.path.splitext(f.filename or "")[1].lower() in _MEDIA_EXTENSIONS for f in files]
    if not any(media_kind(t) or n for (_, _, t), n in zip(sniffed, named, strict=True)):
        return None
    ctx.core.authorize(user, pid, "tasks.import", "import tasks into this project")
    problems = []
    for f, _, ctype in sniffed:
        if media_kind(ctype) is None:
            problems.append(
                _problem(
                    f.filename or f.field,
                    "media.bad_type",
                    "not an image, audio or video file by its content (types are checked by "
                    "content, not by name; task files cannot be mixed with media files)",
                )
            )
    if problems:
        raise _refuse(problems)
    store = getattr(ctx.app, "media_store", None)
    if store is None:
        raise ValidationError(
            "Nothing was imported: this site keeps no uploaded media (the host sets "
            "media_store to a folder or an S3MediaStore); import URLs in a JSON or CSV file.",
            code="media.no_store",
        )
    key, kind = _media_key(ctx, user, pid)
    wrong = [
        _problem(f.filename or f.field, "media.wrong_kind", f"{media_kind(t)} does not fit ${key}")
        for f, _, t in sniffed
        if kind is not None and media_kind(t) != kind
    ]
    if wrong:
        raise _refuse(wrong)
    saved: list[str] = []
    try:
        for f, _, ctype in sniffed:
            saved.append(store.save(pid, f.filename or "file", b"", f.stream, ctype))
        return ctx.core.import_tasks(  # type: ignore[no-any-return]
            user, pid, [{"data": {key: url}} for url in saved], dedupe=dedupe
        )
    except BaseException:
        for url in saved:
            remove = getattr(store, "delete_url", None)
            if remove is not None:
                remove(url)
        raise


# -- media URLs in task data -----------------------------------------------------------------
def _resolve_one(ctx: Ctx, project_id: int, url: str) -> str:
    if url.startswith((UPLOAD_PATH, LOCAL_FILES_PATH)):
        return ctx.request.script_root.rstrip("/") + url
    store = getattr(ctx.app, "media_store", None)
    if isinstance(store, S3MediaStore) and store.owns(url):
        # an upload is presigned only in its own project; another project's key is left to
        # the host's resolvers (by default none takes s3://, and the browser cannot load it)
        signed = store.presign_for(project_id, url)
        if signed is not None:
            return signed
    try:
        return resolve_media_url(url, getattr(ctx.app, "media_resolvers", ()))
    except ValidationError:
        return url  # left as it is: the browser shows only what it may (safeSrc)


def resolve_task_media(ctx: Ctx, cfg: Any, data: dict[str, Any], project_id: int) -> dict[str, Any]:
    """``data`` (a task of ``project_id``) with the URLs read by media tags (and valueList
    lists of them) resolved."""
    out = dict(data)
    for obj in cfg.objects.values():
        key = obj.data_key
        if obj.tag.lower() not in MEDIA_TAGS or not key or key not in out:
            continue
        value = out[key]
        if isinstance(value, str):
            out[key] = _resolve_one(ctx, project_id, value)
        elif isinstance(value, list):
            out[key] = [
                _resolve_one(ctx, project_id, v) if isinstance(v, str) else v for v in value
            ]
    return out


def register(router: Router) -> None:
    router.page("GET", LOCAL_FILES_PATH, local_file, name="media.local_file")
    router.page("GET", UPLOAD_PATH + "{id:int}/{name}", uploaded_file, name="media.uploaded_file")
