"""Static files (JS, CSS, images) under ``<prefix>/static/`` with ETag and 304.

    from labelcore.web.staticfiles import StaticFiles
    static = StaticFiles(directory)            # default: labelcore/web/static in the package
    response = static.serve("js/label.js", request)

Files are looked up only inside the directory (no ``..``, no absolute paths, no symlinks
out). The ETag is a hash of the content, cached per (path, mtime, size).
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from labelcore.errors import NotFound
from labelcore.web.http import Headers, Request, Response

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".map": "application/json",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def package_static_dir() -> Path:
    return Path(__file__).resolve().parent / "static"


class StaticFiles:
    """Serve files from one directory with strong caching headers."""

    def __init__(self, directory: Path | str | None = None, *, max_age: int = 3600) -> None:
        self.directory = Path(directory) if directory is not None else package_static_dir()
        self.max_age = max_age
        self._etags: dict[tuple[str, float, int], str] = {}

    def _resolve(self, rel: str) -> Path:
        if not rel or "\x00" in rel or "\\" in rel:
            raise NotFound("static file not found", code="static.not_found")
        parts = rel.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise NotFound("static file not found", code="static.not_found")
        root = self.directory.resolve()
        path = (root / rel).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise NotFound("static file not found", code="static.not_found")
        return path

    def etag(self, rel: str) -> str:
        path = self._resolve(rel)
        st = path.stat()
        key = (str(path), st.st_mtime, st.st_size)
        tag = self._etags.get(key)
        if tag is None:
            tag = '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:32] + '"'
            self._etags[key] = tag
        return tag

    def serve(self, rel: str, request: Request) -> Response:
        path = self._resolve(rel)
        tag = self.etag(rel)
        headers = Headers(
            [
                ("ETag", tag),
                # a versioned URL (?v=<etag>) never changes; plain URLs revalidate after max_age
                (
                    "Cache-Control",
                    "public, max-age=31536000, immutable"
                    if request.query.get("v")
                    else f"public, max-age={self.max_age}",
                ),
            ]
        )
        sent = request.headers.get("If-None-Match") or ""
        offered = [t.strip().removeprefix("W/") for t in sent.split(",")]
        if tag in offered or sent.strip() == "*":
            return Response(status=304, headers=headers)
        ctype = _TYPES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        headers.set("Content-Type", ctype)
        body = b"" if request.method == "HEAD" else path.read_bytes()
        return Response(status=200, headers=headers, body=body)
