"""SSRF-safe outbound HTTP for URL import, webhooks and ML backends (stdlib only).

    from labelcore.net import NetPolicy, open_url
    with open_url("https://example.com/tasks.json", NetPolicy(max_bytes=10_000_000)) as resp:
        data = resp.read()

Why this exists: Label Studio checked a URL once and then let ``requests`` resolve and
redirect on its own, so redirects and DNS rebinding reached private services
(GHSA-p59w-9gqw-wj8r, CVE-2022-36551, CVE-2026-85179). Here the connection resolves the
host itself, refuses the request if *any* resolved address is unsafe, connects to the very
address it checked (keeping ``Host`` and TLS SNI/certificate checks on the name), and
follows redirects one hop at a time, checking every hop again. Environment proxies are
never used. Only ``http`` and ``https`` are spoken.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import attrs

from labelcore._jsondepth import loads
from labelcore._numbers import ascii_int
from labelcore.errors import LabelcoreError, TooLarge, UnsafeURL

__all__ = [
    "FetchError",
    "NetPolicy",
    "SafeResponse",
    "check_address",
    "check_url",
    "open_url",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SCHEMES: Final = {"http": 80, "https": 443}
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
# Spellings inet_aton accepts that ipaddress does not: 2130706433, 0x7f000001, 0177.0.0.1, 127.1
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?$", re.I)

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_THIS_NET = ipaddress.IPv4Network("0.0.0.0/8")
_SITE_LOCAL6 = ipaddress.IPv6Network("fec0::/10")  # deprecated, still routed internally
_IPV4_COMPAT6 = ipaddress.IPv6Network("::/96")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_TRANSLATED6 = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT "IPv4-translated"


class FetchError(LabelcoreError, OSError):
    """The remote side could not be reached or answered badly (HTTP 502; 504 on timeout)."""

    status = 502
    code = "url.fetch_failed"


@attrs.frozen(kw_only=True)
class NetPolicy:
    """What outbound requests may reach, and how much they may take.

    ``allow_hosts``: when non-empty, only these host names are reachable (``"example.com"``
    exactly, ``".example.com"`` for it and every subdomain); every address check still
    applies. ``trusted_hosts``: names allowed to resolve to loopback or private addresses
    (an internal service you run), without opening those ranges for anyone else.
    ``allow_loopback`` / ``allow_private`` open those ranges for every host (tests, a model
    server on 127.0.0.1). Link-local (cloud metadata), unspecified, multicast and reserved
    addresses are refused whatever the policy says.
    """

    allow_hosts: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    allow_loopback: bool = False
    allow_private: bool = False
    max_bytes: int = 250 * 1024 * 1024
    timeout: float = 10.0
    max_redirects: int = 5
    trusted_hosts: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)


def _host_matches(host: str, patterns: frozenset[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in patterns:
        p = pattern.lower().rstrip(".")
        if p.startswith("."):
            if host == p[1:] or host.endswith(p):
                return True
        elif host == p:
            return True
    return False


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64, SIIT)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64) or ip in _TRANSLATED6:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _IPV4_COMPAT6 and int(ip) > 1:  # ::a.b.c.d (not :: or ::1)
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _refusal(ip: IPAddress, *, loopback_ok: bool, private_ok: bool) -> str | None:
    """Why ``ip`` may not be contacted, or ``None`` when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(ip.compressed.split("%")[0])
        inner = _embedded_v4(ip)
        if inner is not None:
            why = _refusal(inner, loopback_ok=loopback_ok, private_ok=private_ok)
            if why is not None:
                return f"{why} (IPv4 {inner} embedded in IPv6)"
            if ip.ipv4_mapped is not None or ip in _IPV4_COMPAT6:
                return None  # the very same IPv4 address, which is fine
            # 6to4, Teredo, NAT64: the IPv6 range itself is checked below too
    if ip.is_loopback:
        return None if loopback_ok else "loopback address"
    if ip.is_link_local:
        return "link-local address (cloud metadata lives here)"
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _THIS_NET):
        return "unspecified address"
    if ip.is_multicast:
        return "multicast address"
    is_private_range = (
        isinstance(ip, ipaddress.IPv4Address) and (ip in _CGNAT or _is_rfc1918(ip))
    ) or (
        isinstance(ip, ipaddress.IPv6Address)
        and (ip.is_site_local or ip in _SITE_LOCAL6 or _is_ula(ip))
    )
    if is_private_range:
        return None if private_ok else "private address"
    if ip.is_reserved or ip.is_private or not ip.is_global:
        return "reserved address"
    return None


def _is_rfc1918(ip: ipaddress.IPv4Address) -> bool:
    return any(ip in n for n in _RFC1918)


def _is_ula(ip: ipaddress.IPv6Address) -> bool:
    return ip in _ULA


_RFC1918: Final = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_ULA: Final = ipaddress.IPv6Network("fc00::/7")


def check_address(ip: IPAddress | str, policy: NetPolicy, host: str | None = None) -> None:
    """Raise ``UnsafeURL`` unless the policy lets requests reach ``ip`` (for ``host``)."""
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    trusted = host is not None and _host_matches(host, policy.trusted_hosts)
    why = _refusal(
        addr,
        loopback_ok=policy.allow_loopback or trusted,
        private_ok=policy.allow_private or trusted,
    )
    if why is not None:
        name = f"host {host!r} resolves to" if host and host != str(addr) else "address"
        raise UnsafeURL(
            f"refused: {name} {addr}, a {why}; outbound requests may reach only public "
            "addresses unless the host application's NetPolicy allows more",
            errors=[{"code": "url.address_refused", "message": why, "address": str(addr)}],
        )


def _literal_ip(host: str) -> IPAddress | None:
    """The address a host spells directly (any spelling inet_aton accepts), else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            raise UnsafeURL(
                f"refused: {host!r} looks like a numeric address but is not a valid one"
            ) from None
    return None


@attrs.frozen
class _Target:
    scheme: str
    host: str
    port: int
    path: str  # path + query, never empty


def _parse(url: str, policy: NetPolicy) -> _Target:
    if not isinstance(url, str) or not url or len(url) > 8192:
        raise UnsafeURL("refused: the URL must be a non-empty string of at most 8192 characters")
    if any(c in url for c in "\r\n\t\x00 "):
        raise UnsafeURL("refused: the URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"refused: malformed URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise UnsafeURL(
            f"refused: scheme {scheme or '(none)'!r} is not allowed; use http or https",
            errors=[{"code": "url.scheme_refused", "message": f"scheme {scheme!r}"}],
        )
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("refused: credentials inside the URL are not supported; send headers")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("refused: the URL has no host")
    if policy.allow_hosts and not _host_matches(host, policy.allow_hosts):
        raise UnsafeURL(
            f"refused: host {host!r} is not in the allowed hosts",
            errors=[{"code": "url.host_not_allowed", "message": host}],
        )
    if port == 0:
        raise UnsafeURL("refused: port 0")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme, host, port or _SCHEMES[scheme], path)


def _resolve(host: str, port: int, policy: NetPolicy) -> list[tuple[int, str]]:
    """Every address of ``host``, each checked; raises if any one is refused."""
    literal = _literal_ip(host)
    if literal is not None:
        check_address(literal, policy, host)
        fam = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
        return [(fam, str(literal))]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"refused: cannot resolve host {host!r} ({exc})") from None
    out: list[tuple[int, str]] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = str(sockaddr[0])
        check_address(ipaddress.ip_address(ip.split("%")[0]), policy, host)
        if (family, ip) not in out:
            out.append((family, ip))
    if not out:
        raise UnsafeURL(f"refused: host {host!r} has no IPv4 or IPv6 address")
    return out


def check_url(url: str, policy: NetPolicy | None = None) -> None:
    """Raise ``UnsafeURL`` unless ``url`` is http(s), allowed, and every address it resolves
    to now is allowed. Use it to validate stored URLs (webhooks, ML backends); ``open_url``
    checks again at connect time, so a later DNS change cannot get past it."""
    policy = policy or NetPolicy()
    target = _parse(url, policy)
    _resolve(target.host, target.port, policy)


class _GuardedMixin:
    """Resolve, check and connect to the checked address; ``Host``/SNI keep the name."""

    host: str
    port: int
    timeout: float | None
    sock: socket.socket | None
    _policy: NetPolicy

    def _guarded_socket(self) -> socket.socket:
        last: OSError | None = None
        for family, ip in _resolve(self.host, self.port, self._policy):
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect((ip, self.port))
                peer = sock.getpeername()[0]
                check_address(
                    ipaddress.ip_address(str(peer).split("%")[0]), self._policy, self.host
                )
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except UnsafeURL:
                sock.close()
                raise
            except OSError as exc:
                sock.close()
                last = exc
        raise FetchError(f"cannot connect to {self.host}:{self.port} ({last})")


class _HTTPConnection(_GuardedMixin, http.client.HTTPConnection):
    def __init__(self, host: str, port: int, policy: NetPolicy, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._policy = policy

    def connect(self) -> None:
        self.sock = self._guarded_socket()


class _HTTPSConnection(_GuardedMixin, http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, policy: NetPolicy, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._policy = policy

    def connect(self) -> None:
        raw = self._guarded_socket()
        ctx: ssl.SSLContext = self._context  # type: ignore[attr-defined]
        try:
            self.sock = ctx.wrap_socket(raw, server_hostname=self.host)
        except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
            raw.close()
            raise FetchError(f"TLS handshake with {self.host} failed ({exc})") from None


class SafeResponse:
    """A response whose body is read within the policy's size and time limits."""

    def __init__(
        self,
        conn: http.client.HTTPConnection,
        raw: http.client.HTTPResponse,
        url: str,
        policy: NetPolicy,
        deadline: float,
    ) -> None:
        self._conn = conn
        self._raw = raw
        self.status: int = raw.status
        self.reason: str = raw.reason
        self.headers: http.client.HTTPMessage = raw.headers
        self.url = url
        self._policy = policy
        self._deadline = deadline
        self._read = 0

    def iter_bytes(self, chunk: int = 64 * 1024) -> Iterator[bytes]:
        """Yield the body in pieces; raises ``TooLarge`` past ``max_bytes`` and
        ``FetchError`` past the total time limit."""
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"timed out reading {self.url}", code="url.timeout", status=504)
            if self._conn.sock is not None:
                self._conn.sock.settimeout(remaining)
            try:
                data = self._raw.read1(chunk)
            except TimeoutError:
                raise FetchError(
                    f"timed out reading {self.url}", code="url.timeout", status=504
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                raise FetchError(f"reading {self.url} failed ({exc})") from None
            if not data:
                return
            self._read += len(data)
            if self._read > self._policy.max_bytes:
                self.close()
                raise TooLarge(
                    f"the response from {self.url} is larger than {self._policy.max_bytes} bytes",
                    code="url.too_large",
                )
            yield data

    def read(self) -> bytes:
        """The whole body (bounded by ``max_bytes``)."""
        return b"".join(self.iter_bytes())

    def json(self) -> Any:
        """The body parsed as JSON; ``FetchError`` when it is not JSON."""
        body = self.read()
        try:
            return loads(body)
        except ValueError as exc:
            raise FetchError(f"{self.url} answered with invalid JSON ({exc})") from None

    def close(self) -> None:
        self._raw.close()
        self._conn.close()

    def __enter__(self) -> SafeResponse:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_url(
    url: str,
    policy: NetPolicy | None = None,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> SafeResponse:
    """Send one request (following redirects safely) and return the open response.

    Raises ``UnsafeURL`` for a refused scheme, host or address (on any hop), ``FetchError``
    for connection failures, timeouts and too many redirects, ``TooLarge`` when the
    announced or streamed body passes ``max_bytes``. Close the response (``with``)."""
    policy = policy or NetPolicy()
    deadline = time.monotonic() + policy.timeout
    method = method.upper()
    hdrs = {k: v for k, v in (headers or {}).items()}
    for k, v in hdrs.items():
        if any(c in k + v for c in "\r\n\x00"):
            raise UnsafeURL(f"refused: header {k!r} contains a line break")
    current = url
    first_host: str | None = None
    for _hop in range(policy.max_redirects + 1):
        target = _parse(current, policy)
        if first_host is None:
            first_host = target.host
        elif target.host != first_host:  # never leak credentials to another host
            hdrs = {k: v for k, v in hdrs.items() if k.lower() not in {"authorization", "cookie"}}
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out fetching {url}", code="url.timeout", status=504)
        cls = _HTTPSConnection if target.scheme == "https" else _HTTPConnection
        conn = cls(target.host, target.port, policy, remaining)
        try:
            conn.putrequest(method, target.path, skip_accept_encoding=True)
            conn.putheader("Accept-Encoding", "identity")  # no decompression bombs
            if "user-agent" not in {k.lower() for k in hdrs}:
                conn.putheader("User-Agent", "labelcore")
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            raw = conn.getresponse()
        except (UnsafeURL, FetchError):
            conn.close()
            raise
        except TimeoutError:
            conn.close()
            raise FetchError(
                f"timed out fetching {current}", code="url.timeout", status=504
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise FetchError(f"request to {current} failed ({exc})") from None
        location = raw.getheader("Location")
        if raw.status in _REDIRECTS and location:
            raw.close()
            conn.close()
            current = urljoin(current, location.strip())
            if raw.status == 303 or (raw.status in (301, 302) and method == "POST"):
                method, body = ("HEAD" if method == "HEAD" else "GET"), None
            continue
        response = SafeResponse(conn, raw, current, policy, deadline)
        length = raw.getheader("Content-Length")
        announced = ascii_int(length, max_digits=30) if length else None
        if announced is not None and announced > policy.max_bytes:
            response.close()
            raise TooLarge(
                f"the response from {current} announces {length} bytes, more than "
                f"{policy.max_bytes}",
                code="url.too_large",
            )
        return response
    raise FetchError(
        f"more than {policy.max_redirects} redirects fetching {url}",
        code="url.too_many_redirects",
    )
