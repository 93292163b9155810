"""Repeater, Choices allowNested, and Taxonomy from apiUrl, with annotator-added items
(legacy) and as span labels (labeling="true"), on the harness page. Each result the screen
makes is also checked by the server's config engine, so the two agree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lc_ui_browser import screenshot
from playwright.sync_api import expect

from labelcore.config import parse_config

pytestmark = pytest.mark.browser

REPEATER = """<View>
  <Repeater on="$items" mode="{mode}">
    <Header value="Item {{{{idx}}}}"/>
    <Text name="t_{{{{idx}}}}" value="$items[{{{{idx}}}}].text"/>
    <Choices name="c_{{{{idx}}}}" toName="t_{{{{idx}}}}" choice="single" required="true">
      <Choice value="Yes"/><Choice value="No"/>
    </Choices>
  </Repeater>
</View>"""
ITEMS = {"items": [{"text": "First thing"}, {"text": "Second thing"}, {"text": "Third thing"}]}


def server_problems(config: str, data: dict[str, Any], result: list[Any]) -> list[str]:
    return [p.message for p in parse_config(config).validate_result(result, data)]


def test_repeater_repeats_children_per_item_with_idx_substituted(harness: Any) -> None:
    page = harness.page
    config = REPEATER.format(mode="list")
    harness.mount(config, ITEMS)
    expect(page.locator(".lc-repeat-item")).to_have_count(3)
    expect(page.locator(".lc-text")).to_have_text(["First thing", "Second thing", "Third thing"])
    expect(page.locator(".lc-header")).to_have_text(["Item 0", "Item 1", "Item 2"])
    page.locator(".lc-repeat-item").nth(1).get_by_role("checkbox", name="No").check()
    page.locator(".lc-repeat-item").nth(2).get_by_role("checkbox", name="Yes").check()
    got = sorted((r["from_name"], r["to_name"], r["value"]["choices"]) for r in harness.result())
    assert got == [("c_1", "t_1", ["No"]), ("c_2", "t_2", ["Yes"])]
    assert server_problems(config, ITEMS, harness.result()) == []
    # required applies to each repeated control: item 0 has no answer
    assert harness.call("validate") == [{"control": "c_0", "message": "c_0 is required."}]
    # results load back into the right repeat
    harness.mount(config, ITEMS, harness.result())
    expect(page.locator(".lc-repeat-item").nth(1).get_by_role("checkbox", name="No")).to_be_checked()


def test_repeater_pagination_shows_one_item_at_a_time(harness: Any) -> None:
    page = harness.page
    harness.mount(REPEATER.format(mode="pagination"), ITEMS)
    info = page.locator(".lc-paged-info")
    expect(info).to_have_text("Item 1 of 3")
    expect(page.locator(".lc-text:visible")).to_have_text(["First thing"])
    expect(page.locator(".lc-paged-prev")).to_be_disabled()
    page.locator(".lc-paged-next").click()
    expect(info).to_have_text("Item 2 of 3")
    expect(page.locator(".lc-text:visible")).to_have_text(["Second thing"])
    page.locator(".lc-text:visible").locator("..").locator("xpath=..").get_by_role(
        "checkbox", name="Yes"
    ).check()
    assert [(r["from_name"], r["value"]) for r in harness.result()] == [
        ("c_1", {"choices": ["Yes"]})
    ]
    page.locator(".lc-paged-next").click()
    expect(page.locator(".lc-paged-next")).to_be_disabled()
    screenshot(page, "engine-repeater-pagination")
    # required controls on other pages still count; validating turns to the first one
    assert [p["control"] for p in harness.call("validate")] == ["c_0", "c_2"]
    expect(info).to_have_text("Item 1 of 3")
    expect(page.locator(".lc-problem:visible")).to_have_text(["c_0 is required."])


def test_repeater_without_a_list_renders_nothing_and_keeps_working(harness: Any) -> None:
    page = harness.page
    harness.mount(REPEATER.format(mode="list"), {"items": "not a list"})
    expect(page.locator(".lc-repeater")).to_have_count(1)
    expect(page.locator(".lc-repeat-item")).to_have_count(0)
    assert harness.result() == []


def test_nested_repeaters_share_the_limit_of_drawn_items(harness: Any) -> None:
    """A Repeater inside a Repeater multiplied the 1000-item limit (1000 x 1000 copies for a
    task with long lists); all Repeaters now share one limit of 1000 items."""
    config = """<View><Repeater on="$rows">
      <Repeater on="$rows[{{idx}}].cells" indexFlag="{{j}}">
        <Header value="$rows[{{idx}}].cells[{{j}}]"/>
      </Repeater>
    </Repeater></View>"""
    rows = [{"cells": [f"{r}.{c}" for c in range(40)]} for r in range(40)]
    harness.mount(config, {"rows": rows})
    page = harness.page
    # 40 rows, then 24 rows' 40 cells: 1000 items, the rest not drawn
    expect(page.locator(".lc-repeat-item")).to_have_count(1000)
    expect(page.locator(".lc-header")).to_have_count(960)
    expect(page.locator(".lc-header").last).to_have_text("23.39")


NESTED = """<View>
  <Text name="text" value="$text"/>
  <Choices name="kind" toName="text" choice="multiple" allowNested="true">
    <Choice value="Animals"><Choice value="Cat"/><Choice value="Dog" alias="dog"/></Choice>
    <Choice value="Plants"/>
  </Choices>
  <View visibleWhen="choice-selected" whenTagName="kind" whenChoiceValue="Cat">
    <Header value="About the cat"/>
  </View>
</View>"""


def test_choices_allow_nested_stores_paths(harness: Any) -> None:
    page = harness.page
    harness.mount(NESTED, {"text": "A cat and a fern."})
    expect(page.locator(".lc-choice")).to_have_count(4)
    expect(page.locator(".lc-choice-nested")).to_have_count(2)
    page.get_by_role("checkbox", name="Animals / Cat").check()
    expect(page.get_by_text("About the cat")).to_be_visible()
    page.get_by_role("checkbox", name="Animals / Dog").check()
    page.get_by_role("checkbox", name="Plants").check()
    (r,) = harness.result()
    assert r["value"] == {"choices": [["Animals", "Cat"], ["Animals", "dog"], ["Plants"]]}
    assert server_problems(NESTED, {"text": "x"}, harness.result()) == []
    harness.mount(NESTED, {"text": "x"}, [{**r, "value": {"choices": [["Animals", "dog"]]}}])
    expect(page.get_by_role("checkbox", name="Animals / Dog")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Animals / Cat")).not_to_be_checked()
    expect(page.get_by_text("About the cat")).to_be_hidden()


API_TAXONOMY = """<View>
  <Text name="text" value="$text"/>
  <Taxonomy name="tax" toName="text" apiUrl="{url}"/>
</View>"""
REMOTE = {
    "items": [
        {"value": "Europe", "children": [{"value": "France", "hint": "FR"}, "Spain"]},
        {"value": "Asia", "alias": "AS", "children": [{"value": "Japan"}]},
        {"no_value": True},
    ]
}


def test_taxonomy_loads_items_from_a_same_origin_api_url(harness: Any) -> None:
    page = harness.page
    asked: list[str] = []

    def fulfil(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(REMOTE))

    page.route("**/test-api/taxonomy*", fulfil)
    try:
        harness.mount(
            API_TAXONOMY.format(url="/test-api/taxonomy?kind=$kind"), {"text": "Paris", "kind": "geo"}
        )
        expect(page.locator(".lc-tree-item")).to_have_count(5)
        assert asked and asked[0].endswith("/test-api/taxonomy?kind=geo")
        page.locator(".lc-taxonomy-search").fill("fra")
        page.get_by_role("checkbox", name="Europe / France").check()
        page.locator(".lc-taxonomy-search").fill("")
        page.get_by_role("button", name="Expand Asia").click()
        page.get_by_role("checkbox", name="AS / Japan").check()
        (r,) = harness.result()
        assert r["value"] == {"taxonomy": [["Europe", "France"], ["AS", "Japan"]]}
        cfg = API_TAXONOMY.format(url="/test-api/taxonomy")
        assert server_problems(cfg, {"text": "x"}, harness.result()) == []
    finally:
        page.unroute("**/test-api/taxonomy*")


def test_taxonomy_api_url_on_another_origin_is_never_fetched(harness: Any) -> None:
    page = harness.page
    requests: list[str] = []

    def record(req: Any) -> None:
        requests.append(req.url)

    page.on("request", record)
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "//evil.example/t.json",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ):
        harness.mount(API_TAXONOMY.format(url=url), {"text": "x"})
        expect(page.locator(".lc-taxonomy-note")).to_have_text(
            "The taxonomy's apiUrl must be on this site; other sites are not contacted."
        )
    page.remove_listener("request", record)
    assert not [u for u in requests if "169.254" in u or "evil.example" in u or u.startswith("file:")]


LEGACY = """<View>
  <Text name="text" value="$text"/>
  <Taxonomy name="tax" toName="text" legacy="true">
    <Choice value="Animals"><Choice value="Cat"/></Choice>
  </Taxonomy>
</View>"""


def test_taxonomy_legacy_lets_annotators_add_items(harness: Any) -> None:
    page = harness.page
    harness.mount(LEGACY, {"text": "A parrot and a crow."})
    page.locator(".lc-taxonomy-new").fill("Birds")
    page.locator(".lc-taxonomy-add-btn").click()
    expect(page.get_by_role("checkbox", name="Birds")).to_be_checked()
    page.locator(".lc-taxonomy-parent").select_option(label="Birds")
    page.locator(".lc-taxonomy-new").fill("Parrot")
    page.locator(".lc-taxonomy-new").press("Enter")
    (r,) = harness.result()
    assert r["value"] == {"taxonomy": [["Birds"], ["Birds", "Parrot"]]}
    assert server_problems(LEGACY, {"text": "x"}, harness.result()) == []
    # a saved annotation brings its added items back into the tree
    harness.mount(LEGACY, {"text": "x"}, harness.result())
    expect(page.get_by_role("checkbox", name="Birds / Parrot")).to_be_checked()
    expect(page.locator(".lc-tree-item")).to_have_count(4)
    # without legacy, the add form is not offered
    harness.mount(LEGACY.replace(' legacy="true"', ""), {"text": "x"})
    expect(page.locator(".lc-taxonomy-add")).to_have_count(0)


SPAN_TAXONOMY = """<View>
  <Text name="text" value="$text"/>
  <Taxonomy name="tax" toName="text" labeling="true">
    <Choice value="Animals"><Choice value="Cat"/><Choice value="Dog"/></Choice>
    <Choice value="Plants"/>
  </Taxonomy>
</View>"""


def test_taxonomy_labels_text_spans(harness: Any) -> None:
    page = harness.page
    data = {"text": "The cat sat near the dog."}
    harness.mount(SPAN_TAXONOMY, data)
    page.get_by_role("button", name="Expand Animals").click()
    page.get_by_role("checkbox", name="Animals / Cat").check()
    harness.drag_select(".lc-text", "cat")
    expect(page.locator(".lc-region-row")).to_have_count(1)
    expect(page.locator(".lc-region-labels")).to_have_text("Animals / Cat")
    # select the text first, then the taxonomy item (keyboard-free path through pending)
    page.get_by_role("checkbox", name="Animals / Cat").uncheck()
    harness.drag_select(".lc-text", "dog")
    page.get_by_role("checkbox", name="Animals / Dog").check()
    expect(page.locator(".lc-region-row")).to_have_count(2)
    # relabel the first region
    page.locator(".lc-region-row").nth(0).locator(".lc-region-select").click()
    expect(page.get_by_role("checkbox", name="Animals / Cat")).to_be_checked()
    page.get_by_role("checkbox", name="Plants").check()
    spans = sorted(
        (r["value"]["text"], r["value"]["start"], r["value"]["taxonomy"]) for r in harness.result()
    )
    assert spans == [
        ("cat", 4, [["Animals", "Cat"], ["Plants"]]),
        ("dog", 21, [["Animals", "Dog"]]),
    ]
    assert all(r["type"] == "taxonomy" for r in harness.result())
    assert server_problems(SPAN_TAXONOMY, data, harness.result()) == []
    saved = harness.result()
    harness.mount(SPAN_TAXONOMY, data, saved)
    expect(page.locator(".lc-region-row")).to_have_count(2)
    assert harness.result() == saved  # loads back equal
    screenshot(page, "engine-taxonomy-spans")


PER_REGION = """<View>
  <Labels name="ner" toName="text"><Label value="Animal"/></Labels>
  <Text name="text" value="$text"/>
  <Taxonomy name="kind" toName="text" perRegion="true">
    <Choice value="Mammal"><Choice value="Cat"/></Choice><Choice value="Bird"/>
  </Taxonomy>
</View>"""


def test_per_region_taxonomy_classifies_a_labels_span(harness: Any) -> None:
    page = harness.page
    data = {"text": "A cat and a crow."}
    harness.mount(PER_REGION, data)
    page.keyboard.press("1")
    harness.drag_select(".lc-text", "cat")
    page.locator(".lc-region-row").nth(0).locator(".lc-region-select").click()
    page.get_by_role("button", name="Expand Mammal").click()
    page.get_by_role("checkbox", name="Mammal / Cat").check()
    got = {r["type"]: r["value"] for r in harness.result()}
    assert got["taxonomy"]["taxonomy"] == [["Mammal", "Cat"]]
    assert got["taxonomy"]["start"] == 2 and got["labels"]["labels"] == ["Animal"]
    assert server_problems(PER_REGION, data, harness.result()) == []


def test_taxonomy_api_url_redirect_off_site_is_not_followed(harness: Any) -> None:
    """A same-origin apiUrl that redirects (an open redirect on the host) must not take the
    request, or the items the screen offers, to another site."""
    page = harness.page
    offsite: list[str] = []

    def redirect(route: Any) -> None:
        route.fulfill(status=302, headers={"Location": "http://evil.example/t.json"})

    def evil(route: Any) -> None:
        offsite.append(route.request.url)
        route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps(["Injected"]),
        )

    page.route("**/test-api/redirect*", redirect)
    page.route("http://evil.example/**", evil)
    try:
        harness.mount(API_TAXONOMY.format(url="/test-api/redirect"), {"text": "x"})
        expect(page.locator(".lc-taxonomy-note")).to_contain_text("answers with a redirect")
        expect(page.locator(".lc-tree-item")).to_have_count(0)
        assert offsite == []
    finally:
        page.unroute("**/test-api/redirect*")
        page.unroute("http://evil.example/**")
