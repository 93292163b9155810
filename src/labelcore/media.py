"""Media for labeling: local files served safely from configured roots, and URL resolvers.

    from labelcore.media import LocalMedia, resolve_media_url, S3Presigner
    media = LocalMedia(["/srv/images"])                 # files only from inside these roots
    url = resolve_media_url("s3://bucket/a.jpg", [S3Presigner()])  # a presigned GET URL

Task data names media by URL. ``http(s)://`` URLs reach the browser as they are; ``s3://``
URLs become presigned URLs through an :class:`S3Presigner` (the ``s3`` extra, boto3);
local files are served by the web layer from ``media_roots`` only (:class:`LocalMedia`):
no ``..``, no absolute paths, no backslashes or NUL, no symlink leading out of a root. The
Content-Type comes from the file's first bytes (:func:`sniff_type`), never from its name,
and is never an HTML or script type, so an uploaded ``.jpg`` holding HTML is just bytes.

Media uploaded through the import dialog go to a :class:`MediaStore`:
:class:`LocalMediaStore` (a folder; task data gets ``/data/upload/<project>/<name>``) or
:class:`S3MediaStore` (a bucket; task data gets ``s3://bucket/key``, presigned on display).
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

import attrs

from labelcore.errors import LabelcoreError, NotFound, TooLarge, ValidationError

__all__ = [
    "LOCAL_FILES_PATH",
    "UPLOAD_PATH",
    "ByteRange",
    "LocalMedia",
    "LocalMediaStore",
    "MediaFile",
    "MediaResolver",
    "MediaStore",
    "PassThroughResolver",
    "RangeNotSatisfiable",
    "S3MediaStore",
    "S3Presigner",
    "media_kind",
    "parse_range",
    "resolve_media_url",
    "sniff_type",
]

#: Where the web layer serves local media, as Label Studio: ``<prefix>/data/local-files/?d=a/b.jpg``
LOCAL_FILES_PATH = "/data/local-files/"
#: Where uploaded media are served, as Label Studio: ``<prefix>/data/upload/<project>/<name>``
UPLOAD_PATH = "/data/upload/"
SNIFF_BYTES = 64
OCTET = "application/octet-stream"


class RangeNotSatisfiable(LabelcoreError):
    """A Range header no byte of the file satisfies (HTTP 416)."""

    status = 416
    code = "media.range_not_satisfiable"


def sniff_type(head: bytes, name: str = "") -> str:
    """The media type of a file from its first bytes (at least 16; 64 is plenty).

    Guarantees: the answer is an image, audio or video type whose signature matches, a
    plain data type (CSV/JSON/text, only for such names and only when the bytes hold no
    markup start), or ``application/octet-stream``; never ``text/html``, SVG or script.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and len(head) >= 12:
        kind = head[8:12]
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}.get(
            kind, OCTET
        )
    if head.startswith(b"BM") and len(head) >= 14:
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand.startswith(b"qt"):
            return "video/quicktime"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    suffix = os.path.splitext(name)[1].lower()
    data_types = {
        ".csv": "text/csv; charset=utf-8",
        ".tsv": "text/tab-separated-values; charset=utf-8",
        ".json": "application/json",
        ".txt": "text/plain; charset=utf-8",
    }
    if suffix in data_types and b"\x00" not in head and b"<" not in head:
        return data_types[suffix]
    return OCTET


@attrs.frozen
class ByteRange:
    """Bytes ``start`` to ``end`` inclusive (as in ``Content-Range``)."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range a ``Range`` header asks for, or ``None`` to send the whole file.

    Multi-range and malformed headers give ``None`` (RFC 9110 lets a server ignore them);
    a well-formed range starting past the end raises :class:`RangeNotSatisfiable`.
    """
    if not header:
        return None
    m = _RANGE.match(header)
    if m is None:
        return None
    first, last = m.group(1), m.group(2)
    if not first and not last:
        return None
    if not first:  # suffix range: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise RangeNotSatisfiable(f"range {header!r} is empty for a {size}-byte file")
        return ByteRange(max(0, size - n), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None
    end = int(last) if last else size - 1
    if start >= size:
        raise RangeNotSatisfiable(f"range {header!r} starts past the end of a {size}-byte file")
    return ByteRange(start, min(end, size - 1))


@attrs.frozen
class MediaFile:
    """A local file found inside a media root: its real path, size and sniffed type."""

    path: Path
    size: int
    content_type: str

    def iter_bytes(self, span: ByteRange | None = None, chunk: int = 256 * 1024) -> Iterator[bytes]:
        """Stream the file (or one range of it) without reading it whole."""
        start = 0 if span is None else span.start
        left = self.size if span is None else span.length
        with self.path.open("rb") as fh:
            fh.seek(start)
            while left > 0:
                data = fh.read(min(chunk, left))
                if not data:
                    break
                left -= len(data)
                yield data


_DRIVE = re.compile(r"^[A-Za-z]:")


class LocalMedia:
    """Files inside a fixed list of root folders, looked up by a root-relative path.

    Guarantees: :meth:`open` only ever returns a regular file whose real path (symlinks
    resolved) lies inside one of the roots; absolute paths, ``..``/``.``/empty segments,
    backslashes, drive letters and NUL bytes are refused with ``NotFound`` (404, code
    ``media.not_found``) before the file system is touched, so a probe learns nothing.
    """

    def __init__(self, roots: Sequence[str | os.PathLike[str]]) -> None:
        self.roots: tuple[Path, ...] = tuple(Path(r).resolve() for r in roots)

    @staticmethod
    def check_relative(rel: str) -> str:
        """``rel`` when it is a safe root-relative path, else ``NotFound``."""
        bad = (
            not rel
            or len(rel) > 4096
            or "\x00" in rel
            or "\\" in rel
            or rel.startswith("/")
            or _DRIVE.match(rel) is not None
            or any(part in ("", ".", "..") for part in rel.split("/"))
        )
        if bad:
            raise NotFound("media file not found", code="media.not_found")
        return rel

    def open(self, rel: str) -> MediaFile:
        """The file at ``rel`` in the first root that has it (see the class guarantees)."""
        self.check_relative(rel)
        for root in self.roots:
            try:
                path = (root / rel).resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if not path.is_relative_to(root) or not path.is_file():
                continue
            try:
                with path.open("rb") as fh:
                    head = fh.read(SNIFF_BYTES)
                size = path.stat().st_size
            except OSError:
                continue
            return MediaFile(path=path, size=size, content_type=sniff_type(head, path.name))
        raise NotFound("media file not found", code="media.not_found")


@runtime_checkable
class MediaResolver(Protocol):
    """Turns a media URL from task data into a URL the annotator's browser can load.

    Guarantees: ``resolve`` returns ``None`` for URLs it does not handle (the next resolver
    is asked), never fetches the URL itself (no outbound request, so no SSRF), and raises
    ``ValidationError`` for a URL it handles but refuses (e.g. a bucket not allowed).
    """

    def resolve(self, url: str) -> str | None: ...


class PassThroughResolver:
    """``http://`` and ``https://`` URLs reach the browser unchanged (it fetches them)."""

    def resolve(self, url: str) -> str | None:
        low = url[:8].lower()
        return url if low.startswith(("http://", "https://")) else None


def _s3_client(endpoint_url: str | None) -> Any:
    """A boto3 S3 client signing with SigV4 (the ``s3`` extra)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("S3 media needs boto3: pip install 'labelcore[s3]'") from exc
    return boto3.client("s3", endpoint_url=endpoint_url, config=Config(signature_version="s3v4"))


class S3Presigner:
    """``s3://bucket/key`` to a presigned GET URL (the ``s3`` extra: boto3).

    ``client`` is a boto3 S3 client (default: ``boto3.client("s3", endpoint_url=...)``, so
    any S3-compatible store works); ``buckets`` limits which buckets may be presigned
    (empty: any the credentials can read); ``expires`` is the URL lifetime in seconds.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        endpoint_url: str | None = None,
        buckets: Sequence[str] = (),
        expires: int = 3600,
    ) -> None:
        client = client if client is not None else _s3_client(endpoint_url)
        if not 1 <= expires <= 7 * 24 * 3600:
            raise ValueError("expires must be between 1 second and 7 days")
        self.client = client
        self.buckets = frozenset(buckets)
        self.expires = expires

    def resolve(self, url: str) -> str | None:
        if url[:5].lower() != "s3://":
            return None
        bucket, _, key = url[5:].partition("/")
        if not bucket or not key:
            raise ValidationError(f"{url!r} is not an s3://bucket/key URL", code="media.bad_s3_url")
        if self.buckets and bucket not in self.buckets:
            raise ValidationError(
                f"bucket {bucket!r} is not one of the allowed media buckets",
                code="media.bucket_not_allowed",
            )
        presigned = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=self.expires
        )
        return str(presigned)


def resolve_media_url(url: str, resolvers: Sequence[MediaResolver]) -> str:
    """The first resolver's answer for ``url``; ``ValidationError`` when none handles it."""
    for resolver in resolvers:
        out = resolver.resolve(url)
        if out is not None:
            return out
    raise ValidationError(f"no media resolver handles {url[:200]!r}", code="media.unresolvable_url")


def media_kind(content_type: str) -> str | None:
    """``"image"``, ``"audio"`` or ``"video"`` for a sniffed media type, else ``None``."""
    kind = content_type.split("/", 1)[0]
    return kind if kind in ("image", "audio", "video") else None


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _stored_name(filename: str) -> str:
    """A random prefix and a tame version of the uploaded name: ``3f9a1c2e-cat.png``."""
    base = unicodedata.normalize("NFKD", os.path.basename(filename.replace("\\", "/")))
    base = _UNSAFE_NAME.sub("_", base.encode("ascii", "ignore").decode()).strip("._") or "file"
    stem, dot, ext = base[-80:].rpartition(".")
    tame = f"{stem}.{ext}" if dot and stem else base[-80:]
    return f"{secrets.token_hex(4)}-{tame}"


def _read_limited(stream: IO[bytes], head: bytes, max_bytes: int, name: str) -> Iterator[bytes]:
    """``head`` then the rest of ``stream``; ``TooLarge`` once over ``max_bytes``."""
    total = len(head)
    if head:
        yield head
    while True:
        chunk = stream.read(256 * 1024)
        if not chunk:
            return
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge(f"media file {name!r} is over the {max_bytes}-byte limit")
        yield chunk


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            nxt = next(self._chunks, None)
            if nxt is None:
                return 0
            self._left = nxt
        view = memoryview(buffer).cast("B")
        n = min(len(view), len(self._left))
        view[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


@runtime_checkable
class MediaStore(Protocol):
    """Where media files uploaded through the import dialog are kept.

    Guarantees: ``save`` stores the bytes under a fresh name (never overwriting) and
    returns the URL to put in task data; the caller has already checked the type by
    content (``head`` holds the first bytes it sniffed, ``stream`` the rest).
    """

    def save(
        self, project_id: int, filename: str, head: bytes, stream: IO[bytes], content_type: str
    ) -> str: ...


class LocalMediaStore:
    """Uploaded media in a local folder, ``<folder>/<project id>/<random>-<name>``.

    Task data gets ``/data/upload/<project id>/<name>``, which the web layer serves to
    users who can see that project (:meth:`open` refuses unsafe names with ``NotFound``).
    """

    def __init__(self, folder: str | os.PathLike[str], *, max_bytes: int = 200 * 1024**2) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes

    def save(
        self, project_id: int, filename: str, head: bytes, stream: IO[bytes], content_type: str
    ) -> str:
        target = self.folder / str(int(project_id))
        target.mkdir(parents=True, exist_ok=True)
        name = _stored_name(filename)
        path = target / name
        try:
            with path.open("xb") as out:
                for chunk in _read_limited(stream, head, self.max_bytes, filename):
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return f"{UPLOAD_PATH}{int(project_id)}/{name}"

    def delete_url(self, url: str) -> None:
        """Remove a file ``save`` stored (used when the import that made it fails)."""
        rest = url.removeprefix(UPLOAD_PATH)
        pid, _, name = rest.partition("/")
        if pid.isdigit() and name and "/" not in name:
            (self.folder / pid / name).unlink(missing_ok=True)

    def open(self, project_id: int, name: str) -> MediaFile:
        """The stored file ``name`` of a project (see :class:`LocalMedia` for the checks)."""
        if "/" in name:
            raise NotFound("media file not found", code="media.not_found")
        return LocalMedia([self.folder / str(int(project_id))]).open(name)


class S3MediaStore:
    """Uploaded media in an S3-compatible bucket (the ``s3`` extra), under
    ``<prefix><project id>/<random>-<name>``; task data gets ``s3://bucket/key``, which the
    web layer presigns (it adds an :class:`S3Presigner` for this bucket to its resolvers)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        client: Any = None,
        endpoint_url: str | None = None,
        max_bytes: int = 200 * 1024**2,
    ) -> None:
        client = client if client is not None else _s3_client(endpoint_url)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.max_bytes = max_bytes

    def save(
        self, project_id: int, filename: str, head: bytes, stream: IO[bytes], content_type: str
    ) -> str:
        key = f"{self.prefix}{int(project_id)}/{_stored_name(filename)}"
        # streamed (multipart above boto3's threshold), never held whole in memory
        body = io.BufferedReader(
            _ChunkReader(_read_limited(stream, head, self.max_bytes, filename))
        )
        self.client.upload_fileobj(body, self.bucket, key, ExtraArgs={"ContentType": content_type})
        return f"s3://{self.bucket}/{key}"

    def delete_url(self, url: str) -> None:
        key = url.removeprefix(f"s3://{self.bucket}/")
        if key != url:
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def presigner(self, expires: int = 3600) -> S3Presigner:
        """A resolver that presigns any key of this bucket (the web layer does not use it:
        it presigns a stored upload only for its own project, :meth:`presign_for`)."""
        return S3Presigner(self.client, buckets=[self.bucket], expires=expires)

    def owns(self, url: str) -> bool:
        """Whether ``url`` points under this store's bucket and prefix."""
        return url.startswith(f"s3://{self.bucket}/{self.prefix}")

    def presign_for(self, project_id: int, url: str, expires: int = 3600) -> str | None:
        """A presigned GET URL for an upload of project ``project_id``; ``None`` for any
        other key (another project's upload named in this project's task data must not be
        readable through it)."""
        key = url.removeprefix(f"s3://{self.bucket}/")
        name = key.removeprefix(f"{self.prefix}{int(project_id)}/")
        if key == url or name == key or not name or "/" in name:
            return None
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires
            )
        )
