from __future__ import annotations

import io
import json

import pytest
from svc_fixtures import ANN_A, CONFIG, MANAGER, choice, core, make_project, project, span

from labelcore import Forbidden, LabelCore, ValidationError
from labelcore.query import Filter, FilterGroup, TaskQuery
from labelcore.service.importing import data_hash

__all__ = ["core", "project"]


def tasks_of(core: LabelCore, project_id: int) -> list:
    return core.list_tasks(MANAGER, project_id).tasks


def test_import_python_iterable_wraps_items_without_data(core: LabelCore) -> None:
    p = make_project(core)
    calls: list[int] = []
    report = core.import_tasks(
        MANAGER,
        p.id,
        ({"text": f"t{i}"} for i in range(2500)),
        progress=calls.append,
    )
    assert report.task_count == 2500
    assert report.data_columns == ("text",)
    assert calls == [1000, 2000, 2500]
    assert report.duration >= 0
    first = tasks_of(core, p.id)[0]
    assert first.data == {"text": "t0"} and first.inner_id == 1
    assert first.data_hash == data_hash({"text": "t0"})


def test_import_json_body_single_task_with_meta(core: LabelCore) -> None:
    p = make_project(core)
    report = core.import_tasks(MANAGER, p.id, {"data": {"text": "one"}, "meta": {"src": "x"}})
    (task,) = tasks_of(core, p.id)
    assert report.task_ids == (task.id,)
    assert task.meta == {"src": "x"}


@pytest.mark.parametrize(
    ("filename", "body"),
    [
        ("t.json", json.dumps([{"text": "a"}, {"data": {"text": "b"}}])),
        ("t.jsonl", '{"text": "a"}\n\n{"data": {"text": "b"}}\n'),
        ("t.csv", "text,other\na,1\nb,2\n"),
        ("t.tsv", "text\tother\na\t1\nb\t2\n"),
        ("t.txt", "a\nb\n"),
    ],
)
def test_import_files(core: LabelCore, filename: str, body: str) -> None:
    p = make_project(core)
    report = core.import_tasks(MANAGER, p.id, io.BytesIO(body.encode()), filename=filename)
    assert report.task_count == 2
    assert report.found_formats == ("." + filename.split(".")[1],)
    assert [t.data["text"] for t in tasks_of(core, p.id)] == ["a", "b"]


def test_import_sniffs_json_and_jsonl_without_a_name(core: LabelCore) -> None:
    p = make_project(core)
    core.import_tasks(MANAGER, p.id, b'[{"text": "a"}]')
    core.import_tasks(MANAGER, p.id, b'{"text": "b"}\n{"text": "c"}\n')
    core.import_tasks(MANAGER, p.id, b"d\n", content_type="text/plain; charset=utf-8")
    assert [t.data["text"] for t in tasks_of(core, p.id)] == ["a", "b", "c", "d"]


def test_txt_upload_needs_a_single_data_key(core: LabelCore) -> None:
    two = '<View><Text name="a" value="$a"/><Text name="b" value="$b"/></View>'
    p = make_project(core, label_config=two)
    with pytest.raises(ValidationError) as info:
        core.import_tasks(MANAGER, p.id, b"hello\n", filename="t.txt")
    assert info.value.errors[0]["code"] == "import.single_key_upload"
    assert tasks_of(core, p.id) == []


def test_html_file_is_one_task_for_the_one_data_key(core: LabelCore) -> None:
    p = make_project(core)
    core.import_tasks(MANAGER, p.id, b"<p>hi</p>\n<p>there</p>", filename="page.html")
    (task,) = tasks_of(core, p.id)
    assert task.data == {"text": "<p>hi</p>\n<p>there</p>"}


def test_errors_name_row_field_and_rule_and_nothing_is_imported(core: LabelCore) -> None:
    p = make_project(core)
    rows = [
        {"text": "ok"},
        {"other": "no text"},
        {"data": {"text": "x"}, "annotations": [{"result": choice("Maybe")}]},
        {"data": {"text": "y"}, "predictions": [{"result": "nope"}]},
    ]
    with pytest.raises(ValidationError) as info:
        core.import_tasks(MANAGER, p.id, rows)
    errors = info.value.errors
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (2, "data.text", "data.missing_key"),
        (3, "annotations[0].result[0]", "result.unknown_label"),
        (4, "", "import.invalid_task"),
    ]
    assert all(e["message"].startswith(f"row {e['row']}: ") for e in errors)
    assert tasks_of(core, p.id) == []


def test_at_most_100_errors_listed_with_the_total(core: LabelCore) -> None:
    p = make_project(core)
    with pytest.raises(ValidationError) as info:
        core.import_tasks(MANAGER, p.id, [{"wrong": i} for i in range(250)])
    assert len(info.value.errors) == 100
    assert info.value.message.startswith("250 problem(s)")


def test_bad_last_row_of_a_big_import_leaves_project_unchanged(core: LabelCore) -> None:
    # bench/bench_import.py runs the 100,000-row version against SQLite
    p = make_project(core, 2)
    n = 20_000
    rows = ({"text": str(i)} if i < n - 1 else {"text": {"not": "text"}} for i in range(n))
    before = [t.id for t in tasks_of(core, p.id)]
    with pytest.raises(ValidationError) as info:
        core.import_tasks(MANAGER, p.id, rows)
    assert [(e["row"], e["code"]) for e in info.value.errors] == [(n, "data.bad_type")]
    assert [t.id for t in tasks_of(core, p.id)] == before
    assert core.project_counts(MANAGER, p.id).task_count == 2
    # the next import continues the inner_id sequence as if the failed one never happened
    task = core.create_task(MANAGER, p.id, {"text": "after"})
    assert task.inner_id == 3


def _contains(core: LabelCore, project_id: int, needle: str) -> int:
    where = Filter(column="data.text", operator="contains", type="String", value=needle)
    query = TaskQuery(filters=FilterGroup(items=(where,)))
    return core.list_tasks(MANAGER, project_id, query).total


@pytest.mark.parametrize("dedupe", [None, "report"])
def test_contains_is_exact_for_every_batch_right_after_a_big_import(
    core: LabelCore, dedupe: str | None
) -> None:
    """The SQLite text index is filled batch by batch while later rows are still read (on a
    second thread): when the import returns, every row of every batch is found, once."""
    p = make_project(core)
    n = 5500
    rows = [{"text": f"row {i} " + ("needle" if i % 500 == 3 else "hay")} for i in range(n)]
    report = core.import_tasks(MANAGER, p.id, rows, dedupe=dedupe)  # type: ignore[arg-type]
    assert report.task_count == n
    assert _contains(core, p.id, "needle") == n // 500
    assert _contains(core, p.id, "row 5499 hay") == 1
    assert _contains(core, p.id, "row ") == n


def test_failing_row_in_a_late_batch_leaves_nothing_and_no_text_index(core: LabelCore) -> None:
    """Batches already inserted and indexed (on SQLite, by the second thread) are rolled
    back with the rest; the first error is the one reported."""
    p = make_project(core)
    n = 6000
    rows = [{"text": f"row {i} needle"} for i in range(n)]
    rows[5800] = {"text": {"not": "text"}}
    rows[5900] = {"wrong": 1}
    with pytest.raises(ValidationError) as info:
        core.import_tasks(MANAGER, p.id, rows)
    assert [e["row"] for e in info.value.errors] == [5801, 5901]
    assert info.value.errors[0]["code"] == "data.bad_type"
    assert tasks_of(core, p.id) == []
    assert _contains(core, p.id, "needle") == 0
    core.import_tasks(MANAGER, p.id, [{"text": "after needle"}])
    assert _contains(core, p.id, "needle") == 1


def test_bad_json_file_is_reported_with_its_row(core: LabelCore) -> None:
    p = make_project(core)
    with pytest.raises(ValidationError) as info:
        core.import_tasks(MANAGER, p.id, b'[{"text": "a"}, {"text": ', filename="t.json")
    assert info.value.errors[0]["row"] == 2
    assert tasks_of(core, p.id) == []


def test_imported_annotations_and_predictions(core: LabelCore) -> None:
    p = make_project(core)
    report = core.import_tasks(
        MANAGER,
        p.id,
        [
            {
                "data": {"text": "Ada met Bo"},
                "annotations": [
                    {"result": choice(), "completed_by": {"email": "ADA@example.org"}},
                    {"result": span(), "completed_by": 99, "ground_truth": True, "id": 7},
                ],
                "predictions": [
                    {"result": choice("Negative"), "score": 0.3, "model_version": "v1"}
                ],
            }
        ],
    )
    assert (report.annotation_count, report.prediction_count) == (2, 1)
    bundle = core.get_task(MANAGER, report.task_ids[0])
    a, b = bundle.annotations
    assert a.completed_by == ANN_A.id and a.imported and a.last_action == "imported"
    assert a.ground_truth is False  # Label Studio would default to True
    assert b.completed_by == 99 and b.ground_truth and b.import_id == 7
    assert bundle.task.total_annotations == 2 and bundle.task.is_labeled
    (pred,) = bundle.predictions
    assert (pred.score, pred.model_version) == (0.3, "v1")


def test_unknown_email_is_a_row_error(core: LabelCore) -> None:
    p = make_project(core)
    with pytest.raises(ValidationError) as info:
        core.import_tasks(
            MANAGER,
            p.id,
            [
                {
                    "data": {"text": "x"},
                    "annotations": [{"result": [], "completed_by": {"email": "x@y"}}],
                }
            ],
        )
    (e,) = info.value.errors
    assert (e["row"], e["field"], e["code"]) == (
        1,
        "annotations[0].completed_by",
        "import.unknown_user",
    )


def test_one_ground_truth_per_imported_task(core: LabelCore) -> None:
    p = make_project(core)
    report = core.import_tasks(
        MANAGER,
        p.id,
        [
            {
                "data": {"text": "x"},
                "annotations": [
                    {"result": [], "ground_truth": True, "completed_by": 1},
                    {"result": [], "ground_truth": True, "completed_by": 2},
                ],
            }
        ],
    )
    flags = [a.ground_truth for a in core.get_task(MANAGER, report.task_ids[0]).annotations]
    assert flags == [False, True]
    assert report.warnings


def test_dedupe_skip_and_report(core: LabelCore) -> None:
    p = make_project(core)
    core.import_tasks(MANAGER, p.id, [{"text": "a"}, {"text": "b"}])
    skipped = core.import_tasks(
        MANAGER, p.id, [{"text": "a"}, {"text": "c"}, {"text": "c"}], dedupe="skip"
    )
    assert (skipped.task_count, skipped.duplicate_count) == (1, 2)
    reported = core.import_tasks(MANAGER, p.id, [{"text": "b"}], dedupe="report")
    assert (reported.task_count, reported.duplicate_count) == (1, 1)
    assert "same data as task" in reported.warnings[0]
    assert [t.data["text"] for t in tasks_of(core, p.id)] == ["a", "b", "c", "b"]
    with pytest.raises(ValidationError):
        core.import_tasks(MANAGER, p.id, [], dedupe="maybe")  # type: ignore[arg-type]


def test_unsupported_file_type_and_permission(core: LabelCore, project) -> None:
    with pytest.raises(ValidationError):
        core.import_tasks(MANAGER, project.id, b"x", filename="evil.exe")
    with pytest.raises(Forbidden):
        core.import_tasks(ANN_A, project.id, [{"text": "x"}])


def test_create_and_update_task(core: LabelCore, project) -> None:
    task = core.create_task(MANAGER, project.id, {"text": "new"}, meta={"k": 1})
    assert task.inner_id == 4
    with pytest.raises(ValidationError):
        core.update_task(MANAGER, task.id, data={"nope": 1})
    updated = core.update_task(MANAGER, task.id, data={"text": "edited"})
    assert updated.data == {"text": "edited"} and updated.meta == {"k": 1}
    with pytest.raises(Forbidden):
        core.update_task(ANN_A, task.id, data={"text": "mine"})


def test_imported_overlap_follows_settings(core: LabelCore) -> None:
    p = make_project(core, 3, maximum_annotations=2)
    assert {t.overlap for t in tasks_of(core, p.id)} == {2}


def test_config_with_single_key_and_txt(core: LabelCore) -> None:
    p = make_project(core, label_config=CONFIG)
    core.import_tasks(MANAGER, p.id, io.BytesIO(b"\xef\xbb\xbfone\r\ntwo\r\n"), filename="x.TXT")
    assert [t.data for t in tasks_of(core, p.id)] == [{"text": "one"}, {"text": "two"}]
