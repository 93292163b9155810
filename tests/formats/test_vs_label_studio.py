"""Same output as label-studio-sdk's converter, where labelcore does not differ on purpose.

Runs only where ``label-studio-sdk`` is installed (it is not a labelcore dependency); the
expected differences are listed in docs/export.md.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from formats_projects import family  # noqa: E402

from labelcore.formats.exporters import export  # noqa: E402

ls = pytest.importorskip("label_studio_sdk.converter", reason="label-studio-sdk not installed")


def _both(name: str, fmt: str, tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    xml, tasks = family(name)
    (tmp_path / "export.json").write_text(json.dumps(tasks))
    (tmp_path / "ls").mkdir()  # the brush converter does not create it
    logging.disable(logging.CRITICAL)
    try:
        conv = ls.Converter(xml, project_dir=None, download_resources=False)
        conv.convert(str(tmp_path / "export.json"), str(tmp_path / "ls"), fmt, is_dir=False)
    finally:
        logging.disable(logging.NOTSET)
    theirs = {
        str(p.relative_to(tmp_path / "ls")): p.read_bytes()
        for p in (tmp_path / "ls").rglob("*")
        if p.is_file()
    }
    out = io.BytesIO()
    result = export(xml, tasks, fmt, out)
    if result.files and len(result.files) == 1 and not out.getvalue().startswith(b"PK"):
        ours = {result.files[0]: out.getvalue()}
    else:
        with zipfile.ZipFile(out) as zf:
            ours = {n: zf.read(n) for n in zf.namelist()}
    return ours, theirs


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("ner", "CSV"), ("image", "CSV"), ("classify", "CSV"), ("audio", "CSV"), ("ner", "CONLL2003")],
)
def test_same_bytes(name: str, fmt: str, tmp_path: Path) -> None:
    ours, theirs = _both(name, fmt, tmp_path)
    assert list(ours.values()) == list(theirs.values())


@pytest.mark.parametrize("name", ["image", "classify", "audio", "pose", "brush"])
def test_same_json_min(name: str, tmp_path: Path) -> None:
    ours, theirs = _both(name, "JSON_MIN", tmp_path)
    assert json.loads(ours["result.json"]) == json.loads(theirs["result.json"])


@pytest.mark.parametrize("name", ["image", "pose"])
def test_same_coco_categories_and_annotations(name: str, tmp_path: Path) -> None:
    ours, theirs = _both(name, "COCO", tmp_path)
    a, b = json.loads(ours["result.json"]), json.loads(theirs["result.json"])
    assert a["categories"] == b["categories"]
    assert a["annotations"] == b["annotations"]


def test_same_numpy_masks(tmp_path: Path) -> None:
    ours, theirs = _both("brush", "BRUSH_TO_NUMPY", tmp_path)
    assert ours == theirs


def test_same_yolo_for_unrotated_boxes_and_pose(tmp_path: Path) -> None:
    ours, theirs = _both("pose", "YOLO", tmp_path)
    assert ours["classes.txt"] == theirs["classes.txt"]
    # Label Studio leaves off the final newline of pose files
    assert ours["labels/people.txt"].rstrip(b"\n") == theirs["labels/people.txt"]
