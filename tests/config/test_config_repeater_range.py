"""Results for Repeater items past the task's list are refused (with data)."""

from __future__ import annotations

from typing import Any

import pytest

from labelcore import parse_config

REPEATER = parse_config(
    """<View>
  <Repeater on="$pages">
    <Image name="page_{{idx}}" value="$pages[{{idx}}].url"/>
    <Choices name="quality_{{idx}}" toName="page_{{idx}}">
      <Choice value="good"/><Choice value="bad"/>
    </Choices>
  </Repeater>
</View>"""
)
PAGES = {"pages": [{"url": "/p0.png"}, {"url": "/p1.png"}]}


def choice(from_name: str, to_name: str) -> dict[str, Any]:
    return {
        "from_name": from_name,
        "to_name": to_name,
        "type": "choices",
        "value": {"choices": ["good"]},
    }


def test_repeater_items_inside_the_data_are_valid() -> None:
    assert REPEATER.validate_result([choice("quality_0", "page_0")], PAGES) == []
    assert REPEATER.validate_result([choice("quality_1", "page_1")], PAGES) == []


@pytest.mark.parametrize(
    ("from_name", "to_name", "named"),
    [
        ("quality_5", "page_5", "quality_5"),
        ("quality_2", "page_2", "quality_2"),  # the first index past a 2-item list
        ("quality_1", "page_7", "page_7"),
    ],
)
def test_repeater_items_past_the_data_are_refused(from_name: str, to_name: str, named: str) -> None:
    (problem,) = REPEATER.validate_result([choice(from_name, to_name)], PAGES)
    assert problem.code == "result.repeater_index_out_of_range"
    assert problem.region == 0 and problem.control == "quality_{{idx}}"
    assert f"'{named}' is Repeater item" in problem.message and "has 2 items" in problem.message


def test_repeater_indexes_are_not_checked_without_data() -> None:
    assert REPEATER.validate_result([choice("quality_5", "page_5")]) == []


def test_repeater_on_a_nested_key_and_a_custom_flag() -> None:
    cfg = parse_config(
        """<View>
  <Repeater on="$doc.rows" indexFlag="[i]">
    <Text name="row[i]" value="$doc.rows[[i]]"/>
    <TextArea name="note[i]" toName="row[i]"/>
  </Repeater>
</View>"""
    )
    assert cfg.controls["note[i]"].repeat_on == "doc.rows"
    data = {"doc": {"rows": ["only one"]}}
    note = {"from_name": "note0", "to_name": "row0", "type": "textarea"}
    ok = {**note, "value": {"text": ["fine"]}}
    assert cfg.validate_result([ok], data) == []
    past = {**ok, "from_name": "note1", "to_name": "row1"}
    (problem,) = cfg.validate_result([past], data)
    assert problem.code == "result.repeater_index_out_of_range"
    assert "'doc.rows' has 1 item" in problem.message


def test_an_import_with_a_repeater_item_past_the_data_changes_nothing() -> None:
    from labelcore import LabelCore, User
    from labelcore.errors import ValidationError

    manager = User(id=1, name="M", email="m@example.org", roles=frozenset({"manager"}))
    core = LabelCore("memory://", start_jobs=False)
    try:
        project = core.create_project(manager, title="Pages", label_config=REPEATER.xml)
        good = {"data": PAGES, "annotations": [{"result": [choice("quality_1", "page_1")]}]}
        bad = {"data": PAGES, "annotations": [{"result": [choice("quality_5", "page_5")]}]}
        with pytest.raises(ValidationError) as err:
            core.import_tasks(manager, project.id, [good, bad])
        assert [e["code"] for e in err.value.errors] == ["result.repeater_index_out_of_range"]
        assert core.list_tasks(manager, project.id).tasks == []
        assert core.import_tasks(manager, project.id, [good]).task_count == 1
    finally:
        core.close()
