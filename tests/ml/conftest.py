"""Fixtures for the ML tests: a fake ML backend factory, a core, an MLManager, a project."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ml_fakes import CONFIG, LOCAL, MANAGER, FakeMLServer

from labelcore import LabelCore
from labelcore.ml import MLManager


@pytest.fixture()
def fake_server() -> Iterator[Any]:
    made: list[FakeMLServer] = []

    def make(**kw: Any) -> FakeMLServer:
        s = FakeMLServer(**kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture()
def core() -> Iterator[LabelCore]:
    c = LabelCore("memory://", net_policy=LOCAL, start_jobs=False)
    yield c
    c.close()


@pytest.fixture()
def ml(core: LabelCore) -> MLManager:
    manager: MLManager = core.ml  # type: ignore[attr-defined]  # attached by LabelCore
    manager.batch_size = 2
    return manager


@pytest.fixture()
def project(core: LabelCore) -> Any:
    p = core.create_project(MANAGER, title="Sentiment", label_config=CONFIG)
    core.import_tasks(
        MANAGER,
        p.id,
        [{"text": t} for t in ("good day", "bad day", "good food", "bad food", "meh")],
    )
    return p
