"""Shared fixtures for the service tests (imported by each test module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labelcore import LabelCore, User
from labelcore.model import Project
from labelcore.storage.memory import MemoryStore

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
  </Choices>
  <Labels name="ner" toName="text">
    <Label value="PER"/>
    <Label value="ORG"/>
  </Labels>
</View>"""

MANAGER = User(id=1, name="Mia", email="mia@example.org", roles={"manager"})
REVIEWER = User(id=2, name="Rex", email="rex@example.org", roles={"reviewer"})
ANN_A = User(id=3, name="Ada", email="ada@example.org", roles={"annotator"})
ANN_B = User(id="b", name="Bo", email="bo@example.org", roles={"annotator"})
ANN_C = User(id=5, name="Cy", email="cy@example.org", roles={"annotator"})


def choice(value: str = "Positive") -> list[dict[str, Any]]:
    return [
        {
            "id": "r1",
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [value]},
        }
    ]


def span(label: str = "PER", start: int = 0, end: int = 2) -> list[dict[str, Any]]:
    return [
        {
            "id": "s1",
            "from_name": "ner",
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": end, "labels": [label]},
        }
    ]


@pytest.fixture(params=["memory", "sqlite"])
def core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LabelCore]:
    """A core on each store: every rule is checked on MemoryStore and on a SQLite file."""
    store: Any = MemoryStore() if request.param == "memory" else f"sqlite:///{tmp_path}/lc.db"
    c = LabelCore(store=store, start_jobs=False)
    for u in (MANAGER, REVIEWER, ANN_A, ANN_B, ANN_C):
        c.identify(u)
    yield c
    c.close()


def make_project(core: LabelCore, n_tasks: int = 0, **settings: Any) -> Project:
    settings.setdefault("title", "Sentiment")
    settings.setdefault("label_config", CONFIG)
    project = core.create_project(MANAGER, **settings)
    if n_tasks:
        core.import_tasks(MANAGER, project.id, [{"text": f"task {i}"} for i in range(n_tasks)])
    return project


@pytest.fixture()
def project(core: LabelCore) -> Project:
    return make_project(core, 3)
