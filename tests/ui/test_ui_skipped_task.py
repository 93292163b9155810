"""A task the annotator skipped comes back (the skip queue, Back, a link from the data
manager): the labeling screen says when they skipped it, and a submit turns the skip into
their annotation (one annotation per user and task, not a second one)."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import login, screenshot
from lc_ui_host import CLASSIFY, USERS

pytestmark = pytest.mark.browser


def project(site: dict[str, Any], title: str, texts: list[str], **settings: Any) -> int:
    core, manager = site["core"], USERS["manager"]
    p = core.create_project(manager, title=title, label_config=CLASSIFY, **settings)
    core.import_tasks(manager, p.id, [{"text": t} for t in texts])
    return int(p.id)


def info(page: Any) -> str:
    return str(page.locator(".lc-label-info").text_content())


def wait_for_task_text(page: Any, text: str) -> None:
    page.wait_for_function(
        "(t) => { const el = document.querySelector('.lc-text'); return el && el.textContent.includes(t); }",
        arg=text,
    )


def test_requeued_skip_shows_when_it_was_skipped_and_submit_replaces_it(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    page = watched_page
    pid = project(
        flask_site,
        "Skip comes back",
        ["First review", "Second review"],
        skip_queue="requeue_for_me",
    )
    login(page, flask_site["url"], "annotator")
    page.goto(f"{flask_site['url']}/label/projects/{pid}/label")
    wait_for_task_text(page, "First review")
    assert page.locator(".lc-skipped-note").is_hidden()  # never skipped: no note
    page.keyboard.press("Control+Space")
    wait_for_task_text(page, "Second review")
    assert page.locator(".lc-skipped-note").is_hidden()
    page.keyboard.press("p")
    page.keyboard.press("Control+Enter")
    # requeue_for_me: the skipped task comes back last, with the note
    wait_for_task_text(page, "First review")
    note = page.locator(".lc-skipped-note")
    note.wait_for(state="visible")
    core, manager = flask_site["core"], USERS["manager"]
    first = core.list_tasks(manager, pid).tasks[0]
    (skip,) = core.list_annotations(manager, first.id)
    assert skip.was_cancelled
    expected = page.evaluate(
        "(iso) => new Date(iso).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'})",
        skip.updated_at.isoformat(),
    )
    assert note.text_content() == (
        f"You skipped this task on {expected}. "
        "Label it and submit to replace the skip, or skip it again."
    )
    assert note.get_attribute("role") == "note"
    assert info(page).endswith("· skipped")
    assert page.locator(".lc-submit").text_content() == "Submit"
    screenshot(page, "flask-skipped-task-again")
    page.keyboard.press("n")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".lc-done")
    (done,) = core.list_annotations(manager, first.id)  # the skip became the annotation
    assert done.id == skip.id and not done.was_cancelled and done.version == 2
    assert [r.get("value") for r in done.result] == [{"choices": ["Negative"]}]
    task = core.get_task(manager, first.id).task
    assert (task.total_annotations, task.cancelled_annotations, task.is_labeled) == (1, 0, True)


def test_skipped_task_opened_with_back_or_a_link_says_so(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    page = watched_page
    pid = project(flask_site, "Skip then back", ["Only <b>one</b>", "Another one"])
    login(page, flask_site["url"], "annotator")
    page.goto(f"{flask_site['url']}/label/projects/{pid}/label")
    wait_for_task_text(page, "Only <b>one</b>")
    page.keyboard.press("Control+Space")  # requeue_for_others: it will not come back by itself
    wait_for_task_text(page, "Another one")
    page.locator(".lc-back").click()
    wait_for_task_text(page, "Only <b>one</b>")
    page.locator(".lc-skipped-note").wait_for(state="visible")
    assert "You skipped this task on" in page.locator(".lc-skipped-note").text_content()
    # the same from the data manager's link to the task
    task_id = flask_site["core"].list_tasks(USERS["manager"], pid).tasks[0].id
    page.goto(f"{flask_site['url']}/label/projects/{pid}/label?task={task_id}")
    wait_for_task_text(page, "Only <b>one</b>")
    page.locator(".lc-skipped-note").wait_for(state="visible")
    # skipping it again keeps one skip, and the next task has no note
    page.keyboard.press("Control+Space")
    wait_for_task_text(page, "Another one")
    assert page.locator(".lc-skipped-note").is_hidden()
    anns = flask_site["core"].list_annotations(USERS["manager"], task_id)
    assert [(a.was_cancelled, a.last_action) for a in anns] == [(True, "skipped")]
