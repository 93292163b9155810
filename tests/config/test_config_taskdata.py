# ruff: noqa: E501  (inline XML configs read best on one line)
"""check_task_data, sample_task and incompatibilities."""

from __future__ import annotations

import pytest

from labelcore import parse_config
from labelcore.config import DataProblem, Incompatibility

CFG = parse_config(
    """<View>
  <Text name="t" value="$doc.body"/>
  <Image name="i" value="$image"/>
  <HyperText name="h" value="$html"/>
  <Table name="tab" value="$table"/>
  <Paragraphs name="p" value="$dialog"/>
  <Header name="head" value="$title"/>
  <Image name="many" valueList="$images"/>
  <Choices name="dyn" toName="t" value="$options"/>
  <Repeater on="$rows"><Text name="r_{{idx}}" value="$rows[{{idx}}].text"/></Repeater>
</View>"""
)
GOOD = {
    "doc": {"body": "hello"},
    "image": "a.jpg",
    "html": "<p>x</p>",
    "table": {"a": 1},
    "dialog": [{"author": "a", "text": "b"}],
    "title": 3,
    "images": ["a.jpg"],
    "options": [{"value": "A"}],
    "rows": [{"text": "x"}],
}


def test_good_data_has_no_problems() -> None:
    assert CFG.check_task_data(GOOD) == []


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("doc", {"other": 1}, "data.missing_key"),
        ("doc", {"body": None}, "data.missing_key"),
        ("doc", {"body": {"x": 1}}, "data.bad_type"),
        ("image", 5, "data.bad_type"),
        ("html", ["x"], "data.bad_type"),
        ("table", 1.5, "data.bad_type"),
        ("dialog", {"a": 1}, "data.bad_type"),
        ("title", True, "data.bad_type"),
        ("images", "a.jpg", "data.bad_type"),
        ("options", "A,B", "data.bad_type"),
        ("rows", {"0": {"text": "x"}}, "data.bad_type"),
    ],
)
def test_bad_data_is_reported_by_key(key: str, value: object, code: str) -> None:
    found = CFG.check_task_data({**GOOD, key: value})
    assert [p.code for p in found] == [code]
    assert found[0].key in (key, "doc.body")


def test_missing_keys_are_all_reported() -> None:
    found = CFG.check_task_data({})
    assert {p.key for p in found} == {
        "doc.body",
        "image",
        "html",
        "table",
        "dialog",
        "title",
        "images",
        "rows",
    }
    assert all(isinstance(p, DataProblem) and p.code == "data.missing_key" for p in found)


def test_dynamic_label_key_is_optional() -> None:
    data = dict(GOOD)
    del data["options"]
    assert CFG.check_task_data(data) == []


def test_dotted_key_may_also_be_a_literal_key() -> None:
    data = {k: v for k, v in GOOD.items() if k != "doc"}
    assert CFG.check_task_data({**data, "doc.body": "flat"}) == []


def test_task_data_must_be_an_object() -> None:
    assert [p.code for p in CFG.check_task_data(["x"])] == ["data.not_an_object"]


def test_text_accepts_numbers_and_lists_as_label_studio_does() -> None:
    cfg = parse_config('<View><Text name="t" value="$t"/></View>')
    for ok in ("s", 1, 2.5, ["a"]):
        assert cfg.check_task_data({"t": ok}) == []
    assert cfg.check_task_data({"t": {"a": 1}})[0].code == "data.bad_type"


def test_sample_task_is_generated_per_object_type() -> None:
    sample = CFG.sample_task()
    assert CFG.check_task_data(sample) == []
    assert isinstance(sample["doc"]["body"], str) and isinstance(sample["dialog"], list)
    assert isinstance(sample["images"], list) and isinstance(sample["rows"][0]["text"], str)


def test_sample_task_comment_wins_and_is_copied() -> None:
    cfg = parse_config(
        '<View><Text name="t" value="$t"/></View><!-- {"data": {"t": "from comment"}} -->'
    )
    first = cfg.sample_task()
    first["t"] = "changed"
    assert cfg.sample_task() == {"t": "from comment"}


def test_bare_data_comment_is_a_sample_task() -> None:
    cfg = parse_config('<!-- {"t": "bare"} --><View><Text name="t" value="$t"/></View>')
    assert cfg.sample_task() == {"t": "bare"}


def test_ordinary_comments_are_ignored() -> None:
    cfg = parse_config('<View><!-- a note --><Text name="t" value="$t"/><!-- {not json} --></View>')
    assert cfg.sample_task()["t"]


def test_paragraphs_sample_uses_name_and_text_keys() -> None:
    cfg = parse_config(
        '<View><Paragraphs name="p" value="$chat" nameKey="role" textKey="content"/></View>'
    )
    assert set(cfg.sample_task()["chat"][0]) == {"role", "content"}


OLD = parse_config(
    """<View><Text name="t" value="$t"/>
  <Labels name="ner" toName="t"><Label value="PER"/><Label value="ORG"/></Labels>
  <Choices name="c" toName="t"><Choice value="a"/><Choice value="b"/></Choices>
  <TextArea name="note" toName="t"/>
  <Choices name="dyn" toName="t" value="$opts"/>
  <Taxonomy name="tax" toName="t"><Choice value="x"/></Taxonomy>
  <Rating name="stars" toName="t"/>
</View>"""
)


def test_unchanged_config_has_no_incompatibilities() -> None:
    used = {"ner": {"PER": 3}, "c": {"a": 1}, "stars": {"": 2}}
    assert OLD.incompatibilities(OLD, used) == []


def test_dropped_labels_and_controls_are_listed_with_counts() -> None:
    new = parse_config(
        """<View><Text name="t" value="$t"/>
  <Labels name="ner" toName="t"><Label value="PER"/></Labels>
  <Rating name="c" toName="t"/>
  <Choices name="dyn" toName="t" value="$opts"/>
  <Taxonomy name="tax" toName="t"><Choice value="y"/></Taxonomy>
</View>"""
    )
    used = {
        "ner": {"PER": 5, "ORG": 2},
        "c": {"a": 1},
        "note": {"": 4},
        "dyn": {"gone": 3},
        "tax": {"x": 1},
        "stars": {"": 2, "x": 0},
        "unused": {"a": 0},
    }
    found = OLD.incompatibilities(new, used)
    assert found == [
        Incompatibility("config.label_removed", found[0].message, "ner", "ORG", 2),
        Incompatibility("config.control_type_changed", found[1].message, "c", None, 1),
        Incompatibility("config.control_removed", found[2].message, "stars", None, 2),
    ]
    assert "ORG" in found[0].message and "2" in found[0].message


def test_repeater_controls_count_by_pattern() -> None:
    old = parse_config(
        '<View><Repeater on="$p"><Text name="t_{{idx}}" value="$p[{{idx}}]"/><Choices name="c_{{idx}}" toName="t_{{idx}}"><Choice value="a"/><Choice value="b"/></Choices></Repeater></View>'
    )
    new = parse_config(
        '<View><Repeater on="$p"><Text name="t_{{idx}}" value="$p[{{idx}}]"/><Choices name="c_{{idx}}" toName="t_{{idx}}"><Choice value="a"/></Choices></Repeater></View>'
    )
    found = old.incompatibilities(new, {"c_0": {"a": 1}, "c_1": {"b": 2}})
    assert [(i.code, i.control, i.label, i.count) for i in found] == [
        ("config.label_removed", "c_1", "b", 2)
    ]


def test_repeater_items_need_their_sub_key() -> None:
    cfg = parse_config(
        '<View><Repeater on="$pages"><Image name="p_{{idx}}" value="$pages[{{idx}}].url"/></Repeater></View>'
    )
    assert cfg.check_task_data({"pages": [{"url": "a"}, {"url": "b"}]}) == []
    found = cfg.check_task_data({"pages": [{"url": "a"}, {"link": "b"}]})
    assert [(p.code, p.key) for p in found] == [("data.missing_key", "pages[1].url")]
