"""A regex filter kept just under the per-value time limit used to run that long for every
task: about a minute per thousand tasks on SQLite, for any user who may filter the task list
(PostgreSQL stops it with a statement timeout). Now every query's regex matching shares one
budget (``labelcore.query.REGEX_BUDGET``) on the backends that match in Python.

The clock is faked (each reading one second later), so the test counts evaluations instead
of timing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import labelcore.query as query_module
from labelcore import LabelCore, QueryError, User
from labelcore.query import REGEX_BUDGET, parse_query

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
