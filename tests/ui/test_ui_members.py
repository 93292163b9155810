"""The Members section of project settings in Chromium: a manager adds the annotator by
email, changes the role, sees a refusal in words, and removes them; the annotator's project
list follows each step."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import login, screenshot
from lc_ui_host import CLASSIFY, USERS
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_members_section_manages_who_sees_the_project(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    core = flask_site["core"]
    manager, annotator = USERS["manager"], USERS["annotator"]
    core.identify(annotator)  # the annotator has signed in before
    project = core.create_project(manager, title="Members form", label_config=CLASSIFY)
    page = watched_page
    login(page, flask_site["url"], "manager")
    page.goto(f"{flask_site['url']}/label/projects/{project.id}/settings")
    section = page.locator("#lc-members")
    expect(section.locator(".lc-members-open")).to_contain_text("has no members")
    # a user labelcore has never seen is refused in words, nothing changes
    section.locator("input[name=user]").fill("nobody@example.org")
    section.locator(".lc-member-add button[type=submit]").click()
    expect(page.locator(".lc-members-error")).to_contain_text(
        "No user with this id or email has signed in here yet: nobody@example.org"
    )
    page.watch.errors.clear()  # the browser logs the 404 answer
    assert core.list_members(manager, project.id) == []
    # add the annotator by email, as a reviewer
    section = page.locator("#lc-members")
    section.locator("input[name=user]").fill("ANN@example.org")
    section.locator(".lc-member-add select[name=role]").select_option("reviewer")
    section.locator(".lc-member-add button[type=submit]").click()
    row = page.locator(".lc-member-row[data-member='2']")
    expect(row).to_contain_text("Ann Annotator")
    expect(row.locator("select[name=role]")).to_have_value("reviewer")
    roles = {s.project.id: s.role for s in core.list_projects(annotator)}
    assert roles[project.id] == "reviewer"
    screenshot(page, "flask-settings-members")
    # change the role
    row.locator("select[name=role]").select_option("annotator")
    row.get_by_role("button", name="Change role").click()
    expect(page.locator(".lc-member-row[data-member='2'] select[name=role]")).to_have_value(
        "annotator"
    )
    assert core.list_members(manager, project.id)[0].role == "annotator"
    # remove: the project is open to every signed-in user again, and the page says so
    page.locator(".lc-member-row[data-member='2']").get_by_role("button", name="Remove").click()
    expect(page.locator("#lc-members .lc-members-open")).to_be_visible()
    assert core.list_members(manager, project.id) == []
