"""Generated test images and Label Studio-style brush RLE for the image tests (no image library)."""

from __future__ import annotations

import base64
import struct
import zlib

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 100  # a JPEG's first bytes


def png(width: int, height: int, grey: int = 0x80) -> bytes:
    """A uniformly grey RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes((grey, grey, grey)) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def region(rid: str, control: str, kind: str, value: dict, width: int, height: int) -> dict:
    """A stored image result as Label Studio writes it (to object "img")."""
    return {
        "id": rid,
        "from_name": control,
        "to_name": "img",
        "type": kind,
        "original_width": width,
        "original_height": height,
        "image_rotation": 0,
        "value": value,
    }


def data_url(width: int, height: int) -> str:
    return "data:image/png;base64," + base64.b64encode(png(width, height)).decode()


def ls_rle(width: int, height: int, on: set[tuple[int, int]], color=(255, 0, 0)) -> list[int]:
    """The RLE Label Studio writes for a canvas where the pixels ``on`` are painted ``color``
    (RGBA, alpha 255) and the rest is transparent: word size 8, run sizes 3/4/8/16, runs of
    two or more equal values as repeat chunks and everything else grouped in literal chunks,
    so both chunk kinds are exercised (the colour differs from the alpha on purpose)."""
    values: list[int] = []
    for y in range(height):
        for x in range(width):
            values += [*color, 255] if (x, y) in on else [0, 0, 0, 0]
    bits: list[str] = [f"{len(values):032b}", f"{8 - 1:05b}"]
    bits += [f"{s - 1:04b}" for s in (3, 4, 8, 16)]
    sizes = ((8, "00", 3), (16, "01", 4), (256, "10", 8), (2**16, "11", 16))

    def head(flag: str, n: int) -> str:
        for limit, idx, w in sizes:
            if n <= limit:
                return flag + idx + f"{n - 1:0{w}b}"
        raise AssertionError(n)

    literal: list[int] = []

    def flush() -> None:
        while literal:
            part, literal[:] = literal[: 2**16], literal[2**16 :]
            bits.append(head("0", len(part)) + "".join(f"{v:08b}" for v in part))

    i = 0
    while i < len(values):
        j = i
        while j < len(values) and values[j] == values[i] and j - i < 2**16:
            j += 1
        if j - i >= 2:
            flush()
            bits.append(head("1", j - i) + f"{values[i]:08b}")
        else:
            literal.append(values[i])
        i = j
    flush()
    text = "".join(bits)
    text += "0" * (-len(text) % 8)
    return [int(text[k : k + 8], 2) for k in range(0, len(text), 8)]


def blank_rle(width: int, height: int) -> list[int]:
    """The RLE of an empty mask, built from 64 Ki-value repeat chunks (fast for any size)."""
    left = width * height * 4
    bits = [f"{left:032b}", f"{8 - 1:05b}"] + [f"{s - 1:04b}" for s in (3, 4, 8, 16)]
    while left:
        n = min(left, 2**16)
        bits.append("1" + "11" + f"{n - 1:016b}" + "0" * 8)
        left -= n
    text = "".join(bits)
    text += "0" * (-len(text) % 8)
    return [int(text[k : k + 8], 2) for k in range(0, len(text), 8)]
