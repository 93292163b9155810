"""A submit is one transaction without a savepoint per store write (two round trips each on
PostgreSQL: a pair of next task + submit made six of its 42 statements), and still all or
nothing: the unique_id race and a failing write leave no trace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from svc_fixtures import ANN_A, choice, make_project

from labelcore import LabelCore
from labelcore.errors import Conflict
from labelcore.storage.sql import SQLStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LabelCore]:
    url = (
        request.getfixturevalue("pg_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path / 'submit.db'}"
    )
    c = LabelCore(store=SQLStore(url), start_jobs=False)
    yield c
    c.close()


def _statements(core: LabelCore) -> list[str]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    sa.event.listen(core.store.engine, "before_cursor_execute", before)  # type: ignore[attr-defined]
    return seen


def test_labeling_writes_open_no_savepoint(sql_core: LabelCore) -> None:
    """Draft autosave, submit, edit and skip: the labeling screen's writes."""
    project = make_project(sql_core, 2, show_skip_button=True)
    first = sql_core.next_task(ANN_A, project.id)
    assert first is not None
    seen = _statements(sql_core)
    draft = sql_core.save_draft(ANN_A, first.task.id, choice("Negative"), lead_time=2.0)
    done = sql_core.submit_annotation(ANN_A, first.task.id, choice(), unique_id="u-1")
    edited = sql_core.update_annotation(ANN_A, done.id, result=choice("Negative"))
    second = sql_core.next_task(ANN_A, project.id)
    assert second is not None
    sql_core.skip_task(ANN_A, second.task.id)
    assert "INSERT" in seen and "SAVEPOINT" not in seen
    task = sql_core.store.get_task(first.task.id)
    assert task is not None and task.total_annotations == 1 and task.is_labeled
    assert sql_core.store.get_draft(draft.id) is None  # the submit took it, and its time
    assert done.lead_time == 2.0 and edited.version == 2


def test_a_failing_submit_still_leaves_no_trace(
    sql_core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last write of the submit fails after the annotation and its history went in:
    without savepoints the whole transaction is what undoes them."""
    project = make_project(sql_core, 1)
    bundle = sql_core.next_task(ANN_A, project.id)
    assert bundle is not None

    def fail(*_: Any, **__: Any) -> None:
        raise Conflict("a write failed", code="store.conflict")

    monkeypatch.setattr(sql_core.store, "release_claims", fail)
    with pytest.raises(Conflict):
        sql_core.submit_annotation(ANN_A, bundle.task.id, choice())
    monkeypatch.undo()
    assert sql_core.store.list_annotations(task_id=bundle.task.id) == []
    task = sql_core.store.get_task(bundle.task.id)
    assert task is not None and task.total_annotations == 0 and not task.is_labeled
    # and the claim is still the annotator's: they can submit again
    again = sql_core.submit_annotation(ANN_A, bundle.task.id, choice())
    assert again.version == 1
