"""Media files uploaded through the import endpoint (the data manager's import dialog): one
task per file, kept in the media store (a local folder, or S3 against a moto server), type
checked by content, served only to users who see the project, with safe headers. And media
URLs in task data resolved for the browser (task API ``resolve_uri``, the labeling page)."""

from __future__ import annotations

import io
import json
import struct
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from lc_media_images import JPEG, png

from labelcore.media import LocalMediaStore, S3MediaStore, S3Presigner
from labelcore.model import User
from labelcore.service import LabelCore
from labelcore.web.app import WebApp
from labelcore.web.http import Headers, MultiDict, Request, Response, UploadedFile

MANAGER = User(id="meg", name="Meg", roles=frozenset({"manager"}))
ANNOTATOR = User(id="ann", name="Ann", roles=frozenset({"annotator"}))
OUTSIDER = User(id="oz", name="Oz", roles=frozenset({"annotator"}))
IMAGE_CONFIG = """<View><Image name="img" value="$image"/>
<RectangleLabels name="box" toName="img"><Label value="Cat"/></RectangleLabels></View>"""
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def wav() -> bytes:
    data = b"\x00\x00" * 800
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )


def make(store: Any = None, **kw: Any) -> tuple[WebApp, int]:
    core = LabelCore("memory://", start_jobs=False)
    web = WebApp(core, identify=lambda native: native, csrf=None, media_store=store, **kw)
    pid = core.create_project(MANAGER, title="cats", label_config=IMAGE_CONFIG).id
    return web, pid


def call(
    web: WebApp,
    method: str,
    path: str,
    user: Any = MANAGER,
    *,
    files: Any = None,
    query: Any = (),
    body: Any = None,
    script_root: str = "",
    rng: str | None = None,
) -> tuple[Response, bytes]:
    headers = Headers([("Range", rng)] if rng else [])
    kw: dict[str, Any] = {}
    if files is not None:
        ups = [
            UploadedFile(field="file", filename=n, content_type="", stream=io.BytesIO(b))
            for n, b in files
        ]
        headers.set("Content-Type", "multipart/form-data; boundary=x")
        kw["form_parser"] = lambda: (MultiDict(), ups)
    if body is not None:
        headers.set("Content-Type", "application/json")
        kw["body"] = json.dumps(body).encode()
    req = Request(
        method=method,
        path=path,
        query=MultiDict(list(query)),
        headers=headers,
        native=user,
        script_root=script_root,
        **kw,
    )
    resp = web.handle(req)
    return resp, b"".join(resp.iter_body())


def upload(web: WebApp, pid: int, files: Any, user: Any = MANAGER) -> tuple[Response, Any]:
    resp, body = call(
        web,
        "POST",
        f"/api/projects/{pid}/import",
        user,
        files=files,
        query=[("return_task_ids", "true")],
    )
    return resp, json.loads(body)


def task_data(web: WebApp, tid: int) -> dict[str, Any]:
    return web.core.get_task(MANAGER, tid).task.data  # type: ignore[no-any-return]


def stored(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_images_become_one_task_each_and_are_served_safely(tmp_path: Path) -> None:
    web, pid = make(tmp_path / "media")
    resp, out = upload(web, pid, [("cat.png", png(20, 10)), ("My Dog (1).jpg", JPEG)])
    assert resp.status == 201, out
    assert out["task_count"] == 2 and len(out["task_ids"]) == 2
    urls = [task_data(web, t)["image"] for t in out["task_ids"]]
    assert urls[0].startswith(f"/data/upload/{pid}/") and urls[0].endswith("-cat.png")
    assert urls[1].endswith("-My_Dog_1_.jpg")
    assert [p.parent.name for p in stored(tmp_path / "media")] == [str(pid), str(pid)]
    got, body = call(web, "GET", urls[0], ANNOTATOR)
    assert got.status == 200 and body == png(20, 10)
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Security-Policy"] == "sandbox"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    part, body = call(web, "GET", urls[1], ANNOTATOR, query=[])
    assert part.headers["Content-Type"] == "image/jpeg"
    # the labeling page and the task API (resolve_uri) give the browser the prefixed path
    resp, body = call(
        web,
        "GET",
        f"/api/tasks/{out['task_ids'][0]}",
        query=[("resolve_uri", "1")],
        script_root="/label",
    )
    assert json.loads(body)["data"]["image"] == "/label" + urls[0]
    resp, body = call(
        web,
        "POST",
        f"/ui/projects/{pid}/task-view",
        body={"task": out["task_ids"][0]},
        script_root="/app/label",
    )
    assert resp.status == 200 and json.loads(body)["data"]["image"] == "/app/label" + urls[0]


def test_html_disguised_as_jpg_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    web, pid = make(tmp_path / "media")
    resp, out = upload(web, pid, [("cat.png", png(4, 4)), ("evil.jpg", HTML)])
    assert resp.status == 400
    assert (
        out["errors"][0]["code"] == "media.bad_type" and "evil.jpg" in out["errors"][0]["message"]
    )
    assert web.core.project_counts(MANAGER, pid).task_count == 0
    assert stored(tmp_path / "media") == []


def test_svg_with_script_is_not_media(tmp_path: Path) -> None:
    web, pid = make(tmp_path / "media")
    resp, out = upload(
        web, pid, [("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')]
    )
    assert resp.status == 400 and out["errors"][0]["code"] == "media.bad_type"
    assert stored(tmp_path / "media") == []


def test_audio_does_not_fit_an_image_config(tmp_path: Path) -> None:
    web, pid = make(tmp_path / "media")
    resp, out = upload(web, pid, [("a.wav", wav())])
    assert resp.status == 400 and out["errors"][0]["code"] == "media.wrong_kind"
    assert "audio does not fit $image" in out["errors"][0]["message"]
    assert stored(tmp_path / "media") == []


def test_config_with_two_data_keys_is_refused(tmp_path: Path) -> None:
    web, pid = make(tmp_path / "media")
    two = IMAGE_CONFIG.replace("</View>", '<Text name="t" value="$caption"/></View>')
    web.core.update_project(MANAGER, pid, label_config=two)
    resp, out = upload(web, pid, [("cat.png", png(4, 4))])
    assert resp.status == 400 and out["code"] == "media.needs_one_key"
    assert "caption, image" in out["detail"]


@pytest.mark.parametrize(
    "config",
    [
        '<View><Text name="t" value="$image"/><Choices name="c" toName="t">'
        '<Choice value="a"/></Choices></View>',
        '<View><TimeSeries name="ts" value="$image" valueType="url"/></View>',
    ],
    ids=["text", "timeseries"],
)
def test_media_files_need_an_image_audio_or_video_tag(tmp_path: Path, config: str) -> None:
    web, pid = make(tmp_path / "media")
    web.core.update_project(MANAGER, pid, label_config=config)
    resp, out = upload(web, pid, [("cat.png", png(4, 4))])
    assert resp.status == 400 and out["code"] == "media.no_media_tag", out
    assert stored(tmp_path / "media") == []


def test_without_a_media_store_uploads_are_refused(tmp_path: Path) -> None:
    web, pid = make(None)
    resp, out = upload(web, pid, [("cat.png", png(4, 4))])
    assert resp.status == 400 and out["code"] == "media.no_store"


def test_annotator_may_not_upload_media(tmp_path: Path) -> None:
    web, pid = make(tmp_path / "media")
    resp, out = upload(web, pid, [("cat.png", png(4, 4))], user=ANNOTATOR)
    assert resp.status == 403
    assert stored(tmp_path / "media") == []


def test_task_files_still_import_as_tasks(tmp_path: Path) -> None:
    web, pid = make(tmp_path / "media")
    tasks = json.dumps([{"image": "https://cdn.example.com/a.png"}]).encode()
    resp, out = upload(web, pid, [("tasks.json", tasks)])
    assert resp.status == 201 and out["task_count"] == 1
    assert task_data(web, out["task_ids"][0]) == {"image": "https://cdn.example.com/a.png"}
    resp, out = upload(web, pid, [("tasks.json", tasks), ("cat.png", png(4, 4))])
    assert resp.status == 400 and out["errors"][0]["file"] == "tasks.json"


def test_uploads_are_served_only_within_their_visible_project(tmp_path: Path) -> None:
    web, pid = make(tmp_path / "media")
    other = web.core.create_project(MANAGER, title="other", label_config=IMAGE_CONFIG).id
    _, out = upload(web, pid, [("cat.png", png(4, 4))])
    url = task_data(web, out["task_ids"][0])["image"]
    name = url.rsplit("/", 1)[1]
    assert call(web, "GET", url, None)[0].status == 401
    # the same name through another project's path is not found
    assert call(web, "GET", f"/data/upload/{other}/{name}", ANNOTATOR)[0].status == 404
    # once the project has members, an outsider cannot even learn the file exists
    web.core.set_members(MANAGER, pid, {ANNOTATOR.id: "annotator"})
    assert call(web, "GET", url, ANNOTATOR)[0].status == 200
    assert call(web, "GET", url, OUTSIDER)[0].status == 404


@pytest.mark.parametrize(
    "name", ["..", "..%2f..%2fetc%2fpasswd", "%2e%2e", ".hidden", "a\\..\\b", "x\x00.png"]
)
def test_upload_path_traversal_is_refused(tmp_path: Path, name: str) -> None:
    web, pid = make(tmp_path / "media")
    (tmp_path / "secret.png").write_bytes(png(4, 4))
    (tmp_path / "media" / str(pid)).mkdir(parents=True)
    resp, body = call(web, "GET", f"/data/upload/{pid}/{name}", MANAGER)
    assert resp.status == 404 and png(4, 4) not in body
    store = LocalMediaStore(tmp_path / "media")
    with pytest.raises(Exception, match="not found"):
        store.open(pid, "../secret.png")


def test_oversized_media_upload_is_refused_and_removed(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media", max_bytes=100)
    web, pid = make(store)
    resp, out = upload(web, pid, [("big.png", png(64, 64))])
    assert resp.status == 413, out
    assert stored(tmp_path / "media") == []


def test_s3_media_store_uploads_and_presigns(s3: Any) -> None:
    web, pid = make(S3MediaStore("uploads", prefix="media/", client=s3))
    resp, out = upload(web, pid, [("cat.png", png(8, 8))])
    assert resp.status == 201, out
    url = task_data(web, out["task_ids"][0])["image"]
    assert url.startswith(f"s3://uploads/media/{pid}/") and url.endswith("-cat.png")
    key = url.removeprefix("s3://uploads/")
    head = s3.head_object(Bucket="uploads", Key=key)
    assert head["ContentType"] == "image/png"
    # what the browser gets is a presigned URL that downloads the bytes
    _, body = call(web, "GET", f"/api/tasks/{out['task_ids'][0]}", query=[("resolve_uri", "true")])
    signed = json.loads(body)["data"]["image"]
    assert signed.startswith("http://127.0.0.1:") and "Signature=" in signed
    with urllib.request.urlopen(signed, timeout=10) as got:  # noqa: S310 - local moto server
        assert got.read() == png(8, 8)
    # without resolve_uri the API gives the stored URL, as Label Studio does
    _, body = call(web, "GET", f"/api/tasks/{out['task_ids'][0]}")
    assert json.loads(body)["data"]["image"] == url
    # a failed import removes what it stored
    resp, out = upload(web, pid, [("ok.png", png(4, 4)), ("bad.jpg", HTML)])
    assert resp.status == 400
    assert len(s3.list_objects_v2(Bucket="uploads", Prefix="media/").get("Contents", [])) == 1


def test_oversized_s3_upload_is_refused_and_nothing_is_kept(s3: Any) -> None:
    web, pid = make(S3MediaStore("uploads", prefix="big/", client=s3, max_bytes=100))
    resp, out = upload(web, pid, [("big.png", png(64, 64))])
    assert resp.status == 413, out
    # (moto's in-process servers share their state: look at this test's prefix only)
    assert s3.list_objects_v2(Bucket="uploads", Prefix="big/").get("Contents", []) == []


def test_gallery_lists_are_resolved_item_by_item(s3: Any) -> None:
    gallery = '<View><Image name="img" valueList="$images"/></View>'
    web, pid = make(None, media_resolvers=[S3Presigner(s3, buckets=["frames"])])
    web.core.update_project(MANAGER, pid, label_config=gallery)
    images = ["/data/local-files/?d=a.png", "s3://frames/day 1/cat.jpg", "javascript:alert(1)"]
    [task] = web.core.import_tasks(MANAGER, pid, [{"images": images}]).task_ids
    _, body = call(
        web, "POST", f"/ui/projects/{pid}/task-view", body={"task": task}, script_root="/label"
    )
    got = json.loads(body)["data"]["images"]
    assert got[0] == "/label/data/local-files/?d=a.png"
    assert got[1].startswith("http://127.0.0.1:") and "Signature=" in got[1]
    assert got[2] == "javascript:alert(1)"  # no resolver takes it; the screen refuses it


def test_s3_urls_in_task_data_reach_the_labeling_page_presigned(s3: Any) -> None:
    web, pid = make(None, media_resolvers=[S3Presigner(s3, buckets=["frames"])])
    [task] = web.core.import_tasks(
        MANAGER, pid, [{"image": "s3://frames/day 1/cat.jpg"}, {"image": "s3://private/x.jpg"}]
    ).task_ids[:1]
    resp, body = call(web, "POST", f"/ui/projects/{pid}/task-view", body={"task": task})
    signed = json.loads(body)["data"]["image"]
    assert signed.startswith("http://127.0.0.1:") and "Signature=" in signed
    with urllib.request.urlopen(signed, timeout=10) as got:  # noqa: S310 - local moto server
        assert got.read() == JPEG
    # a bucket outside the allow-list is not presigned (the browser cannot load s3://)
    _, body = call(web, "POST", f"/ui/projects/{pid}/task-view", body={"task": task + 1})
    assert json.loads(body)["data"]["image"] == "s3://private/x.jpg"


MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(200)


@pytest.mark.parametrize(
    ("config", "name", "data", "ctype"),
    [
        ('<View><Audio name="a" value="$audio"/></View>', "talk.wav", wav(), "audio/wav"),
        ('<View><Video name="v" value="$video"/></View>', "clip.mp4", MP4, "video/mp4"),
    ],
    ids=["audio", "video"],
)
def test_audio_and_video_uploads_become_tasks_with_range_support(
    tmp_path: Path, config: str, name: str, data: bytes, ctype: str
) -> None:
    web, pid = make(tmp_path / "media")
    web.core.update_project(MANAGER, pid, label_config=config)
    resp, out = upload(web, pid, [(name, data), (name, data)])
    assert resp.status == 201 and out["task_count"] == 2, out
    [key] = task_data(web, out["task_ids"][0])
    url = task_data(web, out["task_ids"][0])[key]
    got, body = call(web, "GET", url, ANNOTATOR, rng="bytes=4-11")
    assert got.status == 206 and body == data[4:12]
    assert got.headers["Content-Range"] == f"bytes 4-11/{len(data)}"
    assert got.headers["Content-Type"] == ctype
    assert call(web, "GET", url, ANNOTATOR, rng=f"bytes={len(data)}-")[0].status == 416


def test_s3_upload_of_another_project_is_not_presigned_cross_project(s3: Any) -> None:
    """An importer of project B names project A's stored upload (or any other key under the
    store's prefix) in B's task data: B's screen and task API must not presign it."""
    store = S3MediaStore("uploads", prefix="xproj/", client=s3)
    web, pid_a = make(store)
    resp, out = upload(web, pid_a, [("secret.png", png(8, 8))])
    assert resp.status == 201, out
    url_a = task_data(web, out["task_ids"][0])["image"]
    pid_b = web.core.create_project(MANAGER, title="other", label_config=IMAGE_CONFIG).id
    stolen = [url_a, "s3://uploads/xproj/notes.txt", f"s3://uploads/xproj/{pid_b}/../x.png"]
    tasks = web.core.import_tasks(MANAGER, pid_b, [{"image": u} for u in stolen]).task_ids
    for tid, url in zip(tasks, stolen, strict=True):
        _, body = call(web, "GET", f"/api/tasks/{tid}", query=[("resolve_uri", "true")])
        assert json.loads(body)["data"]["image"] == url
        _, body = call(web, "POST", f"/ui/projects/{pid_b}/task-view", body={"task": tid})
        assert json.loads(body)["data"]["image"] == url
    # in its own project the upload is still presigned and loads
    _, body = call(web, "GET", f"/api/tasks/{out['task_ids'][0]}", query=[("resolve_uri", "true")])
    signed = json.loads(body)["data"]["image"]
    with urllib.request.urlopen(signed, timeout=10) as got:  # noqa: S310 - local moto server
        assert got.read() == png(8, 8)
