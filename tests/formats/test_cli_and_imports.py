"""The labelcore command line and the COCO/YOLO dataset converters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from formats_projects import family, png_file  # noqa: E402

from labelcore import cli  # noqa: E402
from labelcore.config import parse_config  # noqa: E402
from labelcore.errors import ValidationError  # noqa: E402
from labelcore.formats.imports import coco_to_tasks, join_image_url, yolo_to_tasks  # noqa: E402

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture()
def image_export(tmp_path: Path) -> tuple[Path, Path]:
    xml, tasks = family("image")
    config = tmp_path / "config.xml"
    config.write_text(xml)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks))
    return config, export


def test_convert_end_to_end_in_a_subprocess(
    image_export: tuple[Path, Path], tmp_path: Path
) -> None:
    config, export = image_export
    out = tmp_path / "yolo"
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "labelcore.cli",
            "convert",
            "--config",
            str(config),
            "--input",
            str(export),
            "--format",
            "YOLO",
            "--out",
            str(out),
            "--progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "YOLO: 4 tasks, 6 file(s)" in proc.stdout
    assert "100% 4 tasks" in proc.stderr  # the progress bar
    assert (out / "classes.txt").read_text().splitlines()[-1] == "Person"
    assert (out / "labels" / "abc123-street.txt").read_text().startswith("1 0.25 0.4 0.3 0.4\n")


def test_convert_a_format_that_does_not_fit_exits_2(image_export, tmp_path, capsys) -> None:
    config, export = image_export
    code = cli.main(
        [
            "convert",
            "--config",
            str(config),
            "--input",
            str(export),
            "--format",
            "CONLL2003",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "error: CONLL2003 needs a Text object with Labels" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_convert_options_and_jsonl_input(tmp_path: Path, capsys) -> None:
    xml, tasks = family("ner")
    (tmp_path / "c.xml").write_text(xml)
    (tmp_path / "e.jsonl").write_text("\n".join(json.dumps(t) for t in tasks))
    code = cli.main(
        [
            "convert",
            "--config",
            str(tmp_path / "c.xml"),
            "--input",
            str(tmp_path / "e.jsonl"),
            "--format",
            "json",
            "--out",
            str(tmp_path / "o"),
            "--only-annotated",
            "--no-predictions",
            "--no-skipped",
            "--quiet",
        ]
    )
    assert code == 0
    out = json.loads((tmp_path / "o" / "result.json").read_text())
    assert [t["id"] for t in out] == [1, 2]
    assert out[0]["predictions"] == [] and len(out[0]["annotations"]) == 1
    assert capsys.readouterr().out == ""


def test_convert_reports_bad_input_rows(tmp_path: Path, capsys) -> None:
    xml, _ = family("ner")
    (tmp_path / "c.xml").write_text(xml)
    (tmp_path / "e.json").write_text('[{"data": {"text": "a"}}, {"data": ')
    code = cli.main(
        [
            "convert",
            "--config",
            str(tmp_path / "c.xml"),
            "--input",
            str(tmp_path / "e.json"),
            "--format",
            "CSV",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "row 2: invalid JSON" in capsys.readouterr().err
    missing = cli.main(
        [
            "convert",
            "--config",
            str(tmp_path / "c.xml"),
            "--input",
            str(tmp_path / "nope.json"),
            "--format",
            "CSV",
            "--out",
            str(tmp_path),
        ]
    )
    assert missing == 2


def test_check_config(tmp_path: Path, capsys) -> None:
    xml, _ = family("ner")
    (tmp_path / "ok.xml").write_text(xml)
    assert cli.main(["check-config", str(tmp_path / "ok.xml")]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "CONLL2003" in out and "label (Labels)" in out
    (tmp_path / "bad.xml").write_text(
        '<View><Choices name="c" toName="x"><Choice value="a"/></Choices></View>'
    )
    assert cli.main(["check-config", str(tmp_path / "bad.xml")]) == 2
    assert "config.unknown_to_name" in capsys.readouterr().err


def test_commands_can_be_registered(capsys) -> None:
    seen = []
    cli.register(
        "hello",
        "Say hello",
        lambda p: p.add_argument("--who", default="x"),
        lambda a: seen.append(a.who) or 0,
    )
    try:
        assert cli.main(["hello", "--who", "ada"]) == 0
        assert seen == ["ada"]
    finally:
        cli._COMMANDS.pop("hello")


def test_db_upgrade_without_storage_backend_says_so(capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "labelcore.storage.sql", None)
    assert cli.main(["db", "upgrade", "--url", "sqlite://"]) == 1
    assert "SQL storage backend is not available" in capsys.readouterr().err


# -- COCO / YOLO to tasks ---------------------------------------------------------------------

COCO = {
    "images": [
        {"id": 2, "file_name": "b c.jpg", "width": 200, "height": 100},
        {"id": 1, "file_name": "dir/a.jpg", "width": 400, "height": 300},
    ],
    "categories": [
        {"id": 3, "name": "dog", "supercategory": "animal"},
        {"id": 1, "name": 'cat "x"'},
    ],
    "annotations": [
        {
            "id": 1,
            "image_id": 1,
            "category_id": 3,
            "bbox": [40, 30, 200, 150],
            "segmentation": [[0, 0, 400, 0, 400, 300]],
            "iscrowd": 0,
        },
        {
            "id": 2,
            "image_id": 2,
            "category_id": 1,
            "bbox": [0, 0, 100, 50],
            "keypoints": [10, 20, 2, 0, 0, 0],
        },
    ],
}


def test_coco_to_tasks() -> None:
    tasks, xml = coco_to_tasks(COCO, model_version="det-1")
    assert [t["data"]["image"] for t in tasks] == [
        "/data/local-files/?d=dir/a.jpg",
        "/data/local-files/?d=b%20c.jpg",
    ]
    pred = tasks[0]["predictions"][0]
    assert pred["model_version"] == "det-1"
    box, poly = pred["result"]
    assert box["value"] == {
        "x": 10.0,
        "y": 10.0,
        "width": 50.0,
        "height": 50.0,
        "rotation": 0,
        "rectanglelabels": ["dog"],
    }
    assert box["id"] == "1-1" and box["original_width"] == 400
    assert poly["value"]["points"] == [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]]
    kps = [r for r in tasks[1]["predictions"][0]["result"] if r["type"] == "keypointlabels"]
    assert kps[0]["value"]["x"] == 5.0 and "hidden" not in kps[0]["value"]
    assert kps[1]["value"]["hidden"] is True
    cfg = parse_config(xml)  # the generated config parses and fits the results
    for task in tasks:
        assert cfg.validate_result(task["predictions"][0]["result"]) == []
    assert cfg.controls["label_rectangles"].labels == ('cat "x"', "dog")


def test_coco_annotations_and_super_categories() -> None:
    tasks, _ = coco_to_tasks(
        COCO,
        out_type="annotations",
        use_super_categories=True,
        image_root_url="https://cdn.example.com/imgs",
    )
    assert tasks[0]["data"]["image"] == "https://cdn.example.com/imgs/dir/a.jpg"
    ann = tasks[0]["annotations"][0]
    assert ann["ground_truth"] is False
    assert ann["result"][0]["value"]["rectanglelabels"] == ["animal:dog"]


@pytest.mark.parametrize(
    ("broken", "needle"),
    [
        ({"images": {}}, "'images' must be a list"),
        ({"annotations": [{"image_id": 9, "category_id": 1}]}, "annotations[0]: image_id 9"),
        ({"annotations": [{"image_id": 1, "category_id": [1]}]}, "category_id [1]"),
        ({"annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 2]}]}, "bbox must be"),
        ({"annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 2, "3", 4]}]}, "number"),
        ({"categories": [{"name": "x"}]}, "categories[0]"),
    ],
)
def test_coco_errors_name_the_item(broken: dict, needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        coco_to_tasks({**COCO, **broken})
    assert needle in str(info.value)


def test_yolo_to_tasks(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    (tmp_path / "classes.txt").write_text("car\nperson\n")
    (tmp_path / "images" / "a.png").write_bytes(png_file(200, 100))
    (tmp_path / "images" / "b.jpg").write_bytes(b"not read: no labels")
    (tmp_path / "images" / "notes.txt").write_text("ignored")
    (tmp_path / "labels" / "a.txt").write_text(
        "1 0.5 0.5 0.2 0.4 0.9\n\n0 0.1 0.1 0.2 0.1 0.2 0.2\n"
    )
    tasks, xml = yolo_to_tasks(tmp_path)
    assert [t["data"]["image"] for t in tasks] == [
        "/data/local-files/?d=images/a.png",
        "/data/local-files/?d=images/b.jpg",
    ]
    assert "predictions" not in tasks[1]
    box, poly = tasks[0]["predictions"][0]["result"]
    assert box["value"]["rectanglelabels"] == ["person"] and box["score"] == 0.9
    assert box["value"]["x"] == pytest.approx(40.0) and box["original_width"] == 200
    assert poly["type"] == "polygonlabels" and poly["value"]["points"][0] == [10.0, 10.0]
    cfg = parse_config(xml)
    assert cfg.validate_result(tasks[0]["predictions"][0]["result"]) == []
    (tmp_path / "labels" / "a.txt").write_text("7 0.5 0.5 0.2 0.4\n")
    with pytest.raises(ValidationError, match="a.txt:1: class 7 is not in classes.txt"):
        yolo_to_tasks(tmp_path)


def test_yolo_round_trip_through_the_exporter(tmp_path: Path) -> None:
    """YOLO export -> --from yolo -> the same boxes."""
    xml, tasks = family("image")
    out = tmp_path / "y"
    assert (
        cli.main(
            [
                "convert",
                "--config",
                _write(tmp_path / "c.xml", xml),
                "--input",
                _write(tmp_path / "e.json", json.dumps(tasks)),
                "--format",
                "YOLO",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    (out / "images").mkdir()
    (out / "images" / "cat photo.png").write_bytes(png_file(1024, 768))
    target = tmp_path / "tasks.json"
    assert (
        cli.main(
            [
                "convert",
                "--from",
                "yolo",
                "--input",
                str(out),
                "--out",
                str(target),
                "--image-root-url",
                "/data/upload/1",
                "--quiet",
            ]
        )
        == 0
    )
    back = json.loads(target.read_text())
    [region] = back[0]["predictions"][0]["result"]
    assert back[0]["data"]["image"] == "/data/upload/1/cat%20photo.png"
    assert region["value"]["rectanglelabels"] == ["Bike"]
    assert [region["value"][k] for k in ("x", "y", "width", "height")] == [25.0, 25.0, 50.0, 50.0]
    assert (tmp_path / "tasks.label_config.xml").is_file()


def test_coco_cli(tmp_path: Path) -> None:
    src = tmp_path / "coco.json"
    src.write_text(json.dumps(COCO))
    assert (
        cli.main(
            [
                "convert",
                "--from",
                "coco",
                "--input",
                str(src),
                "--out",
                str(tmp_path / "t.json"),
                "--quiet",
            ]
        )
        == 0
    )
    assert len(json.loads((tmp_path / "t.json").read_text())) == 2
    parse_config((tmp_path / "t.label_config.xml").read_text())


def test_join_image_url() -> None:
    assert (
        join_image_url("/data/local-files/?d=imgs/", "x y.jpg")
        == "/data/local-files/?d=imgs/x%20y.jpg"
    )
    assert join_image_url("s3://bucket/p", "a/b.jpg") == "s3://bucket/p/a/b.jpg"


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_db_upgrade_creates_the_tables(tmp_path: Path, capsys) -> None:
    pytest.importorskip("labelcore.storage.sql")
    url = f"sqlite:///{tmp_path / 'lc.db'}"
    assert cli.main(["db", "upgrade", "--url", url]) == 0
    assert "up to date" in capsys.readouterr().out
    import sqlite3

    names = {
        r[0]
        for r in sqlite3.connect(tmp_path / "lc.db").execute(
            "select name from sqlite_master where type='table'"
        )
    }
    assert any(n.startswith("labelcore_") for n in names)
