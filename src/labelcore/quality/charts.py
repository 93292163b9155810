"""Small SVG charts drawn on the server: bars, a progress line and a heat-map matrix.

    from labelcore.quality.charts import bar_chart
    svg = bar_chart([("Ada", 12), ("Bo", 7)], title="Annotations per annotator")
    # '<svg ... role="img"><title>Annotations per annotator</title>...' (text escaped)

Each chart is a self-contained ``<svg>`` string with a ``<title>`` and every value written
as text and in a ``data-value`` attribute (so tests and screen readers read the numbers).
All text is XML-escaped here; no script, no external reference, no inline style attribute
(colours are presentation attributes, so a strict CSP needs no ``style-src`` exception).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import NamedTuple

__all__ = ["ENGLISH", "Words", "bar_chart", "line_chart", "matrix_chart"]

BAR = "#4f7cac"
LINE = "#2e7d32"
FONT = 'font-family="sans-serif" font-size="12"'


class Words(NamedTuple):
    """The words a chart draws besides its data (hand in translated ones)."""

    no_data: str = "no data"
    missing: str = "n/a"


ENGLISH = Words()


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:g}" if float(value).is_integer() else f"{value:.3g}"


def _open(width: int, height: int, title: str, kind: str) -> list[str]:
    t = escape(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lc-chart lc-chart-{kind}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{t}">',
        f"<title>{t}</title>",
    ]


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    width: int = 560,
    unit: str = "",
    words: Words = ENGLISH,
) -> str:
    """Horizontal bars, one row per ``(label, value)``; ``None`` draws no bar ("n/a")."""
    row, label_w, pad = 22, 160, 8
    height = max(1, len(items)) * row + 2 * pad
    top = max((v for _, v in items if v is not None), default=0.0) or 1.0
    span = width - label_w - 80
    out = _open(width, height, title, "bar")
    if not items:
        out.append(f'<text x="{pad}" y="{pad + 14}" {FONT}>{escape(words.no_data)}</text>')
    for i, (label, value) in enumerate(items):
        y = pad + i * row
        text = escape(str(label))
        shown = escape(words.missing if value is None else _num(value) + unit)
        out.append(
            f'<g class="lc-bar" data-label="{text}" data-value="{escape(_num(value))}">'
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" {FONT}>{text}</text>'
        )
        w = 0.0 if value is None else max(0.0, float(value)) / top * span
        out.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{BAR}"/>'
        )
        out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" {FONT}>{shown}</text></g>')
    out.append("</svg>")
    return "".join(out)


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 560,
    height: int = 220,
    words: Words = ENGLISH,
) -> str:
    """A line through ``(x label, value)`` points in order (e.g. cumulative annotations per
    day), with a dot and its value at each point."""
    pad_l, pad_r, pad_t, pad_b = 40, 20, 16, 36
    out = _open(width, height, title, "line")
    if not points:
        out.append(
            f'<text x="{pad_l}" y="{pad_t + 14}" {FONT}>{escape(words.no_data)}</text></svg>'
        )
        return "".join(out)
    top = max(v for _, v in points) or 1.0
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    step = inner_w / max(1, len(points) - 1)
    xy = [
        (pad_l + i * step, pad_t + inner_h - v / top * inner_h) for i, (_, v) in enumerate(points)
    ]
    base = pad_t + inner_h
    out.append(f'<line x1="{pad_l}" y1="{base}" x2="{width - pad_r}" y2="{base}" stroke="#999"/>')
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    out.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for (label, value), (x, y) in zip(points, xy, strict=True):
        lab, val = escape(str(label)), escape(_num(value))
        out.append(
            f'<g class="lc-point" data-label="{lab}" data-value="{val}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}"/>'
            f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" {FONT}>{val}</text>'
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" {FONT}>{lab}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def _heat(value: float | None) -> str:
    if value is None:
        return "#eeeeee"
    v = min(1.0, max(0.0, value))
    # white (0) to green (1)
    r, g, b = int(255 - 200 * v), int(255 - 80 * v), int(255 - 200 * v)
    return f"#{r:02x}{g:02x}{b:02x}"


def matrix_chart(
    labels: Sequence[str],
    values: dict[tuple[str, str], float | None],
    *,
    title: str,
    words: Words = ENGLISH,
) -> str:
    """A symmetric matrix (e.g. agreement per annotator pair, 0..1); the diagonal and
    missing pairs show "n/a"."""
    cell, head = 56, 110
    n = len(labels)
    size = head + max(1, n) * cell + 8
    out = _open(size, size, title, "matrix")
    if not labels:
        out.append(f'<text x="8" y="20" {FONT}>{escape(words.no_data)}</text></svg>')
        return "".join(out)
    for i, name in enumerate(labels):
        t = escape(str(name))
        mid = i * cell + cell / 2
        out.append(f'<text x="{head - 6}" y="{head + mid + 4}" text-anchor="end" {FONT}>{t}</text>')
        out.append(f'<text x="{head + mid}" y="{head - 8}" text-anchor="middle" {FONT}>{t}</text>')
    for i, a in enumerate(labels):
        for j, b in enumerate(labels):
            v = None if a == b else values.get((a, b), values.get((b, a)))
            x, y = head + j * cell, head + i * cell
            shown = escape(_num(v))
            out.append(
                f'<g class="lc-cell" data-row="{escape(a)}" data-col="{escape(b)}" '
                f'data-value="{shown}">'
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{_heat(v)}"/>'
                f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                f"{FONT}>{escape(words.missing) if v is None else shown}</text></g>"
            )
    out.append("</svg>")
    return "".join(out)
