"""Refuse JSON nested too deeply before a parser builds it (private).

from labelcore._jsondepth import DepthGuard, check_depth, loads
check_depth(b'{"a": [1, [2]]}')  # None; TooDeep (a ValueError) past MAX_DEPTH levels
loads("[[1]]")                   # json.loads of a text check_depth accepts

Why: ijson builds a prefix string per nesting level, so a 200 KB body of ``[[[[...`` made
the streamed JSON import allocate tens of gigabytes (the host process was killed), and
``json.loads``/``json.dumps`` raise ``RecursionError`` a thousand levels down, which
turned such bodies, and tasks stored that deep, into 500s. Labeling data is never nested
more than a few levels; :data:`MAX_DEPTH` leaves ample room and keeps every later
recursion (encoders, templates, the stores' JSON functions) far from Python's limit.

The scan runs in C (escapes cut out, the text split at quotes, brackets counted), remembers
across reads whether it is inside a string, and holds no more than one read's bytes.
"""

from __future__ import annotations

import json
from itertools import accumulate
from typing import IO, Any, Final

#: deepest nesting of arrays and objects accepted in any JSON labelcore reads
MAX_DEPTH: Final = 100

_NOT_BRACKET: Final = bytes(c for c in range(256) if c not in b"[]{}")
_STEP: Final = tuple(1 if c in b"[{" else -1 if c in b"]}" else 0 for c in range(256))
_PIECE: Final = 1 << 20  # check_depth() scans a long text in pieces this long


class TooDeep(ValueError):
    """JSON nested deeper than the limit (a ``ValueError``, as parse errors are)."""

    def __init__(self, limit: int, closed: int) -> None:
        super().__init__(f"JSON nested more than {limit} levels deep")
        self.limit = limit
        #: elements of the outermost array that end in the piece read last, before the one
        #: too deep (a streaming reader adds the rows it had already yielded)
        self.closed = closed


class _Scanner:
    """Tracks nesting depth over consecutive pieces of one JSON text.

    Escapes are cut out and the text split at its quotes by C code (``bytes.replace``,
    ``bytes.split``); the brackets between strings are counted, and only a piece that
    could pass the limit has its brackets summed up in order (``itertools.accumulate``).
    No Python code runs per byte, per string or per bracket."""

    __slots__ = ("backslash", "depth", "in_string", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.depth = 0
        self.in_string = False
        self.backslash = False  # the previous piece ended with an escape's backslash

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self.backslash:
            data = b"\\" + data
        if b"\\" in data:  # cut out escaped backslashes, then escaped quotes; left to right,
            # as a parser pairs them (in JSON, backslashes appear only in strings' escapes)
            data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
        self.backslash = data.endswith(b"\\")
        parts = (data[:-1] if self.backslash else data).split(b'"')
        outside = b"".join(parts[1 if self.in_string else 0 :: 2])
        if len(parts) % 2 == 0:  # an odd number of quotes
            self.in_string = not self.in_string
        opened = outside.count(b"[") + outside.count(b"{")
        if self.depth + opened <= self.limit:
            self.depth += opened - outside.count(b"]") - outside.count(b"}")
            return
        brackets = outside.translate(None, _NOT_BRACKET)
        depths = list(accumulate(map(_STEP.__getitem__, brackets), initial=self.depth))
        if max(depths) > self.limit:
            depths = depths[: depths.index(self.limit + 1) + 1]
            # arriving at depth 1 from 2 closes an element of the outermost array
            closed = depths.count(1) - (depths[0] == 1) - depths[:-1].count(0)
            raise TooDeep(self.limit, closed)
        self.depth = depths[-1]


def check_depth(raw: bytes | str, limit: int = MAX_DEPTH) -> None:
    """``TooDeep`` when the JSON text nests arrays and objects more than ``limit`` deep."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    scanner = _Scanner(limit)
    for at in range(0, len(data), _PIECE):
        scanner.feed(data[at : at + _PIECE])


def loads(raw: bytes | str, limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` of a text nested at most ``limit`` deep (else ``TooDeep``, which is a
    ``ValueError`` like every other reason the text is not acceptable JSON)."""
    check_depth(raw, limit)
    return json.loads(raw)


class DepthGuard:
    """A binary stream that passes another's bytes through and raises ``TooDeep`` from
    ``read`` once the JSON text in them nests deeper than ``limit``."""

    def __init__(self, stream: IO[bytes] | Any, limit: int = MAX_DEPTH) -> None:
        self._stream = stream
        self._scanner = _Scanner(limit)

    def read(self, n: int = -1) -> bytes:
        data: bytes = self._stream.read(n)
        self._scanner.feed(data)
        return data
