"""The shipped example hosts in a real browser: log in through the host's own login form,
label the seeded NER project with a relation inside the host's layout, and read the stored
annotation back through the JSON API."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lc_ui_browser import Harness, screenshot
from lc_ui_host import serve

pytestmark = pytest.mark.browser
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: examples/


@pytest.fixture(scope="module")
def example_flask(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from examples.flask_app import create_app

    db = tmp_path_factory.mktemp("example-flask") / "demo.db"
    with serve(create_app(db_url=f"sqlite:///{db}", seed=True)) as url:
        yield url


def test_flask_example_ner_with_relation(watched_page: Any, example_flask: str) -> None:
    page = watched_page
    page.goto(f"{example_flask}/label/")
    page.wait_for_url("**/login**")  # labelcore sends anonymous visitors to the host's login
    page.locator("input[name=username]").fill("bob")
    page.locator("input[name=password]").fill("bob")
    page.locator("button[type=submit]", has_text="Log in").click()
    page.goto(f"{example_flask}/label/")
    page.locator(".lc-project-row", has_text="people").locator("a", has_text="Label").click()
    page.wait_for_selector(".lc-labeling .lc-main")
    assert page.locator(".acme-bar").count() == 1  # inside the host's layout
    assert page.locator(".lc-instructions").is_visible()  # show_instructions
    h = Harness(page)
    text = page.locator(".lc-text").text_content()
    first, second = text.split()[0], text.split()[-1].rstrip(".")
    page.locator(".lc-label[data-value='PER']").click()
    h.drag_select(".lc-text", first)
    page.locator(".lc-label[data-value='LOC']").click()
    h.drag_select(".lc-text", second)
    page.locator(".lc-region-link").first.click()
    page.locator(".lc-region-row").nth(1).locator(".lc-region-select").click()
    page.locator(".lc-relation-label[value='located_in']").check()
    screenshot(page, "example-flask-labeling")
    task_id = int(page.locator(".lc-label-info").text_content().split("#")[1].split()[0])
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".lc-message-ok, .lc-message-error")
    assert "lc-message-ok" in page.locator(".lc-message").get_attribute("class")
    anns = page.evaluate(
        "async (id) => (await fetch(`/label/api/tasks/${id}/annotations`)).json()", task_id
    )
    (ann,) = anns
    kinds = [(r["type"], r.get("value", {}).get("labels")) for r in ann["result"]]
    assert kinds == [("labels", ["PER"]), ("labels", ["LOC"]), ("relation", None)]
    assert ann["result"][2]["labels"] == ["located_in"]
    assert ann["completed_by"] == 2


def test_django_example_login_filter_label_and_verify_via_api(
    watched_page: Any, django_example_url: str
) -> None:
    """The Django example host: log in with the host's own form at /login/, open the NER
    project's data manager, filter it, open the labeling screen from the filtered row,
    submit, and read the annotation back through the JSON API."""
    from playwright.sync_api import expect

    page = watched_page
    base = django_example_url
    page.goto(f"{base}/label/")
    page.wait_for_url("**/login/**")  # anonymous visitors go to the host's login page
    page.locator("input[name=username]").fill("alice")
    page.locator("input[name=password]").fill("alice")
    page.locator("button[type=submit]", has_text="Log in").click()
    page.wait_for_url("**/label/")
    page.locator(".lc-project-row", has_text="people").locator("a").first.click()
    page.wait_for_selector(".lc-task-row")
    status = page.locator(".lc-dm-status")
    expect(status).to_have_text("4 tasks")
    page.locator(".lc-filters-toggle").click()
    page.locator(".lc-filter-add").click()
    page.locator(".lc-filter-value").fill("CERN")
    page.locator(".lc-filter-value").press("Tab")
    expect(status).to_have_text("1 tasks")
    row = page.locator(".lc-task-row")
    task_id = int(row.get_attribute("data-task-id") or 0)
    screenshot(page, "example-django-data-manager")
    row.locator(".lc-open-task").click()
    page.wait_for_selector(".lc-labeling .lc-main")
    expect(page.locator(".lc-label-info")).to_have_text(f"Task #{task_id}")
    page.locator(".lc-label[data-value='ORG']").click()
    Harness(page).drag_select(".lc-text", "CERN")
    page.locator(".lc-label[data-value='LOC']").click()
    Harness(page).drag_select(".lc-text", "Geneva")
    expect(page.locator(".lc-region-row")).to_have_count(2)
    screenshot(page, "example-django-labeling")
    page.locator(".lc-submit").click()
    expect(page.locator(".lc-message")).to_have_text("Submitted.")
    anns = page.evaluate(
        "async (id) => (await fetch(`/label/api/tasks/${id}/annotations`)).json()", task_id
    )
    (ann,) = anns
    spans = [(r["value"]["text"], r["value"]["labels"]) for r in ann["result"]]
    assert spans == [("CERN", ["ORG"]), ("Geneva", ["LOC"])]
    task = page.evaluate("async (id) => (await fetch(`/label/api/tasks/${id}`)).json()", task_id)
    assert task["total_annotations"] == 1
