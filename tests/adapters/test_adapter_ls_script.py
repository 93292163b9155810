"""A script written against Label Studio's REST API (requests, Token auth) runs unchanged
against the Flask example app served by a real WSGI server on 127.0.0.1 (port 0)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from examples.flask_app import create_app  # noqa: E402
from examples.flask_app.seed import DEMO_USERS  # noqa: E402

LABEL_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
</View>"""


def label_studio_script(base: str, key: str) -> dict[str, Any]:
    """What people run against Label Studio: create, import, label via next, export."""
    s = requests.Session()
    s.headers["Authorization"] = f"Token {key}"
    project = s.post(
        f"{base}/api/projects/", json={"title": "Sentiment", "label_config": LABEL_CONFIG}
    ).json()
    pid = project["id"]
    imported = s.post(
        f"{base}/api/projects/{pid}/import", json=[{"text": "I love it"}, {"text": "I hate it"}]
    ).json()
    assert imported["task_count"] == 2
    labeled = 0
    while True:
        r = s.get(f"{base}/api/projects/{pid}/next")
        if r.status_code == 404:
            break
        r.raise_for_status()
        task = r.json()
        choice = "Positive" if "love" in task["data"]["text"] else "Negative"
        result = [
            {
                "from_name": "sentiment",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [choice]},
            }
        ]
        s.post(
            f"{base}/api/tasks/{task['id']}/annotations/", json={"result": result, "lead_time": 1.5}
        ).raise_for_status()
        labeled += 1
    tasks = s.get(f"{base}/api/tasks/", params={"project": pid}).json()
    export = s.get(f"{base}/api/projects/{pid}/export", params={"exportType": "JSON"})
    export.raise_for_status()
    return {
        "labeled": labeled,
        "total": tasks["total"],
        "export": export.json(),
        "content_disposition": export.headers["Content-Disposition"],
    }


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    db = "memory://"
    try:
        import labelcore.storage.sql  # noqa: F401

        db = f"sqlite:///{tmp_path / 'demo.db'}"
    except ImportError:
        pass
    app = create_app(db_url=db, seed=True, secret_key="k" * 32, start_jobs=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/label", app
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.extensions["labelcore_core"].close()


def test_label_studio_rest_script_runs_against_flask_example(served: tuple[str, Any]) -> None:
    base, app = served
    core = app.extensions["labelcore_core"]
    key = core.create_token(DEMO_USERS["alice"][1], "script").key
    out = label_studio_script(base, key)
    assert out["labeled"] == 2 and out["total"] == 2
    assert "attachment" in out["content_disposition"]
    results = {
        t["data"]["text"]: t["annotations"][0]["result"][0]["value"]["choices"]
        for t in out["export"]
    }
    assert results == {"I love it": ["Positive"], "I hate it": ["Negative"]}


def test_example_login_flow_and_csrf_over_http(served: tuple[str, Any]) -> None:
    base, _ = served
    root = base.rsplit("/label", 1)[0]
    s = requests.Session()
    assert s.get(f"{base}/api/projects").status_code == 401
    page = s.get(f"{root}/login").text
    token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    r = s.post(
        f"{root}/login",
        data={"username": "bob", "password": "bob", "form_token": token},
        allow_redirects=False,
    )
    assert r.status_code == 302
    projects = s.get(f"{base}/api/projects").json()
    assert {p["title"] for p in projects["results"]} >= {"Demo: shapes in images"}
    # a cookie-session write without the CSRF token is refused; with it, it works
    assert s.post(f"{base}/api/tokens", json={"name": "x"}).status_code == 403
    csrf = s.get(f"{base}/api/csrf-token").json()["csrf_token"]
    r = s.post(f"{base}/api/tokens", json={"name": "x"}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 201
    # annotators may not create projects (403), and the body says why
    r = s.post(f"{base}/api/projects", json={"title": "Nope"}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 403 and json.loads(r.text)["status_code"] == 403


def test_example_seed_is_idempotent(tmp_path: Path) -> None:
    from labelcore import LabelCore

    core = LabelCore(store="memory://", start_jobs=False)
    create_app(core=core, seed=True, secret_key="k" * 32)
    create_app(core=core, seed=True, secret_key="k" * 32)
    titles = [s.project.settings.title for s in core.list_projects(DEMO_USERS["alice"][1])]
    assert sorted(titles) == sorted(set(titles)) and len(titles) == 2
    core.close()
