"""COCO and YOLO datasets turned into Label Studio tasks (with predictions) for import.

    from labelcore.formats.imports import coco_to_tasks, yolo_to_tasks
    tasks, config_xml = coco_to_tasks(json.load(open("instances.json")))
    tasks, config_xml = yolo_to_tasks(Path("dataset"), image_root_url="/data/upload/1/")

Each image becomes one task whose ``data.image`` is ``image_root_url`` joined with the file
name; its boxes, polygons and keypoints become one prediction (or annotation, with
``out_type="annotations"``) in percent coordinates, as Label Studio's own converter does.
A labeling config that fits the result is generated too. Region ids are deterministic
(``<image>-<n>``), so converting twice gives the same file. Malformed datasets raise
ValidationError naming the item.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit
from xml.sax.saxutils import quoteattr

from labelcore.errors import ValidationError
from labelcore.formats._media import image_size

__all__ = ["coco_to_tasks", "join_image_url", "label_config_for", "yolo_to_tasks"]

DEFAULT_ROOT = "/data/local-files/?d="


def join_image_url(root: str, file_name: str) -> str:
    """``root`` + ``file_name``: appended to the ``d`` parameter of a local-files URL,
    else URL-quoted onto the path."""
    rel = "/".join(p for p in file_name.replace("\\", "/").split("/") if p)
    parts = urlsplit(root)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if parts.path.rstrip("/").endswith("/data/local-files") and any(k == "d" for k, _ in query):
        items = [
            (k, f"{v.rstrip('/')}/{rel}" if v else rel) if k == "d" else (k, v) for k, v in query
        ]
        encoded = urlencode(items, quote_via=quote, safe="/")
        return urlunsplit((parts.scheme, parts.netloc, parts.path, encoded, parts.fragment))
    return f"{root.rstrip('/')}/{quote(rel, safe='/')}"


def label_config_for(labels: Iterable[str], tags: Mapping[str, str], to_name: str = "image") -> str:
    """A labeling config with an Image and one control per ``{from_name: tag}``, each
    offering ``labels``."""
    label_lines = "".join(f"    <Label value={quoteattr(label)}/>\n" for label in labels)
    body = "".join(
        f"  <{tag} name={quoteattr(name)} toName={quoteattr(to_name)}>\n{label_lines}  </{tag}>\n"
        for name, tag in tags.items()
    )
    return f'<View>\n  <Image name={quoteattr(to_name)} value="$image"/>\n{body}</View>\n'


def _error(where: str, message: str) -> ValidationError:
    return ValidationError(f"{where}: {message}", code="convert.invalid_dataset")


def _num(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise _error(where, f"expected a number, got {v!r}")
    return float(v)


def _task(root: str, file_name: str, out_type: str, model_version: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"result": []}
    if out_type == "predictions":
        entry["model_version"] = model_version
    else:
        entry["ground_truth"] = False
    return {"data": {"image": join_image_url(root, file_name)}, out_type: [entry]}


def coco_to_tasks(
    coco: Any,
    *,
    to_name: str = "image",
    from_name: str = "label",
    out_type: str = "predictions",
    image_root_url: str = DEFAULT_ROOT,
    use_super_categories: bool = False,
    point_width: float = 1.0,
    model_version: str = "coco",
) -> tuple[list[dict[str, Any]], str]:
    """Tasks (one per COCO image, in image id order) and a fitting labeling config."""
    if out_type not in ("predictions", "annotations"):
        raise ValidationError("out_type must be 'predictions' or 'annotations'")
    if not isinstance(coco, Mapping):
        raise _error("COCO", "expected a JSON object with images, categories, annotations")
    categories: dict[int, str] = {}
    for i, cat in enumerate(_list(coco, "categories")):
        where = f"categories[{i}]"
        if not isinstance(cat, Mapping) or not isinstance(cat.get("id"), int):
            raise _error(where, "needs an integer 'id'")
        name = str(cat.get("name", cat["id"]))
        if use_super_categories and cat.get("supercategory"):
            name = f"{cat['supercategory']}:{name}"
        categories[cat["id"]] = name
    images: dict[Any, Mapping[str, Any]] = {}
    tasks: dict[Any, dict[str, Any]] = {}
    for i, image in enumerate(_list(coco, "images")):
        if not isinstance(image, Mapping) or "id" not in image or "file_name" not in image:
            raise _error(f"images[{i}]", "needs 'id' and 'file_name'")
        if not isinstance(image["id"], int | str):
            raise _error(f"images[{i}]", "'id' must be a number or a string")
        images[image["id"]] = image
        tasks[image["id"]] = _task(image_root_url, str(image["file_name"]), out_type, model_version)
    tags: dict[str, str] = {}
    counters: dict[Any, int] = {}
    for i, ann in enumerate(_list(coco, "annotations")):
        where = f"annotations[{i}]"
        if not isinstance(ann, Mapping):
            raise _error(where, "must be an object")
        image_id, cat_id = ann.get("image_id"), ann.get("category_id")
        image = images.get(image_id) if isinstance(image_id, int | str) else None
        if image is None:
            raise _error(where, f"image_id {ann.get('image_id')!r} is not in images")
        label = categories.get(cat_id) if isinstance(cat_id, int) else None
        if label is None:
            raise _error(where, f"category_id {ann.get('category_id')!r} is not in categories")
        w = _num(image.get("width"), f"images id {image['id']} width")
        h = _num(image.get("height"), f"images id {image['id']} height")
        if w <= 0 or h <= 0:
            raise _error(f"images id {image['id']}", "width and height must be positive")
        result = tasks[image["id"]][out_type][0]["result"]

        def rid(image_id: Any = image["id"]) -> str:
            counters[image_id] = counters.get(image_id, 0) + 1
            return f"{image_id}-{counters[image_id]}"

        base = {
            "to_name": to_name,
            "image_rotation": 0,
            "original_width": image["width"],
            "original_height": image["height"],
        }
        bbox = ann.get("bbox")
        if bbox is not None:
            if not isinstance(bbox, list) or len(bbox) != 4:
                raise _error(where, "bbox must be [x, y, width, height]")
            x, y, bw, bh = (_num(v, where + ".bbox") for v in bbox)
            tags[f"{from_name}_rectangles"] = "RectangleLabels"
            result.append(
                {
                    "id": rid(),
                    "type": "rectanglelabels",
                    "from_name": f"{from_name}_rectangles",
                    **base,
                    "value": {
                        "x": x / w * 100,
                        "y": y / h * 100,
                        "width": bw / w * 100,
                        "height": bh / h * 100,
                        "rotation": 0,
                        "rectanglelabels": [label],
                    },
                }
            )
        segmentation = ann.get("segmentation")
        if isinstance(segmentation, list) and ann.get("iscrowd", 0) != 1:
            for poly in segmentation:
                if not isinstance(poly, list) or len(poly) < 6 or len(poly) % 2:
                    raise _error(where, "a segmentation polygon needs x, y pairs (3 or more)")
                coords = [_num(v, where + ".segmentation") for v in poly]
                points = [
                    [coords[k] / w * 100, coords[k + 1] / h * 100] for k in range(0, len(coords), 2)
                ]
                tags[f"{from_name}_polygons"] = "PolygonLabels"
                result.append(
                    {
                        "id": rid(),
                        "type": "polygonlabels",
                        "from_name": f"{from_name}_polygons",
                        **base,
                        "value": {"points": points, "polygonlabels": [label]},
                    }
                )
        keypoints = ann.get("keypoints")
        if keypoints is not None:
            if not isinstance(keypoints, list) or len(keypoints) % 3:
                raise _error(where, "keypoints must be x, y, visibility triples")
            tags[f"{from_name}_keypoints"] = "KeyPointLabels"
            for k in range(0, len(keypoints), 3):
                kx, ky, vis = (_num(v, where + ".keypoints") for v in keypoints[k : k + 3])
                value: dict[str, Any] = {
                    "x": kx / w * 100,
                    "y": ky / h * 100,
                    "width": point_width,
                    "keypointlabels": [label],
                }
                if vis < 2:
                    value["hidden"] = True
                result.append(
                    {
                        "id": rid(),
                        "type": "keypointlabels",
                        "from_name": f"{from_name}_keypoints",
                        **base,
                        "value": value,
                    }
                )
    ordered = [tasks[key] for key in sorted(tasks, key=_sort_key)]
    labels = [categories[k] for k in sorted(categories)]
    return ordered, label_config_for(
        labels, tags or {f"{from_name}_rectangles": "RectangleLabels"}, to_name
    )


def _sort_key(v: Any) -> tuple[int, Any]:
    return (0, v) if isinstance(v, int) else (1, str(v))


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    val = obj.get(key, [])
    if not isinstance(val, list):
        raise _error("COCO", f"'{key}' must be a list")
    return val


def yolo_to_tasks(
    input_dir: str | os.PathLike[str],
    *,
    to_name: str = "image",
    from_name: str = "label",
    out_type: str = "predictions",
    image_root_url: str = "/data/local-files/?d=images",
    image_ext: Iterable[str] = (".jpg", ".jpeg", ".png"),
    image_dims: tuple[int, int] | None = None,
    model_version: str = "yolo",
) -> tuple[list[dict[str, Any]], str]:
    """Tasks for ``images/*`` of a YOLO dataset (``classes.txt``, ``labels/<stem>.txt``)
    and a fitting labeling config. Box lines (``class cx cy w h [score]``) become
    rectangles, longer lines (``class x1 y1 x2 y2 ...``) polygons. Image sizes come from
    the image headers unless ``image_dims`` is given."""
    root = Path(input_dir)
    classes_file = root / "classes.txt"
    if not classes_file.is_file():
        raise _error(str(root), "classes.txt not found")
    classes = [line.strip() for line in classes_file.read_text(encoding="utf-8").splitlines()]
    images_dir, labels_dir = root / "images", root / "labels"
    if not images_dir.is_dir():
        raise _error(str(root), "images/ directory not found")
    exts = tuple(e.lower() for e in image_ext)
    tags: dict[str, str] = {}
    tasks = []
    for image in sorted(p for p in images_dir.iterdir() if p.suffix.lower() in exts):
        task = _task(image_root_url, image.name, out_type, model_version)
        label_file = labels_dir / (image.stem + ".txt")
        if label_file.is_file():
            dims = image_dims or image_size(image)
            if dims is None:
                raise _error(image.name, "cannot read the image size; pass image_dims")
            result = task[out_type][0]["result"]
            lines = label_file.read_text(encoding="utf-8").splitlines()
            for n, line in enumerate(lines, start=1):
                if line.strip():
                    result.append(
                        _yolo_region(
                            line,
                            f"{label_file.name}:{n}",
                            classes,
                            dims,
                            f"{image.stem}-{len(result) + 1}",
                            from_name,
                            to_name,
                            tags,
                        )
                    )
        else:
            del task[out_type]
        tasks.append(task)
    config = label_config_for(classes, tags or {from_name: "RectangleLabels"}, to_name)
    return tasks, config


def _yolo_region(
    line: str,
    where: str,
    classes: list[str],
    dims: tuple[int, int],
    rid: str,
    from_name: str,
    to_name: str,
    tags: dict[str, str],
) -> dict[str, Any]:
    parts = line.split()
    try:
        cls = int(parts[0])
        nums = [float(p) for p in parts[1:]]
    except ValueError:
        raise _error(where, f"not a YOLO line: {line.strip()[:80]!r}") from None
    if not 0 <= cls < len(classes):
        raise _error(where, f"class {cls} is not in classes.txt ({len(classes)} classes)")
    base = {
        "id": rid,
        "to_name": to_name,
        "image_rotation": 0,
        "original_width": dims[0],
        "original_height": dims[1],
    }
    if len(nums) in (4, 5):
        cx, cy, w, h = nums[:4]
        region = {
            **base,
            "type": "rectanglelabels",
            "from_name": from_name,
            "value": {
                "x": (cx - w / 2) * 100,
                "y": (cy - h / 2) * 100,
                "width": w * 100,
                "height": h * 100,
                "rotation": 0,
                "rectanglelabels": [classes[cls]],
            },
        }
        if len(nums) == 5:
            region["score"] = nums[4]
        tags[from_name] = "RectangleLabels"
        return region
    if len(nums) >= 6 and len(nums) % 2 == 0:
        points = [[nums[k] * 100, nums[k + 1] * 100] for k in range(0, len(nums), 2)]
        name = f"{from_name}_polygons"
        tags[name] = "PolygonLabels"
        return {
            **base,
            "type": "polygonlabels",
            "from_name": name,
            "value": {"points": points, "polygonlabels": [classes[cls]]},
        }
    raise _error(where, f"expected 4 box values (+ score) or polygon pairs, got {len(nums)}")
