"""Adapter-independent HTTP behaviour, run through Flask and Django alike: routing, the error
envelope, security headers, CSRF, sizes, static files, OpenAPI, prefixes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lc_adapter_world import make_client

from labelcore.service import LabelCore


def test_unknown_path_is_a_json_404_with_ls_envelope(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    r = client.get("/api/nothing-here")
    assert r.status == 404
    body = r.json()
    assert body["status_code"] == 404 and body["code"] == "not_found"
    assert {"detail", "validation_errors", "errors", "id"} <= set(body)


def test_wrong_method_is_405_with_allow(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    r = client.request("PATCH", "/api/projects")
    assert r.status == 405
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]


def test_anonymous_api_call_is_401(client: Any) -> None:
    r = client.get("/api/projects")
    assert r.status == 401
    assert r.json()["code"] == "auth.required"


def test_security_headers_on_every_response(client: Any, users: Any) -> None:
    for resp in (client.get("/api/projects"), client.get("/api/openapi.json")):
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "same-origin"
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self' 'nonce-" in csp and "object-src 'none'" in csp


def test_csp_nonce_is_fresh_per_request(client: Any) -> None:
    a = client.get("/api/openapi.json").headers["content-security-policy"]
    b = client.get("/api/openapi.json").headers["content-security-policy"]
    assert a != b


@pytest.mark.parametrize("kind", ["flask", "django"])
def test_host_can_change_or_turn_off_csp(kind: str, core: LabelCore) -> None:
    for c in make_client(kind, core, csp=None):
        assert "content-security-policy" not in c.get("/api/openapi.json").headers
    for c in make_client(kind, core, csp="default-src 'none'; script-src 'nonce-{nonce}'"):
        csp = c.get("/api/openapi.json").headers["content-security-policy"]
        assert csp.startswith("default-src 'none'; script-src 'nonce-") and "{nonce}" not in csp


def test_cookie_session_post_without_csrf_token_is_refused(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    r = client.post("/api/projects", json={"title": "x"}, csrf=False)
    assert r.status == 403
    assert "CSRF" in r.json()["detail"]


def test_cookie_session_post_with_a_forged_token_is_refused(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    forged = "A" * 32 + "." + "B" * 43 if client.name == "flask" else "x" * 64
    r = client.post("/api/tokens", json={"name": "x"}, headers={"X-CSRFToken": forged}, csrf=False)
    assert r.status == 403


def test_csrf_token_of_another_user_is_refused_on_flask(core: LabelCore, users: Any) -> None:
    (c,) = list(make_client("flask", core))
    c.login(users["a-annotator"])
    token_of_annotator = c.csrf
    c.login(users["a-manager"], fetch_csrf=False)
    r = c.post(
        "/api/tokens", json={"name": "x"}, headers={"X-CSRFToken": token_of_annotator}, csrf=False
    )
    assert r.status == 403


def test_token_auth_needs_no_csrf(client: Any, users: Any, core: LabelCore) -> None:
    key = core.create_token(users["a-manager"], "ci").key
    client.logout()
    r = client.get("/api/current-user/whoami", headers={"Authorization": f"Token {key}"})
    assert r.status == 200 and r.json()["id"] == "a-manager"
    r = client.post(
        "/api/tokens", json={"name": "more"}, headers={"Authorization": f"Token {key}"}, csrf=False
    )
    assert r.status == 201


def test_bad_or_revoked_token_is_401_not_a_session_fallback(
    client: Any, users: Any, core: LabelCore
) -> None:
    client.login(users["a-manager"])
    r = client.get("/api/projects", headers={"Authorization": "Token nope"})
    assert r.status == 401 and r.json()["code"] == "auth.invalid_token"
    r = client.get("/api/projects", headers={"Authorization": "Bearer abc"})
    assert r.status == 401


def test_trailing_slash_is_optional(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    assert client.get("/api/projects").status == 200
    assert client.get("/api/projects/").status == 200


def test_malformed_json_is_a_400_naming_the_problem(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    r = client.post("/api/projects", body=b"{not json", content_type="application/json")
    assert r.status == 400
    assert r.json()["code"] == "request.bad_json"


@pytest.mark.parametrize("kind", ["flask", "django"])
def test_oversized_body_is_413(kind: str, core: LabelCore, users: Any) -> None:
    for c in make_client(kind, core, max_body=1000):
        c.login(users["a-manager"])
        r = c.post("/api/projects", json={"title": "x" * 5000})
        assert r.status == 413
        assert r.json()["code"] == "too_large"
        r = c.post("/api/projects/1/import", files={"file": (b"[" + b" " * 5000 + b"]", "t.json")})
        assert r.status == 413


@pytest.mark.parametrize("kind", ["flask", "django"])
def test_static_files_have_etag_cache_control_and_304(
    kind: str, core: LabelCore, tmp_path: Path
) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("console.log(1)")
    for c in make_client(kind, core, static_dir=str(tmp_path)):
        r = c.get("/static/js/app.js")
        assert r.status == 200 and r.body == b"console.log(1)"
        assert r.headers["content-type"].startswith("text/javascript")
        etag = r.headers["etag"]
        assert "max-age" in r.headers["cache-control"]
        again = c.get("/static/js/app.js", headers={"If-None-Match": etag})
        assert again.status == 304 and again.body == b""
        weak = c.get("/static/js/app.js", headers={"If-None-Match": f'"x", W/{etag}'})
        assert weak.status == 304
        (tmp_path / "js" / "app.js").write_text("console.log(22)")
        changed = c.get("/static/js/app.js", headers={"If-None-Match": etag})
        assert changed.status == 200 and changed.headers["etag"] != etag
        assert c.get("/static/js/app.js?v=1").headers["cache-control"].endswith("immutable")


@pytest.mark.parametrize("kind", ["flask", "django"])
@pytest.mark.parametrize(
    "path",
    [
        "/static/../conftest.py",
        "/static/js/../../x",
        "/static/%2e%2e/secret",
        "/static//etc/passwd",
    ],
)
def test_static_path_traversal_is_refused(
    kind: str, path: str, core: LabelCore, tmp_path: Path
) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "secret").write_text("top secret")
    for c in make_client(kind, core, static_dir=str(tmp_path / "static")):
        r = c.get(path)
        assert r.status == 404
        assert b"top secret" not in r.body


def test_openapi_document_is_valid_openapi_31(client: Any) -> None:
    from openapi_spec_validator import validate

    r = client.get("/api/openapi.json")
    assert r.status == 200
    doc = r.json()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/label"}]
    for path in (
        "/api/projects",
        "/api/projects/{id}/import",
        "/api/tasks",
        "/api/annotations/{id}",
        "/api/dm/views",
        "/api/tokens",
    ):
        assert path in doc["paths"], path


def test_unknown_exception_is_a_500_without_internals(
    client: Any, users: Any, core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.login(users["a-manager"])

    def boom(*a: Any, **k: Any) -> Any:
        raise RuntimeError("secret database password in /srv/app.py")

    monkeypatch.setattr(core, "list_projects", boom)
    r = client.get("/api/projects")
    assert r.status == 500
    body = r.json()
    assert body["code"] == "server_error"
    assert "secret" not in r.body.decode() and "app.py" not in r.body.decode()


def test_whoami_returns_the_identified_user(client: Any, users: Any) -> None:
    client.login(users["a-reviewer"])
    me = client.get("/api/current-user/whoami").json()
    assert me["id"] == "a-reviewer" and me["roles"] == ["reviewer"]


def test_flask_links_honour_script_name_and_prefix(core: LabelCore, users: Any) -> None:
    import lc_clients

    app = lc_clients.make_flask_app(core, "/tools/label")
    c = app.test_client()
    c.get("/login/a-manager")
    lc_clients.USERS.update(users)
    r = c.get("/tools/label/api/openapi.json", base_url="http://localhost/app/")
    assert r.status_code == 200
    assert r.get_json()["servers"] == [{"url": "/app/tools/label"}]
    r = c.get("/tools/label/api/projects?page_size=1", base_url="http://localhost/app/")
    assert r.status_code == 200


def test_django_links_honour_script_name(core: LabelCore, users: Any) -> None:
    for c in make_client("django", core):
        r = c.client.get("/label/api/openapi.json", SCRIPT_NAME="/app")
        assert r.json()["servers"] == [{"url": "/app/label"}]


def test_flask_double_registration_is_refused(core: LabelCore) -> None:
    import flask

    from labelcore_flask import LabelcoreFlask

    app = flask.Flask("x")
    app.config["SECRET_KEY"] = "s" * 32
    ext = LabelcoreFlask(core, identify=lambda r: None)
    ext.init_app(app)
    assert app.extensions["labelcore"] is ext
    with pytest.raises(RuntimeError, match="already registered"):
        LabelcoreFlask(core, identify=lambda r: None).init_app(app, url_prefix="/other")


def test_flask_without_secret_key_says_how_to_fix(core: LabelCore) -> None:
    import flask

    from labelcore_flask import LabelcoreFlask

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        LabelcoreFlask(core, identify=lambda r: None).init_app(flask.Flask("y"))


def test_django_misconfiguration_raises_improperly_configured_with_fix() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test.utils import override_settings

    from labelcore_django import conf

    with override_settings(LABELCORE=None), pytest.raises(ImproperlyConfigured, match="LABELCORE"):
        conf.get_web()
    with (
        override_settings(LABELCORE={"store": "memory://", "core": object()}),
        pytest.raises(ImproperlyConfigured, match="exactly one"),
    ):
        conf.get_web()
    with (
        override_settings(LABELCORE={"store": "memory://", "identify": "no.such.module.fn"}),
        pytest.raises(ImproperlyConfigured, match="cannot be imported"),
    ):
        conf.get_web()
    with (
        override_settings(LABELCORE={"store": "memory://"}, MIDDLEWARE=[]),
        pytest.raises(ImproperlyConfigured, match="CsrfViewMiddleware"),
    ):
        conf.get_web()


def test_django_default_identify_maps_staff_groups_and_users() -> None:
    from labelcore_django.conf import default_identify

    class Groups:
        def __init__(self, names: list[str]) -> None:
            self.names = names

        def values_list(self, *a: Any, **k: Any) -> list[str]:
            return self.names

    class U:
        is_active = True
        email = "u@example.org"

        def __init__(
            self,
            pk: int,
            *,
            staff: bool = False,
            superuser: bool = False,
            groups: tuple[str, ...] = (),
            authenticated: bool = True,
        ) -> None:
            self.pk, self.is_staff, self.is_superuser = pk, staff, superuser
            self.is_authenticated = authenticated
            self.groups = Groups(list(groups))

        def get_full_name(self) -> str:
            return f"User {self.pk}"

        def get_username(self) -> str:
            return f"u{self.pk}"

    class Req:
        def __init__(self, user: Any) -> None:
            self.user = user

    assert default_identify(Req(U(1, authenticated=False))) is None
    assert default_identify(Req(U(2, superuser=True))).roles == {"manager"}  # type: ignore[union-attr]
    assert default_identify(Req(U(3, staff=True))).roles == {"manager"}  # type: ignore[union-attr]
    rev = default_identify(Req(U(4, groups=("labelcore-reviewer",))))
    assert rev is not None and rev.roles == {"reviewer"} and rev.id == 4
    assert default_identify(Req(U(5, groups=("labelcore-manager",)))).roles == {"manager"}  # type: ignore[union-attr]
    assert default_identify(Req(U(6))).roles == {"annotator"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("module", "framework", "hint"),
    [
        ("labelcore_flask", "flask", "labelcore[flask]"),
        ("labelcore_django", "django", "labelcore[django]"),
    ],
)
def test_adapter_without_its_framework_fails_with_install_hint(
    module: str, framework: str, hint: str
) -> None:
    code = (
        "import sys\n"
        f"sys.modules[{framework!r}] = None\n"
        "try:\n"
        f"    import {module}\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(Path(__file__).parents[2] / "src")},
    )
    assert hint in out.stdout


def test_import_labelcore_web_imports_no_framework() -> None:
    code = (
        "import sys, labelcore, labelcore.web.app, labelcore.web.api\n"
        "print(sorted(m for m in ('flask', 'django', 'werkzeug') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(Path(__file__).parents[2] / "src")},
    )
    assert out.stdout.strip() == "[]"


def test_django_overlong_content_length_is_not_a_500(core: LabelCore, users: Any) -> None:
    """A Content-Length of 5,000 digits reached ``int()``, which refuses over 4,300 digits:
    the Django adapter answered 500. It is now read as no length."""
    for django_client in make_client("django", core):
        django_client.login(users["a-manager"])
        r = django_client.client.get("/label/api/projects", CONTENT_LENGTH="9" * 5000)
        assert r.status_code == 200, r.content[:200]
