"""Fixtures of the review tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rv_fixtures import BROWSER_USERS, CLASSIFY, new_core

from labelcore import LabelCore
from labelcore.model import Project
from labelcore.storage.memory import MemoryStore
from labelcore.storage.sql import SQLStore


@pytest.fixture()
def core() -> Iterator[LabelCore]:
    c = new_core()
    yield c
    c.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store_core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LabelCore]:
    """A core on each store: memory, SQLite, PostgreSQL."""
    if request.param == "memory":
        store: Any = MemoryStore()
    elif request.param == "sqlite":
        store = SQLStore(f"sqlite:///{tmp_path / 'reads.db'}")
    else:
        store = SQLStore(request.getfixturevalue("pg_url"))
    store.migrate()
    core = new_core(store)
    yield core
    core.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LabelCore]:
    """A core on each SQL store (statement counts)."""
    url = (
        request.getfixturevalue("pg_url")
        if request.param == "postgresql"
        else f"sqlite:///{tmp_path / 'review.db'}"
    )
    core = new_core(SQLStore(url))
    yield core
    core.close()


@pytest.fixture()
def site() -> Iterator[tuple[str, LabelCore, Project]]:
    """A Flask host serving labelcore at /label on 127.0.0.1 (one sentiment task); the
    ``who`` cookie picks the user from ``BROWSER_USERS``."""
    import flask
    from werkzeug.serving import make_server

    from labelcore_flask import LabelcoreFlask

    core = LabelCore("memory://", start_jobs=False)
    users = BROWSER_USERS
    for u in users.values():
        core.identify(u)
    project = core.create_project(users["manager"], title="Sentiment", label_config=CLASSIFY)
    core.import_tasks(users["manager"], project.id, [{"text": "I love this product"}])
    app = flask.Flask("lc_review_host")
    app.config["SECRET_KEY"] = "review-test-secret-0123456789abcdef"
    LabelcoreFlask(core, identify=lambda r: users.get(r.cookies.get("who", ""))).init_app(
        app, url_prefix="/label"
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", core, project
    finally:
        server.shutdown()
        core.close()
