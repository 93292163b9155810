"""Project settings in the browser: sampling, skip queue, overlap cohort and the other
settings the core supports; the server's problems show at the field they name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from lc_ui_browser import login, screenshot
from lc_ui_host import CLASSIFY, USERS
from playwright.sync_api import expect

from labelcore.model import AssignmentMode, Sampling, SkipQueue

pytestmark = pytest.mark.browser


def test_settings_form_saves_distribution_settings_and_shows_field_errors(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    core = flask_site["core"]
    manager = USERS["manager"]
    project = core.create_project(manager, title="Settings form", label_config=CLASSIFY)
    page = watched_page
    login(page, flask_site["url"], "manager")
    page.goto(f"{flask_site['url']}/label/projects/{project.id}/settings")
    page.wait_for_selector(".lc-config-problems .lc-ok")
    # the current values are shown
    expect(page.locator("#lc-set-sampling")).to_have_value("Sequential sampling")
    expect(page.locator("#lc-set-maximum_annotations")).to_have_value("1")
    expect(page.locator("#lc-set-show_skip_button")).to_be_checked()
    # out-of-range and malformed values: refused, each problem at its field, nothing saved
    page.locator("#lc-set-maximum_annotations").fill("0")
    page.locator("#lc-set-overlap_cohort_percentage").fill("150")
    page.locator("#lc-set-color").fill("red")
    page.locator("#lc-save").click()
    cohort = page.locator(".lc-field[data-field='overlap_cohort_percentage']")
    expect(cohort).to_have_class("lc-field lc-setting lc-setting-int lc-invalid")
    expect(cohort.locator(".lc-field-error")).to_contain_text("must be 1 to 100, got 150")
    expect(
        page.locator(".lc-field[data-field='maximum_annotations'] .lc-field-error")
    ).to_contain_text("must be 1 to 1000, got 0")
    expect(page.locator(".lc-field[data-field='color'] .lc-field-error")).to_contain_text(
        "#RRGGBB"
    )
    expect(page.locator("#lc-set-overlap_cohort_percentage")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.locator("#lc-form-status")).to_have_text("Not saved: fix the marked fields.")
    page.watch.errors.clear()  # the browser logs the 400 answer
    screenshot(page, "flask-settings-field-errors")
    assert core.get_project(manager, project.id).settings.maximum_annotations == 1
    # a title that is too short is named at the title field too
    page.locator("#lc-title").fill("ab")
    page.locator("#lc-set-maximum_annotations").fill("3")
    page.locator("#lc-set-overlap_cohort_percentage").fill("50")
    page.locator("#lc-set-color").fill("#112233")
    page.locator("#lc-save").click()
    expect(page.locator(".lc-field[data-field='title'] .lc-field-error")).to_contain_text(
        "3 to 50 characters"
    )
    expect(cohort.locator(".lc-field-error")).to_have_text("")
    page.watch.errors.clear()
    # valid values save
    page.locator("#lc-title").fill("Settings form")
    page.locator("#lc-set-sampling").select_option("Uniform sampling")
    page.locator("#lc-set-skip_queue").select_option("REQUEUE_FOR_ME")
    page.locator("#lc-set-assignment_mode").select_option("assigned_first")
    page.locator("#lc-set-show_skip_button").uncheck()
    page.locator("#lc-set-show_overlap_first").check()
    page.locator("#lc-set-lock_ttl_seconds").fill("120")
    page.locator("#lc-save").click()
    page.wait_for_url(f"**/label/projects/{project.id}")
    s = core.get_project(manager, project.id).settings
    assert (s.sampling, s.skip_queue, s.assignment_mode) == (
        Sampling.UNIFORM,
        SkipQueue.REQUEUE_FOR_ME,
        AssignmentMode.ASSIGNED_FIRST,
    )
    assert (s.maximum_annotations, s.overlap_cohort_percentage, s.color) == (3, 50, "#112233")
    assert (s.show_skip_button, s.show_overlap_first, s.lock_ttl_seconds) == (False, True, 120)
    # and the form shows them on the next visit
    page.goto(f"{flask_site['url']}/label/projects/{project.id}/settings")
    expect(page.locator("#lc-set-sampling")).to_have_value("Uniform sampling")
    expect(page.locator("#lc-set-skip_queue")).to_have_value("REQUEUE_FOR_ME")
    expect(page.locator("#lc-set-show_skip_button")).not_to_be_checked()


def test_create_form_offers_the_settings_with_their_defaults(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    page = watched_page
    login(page, flask_site["url"], "manager")
    page.goto(f"{flask_site['url']}/label/projects/new")
    page.wait_for_selector(".lc-config-problems .lc-ok")
    expect(page.locator("#lc-set-skip_queue")).to_have_value("REQUEUE_FOR_OTHERS")
    expect(page.locator("#lc-set-overlap_cohort_percentage")).to_have_value("100")
    page.locator("#lc-title").fill("Created with overlap")
    page.locator("#lc-set-maximum_annotations").fill("2")
    page.locator("#lc-set-sampling").select_option("Uncertainty sampling")
    page.locator("#lc-save").click()
    page.wait_for_url(re.compile(r".*/label/projects/\d+$"))
    pid = int(page.url.rstrip("/").rsplit("/", 1)[1])
    s = flask_site["core"].get_project(USERS["manager"], pid).settings
    assert (s.maximum_annotations, s.sampling) == (2, Sampling.UNCERTAINTY)
