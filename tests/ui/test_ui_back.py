""""Back" on the labeling screen reaches the user's own work from earlier sessions: the
server lists the tasks they annotated or skipped, in the order they last worked on them."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import login
from lc_ui_host import CLASSIFY, USERS
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def choice(value: str) -> list[dict[str, Any]]:
    return [
        {
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [value]},
        }
    ]


def test_back_reaches_tasks_annotated_in_an_earlier_session(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    core = flask_site["core"]
    manager, annotator = USERS["manager"], USERS["annotator"]
    project = core.create_project(manager, title="Back across sessions", label_config=CLASSIFY)
    core.import_tasks(manager, project.id, [{"text": f"Earlier {i}"} for i in range(1, 5)])
    t1, t2, t3, _t4 = (t.id for t in core.list_tasks(manager, project.id).tasks)
    # an earlier session: the annotator labeled t1, skipped t2, labeled t3; someone else
    # labeled t1 too (not theirs to go back to)
    core.submit_annotation(annotator, t1, choice("Positive"))
    core.skip_task(annotator, t2)
    core.submit_annotation(annotator, t3, choice("Negative"))
    core.submit_annotation(manager, t1, choice("Negative"))

    page = watched_page
    login(page, flask_site["url"], "annotator")
    page.goto(f"{flask_site['url']}/label/projects/{project.id}/label")
    info = page.locator(".lc-label-info")
    expect(info).to_have_text(f"Task #{_t4}")
    expect(page.locator(".lc-back")).to_be_enabled()
    page.locator(".lc-back").click()
    expect(info).to_contain_text(f"Task #{t3} · your annotation")
    expect(page.get_by_role("checkbox", name="Negative")).to_be_checked()
    expect(page.locator(".lc-submit")).to_have_text("Update")
    page.locator(".lc-back").click()
    expect(info).to_have_text(f"Task #{t2} · skipped")  # nothing of theirs to update
    expect(page.locator(".lc-skipped-note")).to_contain_text("You skipped this task on")
    expect(page.locator(".lc-submit")).to_have_text("Submit")
    page.locator(".lc-back").click()
    expect(info).to_contain_text(f"Task #{t1} · your annotation")
    expect(page.get_by_role("checkbox", name="Positive")).to_be_checked()
    expect(page.locator(".lc-back")).to_be_disabled()  # nothing before their first task
    # updating it works across sessions too, and it becomes the latest work
    page.keyboard.press("n")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_text("Updated.")
    mine = [a for a in core.list_annotations(manager, t1) if a.completed_by == annotator.id]
    assert [r["value"] for r in mine[0].result] == [{"choices": ["Negative"]}]
    page.locator(".lc-back").click()
    expect(info).to_contain_text(f"Task #{t1} · your annotation")


def test_my_tasks_lists_only_the_callers_work_and_hides_other_projects(
    flask_site: dict[str, Any],
) -> None:
    import requests

    core = flask_site["core"]
    manager = USERS["manager"]
    project = core.create_project(manager, title="My tasks listing", label_config=CLASSIFY)
    core.import_tasks(manager, project.id, [{"text": "one"}, {"text": "two"}])
    t1, t2 = (t.id for t in core.list_tasks(manager, project.id).tasks)
    core.submit_annotation(manager, t2, choice("Positive"))
    core.submit_annotation(USERS["annotator"], t1, choice("Positive"))
    url = f"{flask_site['url']}/label/ui/projects/{project.id}/my-tasks"
    assert requests.get(url, cookies={"who": "manager"}, timeout=10).json() == {"tasks": [t2]}
    assert requests.get(url, cookies={"who": "annotator"}, timeout=10).json() == {"tasks": [t1]}
    core.set_members(manager, project.id, {manager.id: "manager"})
    assert requests.get(url, cookies={"who": "annotator"}, timeout=10).status_code == 404


def test_my_tasks_returns_only_the_most_recent_tasks_up_to_the_cap(
    flask_site: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    from labelcore.web import pages

    core = flask_site["core"]
    manager = USERS["manager"]
    project = core.create_project(manager, title="My tasks cap", label_config=CLASSIFY)
    core.import_tasks(manager, project.id, [{"text": f"t{i}"} for i in range(4)])
    t1, t2, t3, t4 = (t.id for t in core.list_tasks(manager, project.id).tasks)
    for task in (t3, t1, t4, t2):
        core.submit_annotation(manager, task, choice("Positive"))
    monkeypatch.setattr(pages, "MY_TASKS_MAX", 3)
    url = f"{flask_site['url']}/label/ui/projects/{project.id}/my-tasks"
    assert requests.get(url, cookies={"who": "manager"}, timeout=10).json() == {
        "tasks": [t1, t4, t2]
    }
