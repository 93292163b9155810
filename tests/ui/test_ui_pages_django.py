"""End to end on the Django host: the same labeling flows through labelcore_django (Django's
own CSRF middleware), results checked through the LabelCore facade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lc_ui_browser import Harness, login, screenshot
from lc_ui_host import USERS, make_core, serve
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def django_site() -> Iterator[dict[str, Any]]:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="django-ui-test-secret-0123456789",
            ALLOWED_HOSTS=["127.0.0.1"],
            INSTALLED_APPS=["labelcore_django"],
            MIDDLEWARE=[
                "django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
            ],
            SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
            ROOT_URLCONF="lc_ui_django_urls",
            DATABASES={},
            USE_TZ=True,
            LABELCORE={"store": "memory://"},
        )
        django.setup()
    import django.test.signals  # noqa: F401 - clears URL caches when ROOT_URLCONF changes
    from django.core.wsgi import get_wsgi_application
    from django.test.utils import override_settings

    import labelcore_django.conf as lc_conf

    core, ids = make_core("memory://")
    override = override_settings(
        ROOT_URLCONF="lc_ui_django_urls",
        ALLOWED_HOSTS=["127.0.0.1", "testserver", "localhost"],
        LABELCORE={"core": core, "identify": "lc_ui_django_urls.identify"},
    )
    override.enable()
    lc_conf._web = None  # the adapter builds its WebApp once per process: rebuild for ours
    try:
        with serve(get_wsgi_application()) as url:
            yield {"url": url, "core": core, "projects": ids}
    finally:
        override.disable()
        lc_conf._web = None
        core.close()


def results(site: dict[str, Any], project: str) -> list[list[dict[str, Any]]]:
    from labelcore.query import PageRequest, TaskQuery

    core, m = site["core"], USERS["manager"]
    tasks = core.list_tasks(
        m, site["projects"][project], TaskQuery(), PageRequest(page=1, page_size=50)
    ).tasks
    return [[dict(r) for r in a.result] for t in tasks for a in core.list_annotations(m, t.id)]


def label(page: Any, site: dict[str, Any], project: str) -> None:
    page.goto(f"{site['url']}/label/projects/{site['projects'][project]}/label")
    page.wait_for_selector(".lc-labeling .lc-main")


def submit(page: Any) -> None:
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".lc-message-ok, .lc-message-error")
    assert "lc-message-ok" in page.locator(".lc-message").get_attribute("class"), page.locator(
        ".lc-message"
    ).text_content()


def test_label_every_family_on_django(watched_page: Any, django_site: dict[str, Any]) -> None:
    page = watched_page
    login(page, django_site["url"], "annotator")
    # NER with a relation (mouse)
    label(page, django_site, "NER")
    h = Harness(page)
    page.locator(".lc-label[data-value='PER']").click()
    h.drag_select(".lc-text", "Alice")
    page.locator(".lc-label[data-value='ORG']").click()
    h.drag_select(".lc-text", "Acme")
    page.locator(".lc-region-link").first.click()
    page.locator(".lc-region-row").nth(1).locator(".lc-region-select").click()
    screenshot(page, "django-ner")
    submit(page)
    (ner,) = [r for r in results(django_site, "NER") if r]
    assert [(x["type"], x.get("value", {}).get("text")) for x in ner] == [
        ("labels", "Alice"),
        ("labels", "Acme"),
        ("relation", None),
    ]
    # classification (keyboard)
    label(page, django_site, "Sentiment")
    page.keyboard.press("n")
    submit(page)
    assert results(django_site, "Sentiment")[0] == [
        {**results(django_site, "Sentiment")[0][0], "value": {"choices": ["Negative"]}}
    ]
    # taxonomy (keyboard: search, Space)
    label(page, django_site, "Taxonomy")
    page.get_by_role("searchbox", name="Search the taxonomy").fill("dog")
    page.get_by_role("checkbox", name="Animals / Dog").focus()
    page.keyboard.press("Space")
    submit(page)
    assert results(django_site, "Taxonomy")[0][0]["value"] == {"taxonomy": [["Animals", "Dog"]]}
    # pairwise (mouse)
    label(page, django_site, "Pairwise")
    page.locator(".lc-text").nth(1).click()
    submit(page)
    assert results(django_site, "Pairwise")[0][0]["value"] == {"selected": "right"}
    # ranking (mouse drag)
    label(page, django_site, "Ranking")
    page.locator("[data-item-id='b']").drag_to(
        page.locator("[data-item-id='a']"), target_position={"x": 20, "y": 3}
    )
    submit(page)
    assert results(django_site, "Ranking")[0][0]["value"] == {"ranker": {"rank": ["b", "a"]}}
    screenshot(page, "django-done")


def test_signed_out_visitor_sees_a_sign_in_page_not_json(
    watched_page: Any, django_site: dict[str, Any]
) -> None:
    page = watched_page  # this host sets no login_url
    response = page.goto(f"{django_site['url']}/label/")
    assert response.status == 401
    expect(page.get_by_role("heading", name="Sign-in needed")).to_be_visible()
    page.get_by_role("link", name="Open the page again").click()
    expect(page.get_by_role("heading", name="Sign-in needed")).to_be_visible()
    assert "status_code" not in page.content()
    # the browser logs each 401 page load; that is this test's subject, not an error
    page.watch.errors[:] = [e for e in page.watch.errors if "status of 401" not in e]
