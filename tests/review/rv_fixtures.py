"""Shared fixtures for the review tests (imported by each test module)."""

from __future__ import annotations

from typing import Any

from labelcore import LabelCore, User
from labelcore.model import Project
from labelcore.storage.memory import MemoryStore

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
  </Choices>
</View>"""

MANAGER = User(id=1, name="Mia", roles={"manager"})
REVIEWER = User(id=2, name="Rex", roles={"reviewer"})
REVIEWER2 = User(id=6, name="Rue", roles={"reviewer"})
ANN_A = User(id=3, name="Ada", roles={"annotator"})
ANN_B = User(id="b", name="Bo", roles={"annotator"})
ANN_C = User(id=5, name="Cy", roles={"annotator"})


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


def new_core(store: Any = None) -> LabelCore:
    c = LabelCore(store=store if store is not None else MemoryStore(), start_jobs=False)
    for u in (MANAGER, REVIEWER, REVIEWER2, ANN_A, ANN_B, ANN_C):
        c.identify(u)
    return c


def make_project(core: LabelCore, n_tasks: int = 3, **settings: Any) -> Project:
    settings.setdefault("title", "Sentiment")
    settings.setdefault("label_config", CONFIG)
    project = core.create_project(MANAGER, **settings)
    if n_tasks:
        core.import_tasks(MANAGER, project.id, [{"text": f"task {i}"} for i in range(n_tasks)])
    return project


def task_ids(core: LabelCore, project_id: int) -> list[int]:
    return [b.task.id for b in core.store.iter_bundles(project_id)]


# -- a real Flask host (the `site` fixture): users by the "who" cookie, CSRF as shipped -------
BROWSER_USERS = {
    "manager": User(id=1, name="Mia Manager", roles=frozenset({"manager"})),
    "reviewer": User(id=2, name="Rex Reviewer", roles=frozenset({"reviewer"})),
    "annotator": User(id=3, name="Ann Annotator", roles=frozenset({"annotator"})),
}
CLASSIFY = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" required="true">
    <Choice value="Positive" hotkey="p"/><Choice value="Negative" hotkey="n"/>
  </Choices>
</View>"""


def browser_choice(value: str) -> list[dict[str, Any]]:
    return [
        {
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [value]},
        }
    ]
