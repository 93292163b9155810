"""The access check's reads in one statement (``SQLStore.get_task_access`` and
``get_project_access``): what ``get_task``, ``get_project`` and ``list_members`` answer,
in one round trip instead of three."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from labelcore.model import Member, NewTask, ProjectSettings
from labelcore.storage.sql import SQLStore


@pytest.fixture()
def store(sql: SQLStore) -> SQLStore:
    """conftest's SQLStore on SQLite, then PostgreSQL."""
    return sql


def _count_statements(store: SQLStore) -> list[str]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", before)
    return seen


def test_task_access_is_the_task_its_project_and_members_in_one_statement(
    store: SQLStore,
) -> None:
    settings = ProjectSettings(title="Ünïcode 'quoted' \"title\"", maximum_annotations=3)
    made = store.add_project(settings, created_by="ann", organization="acme")
    pid = made.id
    other = store.add_project(ProjectSettings(title="other"), created_by=1).id
    (tid,) = store.add_tasks(pid, [NewTask(data={"text": "x"}, meta={"m": 1})])
    members = [
        Member(project_id=pid, user_id="b", role="reviewer"),
        Member(project_id=pid, user_id=3, role="annotator"),
        Member(project_id=pid, user_id="3", role="manager"),  # "3" is not 3
    ]
    store.set_members(pid, members)
    store.set_members(other, [Member(project_id=other, user_id=9, role="annotator")])
    seen = _count_statements(store)
    found = store.get_task_access(tid)
    assert len(seen) == 1
    assert found is not None
    task, project, got = found
    assert task == store.get_task(tid)
    assert project == store.get_project(pid) == made
    assert got == store.list_members(pid) == members
    assert [type(m.user_id) for m in got] == [str, int, str]


def test_project_access_without_members_and_missing_rows(store: SQLStore) -> None:
    project = store.add_project(ProjectSettings(title="no members"), created_by=None)
    seen = _count_statements(store)
    assert store.get_project_access(project.id) == (project, [])
    assert len(seen) == 1
    (tid,) = store.add_tasks(project.id, [NewTask(data={"text": "y"})])
    found = store.get_task_access(tid)
    assert found is not None and found[1:] == (project, [])
    assert store.get_task_access(tid + 1000) is None
    assert store.get_project_access(project.id + 1000) is None
    store.set_members(project.id, [Member(project_id=project.id, user_id=4, role="annotator")])
    assert store.get_project_access(project.id) == (
        project,
        [Member(project_id=project.id, user_id=4, role="annotator")],
    )
