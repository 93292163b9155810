"""Results a user could make with each control of a config: one region per control (with a
label where it takes one), a per-region control's result with the region it belongs to.
Shared by the gallery tests (results validate) and the gallery page crawl (pages draw them)."""

from __future__ import annotations

from typing import Any

from labelcore import LabelConfig


def _span(text: Any, kind: str) -> dict[str, Any]:
    if kind == "Text" and isinstance(text, str) and text:
        return {"start": 0, "end": 1, "text": text[:1]}
    if kind in ("Audio", "AudioPlus", "Video"):
        return {"start": 0.5, "end": 1.5}
    return {}


def _result_for(cfg: LabelConfig, name: str, data: dict[str, Any], label: str) -> list[Any]:
    """One region a user could make with control ``name`` (with ``label`` where it takes one)."""
    control = cfg.controls[name]
    target = control.to_names[0] if control.to_names else name
    obj = cfg.object(target)
    kind = obj.tag if obj is not None else ""
    text = data.get(obj.data_key) if obj is not None and obj.data_key else None
    box = {"x": 10, "y": 10, "width": 20, "height": 20, "rotation": 0}
    rtype = control.result_type
    value: dict[str, Any]
    if rtype == "labels" and kind in ("Text", "Audio", "AudioPlus", "Video"):
        value = {**_span(text, kind), "labels": [label]}
    elif rtype == "labels" and kind == "Image":
        value, rtype = {**box, "rectanglelabels": [label]}, "rectanglelabels"
    elif rtype == "choices":
        value = {"choices": [label]}
    elif rtype in ("rectanglelabels", "rectangle"):
        value = {**box, **({rtype: [label]} if rtype.endswith("labels") else {})}
    elif rtype in ("polygonlabels", "polygon"):
        points = [[10, 10], [30, 10], [20, 30]]
        value = {"points": points, **({rtype: [label]} if rtype.endswith("labels") else {})}
    elif rtype == "keypointlabels":
        value = {"x": 10, "y": 10, "width": 1, "keypointlabels": [label]}
    elif rtype == "textarea":
        value = {"text": ["a note"]}
    elif rtype == "datetime":
        only = str(control.attrs.get("only", ""))
        when = {"date": "2024-06-15", "time": "10:30", "year": "2024", "month": "2024-06"}
        value = {"datetime": when.get(only, "2024-06-15T10:30")}
    elif rtype == "number":
        value = {"number": int(float(control.attrs.get("min", 0) or 0))}
    elif rtype == "rating":
        value = {"rating": 1}
    elif rtype == "taxonomy":
        value = {"taxonomy": [[label]]}
    elif rtype == "timeserieslabels":
        value = {"start": 1, "end": 2, "instant": False, "timeserieslabels": [label]}
    elif rtype == "timelinelabels":
        value = {"ranges": [{"start": 1, "end": 2}], "timelinelabels": [label]}
    elif rtype == "paragraphlabels":
        value = {"start": "0", "end": "0", "startOffset": 0, "endOffset": 1}
        value["paragraphlabels"] = [label]
    elif rtype == "hypertextlabels":
        value = {"start": "", "end": "", "startOffset": 0, "endOffset": 1}
        value["hypertextlabels"] = [label]
    elif rtype == "pairwise":
        item = {"id": f"r-{name}", "from_name": name, "to_name": name, "type": rtype}
        return [{**item, "value": {"selected": "left"}}]
    elif rtype == "chatmessage":
        value = {"chatmessage": {"role": "user", "content": "Hello"}}
    elif rtype == "videorectangle":
        frame = {"frame": 1, "enabled": True, "time": 0.04, **box}
        value = {"sequence": [frame], "framesCount": 10, "duration": 1}
    elif rtype == "brushlabels":
        value = {"format": "rle", "rle": [0, 1, 2], "brushlabels": [label]}
    elif rtype == "ocrlabels":
        value = {**box, "ocrlabels": [label]}
    elif rtype == "ranker":
        items = text if isinstance(text, list) else []
        ids = [x["id"] for x in items if isinstance(x, dict) and "id" in x]
        value = {"ranker": {name: ids}}
    else:
        raise AssertionError(f"no sample result for {rtype}")
    item = {"id": f"r-{name}", "from_name": name, "to_name": target, "type": rtype, "value": value}
    if obj is not None and obj.value_list:
        item["item_index"] = 0
    return [item]


def _with_region(cfg: LabelConfig, name: str, result: list[Any]) -> list[Any]:
    """A perRegion result needs a region with its id on the same object."""
    control = cfg.controls[name]
    if not control.per_region or not result:
        return result
    target = result[0]["to_name"]
    for other in cfg.controls_for(target):
        regions = other.labels or other.result_type == "chatmessage"  # a message is a region
        if other.name != name and not other.per_region and regions:
            data = cfg.sample_task()
            region = _result_for(cfg, other.name, data, (*other.labels, "")[0])
            if region:
                region[0]["id"] = result[0]["id"]
                return region + result
    return []


def result_for(cfg: LabelConfig, name: str, data: dict[str, Any], label: str) -> list[Any]:
    """``name``'s result with ``label``, its region first when it is per-region."""
    return _with_region(cfg, name, _result_for(cfg, name, data, label))


def every_control_result(cfg: LabelConfig, data: dict[str, Any]) -> list[Any]:
    """One annotation's result using every control once (repeater templates skipped)."""
    out: list[Any] = []
    for name, control in cfg.controls.items():
        if control.index_flag:
            continue
        label = control.labels[0] if control.labels else "anything"
        out.extend(result_for(cfg, name, data, label))
    return out
