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
from gallery_results import result_for

from labelcore import parse_config

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


@pytest.mark.parametrize("template", IDS)
def test_template_results_validate(template: str) -> None:
    cfg = parse_config(_config(template))
    data = cfg.sample_task()
    checked = 0
    for name, control in cfg.controls.items():
        if control.index_flag:
            continue
        label = control.labels[0] if control.labels else "anything"
        result = result_for(cfg, name, data, label)
        if not result:
            continue
        assert cfg.validate_result(result, data) == [], name
        checked += 1
        if control.labels and not control.dynamic_labels and control.result_type != "rating":
            wrong = result_for(cfg, name, data, "not-a-label-here")
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
