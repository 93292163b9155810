"""A regex filter kept just under the per-value time limit used to run that long for every
task: about a minute per thousand tasks on SQLite, for any user who may filter the task list
(PostgreSQL stops it with a statement timeout). Now every query's regex matching shares one
budget (``labelcore.query.REGEX_BUDGET``) on the backends that match in Python.

The clock is faked (each reading one second later), so the test counts evaluations instead
of timing them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import labelcore.query as query_module
import labelcore.service._base as base_module
from labelcore import LabelCore, QueryError, User
from labelcore.query import REGEX_BUDGET, Selection, parse_query

MANAGER = User(id="m", roles=frozenset({"manager"}))
ANNOTATOR = User(id="a", roles=frozenset({"annotator"}))
TASKS = 60


class _Clock:
    """``time`` as labelcore.query sees it: every monotonic() reading is a second later."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture(params=["memory", "sqlite"])
def core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LabelCore]:
    store = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'lc.db'}"
    c = LabelCore(store=store, start_jobs=False)
    yield c
    c.close()


def _regex(value: str) -> Any:
    item = {
        "filter": "filter:tasks:data.text",
        "operator": "regex",
        "type": "String",
        "value": value,
    }
    return parse_query({"filters": {"conjunction": "and", "items": [item]}})


def test_redos_regex_filter_is_bounded_over_the_whole_project(
    core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = core.create_project(
        MANAGER, title="ReDoS", label_config='<View><Text name="text" value="$text"/></View>'
    )
    core.import_tasks(MANAGER, project.id, [{"text": f"task {i}"} for i in range(TASKS)])
    searched: list[str] = []
    real_search = query_module.regex_search

    def counting(compiled: Any, text: str) -> bool:
        searched.append(text)
        return real_search(compiled, text)

    monkeypatch.setattr(query_module, "regex_search", counting)
    import labelcore.storage.evaluate as evaluate_module
    import labelcore.storage.sql.engine as engine_module

    monkeypatch.setattr(evaluate_module, "regex_search", counting)
    monkeypatch.setattr(engine_module, "regex_search", counting)
    monkeypatch.setattr(query_module, "time", _Clock())
    with pytest.raises(QueryError) as exc:
        core.list_tasks(ANNOTATOR, project.id, _regex("no such text"))
    assert exc.value.code == "query.regex_timeout"
    assert 0 < len(searched) <= REGEX_BUDGET + 1, len(searched)  # not every task
    # a query whose matching fits the budget is unaffected
    monkeypatch.undo()
    found = core.list_tasks(ANNOTATOR, project.id, _regex(r"^task 1\d$"))
    assert found.total == 10


def _counting_regex(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every regex evaluation, on either backend, appended to the list returned."""
    import labelcore.storage.evaluate as evaluate_module
    import labelcore.storage.sql.engine as engine_module

    searched: list[str] = []
    real_search = query_module.regex_search

    def counting(compiled: Any, text: str) -> bool:
        searched.append(text)
        return real_search(compiled, text)

    for module in (query_module, evaluate_module, engine_module):
        monkeypatch.setattr(module, "regex_search", counting)
    return searched


def test_redos_regex_filter_on_export_fails_before_the_body_is_written(
    core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export applying a view's filters ran them while streaming, outside any budget:
    now ``prepare_export`` matches them under the query's budget, so the 400 comes before
    the response starts (nothing is written)."""
    project = core.create_project(
        MANAGER, title="ReDoS export", label_config='<View><Text name="text" value="$text"/></View>'
    )
    core.import_tasks(MANAGER, project.id, [{"text": f"task {i}"} for i in range(TASKS)])
    searched = _counting_regex(monkeypatch)
    monkeypatch.setattr(query_module, "time", _Clock())
    for export_type in ("JSON", "CSV"):
        searched.clear()
        with pytest.raises(QueryError) as exc:
            core.prepare_export(
                MANAGER,
                project.id,
                export_type,
                download_all_tasks=True,
                query=_regex("no such text"),
            )
        assert exc.value.code == "query.regex_timeout"
        assert 0 < len(searched) <= REGEX_BUDGET + 1, len(searched)  # not every task


@pytest.mark.parametrize("export_type", ["JSON", "CSV"])
def test_regex_filtered_export_reads_the_matched_tasks_by_id_without_matching_again(
    core: LabelCore, monkeypatch: pytest.MonkeyPatch, export_type: str
) -> None:
    project = core.create_project(
        MANAGER, title="Regex export", label_config='<View><Text name="text" value="$text"/></View>'
    )
    ids = core.import_tasks(
        MANAGER, project.id, [{"text": f"task {i}"} for i in range(TASKS)]
    ).task_ids
    monkeypatch.setattr(base_module, "REGEX_MATCH_CHUNK", 3)  # several chunks
    searched = _counting_regex(monkeypatch)
    query = attrs.evolve(
        _regex(r"^task [1-3]\d$"), selection=Selection(all=True, excluded=(ids[12],))
    )
    prepared = core.prepare_export(
        MANAGER, project.id, export_type, download_all_tasks=True, query=query
    )
    matched = len(searched)
    assert matched == TASKS - 1  # once, in prepare_export (the excluded task not read)
    out = io.BytesIO()
    prepared.write(out)
    assert len(searched) == matched  # and not again while writing
    expected = [f"task {i}" for i in range(10, 40) if i != 12]
    if export_type == "JSON":
        assert [t["data"]["text"] for t in json.loads(out.getvalue())] == expected
    else:
        rows = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
        assert [r["text"] for r in rows] == expected


def test_regex_filtered_export_matching_nothing_is_empty(core: LabelCore) -> None:
    project = core.create_project(
        MANAGER, title="Regex export", label_config='<View><Text name="text" value="$text"/></View>'
    )
    core.import_tasks(MANAGER, project.id, [{"text": "task"}])
    prepared = core.prepare_export(
        MANAGER, project.id, "JSON", download_all_tasks=True, query=_regex("^nothing$")
    )
    out = io.BytesIO()
    prepared.write(out)
    assert json.loads(out.getvalue()) == []


@pytest.mark.parametrize(
    "action",
    ["delete_tasks_annotations", "delete_tasks_predictions", "predictions_to_annotations"],
)
def test_redos_regex_filter_on_a_bulk_action_is_bounded_and_changes_nothing(
    core: LabelCore, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """These data-manager actions read the tasks the query matches a batch at a time while
    they write, and ran the regex filters outside any budget; now they are matched first,
    under the budget, and a pattern that runs too long changes nothing."""
    config = """<View><Text name="text" value="$text"/>
      <Choices name="c" toName="text"><Choice value="yes"/></Choices></View>"""
    project = core.create_project(MANAGER, title="ReDoS action", label_config=config)
    ids = core.import_tasks(
        MANAGER, project.id, [{"text": f"task {i}"} for i in range(TASKS)]
    ).task_ids
    result = [
        {"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["yes"]}}
    ]
    for task_id in ids[:5]:
        core.submit_annotation(MANAGER, task_id, result)
    core.add_predictions(MANAGER, project.id, [{"task": i, "result": result} for i in ids[5:10]])
    before = [
        (b.task.id, len(b.annotations), len(b.predictions))
        for b in core.store.iter_bundles(project.id)
    ]
    searched = _counting_regex(monkeypatch)
    monkeypatch.setattr(query_module, "time", _Clock())
    with pytest.raises(QueryError) as exc:
        core.run_action(MANAGER, project.id, action, query=_regex("no such text"))
    assert exc.value.code == "query.regex_timeout"
    assert 0 < len(searched) <= REGEX_BUDGET + 1, len(searched)  # not every task
    after = [
        (b.task.id, len(b.annotations), len(b.predictions))
        for b in core.store.iter_bundles(project.id)
    ]
    assert after == before
    # within the budget the action does its work on the matched tasks only
    monkeypatch.undo()
    monkeypatch.setattr(base_module, "REGEX_MATCH_CHUNK", 2)
    done = core.run_action(MANAGER, project.id, action, query=_regex(r"^task [0-7]$"))
    assert (
        done.processed_items
        == {
            "delete_tasks_annotations": 5,
            "delete_tasks_predictions": 3,
            "predictions_to_annotations": 3,
        }[action]
    )
