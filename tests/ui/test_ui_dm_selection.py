"""Data manager in the browser: "select all N matching tasks" across pages for bulk actions
(Label Studio's selectedItems {all: true, excluded}), nested filter groups, and saved view
tabs renamed and reordered (persisted through /api/dm/views)."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import login, screenshot
from lc_ui_host import CLASSIFY, USERS
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def new_project(site: dict[str, Any], title: str, n: int = 45) -> int:
    core = site["core"]
    project = core.create_project(USERS["manager"], title=title, label_config=CLASSIFY)
    core.import_tasks(USERS["manager"], project.id, [{"text": f"Row {i}"} for i in range(1, n + 1)])
    return int(project.id)


def texts_left(site: dict[str, Any], pid: int) -> set[str]:
    from labelcore.query import PageRequest, TaskQuery

    res = site["core"].list_tasks(USERS["manager"], pid, TaskQuery(), PageRequest(page_size=100))
    return {t.data["text"] for t in res.tasks}


def open_dm(page: Any, site: dict[str, Any], pid: int) -> None:
    login(page, site["url"], "manager")
    page.goto(f"{site['url']}/label/projects/{pid}")
    page.wait_for_selector(".lc-task-row")


def set_value(locator: Any, value: str) -> None:
    locator.fill(value)
    locator.press("Tab")  # the filter applies on change


def test_select_all_matching_tasks_across_pages_minus_unticked_ones(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    pid = new_project(flask_site, "Select all matching")
    page = watched_page
    open_dm(page, flask_site, pid)
    status = page.locator(".lc-dm-status")
    page.locator(".lc-page-size").select_option("10")
    expect(page.locator(".lc-task-row")).to_have_count(10)
    # Row 1, Row 10..Row 19: 11 tasks on two pages
    page.locator(".lc-filters-toggle").click()
    page.locator(".lc-filter-add").click()
    set_value(page.locator(".lc-filter-value"), "Row 1")
    expect(status).to_have_text("11 tasks")
    page.locator(".lc-select-all").check()
    expect(page.locator(".lc-selection-count")).to_have_text("10 tasks selected.")
    page.locator(".lc-select-matching").click()
    expect(page.locator(".lc-selection-count")).to_have_text("All 11 matching tasks are selected.")
    # the next page's rows are selected too; untick one there: it is excluded
    page.locator(".lc-page-next").click()
    expect(page.locator(".lc-page-info")).to_have_text("Page 2 of 2")
    last = page.locator(".lc-task-row").first
    expect(last.locator(".lc-row-select")).to_be_checked()
    kept = last.locator("td[data-column='data.text']").text_content()
    last.locator(".lc-row-select").uncheck()
    expect(page.locator(".lc-selection-count")).to_have_text(
        "10 of 11 matching tasks are selected (on every page)."
    )
    screenshot(page, "flask-dm-select-all-matching")
    page.locator(".lc-action-select").select_option("delete_tasks")
    page.locator(".lc-action-run").click()
    expect(page.locator(".lc-confirm")).to_contain_text("(10 tasks)")
    page.locator(".lc-confirm-yes").click()
    expect(status).to_contain_text("Done: 10 tasks processed.")
    left = texts_left(flask_site, pid)
    assert len(left) == 35
    assert kept in left
    assert not {f"Row {i}" for i in [1, *range(10, 20)]} - {kept} & left
    expect(page.locator(".lc-dm-selection")).to_be_empty()


def test_nested_filter_groups_and_renamed_reordered_views_persist(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    pid = new_project(flask_site, "Nested filters and tabs")
    page = watched_page
    open_dm(page, flask_site, pid)
    status = page.locator(".lc-dm-status")
    # text contains "Row 2" AND (text contains "5" OR text contains "7") -> Row 25, Row 27
    page.locator(".lc-filters-toggle").click()
    page.locator(".lc-filter-add").click()
    set_value(page.locator(".lc-filter-row .lc-filter-value").first, "Row 2")
    expect(status).to_have_text("11 tasks")
    page.locator(".lc-group-add").click()
    group = page.locator(".lc-filter-group")
    expect(group.locator(".lc-group-conjunction")).to_have_value("or")
    set_value(group.locator(".lc-filter-value"), "5")
    expect(status).to_have_text("1 tasks")
    group.locator(".lc-group-filter-add").click()
    set_value(group.locator(".lc-filter-value").nth(1), "7")
    expect(status).to_have_text("2 tasks")
    expect(page.locator("td[data-column='data.text']")).to_have_text(["Row 25", "Row 27"])
    screenshot(page, "flask-dm-nested-filters")
    # a group with AND inside instead: no row holds both digits
    group.locator(".lc-group-conjunction").select_option("and")
    expect(status).to_have_text("0 tasks")
    group.locator(".lc-group-conjunction").select_option("or")
    expect(status).to_have_text("2 tasks")
    # save two tabs; rename the second, move it first; both survive a reload
    page.locator(".lc-view-name").fill("Fives or sevens")
    page.locator(".lc-view-form button").click()
    expect(page.locator(".lc-tab.lc-on")).to_have_text("Fives or sevens")
    page.get_by_role("tab", name="All tasks").click()
    expect(status).to_have_text("45 tasks")
    page.locator(".lc-view-name").fill("Second")
    page.locator(".lc-view-form button").click()
    expect(page.locator(".lc-tab.lc-on")).to_have_text("Second")
    page.locator(".lc-view-rename").click()
    page.locator(".lc-view-rename-input").fill("Everything")
    page.locator(".lc-view-rename-input").press("Enter")
    expect(page.locator(".lc-tab.lc-on")).to_have_text("Everything")
    page.locator(".lc-view-left").click()
    expect(page.locator(".lc-tab")).to_have_text(["All tasks", "Everything", "Fives or sevens"])
    expect(page.locator(".lc-view-left")).to_be_disabled()
    page.reload()
    expect(page.locator(".lc-tab")).to_have_text(["All tasks", "Everything", "Fives or sevens"])
    page.get_by_role("tab", name="Fives or sevens").click()
    expect(status).to_have_text("2 tasks")
    page.locator(".lc-filters-toggle").click()
    expect(page.locator(".lc-filter-group .lc-filter-value")).to_have_count(2)
    views = flask_site["core"].list_views(USERS["manager"], pid)
    assert [v.data["title"] for v in views] == ["Everything", "Fives or sevens"]
    nested = views[1].data["filters"]["items"][1]
    assert nested["conjunction"] == "or" and len(nested["items"]) == 2
