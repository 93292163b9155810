"""Reading import sources as a stream of (row number, item) pairs without loading files whole.

    for row, item in read_source(open("tasks.jsonl", "rb"), filename="tasks.jsonl"):
        ...                                  # row is 1-based, item is a parsed JSON value
    kind = source_format("tasks.csv", None)  # "csv"

JSON arrays are streamed with ijson; JSONL, CSV, TSV and TXT line by line. Plain-text kinds
(txt, html) give ``{"$undefined$": text}`` items that the importer maps to the config's one
data key.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import ijson

from labelcore.errors import ValidationError

UNDEFINED = "$undefined$"
MAX_LINE_BYTES = 64 * 1024 * 1024  # one JSONL line / CSV row / TXT line
# the csv module's default cell limit (128 KiB) is too small for long texts
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))

_EXTENSIONS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".xml": "html",
}
_CONTENT_TYPES = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/plain": "txt",
    "text/html": "html",
    "application/xml": "html",
    "text/xml": "html",
}
FORMATS = frozenset(_EXTENSIONS.values())


def source_format(filename: str | None, content_type: str | None) -> str | None:
    """The format a file name's extension or a content type names, or None."""
    if filename:
        ext = os.path.splitext(filename.lower())[1]
        if ext in _EXTENSIONS:
            return _EXTENSIONS[ext]
        raise ValidationError(
            f"{filename}: unsupported file type {ext or '(none)'}; use one of "
            + ", ".join(sorted(_EXTENSIONS)),
            code="import.unsupported_format",
        )
    if content_type:
        kind = _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        if kind is not None:
            return kind
    return None


def read_source(
    source: Any, *, filename: str | None = None, content_type: str | None = None
) -> tuple[str, Iterator[tuple[int, Any]]]:
    """``(format, rows)`` for any import source (see ``LabelCore.import_tasks``)."""
    if isinstance(source, Mapping):
        return "json", iter([(1, source)])
    if isinstance(source, str):
        source = source.encode("utf-8")
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    if hasattr(source, "read"):
        stream: IO[bytes] = source
        kind = source_format(filename, content_type)
        buffered = stream if hasattr(stream, "peek") else io.BufferedReader(_RawAdapter(stream))
        if kind is None:
            kind = _sniff(buffered)
        return kind, _READERS[kind](buffered)
    if isinstance(source, Iterable):
        return "python", ((i, item) for i, item in enumerate(source, 1))
    raise ValidationError(
        f"cannot import from a {type(source).__name__}; give task dicts, a JSON body, "
        "bytes, or a binary file",
        code="import.bad_source",
    )


class _RawAdapter(io.RawIOBase):
    """Lets any object with ``read(n)`` sit under an ``io.BufferedReader``."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        if isinstance(data, str):
            raise ValidationError("open the file in binary mode", code="import.bad_source")
        buffer[: len(data)] = data
        return len(data)


def _sniff(stream: Any) -> str:
    head = stream.peek(4096)[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    if head[:1] in (b"[", b"{"):
        return "json"
    raise ValidationError(
        "cannot tell the file's format; give a filename with its extension "
        "(.json, .jsonl, .csv, .tsv, .txt) or a content type",
        code="import.unknown_format",
    )


def _bad_json(row: int, exc: Exception) -> ValidationError:
    text = f"row {row}: invalid JSON ({exc})"
    return ValidationError(
        text,
        code="import.invalid_json",
        errors=[{"row": row, "code": "import.invalid_json", "message": text}],
    )


def _read_json(stream: Any) -> Iterator[tuple[int, Any]]:
    head = stream.peek(4096)[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(codecs.BOM_UTF8):
        stream.read(len(codecs.BOM_UTF8))
    prefix = "item" if head[:1] == b"[" else ""
    row = 0
    try:
        for row, item in enumerate(
            ijson.items(stream, prefix, use_float=True, multiple_values=not prefix), 1
        ):
            yield row, item
    except ijson.JSONError as exc:
        raise _bad_json(row + 1, exc) from None


def _lines(stream: Any) -> Iterator[tuple[int, bytes]]:
    row = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        row += 1
        if len(line) > MAX_LINE_BYTES:
            raise ValidationError(
                f"row {row}: longer than {MAX_LINE_BYTES} bytes", code="import.row_too_large"
            )
        if row == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        yield row, line


def _text(row: int, line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"row {row}: not UTF-8 text ({exc.reason})", code="import.encoding"
        ) from None


def _read_jsonl(stream: Any) -> Iterator[tuple[int, Any]]:
    row = 0
    for line_no, line in _lines(stream):
        if not line.strip():
            continue
        row += 1
        try:
            yield row, json.loads(line)
        except ValueError as exc:
            raise _bad_json(line_no, exc) from None


def _read_txt(stream: Any) -> Iterator[tuple[int, Any]]:
    for row, line in _lines(stream):
        yield row, {UNDEFINED: _text(row, line).rstrip("\r\n")}


def _read_html(stream: Any) -> Iterator[tuple[int, Any]]:
    body = stream.read(MAX_LINE_BYTES + 1)
    if len(body) > MAX_LINE_BYTES:
        raise ValidationError("file too large for one task", code="import.row_too_large")
    yield 1, {UNDEFINED: _text(1, body)}


def _read_delimited(stream: Any, delimiter: str | None) -> Iterator[tuple[int, Any]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from _rows(text, delimiter)
    finally:
        text.detach()  # the caller's file stays open


def _rows(text: io.TextIOWrapper, delimiter: str | None) -> Iterator[tuple[int, Any]]:
    header_line = text.readline(MAX_LINE_BYTES)
    if delimiter is None:  # Label Studio: ";" when it is more frequent than "," in the header
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    if not header or any(not h for h in header):
        raise ValidationError(
            "row 0: the header row needs a name for every column", code="import.csv_header"
        )
    reader = csv.reader(text, delimiter=delimiter)
    try:
        for row, cells in enumerate(reader, 1):
            if not cells:
                continue
            if len(cells) > len(header):
                yield row, _Bad(f"{len(cells)} cells but the header has {len(header)} columns")
                continue
            yield row, dict(zip(header, cells + [""] * (len(header) - len(cells))))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ValidationError(f"row {reader.line_num}: {exc}", code="import.csv") from None


class _Bad:
    """A row the reader could parse but not turn into an item; the importer reports it."""

    def __init__(self, message: str) -> None:
        self.message = message


BadRow = _Bad

_READERS = {
    "json": _read_json,
    "jsonl": _read_jsonl,
    "csv": lambda s: _read_delimited(s, None),
    "tsv": lambda s: _read_delimited(s, "\t"),
    "txt": _read_txt,
    "html": _read_html,
}
