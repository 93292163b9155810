"""The labeling engine on the harness page: text spans, relations, paragraphs, hypertext."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import screenshot, strip_ids
from playwright.sync_api import expect

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
    page.locator(".lc-relation-label[value='works_at']").check()
    page.locator(".lc-relation-direction").click()  # right -> left
    page.locator(".lc-relation-direction").click()  # left -> bi
    result = strip_ids(harness.result())
    assert result == [
        {
            "id": "#0",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": 0, "end": 5, "text": "Alice", "labels": ["PER"]},
        },
        {
            "id": "#1",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": 15, "end": 24, "text": "Acme Corp", "labels": ["ORG"]},
        },
        {
            "from_id": "#0",
            "to_id": "#1",
            "type": "relation",
            "direction": "bi",
            "labels": ["works_at"],
        },
    ]
    screenshot(page, "engine-ner-relation")


def two_regions_and(relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    span = {"from_name": "label", "to_name": "text", "type": "labels", "origin": "manual"}
    return [
        {**span, "id": "a", "value": {"start": 0, "end": 5, "text": "Alice", "labels": ["PER"]}},
        {**span, "id": "b", "value": {"start": 15, "end": 24, "text": "Acme Corp",
                                      "labels": ["ORG"]}},
        *relations,
    ]  # fmt: skip


def test_relation_label_single_choice_with_the_keyboard(harness: Any) -> None:
    """<Relations choice="single">: a drop-down; arrow keys pick, the focus stays on it."""
    page = harness.page
    rel = {"from_id": "a", "to_id": "b", "type": "relation", "direction": "right"}
    harness.mount(NER.replace("<Relations>", '<Relations choice="single">'), {"text": TEXT},
                  two_regions_and([rel]))  # fmt: skip
    expect(page.locator(".lc-relation-label")).to_have_count(0)
    picker = page.locator("select.lc-relation-labels")
    picker.focus()
    page.keyboard.press("ArrowDown")
    expect(picker).to_be_focused()
    assert harness.result()[2] == {**rel, "labels": ["works_at"]}
    page.keyboard.press("ArrowDown")
    assert harness.result()[2] == {**rel, "labels": ["founded"]}
    page.keyboard.press("Home")
    assert harness.result()[2] == {**rel, "labels": []}


def test_relations_reopen_with_their_labels_as_label_studio_saves_them(harness: Any) -> None:
    """Loaded relations keep their labels (or their lack of the key); a label the config's
    <Relations> no longer names is dropped on save, as Label Studio drops it."""
    base = {"from_id": "a", "to_id": "b", "type": "relation"}
    saved = [
        {**base, "direction": "bi", "labels": ["founded", "works_at"]},
        {**base, "from_id": "b", "to_id": "a", "direction": "left"},
    ]
    harness.mount(NER, {"text": TEXT}, two_regions_and(saved))
    checked = harness.page.locator(".lc-relation-row").first.locator(".lc-relation-label:checked")
    expect(checked).to_have_count(2)
    assert harness.result()[2:] == saved
    gone = [{**saved[0], "labels": ["works_at", "owns"]}, saved[1]]
    harness.mount(NER, {"text": TEXT}, two_regions_and(gone))
    assert harness.result()[2:] == [{**saved[0], "labels": ["works_at"]}, saved[1]]


def test_ner_and_relation_with_the_keyboard(harness: Any) -> None:
    page = harness.page
    harness.mount(
        NER.replace('toName="text"', 'toName="text"').replace(
            'name="text" value="$text"', 'name="text" value="$text" granularity="word"'
        ),
        {"text": TEXT},
    )
    box = page.locator(".lc-text")
    box.focus()
    page.keyboard.press("Shift+ArrowRight")  # word granularity: "Alice"
    page.keyboard.press("1")  # auto hotkey of PER
    for _ in range(2):
        page.keyboard.press("ArrowRight")  # to the ends of "works" and "at"
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")  # "Acme Corp"
    page.keyboard.press("2")
    expect(page.locator(".lc-region-row")).to_have_count(2)
    # keyboard relation: focus region 1, Alt+R, Enter on the offered target
    page.locator(".lc-region-row").nth(0).locator(".lc-region-select").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Alt+r")
    page.keyboard.press("Enter")
    result = strip_ids(harness.result())
    assert [r["value"]["text"] for r in result if r["type"] == "labels"] == ["Alice", "Acme Corp"]
    assert [r["value"]["labels"] for r in result if r["type"] == "labels"] == [["PER"], ["ORG"]]
    # no labels picked: no `labels` key, as Label Studio's RelationStore.serialize writes it
    assert result[2] == {"from_id": "#0", "to_id": "#1", "type": "relation", "direction": "right"}
    # <Relations> without choice is Label Studio's choice="multiple": a checkbox per label,
    # reached with Tab and toggled with Space; the focus stays put as the panel redraws
    page.locator(".lc-relation-direction").focus()
    page.keyboard.press("Tab")
    expect(page.locator(".lc-relation-label[value='works_at']")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator(".lc-relation-label[value='works_at']")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator(".lc-relation-label[value='founded']")).to_be_focused()
    assert harness.result()[2]["labels"] == ["works_at", "founded"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    assert harness.result()[2]["labels"] == ["founded"]
    # undo takes back the label picks, then the relation; redo brings it back; Delete removes
    # the selected region
    page.keyboard.press("Escape")
    page.keyboard.press("Control+z")
    assert harness.result()[2]["labels"] == ["works_at", "founded"]
    for _ in range(3):
        page.keyboard.press("Control+z")
    assert [r["type"] for r in harness.result()] == ["labels", "labels"]
    page.keyboard.press("Control+Shift+z")
    assert [r["type"] for r in harness.result()] == ["labels", "labels", "relation"]
    page.locator(".lc-region-row").nth(1).locator(".lc-region-select").click()
    page.keyboard.press("Delete")
    assert [r["value"]["text"] for r in harness.result()] == ["Alice"]


def test_overlapping_spans_and_symbol_granularity(harness: Any) -> None:
    page = harness.page
    harness.mount(NER, {"text": "New York City"})
    page.locator(".lc-label[data-value='ORG']").click()
    harness.drag_select(".lc-text", "New York City")
    page.locator(".lc-label[data-value='ORG']").click()
    page.locator(".lc-label[data-value='PER']").click()
    harness.drag_select(".lc-text", "ork")  # inside the first region, by symbol
    spans = [(r["value"]["start"], r["value"]["end"], r["value"]["text"]) for r in harness.result()]
    assert spans == [(0, 13, "New York City"), (5, 8, "ork")]
    expect(page.locator(".lc-span.lc-overlap")).to_have_count(1)


def test_emoji_offsets_are_code_points(harness: Any) -> None:
    page = harness.page
    text = "I 😀 love Paris"
    harness.mount(NER, {"text": text})
    page.locator(".lc-label[data-value='ORG']").click()
    harness.drag_select(".lc-text", "Paris")
    (r,) = harness.result()
    assert text[r["value"]["start"] : r["value"]["end"]] == "Paris"


def test_loaded_results_render_and_round_trip(harness: Any) -> None:
    results = [
        {
            "id": "a1",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "prediction",
            "score": 0.9,
            "value": {"start": 0, "end": 5, "text": "Alice", "labels": ["PER"]},
        },
        {
            "id": "b2",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": 15, "end": 24, "text": "Acme Corp", "labels": ["ORG"]},
        },
        {
            "from_id": "a1",
            "to_id": "b2",
            "type": "relation",
            "direction": "left",
            "labels": ["founded"],
        },
    ]
    harness.mount(NER, {"text": TEXT}, results)
    assert harness.result() == results
    assert harness.page.locator(".lc-region").count() == 2


PARAGRAPHS = """
<View>
  <ParagraphLabels name="intent" toName="dialog">
    <Label value="Question"/><Label value="Answer"/>
  </ParagraphLabels>
  <Paragraphs name="dialog" value="$dialog" layout="dialogue" nameKey="speaker" textKey="phrase"/>
</View>
"""


def test_paragraph_labels_use_string_indices(harness: Any) -> None:
    page = harness.page
    dialog = [{"speaker": "A", "phrase": "Where is it?"}, {"speaker": "B", "phrase": "Over there."}]
    harness.mount(PARAGRAPHS, {"dialog": dialog})
    page.locator(".lc-label[data-value='Answer']").click()
    harness.drag_select(".lc-paragraphs", "Over there")
    (r,) = harness.result()
    assert r["type"] == "paragraphlabels"
    assert r["value"] == {
        "start": "1",
        "end": "1",
        "startOffset": 0,
        "endOffset": 10,
        "text": "Over there",
        "paragraphlabels": ["Answer"],
    }
    screenshot(page, "engine-paragraphs")


HYPER = """
<View>
  <HyperTextLabels name="ner" toName="page"><Label value="Title"/></HyperTextLabels>
  <HyperText name="page" value="$html"/>
</View>
"""


def test_hypertext_labels_have_xpaths_and_global_offsets(harness: Any) -> None:
    page = harness.page
    harness.mount(HYPER, {"html": "<div><p>Intro</p><p>Big <b>News</b> today</p></div>"})
    page.locator(".lc-label[data-value='Title']").click()
    harness.drag_select(".lc-hypertext", "News")
    (r,) = harness.result()
    assert r["value"] == {
        "start": "/div[1]/p[2]/b[1]/text()[1]",
        "startOffset": 0,
        "end": "/div[1]/p[2]/b[1]/text()[1]",
        "endOffset": 4,
        "globalOffsets": {"start": 9, "end": 13},
        "text": "News",
        "hypertextlabels": ["Title"],
    }


MESSY_HTML = (
    "<section><h2>Report</h2><!-- draft -->\n  <script>var hidden = 1;</script>"
    "<details><summary>More</summary><p>Big <em>News</em> today</p></details></section>"
)


def test_hypertext_spans_made_here_validate_on_the_server(harness: Any) -> None:
    """The server checks a span's paths in the HTML as this editor shows it (sanitized,
    unknown tags unwrapped), so what an annotator selects here is accepted with the data."""
    from labelcore import parse_config
    from labelcore.sanitize import sanitize_html

    page = harness.page
    harness.mount(HYPER, {"html": sanitize_html(MESSY_HTML)})  # as pages.py serves it
    page.locator(".lc-label[data-value='Title']").click()
    harness.drag_select(".lc-hypertext", "News")
    (r,) = harness.result()
    assert r["value"]["text"] == "News"
    item = {k: r[k] for k in ("from_name", "to_name", "type", "value")}
    cfg = parse_config(HYPER)
    assert cfg.validate_result([item], {"html": MESSY_HTML}) == []
    item["value"] = {**r["value"], "text": "Olds"}
    codes = [p.code for p in cfg.validate_result([item], {"html": MESSY_HTML})]
    assert codes == ["result.span_text_mismatch"]


NER_AND_QUALITY = NER.replace(
    "</View>",
    '<Choices name="quality" toName="text" perRegion="true"><Choice value="good"/></Choices></View>',
)


def test_region_meta_and_parent_id_from_label_studio_are_kept_on_save(harness: Any) -> None:
    """Label Studio writes a region's notes (`meta`) and `parentID` on each of its results;
    the screen does not edit them, and an edit elsewhere must not drop them."""
    span = {"start": 0, "end": 5, "text": "Alice"}
    saved = [
        {
            "id": "a",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {**span, "labels": ["PER"]},
            "meta": {"text": ["checked twice"]},
        },
        {
            "id": "b",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "parentID": "a",
            "value": {"start": 15, "end": 19, "text": "Acme", "labels": ["ORG"]},
        },
        {
            "id": "a",
            "from_name": "quality",
            "to_name": "text",
            "type": "choices",
            "value": {**span, "choices": ["good"]},
            "meta": {"text": ["checked twice"]},
        },
    ]
    harness.mount(NER_AND_QUALITY, {"text": "Alice works at Acme."}, saved)
    harness.page.locator(".lc-region-row").nth(1).locator(".lc-region-select").click()
    harness.page.locator(".lc-label[data-value='PER']").click()  # relabel the second span
    got = {(r["id"], r["from_name"]): r for r in harness.result()}
    assert got["a", "label"]["meta"] == {"text": ["checked twice"]}
    assert got["a", "quality"]["meta"] == {"text": ["checked twice"]}
    assert got["b", "label"]["parentID"] == "a"
    assert got["b", "label"]["value"]["labels"] == ["PER"]
