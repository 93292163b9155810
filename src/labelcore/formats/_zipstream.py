"""A zip archive written as a stream: members one after another, the directory at the end.

    z = ZipStream(out)                                      # out: writable, need not seek
    z.write("labels/a.txt", b"0 0.5 0.5 0.1 0.1\\n")        # a whole member
    with z.open("result.json") as f:                        # a member written in parts
        f.write(b"{...}")
    z.close()

The archive is what ``zipfile`` writes (deflated members, UTF-8 names flagged, zip64
records past its limits) and ``zipfile`` reads it back. ``zipfile`` costs about 10 µs per
member and keeps a ``ZipInfo`` object per member until it closes: an export with one file
per image (YOLO writes 100,000 for 100,000 tasks) spent about half its time there, and
the growing list of objects made the garbage collector walk them again and again. Here a
whole member is one header and one deflate call, the central directory is kept as bytes,
and writes reach ``out`` in chunks of 256 KiB.
"""

from __future__ import annotations

import struct
import sys
import time
import zlib
from typing import Any

# zipfile's limits and record layouts (APPNOTE.TXT 4.3.7, 4.3.9, 4.3.12, 4.3.14-16)
ZIP64_LIMIT = (1 << 31) - 1  # zipfile's threshold: sizes and offsets above it use zip64
COUNT_LIMIT = (1 << 16) - 1
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")
_DESCRIPTOR64 = struct.Struct("<4sLQQ")
_ZIP64_LOCAL = struct.Struct("<HHQQ")
_STORED, _DEFLATED = 0, 8
_VERSION, _VERSION64 = 20, 45
_SYSTEM = 0 if sys.platform == "win32" else 3
_UTF8 = 0x800  # the name is UTF-8
_DESCRIPTOR = 0x08  # sizes and CRC follow the data
_MODE = 0o600 << 16  # as zipfile.writestr gives a member named by a string
_CHUNK = 1 << 18


def _name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8


def _dos_stamp(now: float) -> tuple[int, int]:
    t = time.localtime(now)
    return (t[3] << 11 | t[4] << 5 | t[5] // 2), ((t[0] - 1980) << 9 | t[1] << 5 | t[2])


class ZipStream:
    """Write a zip archive to ``out``; ``close`` writes the directory (and nothing closes
    ``out``)."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self._buf = bytearray()
        self._offset = 0  # bytes of the archive so far
        self._central: list[bytes] = []
        self._writing = False
        self._closed = False
        self._stamp = _dos_stamp(time.time())  # DOS time and date, as zipfile stamps now

    def write(self, name: str, data: bytes) -> None:
        """A whole member: its sizes go in its header."""
        self._check()
        crc = zlib.crc32(data)
        method, packed = (_DEFLATED, zlib.compress(data, -1, -15)) if data else (_STORED, b"")
        raw, flags = _name(name)
        size, csize = len(data), len(packed)
        extra, version = b"", _VERSION
        if size > ZIP64_LIMIT or csize > ZIP64_LIMIT:
            extra, version = _ZIP64_LOCAL.pack(1, 16, size, csize), _VERSION64
            size = csize = 0xFFFFFFFF
        offset = self._offset
        self._emit(self._local(version, flags, method, crc, csize, size, raw, extra) + packed)
        self._directory(raw, flags, method, crc, len(packed), len(data), offset)

    def open(self, name: str) -> _Member:
        """A member written in parts (``write`` calls, then ``close``): its CRC and sizes
        follow its data in a zip64 data descriptor, as zipfile does for unseekable output."""
        self._check()
        raw, flags = _name(name)
        flags |= _DESCRIPTOR
        offset = self._offset
        extra = _ZIP64_LOCAL.pack(1, 16, 0, 0)
        self._emit(self._local(_VERSION64, flags, _DEFLATED, 0, 0xFFFFFFFF, 0xFFFFFFFF, raw, extra))
        self._writing = True
        return _Member(self, raw, flags, offset)

    def _local(
        self, version: int, flags: int, method: int, crc: int, csize: int, size: int, *name: bytes
    ) -> bytes:
        raw, extra = name
        time_, date = self._stamp
        head = (b"PK\x03\x04", version, 0, flags, method, time_, date, crc, csize, size)
        header: bytes = _LOCAL.pack(*head, len(raw), len(extra))
        return header + raw + extra

    def _finish(self, member: _Member, crc: int, csize: int, size: int) -> None:
        self._emit(_DESCRIPTOR64.pack(b"PK\x07\x08", crc, csize, size))
        self._writing = False
        self._directory(member.raw, member.flags, _DEFLATED, crc, csize, size, member.offset)

    def _directory(self, *fields: Any) -> None:
        raw, flags, method, crc, csize, size, offset = fields
        zip64: list[int] = []
        if size > ZIP64_LIMIT or csize > ZIP64_LIMIT:
            zip64 += [size, csize]
            size = csize = 0xFFFFFFFF
        if offset > ZIP64_LIMIT:
            zip64.append(offset)
            offset = 0xFFFFFFFF
        extra = struct.pack(f"<HH{len(zip64)}Q", 1, 8 * len(zip64), *zip64) if zip64 else b""
        version = _VERSION64 if zip64 or flags & _DESCRIPTOR else _VERSION
        time_, date = self._stamp
        head = (b"PK\x01\x02", version, _SYSTEM, version, 0, flags, method, time_, date, crc)
        rest = (csize, size, len(raw), len(extra), 0, 0, 0, _MODE, offset)
        self._central.append(_CENTRAL.pack(*head, *rest) + raw + extra)

    def close(self) -> None:
        """Write the central directory and the end records; further writes are refused."""
        if self._closed:
            return
        self._closed = True
        start = self._offset
        for record in self._central:
            self._emit(record)
        count, size = len(self._central), self._offset - start
        if count > COUNT_LIMIT or start > ZIP64_LIMIT or size > ZIP64_LIMIT:
            end64 = self._offset
            end = (b"PK\x06\x06", 44, _VERSION64, _VERSION64, 0, 0, count, count, size, start)
            self._emit(_END64.pack(*end) + _LOCATOR.pack(b"PK\x06\x07", 0, end64, 1))
            count, size, start = min(count, 0xFFFF), min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF)
        self._emit(_END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, 0))
        self._flush()

    def _check(self) -> None:
        if self._closed:
            raise ValueError("the archive is closed")
        if self._writing:
            raise ValueError("a member is still being written; close it first")

    def _emit(self, data: bytes) -> None:
        self._offset += len(data)
        self._buf += data
        if len(self._buf) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self._out.write(bytes(self._buf))
            self._buf.clear()


class _Member:
    """The writable file of one member being written in parts."""

    def __init__(self, archive: ZipStream, raw: bytes, flags: int, offset: int) -> None:
        self.raw, self.flags, self.offset = raw, flags, offset
        self._archive = archive
        self._deflate = zlib.compressobj(-1, zlib.DEFLATED, -15)
        self._crc = 0
        self._size = 0
        self._csize = 0
        self.closed = False

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed archive member")
        data = bytes(data)
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        packed = self._deflate.compress(data)
        if packed:
            self._csize += len(packed)
            self._archive._emit(packed)
        return len(data)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        tail = self._deflate.flush()
        self._csize += len(tail)
        self._archive._emit(tail)
        self._archive._finish(self, self._crc, self._csize, self._size)

    def __enter__(self) -> _Member:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
