"""Text offsets around emoji and combining accents, chosen in a real browser, accepted by the
server and exported: every step counts code points, as Label Studio stores them. Also
HyperText whose HTML starts with white space (a mouse selection used to make no region) and
<br> in HyperText global offsets."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from lc_ui_browser import Harness, login, screenshot
from lc_ui_host import USERS, create_flask_app, serve
from playwright.sync_api import expect

from labelcore import LabelCore, parse_config
from labelcore.errors import ValidationError

NER = """<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="#f97316"/><Label value="ORG" background="#3b82f6"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""
# 👋🏽 (2 code points, 4 UTF-16 units), é as e + U+0301, 🏢 and 🎉 (1 code point, 2 units each)
TEXT = "Hi \U0001f44b\U0001f3fd from Jose\u0301 at \U0001f3e2 Acme Corp \U0001f389 in Berlin."
HYPER = """<View>
  <HyperTextLabels name="ner" toName="page"><Label value="T"/></HyperTextLabels>
  <HyperText name="page" value="$html"/>
</View>"""


def ls_value(text: str, part: str, label: str) -> dict[str, Any]:
    """The value Label Studio stores for ``part`` of ``text``: Python str (code point) indices."""
    start = text.index(part)
    return {"start": start, "end": start + len(part), "text": part, "labels": [label]}


def strip(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["value"] for r in result]


def labeling(harness: Any, config: str, data: dict[str, Any], label: str) -> Any:
    """Mount ``config`` on ``data`` with ``label`` active; return the page."""
    harness.mount(config, data)
    harness.page.locator(f".lc-label[data-value='{label}']").click()
    return harness.page


@pytest.mark.browser
def test_mouse_spans_after_emoji_and_accents_store_label_studio_offsets(harness: Any) -> None:
    page = labeling(harness, NER, {"text": TEXT}, "ORG")
    harness.drag_select(".lc-text", "Acme Corp")
    page.locator(".lc-label[data-value='PER']").click()
    harness.drag_select(".lc-text", "Jose\u0301")
    result = harness.result()
    assert strip(result) == [ls_value(TEXT, "Acme Corp", "ORG"), ls_value(TEXT, "Jose\u0301", "PER")]
    assert [v["start"] for v in strip(result)] == [22, 11]  # UTF-16 would say 25 and 13
    items = [{k: r[k] for k in ("id", "from_name", "to_name", "type", "value")} for r in result]
    assert parse_config(NER).validate_result(items, {"text": TEXT}) == []
    # the highlighted text is the labeled text, emoji around it untouched
    expect(page.locator(".lc-region")).to_have_text(["Jose\u0301", "Acme Corp"])
    expect(page.locator(".lc-text")).to_have_text(TEXT)


@pytest.mark.browser
def test_label_studio_results_load_on_the_right_characters(harness: Any) -> None:
    page = harness.page
    stored = [
        {"id": f"r{i}", "from_name": "label", "to_name": "text", "type": "labels", "value": v}
        for i, v in enumerate(
            [ls_value(TEXT, "Berlin", "ORG"), ls_value(TEXT, "\U0001f44b\U0001f3fd from", "PER")]
        )
    ]
    harness.mount(NER, {"text": TEXT}, stored)
    expect(page.locator(".lc-region")).to_have_text(["\U0001f44b\U0001f3fd from", "Berlin"])


@pytest.mark.browser
def test_keyboard_steps_over_whole_emoji_and_accented_letters(harness: Any) -> None:
    text = "\U0001f44b\U0001f3fd Jose\u0301 e\u0301\U0001f3e2!"
    page = labeling(harness, NER, {"text": text}, "PER")
    page.locator(".lc-text").focus()
    page.keyboard.press("ArrowRight")  # past 👋🏽 (one character, two code points)
    page.keyboard.press("ArrowRight")  # past the space
    for _ in range(4):
        page.keyboard.press("Shift+ArrowRight")  # J o s é
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")  # past the space
    page.keyboard.press("Shift+ArrowRight")  # é
    page.keyboard.press("Shift+ArrowRight")  # 🏢
    page.keyboard.press("Enter")
    values = strip(harness.result())
    assert values == [ls_value(text, "Jose\u0301", "PER"), ls_value(text, "e\u0301\U0001f3e2", "PER")]
    assert [(v["start"], v["end"]) for v in values] == [(3, 8), (9, 12)]


@pytest.mark.browser
def test_the_caret_shows_for_the_keyboard_not_for_the_mouse(harness: Any) -> None:
    page = harness.page
    harness.mount(HYPER, {"html": "\n  <p>Hello <b>big</b> world</p>"})
    box = page.locator(".lc-text")
    box.click()
    expect(box).not_to_have_class("lc-text lc-object lc-hypertext lc-focused")
    expect(page.locator(".lc-caret")).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(box).to_have_class("lc-text lc-object lc-hypertext lc-focused")
    # the caret never sits in white space the HTML collapses (it would add a line)
    expect(page.locator(".lc-hypertext-body > .lc-caret")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.parametrize(
    "html",
    [
        "\n  <p>Hello <b>big</b> world</p>\n",
        " Hello <b>big</b> world",
        "\n\t<div>\n  <p>Intro</p>\n  <p>Hello <b>big</b> world</p>\n</div>",
    ],
    ids=["newline-before-block", "space-before-inline", "indented-blocks"],
)
def test_hypertext_starting_with_white_space_makes_a_region_by_mouse(
    harness: Any, html: str
) -> None:
    page = labeling(harness, HYPER, {"html": html}, "T")
    harness.drag_select(".lc-hypertext", "big world")
    (r,) = harness.result()
    assert r["value"]["text"] == "big world"
    assert r["value"]["start"].endswith("/b[1]/text()[1]") and r["value"]["startOffset"] == 0
    assert r["value"]["globalOffsets"]["end"] - r["value"]["globalOffsets"]["start"] == 9
    item = {k: r[k] for k in ("from_name", "to_name", "type", "value")}
    assert parse_config(HYPER).validate_result([item], {"html": html}) == []
    expect(page.locator(".lc-region")).to_have_text(["big", " world"])


@pytest.mark.browser
def test_a_drag_after_keyboard_use_selects_what_the_pointer_covers(harness: Any) -> None:
    # the caret is showing (keyboard), at the start where it keeps the leading space from
    # collapsing: a mouse drag must not hide it (and move the text) before the drag ends
    html = " Hello <b>big</b> world"
    page = labeling(harness, HYPER, {"html": html}, "T")
    page.locator(".lc-text").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".lc-caret")).to_be_visible()
    harness.drag_select(".lc-hypertext", "big")
    (r,) = harness.result()
    assert r["value"]["text"] == "big"
    expect(page.locator(".lc-caret")).to_be_hidden()


@pytest.mark.browser
def test_hypertext_global_offsets_count_br_and_code_points(harness: Any) -> None:
    html = "<p>a<br>\U0001f3e2 Acme</p>"
    page = labeling(harness, HYPER, {"html": html}, "T")
    harness.drag_select(".lc-hypertext", "Acme")
    (r,) = harness.result()
    assert r["value"] == {
        "start": "/p[1]/text()[2]",
        "startOffset": 2,  # 🏢 and the space: two code points
        "end": "/p[1]/text()[2]",
        "endOffset": 6,
        "globalOffsets": {"start": 4, "end": 8},  # "a", <br>, 🏢, space
        "text": "Acme",
        "hypertextlabels": ["T"],
    }
    item = {k: r[k] for k in ("from_name", "to_name", "type", "value")}
    assert parse_config(HYPER).validate_result([item], {"html": html}) == []
    # a Label Studio result with the same offsets loads on the same characters
    harness.mount(HYPER, {"html": html}, [{**r, "id": "ls1"}])
    expect(page.locator(".lc-region")).to_have_text(["Acme"])


# --- the whole chain on the Flask host: select, submit, store, export, import ---------------


@pytest.fixture(scope="module")
def emoji_site() -> Iterator[dict[str, Any]]:
    core = LabelCore("memory://", start_jobs=False)
    project = core.create_project(USERS["manager"], title="Emoji NER", label_config=NER)
    core.import_tasks(USERS["manager"], project.id, [{"text": TEXT}])
    with serve(create_flask_app(core)) as url:
        yield {"url": url, "core": core, "project": project.id}
    core.close()


def annotations(core: LabelCore, project: int) -> list[list[dict[str, Any]]]:
    (task,) = core.list_tasks(USERS["manager"], project).tasks
    return [[dict(r) for r in a.result] for a in core.list_annotations(USERS["manager"], task.id)]


def conll(core: LabelCore, project: int) -> str:
    prepared = core.prepare_export(USERS["manager"], project, "CONLL2003")
    out = io.BytesIO()
    prepared.write(out)
    return out.getvalue().decode()


EXPECTED_CONLL = [
    "-DOCSTART- -X- O",
    "Hi -X- _ O",
    "\U0001f44b\U0001f3fd -X- _ O",
    "from -X- _ O",
    "Jose\u0301 -X- _ B-PER",
    "at -X- _ O",
    "\U0001f3e2 -X- _ O",
    "Acme -X- _ B-ORG",
    "Corp -X- _ I-ORG",
    "\U0001f389 -X- _ O",
    "in -X- _ O",
    "Berlin -X- _ O",
    ". -X- _ O",
    "",  # a blank line after each annotation
]


@pytest.mark.browser
def test_select_after_emoji_submit_store_and_export_conll(
    watched_page: Any, emoji_site: dict[str, Any]
) -> None:
    page, core, pid = watched_page, emoji_site["core"], emoji_site["project"]
    login(page, emoji_site["url"], "annotator")
    page.goto(f"{emoji_site['url']}/label/projects/{pid}/label")
    page.wait_for_selector(".lc-labeling .lc-main")
    h = Harness(page)
    page.keyboard.press("2")  # ORG
    h.drag_select(".lc-text", "Acme Corp")
    page.keyboard.press("1")  # PER
    h.drag_select(".lc-text", "Jose\u0301")
    screenshot(page, "text-offsets-emoji")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_class("lc-message lc-message-ok")
    (result,) = annotations(core, pid)
    assert [r["value"] for r in result] == [
        ls_value(TEXT, "Acme Corp", "ORG"),
        ls_value(TEXT, "Jose\u0301", "PER"),
    ]
    assert conll(core, pid).splitlines() == EXPECTED_CONLL


def test_conll_tags_match_label_studio_converter_around_emoji() -> None:
    sdk = pytest.importorskip("label_studio_sdk.converter.utils")
    from labelcore.formats._tokens import bio_tags

    spans = [ls_value(TEXT, p, "X") for p in ("Jose\u0301", "Acme Corp", "\U0001f389 in")]
    ours = bio_tags(TEXT, [dict(s) for s in spans])
    assert ours == tuple(sdk.create_tokens_and_tags(TEXT, [dict(s) for s in spans]))
    assert ours[1][ours[0].index("Acme")] == "B-X"


def test_importing_label_studio_annotations_keeps_code_point_offsets() -> None:
    core = LabelCore("memory://", start_jobs=False)
    try:
        project = core.create_project(USERS["manager"], title="Import", label_config=NER)
        region = {
            "id": "ls-1",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": ls_value(TEXT, "Acme Corp", "ORG"),
        }
        task = {"data": {"text": TEXT}, "annotations": [{"result": [region]}]}
        core.import_tasks(USERS["manager"], project.id, [task])
        assert annotations(core, project.id) == [[region]]
        assert conll(core, project.id).splitlines()[7:9] == ["Acme -X- _ B-ORG", "Corp -X- _ I-ORG"]
        # an export made with UTF-16 offsets (JavaScript indices) is refused, saying why
        utf16 = {**region, "value": {**region["value"], "start": 25, "end": 34}}
        bad = {"data": {"text": TEXT}, "annotations": [{"result": [utf16]}]}
        with pytest.raises(ValidationError) as err:
            core.import_tasks(USERS["manager"], project.id, [bad])
        assert "this span is 22..31" in str(err.value.errors)
        assert len(core.list_tasks(USERS["manager"], project.id).tasks) == 1
    finally:
        core.close()
