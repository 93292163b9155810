"""Image sizes and audio durations read from file headers (no image library needed).

    from labelcore.formats._media import image_size
    image_size(Path("street.jpg"))   # (1024, 768) or None
    wav_duration(Path("a.wav"))      # 3.5 or None

Only the first bytes of a file are read: PNG, JPEG, GIF, BMP and WebP for images, WAV for
audio (Label Studio's ASR export also reads durations from WAV only).
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path

_HEAD = 64 * 1024


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the header of a PNG, JPEG, GIF, BMP or WebP file, else None."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD)
            if head[:2] == b"\xff\xd8":
                return _jpeg_size(f, head)
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        w, h = struct.unpack(">II", head[16:24])
        return int(w), int(h)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        w, h = struct.unpack("<HH", head[6:10])
        return int(w), int(h)
    if head[:2] == b"BM" and len(head) >= 26:
        w, h = struct.unpack("<ii", head[18:26])
        return abs(int(w)), abs(int(h))
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp_size(head)
    return None


def _jpeg_size(f: object, head: bytes) -> tuple[int, int] | None:
    data = head
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(w), int(h)
        i += 2 + length
        if i + 9 >= len(data):
            more = f.read(max(_HEAD, i + 10 - len(data)))  # type: ignore[attr-defined]
            if not more:
                return None
            data += more
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8 " and len(head) >= 30:
        w, h = struct.unpack("<HH", head[26:30])
        return int(w) & 0x3FFF, int(h) & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25:
        b = head[21:25]
        w = 1 + (((b[1] & 0x3F) << 8) | b[0])
        h = 1 + (((b[3] & 0xF) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return w, h
    if chunk == b"VP8X" and len(head) >= 30:
        w = 1 + int.from_bytes(head[24:27], "little")
        h = 1 + int.from_bytes(head[27:30], "little")
        return w, h
    return None


def wav_duration(path: Path) -> float | None:
    """Seconds of a WAV file from its header, else None."""
    try:
        with wave.open(str(path), "rb") as w:
            rate = w.getframerate()
            return w.getnframes() / float(rate) if rate else None
    except (OSError, EOFError, wave.Error):
        return None
