"""Image formats: COCO, YOLO (boxes, polygons, pose keypoints), YOLO_OBB and Pascal VOC.

    from labelcore.formats._vision import write_yolo
    write_yolo(ctx, tasks, ZipSink(out))   # labels/<image>.txt, classes.txt, notes.json

Class ids and names, coordinates and file layout follow Label Studio's converter; where
it is wrong the docstrings say what is done instead (docs/export.md lists them).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from typing import IO, Any
from xml.sax.saxutils import escape

from labelcore._jsontext import export_dumps
from labelcore.formats._context import Context
from labelcore.formats._files import Sink, safe_basename, write_member
from labelcore.formats._items import Item, dim, image_dims, pick_item, task_items

_LABEL_KEYS = ("rectanglelabels", "polygonlabels", "keypointlabels", "labels")
_DUMPS = export_dumps


def _task_image(ctx: Context, task: Mapping[str, Any]) -> tuple[Item | None, Any, str]:
    """The one item written for the task, its image reference and a safe file name."""
    item = pick_item(list(task_items(task, ctx.schema)))
    data = task.get("data")
    ref = data.get(ctx.data_key) if isinstance(data, Mapping) and ctx.data_key else None
    if isinstance(ref, list):  # valueList images are refused by supported_formats
        ref = ref[0] if ref else None
    return item, ref, safe_basename(ref, f"task-{task.get('id')}")


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _has_box(v: Mapping[str, Any]) -> bool:
    for key in ("x", "y", "width", "height"):  # _finite of each, inlined (a call per region)
        c = v.get(key)
        if not isinstance(c, int | float) or isinstance(c, bool) or not math.isfinite(c):
            return False
    return True


def _points(v: Mapping[str, Any]) -> list[tuple[float, float]] | None:
    pts = v.get("points")
    if not isinstance(pts, list) or not pts:
        return None
    out = []
    for p in pts:
        if not (isinstance(p, list | tuple) and len(p) >= 2):
            return None
        if not all(_finite(c) for c in p[:2]):
            return None
        out.append((float(p[0]), float(p[1])))
    return out


def rotated_box(v: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """The axis-aligned box (percent x, y, w, h) around a rectangle rotated about its
    top-left corner by ``rotation`` degrees (Label Studio's geometry)."""
    if not _has_box(v):
        return None
    x, y, w, h = v["x"], v["y"], v["width"], v["height"]
    r = v.get("rotation") or 0.0
    if not _finite(r) or abs(r) == 0:
        return x, y, w, h
    try:
        return _rotated(x, y, w, h, r)
    except (OverflowError, ValueError):
        return None


def _rotated(x: float, y: float, w: float, h: float, r: float) -> tuple[float, float, float, float]:
    alpha = math.atan(h / w) if w else math.pi / 2
    beta = math.pi * (r / 180)
    radius = math.sqrt((w / 2) ** 2 + (h / 2) ** 2)
    x0 = x - radius * (math.cos(math.pi - alpha - beta) - math.cos(math.pi - alpha)) + w / 2
    y0 = y + radius * (math.sin(math.pi - alpha - beta) - math.sin(math.pi - alpha)) + h / 2
    thetas = (
        alpha + beta,
        math.pi - alpha + beta,
        math.pi + alpha + beta,
        2 * math.pi - alpha + beta,
    )
    xs = [x0 + radius * math.cos(t) for t in thetas]
    ys = [y0 + radius * math.sin(t) for t in thetas]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _add_category(categories: list[dict[str, Any]], name_to_id: dict[str, int], name: str) -> None:
    """A label missing from the config (dynamic labels) gets the next id after the largest
    (Label Studio uses the list length, which can repeat an explicit ``category`` id)."""
    new_id = max((int(c["id"]) for c in categories), default=-1) + 1
    name_to_id[name] = new_id
    categories.append({"id": new_id, "name": name})


def _category_name(v: Mapping[str, Any]) -> str | None:
    for key in _LABEL_KEYS:
        labels = v.get(key)
        if isinstance(labels, list) and labels:
            return str(labels[0])
    return None


# -- COCO -------------------------------------------------------------------------------------


def coco_categories(ctx: Context) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Label Studio's COCO categories: the converter's class ids, with keypoint labels
    replaced by one ``default`` category (next free id) that lists them."""
    cats, _ = ctx.schema.categories()
    kp_labels = ctx.schema.labels_of("KeyPointLabels")
    out: list[dict[str, Any]] = [
        {"id": c.id, "name": c.name} for c in cats if c.name not in kp_labels
    ]
    mapping: dict[str, int] = {c.name: c.id for c in cats if c.name not in kp_labels}
    if kp_labels:
        merged = max((c["id"] for c in out), default=-1) + 1
        out.append(
            {
                "id": merged,
                "name": "default",
                "supercategory": "default",
                "keypoints": kp_labels,
                "skeleton": [],
            }
        )
        mapping.update(dict.fromkeys(kp_labels, merged))
    return out, mapping


def write_coco(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    """``result.json`` with images, categories and annotations (boxes, polygons as
    segmentation, keypoints). One image per task, sized from its results or a local file
    header; images and annotations are spooled to temporary files, not held in memory."""
    categories, name_to_id = coco_categories(ctx)
    kp_order = ctx.schema.keypoint_order()
    obj_name = ctx.object_for_key(ctx.data_key)
    n_images = n_anns = 0
    with tempfile.TemporaryFile() as images, tempfile.TemporaryFile() as anns:
        for task in tasks:
            item, ref, name = _task_image(ctx, task)
            ctx.counted()
            if item is None:
                continue
            width, height = image_dims(task, obj_name or "", ctx.media, ref)
            image_id = n_images
            image = {
                "width": width,
                "height": height,
                "id": image_id,
                "file_name": "images/" + name,
            }
            _spool(images, image, n_images)
            n_images += 1
            keypoints: list[dict[str, Any]] = []
            for region in item.regions:
                v = region.flat()
                cat_name = _category_name(v)
                if cat_name is None:
                    continue
                ow = dim(v.get("original_width")) or width
                oh = dim(v.get("original_height")) or height
                if not ow or not oh:
                    ctx.warn(f"task {task.get('id')}: image size unknown; region left out")
                    continue
                if cat_name not in name_to_id:
                    _add_category(categories, name_to_id, cat_name)
                cat_id = name_to_id[cat_name]
                ann = _coco_shape(v, ow, oh, width or ow, height or oh)
                if ann is None:
                    if "keypointlabels" in v and _has_point(v):
                        keypoints.append(dict(v, original_width=ow, original_height=oh))
                    continue
                ann = {"id": n_anns, "image_id": image_id, "category_id": cat_id, **ann}
                _spool(anns, ann, n_anns)
                n_anns += 1
            if keypoints and kp_order:
                ann = _coco_keypoints(keypoints, kp_order, n_anns, image_id, name_to_id)
                _spool(anns, ann, n_anns)
                n_anns += 1
        now = ctx.now
        info = {
            "year": now.year,
            "version": "1.0",
            "description": "",
            "contributor": "labelcore",
            "url": "",
            "date_created": now.isoformat(),
        }
        with sink.open("result.json") as out:
            out.write(b'{\n  "images": [')
            _unspool(images, out, n_images)
            out.write(b'],\n  "categories": [')
            _unspool_list(categories, out)
            out.write(b'],\n  "annotations": [')
            _unspool(anns, out, n_anns)
            out.write(b'],\n  "info": ' + json.dumps(info).encode() + b"\n}\n")


def _has_point(v: Mapping[str, Any]) -> bool:
    return _finite(v.get("x")) and _finite(v.get("y"))


def _coco_shape(
    v: Mapping[str, Any], ow: float, oh: float, width: float, height: float
) -> dict[str, Any] | None:
    if ("rectanglelabels" in v or "labels" in v) and _has_box(v):
        box = rotated_box(v)
        if box is None:
            return None
        x, y, w, h = box
        x, y, w, h = x * ow / 100, y * oh / 100, w * ow / 100, h * oh / 100
        return {"segmentation": [], "bbox": [x, y, w, h], "ignore": 0, "iscrowd": 0, "area": w * h}
    pts = _points(v)
    if ("polygonlabels" in v or "labels" in v) and pts:
        absolute = [(px / 100 * width, py / 100 * height) for px, py in pts]
        xs = [p[0] for p in absolute]
        ys = [p[1] for p in absolute]
        return {
            "segmentation": [[c for p in absolute for c in p]],
            "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
            "ignore": 0,
            "iscrowd": 0,
            "area": _shoelace(xs, ys),
        }
    return None


def _shoelace(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    s = sum(xs[i] * ys[i - 1] for i in range(n)) - sum(ys[i] * xs[i - 1] for i in range(n))
    return float(0.5 * abs(s))


def _coco_keypoints(
    points: list[dict[str, Any]],
    kp_order: list[str],
    ann_id: int,
    image_id: int,
    name_to_id: Mapping[str, int],
) -> dict[str, Any]:
    flat = [0] * (len(kp_order) * 3)
    for kp in points:
        x = kp["x"] / 100 * kp["original_width"]
        y = kp["y"] / 100 * kp["original_height"]
        labels = kp.get("keypointlabels") or []
        for label in labels:
            if label in kp_order:
                i = kp_order.index(label)
                flat[3 * i : 3 * i + 3] = [int(round(x)), int(round(y)), 2]
    visible = [i for i in range(len(kp_order)) if flat[3 * i + 2] > 0]
    if visible:
        xs = [flat[3 * i] for i in visible]
        ys = [flat[3 * i + 1] for i in visible]
        bbox = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    else:
        bbox = [0, 0, 0, 0]
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": name_to_id.get(kp_order[0], 0),
        "keypoints": flat,
        "num_keypoints": len(visible),
        "bbox": bbox,
        "iscrowd": 0,
    }


def _spool(f: IO[bytes], obj: Any, index: int) -> None:
    f.write((b",\n    " if index else b"\n    ") + _DUMPS(obj).encode())


def _unspool(f: IO[bytes], out: IO[bytes], count: int) -> None:
    f.seek(0)
    while chunk := f.read(1 << 20):
        out.write(chunk)
    if count:
        out.write(b"\n  ")


def _unspool_list(items: list[dict[str, Any]], out: IO[bytes]) -> None:
    for i, obj in enumerate(items):
        _spool(out, obj, i)
    if items:
        out.write(b"\n  ")


# -- YOLO -------------------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{x}"


def write_yolo(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    _write_yolo(ctx, tasks, sink, obb=False)


def write_yolo_obb(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    _write_yolo(ctx, tasks, sink, obb=True)


def _write_yolo(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink, *, obb: bool) -> None:
    """``labels/<image name>.txt`` per task (empty for a task without regions),
    ``classes.txt`` and ``notes.json``. With KeyPointLabels in the config, lines are YOLO
    pose lines: a box per RectangleLabels region followed by its keypoints."""
    kp_labels = ctx.schema.labels_of("KeyPointLabels")
    pose = bool(kp_labels)
    if pose:
        rect_labels = ctx.schema.labels_of("RectangleLabels")
        categories: list[dict[str, Any]] = [
            {"id": i, "name": n, "keypoints": kp_labels} for i, n in enumerate(rect_labels)
        ]
        name_to_id = {n: i for i, n in enumerate(rect_labels)}
    else:
        cats, name_to_id = ctx.schema.categories()
        categories = [{"id": c.id, "name": c.name} for c in cats]
    obj_name = ctx.object_for_key(ctx.data_key) or ""
    used: set[str] = set()
    for task in tasks:
        item, ref, name = _task_image(ctx, task)
        ctx.counted()
        if item is None:
            continue
        stem = os.path.splitext(name)[0][: 255 - 4]
        if stem in used:
            renamed = f"{stem}__task-{task.get('id')}"
            ctx.warn(
                f"task {task.get('id')}: another task has an image named {stem!r}; "
                f"labels written to {renamed}.txt"
            )
            stem = renamed
        used.add(stem)
        if pose:
            lines = _pose_lines(item, name_to_id, ctx.schema.keypoint_order() or kp_labels)
        else:
            # only oriented boxes need the image size (YOLO does not read predictions)
            dims = image_dims(task, obj_name, ctx.media, ref) if obb else (None, None)
            lines = _yolo_lines(ctx, item, name_to_id, categories, obb, dims)
        write_member(sink, f"labels/{stem}.txt", "".join(line + "\n" for line in lines).encode())
    with sink.open("classes.txt") as out:
        out.write("".join(name + "\n" for name in class_lines(categories)).encode())
    notes = {
        "categories": categories,
        "info": {"year": ctx.now.year, "version": "1.0", "contributor": "labelcore"},
    }
    with sink.open("notes.json") as out:
        out.write(json.dumps(notes, indent=2, ensure_ascii=False).encode())


def class_lines(categories: list[dict[str, Any]]) -> list[str]:
    """``classes.txt``: line N names class N. Label Studio writes the names in list order,
    which puts labels with an explicit ``category`` on the wrong line; ids nobody uses
    are written as ``class_<id>`` so the line numbers stay right."""
    by_id = {int(c["id"]): str(c["name"]) for c in categories}
    top = max(by_id, default=-1)
    return [by_id.get(i, f"class_{i}") for i in range(top + 1)]


def _yolo_lines(
    ctx: Context,
    item: Item,
    name_to_id: dict[str, int],
    categories: list[dict[str, Any]],
    obb: bool,
    dims: tuple[Any, Any],
) -> list[str]:
    lines: list[str] = []
    for region in item.regions:
        v = region.flat()
        names: list[str] = []
        for key in ("rectanglelabels", "polygonlabels", "labels"):
            labels = v.get(key)
            if isinstance(labels, list):
                names.extend(str(n) for n in labels)
        for cat_name in names:
            if cat_name not in name_to_id:
                _add_category(categories, name_to_id, cat_name)
            cat_id = name_to_id[cat_name]
            if _has_box(v):
                coords = _obb(v, dims) if obb else _yolo_box(v)
                if coords is None:
                    ctx.warn(f"task {item.task.get('id')}: image size unknown; box left out")
                    continue
                lines.append(" ".join([str(cat_id), *map(_num, coords)]))
            elif (pts := _points(v)) is not None:
                flat = [c for px, py in pts for c in (px / 100, py / 100)]
                lines.append(" ".join([str(cat_id), *map(_num, flat)]))
    return lines


def _yolo_box(v: Mapping[str, Any]) -> list[float] | None:
    """Center x, y, width, height as fractions; a rotated box becomes the axis-aligned box
    around it (Label Studio writes the unrotated box)."""
    box = rotated_box(v)
    if box is None:
        return None
    x, y, w, h = box
    return [(x + w / 2) / 100, (y + h / 2) / 100, w / 100, h / 100]


def _obb(v: Mapping[str, Any], dims: tuple[Any, Any]) -> list[float] | None:
    """The four corners (normalised) of a rotated box; rotation 0 when absent (Label
    Studio leaves such boxes out)."""
    ow = dim(v.get("original_width")) or dim(dims[0])
    oh = dim(v.get("original_height")) or dim(dims[1])
    if not ow or not oh:
        return None
    x, y = v["x"] / 100 * ow, v["y"] / 100 * oh
    w, h = v["width"] / 100 * ow, v["height"] / 100 * oh
    r = v.get("rotation") or 0
    rot = math.radians(r if _finite(r) else 0)
    cos, sin = math.cos(rot), math.sin(rot)
    corners = [
        (x, y),
        (x + w * cos, y + w * sin),
        (x + w * cos - h * sin, y + w * sin + h * cos),
        (x - h * sin, y + h * cos),
    ]
    return [c for px, py in corners for c in (px / ow, py / oh)]


def _pose_lines(item: Item, name_to_id: Mapping[str, int], kp_order: list[str]) -> list[str]:
    """``class cx cy w h`` then ``x y 2`` for each keypoint in ``model_index`` order
    (``0.0 0.0 0`` when absent). Without ``model_index`` attributes the config's label
    order is used (Label Studio then writes no keypoints at all)."""
    regions = item.regions
    lines = []
    for rect in regions:
        v = rect.flat()
        if rect.tag != "RectangleLabels" or not _has_box(v):
            continue
        labels = v.get("rectanglelabels")
        if not isinstance(labels, list) or not labels or not isinstance(labels[0], str):
            continue
        if labels[0] not in name_to_id:
            continue
        w, h = v["width"] / 100, v["height"] / 100
        parts: list[float] = [v["x"] / 100 + w / 2, v["y"] / 100 + h / 2, w, h]
        found: dict[str, tuple[float, float]] = {}
        for kp in regions:
            kv = kp.value
            kp_labels = kv.get("keypointlabels")
            if (
                kp.tag == "KeyPointLabels"
                and rect.id is not None
                and kp.parent_id == rect.id
                and isinstance(kp_labels, list)
                and kp_labels
                and _has_point(kv)
            ):
                found[str(kp_labels[0])] = (kv["x"] / 100, kv["y"] / 100)
        text = [str(name_to_id[labels[0]]), *map(_num, parts)]
        for label in kp_order:
            if label in found:
                text += [_num(found[label][0]), _num(found[label][1]), "2"]
            else:
                text += ["0.0", "0.0", "0"]
        lines.append(" ".join(text))
    return lines


# -- Pascal VOC -------------------------------------------------------------------------------


def write_voc(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    """``Annotations/<image name>.xml`` per task with boxes, in Label Studio's layout."""
    obj_name = ctx.object_for_key(ctx.data_key) or ""
    used: set[str] = set()
    for task in tasks:
        item, ref, name = _task_image(ctx, task)
        ctx.counted()
        if item is None or not item.outputs:
            continue
        boxes = [r.flat() for r in item.regions]
        first = boxes[0] if boxes else {}
        width = dim(first.get("original_width"))
        height = dim(first.get("original_height"))
        if not width or not height:
            width, height = image_dims(task, obj_name, ctx.media, ref)
        if not width or not height:
            ctx.warn(f"task {task.get('id')}: image size unknown; left out of VOC")
            continue
        stem = os.path.splitext(name)[0]
        if stem in used:
            stem = f"{stem}__task-{task.get('id')}"
        used.add(stem)
        xml = _voc_xml(name, str(item.annotator("")), width, height, boxes)
        write_member(sink, f"Annotations/{stem}.xml", xml.encode())


def _voc_xml(
    name: str, annotator: str, width: Any, height: Any, boxes: list[dict[str, Any]]
) -> str:
    def el(tag: str, text: object) -> str:
        return f"<{tag}>{escape(str(text))}</{tag}>\n"

    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<annotation>\n']
    parts += [el("folder", "images"), el("filename", name)]
    parts.append("<source>\n")
    parts += [el("database", "MyDatabase"), el("annotation", "COCO2017"), el("image", "flickr")]
    parts += [el("flickrid", "NULL"), el("annotator", annotator), "</source>\n"]
    parts += ["<owner>\n", el("flickrid", "NULL"), el("name", "Label Studio"), "</owner>\n"]
    parts += ["<size>\n", el("width", width), el("height", height), el("depth", 3), "</size>\n"]
    parts.append(el("segmented", 0))
    for v in boxes:
        key = "rectanglelabels" if "rectanglelabels" in v else ("labels" if "labels" in v else None)
        labels = v.get(key) if key else None
        box = rotated_box(v)
        if not isinstance(labels, list) or not labels or box is None:
            continue
        try:
            x = int(box[0] / 100 * width)
            y = int(box[1] / 100 * height)
            w = int(box[2] / 100 * width)
            h = int(box[3] / 100 * height)
        except (OverflowError, ValueError):  # coordinates too large to be a real box
            continue
        parts += ["<object>\n", el("name", labels[0]), el("pose", "Unspecified")]
        parts += [el("truncated", 0), el("difficult", 0), "<bndbox>\n"]
        parts += [el("xmin", x), el("ymin", y), el("xmax", x + w), el("ymax", y + h)]
        parts.append("</bndbox>\n</object>\n")
    parts.append("</annotation>\n")
    return "".join(parts)
