"""End to end on the Flask host: project pages, the labeling flow for each tag family, and
the data manager. Stored results are checked through the LabelCore facade / JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import login, screenshot
from lc_ui_host import USERS

pytestmark = pytest.mark.browser


def stored(site: dict[str, Any], project: str) -> list[dict[str, Any]]:
    """Every annotation of the project as the API returns it (id order)."""
    core = site["core"]
    out = []
    pid = site["projects"][project]
    from labelcore.query import PageRequest, TaskQuery

    res = core.list_tasks(USERS["manager"], pid, TaskQuery(), PageRequest(page=1, page_size=100))
    for task in res.tasks:
        for a in core.list_annotations(USERS["manager"], task.id):
            out.append({"task": task.id, "result": [dict(r) for r in a.result], "was_cancelled": a.was_cancelled})
    return out


def open_labeling(page: Any, site: dict[str, Any], project: str, who: str = "annotator") -> None:
    login(page, site["url"], who)
    page.goto(f"{site['url']}/label/projects/{site['projects'][project]}/label")
    page.wait_for_selector(".lc-labeling .lc-main")


def test_projects_list_shows_progress(watched_page: Any, flask_site: dict[str, Any]) -> None:
    page = watched_page
    login(page, flask_site["url"], "manager")
    page.goto(f"{flask_site['url']}/label/")
    row = page.locator(".lc-project-row", has_text="Sentiment")
    assert row.locator(".lc-count-tasks").text_content() == "45"
    screenshot(page, "flask-projects")


def test_label_ner_with_relation_end_to_end(watched_page: Any, flask_site: dict[str, Any]) -> None:
    from conftest import Harness

    page = watched_page
    open_labeling(page, flask_site, "NER")
    h = Harness(page)
    page.keyboard.press("1")
    h.drag_select(".lc-text", "Alice")
    page.keyboard.press("2")
    h.drag_select(".lc-text", "Acme")
    page.locator(".lc-region-row").nth(0).locator(".lc-region-select").click()
    page.keyboard.press("Alt+r")
    page.locator(".lc-region-row").nth(1).locator(".lc-region-select").click()
    page.locator(".lc-relation-labels").select_option("works_at")
    screenshot(page, "flask-ner-labeling")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".lc-message-ok, .lc-message-error")
    assert page.locator(".lc-message").get_attribute("class") == "lc-message lc-message-ok", page.locator(".lc-message").text_content()
    (ann,) = [a for a in stored(flask_site, "NER") if a["result"]]
    spans = [(r["value"]["text"], r["value"]["labels"]) for r in ann["result"] if r["type"] == "labels"]
    assert spans == [("Alice", ["PER"]), ("Acme", ["ORG"])]
    (rel,) = [r for r in ann["result"] if r["type"] == "relation"]
    assert rel["labels"] == ["works_at"] and rel["direction"] == "right"
