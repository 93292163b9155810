"""Our own equivalents of Label Studio's template gallery (the 15 featured templates of the
reference, section 12, and the other tag combinations there) parse; their sample tasks fit the
config, and the annotations and predictions in their sample comments validate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from labelcore import parse_config

GALLERY = Path(__file__).parent / "gallery"
FILES = sorted(GALLERY.glob("*.xml"))
COMMENT = re.compile(r"<!--(.*?)-->", re.S)


def sample_comment(text: str) -> dict | None:
    for body in COMMENT.findall(text):
        try:
            found = json.loads(body)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    return None


def test_gallery_covers_the_featured_templates() -> None:
    featured = {p.stem.split("_")[1] for p in FILES if p.stem.startswith("featured_")}
    assert {f"{n:02d}" for n in range(1, 16)} <= featured
    assert len(FILES) >= 40
    assert len(WITH_SAMPLE) >= 20


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_gallery_config_parses(path: Path) -> None:
    cfg = parse_config(path.read_text())
    assert cfg.controls or cfg.objects
    assert cfg.check_task_data(cfg.sample_task()) == []


WITH_SAMPLE = [p for p in FILES if sample_comment(p.read_text()) is not None]


@pytest.mark.parametrize("path", WITH_SAMPLE, ids=[p.stem for p in WITH_SAMPLE])
def test_gallery_sample_annotations_validate(path: Path) -> None:
    text = path.read_text()
    cfg = parse_config(text)
    sample = sample_comment(text)
    assert sample is not None
    data = sample.get("data", sample)
    assert cfg.sample_task() == data
    for key in ("annotations", "predictions", "completions"):
        for item in sample.get(key, []):
            assert cfg.validate_result(item["result"], data) == []
