"""Task data against a config: key and type checks, and sample tasks for previews.

cfg = parse_config(xml)
problems = cfg.check_task_data({"image": "https://example.com/a.jpg"})
preview = cfg.sample_task()           # the sample-task comment's data wins
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labelcore.config.parser import base_key
from labelcore.config.problems import DataProblem
from labelcore.config.results import MISSING, resolve

if TYPE_CHECKING:
    from labelcore.config.model import LabelConfig

# Label Studio's TaskValidator._DATA_TYPES; tags not listed accept a string.
DATA_TYPES: Mapping[str, tuple[type, ...]] = {
    "Text": (str, int, float, list),
    "Header": (str, int, float),
    "HyperText": (str,),
    "Image": (str, list),
    "Paragraphs": (list, str),
    "List": (list, str),
    "Table": (dict, list, str),
    "TimeSeries": (dict, list, str),
    "Dialog": (list, str),
    "Chat": (list, str),
}
_TYPE_NAMES = {str: "string", int: "integer", float: "number", list: "list", dict: "object"}

_EXAMPLES: Mapping[str, Any] = {
    "Text": "To have faith is to trust yourself to the water.",
    "HyperText": "<p>Hello <b>world</b></p>",
    "Header": "Header text",
    "Markdown": "Some *markdown*",
    "Image": "https://labelcore.invalid/sample/image.jpg",
    "Audio": "https://labelcore.invalid/sample/audio.wav",
    "AudioPlus": "https://labelcore.invalid/sample/audio.wav",
    "Video": "https://labelcore.invalid/sample/video.mp4",
    "Pdf": "https://labelcore.invalid/sample/document.pdf",
    "Table": {"name": "labelcore", "kind": "library"},
    "Chat": [{"role": "user", "content": "Hello!"}],
}


def check_task_data(cfg: LabelConfig, data: Any) -> list[DataProblem]:
    """Missing keys and mistyped values; ``a.b`` keys are walked, Repeater keys must be lists."""
    if type(data) is not dict and not isinstance(data, Mapping):
        return [
            DataProblem(
                "data.not_an_object", f"task data must be an object, got {type(data).__name__}"
            )
        ]
    plain, each_item, list_keys, optional = _data_plan(cfg)
    problems: list[DataProblem] = []
    for key, tag, expected in plain:
        found = data[key] if key in data else resolve(data, key)
        if found is MISSING or found is None:
            problems.append(
                DataProblem(
                    "data.missing_key", f'"{key}" is expected in task data (read by <{tag}>)', key
                )
            )
            continue
        if isinstance(found, bool) or not isinstance(found, expected):
            want = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in expected)
            problems.append(
                DataProblem(
                    "data.bad_type",
                    f'"{key}" must be {want} for <{tag}>, got {type(found).__name__}',
                    key,
                )
            )
    for key in each_item:
        problems += _each_item(data, key)
    for key in list_keys:
        found = resolve(data, key)
        if found is MISSING or found is None:
            problems.append(
                DataProblem("data.missing_key", f'"{key}" is expected in task data (a list)', key)
            )
        elif not isinstance(found, list):
            problems.append(
                DataProblem(
                    "data.bad_type", f'"{key}" must be a list, got {type(found).__name__}', key
                )
            )
    for key in optional:
        found = resolve(data, key)
        if found is not MISSING and found is not None and not isinstance(found, list):
            problems.append(
                DataProblem(
                    "data.bad_type",
                    f'"{key}" (dynamic labels) must be a list, got {type(found).__name__}',
                    key,
                )
            )
    return problems


_Plan = tuple[
    tuple[tuple[str, str, tuple[type, ...]], ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]
]


def _data_plan(cfg: LabelConfig) -> _Plan:
    """What ``check_task_data`` checks for this config, worked out once per config: plain
    keys with their tag and types, ``[{{idx}}]`` keys, list keys, optional list keys."""
    plan: _Plan | None = cfg._memo.get("data_plan")
    if plan is None:
        plain = tuple(
            (key, tag, DATA_TYPES.get(tag, (str,)))
            for key, tag in cfg.data_types.items()
            if "[" not in key
        )
        list_keys = set(cfg.list_keys) | {base_key(k) for k in cfg.data_types if "[" in k}
        plan = (
            plain,
            tuple(sorted(k for k in cfg.data_types if "[" in k)),
            tuple(sorted(list_keys)),
            tuple(sorted(cfg.optional_list_keys - list_keys)),
        )
        cfg._memo["data_plan"] = plan
    return plan


def _each_item(data: Mapping[str, Any], key: str) -> list[DataProblem]:
    """``pages[{{idx}}].url``: every element of ``pages`` needs ``url`` (first problem only)."""
    base, _, rest = key.partition("[")
    path = rest.partition("]")[2].lstrip(".")
    items = resolve(data, base)
    if not path or not isinstance(items, list):
        return []
    for n, item in enumerate(items):
        found = resolve(item, path) if isinstance(item, Mapping) else MISSING
        if found is MISSING or found is None:
            where = f"{base}[{n}].{path}"
            return [DataProblem("data.missing_key", f'"{where}" is expected in task data', where)]
    return []


def sample_task(cfg: LabelConfig) -> dict[str, Any]:
    """Task data for previews: the config's sample-task comment, else one value per object."""
    if cfg.sample is not None:
        return copy.deepcopy(dict(cfg.sample))
    data: dict[str, Any] = {}
    for obj in cfg.objects.values():
        key = obj.data_key
        if key is None or obj.value.strip() != f"${key}":
            continue  # literal or inline text: its variables get plain strings below
        example = _example(obj.tag, obj.attrs)
        if obj.value_list:
            _put(data, key, [example, example])
        elif "[" in key:
            base, _, rest = key.partition("[")
            path = rest.partition("]")[2].lstrip(".")
            items = resolve(data, base)
            if not isinstance(items, list):
                items = [{} if path else None for _ in range(2)]
                _put(data, base, items)
            for n, item in enumerate(items):
                if path and isinstance(item, dict):
                    _put(item, path, copy.deepcopy(example))
                elif not path:
                    items[n] = copy.deepcopy(example)
        else:
            _put(data, key, example)
    for key in sorted(cfg.list_keys):
        if resolve(data, key) is MISSING:
            _put(data, key, [{"text": "First item"}, {"text": "Second item"}])
    for key in sorted(cfg.optional_list_keys):
        if resolve(data, key) is MISSING:
            _put(data, key, [{"value": "Option A"}, {"value": "Option B"}])
    for key in sorted(cfg.data_keys):
        if resolve(data, key) is MISSING:
            _put(data, key, "sample")
    return data


def _example(tag: str, attrs: Mapping[str, str]) -> Any:
    if tag == "Paragraphs":
        name, text = attrs.get("namekey", "author"), attrs.get("textkey", "text")
        return [{name: "Alice", text: "Hi, how are you?"}, {name: "Bob", text: "Fine, thanks."}]
    if tag == "List":
        return [
            {"id": f"item{n}", "title": f"Item {n}", "body": f"Body of item {n}"} for n in (1, 2, 3)
        ]
    if tag == "TimeSeries":
        if attrs.get("valuetype", "url").lower() == "json":
            time = attrs.get("timecolumn") or "time"
            return {time: [0, 1, 2, 3], "value": [0.5, 0.7, 0.2, 0.9]}
        return "https://labelcore.invalid/sample/series.csv"
    if tag == "Text" and attrs.get("valuetype", "").lower() == "url":
        return "https://labelcore.invalid/sample/text.txt"
    return copy.deepcopy(_EXAMPLES.get(tag, "sample"))


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    if "." not in key:
        data[key] = value
        return
    node = data
    *parents, last = key.split(".")
    for part in parents:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = node[part] = {}
        node = nxt
    node[last] = value
