"""A submit is one transaction without a savepoint per store write (two round trips each on
PostgreSQL: a pair of next task + submit made six of its 42 statements), and still all or
nothing: a failing write and the unique_id race leave no trace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from svc_fixtures import ANN_A, choice, make_project

from labelcore import LabelCore
from labelcore.errors import Conflict
from labelcore.storage.memory import MemoryStore
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


def test_a_labeling_pair_reads_the_settings_with_what_it_needs_them_for(
    sql_core: LabelCore,
) -> None:
    """Next task takes the skip rule from the service's spec and the submit's recount reads
    it inside its UPDATE: no statement reads settings on their own."""
    project = make_project(sql_core, 2)
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(sql_core.store.engine, "before_cursor_execute", before)  # type: ignore[attr-defined]
    bundle = sql_core.next_task(ANN_A, project.id)
    assert bundle is not None
    sql_core.submit_annotation(ANN_A, bundle.task.id, choice())
    alone = [s for s in seen if s.startswith("SELECT labelcore_project.settings FROM")]
    recount = [
        s for s in seen if s.startswith("SELECT labelcore_task.id, labelcore_project.settings")
    ]
    assert alone == [] and recount == []
    task = sql_core.store.get_task(bundle.task.id)
    assert task is not None and task.total_annotations == 1 and task.is_labeled


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
    again = sql_core.submit_annotation(ANN_A, bundle.task.id, choice())
    assert again.version == 1


@pytest.mark.parametrize("in_atomic", [False, True])
def test_unique_id_race_answers_with_the_first_annotation(
    sql_core: LabelCore, monkeypatch: pytest.MonkeyPatch, in_atomic: bool
) -> None:
    """Two submits with one unique_id: the second passes the check before the first
    commits, so its INSERT hits the unique index (on PostgreSQL that aborts the transaction).
    Its whole block is undone - the draft it took is back - and it answers with the first
    annotation; inside a host's core.atomic() only the submit's block is undone, and the
    host's block goes on."""
    project = make_project(sql_core, 1)
    bundle = sql_core.next_task(ANN_A, project.id)
    assert bundle is not None
    first = sql_core.submit_annotation(ANN_A, bundle.task.id, choice(), unique_id="race")
    draft = sql_core.save_draft(ANN_A, bundle.task.id, choice("Negative"), lead_time=3.0)
    real = sql_core._by_unique_id
    calls: list[str] = []

    def racing(user: Any, task_id: int, unique_id: str) -> Any:
        calls.append(unique_id)
        return None if len(calls) == 1 else real(user, task_id, unique_id)

    monkeypatch.setattr(sql_core, "_by_unique_id", racing)
    if in_atomic:
        with sql_core.atomic():
            second = sql_core.submit_annotation(ANN_A, bundle.task.id, choice(), unique_id="race")
            after = make_project(sql_core, 1, title="after the race")  # the host goes on
        assert sql_core.store.get_project(after.id) is not None
    else:
        second = sql_core.submit_annotation(ANN_A, bundle.task.id, choice(), unique_id="race")
    assert calls == ["race", "race"]
    assert second.id == first.id
    assert [a.id for a in sql_core.store.list_annotations(task_id=bundle.task.id)] == [first.id]
    kept = sql_core.store.get_draft(draft.id)
    assert kept is not None and kept.lead_time == 3.0


class OldStyleStore(MemoryStore):
    """A custom backend written before ``transaction(savepoints=...)`` existed."""

    @contextmanager
    def transaction(self) -> Iterator[None]:  # type: ignore[override]
        with super().transaction():
            yield


def test_a_store_without_the_savepoints_argument_still_labels() -> None:
    core = LabelCore(store=OldStyleStore(), start_jobs=False)
    project = make_project(core, 1)
    bundle = core.next_task(ANN_A, project.id)
    assert bundle is not None
    core.save_draft(ANN_A, bundle.task.id, choice("Negative"))
    done = core.submit_annotation(ANN_A, bundle.task.id, choice())
    assert core.update_annotation(ANN_A, done.id, result=choice("Negative")).version == 2
    core.close()
