"""The project list reads the members of every project it shows at once: its statements do
not grow with the number of projects (it made one ``list_members`` per project)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from labelcore import LabelCore, User

MANAGER = User(id=1, name="Mia", roles={"manager"})
ADA = User(id=2, name="Ada", roles={"annotator"})
BO = User(id="bo", name="Bo", roles={"annotator"})


@pytest.fixture(params=["memory://", "sqlite://"])
def core(request: pytest.FixtureRequest) -> Iterator[LabelCore]:
    c = LabelCore(store=request.param, start_jobs=False)
    yield c
    c.close()


def _projects(core: LabelCore, n: int) -> None:
    for i in range(n):
        p = core.create_project(MANAGER, title=f"Project {i}")
        if i % 3 == 0:
            core.set_members(MANAGER, p.id, {ADA.id: "reviewer"})
        elif i % 3 == 1:
            core.set_members(MANAGER, p.id, {BO.id: "annotator", ADA.id: "annotator"})


def test_the_project_list_applies_each_projects_members(core: LabelCore) -> None:
    _projects(core, 6)
    ada = {s.project.settings.title: s.role for s in core.list_projects(ADA)}
    bo = {s.project.settings.title: s.role for s in core.list_projects(BO)}
    assert ada == {f"Project {i}": ("reviewer" if i % 3 == 0 else "annotator") for i in range(6)}
    assert bo == {f"Project {i}": "annotator" for i in range(6) if i % 3}
    assert len(core.list_projects(MANAGER)) == 6


def _statements(core: LabelCore, user: User) -> int:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    engine = core.store.engine  # type: ignore[attr-defined]
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        core.list_projects(user)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def test_the_project_lists_statements_do_not_grow_with_its_projects() -> None:
    small, big = (LabelCore(store="sqlite://", start_jobs=False) for _ in range(2))
    try:
        _projects(small, 3)
        _projects(big, 30)
        for user in (MANAGER, ADA, BO):
            assert _statements(big, user) == _statements(small, user)
    finally:
        small.close()
        big.close()
