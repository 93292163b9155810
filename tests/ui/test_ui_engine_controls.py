"""The labeling engine on the harness page: classification, taxonomy, pairwise, ranking,
per-region controls, visibility, required, scoped styles."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import screenshot, strip_ids
from playwright.sync_api import expect

from labelcore import parse_config

pytestmark = pytest.mark.browser

CLASSIFY = """
<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single-radio" showInline="true" required="true">
    <Choice value="Positive" hotkey="p"/><Choice value="Negative" hotkey="n"/><Choice value="Neutral" alias="neu"/>
  </Choices>
  <Choices name="topics" toName="text" choice="multiple">
    <Choice value="Sports"/><Choice value="Politics"/><Choice value="Tech"/>
  </Choices>
  <Choices name="lang" toName="text" layout="select"><Choice value="en"/><Choice value="de"/></Choices>
  <View visibleWhen="choice-selected" whenTagName="sentiment" whenChoiceValue="Negative">
    <Header value="Why negative?"/>
    <TextArea name="why" toName="text" rows="2"><Shortcut value="rude" alias="Rude" hotkey="ctrl+1"/></TextArea>
  </View>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Number name="n" toName="text" min="0" max="10"/>
  <DateTime name="when" toName="text" only="date"/>
</View>
"""


def test_classification_with_mouse_and_keyboard(harness: Any) -> None:
    page = harness.page
    harness.mount(CLASSIFY, {"text": "The match was awful."})
    problems = harness.call("validate")
    assert problems == [{"control": "sentiment", "message": "sentiment is required."}]
    assert page.locator(".lc-problem", has_text="sentiment is required.").is_visible()
    assert not page.get_by_text("Why negative?").is_visible()
    page.keyboard.press("n")  # hotkey
    assert page.get_by_text("Why negative?").is_visible()
    page.get_by_role("checkbox", name="Sports").check()
    page.get_by_role("checkbox", name="Tech").check()
    page.locator(".lc-choices select").select_option("de")
    textarea = page.locator(".lc-textarea-input")
    textarea.fill("Insulting ")
    textarea.press(
        "Control+1"
    )  # shortcut inserts at the cursor; typing targets still get ctrl hotkeys
    page.locator(".lc-shortcut").click()
    textarea.press("Enter")
    page.get_by_role("radio", name="4 of 5").click()
    page.locator(".lc-number-input").fill("7")
    page.locator(".lc-number-input").press("Tab")
    page.locator(".lc-datetime-input").fill("2024-05-01")
    page.locator(".lc-datetime-input").press("Tab")
    got = {r["from_name"]: (r["type"], r["value"]) for r in harness.result()}
    assert got == {
        "sentiment": ("choices", {"choices": ["Negative"]}),
        "topics": ("choices", {"choices": ["Sports", "Tech"]}),
        "lang": ("choices", {"choices": ["de"]}),
        "why": ("textarea", {"text": ["Insulting rude"]}),
        "stars": ("rating", {"rating": 4}),
        "n": ("number", {"number": 7}),
        "when": ("datetime", {"datetime": "2024-05-01"}),
    }
    assert harness.call("validate") == []
    assert all(r["to_name"] == "text" and r["origin"] == "manual" for r in harness.result())
    # keyboard: alias is what is stored; radio behaviour keeps one choice
    page.get_by_role("radio", name="Neutral").focus()
    page.keyboard.press("Space")
    assert {r["from_name"]: r["value"] for r in harness.result()}["sentiment"] == {
        "choices": ["neu"]
    }
    assert not page.get_by_text("Why negative?").is_visible()
    screenshot(page, "engine-classification")


TAXONOMY = """
<View>
  <Text name="text" value="$text"/>
  <Taxonomy name="tax" toName="text" leafsOnly="true">
    <Choice value="Animals"><Choice value="Mammals"><Choice value="Cat"/><Choice value="Dog"/></Choice><Choice value="Birds"/></Choice>
    <Choice value="Plants"><Choice value="Trees"/></Choice>
  </Taxonomy>
</View>
"""


def test_taxonomy_tree_search_and_leafs_only(harness: Any) -> None:
    page = harness.page
    harness.mount(TAXONOMY, {"text": "A cat in a tree."})
    assert page.get_by_role("checkbox", name="Animals").is_disabled()
    page.get_by_role("button", name="Expand Animals").click()
    page.get_by_role("button", name="Expand Mammals").click()
    page.get_by_role("checkbox", name="Animals / Mammals / Cat").check()
    # keyboard: search opens the matching branch, Space checks
    search = page.get_by_role("searchbox", name="Search the taxonomy")
    search.fill("tree")
    assert not page.get_by_role("checkbox", name="Animals / Birds").is_visible()
    page.get_by_role("checkbox", name="Plants / Trees").focus()
    page.keyboard.press("Space")
    (r,) = harness.result()
    assert (r["type"], r["value"]) == (
        "taxonomy",
        {"taxonomy": [["Animals", "Mammals", "Cat"], ["Plants", "Trees"]]},
    )
    page.get_by_role("button", name="Remove Animals / Mammals / Cat").click()
    assert harness.result()[0]["value"] == {"taxonomy": [["Plants", "Trees"]]}
    screenshot(page, "engine-taxonomy")


PAIRWISE = """
<View>
  <Text name="a" value="$a"/>
  <Text name="b" value="$b"/>
  <Pairwise name="pw" toName="a,b"/>
</View>
"""


def test_pairwise_by_click_and_keyboard(harness: Any) -> None:
    page = harness.page
    harness.mount(PAIRWISE, {"a": "Answer one", "b": "Answer two"})
    page.locator(".lc-text").nth(1).click()
    assert strip_ids(harness.result()) == [
        {
            "id": "#0",
            "from_name": "pw",
            "to_name": "pw",
            "type": "pairwise",
            "value": {"selected": "right"},
            "origin": "manual",
        }
    ]
    page.get_by_role("button", name="Left is better").focus()
    page.keyboard.press("Enter")
    assert harness.result()[0]["value"] == {"selected": "left"}


RANKER = """
<View>
  <List name="items" value="$items" title="Results"/>
  <Ranker name="rank" toName="items"/>
</View>
"""
ITEMS = [
    {"id": "a", "title": "First", "body": "one"},
    {"id": "b", "title": "Second", "body": "two"},
    {"id": "c", "title": "Third", "body": "three"},
]


def test_ranker_reorders_by_drag_and_keyboard(harness: Any) -> None:
    page = harness.page
    harness.mount(RANKER, {"items": ITEMS})
    assert harness.result() == []
    page.locator("[data-item-id='c']").drag_to(
        page.locator("[data-item-id='a']"), target_position={"x": 20, "y": 3}
    )
    assert harness.result()[0]["value"] == {"ranker": {"rank": ["c", "a", "b"]}}
    page.locator("[data-item-id='a']").focus()
    page.keyboard.press("Alt+ArrowDown")
    (r,) = harness.result()
    assert (r["from_name"], r["to_name"], r["type"], r["value"]) == (
        "rank",
        "items",
        "ranker",
        {"ranker": {"rank": ["c", "b", "a"]}},
    )


def test_ranker_writes_numeric_list_ids_as_strings_as_label_studio_does(harness: Any) -> None:
    """Label Studio's List turns every item id into a string when it reads the task
    (``List.jsx`` updateValue: ``id: String(item.id)``, in the 1.23.2 build too), so its ranker
    results hold ``"1"`` for ``{"id": 1}``; ours are the same, and a result written with
    numbers (a model's prediction) loads onto those items."""
    page = harness.page
    numeric = [{"id": i, "title": f"Item {i}"} for i in (1, 2, 3)]
    harness.mount(RANKER, {"items": numeric})
    page.locator("[data-item-id='3']").focus()
    page.keyboard.press("Alt+ArrowUp")
    assert harness.result()[0]["value"] == {"ranker": {"rank": ["1", "3", "2"]}}
    saved = {"id": "r1", "from_name": "rank", "to_name": "items", "type": "ranker"}
    harness.mount(RANKER, {"items": numeric}, [{**saved, "value": {"ranker": {"rank": [2, 3, 1]}}}])
    expect(page.locator(".lc-rank-item")).to_have_count(3)
    order = page.locator(".lc-rank-item").evaluate_all("els => els.map(e => e.dataset.itemId)")
    assert order == ["2", "3", "1"]
    assert harness.result()[0]["value"] == {"ranker": {"rank": ["2", "3", "1"]}}


BUCKETS = """
<View>
  <List name="items" value="$items" title="Search results"/>
  <Ranker name="rank" toName="items">
    <Bucket name="relevant" title="Relevant"/>
    <Bucket name="bad" title="Not relevant"/>
  </Ranker>
</View>
"""


def test_ranker_buckets_by_keyboard(harness: Any) -> None:
    page = harness.page
    harness.mount(BUCKETS, {"items": ITEMS})
    page.locator("[data-item-id='b']").focus()
    page.keyboard.press("Alt+ArrowRight")
    page.locator("[data-item-id='c']").focus()
    page.keyboard.press("Alt+ArrowRight")
    page.keyboard.press("Alt+ArrowRight")
    assert harness.result()[0]["value"] == {"ranker": {"_": ["a"], "relevant": ["b"], "bad": ["c"]}}
    screenshot(page, "engine-ranker-buckets")


PER_REGION = """
<View>
  <Labels name="ner" toName="text"><Label value="Product"/><Label value="Brand"/></Labels>
  <Text name="text" value="$text"/>
  <Choices name="quality" toName="text" perRegion="true" whenLabelValue="Product" required="true">
    <Choice value="Good"/><Choice value="Bad"/>
  </Choices>
  <TextArea name="note" toName="text" perRegion="true"/>
</View>
"""


def test_per_region_choices_and_textarea(harness: Any) -> None:
    page = harness.page
    harness.mount(PER_REGION, {"text": "Buy the Acme phone"})
    page.locator(".lc-label[data-value='Product']").click()
    harness.drag_select(".lc-text", "phone")
    assert not page.get_by_role("checkbox", name="Good").is_visible()
    page.locator(".lc-region-select").first.click()
    page.get_by_role("checkbox", name="Good").check()
    page.locator(".lc-textarea-input").fill("nice")
    page.locator(".lc-textarea-input").press("Enter")
    res = harness.result()
    rid = res[0]["id"]
    assert [(r["id"], r["type"], r["value"]) for r in res] == [
        (rid, "labels", {"start": 13, "end": 18, "text": "phone", "labels": ["Product"]}),
        (rid, "choices", {"start": 13, "end": 18, "text": "phone", "choices": ["Good"]}),
        (rid, "textarea", {"start": 13, "end": 18, "text": ["nice"]}),
    ]


def test_server_problems_show_next_to_their_region(harness: Any) -> None:
    page = harness.page
    results = [
        {
            "id": "r1",
            "from_name": "ner",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 3, "text": "Buy", "labels": ["Brand"]},
        }
    ]
    harness.mount(PER_REGION, {"text": "Buy the Acme phone"}, results)
    harness.call(
        "showServerProblems",
        [
            {"message": "text does not match the task data", "region": 0, "control": "ner"},
            {"message": "something else", "region": None, "control": None},
        ],
        results,
    )
    assert (
        page.locator("[data-region-id='r1'] .lc-problem").text_content()
        == "text does not match the task data"
    )
    assert page.locator(".lc-global-problems .lc-problem").text_content() == "something else"


def test_config_style_is_scoped_to_the_screen(harness: Any) -> None:
    page = harness.page
    harness.mount(
        '<View><Style>body { background: rgb(255, 0, 0); } .lc-text { color: rgb(0, 0, 255); } @import url("http://example.invalid/x.css");</Style><Text name="t" value="hi"/></View>'
    )
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.lc-text')).color")
        == "rgb(0, 0, 255)"
    )
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.lc-labeling')).backgroundColor")
        == "rgb(255, 0, 0)"
    )


def test_shortcut_sheet_lists_config_hotkeys(harness: Any) -> None:
    page = harness.page
    harness.mount(CLASSIFY, {"text": "x"})
    page.keyboard.press("?")
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert sheet.is_visible()
    assert "Choice: Positive" in sheet.text_content()
    page.keyboard.press("Escape")
    assert not sheet.is_visible()


def test_shortcut_sheet_lists_only_keys_of_objects_on_screen(harness: Any) -> None:
    """ui.md: the sheet lists every key the screen answers to right now; a classification
    screen has no text to select and no ranking, a ranking screen has one."""
    page = harness.page
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    harness.mount(PAIRWISE, {"a": "Answer one", "b": "Answer two"})
    page.keyboard.press("?")
    assert "In a text" not in sheet.text_content()
    assert "In a ranking" not in sheet.text_content()
    page.keyboard.press("Escape")
    harness.mount(RANKER, {"items": ITEMS})
    page.keyboard.press("?")
    assert "In a ranking" in sheet.text_content()
    page.keyboard.press("Escape")


def test_bad_config_shows_a_message(harness: Any) -> None:
    harness.mount("<View><Text name='t' value='$x'></View>")
    assert "cannot be read" in harness.page.locator(".lc-global-problems").text_content()
    # Chromium builds its XML <parsererror> report with a style attribute, which our strict CSP
    # refuses (and logs) even inside the inert parsed document; that is the only error allowed.
    errors = harness.page.watch.errors
    assert all("inline style" in e for e in errors), errors
    errors.clear()


LAYOUT = """
<View>
  <Filter name="f" toName="ner" minlength="2" placeholder="Filter labels" hotkey="ctrl+f"/>
  <Labels name="ner" toName="text"><Label value="Apple"/><Label value="Banana"/><Label value="Apricot"/></Labels>
  <Text name="text" value="$text"/>
  <View visibleWhen="region-selected" whenLabelValue="Banana"><Header value="Banana details"/></View>
  <Collapse>
    <Panel value="First"><Markdown value="**bold** and *it*"/></Panel>
    <Panel value="Second"><Table name="tab" value="$table"/></Panel>
  </Collapse>
</View>
"""


def test_filter_collapse_markdown_table_and_region_visibility(harness: Any) -> None:
    page = harness.page
    harness.mount(LAYOUT, {"text": "I like bananas", "table": {"price": 3, "color": "yellow"}})
    page.keyboard.press("Control+f")
    page.keyboard.type("ap")
    assert page.locator(".lc-label").all_text_contents() == ["Apple1", "Apricot3"]
    page.locator(".lc-filter").fill("")
    page.locator(".lc-label[data-value='Banana']").click()
    harness.drag_select(".lc-text", "bananas")
    expect(page.get_by_text("Banana details")).to_be_hidden()
    page.locator(".lc-region-select").click()
    expect(page.get_by_text("Banana details")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_text("Banana details")).to_be_hidden()
    page.get_by_text("First").click()
    assert page.locator(".lc-markdown strong").text_content() == "bold"
    page.get_by_text("Second").click()  # accordion: the first panel closes
    expect(page.locator(".lc-markdown")).to_be_hidden()  # waits for the re-render
    assert page.locator(".lc-data-table td").all_text_contents() == ["3", "yellow"]


DATETIMES = [
    ("", "2024-05-01T10:30", "2024-05-01T10:30"),
    ('only="date,time"', "2024-05-01T10:30", "2024-05-01T10:30"),
    ('only="date"', "2024-05-01", "2024-05-01"),
    ('only="time"', "10:30", "10:30"),
    ('only="month,year"', "2024-05", "2024-05"),
    ('only="year"', "2023", "2023"),
]


@pytest.mark.parametrize(("only", "typed", "stored"), DATETIMES)
def test_datetime_input_stores_what_the_server_accepts(
    harness: Any, only: str, typed: str, stored: str
) -> None:
    """Each `only` gets the input whose value is the form validate_result requires."""
    config = f'<View><Text name="t" value="$text"/><DateTime name="d" toName="t" {only}/></View>'
    harness.mount(config, {"text": "x"})
    box = harness.page.locator(".lc-datetime-input")
    box.fill(typed)
    box.press("Tab")
    result = harness.result()
    assert [r["value"] for r in result] == [{"datetime": stored}]
    clean = [{k: r[k] for k in ("from_name", "to_name", "type", "value")} for r in result]
    assert parse_config(config).validate_result(clean) == []
