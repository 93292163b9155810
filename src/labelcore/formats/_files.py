"""Where export files go (a zip stream, a directory or one stream) and safe names for them.

    from labelcore.formats._files import ZipSink, safe_basename
    with ZipSink(out) as sink, sink.open("labels/" + safe_basename(url, "task-1") + ".txt") as f:
        f.write(b"0 0.5 0.5 0.1 0.1\n")

Names derived from task data (image URLs) pass through :func:`safe_basename`, which keeps
only a last path component after undoing URL encoding and treating backslashes as
separators, so ``../``, absolute paths, ``..%2f`` and ``..\\`` can never leave the archive
or the output directory (GHSA-rgv9-w7jp-m23g). Every sink checks member names again.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol, cast
from urllib.parse import parse_qs, unquote, urlsplit

from labelcore.errors import ValidationError
from labelcore.formats._zipstream import ZipStream

MAX_NAME = 200
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
# media paths like /data/upload/1/img_000001.jpg: no scheme, query, escapes or odd characters
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._/-]*")
_DRIVE = re.compile(r"[A-Za-z]:")


def safe_basename(ref: object, fallback: str) -> str:
    """The last path component of a media reference, safe as one file name.

    ``/data/local-files/?d=dir/a.jpg`` gives ``a.jpg``; URL encoding is undone (repeatedly,
    so ``%252f`` cannot smuggle a slash); ``\\`` counts as a separator; control and
    Windows-reserved characters become ``_``. Names that would be empty, ``.`` or ``..``
    become ``fallback``.
    """
    text = ref if isinstance(ref, str) else ""
    if _PLAIN_PATH.fullmatch(text) and not text.startswith("//"):
        # nothing for URL parsing, decoding or cleaning to change: the last component
        return _bounded(text.rsplit("/", 1)[-1], fallback)
    try:
        parts = urlsplit(text)
        query_d = parse_qs(parts.query).get("d")
        path = (
            query_d[0] if query_d and parts.path.rstrip("/").endswith("local-files") else parts.path
        )
    except ValueError:
        path = text
    for _ in range(4):  # undo nested encoding: %252f -> %2f -> /
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    return _bounded(_UNSAFE_CHARS.sub("_", name).strip(), fallback)


def _bounded(name: str, fallback: str) -> str:
    if name.strip(".") == "":
        return fallback
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME - len(ext[:20])] + ext[:20]
    return name


def safe_component(text: str) -> str:
    """A label or control name as part of a file name (no separators, no dots-only)."""
    cleaned = _UNSAFE_CHARS.sub("_", text.replace("/", "-").replace("\\", "-"))
    return cleaned if cleaned.strip(".") else "_" * len(cleaned)


def check_member(name: str) -> str:
    """Refuse archive or directory member names that could escape (defence in depth)."""
    parts = name.split("/")
    bad = (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or any(p in ("", ".", "..") for p in parts)
        or _DRIVE.match(name) is not None
    )
    if bad:
        raise ValidationError(f"unsafe export file name {name!r}", code="export.unsafe_name")
    return name


class Sink(Protocol):
    """Receives the files of one export, one at a time."""

    def open(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """A writable binary file for member ``name`` (``/``-separated, relative)."""


class ZipSink:
    """Members written into a zip archive streamed to ``out`` (which need not seek)."""

    def __init__(self, out: IO[bytes]) -> None:
        self._zip = ZipStream(out)
        self.names: list[str] = []
        self._seen: set[str] = set()

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        name = self._claim(name)
        with self._zip.open(name) as member:
            yield cast(IO[bytes], member)  # what the writers use of a file: write()

    def write_bytes(self, name: str, data: bytes) -> None:
        """A member whose bytes are known: one deflate call and no data descriptor (YOLO
        writes one per image)."""
        self._zip.write(self._claim(name), data)

    def _claim(self, name: str) -> str:
        name = check_member(name)
        if name in self._seen:
            raise ValidationError(f"duplicate export file {name!r}", code="export.duplicate")
        self._seen.add(name)
        self.names.append(name)
        return name

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> ZipSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DirSink:
    """Members written as files under ``root``; nothing is written outside it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._real = self.root.resolve()
        self.names: list[str] = []

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        name = check_member(name)
        target = self.root.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        real = target.parent.resolve() / target.name
        if not real.is_relative_to(self._real) or target.is_symlink():
            raise ValidationError(f"unsafe export file name {name!r}", code="export.unsafe_name")
        self.names.append(name)
        with open(real, "wb") as f:
            yield f


class StreamSink:
    """The single file of a one-file format, written straight to ``out``."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self.names: list[str] = []

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self.names:
            raise RuntimeError("a one-file format opened a second file")
        self.names.append(check_member(name))
        yield self._out


def write_member(sink: Sink, name: str, data: bytes) -> None:
    """Write a whole member: through ``ZipSink.write_bytes`` when the sink has it."""
    if isinstance(sink, ZipSink):
        sink.write_bytes(name, data)
        return
    with sink.open(name) as out:
        out.write(data)


class LocalMedia:
    """Local media files for image sizes and audio durations; never fetches a URL.

    ``/data/upload/<path>``, ``/data/local-files/?d=<path>`` and plain relative paths are
    looked up under ``root``; anything resolving outside ``root`` is ignored.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def path(self, ref: object) -> Path | None:
        if not isinstance(ref, str) or not ref:
            return None
        try:
            parts = urlsplit(ref)
        except ValueError:
            return None
        if parts.scheme and parts.scheme != "file":
            return None  # http, s3, gs, data: ... never fetched
        rel = unquote(parts.path)
        query_d = parse_qs(parts.query).get("d")
        if rel.rstrip("/").endswith("/data/local-files") and query_d:
            rel = query_d[0]
        elif rel.startswith("/data/upload/"):
            rel = rel[len("/data/upload/") :]
        rel = rel.replace("\\", "/").lstrip("/")
        candidate = (self.root / rel).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate
