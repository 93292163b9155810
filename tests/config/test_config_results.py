# ruff: noqa: E501  (inline XML configs and results read best on one line)
"""validate_result: every result type, the merged and split label formats, and each rule."""

from __future__ import annotations

from typing import Any

import pytest

from labelcore import parse_config

XML = """<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="Organization" alias="ORG"/></Labels>
  <Choices name="sentiment" toName="text" choice="single"><Choice value="pos"/><Choice value="neg"/></Choices>
  <Choices name="topics" toName="text" choice="multiple"><Choice value="a"/><Choice value="b"/></Choices>
  <Choices name="tree" toName="text" allowNested="true"><Choice value="x"><Choice value="x1"/></Choice></Choices>
  <Taxonomy name="tax" toName="text"><Choice value="Animal"><Choice value="Cat"/></Choice></Taxonomy>
  <TextArea name="summary" toName="text" maxSubmissions="2"/>
  <Number name="score" toName="text" min="0" max="10"/>
  <Rating name="stars" toName="text" maxRating="4"/>
  <DateTime name="when" toName="text" only="date"/>
  <Relations><Relation value="knows"/></Relations>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels>
  <PolygonLabels name="poly" toName="img"><Label value="Car"/></PolygonLabels>
  <KeyPointLabels name="kp" toName="img"><Label value="Nose"/></KeyPointLabels>
  <EllipseLabels name="ell" toName="img"><Label value="Cell"/></EllipseLabels>
  <BrushLabels name="brush" toName="img"><Label value="Sky"/></BrushLabels>
  <BitmaskLabels name="bitmask" toName="img"><Label value="Sky"/></BitmaskLabels>
  <VectorLabels name="vec" toName="img"><Label value="Road"/></VectorLabels>
  <Rectangle name="rect" toName="img"/>
  <Labels name="imglabels" toName="img"><Label value="Printed"/></Labels>
  <TextArea name="ocr" toName="img" perRegion="true"/>
  <HyperText name="html" value="$html"/>
  <HyperTextLabels name="htl" toName="html"><Label value="Title"/></HyperTextLabels>
  <Paragraphs name="dialog" value="$dialog"/>
  <ParagraphLabels name="pl" toName="dialog"><Label value="Q"/></ParagraphLabels>
  <TimeSeries name="ts" value="$ts" valueType="json"/>
  <TimeSeriesLabels name="tsl" toName="ts"><Label value="Run"/></TimeSeriesLabels>
  <Video name="video" value="$video"/>
  <TimelineLabels name="tl" toName="video"><Label value="Goal"/></TimelineLabels>
  <Labels name="vlabels" toName="video"><Label value="Man"/></Labels>
  <VideoRectangle name="track" toName="video"/>
  <Audio name="audio" value="$audio"/>
  <Labels name="speaker" toName="audio"><Label value="A"/></Labels>
  <Text name="left" value="$left"/><Text name="right" value="$right"/>
  <Pairwise name="cmp" toName="left,right"/>
  <List name="items" value="$items"/>
  <Ranker name="rank" toName="items"><Bucket name="good"/><Bucket name="bad"/></Ranker>
  <Choices name="dyn" toName="text" value="$options"/>
  <Choices name="hidden" toName="text" visibleWhen="choice-selected" whenTagName="sentiment"><Choice value="h"/></Choices>
</View>"""
CFG = parse_config(XML)
DATA = {
    "text": "Ada met Bob at IBM.",
    "dialog": [{"author": "a", "text": "hi"}, {"author": "b", "text": "yo"}],
}


def r(
    from_name: str, to_name: str, type_: str, value: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "id": extra.pop("id", f"id-{from_name}"),
        "from_name": from_name,
        "to_name": to_name,
        "type": type_,
        "value": value,
        **extra,
    }


VALID = {
    "text span": r(
        "ner", "text", "labels", {"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]}
    ),
    "alias label": r("ner", "text", "labels", {"start": 15, "end": 18, "labels": ["ORG"]}),
    "single choice": r("sentiment", "text", "choices", {"choices": ["pos"]}),
    "multiple choices": r("topics", "text", "choices", {"choices": ["a", "b"]}),
    "nested choices": r("tree", "text", "choices", {"choices": [["x", "x1"]]}),
    "taxonomy": r("tax", "text", "taxonomy", {"taxonomy": [["Animal", "Cat"], ["Animal"]]}),
    "textarea": r("summary", "text", "textarea", {"text": ["one", "two"]}),
    "number": r("score", "text", "number", {"number": 7.5}),
    "rating": r("stars", "text", "rating", {"rating": 4}),
    "datetime": r("when", "text", "datetime", {"datetime": "2024-01-31"}),
    "rectangle": r(
        "box",
        "img",
        "rectanglelabels",
        {"x": 10, "y": 20, "width": 90, "height": 80, "rotation": 0, "rectanglelabels": ["Car"]},
        original_width=640,
        original_height=480,
    ),
    "rotated rectangle": r(
        "box",
        "img",
        "rectanglelabels",
        {"x": 90, "y": 90, "width": 50, "height": 50, "rotation": 45, "rectanglelabels": ["Car"]},
    ),
    "polygon": r(
        "poly",
        "img",
        "polygonlabels",
        {"points": [[0, 0], [100, 0], [50, 50.5]], "closed": True, "polygonlabels": ["Car"]},
    ),
    "keypoint": r(
        "kp", "img", "keypointlabels", {"x": 50, "y": 50, "width": 0.7, "keypointlabels": ["Nose"]}
    ),
    "ellipse": r(
        "ell",
        "img",
        "ellipselabels",
        {"x": 50, "y": 50, "radiusX": 10, "radiusY": 5, "rotation": 0, "ellipselabels": ["Cell"]},
    ),
    "brush": r(
        "brush",
        "img",
        "brushlabels",
        {"format": "rle", "rle": [0, 12, 255], "brushlabels": ["Sky"]},
    ),
    "bitmask": r(
        "bitmask",
        "img",
        "bitmasklabels",
        {"imageDataURL": "data:image/png;base64,AAAA", "bitmasklabels": ["Sky"]},
    ),
    "vector": r(
        "vec",
        "img",
        "vectorlabels",
        {
            "vertices": [{"id": "p1", "x": 1, "y": 2}, {"id": "p2", "x": 3, "y": 4}],
            "closed": False,
            "vectorlabels": ["Road"],
        },
    ),
    "plain rectangle": r("rect", "img", "rectangle", {"x": 1, "y": 1, "width": 2, "height": 2}),
    "merged labels on rectangle": r(
        "imglabels",
        "img",
        "rectanglelabels",
        {"x": 1, "y": 1, "width": 2, "height": 2, "rectanglelabels": ["Printed"]},
    ),
    "hypertext": r(
        "htl",
        "html",
        "hypertextlabels",
        {
            "start": "/p[1]/text()[1]",
            "end": "/p[1]/text()[1]",
            "startOffset": 0,
            "endOffset": 4,
            "globalOffsets": {"start": 0, "end": 4},
            "hypertextlabels": ["Title"],
        },
    ),
    "paragraph": r(
        "pl",
        "dialog",
        "paragraphlabels",
        {"start": "0", "end": "1", "startOffset": 0, "endOffset": 2, "paragraphlabels": ["Q"]},
    ),
    "timeseries": r(
        "tsl",
        "ts",
        "timeserieslabels",
        {"start": 1, "end": 5, "instant": False, "timeserieslabels": ["Run"]},
    ),
    "timeseries strings": r(
        "tsl",
        "ts",
        "timeserieslabels",
        {"start": "2020-01-01", "end": "2020-01-02", "instant": False, "timeserieslabels": ["Run"]},
    ),
    "timeline": r(
        "tl",
        "video",
        "timelinelabels",
        {"ranges": [{"start": 1, "end": 30}], "timelinelabels": ["Goal"]},
    ),
    "video rectangle": r(
        "track",
        "video",
        "videorectangle",
        {
            "framesCount": 100,
            "duration": 4.0,
            "sequence": [
                {
                    "frame": 1,
                    "enabled": True,
                    "x": 1,
                    "y": 1,
                    "width": 10,
                    "height": 10,
                    "rotation": 0,
                    "time": 0.04,
                }
            ],
            "labels": ["Man"],
        },
    ),
    "audio span": r(
        "speaker",
        "audio",
        "labels",
        {"start": 0.5, "end": 2.25, "channel": 0, "labels": ["A"]},
        original_length=3.0,
    ),
    "pairwise": r("cmp", "cmp", "pairwise", {"selected": "left"}),
    "ranker": r("rank", "items", "ranker", {"ranker": {"good": ["a", "b"], "bad": [], "_": ["c"]}}),
    "dynamic choices": r("dyn", "text", "choices", {"choices": ["anything at all"]}),
    "hidden control": r("hidden", "text", "choices", {"choices": ["h"]}),
    "nested value": r("sentiment", "text", "choices", {"sentiment": {"choices": ["neg"]}}),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_result_has_no_problems(name: str) -> None:
    assert CFG.validate_result([VALID[name]], DATA) == []


def test_a_whole_valid_annotation_passes() -> None:
    assert CFG.validate_result(list(VALID.values()), DATA) == []


def test_split_label_format_with_shared_id() -> None:
    result = [
        r("rect", "img", "rectangle", {"x": 1, "y": 1, "width": 2, "height": 2}, id="R1"),
        r("imglabels", "img", "labels", {"labels": ["Printed"]}, id="R1"),
        r(
            "ocr",
            "img",
            "textarea",
            {"x": 1, "y": 1, "width": 2, "height": 2, "text": ["TOTAL"]},
            id="R1",
        ),
    ]
    assert CFG.validate_result(result) == []


def test_split_label_without_geometry_partner_is_a_problem() -> None:
    found = CFG.validate_result(
        [r("imglabels", "img", "labels", {"labels": ["Printed"]}, id="lonely")]
    )
    assert [p.code for p in found] == ["result.split_partner_missing"]


def test_per_region_result_without_region_is_a_problem() -> None:
    found = CFG.validate_result([r("ocr", "img", "textarea", {"text": ["x"]}, id="nope")])
    assert [(p.code, p.region, p.control) for p in found] == [
        ("result.per_region_without_region", 0, "ocr")
    ]


def test_relations_point_at_regions_of_the_same_result() -> None:
    a = r("ner", "text", "labels", {"start": 0, "end": 3, "labels": ["PER"]}, id="A")
    b = r("ner", "text", "labels", {"start": 8, "end": 11, "labels": ["PER"]}, id="B")
    ok = {
        "type": "relation",
        "from_id": "A",
        "to_id": "B",
        "direction": "right",
        "labels": ["knows"],
    }
    assert CFG.validate_result([a, b, ok], DATA) == []
    bad = [
        {"type": "relation", "from_id": "A", "to_id": "Z", "direction": "right"},
        {"type": "relation", "from_id": "A", "to_id": "B", "direction": "up"},
        {"type": "relation", "from_id": "A", "to_id": "B", "labels": ["hates"]},
    ]
    found = CFG.validate_result([a, b, *bad], DATA)
    assert [(p.code, p.region) for p in found] == [
        ("result.bad_relation", 2),
        ("result.bad_relation", 3),
        ("result.unknown_label", 4),
    ]


INVALID = [
    ("not a dict", 42, "result.not_an_object"),
    ("missing fields", {"from_name": "ner"}, "result.missing_field"),
    ("unknown control", r("nope", "text", "labels", {}), "result.unknown_from_name"),
    (
        "wrong object",
        r("ner", "img", "labels", {"start": 0, "end": 1, "labels": ["PER"]}),
        "result.unknown_to_name",
    ),
    ("wrong type", r("ner", "text", "choices", {"choices": ["PER"]}), "result.type_mismatch"),
    (
        "rectangle type from polygon tool",
        r("poly", "img", "rectanglelabels", {}),
        "result.type_mismatch",
    ),
    ("value not object", r("sentiment", "text", "choices", ["pos"]), "result.bad_value"),
    (
        "unknown label",
        r("ner", "text", "labels", {"start": 0, "end": 3, "labels": ["Organization"]}),
        "result.unknown_label",
    ),
    (
        "unknown choice",
        r("sentiment", "text", "choices", {"choices": ["meh"]}),
        "result.unknown_label",
    ),
    (
        "two single choices",
        r("sentiment", "text", "choices", {"choices": ["pos", "neg"]}),
        "result.single_choice",
    ),
    (
        "nested choice not allowed",
        r("topics", "text", "choices", {"choices": [["a"]]}),
        "result.bad_value",
    ),
    (
        "unknown taxonomy path",
        r("tax", "text", "taxonomy", {"taxonomy": [["Plant"]]}),
        "result.unknown_label",
    ),
    (
        "taxonomy not paths",
        r("tax", "text", "taxonomy", {"taxonomy": ["Animal"]}),
        "result.bad_value",
    ),
    (
        "too many texts",
        r("summary", "text", "textarea", {"text": ["1", "2", "3"]}),
        "result.too_many_submissions",
    ),
    ("texts not strings", r("summary", "text", "textarea", {"text": [1]}), "result.bad_value"),
    ("number above max", r("score", "text", "number", {"number": 11}), "result.out_of_range"),
    ("number below min", r("score", "text", "number", {"number": -0.1}), "result.out_of_range"),
    ("number not number", r("score", "text", "number", {"number": "7"}), "result.bad_value"),
    ("rating above max", r("stars", "text", "rating", {"rating": 5}), "result.out_of_range"),
    ("rating zero", r("stars", "text", "rating", {"rating": 0}), "result.out_of_range"),
    ("rating bool", r("stars", "text", "rating", {"rating": True}), "result.bad_value"),
    ("datetime empty", r("when", "text", "datetime", {"datetime": ""}), "result.bad_value"),
    (
        "negative x",
        r(
            "box",
            "img",
            "rectanglelabels",
            {"x": -1, "y": 0, "width": 5, "height": 5, "rectanglelabels": ["Car"]},
        ),
        "result.geometry_out_of_bounds",
    ),
    (
        "x plus width",
        r(
            "box",
            "img",
            "rectanglelabels",
            {"x": 60, "y": 0, "width": 50, "height": 5, "rectanglelabels": ["Car"]},
        ),
        "result.geometry_out_of_bounds",
    ),
    (
        "y plus height",
        r(
            "box",
            "img",
            "rectanglelabels",
            {"x": 0, "y": 60, "width": 5, "height": 50, "rectanglelabels": ["Car"]},
        ),
        "result.geometry_out_of_bounds",
    ),
    (
        "width over 100 rotated",
        r(
            "box",
            "img",
            "rectanglelabels",
            {"x": 0, "y": 0, "width": 120, "height": 5, "rotation": 30, "rectanglelabels": ["Car"]},
        ),
        "result.geometry_out_of_bounds",
    ),
    (
        "missing height",
        r(
            "box",
            "img",
            "rectanglelabels",
            {"x": 0, "y": 0, "width": 5, "rectanglelabels": ["Car"]},
        ),
        "result.bad_value",
    ),
    (
        "nan width",
        r(
            "box",
            "img",
            "rectanglelabels",
            {"x": 0, "y": 0, "width": float("nan"), "height": 5, "rectanglelabels": ["Car"]},
        ),
        "result.bad_value",
    ),
    (
        "missing labels key",
        r("box", "img", "rectanglelabels", {"x": 0, "y": 0, "width": 5, "height": 5}),
        "result.bad_value",
    ),
    (
        "polygon point outside",
        r("poly", "img", "polygonlabels", {"points": [[0, 0], [101, 5]], "polygonlabels": ["Car"]}),
        "result.geometry_out_of_bounds",
    ),
    (
        "polygon bad point",
        r("poly", "img", "polygonlabels", {"points": [[0]], "polygonlabels": ["Car"]}),
        "result.bad_value",
    ),
    (
        "keypoint outside",
        r("kp", "img", "keypointlabels", {"x": 100.5, "y": 0, "keypointlabels": ["Nose"]}),
        "result.geometry_out_of_bounds",
    ),
    (
        "ellipse radius",
        r(
            "ell",
            "img",
            "ellipselabels",
            {"x": 5, "y": 5, "radiusX": 101, "radiusY": 1, "ellipselabels": ["Cell"]},
        ),
        "result.geometry_out_of_bounds",
    ),
    (
        "brush rle",
        r("brush", "img", "brushlabels", {"format": "rle", "rle": [256], "brushlabels": ["Sky"]}),
        "result.bad_value",
    ),
    (
        "bitmask url",
        r(
            "bitmask",
            "img",
            "bitmasklabels",
            {"imageDataURL": "http://x/y.png", "bitmasklabels": ["Sky"]},
        ),
        "result.bad_value",
    ),
    (
        "vector outside",
        r(
            "vec",
            "img",
            "vectorlabels",
            {"vertices": [{"x": 1, "y": 200}], "vectorlabels": ["Road"]},
        ),
        "result.geometry_out_of_bounds",
    ),
    (
        "span past text",
        r("ner", "text", "labels", {"start": 10, "end": 99, "labels": ["PER"]}),
        "result.span_out_of_text",
    ),
    (
        "span reversed",
        r("ner", "text", "labels", {"start": 5, "end": 2, "labels": ["PER"]}),
        "result.span_out_of_text",
    ),
    (
        "span text differs",
        r("ner", "text", "labels", {"start": 0, "end": 3, "text": "Bob", "labels": ["PER"]}),
        "result.span_text_mismatch",
    ),
    (
        "span float offsets",
        r("ner", "text", "labels", {"start": 0.5, "end": 3, "labels": ["PER"]}),
        "result.bad_value",
    ),
    (
        "hypertext offsets",
        r(
            "htl",
            "html",
            "hypertextlabels",
            {
                "start": "/p",
                "end": "/p",
                "startOffset": -1,
                "endOffset": 2,
                "hypertextlabels": ["Title"],
            },
        ),
        "result.bad_value",
    ),
    (
        "paragraph past data",
        r(
            "pl",
            "dialog",
            "paragraphlabels",
            {"start": "0", "end": "5", "startOffset": 0, "endOffset": 1, "paragraphlabels": ["Q"]},
        ),
        "result.span_out_of_text",
    ),
    (
        "paragraph reversed",
        r(
            "pl",
            "dialog",
            "paragraphlabels",
            {"start": "1", "end": "0", "startOffset": 0, "endOffset": 1, "paragraphlabels": ["Q"]},
        ),
        "result.bad_value",
    ),
    (
        "timeseries end before start",
        r("tsl", "ts", "timeserieslabels", {"start": 5, "end": 1, "timeserieslabels": ["Run"]}),
        "result.bad_value",
    ),
    (
        "timeline empty",
        r("tl", "video", "timelinelabels", {"ranges": [], "timelinelabels": ["Goal"]}),
        "result.bad_value",
    ),
    (
        "video keyframe outside",
        r(
            "track",
            "video",
            "videorectangle",
            {"sequence": [{"frame": 1, "x": 95, "y": 0, "width": 10, "height": 5}]},
        ),
        "result.geometry_out_of_bounds",
    ),
    (
        "video label unknown",
        r(
            "track",
            "video",
            "videorectangle",
            {
                "sequence": [{"frame": 1, "x": 1, "y": 1, "width": 1, "height": 1}],
                "labels": ["Dog"],
            },
        ),
        "result.unknown_label",
    ),
    (
        "audio negative",
        r("speaker", "audio", "labels", {"start": -1, "end": 2, "labels": ["A"]}),
        "result.span_out_of_text",
    ),
    ("pairwise middle", r("cmp", "cmp", "pairwise", {"selected": "middle"}), "result.bad_value"),
    (
        "ranker unknown bucket",
        r("rank", "items", "ranker", {"ranker": {"meh": ["a"]}}),
        "result.unknown_label",
    ),
    (
        "ranker not lists",
        r("rank", "items", "ranker", {"ranker": {"good": "a"}}),
        "result.bad_value",
    ),
    (
        "score not number",
        r("sentiment", "text", "choices", {"choices": ["pos"]}, score="high"),
        "result.bad_value",
    ),
]


@pytest.mark.parametrize(("name", "item", "code"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_result_names_region_control_and_rule(name: str, item: Any, code: str) -> None:
    found = CFG.validate_result([VALID["single choice"], item], DATA)
    assert code in [p.code for p in found], found
    problem = next(p for p in found if p.code == code)
    assert problem.region == 1
    assert problem.message.startswith("Region 1:")
    if (
        isinstance(item, dict)
        and item.get("from_name") in CFG.controls
        and code not in ("result.unknown_to_name",)
    ):
        assert problem.control == item["from_name"]


def test_result_must_be_a_list() -> None:
    assert [p.code for p in CFG.validate_result({"a": 1})] == ["result.not_a_list"]


def test_span_checks_need_data() -> None:
    item = r("ner", "text", "labels", {"start": 10, "end": 99, "labels": ["PER"]})
    assert CFG.validate_result([item]) == []
    assert CFG.validate_result([item], {"text": "short"})[0].code == "result.span_out_of_text"


def test_span_check_walks_nested_keys() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$doc.body"/><Labels name="l" toName="t"><Label value="X"/></Labels></View>'
    )
    item = r("l", "t", "labels", {"start": 0, "end": 4, "text": "abcd", "labels": ["X"]})
    assert cfg.validate_result([item], {"doc": {"body": "abcdef"}}) == []
    assert (
        cfg.validate_result([item], {"doc": {"body": "zzzzzz"}})[0].code
        == "result.span_text_mismatch"
    )


def test_repeater_results_match_patterns() -> None:
    cfg = parse_config(
        '<View><Repeater on="$pages"><Image name="p_{{idx}}" value="$pages[{{idx}}].url"/><Choices name="c_{{idx}}" toName="p_{{idx}}"><Choice value="ok"/></Choices></Repeater></View>'
    )
    assert cfg.validate_result([r("c_3", "p_3", "choices", {"choices": ["ok"]})]) == []
    assert (
        cfg.validate_result([r("c_3", "q_3", "choices", {"choices": ["ok"]})])[0].code
        == "result.unknown_to_name"
    )


def test_multi_image_results_need_a_valid_item_index() -> None:
    cfg = parse_config(
        '<View><Image name="i" valueList="$imgs"/><RectangleLabels name="b" toName="i"><Label value="A"/></RectangleLabels></View>'
    )
    box = {"x": 1, "y": 1, "width": 1, "height": 1, "rectanglelabels": ["A"]}
    data = {"imgs": ["a.jpg", "b.jpg"]}
    assert cfg.validate_result([r("b", "i", "rectanglelabels", box, item_index=1)], data) == []
    assert (
        cfg.validate_result([r("b", "i", "rectanglelabels", box, item_index=2)], data)[0].code
        == "result.out_of_range"
    )
    assert (
        cfg.validate_result([r("b", "i", "rectanglelabels", box)], data)[0].code
        == "result.missing_field"
    )


def test_labels_with_choice_single_allow_one_label() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$t"/><Labels name="l" toName="t" choice="single"><Label value="A"/><Label value="B"/></Labels></View>'
    )
    found = cfg.validate_result(
        [r("l", "t", "labels", {"start": 0, "end": 1, "labels": ["A", "B"]})]
    )
    assert [p.code for p in found] == ["result.single_choice"]


def test_rating_without_to_name_accepts_its_results() -> None:
    cfg = parse_config('<View><Text name="t" value="$t"/><Rating name="q" maxRating="7"/></View>')
    assert cfg.validate_result([r("q", "t", "rating", {"rating": 7})]) == []


def test_problem_count_is_bounded() -> None:
    garbage = [1] * 5000
    assert len(CFG.validate_result(garbage)) == 1000


def test_max_usages_of_a_label_per_task() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$t"/><Labels name="l" toName="t" maxUsages="2"><Label value="A"/><Label value="Answer" maxUsages="1"/></Labels></View>'
    )
    span = {"start": 0, "end": 1}
    ok = [
        r("l", "t", "labels", {**span, "labels": ["A"]}, id="1"),
        r("l", "t", "labels", {**span, "labels": ["A"]}, id="2"),
        r("l", "t", "labels", {**span, "labels": ["Answer"]}, id="3"),
    ]
    assert cfg.validate_result(ok) == []
    too_many = [
        *ok,
        r("l", "t", "labels", {**span, "labels": ["Answer"]}, id="4"),
        r("l", "t", "labels", {**span, "labels": ["A"]}, id="5"),
    ]
    found = cfg.validate_result(too_many)
    assert sorted((p.code, p.region) for p in found) == [
        ("result.max_usages", 3),
        ("result.max_usages", 4),
    ]


def test_max_usages_counts_a_split_region_once() -> None:
    cfg = parse_config(
        '<View><Image name="i" value="$i"/><Labels name="l" toName="i" maxUsages="1"><Label value="A"/></Labels><Rectangle name="b" toName="i"/></View>'
    )
    box = {"x": 1, "y": 1, "width": 1, "height": 1}
    one = [
        r("b", "i", "rectangle", box, id="R"),
        r("l", "i", "labels", {**box, "labels": ["A"]}, id="R"),
    ]
    assert cfg.validate_result(one) == []


def test_non_string_keys_do_not_crash() -> None:
    weird = [
        r("rank", "items", "ranker", {"ranker": {1: ["a"], None: "x"}}),
        {"type": "relation", "from_id": {"a": 1}, "to_id": [1]},
        {1: 2},
    ]
    found = CFG.validate_result(weird)
    assert {p.code for p in found} >= {
        "result.unknown_label",
        "result.bad_value",
        "result.bad_relation",
        "result.missing_field",
    }


def test_repeater_result_must_stay_on_its_own_item() -> None:
    cfg = parse_config(
        '<View><Repeater on="$pages"><Image name="p_{{idx}}" value="$pages[{{idx}}].url"/><Choices name="c_{{idx}}" toName="p_{{idx}}"><Choice value="ok"/></Choices></Repeater></View>'
    )
    found = cfg.validate_result([r("c_3", "p_4", "choices", {"choices": ["ok"]})])
    assert [(p.code, p.control) for p in found] == [("result.unknown_to_name", "c_{{idx}}")]
