"""The config docs stay true: their examples run and parse, and they name every tag and code."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from labelcore import ConfigError, parse_config
from labelcore.config.tags import TAGS

ROOT = Path(__file__).parents[2]
DOCS = [ROOT / "docs" / n for n in ("concepts.md", "tags.md", "config-errors.md")]
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.S | re.M)


def blocks(path: Path, kind: str) -> list[str]:
    return [body for info, body in FENCE.findall(path.read_text()) if info == kind]


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_python_examples_run_in_order(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, object] = {"__name__": "__doc__"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for code in blocks(path, "python"):
            exec(compile(code, str(path), "exec"), namespace)  # noqa: S102 - our own docs
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_xml_examples_parse_and_invalid_ones_do_not(path: Path) -> None:
    for xml in blocks(path, "xml"):
        parse_config(xml)
    for xml in blocks(path, "xml-invalid"):
        with pytest.raises(ConfigError):
            parse_config(xml)
    for body in blocks(path, "json"):
        json.loads(body)


def test_tag_reference_names_every_tag() -> None:
    text = (ROOT / "docs" / "tags.md").read_text()
    missing = [s.name for s in TAGS.values() if f"`{s.name}`" not in text]
    assert not missing


def test_error_docs_name_every_code_the_engine_emits() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "labelcore" / "config").glob("*.py"))
    codes = set(re.findall(r"\"((?:config|result|data)\.[a-z_]+)\"", source)) - {"config.xml"}
    documented = (ROOT / "docs" / "config-errors.md").read_text()
    assert codes and not [c for c in sorted(codes) if f"`{c}`" not in documented]
