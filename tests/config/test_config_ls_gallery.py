"""Label Studio's real template gallery, template by template, read from its published wheel.

Nothing of Label Studio is copied into this repository: `make gallery-wheel` downloads
label-studio's wheel from PyPI into .cache/label-studio/ (git-ignored) and these tests open it
as a zip, reading every ``label_studio/annotation_templates/**/config.yml`` (the XML is its
``config`` field). In CI (``CI=true``) `make test` fetches the wheel first and the tests must
run; elsewhere they skip until `make gallery-wheel`. ``LABELCORE_TEST_LS_WHEEL`` may point at
another copy.

Each template must parse; its sample task must fit it (the sample-task comment wins); a result
an annotator could make with every control validates, and the same result with a label the
template lacks does not. The parse is compared with label-studio-sdk's LabelInterface.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sdk_compare
import yaml

from labelcore import LabelConfig, parse_config

ROOT = Path(__file__).parents[2]
LS_VERSION = "1.23.2"
WHEEL = Path(
    os.environ.get("LABELCORE_TEST_LS_WHEEL")
    or ROOT / f".cache/label-studio/label_studio-{LS_VERSION}-py3-none-any.whl"
)
PREFIX = "label_studio/annotation_templates/"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
HOW = "run `make gallery-wheel` (downloads label-studio's wheel from PyPI into .cache/)"


def _templates() -> dict[str, str]:
    """Template id (its folder under annotation_templates) -> its config XML."""
    if not WHEEL.is_file():
        return {}
    found: dict[str, str] = {}
    with zipfile.ZipFile(WHEEL) as wheel:
        for name in sorted(wheel.namelist()):
            if name.startswith(PREFIX) and name.endswith("/config.yml"):
                meta = yaml.safe_load(wheel.read(name))
                found[name[len(PREFIX) : -len("/config.yml")]] = meta["config"]
    return found


TEMPLATES = _templates()
IDS = sorted(TEMPLATES) or ["wheel-missing"]


def _config(template: str) -> str:
    if not TEMPLATES:
        message = f"label-studio {LS_VERSION} wheel not found at {WHEEL}; {HOW}"
        if IN_CI:
            pytest.fail(f"required in CI: {message}")
        pytest.skip(message)
    return TEMPLATES[template]


def _comment_data(xml: str) -> dict[str, Any] | None:
    """The sample-task comment's data, read as Label Studio reads it (``<!-- {``)."""
    match = re.search(r"<!--\s*(\{.*?)-->", xml, re.S)
    if match is None:
        return None
    try:
        body = json.loads(match.group(1))
    except ValueError:
        return None
    data = body.get("data", body) if isinstance(body, dict) else None
    return data if isinstance(data, dict) else None


@pytest.mark.parametrize("template", IDS)
def test_template_parses_and_its_sample_task_fits(template: str) -> None:
    xml = _config(template)
    cfg = parse_config(xml)
    assert cfg.controls or cfg.objects
    task = cfg.sample_task()
    assert cfg.check_task_data(task) == []
    comment = _comment_data(xml)
    if comment is not None:
        assert task == comment


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
        return [{"from_name": name, "to_name": name, "type": rtype, "value": {"selected": "left"}}]
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


@pytest.mark.parametrize("template", IDS)
def test_template_results_validate(template: str) -> None:
    cfg = parse_config(_config(template))
    data = cfg.sample_task()
    checked = 0
    for name, control in cfg.controls.items():
        if control.index_flag:
            continue
        label = control.labels[0] if control.labels else "anything"
        result = _with_region(cfg, name, _result_for(cfg, name, data, label))
        if not result:
            continue
        assert cfg.validate_result(result, data) == [], name
        checked += 1
        if control.labels and not control.dynamic_labels and control.result_type != "rating":
            wrong = _with_region(cfg, name, _result_for(cfg, name, data, "not-a-label-here"))
            codes = {p.code for p in cfg.validate_result(wrong, data)}
            assert "result.unknown_label" in codes, name
    assert checked == sum(not c.index_flag for c in cfg.controls.values())


@pytest.mark.parametrize("template", IDS)
def test_template_parse_agrees_with_the_sdk(template: str) -> None:
    """Same controls (tag, toName) and objects as label-studio-sdk's LabelInterface, but for
    the deliberate differences folded in by sdk_compare."""
    xml = _config(template)
    assert sdk_compare.ours(xml) == sdk_compare.sdk(xml)


def test_docs_state_how_many_gallery_templates_parse() -> None:
    """docs/tags.md states the count; it must be the number of templates that parse."""
    if not TEMPLATES:
        _config("wheel-missing")
    parsed = 0
    for xml in TEMPLATES.values():
        parse_config(xml)
        parsed += 1
    text = (ROOT / "docs" / "tags.md").read_text()
    match = re.search(r"all (\d+) templates of Label Studio ([\d.]+)'s gallery parse", text)
    assert match is not None
    assert (int(match.group(1)), match.group(2)) == (parsed, LS_VERSION)
    assert parsed == len(TEMPLATES) >= 60
