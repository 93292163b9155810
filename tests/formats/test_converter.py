"""The private converter: Label Studio JSON in and out of the domain types."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcore import _converter as conv
from labelcore.errors import ValidationError
from labelcore.model import Project, ProjectCounts, ProjectSettings, Result, Sampling, SkipQueue

DATA = Path(__file__).parent / "data"
EXPORT = json.loads((DATA / "ls_export.json").read_text())

# fields labelcore adds to Label Studio's shape (documented in docs/export.md)
ADDED = {"version"}


def _strip_added(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _strip_added(v) for k, v in obj.items() if k not in ADDED}
    if isinstance(obj, list):
        return [_strip_added(v) for v in obj]
    return obj


@pytest.mark.parametrize("task", EXPORT, ids=lambda t: f"task{t['id']}")
def test_export_task_round_trips_field_by_field(task: dict) -> None:
    back = conv.task_to_json(*conv.task_from_export(task))
    back = _strip_added(back)
    assert set(back) == set(task)
    for key in task:
        assert back[key] == task[key], key
    # and byte-identical JSON, so int/float kinds survive too
    assert json.dumps(back, sort_keys=True) == json.dumps(task, sort_keys=True)


def test_every_result_round_trips_exactly() -> None:
    items = [
        r
        for t in EXPORT
        for group in ("annotations", "predictions", "drafts")
        for a in t[group]
        for r in a["result"]
    ]
    assert len(items) == 8
    for item in items:
        back = conv.result_to_json(conv.result_from_json(item))
        assert back == item
        assert json.dumps(back, sort_keys=True) == json.dumps(item, sort_keys=True)


def test_result_keeps_unknown_keys_and_nulls() -> None:
    item = {"type": "choices", "score": None, "x-vendor": [1], "value": {"choices": ["a"]}}
    r = conv.result_from_json(item)
    assert r.score is None and r.extra == {"score": None, "x-vendor": [1]}
    assert conv.result_to_json(r) == item


def test_result_parent_id_is_renamed() -> None:
    r = conv.result_from_json({"type": "labels", "parentID": "abc"})
    assert r.parent_id == "abc"
    assert conv.result_to_json(r) == {"type": "labels", "parentID": "abc"}


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        ({"value": {}}, "type"),
        ({"type": 3}, "'type'"),
        ({"type": "x", "value": []}, "'value'"),
        ({"type": "x", "score": "high"}, "'score'"),
        ({"type": "x", "score": True}, "'score'"),
        ({"type": "x", "item_index": 1.5}, "'item_index'"),
    ],
)
def test_result_from_json_refuses_wrong_types(item: dict, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        conv.result_from_json(item)


def test_results_from_json_names_the_item() -> None:
    with pytest.raises(ValidationError, match="result item 1"):
        conv.results_from_json([{"type": "a"}, {"type": 1}])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=8))
def test_result_from_json_raises_only_validation_error(d: dict) -> None:
    d = {"type": "labels", **d}
    try:
        r = conv.result_from_json(d)
    except ValidationError:
        return
    assert conv.result_to_json(r) == d


# -- datetimes --------------------------------------------------------------------------------


def test_datetimes_are_utc_with_z() -> None:
    when = dt.datetime(2024, 3, 1, 12, 0, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert conv.dt_to_json(when) == "2024-03-01T10:00:00.000005Z"
    assert conv.dt_from_json("2024-03-01T10:00:00.000005Z") == when
    assert conv.dt_from_json("2024-03-01T10:00:00").tzinfo == dt.UTC
    assert conv.dt_to_json(None) is None
    with pytest.raises(ValidationError, match="not an ISO 8601"):
        conv.dt_from_json("yesterday")


# -- import -----------------------------------------------------------------------------------


def test_import_item_without_data_is_wrapped() -> None:
    new = conv.task_from_import({"text": "hi", "annotations": []}, row=3)
    assert new.data == {"text": "hi", "annotations": []}
    assert new.annotations == ()


def test_import_full_task() -> None:
    item = {
        "data": {"text": "Alice"},
        "meta": {"src": "x"},
        "annotations": [
            {"id": 9, "result": [{"type": "labels"}], "completed_by": 4, "lead_time": 3},
            {"result": [], "completed_by": {"email": "ada@example.com", "id": 99}},
            {"result": [], "completed_by": {"id": "u-7"}, "ground_truth": True},
            {"result": [], "was_cancelled": True, "created_at": "2024-01-02T03:04:05Z"},
        ],
        "predictions": [{"result": [], "score": 0.5, "model_version": "v1"}, {"result": []}],
        "drafts": [{"result": []}],
    }
    new = conv.task_from_import(item, row=1, default_user="importer")
    assert new.data == {"text": "Alice"} and new.meta == {"src": "x"}
    a0, a1, a2, a3 = new.annotations
    assert (a0.import_id, a0.completed_by, a0.lead_time, a0.ground_truth) == (9, 4, 3.0, False)
    assert a0.last_action == "imported" and a0.imported
    assert (a1.completed_by, a1.completed_by_email) == (None, "ada@example.com")
    assert (a2.completed_by, a2.ground_truth) == ("u-7", True)
    assert a3.completed_by == "importer" and a3.was_cancelled
    assert a3.created_at == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    p0, p1 = new.predictions
    assert (p0.score, p0.model_version) == (0.5, "v1")
    assert (p1.score, p1.model_version) == (None, "")


def test_import_reads_every_exported_task() -> None:
    for i, task in enumerate(EXPORT, start=1):
        new = conv.task_from_import(task, row=i)
        assert new.data == task["data"]
        assert len(new.annotations) == len(task["annotations"])
        assert [a.result for a in new.annotations] == [a["result"] for a in task["annotations"]]
        assert [a.import_id for a in new.annotations] == [a["id"] for a in task["annotations"]]


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        ([1, 2], "row 5: a task must be a JSON object, got a list"),
        ({"data": "x"}, "row 5: 'data' must be an object"),
        ({"data": {}, "meta": 3}, "row 5: 'meta' must be an object"),
        ({"data": {}, "annotations": {}}, "'annotations' must be a list"),
        ({"data": {}, "annotations": [{}]}, "annotation 0: 'result' must be a list, got nothing"),
        ({"data": {}, "annotations": [{"result": [1]}]}, "result item 0 must be an object"),
        ({"data": {}, "annotations": [{"result": [], "completed_by": 1.5}]}, "completed_by"),
        ({"data": {}, "annotations": [{"result": [], "completed_by": {}}]}, "'email' or an 'id'"),
        ({"data": {}, "annotations": [{"result": [], "was_cancelled": "yes"}]}, "was_cancelled"),
        ({"data": {}, "annotations": [{"result": [], "id": "a"}]}, "'id' must be an integer"),
        ({"data": {}, "annotations": [{"result": [], "created_at": "x"}]}, "created_at"),
        ({"data": {}, "predictions": [{"result": [], "score": "0.5"}]}, "prediction 0: 'score'"),
        ({"data": {}, "predictions": [{"result": [], "score": float("inf")}]}, "finite"),
        ({"data": {}, "predictions": [None]}, "prediction 0 must be an object"),
    ],
)
def test_import_errors_name_the_row(item: object, needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        conv.task_from_import(item, row=5)
    assert needle in str(info.value)
    assert info.value.code == "import.invalid_task"
    assert info.value.errors[0]["row"] == 5


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_task_from_import_raises_only_validation_error(obj: object) -> None:
    try:
        conv.task_from_import({"data": {}, "annotations": [obj], "predictions": [obj]}, row=1)
        conv.task_from_import(obj, row=1)
    except ValidationError:
        pass


# -- projects ---------------------------------------------------------------------------------


def test_project_json_uses_label_studio_names() -> None:
    settings = ProjectSettings(
        title="NER",
        instructions="<b>go</b>",
        sampling=Sampling.UNIFORM,
        skip_queue=SkipQueue.IGNORE_SKIPPED,
    )
    project = Project(id=3, settings=settings, created_by=1)
    out = conv.project_to_json(project, ProjectCounts(task_count=10, labeled_count=4))
    assert out["expert_instruction"] == "<b>go</b>"
    assert out["sampling"] == "Uniform sampling"
    assert out["skip_queue"] == "IGNORE_SKIPPED"
    assert (out["task_number"], out["finished_task_number"]) == (10, 4)
    back = conv.settings_from_json(out)
    assert back == settings


def test_settings_from_json_refuses_wrong_types() -> None:
    with pytest.raises(ValidationError, match="maximum_annotations"):
        conv.settings_from_json({"maximum_annotations": "3"})
    with pytest.raises(ValidationError, match="show_skip_button"):
        conv.settings_from_json({"show_skip_button": "false"})
    with pytest.raises(ValidationError, match="sampling"):
        conv.settings_from_json({"sampling": "random"})


def test_converter_is_private() -> None:
    import cattrs

    assert conv.converter is not cattrs.global_converter
    r = Result(type="labels", parent_id="p")
    assert conv.converter.unstructure(r) == {"type": "labels", "parentID": "p"}
    assert conv.converter.structure({"type": "labels"}, Result) == Result(type="labels")
