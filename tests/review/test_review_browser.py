"""In a real browser on a Flask host: a reviewer rejects, the annotator reads the comment and
fixes the annotation in the labeling screen, the reviewer accepts; the statistics page
draws its charts with the right numbers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from rv_fixtures import BROWSER_USERS as USERS
from rv_fixtures import browser_choice as choice

pytestmark = pytest.mark.browser


def as_user(browser: Any, base: str, who: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "who", "value": who, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    return page


def test_reject_fix_accept_and_stats_in_the_browser(browser: Any, site: Any) -> None:
    base, core, project = site
    manager = USERS["manager"]
    (task_id,) = [b.task.id for b in core.store.iter_bundles(project.id)]
    ann = core.submit_annotation(USERS["annotator"], task_id, choice("Negative"), lead_time=12)

    reviewer = as_user(browser, base, "reviewer")
    reviewer.goto(f"{base}/label/projects/{project.id}/review")
    card = reviewer.locator(f'.lc-review-annotation[data-annotation-id="{ann.id}"]')
    expect(card).to_contain_text("sentiment: Negative")
    card.locator("textarea[name=comment]").fill("It is clearly positive")
    card.locator(".lc-review-reject").click()
    reviewer.wait_for_selector(".lc-review-done")
    assert core.get_annotation(manager, ann.id).last_action == "rejected"

    annotator = as_user(browser, base, "annotator")
    annotator.goto(f"{base}/label/projects/{project.id}/review/rejected")
    row = annotator.locator(f'.lc-rejected-row[data-annotation-id="{ann.id}"]')
    expect(row.locator(".lc-review-comment")).to_have_text("It is clearly positive")
    row.locator(".lc-review-fix").click()
    annotator.wait_for_selector(".lc-labeling .lc-main")
    # the labeling screen itself says what the reviewer asked for
    note = annotator.locator(".lc-rejection-note .lc-rejection-comment")
    expect(note).to_have_text("It is clearly positive")
    annotator.wait_for_function(
        "() => document.querySelector('.lc-submit').textContent === 'Update'"
    )
    annotator.keyboard.press("p")
    annotator.keyboard.press("Control+Enter")
    annotator.wait_for_selector(".lc-message-ok")
    fixed = core.get_annotation(manager, ann.id)
    assert fixed.result[0]["value"]["choices"] == ["Positive"] and fixed.last_action == "updated"

    reviewer.goto(f"{base}/label/projects/{project.id}/review")
    card = reviewer.locator(f'.lc-review-annotation[data-annotation-id="{ann.id}"]')
    expect(card).to_contain_text("sentiment: Positive")
    expect(card.locator(".lc-review-history")).to_contain_text("It is clearly positive")
    card.locator(".lc-review-accept").click()
    reviewer.wait_for_selector(".lc-review-done")
    assert core.review_states(manager, project.id)[1][ann.id] == "accepted"

    stats = as_user(browser, base, "manager")
    stats.goto(f"{base}/label/projects/{project.id}/stats")
    expect(stats.locator("svg.lc-chart")).to_have_count(6)
    bar = stats.locator('#lc-chart-annotators .lc-bar[data-label="Ann Annotator"]')
    expect(bar).to_have_attribute("data-value", "1")
    lead = stats.locator('#lc-chart-lead_time .lc-bar[data-label="Ann Annotator"]')
    expect(lead).to_have_attribute("data-value", re.compile(r"^\d"))
    assert float(lead.get_attribute("data-value") or "nan") == fixed.lead_time
    label = stats.locator('#lc-chart-labels .lc-bar[data-label="sentiment: Positive"]')
    expect(label).to_have_attribute("data-value", "1")
    expect(stats.locator(".lc-stat-annotations")).to_have_text("1")
    # each chart's numbers as CSV: the link next to the chart downloads the same numbers
    csv_link = stats.locator('a[href$="stats.csv?table=labels"]')
    expect(csv_link).to_have_count(1)
    got = stats.request.get(base + (csv_link.get_attribute("href") or ""))
    assert got.ok and "Positive" in got.text()
    for page in (reviewer, annotator, stats):
        assert page.errors == []


def test_quick_view_from_the_data_manager_review_edit_delete(browser: Any, site: Any) -> None:
    import json

    base, core, project = site
    manager = USERS["manager"]
    (task_id,) = [b.task.id for b in core.store.iter_bundles(project.id)]
    theirs = core.submit_annotation(USERS["annotator"], task_id, choice("Negative"))
    mine = core.submit_annotation(manager, task_id, choice("Positive"))

    # the data manager links every row to its quick view: data, annotations side by side
    boss = as_user(browser, base, "manager")
    boss.goto(f"{base}/label/projects/{project.id}")
    row = boss.locator(f'.lc-task-row[data-task-id="{task_id}"]')
    row.locator(".lc-quick-view").click()
    expect(boss).to_have_url(f"{base}/label/projects/{project.id}/tasks/{task_id}/review")
    expect(boss.locator(".lc-review-annotation")).to_have_count(2)
    expect(boss.locator(".lc-review-data")).to_contain_text("I love this product")

    # the reviewer fixes the annotator's result in the quick view and accepts it
    reviewer = as_user(browser, base, "reviewer")
    reviewer.goto(f"{base}/label/projects/{project.id}/tasks/{task_id}/review")
    card = reviewer.locator(f'.lc-review-annotation[data-annotation-id="{theirs.id}"]')
    expect(card.locator(".lc-review-delete")).to_have_count(0)  # not within a reviewer's role
    card.locator(".lc-review-edit summary").click()
    card.locator("textarea[name=result]").fill(json.dumps(choice("Maybe")))
    card.locator(".lc-review-fix-accept").click()
    expect(reviewer.locator(".lc-review-error")).to_contain_text("Maybe")  # refused, said why
    card = reviewer.locator(f'.lc-review-annotation[data-annotation-id="{theirs.id}"]')
    card.locator(".lc-review-edit summary").click()
    card.locator("textarea[name=result]").fill(json.dumps(choice("Positive")))
    card.locator(".lc-review-edit-form textarea[name=comment]").fill("It is positive")
    card.locator(".lc-review-fix-accept").click()
    card = reviewer.locator(f'.lc-review-annotation[data-annotation-id="{theirs.id}"]')
    expect(card).to_have_attribute("data-state", "accepted")
    expect(card.locator(".lc-review-history")).to_contain_text("It is positive")
    fixed = core.get_annotation(manager, theirs.id)
    assert fixed.last_action == "fixed_and_accepted" and fixed.result == choice("Positive")

    # the manager deletes their own annotation from the quick view
    boss.reload()
    boss.locator(
        f'.lc-review-annotation[data-annotation-id="{mine.id}"] .lc-review-delete'
    ).click()
    expect(boss.locator(".lc-review-annotation")).to_have_count(1)
    assert [a.id for a in core.list_annotations(manager, task_id)] == [theirs.id]

    # back in the data manager, the review state is a column
    boss.goto(f"{base}/label/projects/{project.id}")
    boss.locator(".lc-columns-toggle").click()
    boss.get_by_role("checkbox", name="Review state", exact=True).check()
    cell = boss.locator(f'.lc-task-row[data-task-id="{task_id}"] td[data-column="review_state"]')
    expect(cell).to_have_text("accepted")
    for page in (boss, reviewer):
        assert page.errors == []


def test_rejection_comment_xss_in_the_labeling_screen_is_text(browser: Any, site: Any) -> None:
    base, core, project = site
    (task_id,) = [b.task.id for b in core.store.iter_bundles(project.id)]
    ann = core.submit_annotation(USERS["annotator"], task_id, choice("Negative"))
    attack = '<img src=x onerror="window.__xss = 1"><b>bold</b>'
    core.reject_annotation(USERS["reviewer"], ann.id, comment=attack)

    annotator = as_user(browser, base, "annotator")
    annotator.goto(f"{base}/label/projects/{project.id}/review/rejected")
    annotator.locator(f'.lc-rejected-row[data-annotation-id="{ann.id}"] .lc-review-fix').click()
    note = annotator.locator(".lc-rejection-note")
    expect(note.locator(".lc-rejection-comment")).to_have_text(attack)
    expect(note.locator("img, b")).to_have_count(0)
    assert annotator.evaluate("() => window.__xss") is None
    # once the fix is in, the note goes: the annotation is no longer rejected
    annotator.wait_for_function(
        "() => document.querySelector('.lc-submit').textContent === 'Update'"
    )
    annotator.keyboard.press("p")
    annotator.keyboard.press("Control+Enter")
    annotator.wait_for_selector(".lc-message-ok")
    expect(note).to_be_hidden()
    assert annotator.errors == []
