"""The labeling engine on the harness page: text spans, relations, paragraphs, hypertext."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import screenshot, strip_ids

pytestmark = pytest.mark.browser

NER = """
<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="#ff8800"/>
    <Label value="ORG" background="#0088ff"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Relations>
    <Relation value="works_at"/>
    <Relation value="founded"/>
  </Relations>
</View>
"""
TEXT = "Alice works at Acme Corp in Berlin."


def test_ner_and_relation_with_the_mouse(harness: Any) -> None:
    page = harness.page
    harness.mount(NER, {"text": TEXT})
    label = lambda v: page.locator(f".lc-label[data-value='{v}']")  # noqa: E731
    label("PER").click()
    harness.drag_select(".lc-text", "Alice")
    label("ORG").click()
    harness.drag_select(".lc-text", "Acme Corp")
    regions = page.locator(".lc-region-row")
    assert regions.count() == 2
    page.get_by_role("button", name="Create a relation from region 1").click()
    page.locator(".lc-region-row").nth(1).locator(".lc-region-select").click()
    page.locator(".lc-relation-labels").select_option("works_at")
    page.locator(".lc-relation-direction").click()  # right -> left
    page.locator(".lc-relation-direction").click()  # left -> bi
    result = strip_ids(harness.result())
    assert result == [
        {"id": "#0", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
         "value": {"start": 0, "end": 5, "text": "Alice", "labels": ["PER"]}},
        {"id": "#1", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
         "value": {"start": 15, "end": 24, "text": "Acme Corp", "labels": ["ORG"]}},
        {"from_id": "#0", "to_id": "#1", "type": "relation", "direction": "bi", "labels": ["works_at"]},
    ]
    screenshot(page, "engine-ner-relation")
