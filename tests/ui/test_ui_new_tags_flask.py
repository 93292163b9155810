"""The new tags on the real labeling page (Flask host, strict CSP): a Repeater task and a
Taxonomy whose items come from the host's own URL are labeled, submitted and stored."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import login, screenshot
from lc_ui_host import USERS
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CONFIG = """<View>
  <Repeater on="$questions">
    <Text name="q_{{idx}}" value="$questions[{{idx}}].text"/>
    <Choices name="a_{{idx}}" toName="q_{{idx}}" allowNested="true" required="true">
      <Choice value="Billing"><Choice value="Refund"/></Choice><Choice value="Other"/>
    </Choices>
  </Repeater>
  <Text name="title" value="$title"/>
  <Taxonomy name="shop" toName="title" apiUrl="/host-api/taxonomy"/>
</View>"""


def test_repeater_nested_choices_and_api_taxonomy_are_submitted_and_stored(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    core = flask_site["core"]
    manager = USERS["manager"]
    project = core.create_project(manager, title="Repeater and API taxonomy", label_config=CONFIG)
    core.import_tasks(
        manager,
        project.id,
        [{"title": "Shop questions", "questions": [{"text": "Where is my refund?"}, {"text": "Do you sell pears?"}]}],
    )
    page = watched_page
    login(page, flask_site["url"], "annotator")
    page.goto(f"{flask_site['url']}/label/projects/{project.id}/label")
    page.wait_for_selector(".lc-labeling .lc-main")
    items = page.locator(".lc-repeat-item")
    expect(items).to_have_count(2)
    items.nth(0).get_by_role("checkbox", name="Billing / Refund").check()
    page.keyboard.press("Control+Enter")  # the second question is required too
    expect(page.locator(".lc-message")).to_contain_text("a_1 is required.")
    items.nth(1).get_by_role("checkbox", name="Other").check()
    page.get_by_role("button", name="Expand Fruit").click()
    page.get_by_role("checkbox", name="Fruit / Pear").check()
    screenshot(page, "flask-repeater-api-taxonomy")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_text("Submitted.")
    (task,) = core.list_tasks(manager, project.id).tasks
    (ann,) = core.list_annotations(manager, task.id)
    got = {r["from_name"]: (r["to_name"], r["value"]) for r in ann.result}
    assert got == {
        "a_0": ("q_0", {"choices": [["Billing", "Refund"]]}),
        "a_1": ("q_1", {"choices": [["Other"]]}),
        "shop": ("title", {"taxonomy": [["Fruit", "Pear"]]}),
    }
