"""Export formats: snapshots per config family, options, safety, streaming."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from formats_projects import FAMILIES, family, png_file, wav_file  # noqa: E402

from labelcore.config import parse_config  # noqa: E402
from labelcore.errors import ValidationError  # noqa: E402
from labelcore.formats.exporters import (  # noqa: E402
    ExportOptions,
    check_format,
    export,
    export_to_dir,
    supported_formats,
)

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture()
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "photos").mkdir(parents=True)
    (root / "1").mkdir()
    (root / "photos" / "local.png").write_bytes(png_file(320, 200))
    (root / "1" / "hello.wav").write_bytes(wav_file(1.5))
    return root


def _readable(name: str, body: bytes) -> object:
    if name.endswith(".png"):
        return {"png_bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()[:16]}
    if name.endswith(".npy"):
        header_len = int.from_bytes(body[8:10], "little")
        header = body[10 : 10 + header_len].decode().strip()
        data = body[10 + header_len :]
        return {"header": header, "mask": data.hex()}
    return body.decode()


def _run(name: str, fmt: str, media: Path, **opts: object) -> dict[str, object]:
    xml, tasks = family(name)
    out = io.BytesIO()
    result = export(
        parse_config(xml),
        iter(tasks),
        fmt,
        out,
        options=ExportOptions(media_root=media, now=NOW, **opts),  # type: ignore[arg-type]
    )
    if check_format(parse_config(xml), fmt).archive:
        with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
            files = {n: _readable(n, zf.read(n)) for n in zf.namelist()}
    else:
        files = {result.filename: out.getvalue().decode()}
    return {"files": files, "tasks": result.task_count, "warnings": list(result.warnings)}


CASES = [
    (name, f.name)
    for name, (xml, _) in FAMILIES.items()
    for f in supported_formats(xml)
    if not f.disabled
]


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_export_snapshot(name: str, fmt: str, media: Path, snapshot) -> None:
    assert _run(name, fmt, media) == snapshot


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_supported_formats_snapshot(name: str, snapshot) -> None:
    xml, _ = FAMILIES[name]
    infos = supported_formats(parse_config(xml))
    assert [(f.name, f.disabled, f.reason) for f in infos] == snapshot


def test_a_format_that_does_not_fit_says_why() -> None:
    ner, _ = FAMILIES["ner"]
    with pytest.raises(ValidationError) as info:
        export(ner, [], "COCO", io.BytesIO())
    assert str(info.value) == (
        "COCO needs an Image object with RectangleLabels, PolygonLabels or KeyPointLabels"
    )
    assert info.value.code == "export.format_unsupported"
    with pytest.raises(ValidationError, match="unknown export format 'XLSX'"):
        check_format(ner, "XLSX")
    assert check_format(ner, "json-min").name == "JSON_MIN"


def test_more_than_one_data_key_allows_only_row_formats() -> None:
    xml = """<View><Image name="a" value="$a"/><Image name="b" value="$b"/>
      <RectangleLabels name="r" toName="a,b"><Label value="X"/></RectangleLabels></View>"""
    usable = [f.name for f in supported_formats(xml) if not f.disabled]
    assert usable == ["JSON", "JSON_MIN", "CSV", "TSV"]
    coco = next(f for f in supported_formats(xml) if f.name == "COCO")
    assert "reads a, b" in coco.reason


def test_keypoints_without_rectangles_disable_coco_and_yolo() -> None:
    xml = """<View><Image name="i" value="$i"/>
      <KeyPointLabels name="k" toName="i"><Label value="nose"/></KeyPointLabels></View>"""
    by_name = {f.name: f for f in supported_formats(xml)}
    assert by_name["COCO"].disabled and "needs RectangleLabels too" in by_name["COCO"].reason
    assert by_name["YOLO"].disabled
    assert not by_name["YOLO_OBB"].disabled


def test_value_list_images_disable_image_formats() -> None:
    xml = """<View><Image name="i" valueList="$pages"/>
      <RectangleLabels name="r" toName="i"><Label value="X"/></RectangleLabels></View>"""
    by_name = {f.name: f for f in supported_formats(xml)}
    assert by_name["VOC"].disabled and "valueList" in by_name["VOC"].reason
    assert by_name["COCO"].disabled and by_name["YOLO_OBB"].disabled


# -- options ----------------------------------------------------------------------------------


def _json(name: str, media: Path, **opts: object) -> list[dict]:
    files = _run(name, "JSON", media, **opts)["files"]
    return json.loads(files["result.json"])  # type: ignore[index]


def test_options_all_tasks_by_default_and_only_annotated(media: Path) -> None:
    assert [t["id"] for t in _json("ner", media)] == [1, 2, 3]
    assert [t["id"] for t in _json("ner", media, only_annotated=True)] == [1, 2]


def test_options_predictions_drafts_skipped(media: Path) -> None:
    full = _json("ner", media)
    assert len(full[0]["predictions"]) == 1
    assert [a["was_cancelled"] for a in full[0]["annotations"]] == [False, True]
    assert _json("ner", media, include_predictions=False)[0]["predictions"] == []
    assert [len(t["annotations"]) for t in _json("ner", media, include_skipped=False)] == [1, 2, 0]


def test_options_drafts_are_opt_in() -> None:
    xml, tasks = family("classify")
    tasks[0]["drafts"] = [{"id": 1, "result": [], "user": 1}]
    for include, expected in ((False, 0), (True, 1)):
        out = io.BytesIO()
        export(xml, tasks, "JSON", out, options=ExportOptions(include_drafts=include))
        assert len(json.loads(out.getvalue())[0]["drafts"]) == expected


def test_options_only_ground_truth(media: Path) -> None:
    tasks = _json("ner", media, only_ground_truth=True, only_annotated=True)
    assert [t["id"] for t in tasks] == [2]
    assert [a["completed_by"] for a in tasks[0]["annotations"]] == [3]
    conll = _run("ner", "CONLL2003", media, only_ground_truth=True, only_annotated=True)
    assert "Initech -X- _ B-ORG" in conll["files"]["result.conll"]  # type: ignore[index]


def test_vision_formats_write_the_ground_truth_or_newest_annotation(media: Path) -> None:
    xml, tasks = family("image")
    newer = json.loads(json.dumps(tasks[1]["annotations"][0]))
    newer.update(id=99, created_at="2025-01-01T00:00:00Z")
    newer["result"][0]["value"]["rectanglelabels"] = ["Car"]
    tasks[1]["annotations"].append(newer)
    out = io.BytesIO()
    export(xml, tasks, "YOLO", out, options=ExportOptions(now=NOW))
    with zipfile.ZipFile(out) as zf:
        assert zf.read("labels/cat photo.txt").startswith(b"1 ")  # Car is class 1
    tasks[1]["annotations"][0]["ground_truth"] = True
    out = io.BytesIO()
    export(xml, tasks, "YOLO", out, options=ExportOptions(now=NOW))
    with zipfile.ZipFile(out) as zf:
        assert zf.read("labels/cat photo.txt").startswith(b"0 ")  # Bike, the ground truth


def test_progress_is_reported_per_task(media: Path) -> None:
    xml, tasks = family("ner")
    seen: list[int] = []
    export(xml, tasks, "CSV", io.BytesIO(), progress=seen.append)
    assert seen == [1, 2, 3]


def test_bad_task_input_is_a_validation_error() -> None:
    xml, _ = family("ner")
    with pytest.raises(ValidationError, match="task 2: expected a task object"):
        export(xml, [{"data": {"text": "a"}}, {"text": "b"}], "JSON", io.BytesIO())


# -- streaming and safety ---------------------------------------------------------------------


class WriteOnly(io.RawIOBase):
    """A stream that cannot seek or tell, like an HTTP response body."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.chunks.append(bytes(b))
        return len(b)

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        raise OSError("not seekable")


@pytest.mark.parametrize("fmt", ["YOLO", "COCO", "VOC", "YOLO_OBB"])
def test_archives_stream_to_a_non_seekable_output(fmt: str) -> None:
    xml, tasks = family("image")
    out = WriteOnly()
    export(xml, tasks, fmt, out)  # type: ignore[arg-type]
    with zipfile.ZipFile(io.BytesIO(b"".join(out.chunks))) as zf:
        assert zf.testzip() is None
        assert zf.namelist()


GHSA_RGV9_PAYLOADS = [
    "/data/upload/../../../etc/passwd",
    "/data/local-files/?d=../../../etc/passwd",
    "/data/upload/..%2f..%2f..%2fetc%2fpasswd",
    "..%2f..%2fetc%2fshadow",
    "%252e%252e%252f%252e%252e%252fetc%252fgroup",
    "..\\..\\windows\\win.ini",
    "/etc/hosts",
    "C:\\Windows\\system.ini",
    "file:///etc/passwd",
    "..",
    "",
    "https://evil.example/../../x/..%2F..%2Fpwn.jpg",
]


def _traversal_tasks() -> list[dict]:
    _xml, tasks = family("image")
    template = tasks[0]
    out = []
    for i, payload in enumerate(GHSA_RGV9_PAYLOADS, start=1):
        t = json.loads(json.dumps(template))
        t["id"] = i
        t["data"]["image"] = payload
        out.append(t)
    return out


@pytest.mark.parametrize("fmt", ["YOLO", "YOLO_OBB", "VOC", "COCO"])
def test_export_path_traversal_is_neutralised(fmt: str, tmp_path: Path) -> None:
    xml, _ = family("image")
    out = io.BytesIO()
    export(xml, _traversal_tasks(), fmt, out)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        for info in zf.infolist():
            assert not info.filename.startswith(("/", "\\")), info.filename
            assert ".." not in info.filename.split("/"), info.filename
            assert "\\" not in info.filename and ":" not in info.filename
        if fmt == "COCO":
            coco = json.loads(zf.read("result.json"))
            for image in coco["images"]:
                parts = image["file_name"].split("/")
                assert parts[0] == "images" and len(parts) == 2 and parts[1] not in ("", "..")
    assert names
    # the same export into a directory leaves nothing outside it
    target = tmp_path / "deep" / "out"
    export_to_dir(xml, _traversal_tasks(), fmt, target)
    outside = [p for p in tmp_path.rglob("*") if not p.is_relative_to(target)]
    assert outside == [tmp_path / "deep"]
    for path in target.rglob("*"):
        assert path.resolve().is_relative_to(target.resolve())


def test_local_media_never_leaves_the_media_root(tmp_path: Path) -> None:
    from labelcore.formats._files import LocalMedia

    root = tmp_path / "media"
    root.mkdir()
    (root / "a.png").write_bytes(png_file(3, 2))
    (tmp_path / "secret.png").write_bytes(png_file(5, 5))
    media = LocalMedia(root)
    assert media.path("/data/upload/a.png") == (root / "a.png").resolve()
    assert media.path("/data/local-files/?d=a.png") == (root / "a.png").resolve()
    assert media.path("a.png") == (root / "a.png").resolve()
    for bad in (
        "../secret.png",
        "/data/upload/../secret.png",
        "/data/local-files/?d=../secret.png",
        "http://127.0.0.1/a.png",
        "s3://b/a.png",
        "/data/upload/%2e%2e/secret.png",
        7,
    ):
        assert media.path(bad) is None, bad


def test_names_from_task_data_are_single_components() -> None:
    from labelcore.formats._files import check_member, safe_basename

    for payload in GHSA_RGV9_PAYLOADS:
        name = safe_basename(payload, "fallback")
        assert "/" not in name and "\\" not in name and name not in ("", ".", "..")
        check_member("labels/" + name)
    assert safe_basename("/data/upload/1/a%20b.jpg", "x") == "a b.jpg"
    assert safe_basename("https://h/p/img.png?sig=1", "x") == "img.png"
    assert len(safe_basename("/x/" + "a" * 500 + ".jpg", "x")) <= 200
    for bad in ("../x", "/abs", "a/../b", "a\\b", "C:x", "", "a//b"):
        with pytest.raises(ValidationError):
            check_member(bad)


def test_old_exports_with_completions_are_read() -> None:
    xml, tasks = family("ner")
    task = tasks[1]
    task["completions"] = task.pop("annotations")
    out = io.BytesIO()
    export(xml, [task], "CONLL2003", out)
    assert "Initech -X- _ B-ORG" in out.getvalue().decode()
    out = io.BytesIO()
    export(xml, [task], "JSON", out)
    [exported] = json.loads(out.getvalue())
    assert "completions" not in exported and len(exported["annotations"]) == 2


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek/tell (an HTTP response body)."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.buf += b
        return len(b)


def test_zip_sink_whole_members_read_back_and_refuse_duplicates() -> None:
    from labelcore.formats._files import ZipSink, write_member

    out = _Unseekable()
    with ZipSink(out) as sink:  # type: ignore[arg-type]
        write_member(sink, "labels/a.txt", b"0 0.5 0.5 0.1 0.1\n")
        with sink.open("classes.txt") as f:
            f.write(b"cat\n")
        with pytest.raises(ValidationError) as dup:
            write_member(sink, "labels/a.txt", b"again")
        assert dup.value.code == "export.duplicate"
        with pytest.raises(ValidationError) as escape:
            write_member(sink, "../evil.txt", b"x")
        assert escape.value.code == "export.unsafe_name"
    with zipfile.ZipFile(io.BytesIO(bytes(out.buf))) as zf:
        assert zf.namelist() == ["labels/a.txt", "classes.txt"]
        assert zf.read("labels/a.txt") == b"0 0.5 0.5 0.1 0.1\n"
        assert zf.testzip() is None


def test_safe_basename_plain_path_shortcut_agrees_with_full_parsing(monkeypatch) -> None:
    import random
    import re

    from labelcore.formats import _files

    alphabet = "ab./-_09Z"
    rng = random.Random(7)
    refs = [
        "/data/upload/1/img_000001.jpg",
        "//host",
        "//host/a.jpg",
        "a/b/",
        "..",
        "/data/local-files/",
        "x" * 300 + ".jpeg",
        "",
        *("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3000)),
    ]
    fast = [_files.safe_basename(r, "fallback") for r in refs]
    monkeypatch.setattr(_files, "_PLAIN_PATH", re.compile(r"(?!)"))  # never matches
    assert fast == [_files.safe_basename(r, "fallback") for r in refs]
    assert fast[:2] == ["img_000001.jpg", "fallback"]


QUIET = [(n, f) for n, f in CASES if not check_format(FAMILIES[n][0], f).reads_predictions]


@pytest.mark.parametrize(("name", "fmt"), QUIET, ids=[f"{n}-{f}" for n, f in QUIET])
def test_formats_that_do_not_read_predictions_ignore_them(name: str, fmt: str, media: Path) -> None:
    """``reads_predictions=False`` lets a store leave predictions out of the tasks it
    reads for these formats: their files must not change without them."""
    xml, tasks = family(name)
    if name in ("ner", "image"):
        assert any(t.get("predictions") for t in tasks)
    bare = [{**t, "predictions": []} for t in tasks]
    outputs = []
    for given in (tasks, bare):
        out = io.BytesIO()
        export(
            parse_config(xml),
            iter(given),
            fmt,
            out,
            options=ExportOptions(now=NOW, media_root=media),
        )
        outputs.append(out.getvalue())
    if check_format(parse_config(xml), fmt).archive:
        outputs = [
            sorted((i.filename, z.read(i)) for i in z.infolist())
            for z in (zipfile.ZipFile(io.BytesIO(o)) for o in outputs)
        ]
    assert outputs[0] == outputs[1]
    assert {f for _, f in QUIET} >= {"JSON_MIN", "CSV", "CONLL2003", "YOLO"}
