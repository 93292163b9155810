"""Fixtures of the review tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from rv_fixtures import BROWSER_USERS, CLASSIFY, new_core

from labelcore import LabelCore
from labelcore.model import Project


@pytest.fixture()
def core() -> Iterator[LabelCore]:
    c = new_core()
    yield c
    c.close()


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
