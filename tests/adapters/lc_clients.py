"""AdapterClient: one HTTP test interface over the Flask and the Django adapters.

Each implementation runs a tiny host app with its own session login (``/login/<uid>``), the
labelcore mount at ``/label`` (or another prefix) and an ``identify`` that maps the host's
session to the users of the current test (``USERS``).
"""

from __future__ import annotations

import io
import json as jsonlib
from collections.abc import Mapping
from typing import Any

from labelcore.model import User

USERS: dict[str, User] = {}
_NO = object()


class Resp:
    def __init__(
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        header_list: list[tuple[str, str]],
    ) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.header_list = header_list
        self.body = body

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    def __repr__(self) -> str:
        return f"<Resp {self.status} {self.body[:300]!r}>"


class AdapterClient:
    """What every test uses: ``login``, ``request`` (and the verb shortcuts)."""

    name = ""
    prefix = "/label"

    def __init__(self) -> None:
        self.csrf: str | None = None

    # implementation hooks
    def _raw(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        content_type: str | None,
        files: dict[str, tuple[bytes, str]] | None,
        form: dict[str, str] | None,
        headers: dict[str, str],
    ) -> Resp:
        raise NotImplementedError

    def _host_login(self, uid: str) -> None:
        raise NotImplementedError

    def login(self, user: User, *, fetch_csrf: bool = True) -> None:
        USERS[str(user.id)] = user
        self._host_login(str(user.id))
        self.csrf = None
        if fetch_csrf:
            resp = self.get("/api/csrf-token")
            assert resp.status == 200, resp
            self.csrf = resp.json()["csrf_token"]

    def logout(self) -> None:
        self._host_login("")
        self.csrf = None

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _NO,
        body: bytes | None = None,
        content_type: str | None = None,
        files: dict[str, tuple[bytes, str]] | None = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        csrf: bool = True,
    ) -> Resp:
        hdrs = dict(headers or {})
        if json is not _NO:
            body = jsonlib.dumps(json).encode()
            content_type = "application/json"
        if csrf and self.csrf and method.upper() not in ("GET", "HEAD", "OPTIONS"):
            hdrs.setdefault("X-CSRFToken", self.csrf)
        return self._raw(
            method.upper(),
            self.prefix + path,
            body=body,
            content_type=content_type,
            files=files,
            form=form,
            headers=hdrs,
        )

    def get(self, path: str, **kw: Any) -> Resp:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Resp:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Resp:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> Resp:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Resp:
        return self.request("DELETE", path, **kw)


# -- Flask ---------------------------------------------------------------------------------
def make_flask_app(core: Any, prefix: str = "/label", **options: Any) -> Any:
    import flask

    from labelcore_flask import LabelcoreFlask

    app = flask.Flask("lc_test_host")
    app.config["SECRET_KEY"] = "test-secret-key-0123456789abcdef"

    @app.get("/login/<uid>")
    @app.get("/login/", defaults={"uid": ""})
    def login(uid: str) -> str:
        flask.session["uid"] = uid
        return "ok"

    def identify(request: Any) -> User | None:
        return USERS.get(flask.session.get("uid") or "")

    LabelcoreFlask(core, identify=identify, **options).init_app(app, url_prefix=prefix)
    return app


class FlaskClient(AdapterClient):
    name = "flask"

    def __init__(self, core: Any, prefix: str = "/label", **options: Any) -> None:
        super().__init__()
        self.prefix = prefix
        self.app = make_flask_app(core, prefix, **options)
        self.client = self.app.test_client()

    @property
    def web(self) -> Any:
        return self.app.extensions["labelcore"].web

    def _host_login(self, uid: str) -> None:
        assert self.client.get(f"/login/{uid}").status_code == 200

    def _raw(self, method, url, *, body, content_type, files, form, headers):  # type: ignore[no-untyped-def]
        kw: dict[str, Any] = {"headers": headers}
        if files is not None or form is not None:
            data: dict[str, Any] = dict(form or {})
            for field, (content, filename) in (files or {}).items():
                data[field] = (io.BytesIO(content), filename)
            kw["data"] = data
            kw["content_type"] = (
                "multipart/form-data" if files else ("application/x-www-form-urlencoded")
            )
        elif body is not None:
            kw["data"] = body
            if content_type:
                kw["content_type"] = content_type
        r = self.client.open(url, method=method, **kw)
        return Resp(r.status_code, dict(r.headers), r.get_data(), list(r.headers.items()))


# -- Django --------------------------------------------------------------------------------
class DjangoClient(AdapterClient):
    name = "django"

    def __init__(self, core: Any, **options: Any) -> None:
        super().__init__()
        from django.test import Client

        self.client = Client(enforce_csrf_checks=True)

    @property
    def web(self) -> Any:
        from labelcore_django.conf import get_web

        return get_web()

    def _host_login(self, uid: str) -> None:
        assert self.client.get(f"/login/{uid}").status_code == 200

    def _raw(self, method, url, *, body, content_type, files, form, headers):  # type: ignore[no-untyped-def]
        from django.core.files.uploadedfile import SimpleUploadedFile

        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        fn = getattr(self.client, method.lower()) if method != "HEAD" else self.client.head
        if files is not None or form is not None:
            data: dict[str, Any] = dict(form or {})
            for field, (content, filename) in (files or {}).items():
                data[field] = SimpleUploadedFile(filename, content)
            if files:
                assert method == "POST", "multipart only with POST"
                r = self.client.post(url, data=data, **extra)
            else:
                from urllib.parse import urlencode

                r = fn(
                    url,
                    data=urlencode(data),
                    content_type="application/x-www-form-urlencoded",
                    **extra,
                )
        elif body is not None:
            r = fn(url, data=body, content_type=content_type or "application/octet-stream", **extra)
        else:
            r = fn(url, **extra)
        content = b"".join(r.streaming_content) if r.streaming else r.content
        hl = list(r.items())
        for morsel in r.cookies.values():
            hl.append(("Set-Cookie", morsel.OutputString()))
        return Resp(r.status_code, dict(r.items()), content, hl)
