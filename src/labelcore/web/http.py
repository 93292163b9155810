"""Framework-free HTTP types: what an adapter hands to labelcore and gets back.

    from labelcore.web.http import Request, Response
    req = Request(method="GET", path="/api/projects", script_root="/label")
    resp = Response.json({"ok": True}, status=200)

An adapter builds one :class:`Request` per call from its framework's request (keeping the
native object in ``native`` for ``identify``) and writes the :class:`Response` back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

import attrs

from labelcore._jsondepth import TooDeep, loads
from labelcore.errors import TooLarge, ValidationError

# one encoder for every JSON response (json.dumps with options builds one per call)
_JSON_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def json_text(data: Any) -> str:
    """``data`` as the JSON text of every response (a streamed one writes its parts so)."""
    return _JSON_ENCODE(data)


class MultiDict:
    """An ordered multi-valued mapping (query strings and form fields)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)

    def get(self, key: str, default: str | None = None) -> str | None:
        for k, v in self._items:
            if k == key:
                return v
        return default

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._items if k == key]

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self._items)

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def keys(self) -> list[str]:
        return list(dict.fromkeys(k for k, _ in self._items))

    def __repr__(self) -> str:
        return f"MultiDict({self._items!r})"


class Headers:
    """Case-insensitive HTTP headers; several values per name are kept in order."""

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: list[tuple[str, str]] = [(str(k), str(v)) for k, v in pairs]

    def get(self, name: str, default: str | None = None) -> str | None:
        low = name.lower()
        for k, v in self._items:
            if k.lower() == low:
                return v
        return default

    def getlist(self, name: str) -> list[str]:
        low = name.lower()
        return [v for k, v in self._items if k.lower() == low]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def set(self, name: str, value: str) -> None:
        """Replace every value of ``name`` with this one."""
        low = name.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != low]
        self._items.append((name, value))

    def setdefault(self, name: str, value: str) -> None:
        if name not in self:
            self._items.append((name, value))

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def remove(self, name: str) -> None:
        low = name.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != low]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@attrs.define(kw_only=True)
class UploadedFile:
    """One file of a multipart request; ``stream`` is read at most up to the body limit."""

    field: str
    filename: str
    content_type: str
    stream: IO[bytes]

    def read(self, limit: int) -> bytes:
        """The whole file, or ``TooLarge`` when it is over ``limit`` bytes."""
        data = self.stream.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"file {self.filename!r} is over the {limit}-byte limit")
        return data


FormParser = Callable[[], tuple[MultiDict, list[UploadedFile]]]


@attrs.define(kw_only=True)
class Request:
    """One HTTP request as labelcore sees it.

    ``path`` is relative to the mount (``/api/projects``), ``script_root`` is everything in
    front of it as the browser sees it (SCRIPT_NAME + the host's prefix, ``/app/label``),
    so links built from it work behind a proxy. ``native`` is the framework's request,
    passed to ``identify``. The body is read lazily through ``stream`` (bounded by
    ``max_body``); form and multipart bodies are parsed by the framework via ``form_parser``.
    """

    method: str
    path: str
    script_root: str = ""
    query: MultiDict = attrs.field(factory=MultiDict)
    headers: Headers = attrs.field(factory=Headers)
    cookies: Mapping[str, str] = attrs.field(factory=dict)
    stream: IO[bytes] | None = None
    content_length: int | None = None
    form_parser: FormParser | None = None
    native: Any = None
    scheme: str = "http"
    max_body: int = 250 * 1024 * 1024
    state: dict[str, Any] = attrs.field(factory=dict)  # per-request scratch (nonce, csrf)
    _body: bytes | None = attrs.field(default=None, alias="body")
    _form: tuple[MultiDict, list[UploadedFile]] | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        self.method = self.method.upper()
        if self.content_length is None and self._body is not None:
            self.content_length = len(self._body)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lowercased (``application/json``)."""
        raw = self.headers.get("Content-Type") or ""
        return raw.split(";", 1)[0].strip().lower()

    @property
    def is_form(self) -> bool:
        return self.content_type in ("multipart/form-data", "application/x-www-form-urlencoded")

    def body(self) -> bytes:
        """The raw body, read once; ``TooLarge`` (413) past ``max_body`` bytes."""
        if self._body is None:
            if self.content_length is not None and self.content_length > self.max_body:
                raise TooLarge(f"request body is over the {self.max_body}-byte limit")
            if self.stream is None:
                self._body = b""
            else:
                want = self.max_body + 1
                if self.content_length is not None:
                    want = min(want, self.content_length)
                data = self.stream.read(want)
                if len(data) > self.max_body:
                    raise TooLarge(f"request body is over the {self.max_body}-byte limit")
                self._body = data
        elif len(self._body) > self.max_body:
            raise TooLarge(f"request body is over the {self.max_body}-byte limit")
        return self._body

    def json(self) -> Any:
        """The body parsed as JSON (an empty body is ``None``); bad JSON is a 400."""
        raw = self.body()
        if not raw.strip():
            return None
        try:
            return loads(raw)
        except TooDeep as exc:
            raise ValidationError(
                f"request body is refused: {exc}", code="request.too_deep"
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(
                f"request body is not valid JSON: {exc}", code="request.bad_json"
            ) from exc

    def _parse_form(self) -> tuple[MultiDict, list[UploadedFile]]:
        if self._form is None:
            if self.content_length is not None and self.content_length > self.max_body:
                raise TooLarge(f"request body is over the {self.max_body}-byte limit")
            if self.form_parser is not None and self.is_form:
                self._form = self.form_parser()
            else:
                self._form = (MultiDict(), [])
        return self._form

    @property
    def form(self) -> MultiDict:
        return self._parse_form()[0]

    @property
    def files(self) -> list[UploadedFile]:
        return self._parse_form()[1]

    @property
    def is_secure(self) -> bool:
        return self.scheme == "https"


Body = bytes | Iterable[bytes]


@attrs.define(kw_only=True)
class Response:
    """A response: ``body`` is bytes, or an iterable of chunks for streamed downloads."""

    status: int = 200
    headers: Headers = attrs.field(factory=Headers)
    body: Body = b""

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Headers | None = None) -> Response:
        payload = _JSON_ENCODE(data)
        h = headers or Headers()
        h.set("Content-Type", "application/json")
        return cls(status=status, headers=h, body=payload.encode("utf-8"))

    @classmethod
    def json_stream(cls, chunks: Iterable[str], status: int = 200) -> Response:
        """A JSON response whose text is written a chunk at a time (``json_text`` parts),
        so a body with a row per task is never held whole."""
        h = Headers([("Content-Type", "application/json")])
        return cls(status=status, headers=h, body=(c.encode("utf-8") for c in chunks))

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        h = Headers([("Content-Type", "text/html; charset=utf-8")])
        return cls(status=status, headers=h, body=text.encode("utf-8"))

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status=status)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status=status, headers=Headers([("Location", location)]))

    @property
    def streamed(self) -> bool:
        return not isinstance(self.body, bytes)

    def iter_body(self) -> Iterator[bytes]:
        if isinstance(self.body, bytes):
            yield self.body
        else:
            yield from self.body

    def set_cookie(
        self,
        name: str,
        value: str,
        *,
        path: str = "/",
        secure: bool = False,
        http_only: bool = True,
        same_site: str = "Lax",
        max_age: int | None = None,
    ) -> None:
        parts = [f"{name}={value}", f"Path={path or '/'}", f"SameSite={same_site}"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if secure:
            parts.append("Secure")
        if http_only:
            parts.append("HttpOnly")
        self.headers.add("Set-Cookie", "; ".join(parts))
