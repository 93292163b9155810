"""Region geometry for agreement: IoU of boxes and polygons, greedy matching.

    from labelcore.quality.geometry import box_iou, polygon_iou, greedy_match
    box_iou((0, 0, 10, 10), (5, 0, 10, 10))                   # 1/3
    greedy_match([[0.9, 0.1]], threshold=0.5)                  # [(0, 0, 0.9)]

Coordinates are Label Studio's percentages of the image size. Boxes are axis aligned
(``rotation`` is ignored). Polygon areas are exact along x and integrated with the
midpoint rule over ``ROWS`` horizontal bands along y (error below 1% of the joint bounding
box area for ordinary shapes); self-intersecting polygons use the even-odd rule.
"""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x, y, width, height

ROWS = 512


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``(x, y, width, height)`` boxes (0 when both empty)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def box_polygon(box: Box) -> list[Point]:
    x, y, w, h = box
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def _row_intervals(poly: Sequence[Point], y: float) -> list[tuple[float, float]]:
    xs: list[float] = []
    n = len(poly)
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        if (y1 <= y < y2) or (y2 <= y < y1):
            xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    xs.sort()
    return [(xs[k], xs[k + 1]) for k in range(0, len(xs) - 1, 2)]


def _length(intervals: list[tuple[float, float]]) -> float:
    return sum(b - a for a, b in intervals)


def _intersect(p: list[tuple[float, float]], q: list[tuple[float, float]]) -> float:
    total = 0.0
    i = j = 0
    while i < len(p) and j < len(q):
        lo, hi = max(p[i][0], q[j][0]), min(p[i][1], q[j][1])
        if hi > lo:
            total += hi - lo
        if p[i][1] < q[j][1]:
            i += 1
        else:
            j += 1
    return total


def polygon_iou(a: Sequence[Point], b: Sequence[Point]) -> float:
    """IoU of two simple polygons given as point lists (fewer than 3 points: area 0)."""
    if len(a) < 3 or len(b) < 3:
        return 0.0
    y0 = min(min(p[1] for p in a), min(p[1] for p in b))
    y1 = max(max(p[1] for p in a), max(p[1] for p in b))
    if y1 <= y0:
        return 0.0
    step = (y1 - y0) / ROWS
    inter = area_a = area_b = 0.0
    for k in range(ROWS):
        y = y0 + (k + 0.5) * step
        ra, rb = _row_intervals(a, y), _row_intervals(b, y)
        area_a += _length(ra)
        area_b += _length(rb)
        inter += _intersect(ra, rb)
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def greedy_match(iou: Sequence[Sequence[float]], threshold: float) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, iou)`` chosen greedily: the highest IoU first, each row and column
    used at most once, only pairs with ``iou >= threshold``. Greedy (not Hungarian): it can
    miss the assignment with the largest total IoU in contrived ties, and is what
    detection benchmarks usually do."""
    candidates = sorted(
        ((v, i, j) for i, row in enumerate(iou) for j, v in enumerate(row) if v >= threshold),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    used_i: set[int] = set()
    used_j: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for v, i, j in candidates:
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            pairs.append((i, j, v))
    return pairs
