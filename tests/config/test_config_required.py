# ruff: noqa: E501  (inline XML configs read best on one line)
"""missing_required: required controls, with Label Studio's visibility rules."""

from __future__ import annotations

from typing import Any

from labelcore import parse_config


def r(
    from_name: str, to_name: str, type_: str, value: dict[str, Any], id_: str = "x"
) -> dict[str, Any]:
    return {"id": id_, "from_name": from_name, "to_name": to_name, "type": type_, "value": value}


CFG = parse_config(
    """<View>
  <Text name="t" value="$t"/>
  <Choices name="relevant" toName="t" required="true"><Choice value="Yes"/><Choice value="No"/></Choices>
  <Choices name="why" toName="t" required="true" requiredMessage="Say why" visibleWhen="choice-selected" whenTagName="relevant" whenChoiceValue="No"><Choice value="Spam"/></Choices>
  <View visibleWhen="choice-unselected" whenTagName="relevant">
    <TextArea name="hint" toName="t" required="true"/>
  </View>
  <Rating name="optional" toName="t"/>
</View>"""
)


def codes(found: list[Any]) -> list[tuple[str, str | None]]:
    return [(p.code, p.control) for p in found]


def test_required_control_without_result_is_reported() -> None:
    found = CFG.missing_required([])
    assert codes(found) == [
        ("result.required_missing", "relevant"),
        ("result.required_missing", "hint"),
    ]


def test_hidden_required_control_is_not_required() -> None:
    yes = [r("relevant", "t", "choices", {"choices": ["Yes"]})]
    assert CFG.missing_required(yes) == []


def test_control_shown_by_a_choice_becomes_required() -> None:
    no = [r("relevant", "t", "choices", {"choices": ["No"]})]
    found = CFG.missing_required(no)
    assert codes(found) == [("result.required_missing", "why")] and found[0].message == "Say why"
    assert CFG.missing_required([*no, r("why", "t", "choices", {"choices": ["Spam"]})]) == []


OCR = parse_config(
    """<View>
  <Image name="img" value="$i"/>
  <Labels name="kind" toName="img"><Label value="Text"/><Label value="Logo"/></Labels>
  <Rectangle name="box" toName="img"/>
  <TextArea name="transcript" toName="img" perRegion="true" required="true" visibleWhen="region-selected" whenLabelValue="Text"/>
</View>"""
)
BOX = {"x": 1, "y": 1, "width": 5, "height": 5}


def test_per_region_required_applies_to_each_matching_region() -> None:
    result = [
        r("box", "img", "rectangle", BOX, "a"),
        r("kind", "img", "labels", {**BOX, "labels": ["Text"]}, "a"),
        r("box", "img", "rectangle", BOX, "b"),
        r("kind", "img", "labels", {**BOX, "labels": ["Logo"]}, "b"),
    ]
    found = OCR.missing_required(result)
    assert [(p.code, p.region, p.control) for p in found] == [
        ("result.required_missing", 1, "transcript")
    ]
    answered = [*result, r("transcript", "img", "textarea", {**BOX, "text": ["ACME"]}, "a")]
    assert OCR.missing_required(answered) == []


def test_garbage_results_get_problems_not_exceptions() -> None:
    assert codes(CFG.missing_required("nope"))[0] == ("result.required_missing", "relevant")
    assert isinstance(
        OCR.missing_required([1, {"from_name": 3}, {"from_name": "kind", "value": 5}]), list
    )
