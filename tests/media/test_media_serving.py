"""Local media served from configured roots only: traversal payloads, Range, safe types."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from labelcore.media import LocalMedia, parse_range, sniff_type
from labelcore.model import User
from labelcore.service import LabelCore
from labelcore.web.app import WebApp
from labelcore.web.http import Headers, MultiDict, Request, Response

ANN = User(id="ann", name="Ann", roles=frozenset({"annotator"}))
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # a PNG signature and 1032 more bytes
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture()
def roots(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "media"
    (root / "images").mkdir(parents=True)
    (root / "images" / "cat.png").write_bytes(PNG)
    (root / "images" / "fake.jpg").write_bytes(HTML)
    (root / "images" / "notes.csv").write_bytes(b"time,value\n0,1\n1,2\n")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd").write_bytes(b"root:x:0:0\n")
    (root / "images" / "escape").symlink_to(secret)
    (root / "images" / "escape.txt").symlink_to(secret / "passwd")
    return {"root": root, "secret": secret}


@pytest.fixture()
def web(roots: dict[str, Path]) -> WebApp:
    core = LabelCore("memory://", start_jobs=False)
    return WebApp(core, identify=lambda native: native, csrf=None, media_roots=[roots["root"]])


def get(
    web: WebApp, d: str | None, *, user: Any = ANN, rng: str | None = None, method: str = "GET"
) -> tuple[Response, bytes]:
    headers = Headers([("Range", rng)] if rng else [])
    query = MultiDict([("d", d)] if d is not None else [])
    req = Request(
        method=method, path="/data/local-files/", query=query, headers=headers, native=user
    )
    resp = web.handle(req)
    return resp, b"".join(resp.iter_body())


def test_png_is_served_with_safe_headers(web: WebApp) -> None:
    resp, body = get(web, "images/cat.png")
    assert resp.status == 200 and body == PNG
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Security-Policy"] == "sandbox"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Length"] == str(len(PNG))
    assert resp.headers["Accept-Ranges"] == "bytes"


def test_cve_2026_85211_anonymous_requests_get_no_media(web: WebApp) -> None:
    resp, body = get(web, "images/cat.png", user=None)
    assert resp.status == 401 and PNG[:8] not in body


def test_without_media_roots_nothing_is_served(roots: dict[str, Path]) -> None:
    core = LabelCore("memory://", start_jobs=False)
    bare = WebApp(core, identify=lambda native: native, csrf=None)
    resp, _ = get(bare, "images/cat.png")
    assert resp.status == 404


@pytest.mark.parametrize(
    "payload",
    [
        "../secret/passwd",
        "images/../../secret/passwd",
        "images/../images/cat.png",  # even a ".." that stays inside is refused
        "..%2fsecret%2fpasswd",  # URL-encoded once more than the adapter decodes
        "..%252fsecret%252fpasswd",
        "images\\..\\..\\secret\\passwd",
        "..\\secret\\passwd",
        "/etc/passwd",
        "//etc/passwd",
        "C:/Windows/win.ini",
        "c:\\Windows\\win.ini",
        "images/cat.png\x00.txt",
        "./images/cat.png",
        "images//cat.png",
        "",
        "images",
        "images/escape/passwd",  # a symlinked folder leading out of the root
        "images/escape.txt",  # a symlinked file leading out of the root
    ],
)
def test_ghsa_rgv9_path_traversal_payloads_are_refused(web: WebApp, payload: str) -> None:
    resp, body = get(web, payload)
    assert resp.status == 404, payload
    assert b"root:x" not in body and PNG[:8] not in body


def test_ghsa_rgv9_absolute_path_outside_roots(web: WebApp, roots: dict[str, Path]) -> None:
    resp, body = get(web, str(roots["secret"] / "passwd"))
    assert resp.status == 404 and b"root:x" not in body


def test_missing_d_parameter_is_not_found(web: WebApp) -> None:
    assert get(web, None)[0].status == 404


def test_ghsa_q68h_html_named_jpg_is_served_as_octet_stream(web: WebApp) -> None:
    resp, body = get(web, "images/fake.jpg")
    assert resp.status == 200 and body == HTML
    assert resp.headers["Content-Type"] == "application/octet-stream"
    assert resp.headers["Content-Disposition"] == "attachment"
    assert resp.headers["Content-Security-Policy"] == "sandbox"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_ghsa_fq23_content_type_never_comes_from_the_name(tmp_path: Path) -> None:
    for name in ("x.html", "x.svg", "x.htm", "x.js", "x.jpg", "x.png", "x.csv", "x.json"):
        assert sniff_type(HTML, name) == "application/octet-stream", name
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert sniff_type(svg, "x.svg") == "application/octet-stream"


def test_csv_data_file_is_text(web: WebApp) -> None:
    resp, body = get(web, "images/notes.csv")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"time,value")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "video/webm"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
        (b"ID3\x04\x00\x00\x00\x00", "audio/mpeg"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"%PDF-1.7\n", "application/octet-stream"),
    ],
)
def test_sniffed_types(head: bytes, expected: str) -> None:
    assert sniff_type(head + b"\x00" * 16, "whatever.bin") == expected


def test_range_gives_206_with_content_range(web: WebApp) -> None:
    resp, body = get(web, "images/cat.png", rng="bytes=8-15")
    assert resp.status == 206 and body == PNG[8:16]
    assert resp.headers["Content-Range"] == f"bytes 8-15/{len(PNG)}"
    assert resp.headers["Content-Length"] == "8"


def test_open_and_suffix_ranges(web: WebApp) -> None:
    resp, body = get(web, "images/cat.png", rng="bytes=1000-")
    assert resp.status == 206 and body == PNG[1000:]
    resp, body = get(web, "images/cat.png", rng="bytes=-10")
    assert resp.status == 206 and body == PNG[-10:]
    resp, body = get(web, "images/cat.png", rng="bytes=0-999999")
    assert resp.status == 206 and body == PNG


def test_unsatisfiable_range_is_416(web: WebApp) -> None:
    resp, body = get(web, "images/cat.png", rng=f"bytes={len(PNG)}-")
    assert resp.status == 416
    assert resp.headers["Content-Range"] == f"bytes */{len(PNG)}"
    assert PNG[:8] not in body


def test_malformed_or_multi_range_sends_everything(web: WebApp) -> None:
    for rng in ("bytes=0-1,4-5", "items=0-3", "bytes=5-2", "bytes=abc"):
        resp, body = get(web, "images/cat.png", rng=rng)
        assert resp.status == 200 and body == PNG, rng


def test_head_sends_headers_only(web: WebApp) -> None:
    resp, body = get(web, "images/cat.png", method="HEAD")
    assert resp.status == 200 and body == b""
    assert resp.headers["Content-Length"] == str(len(PNG))


def test_parse_range_edges() -> None:
    assert parse_range(None, 10) is None
    assert parse_range("bytes=0-0", 10) is not None
    with pytest.raises(Exception, match="empty"):
        parse_range("bytes=-0", 10)
    with pytest.raises(Exception, match="past the end"):
        parse_range("bytes=10-", 10)


def test_first_root_having_the_file_wins(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (b / "x.png").write_bytes(PNG)
    media = LocalMedia([a, b])
    found = media.open("x.png")
    assert found.path == (b / "x.png").resolve() and found.size == len(PNG)
    assert b"".join(found.iter_bytes()) == PNG


def test_symlink_inside_the_root_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "real").mkdir(parents=True)
    (root / "real" / "x.png").write_bytes(PNG)
    os.symlink(root / "real", root / "alias")
    assert LocalMedia([root]).open("alias/x.png").content_type == "image/png"


def test_flask_adapter_passes_media_roots(roots: dict[str, Path]) -> None:
    flask = pytest.importorskip("flask")
    from labelcore_flask import LabelcoreFlask

    app = flask.Flask("lc_media_host")
    app.config["SECRET_KEY"] = "test-secret-key-0123456789abcdef"
    core = LabelCore("memory://", start_jobs=False)
    LabelcoreFlask(core, identify=lambda req: ANN, media_roots=[str(roots["root"])]).init_app(
        app, url_prefix="/label"
    )
    client = app.test_client()
    ok = client.get("/label/data/local-files/?d=images/cat.png", headers={"Range": "bytes=0-7"})
    assert ok.status_code == 206 and ok.data == PNG[:8]
    assert ok.headers["Content-Security-Policy"] == "sandbox"
    bad = client.get("/label/data/local-files/?d=..%2Fsecret%2Fpasswd")
    assert bad.status_code == 404 and b"root:x" not in bad.data
