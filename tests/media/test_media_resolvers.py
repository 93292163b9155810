"""Media URL resolvers: http(s) pass-through, s3:// presigning against a local moto server."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from lc_media_images import JPEG

from labelcore.errors import ValidationError
from labelcore.media import (
    MediaResolver,
    PassThroughResolver,
    S3Presigner,
    resolve_media_url,
)

pytest.importorskip("boto3")


def test_http_urls_pass_through_unchanged() -> None:
    r = PassThroughResolver()
    assert r.resolve("https://cdn.example.com/a.jpg?x=1") == "https://cdn.example.com/a.jpg?x=1"
    assert r.resolve("HTTP://cdn.example.com/a.jpg") == "HTTP://cdn.example.com/a.jpg"
    assert r.resolve("s3://b/k") is None
    assert r.resolve("javascript:alert(1)") is None
    assert r.resolve("file:///etc/passwd") is None


def test_resolvers_satisfy_the_protocol(s3: Any) -> None:
    assert isinstance(PassThroughResolver(), MediaResolver)
    assert isinstance(S3Presigner(s3), MediaResolver)


def test_unhandled_urls_are_refused() -> None:
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>", "/x.jpg"):
        with pytest.raises(ValidationError) as info:
            resolve_media_url(url, [PassThroughResolver()])
        assert info.value.code == "media.unresolvable_url"


def test_s3_presigned_url_downloads_the_object(s3: Any) -> None:
    url = resolve_media_url(
        "s3://frames/day 1/cat.jpg", [PassThroughResolver(), S3Presigner(s3, expires=120)]
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.hostname == "127.0.0.1"
    assert any(k in query for k in ("X-Amz-Signature", "Signature"))
    assert query.get("X-Amz-Expires", query.get("Expires")) is not None
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - local moto server
        assert resp.read() == JPEG


def test_s3_presigned_url_with_a_tampered_key_is_refused(s3: Any) -> None:
    url = S3Presigner(s3).resolve("s3://frames/day 1/cat.jpg")
    assert url is not None
    tampered = url.replace("cat.jpg", "dog.jpg")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(tampered, timeout=10)  # noqa: S310 - local moto server
    assert info.value.code in (403, 404)


def test_s3_bucket_allow_list(s3: Any) -> None:
    presigner = S3Presigner(s3, buckets=["frames"])
    assert presigner.resolve("s3://frames/day 1/cat.jpg")
    with pytest.raises(ValidationError) as info:
        presigner.resolve("s3://private/keys.txt")
    assert info.value.code == "media.bucket_not_allowed"


@pytest.mark.parametrize("url", ["s3://", "s3://bucket", "s3://bucket/", "s3:///key"])
def test_s3_urls_without_bucket_and_key_are_refused(s3: Any, url: str) -> None:
    with pytest.raises(ValidationError) as info:
        S3Presigner(s3).resolve(url)
    assert info.value.code == "media.bad_s3_url"


def test_s3_expiry_is_bounded(s3: Any) -> None:
    for bad in (0, 8 * 24 * 3600):
        with pytest.raises(ValueError, match="expires"):
            S3Presigner(s3, expires=bad)
