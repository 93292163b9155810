"""Export options, task filtering, and tasks turned into per-annotation "items".

    from labelcore.formats._items import ExportOptions, filter_task, task_items
    task = filter_task(task_json, ExportOptions(only_annotated=True))
    for item in task_items(task, schema): item.outputs["label"]

An *item* is what Label Studio's converter works on: one task with one of its annotations
(newest first, skipped ones left out), its regions grouped by control; a task without
annotations gives one item with no regions. Vision formats use one item per task
(:func:`pick_item`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from labelcore.formats._files import LocalMedia
from labelcore.formats._media import image_size
from labelcore.formats._schema import Schema


@attrs.frozen(kw_only=True)
class ExportOptions:
    """What goes into an export.

    ``only_annotated``: leave out tasks without (remaining) annotations, like Label Studio's
    ``download_all_tasks=false``. ``include_predictions`` / ``include_drafts``: keep them in
    the JSON export. ``include_skipped``: keep skipped (cancelled) annotations in the JSON
    export; other formats never contain them, as in Label Studio. ``only_ground_truth``:
    keep only ground-truth annotations. ``media_root``: a local directory where media
    referenced by tasks can be found, used only to read image sizes and audio durations
    from file headers (URLs are never fetched). ``now``: the date written into COCO/YOLO
    metadata (default: the current time).
    """

    only_annotated: bool = False
    include_predictions: bool = True
    include_drafts: bool = False
    include_skipped: bool = True
    only_ground_truth: bool = False
    media_root: str | os.PathLike[str] | None = None
    now: dt.datetime | None = None

    @property
    def keeps_tasks_whole(self) -> bool:
        """True when ``filter_task`` leaves every kept task as it is (the tasks a store
        yields with its ``only_annotated`` and ``include_drafts`` applied): no prediction,
        skipped-annotation or ground-truth filtering."""
        return self.include_predictions and self.include_skipped and not self.only_ground_truth


@attrs.frozen
class EncodedTasks:
    """``count`` tasks already written as the JSON export writes them: each task's
    ``json.dumps(task, ensure_ascii=False)``, joined by ``",\n"``. A store that can build
    that text from its stored JSON yields these (``SQLStore.iter_export_json``); only the
    JSON format takes them, as they are (the store applied the options)."""

    text: str
    count: int


def filter_task(task: Mapping[str, Any], options: ExportOptions) -> dict[str, Any] | None:
    """The task as the export should see it, or None when the options leave it out.
    (Exports of Label Studio before 1.0 call annotations ``completions``.)"""
    raw = task.get("annotations")
    if raw is None:
        raw = task.get("completions")
    anns = [a for a in raw or () if isinstance(a, Mapping)]
    if options.only_ground_truth:
        anns = [a for a in anns if a.get("ground_truth")]
    if not options.include_skipped:
        anns = [a for a in anns if not _cancelled(a)]
    if options.only_annotated and not anns:
        return None
    out = dict(task)  # same key order
    if "completions" in out:
        del out["completions"]
    out["annotations"] = anns
    if not options.include_predictions:
        out["predictions"] = []
    if not options.include_drafts:
        out["drafts"] = []
    return out


def _cancelled(a: Mapping[str, Any]) -> bool:
    return bool(a.get("was_cancelled") or a.get("skipped"))


@attrs.frozen
class Region:
    """One result of an annotation, as the converter sees it."""

    control: str  # from_name
    tag: str  # the control's tag, e.g. "RectangleLabels"
    to_name: str | None
    value: Mapping[str, Any]
    original_width: Any = None
    original_height: Any = None
    id: Any = None
    parent_id: Any = None

    def flat(self) -> dict[str, Any]:
        """The value with ``type`` and original sizes merged in (Label Studio's shape)."""
        v = dict(self.value)
        v["type"] = self.tag
        if self.original_width is not None:
            v["original_width"] = self.original_width
        if self.original_height is not None:
            v["original_height"] = self.original_height
        return v


@attrs.frozen
class Item:
    task: Mapping[str, Any]
    annotation: Mapping[str, Any]  # {} for a task without annotations
    outputs: Mapping[str, list[Region]]  # by control, in first-appearance order

    @property
    def regions(self) -> list[Region]:
        return [r for regions in self.outputs.values() for r in regions]

    @property
    def data(self) -> Mapping[str, Any]:
        data = self.task.get("data")
        return data if isinstance(data, Mapping) else {}

    def annotator(self, default: Any = None, *, int_id: bool = False) -> Any:
        """Label Studio's annotator column: an email for user objects, the id otherwise
        (as a string unless ``int_id``)."""
        who = self.annotation.get("completed_by", {}) if self.annotation else {}
        if isinstance(who, Mapping):
            return who.get("email", default)
        if isinstance(who, int) and not isinstance(who, bool) and int_id:
            return who
        return str(who)


def task_items(task: Mapping[str, Any], schema: Schema) -> Iterator[Item]:
    """Items of one task: each non-skipped annotation, newest first; one empty item for a
    task without annotations (a task whose annotations are all skipped gives none)."""
    anns = [a for a in task.get("annotations") or () if isinstance(a, Mapping)]
    if not anns:
        yield Item(task, {}, {})
        return
    kept = [a for a in anns if not _cancelled(a)]
    kept.sort(key=lambda a: str(a.get("created_at") or ""), reverse=True)
    for ann in kept:
        outputs: dict[str, list[Region]] = {}
        for r in ann.get("result") or ():
            region = _region(r, schema)
            if region is not None:
                outputs.setdefault(region.control, []).append(region)
        yield Item(task, ann, outputs)


def _region(r: Any, schema: Schema) -> Region | None:
    if not isinstance(r, Mapping):
        return None
    from_name = r.get("from_name")
    value = r.get("value")
    if not isinstance(from_name, str) or not isinstance(value, Mapping):
        return None
    tag = schema.control_tag(from_name)
    if tag is None:
        return None
    return Region(
        control=from_name,
        tag=tag,
        to_name=r.get("to_name"),
        value=value,
        original_width=r.get("original_width"),
        original_height=r.get("original_height"),
        id=r.get("id"),
        parent_id=r.get("parentID"),
    )


def pick_item(items: list[Item]) -> Item | None:
    """The one annotation a per-image format writes for a task: the ground truth if there
    is one, else the newest. (Label Studio writes every annotation in turn to the same
    file, so its YOLO/VOC files keep the oldest, and COCO repeats the image.)"""
    if not items:
        return None
    return next((i for i in items if i.annotation.get("ground_truth")), items[0])


def dim(v: Any) -> float | None:
    """A usable image dimension: a positive number, else None."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 1e9:
        return None
    return v


def image_dims(
    task: Mapping[str, Any], object_name: str, media: LocalMedia | None, ref: Any
) -> tuple[Any, Any]:
    """(width, height) of a task's image: from any result on that image (annotations,
    predictions, drafts), else from the header of a local file, else (None, None)."""
    for group in ("annotations", "predictions", "drafts"):
        for obj in task.get(group) or ():
            if not isinstance(obj, Mapping):
                continue
            for r in obj.get("result") or ():
                if isinstance(r, Mapping) and r.get("to_name") == object_name:
                    w, h = dim(r.get("original_width")), dim(r.get("original_height"))
                    if w is not None and h is not None:
                        return w, h
    if media is not None:
        path = media.path(ref)
        if path is not None:
            size = image_size(path)
            if size is not None:
                return size
    return None, None
