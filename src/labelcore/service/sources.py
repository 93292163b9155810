"""Import sources as a stream of (row number, item) pairs, never loading a file whole.

    kind, rows = read_source(open("tasks.jsonl", "rb"), filename="tasks.jsonl")
    for row, item in rows: ...               # row is 1-based, item a parsed JSON value
    kind, rows = read_source([{"text": "a"}, {"text": "b"}])   # Python objects: "python"

Files are read with ``labelcore.formats.readers`` (JSON arrays streamed by ijson; JSONL,
CSV, TSV and TXT line by line); the kind comes from the file name, else the content type,
else the first bytes. HTML/XML files are one task each, ``{"$undefined$": text}``, which the
importer maps to the config's one data key (Label Studio's single-asset upload).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from labelcore.errors import ValidationError
from labelcore.formats.readers import READERS, TXT_KEY

UNDEFINED = TXT_KEY
MAX_SINGLE_FILE_BYTES = 64 * 1024 * 1024  # one HTML/XML file imported as one task
# bytes read from a source at a time. A file's read gives up the GIL, and in a SQLite bulk
# import the writer thread then takes it: with 64 KiB reads the importing thread waited for
# it 530 times per 100,000 tasks (34 MB), 0.85 s of a 4.0 s import; 1 MiB reads: 2.8-2.9 s
READ_BUFFER = 1 << 20

_SINGLE_ASSET = frozenset({".html", ".htm", ".xml"})
_CONTENT_TYPES = {
    "application/json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/x-jsonlines": ".jsonl",
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "text/plain": ".txt",
    "text/html": ".html",
    "application/xml": ".xml",
    "text/xml": ".xml",
}
_JSONL_HINT = re.compile(rb"}\s*\r?\n\s*{")

Rows = Iterator[tuple[int, Any]]


def source_kind(filename: str | None, content_type: str | None) -> str | None:
    """The extension (``".csv"``) a file name or content type names, or None if neither
    says; ``ValidationError`` for a file name with an unsupported extension."""
    if filename:
        ext = os.path.splitext(filename.lower())[1]
        if ext in READERS or ext in _SINGLE_ASSET:
            return ext
        allowed = ", ".join(sorted({*READERS, *_SINGLE_ASSET}))
        raise ValidationError(
            f"{filename!r}: unsupported task file type {ext or '(none)'}; use one of {allowed}",
            code="import.unsupported_file",
        )
    if content_type:
        return _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
    return None


def read_source(
    source: Any, *, filename: str | None = None, content_type: str | None = None
) -> tuple[str, Rows]:
    """``(kind, rows)`` for any import source (see ``LabelCore.import_tasks``): kind is the
    file extension read (``".json"``) or ``"python"`` for objects."""
    if isinstance(source, Mapping):
        return "python", iter([(1, source)])
    if isinstance(source, str):
        source = source.encode("utf-8")
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    if hasattr(source, "read"):
        stream = io.BufferedReader(_Raw(source), READ_BUFFER)
        kind = source_kind(filename, content_type) or _sniff(stream)
        if kind in _SINGLE_ASSET:
            return kind, _read_single(stream)
        return kind, READERS[kind](stream)
    if isinstance(source, Iterable):
        return "python", ((i, item) for i, item in enumerate(source, 1))
    raise ValidationError(
        f"cannot import from a {type(source).__name__}; give task dicts, a JSON body, "
        "bytes, or a binary file",
        code="import.bad_source",
    )


class _Raw(io.RawIOBase):
    """Any object with ``read(n)`` as a raw stream, so it can be buffered and peeked."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._stream.read(len(view))
        if isinstance(data, str):
            raise ValidationError("open the file in binary mode", code="import.bad_source")
        view[: len(data)] = data
        return len(data)


def _sniff(stream: Any) -> str:
    head = stream.peek(64 * 1024)[: 64 * 1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"[":
        return ".json"
    if head[:1] == b"{":
        return ".jsonl" if _JSONL_HINT.search(head) else ".json"
    raise ValidationError(
        "cannot tell the file's format; give a file name with its extension "
        "(.json, .jsonl, .csv, .tsv, .txt) or a content type",
        code="import.unknown_format",
    )


def _read_single(stream: IO[bytes]) -> Rows:
    body = stream.read(MAX_SINGLE_FILE_BYTES + 1)
    if len(body) > MAX_SINGLE_FILE_BYTES:
        raise ValidationError(
            f"a file imported as one task is at most {MAX_SINGLE_FILE_BYTES} bytes",
            code="import.row_too_large",
        )
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("the file is not UTF-8 text", code="import.encoding") from None
    yield 1, {UNDEFINED: text}
