"""SSRF guard regression tests: one per known attack (GHSA-pc6f, GHSA-p59w, GHSA-m238,
CVE-2026-85179), plus the positive paths against a local server on 127.0.0.1."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from labelcore.errors import TooLarge, UnsafeURL
from labelcore.net import FetchError, NetPolicy, check_address, check_url, open_url

LOCAL = NetPolicy(allow_loopback=True, timeout=5.0)


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        if path == "/ok":
            self._send(200, b"hello")
        elif path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", path.split("=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/big":
            self._send(200, b"x" * 5000)
        elif path == "/big-chunked":
            self.send_response(200)
            self.end_headers()  # no Content-Length: read until close
            for _ in range(10):
                self.wfile.write(b"y" * 1000)
            self.close_connection = True
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(50):
                try:
                    self.wfile.write(b"z")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
        elif path == "/headers":
            body = "\n".join(f"{k}: {v}" for k, v in self.headers.items()).encode()
            self._send(200, body)
        else:
            self._send(404, b"no")

    def do_POST(self) -> None:  # noqa: N802
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n)
        if self.path.startswith("/redirect307?to="):
            self.send_response(307)
            self.send_header("Location", self.path.split("=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, b"echo:" + data)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def server() -> Iterator[str]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


# -- attacks ------------------------------------------------------------------------------


def test_ssrf_loopback_is_refused(server: str) -> None:
    for url in (server + "/ok", "http://localhost/", "http://[::1]/", "http://127.8.9.1/"):
        with pytest.raises(UnsafeURL, match="loopback"):
            check_url(url, NetPolicy())
    with pytest.raises(UnsafeURL, match="loopback"):
        open_url(server + "/ok", NetPolicy())


def test_ssrf_metadata_ip_is_refused() -> None:
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/"):
        with pytest.raises(UnsafeURL, match="link-local"):
            check_url(url, NetPolicy())
    # even the most permissive policy never reaches cloud metadata
    permissive = NetPolicy(allow_loopback=True, allow_private=True)
    with pytest.raises(UnsafeURL, match="link-local"):
        open_url("http://169.254.169.254/latest/meta-data/", permissive)


def test_ssrf_private_ranges_are_refused() -> None:
    for url in (
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://[fec0::1]/",
    ):
        with pytest.raises(UnsafeURL, match="private"):
            check_url(url, NetPolicy())
        check_url(url, NetPolicy(allow_private=True))


def test_ssrf_unspecified_multicast_reserved_are_refused() -> None:
    cases = {
        "http://0.0.0.0/": "unspecified",
        "http://0.1.2.3/": "unspecified",
        "http://[::]/": "unspecified",
        "http://224.0.0.1/": "multicast",
        "http://[ff02::1]/": "multicast",
        "http://240.0.0.1/": "reserved",
        "http://255.255.255.255/": "reserved",
        "http://192.0.2.1/": "reserved",
        "http://198.18.0.1/": "reserved",
        "http://[2001:db8::1]/": "reserved",
    }
    for url, why in cases.items():
        with pytest.raises(UnsafeURL, match=why):
            check_url(url, NetPolicy(allow_loopback=True, allow_private=True))


def test_ssrf_ipv4_mapped_is_refused() -> None:
    for url in (
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[2002:7f00:1::]/",  # 6to4 carrying 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 carrying 169.254.169.254
        "http://[::ffff:0:a00:1]/",  # SIIT-translated 10.0.0.1
    ):
        with pytest.raises(UnsafeURL, match="embedded"):
            check_url(url, NetPolicy())
    check_url("http://[::ffff:8.8.8.8]/", NetPolicy())  # a public v4 inside is fine
    with pytest.raises(UnsafeURL, match="reserved"):  # Teredo is not routed for us
        check_url("http://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/", NetPolicy())


def test_ssrf_decimal_ip_is_refused() -> None:
    for url in (
        "http://2130706433/",  # decimal 127.0.0.1
        "http://0x7f000001/",  # hex
        "http://0177.0.0.1/",  # octal
        "http://127.1/",  # short form
        "http://0x7f.0.0.1/",
        "http://2852039166/",  # decimal 169.254.169.254
        "http://0xa9fea9fe/",
    ):
        with pytest.raises(UnsafeURL, match=r"resolves to (127\.0\.0\.1|169\.254\.169\.254)"):
            check_url(url, NetPolicy())
    with pytest.raises(UnsafeURL, match="numeric address"):
        check_url("http://0x1ffffffff/", NetPolicy())


def test_ssrf_redirect_to_private_is_refused(server: str) -> None:
    for target in (
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:192.168.0.1]/",
        "http://0xa9fea9fe/",
    ):
        with pytest.raises(UnsafeURL):
            open_url(f"{server}/redirect?to={target}", LOCAL)


def test_ssrf_redirect_to_loopback_is_refused_when_only_the_first_host_is_trusted(
    server: str,
) -> None:
    # the first hop is allowed by name, the redirect goes to another name on loopback
    port = server.rsplit(":", 1)[1]
    policy = NetPolicy(trusted_hosts=frozenset({"127.0.0.1"}), timeout=5.0)
    with open_url(f"{server}/ok", policy) as resp:
        assert resp.read() == b"hello"
    with pytest.raises(UnsafeURL, match="loopback"):
        open_url(f"{server}/redirect?to=http://localhost:{port}/ok", policy)


def test_ssrf_redirect_to_file_scheme_is_refused(server: str) -> None:
    with pytest.raises(UnsafeURL, match="scheme 'file'"):
        open_url(f"{server}/redirect?to=file:///etc/passwd", LOCAL)


def test_ssrf_dns_rebinding_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # the first lookup (validation) says public, the one at connect time says loopback
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def fake(host: str, port: object, *args: object, **kwargs: object) -> list[object]:
        if host == "rebind.example":
            ip = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    check_url("http://rebind.example/", NetPolicy())  # looks fine now
    with pytest.raises(UnsafeURL, match="loopback"):
        open_url("http://rebind.example/", NetPolicy())


def test_ssrf_dns_any_bad_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # round-robin: one public and one private answer -> refused as a whole
    def fake(host: str, port: object, *args: object, **kwargs: object) -> list[object]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(UnsafeURL, match="10.1.2.3"):
        check_url("http://mixed.example/", NetPolicy())


def test_ssrf_file_scheme_is_refused() -> None:
    for url in ("file:///etc/passwd", "FILE:///etc/passwd", "file://localhost/etc/passwd"):
        with pytest.raises(UnsafeURL, match="scheme"):
            open_url(url, LOCAL)


def test_ssrf_gopher_is_refused() -> None:
    for url in (
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "ftp://example.com/",
        "dict://x:11211/",
        "//example.com/x",
        "example.com",
    ):
        with pytest.raises(UnsafeURL, match="scheme"):
            check_url(url, LOCAL)


def test_ssrf_credentials_and_control_characters_are_refused() -> None:
    with pytest.raises(UnsafeURL, match="credentials"):
        check_url("http://user:pw@example.com/", NetPolicy())
    with pytest.raises(UnsafeURL, match="control"):
        check_url("http://example.com/\r\nHost: evil", NetPolicy())
    with pytest.raises(UnsafeURL, match="line break"):
        open_url("http://example.com/", NetPolicy(), headers={"X": "a\r\nB: c"})


def test_allow_hosts_limits_reachable_names(server: str) -> None:
    policy = NetPolicy(allow_hosts=frozenset({".example.com"}), allow_loopback=True)
    with pytest.raises(UnsafeURL, match="not in the allowed hosts"):
        check_url(server + "/ok", policy)
    with pytest.raises(UnsafeURL, match="not in the allowed hosts"):
        check_url("http://example.com.evil.org/", policy)
    ok = NetPolicy(allow_hosts=frozenset({"127.0.0.1"}), allow_loopback=True, timeout=5)
    with open_url(server + "/ok", ok) as resp:
        assert resp.read() == b"hello"


def test_check_address_accepts_public() -> None:
    check_address("8.8.8.8", NetPolicy())
    check_address("2606:4700:4700::1111", NetPolicy())


# -- positive paths and limits --------------------------------------------------------------


def test_get_follows_safe_redirects(server: str) -> None:
    with open_url(f"{server}/redirect?to=/ok", LOCAL) as resp:
        assert resp.status == 200
        assert resp.url == f"{server}/ok"
        assert resp.read() == b"hello"


def test_post_body_and_307_keeps_method(server: str) -> None:
    with open_url(f"{server}/echo", LOCAL, method="POST", body=b"abc") as resp:
        assert resp.read() == b"echo:abc"
    with open_url(f"{server}/redirect307?to=/echo", LOCAL, method="POST", body=b"q") as resp:
        assert resp.read() == b"echo:q"


def test_too_many_redirects(server: str) -> None:
    with pytest.raises(FetchError) as exc:
        open_url(f"{server}/loop", NetPolicy(allow_loopback=True, max_redirects=3))
    assert exc.value.code == "url.too_many_redirects"


def test_size_limit_announced_and_streamed(server: str) -> None:
    small = NetPolicy(allow_loopback=True, max_bytes=1000, timeout=5)
    with pytest.raises(TooLarge):
        open_url(f"{server}/big", small)
    with open_url(f"{server}/big-chunked", small) as resp, pytest.raises(TooLarge):
        resp.read()
    with open_url(f"{server}/big-chunked", NetPolicy(allow_loopback=True)) as resp:
        assert len(resp.read()) == 10_000


def test_total_time_limit(server: str) -> None:
    started = time.monotonic()
    policy = NetPolicy(allow_loopback=True, timeout=0.5)
    with open_url(f"{server}/slow", policy) as resp, pytest.raises(FetchError) as exc:
        resp.read()
    assert exc.value.code == "url.timeout"
    assert time.monotonic() - started < 6  # the server drips for 10 s


def test_auth_header_dropped_on_cross_host_redirect(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    target = f"http://localhost:{port}/headers"
    with open_url(f"{server}/redirect?to={target}", LOCAL, headers={"Authorization": "x"}) as r:
        text = r.read().decode()
    assert "Authorization" not in text
    with open_url(f"{server}/headers", LOCAL, headers={"Authorization": "x"}) as r:
        assert "Authorization: x" in r.read().decode()


def test_connection_refused_is_a_fetch_error() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(FetchError, match="cannot connect"):
        open_url(f"http://127.0.0.1:{port}/", LOCAL)
