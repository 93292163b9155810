# ruff: noqa: E501  (inline XML configs read best on one line)
"""Config checks: each problem code, all problems in one pass, and the parsed description."""

from __future__ import annotations

import pytest

import labelcore
from labelcore import ConfigError, ConfigProblem, parse_config
from labelcore.errors import LabelcoreError, ValidationError


def problems(xml: str) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as exc:
        parse_config(xml)
    return exc.value.problems


def only(xml: str) -> ConfigProblem:
    found = problems(xml)
    assert len(found) == 1, found
    return found[0]


def test_public_names_are_exported_from_labelcore() -> None:
    for name in (
        "parse_config",
        "ConfigError",
        "LabelConfig",
        "ControlTag",
        "ObjectTag",
        "ConfigProblem",
        "ResultProblem",
    ):
        assert name in labelcore.__all__ and hasattr(labelcore, name)


def test_config_error_is_a_400_value_error_with_problem_dicts() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config("<Foo/>")
    err = exc.value
    assert (
        isinstance(err, LabelcoreError)
        and isinstance(err, ValueError)
        and isinstance(err, ValidationError)
    )
    assert err.status == 400 and err.code == "config.invalid"
    assert err.errors == [p.as_dict() for p in err.problems]
    assert {"code", "message", "tag", "attribute", "line"} <= set(err.errors[0])


def test_five_problems_are_reported_together() -> None:
    xml = """<View>
  <Imagee name="a" value="$a"/>
  <Text name="t" value="$t"/>
  <Choices name="t" toName="nowhere"><Choice value="x"/></Choices>
  <RectangleLabels name="r" toName="t"><Label value="x"/></RectangleLabels>
  <Rating name="rate" toName="t" maxRating="many"/>
</View>"""
    found = problems(xml)
    assert sorted(p.code for p in found) == sorted(
        [
            "config.unknown_tag",
            "config.duplicate_name",
            "config.unsupported_to_name",
            "config.bad_attribute_value",
            "config.unknown_to_name",
        ]
    )
    assert {p.line for p in found} == {2, 4, 5, 6}


def test_root_must_be_view() -> None:
    p = only('<Text name="t" value="$t"/>')
    assert (p.code, p.tag, p.line) == ("config.root_not_view", "Text", 1)


def test_unknown_tag_names_the_closest_known_tag() -> None:
    p = only('<View><Text name="t" value="$t"/><RectangelLabels name="r" toName="t"/></View>')
    assert (
        p.code == "config.unknown_tag"
        and "RectangleLabels" in p.message
        and p.tag == "RectangelLabels"
    )


def test_unknown_tag_without_a_near_match_says_so() -> None:
    p = only("<View><Zzzzqqq/></View>")
    assert p.code == "config.unknown_tag" and "Did you mean" not in p.message


def test_tags_and_attributes_match_case_insensitively() -> None:
    cfg = parse_config(
        '<VIEW><iMaGe NAME="img" VALUE="$pic"/><rectanglelabels name="b" TONAME="img"><LABEL value="A"/></rectanglelabels></VIEW>'
    )
    box = cfg.controls["b"]
    assert box.tag == "RectangleLabels" and box.to_names == ("img",) and box.labels == ("A",)
    assert cfg.objects["img"].tag == "Image" and cfg.objects["img"].data_key == "pic"


def test_duplicate_name_names_both_lines() -> None:
    p = only('<View>\n<Text name="x" value="$a"/>\n<Text name="x" value="$b"/>\n</View>')
    assert (
        p.code == "config.duplicate_name"
        and p.line == 3
        and "line 2" in p.message
        and p.attribute == "name"
    )


def test_to_name_must_exist() -> None:
    p = only(
        '<View><Text name="t" value="$t"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'
    )
    assert p.code == "config.unknown_to_name" and p.attribute == "toname" and "'t'" in p.message


def test_to_name_must_be_an_object_not_a_control() -> None:
    p = only(
        '<View><Text name="t" value="$t"/><TextArea name="a" toName="t"/><Choices name="c" toName="a"><Choice value="x"/></Choices></View>'
    )
    assert p.code == "config.unknown_to_name"


@pytest.mark.parametrize(
    ("control", "obj"),
    [
        ("RectangleLabels", "Text"),
        ("PolygonLabels", "Audio"),
        ("BrushLabels", "Video"),
        ("HyperTextLabels", "Text"),
        ("ParagraphLabels", "Text"),
        ("TimeSeriesLabels", "Image"),
        ("TimelineLabels", "Audio"),
        ("Labels", "Table"),
        ("Labels", "List"),
    ],
)
def test_control_cannot_label_unsupported_object(control: str, obj: str) -> None:
    p = only(
        f'<View><{obj} name="o" value="$o"/><{control} name="c" toName="o"><Label value="a"/></{control}></View>'
    )
    assert p.code == "config.unsupported_to_name" and p.tag == control and obj in p.message


@pytest.mark.parametrize(
    ("control", "obj"),
    [
        ("Ranker", "Text"),
        ("VideoRectangle", "Image"),
        ("Rectangle", "HyperText"),
        ("KeyPoint", "Paragraphs"),
    ],
)
def test_tool_cannot_target_unsupported_object(control: str, obj: str) -> None:
    p = only(f'<View><{obj} name="o" value="$o"/><{control} name="c" toName="o"/></View>')
    assert p.code == "config.unsupported_to_name"


def test_taxonomy_with_labeling_only_targets_text() -> None:
    p = only(
        '<View><Image name="i" value="$i"/><Taxonomy name="t" toName="i" labeling="true"><Choice value="a"/></Taxonomy></View>'
    )
    assert p.code == "config.unsupported_to_name"


def test_pairwise_needs_two_objects() -> None:
    p = only('<View><Text name="a" value="$a"/><Pairwise name="p" toName="a"/></View>')
    assert p.code == "config.bad_attribute_value" and p.attribute == "toname" and "two" in p.message
    cfg = parse_config(
        '<View><Text name="a" value="$a"/><Text name="b" value="$b"/><Pairwise name="p" toName="a, b"/></View>'
    )
    assert cfg.controls["p"].to_names == ("a", "b")


@pytest.mark.parametrize(
    ("xml", "tag", "attribute"),
    [
        ('<View><Text value="$t"/></View>', "Text", "name"),
        ('<View><Text name="t"/></View>', "Text", "value"),
        ('<View><Image name="i"/></View>', "Image", "value"),
        (
            '<View><Text name="t" value="$t"/><Choices toName="t"><Choice value="a"/></Choices></View>',
            "Choices",
            "name",
        ),
        (
            '<View><Text name="t" value="$t"/><Labels name="l"><Label value="a"/></Labels></View>',
            "Labels",
            "toname",
        ),
        (
            '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label/></Labels></View>',
            "Label",
            "value",
        ),
        ('<View><Repeater><Text name="t" value="$t"/></Repeater></View>', "Repeater", "on"),
        (
            '<View><TimeSeries name="ts" value="$ts"><Channel/></TimeSeries></View>',
            "Channel",
            "column",
        ),
    ],
)
def test_missing_required_attribute(xml: str, tag: str, attribute: str) -> None:
    found = [p for p in problems(xml) if p.code == "config.missing_attribute"]
    assert [(p.tag, p.attribute) for p in found] == [(tag, attribute)]


@pytest.mark.parametrize(
    ("snippet", "attribute"),
    [
        ('<Choices name="c" toName="t" choice="several"><Choice value="a"/></Choices>', "choice"),
        ('<Labels name="c" toName="t" choice="single-radio"><Label value="a"/></Labels>', "choice"),
        ('<Rating name="c" toName="t" maxRating="0"/>', "maxrating"),
        ('<Rating name="c" toName="t" maxRating="2.5"/>', "maxrating"),
        ('<Rating name="c" toName="t" maxRating="5" defaultValue="6"/>', "defaultvalue"),
        ('<Number name="c" toName="t" min="10" max="1"/>', "min"),
        ('<Number name="c" toName="t" step="abc"/>', "step"),
        ('<Number name="c" toName="t" max="inf"/>', "max"),
        ('<TextArea name="c" toName="t" rows="0"/>', "rows"),
        ('<TextArea name="c" toName="t" maxSubmissions="-1"/>', "maxsubmissions"),
        ('<Choices name="c" toName="t" required="yes"><Choice value="a"/></Choices>', "required"),
        ('<Labels name="c" toName="t" opacity="2"><Label value="a"/></Labels>', "opacity"),
        ('<Labels name="c" toName="t"><Label value="a" category="x"/></Labels>', "category"),
        ('<DateTime name="c" toName="t" only="date,week"/>', "only"),
        (
            '<Choices name="c" toName="t" visibleWhen="sometimes"><Choice value="a"/></Choices>',
            "visiblewhen",
        ),
    ],
)
def test_bad_attribute_values(snippet: str, attribute: str) -> None:
    p = only(f'<View><Text name="t" value="$t"/>{snippet}</View>')
    assert p.code == "config.bad_attribute_value" and p.attribute == attribute


def test_video_playback_speeds_are_checked() -> None:
    p = only('<View><Video name="v" value="$v" defaultPlaybackSpeed="20"/></View>')
    assert p.attribute == "defaultplaybackspeed"
    p = only(
        '<View><Video name="v" value="$v" defaultPlaybackSpeed="1" minPlaybackSpeed="2"/></View>'
    )
    assert p.attribute == "minplaybackspeed"


def test_variable_attribute_values_are_not_type_checked() -> None:
    cfg = parse_config('<View><Video name="v" value="$video" frameRate="$fps"/></View>')
    assert "fps" in cfg.data_keys


@pytest.mark.parametrize(
    "xml",
    [
        '<View><Choice value="a"/></View>',
        '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/></Labels><Choice value="b"/></View>',
        '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Label value="a"/><Choice value="b"/></Choices></View>',
        '<View><Relation value="r"/></View>',
        '<View><Channel column="c"/></View>',
        '<View><Bucket name="b"/></View>',
        '<View><Panel value="p"/></View>',
        '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/></Labels><Shortcut value="s"/></View>',
    ],
)
def test_child_tags_need_their_parent(xml: str) -> None:
    assert "config.unexpected_parent" in [p.code for p in problems(xml)]


def test_children_may_sit_in_views_inside_their_parent() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><View><Choice value="a"/></View><Choice value="b"/></Choices></View>'
    )
    assert cfg.controls["c"].labels == ("a", "b")


def test_per_region_with_per_item_is_refused() -> None:
    p = only(
        '<View><Image name="i" valueList="$imgs"/><Choices name="c" toName="i" perRegion="true" perItem="true"><Choice value="a"/></Choices></View>'
    )
    assert p.code == "config.per_region_per_item"


def test_labels_control_without_labels_is_refused() -> None:
    p = only('<View><Image name="i" value="$i"/><RectangleLabels name="r" toName="i"/></View>')
    assert p.code == "config.missing_labels" and p.tag == "RectangleLabels"


def test_dynamic_labels_and_choices() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$t"/><Choices name="c" toName="t" value="$options"/><Labels name="l" toName="t" value="$spans.labels"/></View>'
    )
    assert cfg.controls["c"].dynamic_labels and cfg.controls["l"].dynamic_labels
    assert cfg.controls["c"].labels == ()
    assert {"options", "spans.labels", "t"} <= cfg.data_keys


def test_labels_use_alias_and_keep_their_attributes() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="Person" alias="PER" background="red" hotkey="p" category="3"/><Label value="Place"/></Labels></View>'
    )
    ctl = cfg.controls["l"]
    assert ctl.labels == ("PER", "Place")
    assert (
        ctl.label_attrs["PER"]["background"] == "red" and ctl.label_attrs["PER"]["category"] == "3"
    )
    assert ctl.label_attrs["PER"]["value"] == "Person"


def test_nested_choice_trees_are_flattened_in_document_order() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$t"/><Taxonomy name="x" toName="t"><Choice value="A"><Choice value="A1"/><Choice value="A2"><Choice value="A2a"/></Choice></Choice><Choice value="B"/></Taxonomy></View>'
    )
    assert cfg.controls["x"].labels == ("A", "A1", "A2", "A2a", "B")
    assert cfg.controls["x"].choice == "multiple"


def test_nested_keys_and_valuelist() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$doc.body"/><Image name="i" valueList="$pages"/><Choices name="c" toName="i" perItem="true"><Choice value="a"/></Choices></View>'
    )
    assert cfg.objects["t"].data_key == "doc.body" and cfg.data_types == {"doc.body": "Text"}
    assert cfg.objects["i"].value_list and cfg.objects["i"].data_key == "pages"
    assert cfg.data_keys == {"doc.body", "pages"}
    assert cfg.controls["c"].per_item


def test_named_header_with_value_is_an_object() -> None:
    cfg = parse_config(
        '<View><Header name="who" value="$author"/><Choices name="c" toName="who"><Choice value="a"/></Choices></View>'
    )
    assert cfg.objects["who"].tag == "Header" and cfg.data_types == {"author": "Header"}


def test_unnamed_header_is_not_an_object_but_its_key_is_read() -> None:
    cfg = parse_config('<View><Header value="$title"/></View>')
    assert cfg.objects == {} and cfg.data_keys == {"title"}


def test_video_wins_a_shared_data_key() -> None:
    cfg = parse_config(
        '<View><Audio name="a" value="$media"/><Video name="v" value="$media"/><Text name="t" value="$media"/></View>'
    )
    assert cfg.data_types == {"media": "Video"}


def test_repeater_names_are_patterns() -> None:
    cfg = parse_config(
        '<View><Repeater on="$pages"><Image name="p_{{idx}}" value="$pages[{{idx}}].img"/><Choices name="c_{{idx}}" toName="p_{{idx}}"><Choice value="a"/></Choices></Repeater></View>'
    )
    ctl = cfg.controls["c_{{idx}}"]
    assert ctl.index_flag == "{{idx}}" and ctl.matches("c_12") and not ctl.matches("c_x")
    assert (
        ctl.targets("p_3")
        and cfg.control("c_0") is ctl
        and cfg.object("p_7") is cfg.objects["p_{{idx}}"]
    )
    assert cfg.data_keys == {"pages"} and cfg.list_keys == {"pages"}


def test_repeater_with_a_custom_index_flag() -> None:
    cfg = parse_config(
        '<View><Repeater on="$rows" indexFlag="[i]"><Text name="r[i]" value="$rows[[i]]"/><TextArea name="note[i]" toName="r[i]"/></Repeater></View>'
    )
    assert cfg.control("note4") is cfg.controls["note[i]"]  # the flag is replaced by the index


def test_relations_and_controls_for() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/></Labels><Choices name="c" toName="t"><Choice value="x"/></Choices><Relations><Relation value="r1"/><Relation value="r2"/></Relations></View>'
    )
    assert cfg.relations == ("r1", "r2")
    assert [c.name for c in cfg.controls_for("t")] == ["l", "c"]
    assert parse_config('<View><Text name="t" value="$t"/></View>').relations is None


def test_empty_view_is_a_valid_config() -> None:
    cfg = parse_config("<View></View>")
    assert cfg.controls == {} and cfg.objects == {} and cfg.sample_task() == {}


def test_control_attributes_are_lowercased_and_lines_kept() -> None:
    cfg = parse_config(
        '<View>\n<Text name="t" value="$t"/>\n<Number name="n" toName="t" defaultValue="3" MIN="0"/>\n</View>'
    )
    assert cfg.controls["n"].attrs == {"name": "n", "toname": "t", "defaultvalue": "3", "min": "0"}
    assert cfg.controls["n"].line == 3 and cfg.objects["t"].line == 2


def test_config_error_from_a_plain_message() -> None:
    err = ConfigError("the config is missing")
    assert [p.message for p in err.problems] == ["the config is missing"]
    assert err.errors[0]["code"] == "config.invalid" and "missing" in str(err)


def test_problem_messages_read_well(snapshot: object) -> None:
    xml = """<View>
  <Imagee name="photo" value="$image"/>
  <Text name="body" value="$text"/>
  <Choices name="body" toName="nowhere"><Choice value="x"/></Choices>
  <RectangleLabels name="box" toName="body"><Label value="Car"/></RectangleLabels>
  <Rating name="stars" toName="body" maxRating="many"/>
  <Labels name="spans" toName="body" choice="single-radio"/>
  <Choice value="stray"/>
</View>"""
    assert [p.as_dict() for p in problems(xml)] == snapshot
