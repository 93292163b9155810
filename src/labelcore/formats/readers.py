"""Streaming readers for task files: JSON, JSONL, CSV, TSV and TXT, one item at a time.

    from labelcore.formats.readers import read_tasks
    with open("tasks.csv", "rb") as f:
        for row, item in read_tasks(f, filename="tasks.csv"): print(row, item)

Every reader takes a binary stream and yields ``(row, item)`` lazily, so memory does not
grow with the file: ``row`` is the 1-based item number for JSON and CSV/TSV (header
excluded) and the 1-based line number for JSONL and TXT. Items are what Label Studio's
import accepts (pass them to ``labelcore._converter.task_from_import``). Malformed input
raises :class:`labelcore.errors.ValidationError` naming the row or line, never anything
else. CSV cells stay strings (Label Studio's pandas guesses numbers per column, which a
streaming reader cannot do and which turns ``"007"`` into ``7``).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable, Iterator
from typing import IO, Any

import ijson

from labelcore._jsondepth import DepthGuard, TooDeep, loads
from labelcore.errors import ValidationError

__all__ = [
    "READERS",
    "TXT_KEY",
    "read_csv",
    "read_json",
    "read_jsonl",
    "read_tasks",
    "read_tsv",
    "read_txt",
    "reader_for",
]

TXT_KEY = "$undefined$"  # Label Studio's placeholder, remapped to the config's data key
_CHUNK = 64 * 1024

Rows = Iterator[tuple[int, Any]]


def _error(where: str, message: str, *, row: int | None = None) -> ValidationError:
    text = f"{where}: {message}"
    problem: dict[str, Any] = {"code": "import.invalid_file", "message": text}
    if row is not None:
        problem["row"] = row
    return ValidationError(text, code="import.invalid_file", errors=[problem])


class _Prefixed(io.RawIOBase):
    """A stream with some already-read bytes put back in front (to sniff without seeking)."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(view))
        view[: len(data)] = data
        return len(data)


def _peek(stream: IO[bytes], *, skip_space: bool = False) -> tuple[bytes, IO[bytes]]:
    """The first bytes (BOM removed; leading whitespace-only chunks dropped if asked) and a
    stream that still yields them."""
    head = stream.read(_CHUNK)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    while skip_space and head and not head.strip():
        head = stream.read(_CHUNK)
    return head, io.BufferedReader(_Prefixed(head, stream), _CHUNK)


# -- JSON -------------------------------------------------------------------------------------


def read_json(stream: IO[bytes]) -> Rows:
    """A JSON array of items (streamed item by item) or a single JSON object."""
    head, buffered = _peek(stream, skip_space=True)
    first = head.lstrip()[:1]
    if first == b"[":
        prefix = "item"
    elif first == b"{":
        prefix = ""
    elif not first:
        raise _error("JSON", "the file is empty")
    else:
        raise _error("JSON", "expected a list of tasks or one task object")
    row = 0
    try:
        items = ijson.items(DepthGuard(buffered), prefix, use_float=True)
        for row, item in enumerate(items, start=1):
            yield row, item
    except TooDeep as exc:  # ijson yields every row of a read before reading the next
        bad_row = row + exc.closed + 1
        where = f"row {bad_row}" if prefix else "JSON"
        raise _error(where, str(exc), row=bad_row if prefix else 1) from None
    except (ijson.JSONError, ijson.IncompleteJSONError) as exc:
        where = f"row {row + 1}" if prefix else "JSON"
        raise _error(where, f"invalid JSON ({_short(exc)})", row=row + 1) from None
    except UnicodeDecodeError:
        raise _error(f"row {row + 1}", "the file is not UTF-8 text", row=row + 1) from None
    except ValueError as exc:  # e.g. a number ijson cannot represent
        raise _error(f"row {row + 1}", f"invalid JSON ({_short(exc)})", row=row + 1) from None


def read_jsonl(stream: IO[bytes]) -> Rows:
    """One JSON item per line; blank lines are skipped."""
    _head, buffered = _peek(stream)
    for line_no, raw in enumerate(buffered, start=1):
        if not raw.strip():
            continue
        try:
            yield line_no, loads(raw)
        except UnicodeDecodeError:
            raise _error(f"line {line_no}", "not UTF-8 text", row=line_no) from None
        except (ValueError, RecursionError) as exc:
            raise _error(f"line {line_no}", f"invalid JSON ({_short(exc)})", row=line_no) from None


# -- CSV / TSV --------------------------------------------------------------------------------


def read_csv(stream: IO[bytes], *, delimiter: str | None = None) -> Rows:
    """Rows as ``{column: cell}`` dicts. Without ``delimiter``, ``;`` is used when the header
    has more semicolons than commas (as Label Studio decides), else ``,``."""
    head, buffered = _peek(stream)
    if delimiter is None:
        header_line = head.split(b"\n", 1)[0]
        delimiter = ";" if header_line.count(b";") > header_line.count(b",") else ","
    text = io.TextIOWrapper(buffered, encoding="utf-8", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise _error("CSV", "the file is empty")
        columns = _columns(header)
        row = 0
        for row, cells in enumerate(reader, start=1):
            if not cells:
                continue
            if len(cells) > len(columns):
                raise _error(
                    f"row {row} (line {reader.line_num})",
                    f"{len(cells)} cells but the header has {len(columns)} columns",
                    row=row,
                )
            item = dict(zip(columns, cells))
            for missing in columns[len(cells) :]:
                item[missing] = ""
            yield row, item
    except csv.Error as exc:
        line = reader.line_num
        raise _error(f"line {line}", f"invalid CSV ({exc})", row=line) from None
    except UnicodeDecodeError:
        line = reader.line_num + 1
        raise _error(f"line {line}", "not UTF-8 text", row=line) from None


def read_tsv(stream: IO[bytes]) -> Rows:
    """Tab-separated rows (TSV is chosen by the file extension, as in Label Studio)."""
    return read_csv(stream, delimiter="\t")


def _columns(header: list[str]) -> list[str]:
    columns = []
    seen: set[str] = set()
    for i, name in enumerate(header):
        name = name.strip() or f"Unnamed: {i}"  # pandas' name for an unnamed column
        if name in seen:
            raise _error("header", f"column {name!r} appears twice")
        seen.add(name)
        columns.append(name)
    return columns


# -- TXT --------------------------------------------------------------------------------------


def read_txt(stream: IO[bytes]) -> Rows:
    """One task per non-empty line: ``{"$undefined$": line}`` (the key is remapped to the
    config's data key on import, as Label Studio does)."""
    _head, buffered = _peek(stream)
    for line_no, raw in enumerate(buffered, start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise _error(f"line {line_no}", "not UTF-8 text", row=line_no) from None
        if line.strip():
            yield line_no, {TXT_KEY: line}


# -- dispatch ---------------------------------------------------------------------------------

READERS: dict[str, Callable[[IO[bytes]], Rows]] = {
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".csv": read_csv,
    ".tsv": read_tsv,
    ".txt": read_txt,
}


def reader_for(filename: str) -> Callable[[IO[bytes]], Rows]:
    """The reader for a file name's extension; ValidationError for an unsupported one."""
    ext = os.path.splitext(filename)[1].lower()
    try:
        return READERS[ext]
    except KeyError:
        allowed = ", ".join(sorted(READERS))
        raise ValidationError(
            f"{filename!r}: unsupported task file type {ext or '(none)'}; use one of {allowed}",
            code="import.unsupported_file",
        ) from None


def read_tasks(stream: IO[bytes], *, filename: str) -> Rows:
    """Read items from ``stream`` with the reader for ``filename``'s extension."""
    return reader_for(filename)(stream)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."
