"""The media suite reuses the UI suite's browser fixtures (``harness``, ``browser``...) from
tests/ui/conftest.py, loaded under another module name so the two conftests do not clash."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_UI = Path(__file__).resolve().parents[1] / "ui"
if str(_UI) not in sys.path:
    sys.path.insert(0, str(_UI))
_spec = importlib.util.spec_from_file_location("lc_media_ui_fixtures", _UI / "conftest.py")
assert _spec is not None and _spec.loader is not None
_ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ui)

static_url = _ui.static_url
watched_page = _ui.watched_page
_harness_page = _ui._harness_page
harness = _ui.harness


@pytest.fixture()
def media_files(harness: Any, static_url: str) -> Iterator[Callable[[str, bytes, str], str]]:
    """``add(name, body, content_type) -> url``: serve generated media on the harness page's
    own origin (its CSP allows only 'self'), answering Range requests as labelcore's media
    endpoints do (media elements seek only in files served with byte ranges)."""
    page = harness.page
    files: dict[str, tuple[bytes, str]] = {}

    def handle(route: Any) -> None:
        body, ctype = files[route.request.url.rsplit("/", 1)[-1]]
        rng = route.request.headers.get("range", "")
        headers = {"Accept-Ranges": "bytes"}
        if rng.startswith("bytes="):
            first, _, last = rng[6:].partition("-")
            a, b = int(first or 0), int(last) if last else len(body) - 1
            headers["Content-Range"] = f"bytes {a}-{b}/{len(body)}"
            route.fulfill(status=206, body=body[a : b + 1], headers=headers, content_type=ctype)
        else:
            route.fulfill(status=200, body=body, headers=headers, content_type=ctype)

    def add(name: str, body: bytes, content_type: str) -> str:
        files[name] = (body, content_type)
        return f"{static_url}/test-media/{name}"

    page.route(f"{static_url}/test-media/*", handle)
    yield add
    page.unroute(f"{static_url}/test-media/*")


@pytest.fixture()
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A boto3 S3 client talking to a moto server on 127.0.0.1 (a free port), with a bucket
    "frames" holding "day 1/cat.jpg" (JPEG bytes) and an empty bucket "uploads"."""
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.moto_server.threaded_moto_server")
    from lc_media_images import JPEG

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket="frames")
    client.create_bucket(Bucket="uploads")
    client.put_object(Bucket="frames", Key="day 1/cat.jpg", Body=JPEG)
    try:
        yield client
    finally:
        server.stop()
