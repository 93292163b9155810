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


# -- anonymous browsers on a host without login_url ------------------------------------------
CHROME_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)


@pytest.fixture()
def no_login(client: Any) -> Any:
    """The host's layout, and no login_url (the host gave none)."""
    client.web.templates = make_environment(jinja2.DictLoader(TEMPLATES))
    client.web.base_template = "host/layout.html"
    assert client.web.login_url is None
    return client


def test_anonymous_browser_without_login_url_gets_an_html_401_page_in_the_host_layout(
    no_login: Any,
) -> None:
    r = no_login.get(
        '/projects/1/label?task=2&x="><script>alert(1)</script>', headers={"Accept": CHROME_ACCEPT}
    )
    assert r.status == 401
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["www-authenticate"] == 'Token realm="labelcore"'
    assert "content-security-policy" in r.headers
    html = r.body.decode()
    assert "HOST NAV" in html and "<title>Sign-in needed - Host</title>" in html
    assert "You need to be signed in to see this page." in html
    assert "<script>alert(1)" not in html
    retry = re.search(r'class="lc-btn lc-btn-primary lc-signin-retry" href="([^"]+)"', html)
    assert retry and retry.group(1).startswith("/label/projects/1/label?task=2&amp;x=")
    assert '"status_code"' not in html


def test_anonymous_browser_without_host_layout_gets_labelcores_own_page(client: Any) -> None:
    r = client.get("/", headers={"Accept": "text/html"})
    assert r.status == 401 and r.headers["content-type"].startswith("text/html")
    html = r.body.decode()
    assert html.startswith("<!doctype html>") and "<title>Sign-in needed</title>" in html
    assert 'class="lc-root lc-page lc-signin-required"' in html
    assert 'href="/label/static/lc/labelcore.css' in html  # styled like every page
    head = client.request("HEAD", "/", headers={"Accept": "text/html"})
    assert head.status == 401 and head.body == b""


@pytest.mark.parametrize(
    ("path", "method", "accept"),
    [
        ("/", "GET", "application/json"),  # the pages' own fetch()
        ("/", "GET", "*/*"),  # curl, scripts
        ("/", "GET", ""),
        ("/", "GET", "application/json, text/html"),
        ("/", "GET", "text/html;q=0.5, application/json"),
        ("/", "GET", "text/html;q=0"),
        ("/api/projects", "GET", CHROME_ACCEPT),  # the API never answers with a page
        ("/ui/config-sample", "POST", CHROME_ACCEPT),  # a write is not a page visit
    ],
)
def test_api_clients_keep_the_json_401(no_login: Any, path: str, method: str, accept: str) -> None:
    headers = {"Accept": accept} if accept else {}
    body = {"json": {}} if method == "POST" else {}
    r = no_login.request(method, path, headers=headers, **body)
    assert r.status in (401, 403)  # a cookie-less POST may fail its CSRF check first
    assert r.headers["content-type"] == "application/json"
    assert r.json()["status_code"] == r.status


def test_with_login_url_a_browser_is_still_redirected(paged: Any) -> None:
    r = paged.get("/test-page", headers={"Accept": CHROME_ACCEPT})
    assert r.status == 302 and r.headers["location"].startswith("/login-page?next=")


def test_a_host_layout_that_cannot_render_without_a_user_falls_back_to_the_json_401(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    layout = "<p>Hello {{ user.name }}</p>{% block lc_content %}{% endblock %}"
    client.web.templates = make_environment(jinja2.DictLoader({"host/layout.html": layout}))
    client.web.base_template = "host/layout.html"
    r = client.get("/", headers={"Accept": CHROME_ACCEPT})
    assert r.status == 401 and r.json()["code"] == "auth.required"
    assert "the 401 page could not be rendered" in caplog.text


def test_projects_list_links_reviewers_and_managers_to_the_review_page(
    client: Any, users: Any, world: dict[str, Any]
) -> None:
    link = f'class="lc-btn lc-review-link" href="/label/projects/{world["a"]["project"]}/review"'
    for who, shown in (("a-reviewer", True), ("a-manager", True), ("a-annotator", False)):
        client.login(users[who], fetch_csrf=False)
        html = client.get("/").body.decode()
        assert "Project A" in html
        assert (link in html) is shown, who


@pytest.mark.parametrize(
    ("who", "links"),
    [
        ("a-annotator", set()),
        ("a-reviewer", {"review", "stats"}),
        ("a-manager", {"settings", "review", "stats"}),
    ],
)
def test_data_manager_offers_only_the_pages_the_role_may_open(
    client: Any, users: Any, world: dict[str, Any], who: str, links: set[str]
) -> None:
    pid = world["a"]["project"]
    client.login(users[who], fetch_csrf=False)
    html = client.get(f"/projects/{pid}").body.decode()
    shown = set(re.findall(r'class="lc-btn lc-nav-(\w+)"', html))
    assert shown == links
    # each link shown opens; each one left out would have been a 403
    for name, path in (("settings", "settings"), ("review", "review"), ("stats", "stats")):
        status = client.get(f"/projects/{pid}/{path}").status
        if name in links:
            assert status == 200, (name, status)
        elif name != "settings":  # settings are visible to every member, read only
            assert status == 403, (name, status)


# -- pages a signed-in browser may not open, or that do not exist ----------------------------
def test_a_browser_gets_an_html_403_page_for_a_page_its_role_may_not_open(
    no_login: Any, users: Any, world: Any
) -> None:
    pid = world["a"]["project"]
    no_login.login(users["a-annotator"])
    r = no_login.get(f"/projects/{pid}/settings", headers={"Accept": CHROME_ACCEPT})
    assert r.status == 403 and r.headers["content-type"].startswith("text/html")
    html = r.body.decode()
    assert "HOST NAV" in html and "<title>Not allowed - Host</title>" in html
    assert 'class="lc-root lc-page lc-error-page" data-status="403"' in html
    assert 'class="lc-btn lc-btn-primary lc-error-home" href="/label/"' in html
    assert '"status_code"' not in html
    # the pages' own fetch() and API clients keep the JSON body
    r = no_login.get(f"/projects/{pid}/settings", headers={"Accept": "application/json"})
    assert r.status == 403 and r.json()["status_code"] == 403


def test_a_browser_gets_an_html_404_page_for_another_tenants_project(
    no_login: Any, users: Any, world: Any
) -> None:
    theirs = world["b"]["project"]
    no_login.login(users["a-manager"])
    r = no_login.get(f"/projects/{theirs}/label", headers={"Accept": CHROME_ACCEPT})
    assert r.status == 404 and r.headers["content-type"].startswith("text/html")
    html = r.body.decode()
    assert "<title>Not found - Host</title>" in html and 'data-status="404"' in html
    assert "Project B" not in html  # nothing of the other tenant's project
    head = no_login.request("HEAD", f"/projects/{theirs}/label", headers={"Accept": CHROME_ACCEPT})
    assert head.status == 404 and head.body == b""
    assert no_login.get(f"/projects/{theirs}/label").json()["status_code"] == 404


def test_annotation_history_names_who_made_each_version(
    client: Any, core: Any, users: Any, world: dict[str, Any]
) -> None:
    """The labeling screen's History lists each version's author by name (the user
    directory's), as the data manager does; it showed the host's user id ("by a-reviewer"),
    which means nothing to an annotator."""
    a = world["a"]
    al, rita = users["a-annotator"], users["a-reviewer"]
    core.identify(al)
    core.identify(rita)
    ann = core.submit_annotation(al, a["tasks"][2], [])
    core.reject_annotation(rita, ann.id, comment="empty")
    client.login(al)
    versions = client.get(f"/ui/annotations/{ann.id}/history").json()
    assert [(v["action"], v["user"], v["user_name"]) for v in versions] == [
        ("submitted", "a-annotator", "Al Annotator"),
        ("rejected", "a-reviewer", "Rita Reviewer"),
    ]
