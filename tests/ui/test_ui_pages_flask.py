"""End to end on the Flask host: project pages, the labeling flow for each tag family, and
the data manager. Stored results are checked through the LabelCore facade / JSON API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from lc_ui_browser import login, screenshot
from lc_ui_host import USERS
from playwright.sync_api import expect

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
            out.append(
                {
                    "task": task.id,
                    "result": [dict(r) for r in a.result],
                    "was_cancelled": a.was_cancelled,
                }
            )
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
    # a manager's Label, Review and Settings buttons stand apart (Review and Settings
    # touched: the template's whitespace between them was trimmed away)
    boxes = [b.bounding_box() for b in row.locator(".lc-btn").all()]
    assert len(boxes) == 3
    for left, right in zip(boxes, boxes[1:]):
        assert right["x"] - (left["x"] + left["width"]) >= 4
    screenshot(page, "flask-projects")


def test_label_ner_with_relation_end_to_end(watched_page: Any, flask_site: dict[str, Any]) -> None:
    from lc_ui_browser import Harness

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
    page.locator(".lc-relation-label[value='works_at']").check()
    screenshot(page, "flask-ner-labeling")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".lc-message-ok, .lc-message-error")
    assert page.locator(".lc-message").get_attribute("class") == "lc-message lc-message-ok", (
        page.locator(".lc-message").text_content()
    )
    (ann,) = [a for a in stored(flask_site, "NER") if a["result"]]
    spans = [
        (r["value"]["text"], r["value"]["labels"]) for r in ann["result"] if r["type"] == "labels"
    ]
    assert spans == [("Alice", ["PER"]), ("Acme", ["ORG"])]
    (rel,) = [r for r in ann["result"] if r["type"] == "relation"]
    assert rel["labels"] == ["works_at"] and rel["direction"] == "right"


def test_label_classification_by_keyboard_with_skip_back_and_update(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    page = watched_page
    open_labeling(page, flask_site, "Sentiment")
    first = page.locator(".lc-label-info").text_content()
    page.keyboard.press("Control+Enter")  # required choice missing: refused on the client
    assert "sentiment is required" in page.locator(".lc-message").text_content()
    page.keyboard.press("p")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".lc-message-ok")
    second = page.locator(".lc-label-info").text_content()
    assert second != first
    page.keyboard.press("Control+Space")  # skip
    page.wait_for_function(
        f"() => document.querySelector('.lc-label-info').textContent !== {second!r}"
    )
    # back to the first task: the submitted choice is loaded, and can be updated
    third = page.locator(".lc-label-info").text_content()
    page.locator(".lc-back").click()
    page.wait_for_function(
        f"() => document.querySelector('.lc-label-info').textContent.startsWith({second.split(' ·')[0]!r}) && document.querySelector('.lc-label-info').textContent !== {third!r}"
    )
    page.locator(".lc-back").click()
    page.wait_for_function(
        f"() => document.querySelector('.lc-label-info').textContent.startsWith({first!r})"
    )
    assert page.get_by_role("checkbox", name="Positive").is_checked()
    assert page.locator(".lc-submit").text_content() == "Update"
    page.keyboard.press("n")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".lc-message-ok, .lc-message-error")
    assert page.locator(".lc-message").text_content() == "Updated."
    anns = stored(flask_site, "Sentiment")
    assert [a["was_cancelled"] for a in anns] == [False, True]
    assert [r["value"] for r in anns[0]["result"]] == [{"choices": ["Negative"]}]
    # history: two versions, the first can be restored
    page.locator(".lc-back").click()
    page.wait_for_selector(".lc-history-toggle:not([hidden])")
    page.locator(".lc-history-toggle").click()
    expect(page.locator(".lc-history-item")).to_have_count(2)
    # who and when as people read them: the name, and a date in the browser's language
    first_version = page.locator(".lc-history-item[data-version='1']").text_content()
    assert "by Ann Annotator, " in first_version and "(results: 1)" in first_version
    assert not re.search(r"\d{4}-\d\d-\d\dT", first_version), first_version  # no ISO stamp
    screenshot(page, "flask-history")
    page.locator(".lc-history-item[data-version='1'] .lc-restore").click()
    page.wait_for_selector(".lc-message-ok")
    assert [r["value"] for r in stored(flask_site, "Sentiment")[0]["result"]] == [
        {"choices": ["Positive"]}
    ]


def test_draft_is_saved_and_restored(watched_page: Any, flask_site: dict[str, Any]) -> None:
    page = watched_page
    open_labeling(page, flask_site, "Taxonomy", who="manager")
    page.get_by_role("button", name="Expand Animals").click()
    page.get_by_role("checkbox", name="Animals / Dog").check()
    page.wait_for_function(
        "() => document.querySelector('.lc-label-info').dataset.draft === 'saved'"
    )
    page.reload()
    page.wait_for_selector(".lc-labeling .lc-main")
    assert "draft was restored" in page.locator(".lc-message").text_content()
    assert page.locator(".lc-chip").text_content().startswith("Animals / Dog")
    page.get_by_role("button", name="Expand Animals").click()
    page.get_by_role("checkbox", name="Animals / Dog").uncheck()
    page.get_by_role("checkbox", name="Animals / Cat").check()
    page.locator(".lc-submit").click()
    page.wait_for_selector(".lc-message-ok")
    (ann,) = stored(flask_site, "Taxonomy")
    assert [r["value"] for r in ann["result"]] == [{"taxonomy": [["Animals", "Cat"]]}]
    screenshot(page, "flask-taxonomy-done")


def test_failed_submit_keeps_the_work_and_retries_once(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    page = watched_page
    open_labeling(page, flask_site, "Pairwise")
    page.locator(".lc-text").nth(0).click()
    calls = {"n": 0}

    def flaky(route: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/tasks/*/annotations", flaky)
    page.locator(".lc-submit").click()
    page.wait_for_selector(".lc-message-error")
    assert "Nothing is lost" in page.locator(".lc-message").text_content()
    expect(page.locator(".lc-text.lc-pairwise-selected")).to_have_count(1)
    page.watch.errors.clear()  # the aborted request is logged by the browser
    page.locator(".lc-submit").click()
    page.wait_for_selector(".lc-message-ok")
    (ann,) = stored(flask_site, "Pairwise")
    assert ann["result"][0]["from_name"] == ann["result"][0]["to_name"] == "pw"
    assert ann["result"][0]["value"] == {"selected": "left"}


def test_ranking_by_keyboard_end_to_end(watched_page: Any, flask_site: dict[str, Any]) -> None:
    page = watched_page
    open_labeling(page, flask_site, "Ranking")
    page.locator("[data-item-id='a']").focus()
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".lc-message-ok")
    (ann,) = stored(flask_site, "Ranking")
    assert ann["result"][0]["value"] == {"ranker": {"rank": ["b", "a"]}}
    assert "No more tasks" in page.locator(".lc-done").text_content()


def test_server_validation_problem_is_shown_next_to_the_region(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    from lc_ui_browser import Harness

    page = watched_page
    open_labeling(page, flask_site, "NER", who="manager")

    def tamper(route: Any) -> None:
        body = route.request.post_data_json
        body["result"][0]["value"]["text"] = "Mallory"  # does not match the task text
        route.continue_(post_data=__import__("json").dumps(body))

    page.route("**/api/tasks/*/annotations", tamper)
    page.keyboard.press("1")
    Harness(page).drag_select(".lc-text", "Alice")
    page.locator(".lc-submit").click()
    page.wait_for_selector(".lc-message-error")
    page.watch.errors.clear()  # the 400 response is logged by the browser
    assert page.locator(".lc-region-row .lc-problem").count() >= 1
    screenshot(page, "flask-server-problem")


def test_prediction_is_a_pre_annotation_to_accept_or_change(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    from lc_ui_browser import Harness

    page = watched_page
    open_labeling(page, flask_site, "Predicted")
    assert "ner-v1" in page.locator(".lc-prediction-note").text_content()
    expect(page.locator(".lc-region-row", has_text="Carol")).to_have_count(1)
    screenshot(page, "flask-prediction")
    # change it: add a second region, keep the predicted one
    page.locator(".lc-label[data-value='ORG']").click()
    Harness(page).drag_select(".lc-text", "Initech")
    page.locator(".lc-submit").click()
    page.wait_for_selector(".lc-message-ok")
    (ann,) = stored(flask_site, "Predicted")
    assert [(r["value"]["text"], r.get("origin")) for r in ann["result"]] == [
        ("Carol", "prediction"),
        ("Initech", "manual"),
    ]


def test_signed_out_visitor_sees_a_sign_in_page_not_json(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    page = watched_page  # this host sets no login_url
    response = page.goto(
        f"{flask_site['url']}/label/projects/{flask_site['projects']['NER']}/label"
    )
    assert response.status == 401
    expect(page.get_by_role("heading", name="Sign-in needed")).to_be_visible()
    expect(page.locator(".lc-signin-text")).to_contain_text("You need to be signed in")
    assert (
        page.locator(".lc-signin-retry").evaluate("(a) => getComputedStyle(a).borderStyle")
        == "solid"
    )
    assert "status_code" not in page.content()
    screenshot(page, "flask-signin-needed")
    # the browser logs each 401 page load; that is this test's subject, not an error
    page.watch.errors[:] = [e for e in page.watch.errors if "status of 401" not in e]
