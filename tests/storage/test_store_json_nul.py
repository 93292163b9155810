"""A NUL character in task data, meta or a result: PostgreSQL's JSONB cannot store it (the
write used to fail with a raw driver error, a 500), so every SQL store refuses it as a
ValidationError naming the row, and nothing is written. An escaped backslash before
``u0000`` is ordinary text and is kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from labelcore.errors import ValidationError
from labelcore.model import NewAnnotation, NewTask, ProjectSettings
from labelcore.query import TaskQuery
from labelcore.storage.sql import SQLStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SQLStore]:
    url = (
        f"sqlite:///{tmp_path / 'nul.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    s = SQLStore(url)
    yield s
    s.close()


@pytest.mark.parametrize("n", [1, 300])  # 300: the bulk (COPY on PostgreSQL) path
def test_nul_in_task_data_is_a_validation_error_and_writes_nothing(
    store: SQLStore, n: int
) -> None:
    pid = store.add_project(ProjectSettings(title="nul"), "o").id
    tasks = [NewTask(data={"t": "ok"}) for _ in range(n - 1)] + [NewTask(data={"t": "a\x00b"})]
    with pytest.raises(ValidationError) as exc:
        store.add_tasks(pid, tasks)
    assert exc.value.code == "store.json_nul" and f"row {n - 1}" in str(exc.value)
    assert list(store.task_ids(pid, TaskQuery())) == []
    [tid] = store.add_tasks(pid, [NewTask(data={"t": "a\\u0000b"})])  # a backslash: fine
    assert store.get_bundle(tid).task.data == {"t": "a\\u0000b"}  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        bad = NewAnnotation(result=[{"v": "\x00"}], completed_by=1)
        store.add_tasks(pid, [NewTask(data={"t": "x"}, annotations=(bad,))])
    assert len(list(store.task_ids(pid, TaskQuery()))) == 1
