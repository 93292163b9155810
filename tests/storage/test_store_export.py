"""SQLStore.iter_export_tasks: the export path that builds Label Studio's task JSON from the
rows must equal task_to_json of iter_bundles, key order and JSON bytes included.

Run on SQLite and PostgreSQL (CI), with the cases that differ between the two paths: int
and str user ids, a timestamp with zero microseconds, unicode, drafts, filters, tasks
without annotations, annotations updated later, several keyset batches.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from labelcore._converter import task_to_json
from labelcore.model import NewAnnotation, NewPrediction, NewTask, ProjectSettings
from labelcore.query import Filter, FilterGroup, TaskQuery
from labelcore.storage.sql import SQLStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[SQLStore]:  # type: ignore[no-untyped-def]
    url = (
        f"sqlite:///{tmp_path / 'export.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    s = SQLStore(url)
    yield s
    s.close()


def _span(i: int, label: str) -> dict[str, object]:
    return {
        "id": f"r{i}",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 0, "end": 4, "text": "Zoë", "labels": [label]},
    }


def _fill(store: SQLStore) -> int:
    pid = store.add_project(ProjectSettings(title="export"), "owner").id
    whole = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)  # zero microseconds
    tasks = []
    for i in range(23):
        anns: tuple[NewAnnotation, ...] = ()
        if i % 2 == 0:
            anns = (
                NewAnnotation(
                    result=[_span(i, "PER")],
                    completed_by=7 if i % 4 == 0 else "u-7",
                    lead_time=1.5,
                    created_at=whole,
                    unique_id=f"a{i}",
                ),
                NewAnnotation(result=[], completed_by="8", was_cancelled=i % 3 == 0),
            )
        preds = (NewPrediction(result=[_span(i, "LOC")], score=None if i % 5 else 0.25),)
        data = {"text": f"Zoë „{i}“ \u2028 ok", "n": i, "nested": {"a": [1, 2.5, None]}}
        tasks.append(
            NewTask(
                data=data,
                meta={"source": "t"} if i % 3 else {},
                annotations=anns,
                predictions=preds if i % 3 == 0 else (),
                file_upload="f.json" if i == 1 else None,
                data_hash=f"h{i}",
            )
        )
    ids = store.add_tasks(pid, tasks)
    first = store.list_annotations(task_id=ids[0])[0]
    store.update_annotation(first.id, updated_by="editor", action="updated", result=[])
    store.save_draft(ids[2], 7, None, [_span(2, "ORG")], 3.0)
    store.save_draft(ids[0], "u-9", first.id, [], 0.0, was_postponed=True)
    return pid


def _both(store: SQLStore, pid: int, **kw: object) -> tuple[list[object], list[object]]:
    query = kw.pop("query", None)
    fast = list(store.iter_export_tasks(pid, query, batch_size=5, **kw))  # type: ignore[arg-type]
    slow = [
        task_to_json(b.task, b.annotations, b.predictions, b.drafts)
        for b in store.iter_bundles(pid, query, batch_size=5, **kw)  # type: ignore[arg-type]
    ]
    return fast, slow


@pytest.mark.parametrize("include_drafts", [False, True])
@pytest.mark.parametrize("only_annotated", [False, True])
def test_export_rows_equal_task_to_json(
    store: SQLStore, include_drafts: bool, only_annotated: bool
) -> None:
    pid = _fill(store)
    fast, slow = _both(store, pid, include_drafts=include_drafts, only_annotated=only_annotated)
    assert len(fast) == (12 if only_annotated else 23)
    assert fast == slow
    # the same bytes in the JSON export, key order included
    assert json.dumps(fast, ensure_ascii=False) == json.dumps(slow, ensure_ascii=False)
    assert any(t["updated_by"] == "editor" for t in fast)  # type: ignore[index]
    assert any(a["created_at"] == "2024-05-01T12:00:00Z" for t in fast for a in t["annotations"])  # type: ignore[index]
    if include_drafts:
        drafts = {t["data"]["n"]: [d["user"] for d in t["drafts"]] for t in fast}  # type: ignore[index]
        assert (drafts[0], drafts[2], drafts[4]) == (["u-9"], [7], [])


def test_export_rows_follow_the_query(store: SQLStore) -> None:
    pid = _fill(store)
    where = Filter(column="data.n", operator="less", type="Number", value=5)
    fast, slow = _both(store, pid, query=TaskQuery(filters=FilterGroup(items=(where,))))
    assert [t["data"]["n"] for t in fast] == [0, 1, 2, 3, 4]  # type: ignore[index]
    assert fast == slow
    assert list(store.iter_export_tasks(pid + 1)) == []
