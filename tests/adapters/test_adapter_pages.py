"""How pages plug into the route table (the ui helper's ``register_pages``), rendered
through both adapters: host layout, CSP nonce, CSRF token, prefix-aware links, escaping,
login redirects."""

from __future__ import annotations

import re
from typing import Any

import jinja2
import pytest

from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.templating import make_environment

TEMPLATES = {
    "host/layout.html": (
        "<!doctype html><title>{% block lc_title %}{% endblock %} - Host</title>"
        "<nav>HOST NAV</nav><main>{% block lc_content %}{% endblock %}</main>"
        "{% block lc_scripts %}{% endblock %}"
    ),
    "lc_test/page.html": (
        "{% extends base_template %}{% block lc_title %}Project{% endblock %}"
        "{% block lc_content %}<h1>{{ title }}</h1>"
        '<a id="p" href="{{ url_for(\'api.project\', id=5) }}">p</a>'
        '<a id="s" href="{{ static_url(\'lc/app.js\') }}">s</a>'
        '<meta name="csrf" content="{{ csrf_token }}">{% endblock %}'
        '{% block lc_scripts %}<script nonce="{{ csp_nonce }}">var data = '
        "{{ payload|json_script }};</script>{% endblock %}"
    ),
}


def page(ctx: Ctx) -> Response:
    ctx.require_user()
    return ctx.render(
        "lc_test/page.html",
        title="<img src=x onerror=alert(1)>",
        payload={"text": "</script><script>alert(1)</script>"},
    )


@pytest.fixture()
def paged(client: Any) -> Any:
    web = client.web
    web.templates = make_environment(jinja2.DictLoader(TEMPLATES))
    web.base_template = "host/layout.html"
    web.login_url = "/login-page"
    web.router.page("GET", "/test-page", page, name="lc_test_page")
    return client


def test_page_renders_inside_host_layout_with_nonce_and_links(paged: Any, users: Any) -> None:
    paged.login(users["a-annotator"])
    r = paged.get("/test-page")
    assert r.status == 200, r
    html = r.body.decode()
    assert "HOST NAV" in html and "<title>Project - Host</title>" in html
    nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)
    assert f'<script nonce="{nonce}">' in html
    assert 'href="/label/api/projects/5"' in html
    assert 'href="/label/static/lc/app.js' in html
    token = re.search(r'name="csrf" content="([^"]+)"', html).group(1)
    assert token


def test_page_escapes_task_data_in_html_and_script(paged: Any, users: Any) -> None:
    paged.login(users["a-annotator"])
    html = paged.get("/test-page").body.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "</script><script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html


def test_anonymous_page_visit_redirects_to_host_login_with_next(paged: Any) -> None:
    r = paged.get("/test-page?tab=2")
    assert r.status == 302
    location = r.headers["location"]
    assert location.startswith("/login-page?next=")
    assert "%2Flabel%2Ftest-page%3Ftab%3D2" in location


def test_page_token_from_template_is_accepted_for_writes(paged: Any, users: Any) -> None:
    paged.login(users["a-annotator"], fetch_csrf=False)
    html = paged.get("/test-page").body.decode()
    token = re.search(r'name="csrf" content="([^"]+)"', html).group(1)
    r = paged.post(
        "/api/tokens", json={"name": "from page"}, headers={"X-CSRFToken": token}, csrf=False
    )
    assert r.status == 201


def test_pages_are_not_in_the_openapi_document(paged: Any) -> None:
    doc = paged.get("/api/openapi.json").json()
    assert "/test-page" not in doc["paths"]
