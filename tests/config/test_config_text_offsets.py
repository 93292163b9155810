"""Span offsets count code points, as Label Studio stores them.

The texts have characters outside the Basic Multilingual Plane (emoji, 2 UTF-16 code units
each, one with a skin-tone modifier) and a combining accent, before, inside and after spans.
"""

from __future__ import annotations

from typing import Any

from labelcore import parse_config

NER = parse_config(
    """<View>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""
)
# 👋🏽 (2 code points, 4 UTF-16 units), é as e + U+0301, 🏢 and 🎉 (1 code point, 2 units each)
TEXT = "Hi \U0001f44b\U0001f3fd from Jose\u0301 at \U0001f3e2 Acme Corp \U0001f389 in Berlin."


def span(text: str, part: str, label: str, rid: str) -> dict[str, Any]:
    """A result item as Label Studio's editor stores it: Python str indices (code points)."""
    start = text.index(part)
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": start + len(part), "text": part, "labels": [label]},
    }


def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def test_label_studio_spans_around_emoji_and_combining_accents_are_valid() -> None:
    result = [
        span(TEXT, "Jose\u0301", "PER", "a"),
        span(TEXT, "Acme Corp", "ORG", "b"),
        span(TEXT, "Berlin", "LOC", "c"),
        span(TEXT, "\U0001f44b\U0001f3fd from", "PER", "d"),  # a span holding the emoji
    ]
    assert [r["value"]["start"] for r in result] == [11, 22, 37, 3]  # code points
    assert NER.validate_result(result, {"text": TEXT}) == []


def test_utf16_offsets_are_refused_with_the_code_point_offsets_in_the_message() -> None:
    good = span(TEXT, "Acme Corp", "ORG", "b")
    start = utf16(TEXT, good["value"]["start"])
    assert start == 25  # three characters before it take two UTF-16 units each
    bad = {**good, "value": {**good["value"], "start": start, "end": start + 9}}
    (problem,) = NER.validate_result([bad], {"text": TEXT})
    assert problem.code == "result.span_text_mismatch"
    assert "UTF-16" in problem.message and "this span is 22..31" in problem.message


def test_utf16_offsets_past_the_text_say_the_same() -> None:
    text = "\U0001f600\U0001f600 ok"  # 4 code points, 6 UTF-16 units
    bad = {**span(text, "ok", "ORG", "x")}
    bad["value"] = {**bad["value"], "start": 5, "end": 7}
    (problem,) = NER.validate_result([bad], {"text": text})
    assert problem.code == "result.span_out_of_text"
    assert "this span is 3..5" in problem.message


def test_a_mismatch_that_is_not_utf16_gets_no_hint() -> None:
    bad = span(TEXT, "Acme Corp", "ORG", "b")
    bad["value"] = {**bad["value"], "start": 23, "end": 32}
    (problem,) = NER.validate_result([bad], {"text": TEXT})
    assert problem.code == "result.span_text_mismatch" and "UTF-16" not in problem.message


def test_a_span_splitting_the_accent_from_its_letter_is_checked_by_code_points() -> None:
    # Label Studio counts code points, not user-perceived characters: "Jose" without its
    # accent is a valid (if unusual) span, and its text must not carry the accent
    start = TEXT.index("Jose")
    item = span(TEXT, "Jose", "PER", "a")
    assert item["value"]["start"] == start and NER.validate_result([item], {"text": TEXT}) == []
    item["value"] = {**item["value"], "text": "Jose\u0301"}
    (problem,) = NER.validate_result([item], {"text": TEXT})
    assert problem.code == "result.span_text_mismatch"


HYPER = parse_config(
    """<View>
  <HyperTextLabels name="ner" toName="page"><Label value="ORG"/></HyperTextLabels>
  <HyperText name="page" value="$html"/>
</View>"""
)


def test_hypertext_offsets_count_code_points_in_the_node() -> None:
    html = "<p>\U0001f3e2 Acme Corp \U0001f389</p>"
    value = {
        "start": "/p[1]/text()[1]",
        "startOffset": 2,
        "end": "/p[1]/text()[1]",
        "endOffset": 11,
        "globalOffsets": {"start": 2, "end": 11},
        "text": "Acme Corp",
        "hypertextlabels": ["ORG"],
    }
    item = {"id": "h", "from_name": "ner", "to_name": "page", "type": "hypertextlabels"}
    assert HYPER.validate_result([{**item, "value": value}], {"html": html}) == []
    shifted = {**value, "startOffset": 3, "endOffset": 12}  # UTF-16 units
    codes = [p.code for p in HYPER.validate_result([{**item, "value": shifted}], {"html": html})]
    assert codes == ["result.span_text_mismatch"]


def test_checks_kept_per_config_never_stand_in_for_the_data_or_the_value() -> None:
    """The checker keeps a region's control, object and allowed types per config (and per
    object whether its text can be checked); what depends on the data or the value is checked
    again on every call, in any order."""
    cfg = parse_config(NER.xml)
    item = span(TEXT, "Acme Corp", "ORG", "a")
    assert cfg.validate_result([item], {"text": TEXT}) == []
    (short,) = cfg.validate_result([item], {"text": "Hi"})
    assert short.code == "result.span_out_of_text"
    (unknown,) = cfg.validate_result([{**item, "value": {**item["value"], "labels": ["X"]}}])
    assert unknown.code == "result.unknown_label"
    (wrong,) = cfg.validate_result([{**item, "type": "choices"}], {"text": TEXT})
    assert wrong.code == "result.type_mismatch"
    (elsewhere,) = cfg.validate_result([{**item, "to_name": "nowhere"}], {"text": TEXT})
    assert elsewhere.code == "result.unknown_to_name"
    assert cfg.validate_result([item], {"text": TEXT}) == []
