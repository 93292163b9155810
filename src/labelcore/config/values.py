"""Value-shape rules for one result item: geometry, spans, classifications.

from labelcore.config.values import check_geometry
errors: list[tuple[str, str]] = []
check_geometry("rectangle", {"x": 90, "y": 0, "width": 20, "height": 5}, errors.append)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from labelcore._numbers import ascii_int

Report = Callable[[tuple[str, str]], None]  # (code, message)
EPS = 1e-6
GEOMETRY_KEYS = (
    ("points", "polygon"),
    ("vertices", "vector"),
    ("rle", "brush"),
    ("imageDataURL", "bitmask"),
    ("radiusX", "ellipse"),
    ("width", "rectangle"),
    ("x", "keypoint"),
)


def num(value: Any) -> float | None:
    """A finite int/float (bools are not numbers here), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def detect_geometry(value: Mapping[str, Any]) -> str | None:
    """Which geometry a value carries, judged by its keys (for split-format ``labels`` items)."""
    return next((kind for key, kind in GEOMETRY_KEYS if key in value), None)


def _pct(
    value: Mapping[str, Any], key: str, report: Report, *, required: bool = True
) -> float | None:
    if key not in value:
        if required:
            report(("result.bad_value", f"geometry needs '{key}'"))
        return None
    number = num(value[key])
    if number is None:
        report(("result.bad_value", f"'{key}' must be a number, got {value[key]!r:.40}"))
        return None
    if not -EPS <= number <= 100 + EPS:
        report(("result.geometry_out_of_bounds", f"'{key}' = {number:g} is outside 0..100"))
        return None
    return number


def _box(value: Mapping[str, Any], report: Report) -> None:
    x, y = _pct(value, "x", report), _pct(value, "y", report)
    w, h = _pct(value, "width", report), _pct(value, "height", report)
    rotation = num(value.get("rotation", 0)) if "rotation" in value else 0.0
    if rotation is None:
        report(("result.bad_value", "'rotation' must be a number"))
        return
    if rotation % 360 != 0:
        return  # a rotated box may extend past the unrotated extent; x, y, w, h are checked
    if x is not None and w is not None and x + w > 100 + EPS:
        report(("result.geometry_out_of_bounds", f"x + width = {x + w:g} is beyond 100"))
    if y is not None and h is not None and y + h > 100 + EPS:
        report(("result.geometry_out_of_bounds", f"y + height = {y + h:g} is beyond 100"))


def check_geometry(kind: str, value: Mapping[str, Any], report: Report) -> None:
    """Check the geometry keys of an image region; every coordinate is a percentage 0..100."""
    if kind == "rectangle":
        _box(value, report)
    elif kind == "ellipse":
        for key in ("x", "y", "radiusX", "radiusY"):
            _pct(value, key, report)
    elif kind == "keypoint":
        _pct(value, "x", report)
        _pct(value, "y", report)
        if "width" in value and (num(value["width"]) is None or (num(value["width"]) or 0) < 0):
            report(("result.bad_value", "'width' (point size) must be a number >= 0"))
    elif kind == "polygon":
        points = value.get("points")
        if not isinstance(points, list) or not points:
            report(("result.bad_value", "'points' must be a non-empty list of [x, y] pairs"))
            return
        for n, point in enumerate(points):
            if (
                not isinstance(point, list | tuple)
                or len(point) != 2
                or None in (num(point[0]), num(point[1]))
            ):
                report(("result.bad_value", f"point {n} must be [x, y] numbers"))
                return
            if not all(-EPS <= float(c) <= 100 + EPS for c in point):
                report(
                    ("result.geometry_out_of_bounds", f"point {n} {list(point)} is outside 0..100")
                )
                return
    elif kind == "vector":
        vertices = value.get("vertices")
        if not isinstance(vertices, list) or not vertices:
            report(("result.bad_value", "'vertices' must be a non-empty list of {id, x, y}"))
            return
        for n, vertex in enumerate(vertices):
            if not isinstance(vertex, dict):
                report(("result.bad_value", f"vertex {n} must be an object with x and y"))
                return
            before = _Count(report)
            _pct(vertex, "x", before)
            _pct(vertex, "y", before)
            if before.n:
                return
    elif kind == "brush":
        rle = value.get("rle")
        if value.get("format", "rle") != "rle" or not isinstance(rle, list):
            report(
                (
                    "result.bad_value",
                    "a brush region needs format 'rle' and an 'rle' list of integers",
                )
            )
        elif not all(type(b) is int and 0 <= b <= 255 for b in rle):
            report(("result.bad_value", "'rle' must hold integers 0..255"))
    elif kind == "bitmask":
        url = value.get("imageDataURL")
        if not isinstance(url, str) or not url.startswith("data:image/"):
            report(("result.bad_value", "'imageDataURL' must be a data:image/... URL"))


class _Count:
    """Wraps a reporter and counts what went through it."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.n = 0

    def __call__(self, problem: tuple[str, str]) -> None:
        self.n += 1
        self.report(problem)


def _utf16_hint(text: str, start: int, end: int, said: Any) -> str:
    """A hint when ``start``/``end`` are UTF-16 code units (JavaScript string indices) of
    ``text``: offsets count code points, as Label Studio stores them and Python indexes str."""
    if not isinstance(said, str) or text.isascii():
        return ""
    units = text.encode("utf-16-le", "surrogatepass")
    if 2 * end > len(units):
        return ""
    head = units[: 2 * start].decode("utf-16-le", "surrogatepass")
    piece = units[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")
    if piece != said:
        return ""
    cp = len(head)
    return (
        f"; the offsets look like UTF-16 code units (JavaScript string indices), but they count"
        f" code points, as Label Studio stores them: this span is {cp}..{cp + len(piece)}"
    )


def check_offsets(value: Mapping[str, Any], report: Report, *, kind: str, text: Any = None) -> None:
    """Span rules; ``kind``: text (characters), audio (seconds), hypertext, paragraph, series."""
    if kind in ("text", "audio"):
        conv = integer if kind == "text" else num
        start, end = conv(value.get("start")), conv(value.get("end"))
        if start is None or end is None:
            what = "integers" if kind == "text" else "numbers"
            report(("result.bad_value", f"'start' and 'end' must be {what}"))
            return
        if start < 0 or end < start:
            report(
                ("result.span_out_of_text", f"span {start:g}..{end:g} must have 0 <= start <= end")
            )
            return
        if kind == "text" and isinstance(text, str):
            said = value.get("text")
            if end > len(text):
                report(
                    (
                        "result.span_out_of_text",
                        f"span {start}..{end} ends past the text ({len(text)} characters)"
                        + _utf16_hint(text, int(start), int(end), said),
                    )
                )
            elif isinstance(said, str) and said != text[int(start) : int(end)]:
                report(
                    (
                        "result.span_text_mismatch",
                        f"'text' {said!r:.60} differs from the data at {start}..{end}"
                        + _utf16_hint(text, int(start), int(end), said),
                    )
                )
        return
    if kind == "timeseries":
        start, end = value.get("start"), value.get("end")
        if not all(isinstance(v, str) or num(v) is not None for v in (start, end)):
            report(("result.bad_value", "'start' and 'end' must be numbers or time strings"))
            return
        s, e = num(start), num(end)
        if s is not None and e is not None and e < s:
            report(("result.bad_value", f"'end' {e:g} is before 'start' {s:g}"))
        if "instant" in value and not isinstance(value["instant"], bool):
            report(("result.bad_value", "'instant' must be true or false"))
        return
    for key in ("startOffset", "endOffset"):
        off = integer(value.get(key))
        if off is None or off < 0:
            report(("result.bad_value", f"'{key}' must be an integer >= 0"))
            return
    if kind == "hypertext":
        if not isinstance(value.get("start"), str) or not isinstance(value.get("end"), str):
            report(("result.bad_value", "'start' and 'end' must be XPath strings"))
        offsets = value.get("globalOffsets")
        if offsets is not None:
            gs = integer(offsets.get("start")) if isinstance(offsets, dict) else None
            ge = integer(offsets.get("end")) if isinstance(offsets, dict) else None
            if gs is None or ge is None or gs < 0 or ge < gs:
                report(
                    (
                        "result.bad_value",
                        "'globalOffsets' must be {start, end} integers, 0 <= start <= end",
                    )
                )
        return
    # paragraph: start/end are paragraph indexes, written as strings by the editor
    idx = []
    for key in ("start", "end"):
        raw = value.get(key)
        n = integer(raw) if not isinstance(raw, str) else ascii_int(raw)
        if n is None or n < 0:
            report(("result.bad_value", f"'{key}' must be a paragraph index (e.g. \"0\")"))
            return
        idx.append(n)
    if idx[1] < idx[0]:
        report(("result.bad_value", f"paragraph span {idx[0]}..{idx[1]} ends before it starts"))
    elif isinstance(text, list) and idx[1] >= len(text):
        report(
            (
                "result.span_out_of_text",
                f"paragraph {idx[1]} is past the {len(text)} paragraphs of the data",
            )
        )


def check_timeline(value: Mapping[str, Any], report: Report) -> None:
    ranges = value.get("ranges")
    if not isinstance(ranges, list) or not ranges:
        report(("result.bad_value", "'ranges' must be a non-empty list of {start, end} frames"))
        return
    for n, rng in enumerate(ranges):
        s = integer(rng.get("start")) if isinstance(rng, dict) else None
        e = integer(rng.get("end")) if isinstance(rng, dict) else None
        if s is None or e is None or s < 0 or e < s:
            report(
                (
                    "result.bad_value",
                    f"range {n} must be {{start, end}} frames with 0 <= start <= end",
                )
            )
            return


def check_sequence(value: Mapping[str, Any], report: Report) -> None:
    sequence = value.get("sequence")
    if not isinstance(sequence, list) or not sequence:
        report(("result.bad_value", "'sequence' must be a non-empty list of keyframes"))
        return
    for n, frame in enumerate(sequence):
        if (
            not isinstance(frame, dict)
            or integer(frame.get("frame")) is None
            or (integer(frame.get("frame")) or 0) < 0
        ):
            report(("result.bad_value", f"keyframe {n} needs an integer 'frame' >= 0"))
            return
        counted = _Count(report)
        _box(frame, counted)
        if counted.n:
            return
    for key in ("framesCount", "duration"):
        if key in value and (num(value[key]) is None or (num(value[key]) or 0) < 0):
            report(("result.bad_value", f"'{key}' must be a number >= 0"))
