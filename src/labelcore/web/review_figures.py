"""The regions of an image annotation drawn over its image on the server-rendered review
pages (no JavaScript): an SVG over the ``<img>`` with Label Studio's percent coordinates as
its user units, so boxes, polygons, ellipses and keypoints show where they are.

    figures = image_figures(cfg, resolved_data, annotation.result)
    # [{"name": "img", "url": "...", "shapes": [{"kind": "rect", "x": 10.0, ...}]}]

Only what an attribute can carry leaves here: numbers (clamped), a label text (escaped by the
template) and an image URL that is https, a same-site path, or an inline image; anything else
is left out, not drawn.
"""

from __future__ import annotations

import math
from typing import Any

from labelcore.config import LabelConfig

_SHAPE_TYPES = {
    "rectangle": "rect",
    "rectanglelabels": "rect",
    "polygon": "poly",
    "polygonlabels": "poly",
    "ellipse": "ellipse",
    "ellipselabels": "ellipse",
    "keypoint": "point",
    "keypointlabels": "point",
}
_LIMIT = 1000.0  # percent units outside [-1000, 1000] are no drawing, only noise


def safe_image_url(url: Any) -> str | None:
    """The URL if an ``<img src>`` may carry it: https, a same-site path (not ``//host`` or
    ``/\\host``), or an inline ``data:image/``; otherwise None. Whitespace and control
    characters anywhere refuse it (browsers drop tabs and newlines: ``/<tab>/host`` is
    ``//host``)."""
    if not isinstance(url, str) or not url or any(ord(ch) < 33 for ch in url):
        return None
    if url[:11].lower().startswith(("https://", "data:image/")):
        return url
    if url.startswith("/") and url[1:2] not in ("/", "\\"):
        return url
    return None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or abs(number) > _LIMIT:
        return None
    return round(number, 3)


def _size(value: Any) -> float | None:
    """An image side in pixels (1 to 1,000,000), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 1 <= value <= 1_000_000 else None


def _labels(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    for key, labels in value.items():
        if key.endswith("labels") and isinstance(labels, list):
            return ", ".join(str(x) for x in labels if isinstance(x, str))
    return None


def _split_labels(result: list[Any], name: str) -> dict[str, str]:
    """Region id -> its labels from ``labels`` results on image ``name``: the labels of a
    label-less tool's region (Rectangle beside Labels) are a second result with its id."""
    out: dict[str, str] = {}
    for item in result:
        if isinstance(item, dict) and item.get("type") == "labels" and item.get("to_name") == name:
            said = _labels(item.get("value"))
            if said is not None:
                out[str(item.get("id"))] = said
    return out


def _shape(item: dict[str, Any], split: dict[str, str]) -> dict[str, Any] | None:
    kind = _SHAPE_TYPES.get(str(item.get("type", "")).lower())
    value = item.get("value")
    if kind is None or not isinstance(value, dict):
        return None
    label = _labels(value) or split.get(str(item.get("id")), kind)
    if kind == "poly":
        raw = value.get("points")
        if not isinstance(raw, list):
            return None
        pairs = [(_num(p[0]), _num(p[1])) for p in raw if isinstance(p, list) and len(p) >= 2]
        if len(pairs) < 2 or any(x is None or y is None for x, y in pairs):
            return None
        return {"kind": kind, "points": " ".join(f"{x},{y}" for x, y in pairs), "label": label}
    x, y = _num(value.get("x")), _num(value.get("y"))
    if x is None or y is None:
        return None
    if kind == "point":
        return {"kind": kind, "x": x, "y": y, "label": label}
    if kind == "ellipse":
        rx, ry = _num(value.get("radiusX")), _num(value.get("radiusY"))
        if rx is None or ry is None:
            return None
        shape = {"kind": kind, "x": x, "y": y, "rx": abs(rx), "ry": abs(ry), "label": label}
    else:
        w, h = _num(value.get("width")), _num(value.get("height"))
        if w is None or h is None:
            return None
        shape = {"kind": kind, "x": x, "y": y, "w": abs(w), "h": abs(h), "label": label}
    # a box turns about its corner (x, y), an ellipse about its centre (x, y); "" is none
    rotation = _num(value.get("rotation")) or 0.0
    shape["transform"] = _rotation(rotation, x, y, item) if rotation else ""
    return shape


def _rotation(degrees: float, x: float, y: float, item: dict[str, Any]) -> str:
    """An SVG transform turning a shape by ``degrees`` about (x, y), both in percent
    units. The turn is made in pixels: with the image's size (Label Studio's
    ``original_width``/``original_height``) a percent square is a w:h rectangle, so a plain
    rotate() would shear a box on a non-square image; without the size it is the best guess."""
    ow, oh = _size(item.get("original_width")), _size(item.get("original_height"))
    if ow is None or oh is None:
        return f"rotate({degrees} {x} {y})"
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    a, b, c, d = cos, sin * ow / oh, -sin * oh / ow, cos
    e, f = x - (a * x + c * y), y - (b * x + d * y)
    return "matrix(" + " ".join(f"{v:.6g}" for v in (a, b, c, d, e, f)) + ")"


def image_figures(cfg: LabelConfig, data: dict[str, Any], result: Any) -> list[dict[str, Any]]:
    """One figure per Image tag of the config whose (resolved) URL may be shown, with the
    result's regions on it; images without a region are left out."""
    if not isinstance(result, list):
        return []
    out: list[dict[str, Any]] = []
    for name, obj in cfg.objects.items():
        if obj.tag.lower() != "image" or not obj.data_key:
            continue
        url = safe_image_url(data.get(obj.data_key))
        split = _split_labels(result, name)
        shapes = [
            s
            for item in result
            if isinstance(item, dict) and item.get("to_name") == name
            for s in [_shape(item, split)]
            if s is not None
        ]
        if url is not None and shapes:
            out.append({"name": name, "url": url, "shapes": shapes})
    return out
