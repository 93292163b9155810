"""SQLStore.iter_export_tasks: the export path that builds Label Studio's task JSON from the
rows must equal task_to_json of iter_bundles, key order and JSON bytes included.

Run on SQLite and PostgreSQL (CI), with the cases that differ between the two paths: int
and str user ids, a timestamp with zero microseconds, unicode, drafts, filters, tasks
without annotations, annotations updated later, several keyset batches.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator

import attrs
import pytest

from labelcore._converter import task_to_json
from labelcore.formats.exporters import EncodedTasks
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


# -- the JSON export's text (iter_export_json) -------------------------------------------------

# values whose text trips a naive splice: separators and quotes inside strings, escapes,
# strings that start with a separator, small and large floats, JSONB's number forms
TRICKY = {
    "text": 'a, b: "c" \\ d\n\te\u0001\u001f\u007f',
    ":x": [":", ",", '":', ',"', "", " "],
    "floats": [1e-05, -1.2e-07, 0.0001, 1e16, 1.5e300, -0.0, 0.1, 100.0],
    "ints": [0, -1, 10**20],
    "nested": {"a": {"b": [[], {}, [{}], None, True, False]}},
    "unicode": "Zoë 😀 \u2028 „q“",
    "looks like a number": "0.00001",
}


def _export_text(store: SQLStore, pid: int, **kw: object) -> str:
    runs = list(store.iter_export_json(pid, batch_size=5, **kw))  # type: ignore[arg-type]
    assert runs and all(isinstance(r, EncodedTasks) for r in runs)
    assert sum(r.count for r in runs) == len(list(store.iter_export_tasks(pid, **kw)))  # type: ignore[arg-type]
    return ",\n".join(r.text for r in runs if r.count)


def _dicts_text(store: SQLStore, pid: int, **kw: object) -> str:
    tasks = store.iter_export_tasks(pid, batch_size=5, **kw)  # type: ignore[arg-type]
    return ",\n".join(json.dumps(t, ensure_ascii=False) for t in tasks)


@pytest.mark.parametrize("include_drafts", [False, True])
@pytest.mark.parametrize("only_annotated", [False, True])
def test_export_text_is_the_dicts_as_json(
    store: SQLStore, include_drafts: bool, only_annotated: bool
) -> None:
    pid = _fill(store)
    kw = {"include_drafts": include_drafts, "only_annotated": only_annotated}
    assert _export_text(store, pid, **kw) == _dicts_text(store, pid, **kw)


def test_export_text_of_tricky_values_is_the_dicts_as_json(store: SQLStore) -> None:
    pid = store.add_project(ProjectSettings(title="tricky"), "owner").id
    tricky_result = [dict(_span(0, "PER"), value={**TRICKY, "labels": ["PER"]})]
    ids = store.add_tasks(
        pid,
        [
            NewTask(
                data=TRICKY,
                meta={"m": TRICKY["text"]},
                annotations=(NewAnnotation(result=tricky_result, completed_by='7 "q"'),),
                predictions=(NewPrediction(result=tricky_result, model_version='v, "1"'),),
                file_upload='f "1".json',
            ),
            NewTask(data={"text": "plain"}, predictions=(NewPrediction(result=[], score=1e-05),)),
        ],
    )
    store.save_draft(ids[0], 0, None, tricky_result, 1e-05)
    assert _export_text(store, pid, include_drafts=True) == _dicts_text(
        store, pid, include_drafts=True
    )
    data = json.loads("[" + _export_text(store, pid) + "]")[0]["data"]
    assert data == next(store.iter_export_tasks(pid))["data"]
    if store.dialect == "sqlite":  # JSONB keeps numbers as decimals: 1e16 comes back an int
        assert data == TRICKY


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[SQLStore]:  # type: ignore[no-untyped-def]
    s = SQLStore(f"sqlite:///{tmp_path / 'export.db'}")
    yield s
    s.close()


def test_export_text_of_rows_stored_in_another_form(sqlite_store: SQLStore) -> None:
    """Rows written with other JSON options (an older version, or by hand) are re-encoded,
    not spliced: the text is still the dicts' JSON. (SQLite only: PostgreSQL keeps JSONB,
    which has one text form.)"""
    store = sqlite_store
    pid = _fill(store)
    with store.engine.begin() as conn:
        for sql in (
            "UPDATE labelcore_task SET data = ? WHERE id = (SELECT min(id) FROM labelcore_task)",
            "UPDATE labelcore_prediction SET result = ? "
            "WHERE id = (SELECT min(id) FROM labelcore_prediction)",
        ):
            conn.exec_driver_sql(sql, (json.dumps({"text": "Zoë, 1", "n": [1, 2.5]}),))
        conn.exec_driver_sql(
            "UPDATE labelcore_task SET meta = ? WHERE id = (SELECT max(id) FROM labelcore_task)",
            (json.dumps({"a": 1}, indent=2),),
        )
    text = _export_text(store, pid)
    assert text == _dicts_text(store, pid)
    assert '"data": {"text": "Zoë, 1", "n": [1, 2.5]}' in text


def test_json_export_through_the_service_is_unchanged(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """prepare_export writes the store's text for JSON, and the same bytes as the dicts."""
    from labelcore import LabelCore, User
    from labelcore.formats.exporters import ExportOptions, export

    manager = User(id=1, name="M", roles=frozenset({"manager"}))
    core = LabelCore(store=f"sqlite:///{tmp_path / 'svc.db'}", start_jobs=False)
    try:
        config = (
            '<View><Text name="text" value="$text"/><Labels name="label" toName="text">'
            '<Label value="PER"/><Label value="LOC"/></Labels></View>'
        )
        pid = core.create_project(manager, title="svc", label_config=config).id
        core.import_tasks(
            manager,
            pid,
            [{"text": f"Zoë, {i}: „x“", "n": i} for i in range(12)],
        )
        first = next(core.store.iter_export_tasks(pid))["id"]
        span = _span(0, "PER")
        span["value"] = {"start": 0, "end": 3, "text": "Zoë", "labels": ["PER"]}
        core.submit_annotation(manager, first, [span])
        store = core.store
        for all_tasks, options in [
            (True, None),
            (False, None),
            (True, ExportOptions(only_ground_truth=True)),
            (True, ExportOptions(include_predictions=False)),
        ]:
            job = core.prepare_export(
                manager, pid, "JSON", download_all_tasks=all_tasks, options=options
            )
            out = io.BytesIO()
            job.write(out)
            opts = options or ExportOptions()
            expected = io.BytesIO()
            export(
                config,
                store.iter_export_tasks(pid, only_annotated=not all_tasks),
                "JSON",
                expected,
                options=attrs.evolve(opts, only_annotated=opts.only_annotated or not all_tasks),
            )
            assert out.getvalue() == expected.getvalue()
    finally:
        core.close()


@pytest.mark.postgres
def test_jsonb_text_of_numbers_and_strings_is_the_export_text(pg_url: str) -> None:
    """JSONB's text output, spliced, equals decoding and encoding it, for floats of every
    magnitude (JSONB prints decimals, not exponents) and escaped strings."""
    import sqlalchemy as sa

    from labelcore.storage.sql._jsonsplice import jsonb_texts

    values: list[object] = [TRICKY]
    for exp in range(-12, 20):
        values += [1.5 * 10.0**exp, -(10.0**exp), 10**exp, 1 / 3 * 10.0**exp]
    values += ["\\", '"', "\u0001\b\f\n\r\t", "0.0000", "é"]
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            texts = [
                conn.exec_driver_sql("SELECT CAST(%s AS jsonb)::text", (json.dumps(v),)).scalar()
                for v in values
            ]
    finally:
        engine.dispose()
    export = json.JSONEncoder(ensure_ascii=False).encode
    assert jsonb_texts(texts) == [export(json.loads(t)) for t in texts]


def test_export_rows_without_predictions(store: SQLStore) -> None:
    """Formats that never read predictions get tasks without them, not read at all."""
    pid = _fill(store)
    full = list(store.iter_export_tasks(pid, batch_size=5))
    bare = list(store.iter_export_tasks(pid, batch_size=5, include_predictions=False))
    assert any(t["predictions"] for t in full)
    assert bare == [{**t, "predictions": []} for t in full]


def test_encoded_tasks_only_go_where_they_fit(store: SQLStore) -> None:
    """Pre-encoded tasks are written as they are: only by the JSON format, and only with
    options that filter nothing inside a task."""
    from labelcore.formats.exporters import ExportOptions, export

    pid = _fill(store)
    config = '<View><Text name="text" value="$text"/></View>'
    with pytest.raises(TypeError, match="only JSON"):
        export(config, store.iter_export_json(pid), "CSV", io.BytesIO())
    with pytest.raises(TypeError, match="cannot be filtered"):
        options = ExportOptions(include_predictions=False)
        export(config, store.iter_export_json(pid), "JSON", io.BytesIO(), options=options)
    out = io.BytesIO()
    result = export(config, store.iter_export_json(pid, batch_size=5), "JSON", out)
    assert result.task_count == 23
    assert json.loads(out.getvalue()) == list(store.iter_export_tasks(pid))
