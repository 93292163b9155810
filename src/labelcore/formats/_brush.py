"""Brush masks: decode Label Studio's brush RLE and write masks as PNG or NumPy files.

    from labelcore.formats._brush import decode_rle, png_bytes
    alpha = decode_rle(rle, width * height * 4)        # the mask: one byte per pixel
    open("mask.png", "wb").write(png_bytes(alpha, width, height))

The RLE (thi.ng rle-pack) is a bit stream: a 32-bit value count, a 5-bit word size - 1,
four 4-bit run-length sizes - 1, then chunks of ``flag(1) size-index(2) count(size)``
followed by one repeated word (flag 1) or ``count + 1`` literal words (flag 0). The
decoded values are RGBA planes interleaved per pixel; the mask is the alpha channel.
Written from the format description, with no image library.
"""

from __future__ import annotations

import struct
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from labelcore.formats._context import Context
from labelcore.formats._files import Sink, safe_component, write_member
from labelcore.formats._items import Item, task_items

MAX_PIXELS = 64_000_000  # 8000 x 8000: a mask larger than this is refused, not decoded


class RLEError(ValueError):
    """The RLE data is truncated, inconsistent or too large."""


class _Bits:
    def __init__(self, data: Sequence[int]) -> None:
        self._data = data
        self._pos = 0
        self._buf = 0
        self._n = 0

    def read(self, n: int) -> int:
        while self._n < n:
            if self._pos >= len(self._data):
                raise RLEError("RLE data ends early")
            self._buf = (self._buf << 8) | (self._data[self._pos] & 0xFF)
            self._pos += 1
            self._n += 8
        self._n -= n
        val = self._buf >> self._n
        self._buf &= (1 << self._n) - 1
        return val


def decode_rle(rle: Sequence[int] | bytes, expected: int | None = None) -> bytearray:
    """The alpha channel (every 4th value) of a Label Studio brush RLE.

    ``expected`` is ``width * height * 4``; an RLE announcing another count is refused.
    """
    bits = _Bits(rle)
    num = bits.read(32)
    if expected is not None and num != expected:
        raise RLEError(f"RLE holds {num} values, the image needs {expected}")
    if num > MAX_PIXELS * 4:
        raise RLEError(f"mask of {num // 4} pixels is over the limit of {MAX_PIXELS}")
    word = bits.read(5) + 1
    sizes = [bits.read(4) + 1 for _ in range(4)]
    alpha = bytearray(num // 4)
    i = 0
    while i < num:
        repeat = bits.read(1)
        j = i + 1 + bits.read(sizes[bits.read(2)])
        if j > num:
            raise RLEError("RLE run goes past the end of the image")
        if repeat:
            val = bits.read(word) & 0xFF
            lo, hi = i // 4, j // 4
            if hi > lo:
                alpha[lo:hi] = bytes((val,)) * (hi - lo)
            i = j
        else:
            while i < j:
                val = bits.read(word)
                if i % 4 == 3:
                    alpha[i // 4] = val & 0xFF
                i += 1
    return alpha


def png_bytes(mask: bytes | bytearray, width: int, height: int) -> bytes:
    """An 8-bit grayscale PNG of ``mask`` (row-major, one byte per pixel)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + bytes(mask[r * width : (r + 1) * width]) for r in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )


def npy_bytes(mask: bytes | bytearray, width: int, height: int) -> bytes:
    """A NumPy ``.npy`` file (format 1.0) of a ``uint8`` array shaped ``(height, width)``."""
    header = f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({height}, {width}), }}"
    pad = 64 - (10 + len(header) + 1) % 64
    header_bytes = (header + " " * (pad % 64) + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header_bytes)) + header_bytes + bytes(mask)


def write_brush_png(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    _write_brush(ctx, tasks, sink, "png")


def write_brush_numpy(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    _write_brush(ctx, tasks, sink, "npy")


def _write_brush(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink, kind: str) -> None:
    """One file per brush region of every annotation, named as Label Studio names them:
    ``task-<id>-annotation-<id>-by-<user>-<control>-<labels>-<n>.png|.npy``."""
    for task in tasks:
        for item in task_items(task, ctx.schema):
            for control, layers in _layers(ctx, item):
                for name, width, height, mask in layers:
                    user = _user(item)
                    base = (
                        f"task-{item.task.get('id')}-annotation-{item.annotation.get('id')}"
                        f"-by-{user}-{safe_component(control + '-' + name)}"
                    )
                    body = (
                        png_bytes(mask, width, height)
                        if kind == "png"
                        else npy_bytes(mask, width, height)
                    )
                    write_member(sink, f"{base}.{kind}", body)
        ctx.counted()


def _user(item: Item) -> str:
    who = item.annotation.get("completed_by")
    text = str(who.get("email", "")) if isinstance(who, Mapping) else str(who)
    return "".join(c for c in text if c.isalnum() or c in "@.")


def _layers(
    ctx: Context, item: Item
) -> Iterable[tuple[str, list[tuple[str, int, int, bytearray]]]]:
    for control, regions in item.outputs.items():
        counters: dict[str, int] = defaultdict(int)
        layers: list[tuple[str, int, int, bytearray]] = []
        for region in regions:
            v = region.flat()
            key = {"brushlabels": "brushlabels", "labels": "labels"}.get(region.tag.lower())
            rle = v.get("rle")
            if key is None or not isinstance(rle, list):
                continue
            labels = v.get(key) if key in v else ["no_label"]
            if not isinstance(labels, list):
                labels = [labels]
            name = "-".join(str(x) for x in labels or [])
            n = counters[name]
            counters[name] += 1
            width, height = v.get("original_width"), v.get("original_height")
            where = f"task {item.task.get('id')}, annotation {item.annotation.get('id')}"
            if (
                not isinstance(width, int)
                or not isinstance(height, int)
                or not (_dim(width) and _dim(height))
            ):
                ctx.warn(f"{where}: brush region without original_width/height; left out")
                continue
            try:
                mask = decode_rle(rle, width * height * 4)
            except RLEError as exc:
                ctx.warn(f"{where}: brush region not decoded ({exc})")
                continue
            layers.append((f"{name}-{n}", width, height, mask))
        yield control, layers


def _dim(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0
