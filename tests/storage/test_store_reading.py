"""``SQLStore.reading()``: the reads inside share one read transaction (what the service does
for access checks: a task, its project, the members), and no write may happen inside."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from labelcore.model import Member, NewTask, ProjectSettings
from labelcore.storage.sql import SQLStore

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[SQLStore]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reading.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = SQLStore(url)
    yield s
    s.close()


def _checkouts(store: SQLStore) -> list[int]:
    seen = [0]

    def hit(*args: object) -> None:
        seen[0] += 1

    sa.event.listen(store.engine, "checkout", hit)
    return seen


def test_reads_inside_share_one_transaction(store: SQLStore) -> None:
    project = store.add_project(ProjectSettings(title="reads"), created_by=1)
    store.set_members(project.id, [Member(project_id=project.id, user_id=7, role="annotator")])
    (task_id,) = store.add_tasks(project.id, [NewTask(data={"text": "a"})])
    seen = _checkouts(store)
    with store.reading():
        task = store.get_task(task_id)
        assert task is not None and store.get_project(task.project_id) is not None
        assert [m.user_id for m in store.list_members(project.id)] == [7]
        assert store.user_claim(project.id, 7, NOW) is None
    assert seen[0] == 1  # one connection, one BEGIN/COMMIT for the four reads
    store.get_task(task_id)
    assert seen[0] == 2


def test_a_write_inside_is_refused_and_changes_nothing(store: SQLStore) -> None:
    project = store.add_project(ProjectSettings(title="reads"), created_by=1)
    (task_id,) = store.add_tasks(project.id, [NewTask(data={"text": "a"})])
    with store.reading():
        with pytest.raises(RuntimeError, match="reading"):
            store.try_claim(task_id, 7, NOW, dt.timedelta(minutes=10))
        with pytest.raises(RuntimeError, match="reading"), store.transaction():
            pass
    assert store.user_claim(project.id, 7, NOW) is None
    assert store.try_claim(task_id, 7, NOW, dt.timedelta(minutes=10))  # fine outside


def test_inside_a_transaction_it_changes_nothing(store: SQLStore) -> None:
    project = store.add_project(ProjectSettings(title="reads"), created_by=1)
    (task_id,) = store.add_tasks(project.id, [NewTask(data={"text": "a"})])
    with store.transaction():
        with store.reading():
            assert store.get_task(task_id) is not None
        assert store.try_claim(task_id, 7, NOW, dt.timedelta(minutes=10))
    assert store.user_claim(project.id, 7, NOW) is not None
