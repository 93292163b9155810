"""Fixtures of the adapter suite: a LabelCore, users in two tenants, and ``client``: the same
tests run through the Flask adapter and the Django adapter (``AdapterClient``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import lc_clients
import pytest
from lc_adapter_world import NEG, POS, TEXT_CONFIG, USERS, make_client, make_core

from labelcore.model import User
from labelcore.service import LabelCore


@pytest.fixture()
def users() -> dict[str, User]:
    lc_clients.USERS.clear()
    lc_clients.USERS.update(USERS)
    return USERS


@pytest.fixture()
def core(users: dict[str, User]) -> Iterator[LabelCore]:
    c = make_core()
    yield c
    c.close()


@pytest.fixture(params=["flask", "django"])
def client(request: pytest.FixtureRequest, core: LabelCore) -> Iterator[lc_clients.AdapterClient]:
    yield from make_client(request.param, core)


@pytest.fixture()
def world(core: LabelCore, users: dict[str, User]) -> dict[str, Any]:
    """Two tenants, each with a project, tasks, an annotation, a prediction, a draft, a
    view, a token; ids are sequential across tenants, as in the IDOR reports."""
    out: dict[str, Any] = {}
    for t in ("a", "b"):
        manager = users[f"{t}-manager"]
        annotator = users[f"{t}-annotator"]
        project = core.create_project(
            manager, title=f"Project {t.upper()}", label_config=TEXT_CONFIG
        )
        report = core.import_tasks(
            manager,
            project.id,
            [{"text": f"{t} one"}, {"text": f"{t} two"}, {"text": f"{t} three"}],
        )
        task_ids = list(report.task_ids)
        ann = core.submit_annotation(manager, task_ids[0], POS)
        (pred,) = core.add_predictions(
            manager,
            project.id,
            [{"task": task_ids[0], "result": NEG, "score": 0.5, "model_version": "v1"}],
        )
        draft = core.save_draft(annotator, task_ids[1], POS)
        view = core.create_view(manager, project.id, {"title": "Tab"})
        token = core.create_token(manager, "script")
        out[t] = {
            "project": project.id,
            "tasks": task_ids,
            "task": task_ids[0],
            "annotation": ann.id,
            "prediction": pred.id,
            "draft": draft.id,
            "view": view.id,
            "token": token.token.id,
            "key": token.key,
        }
    return out

