"""Label Studio's own Python SDK (label-studio-sdk, a test-only dependency) drives projects,
import, tasks, annotations, predictions and export against labelcore served over real HTTP:
the Flask example app, and a Django host using the Django adapter."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import label_studio_sdk
import pytest
from lc_adapter_world import make_core
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the examples package

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
</View>"""


def _serve(app: Any) -> tuple[Any, threading.Thread, int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, server.server_port


@pytest.fixture(params=["flask-example", "django"])
def sdk(request: pytest.FixtureRequest, users: Any) -> Iterator[Any]:
    if request.param == "flask-example":
        from examples.flask_app import create_app
        from examples.flask_app.seed import DEMO_USERS

        app = create_app(db_url="memory://", seed=False, secret_key="k" * 32, start_jobs=False)
        core = app.extensions["labelcore_core"]
        key = core.create_token(DEMO_USERS["alice"][1], "sdk").key
        server, thread, port = _serve(app)
    else:
        from django.core.wsgi import get_wsgi_application
        from django.test.utils import override_settings

        core = make_core()
        manager = users["a-manager"]
        key = core.create_token(manager, "sdk").key
        settings = override_settings(
            LABELCORE={
                "core": core,
                "identify": lambda r: None,
                "token_auth": lambda k: manager if core.authenticate_token(k) else None,
            }
        )
        settings.enable()
        server, thread, port = _serve(get_wsgi_application())
    try:
        yield label_studio_sdk.LabelStudio(base_url=f"http://127.0.0.1:{port}/label", api_key=key)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        if request.param == "django":
            settings.disable()
        core.close()


def test_label_studio_sdk_drives_labelcore(sdk: Any) -> None:
    project = sdk.projects.create(title="SDK project", label_config=CONFIG)
    assert project.id and project.title == "SDK project"
    assert sdk.projects.get(id=project.id).label_config == CONFIG
    sdk.projects.import_tasks(id=project.id, request=[{"text": "I love it"}, {"text": "I hate it"}])
    tasks = list(sdk.tasks.list(project=project.id))
    assert sorted(t.data["text"] for t in tasks) == ["I hate it", "I love it"]
    for task in tasks:
        choice = "Positive" if "love" in task.data["text"] else "Negative"
        result = [
            {
                "from_name": "sentiment",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [choice]},
            }
        ]
        ann = sdk.annotations.create(id=task.id, result=result, lead_time=1.0)
        assert ann.id and ann.result == result
    first = tasks[0]
    pred = sdk.predictions.create(
        task=first.id,
        score=0.25,
        model_version="m1",
        result=[
            {
                "from_name": "sentiment",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": ["Negative"]},
            }
        ],
    )
    assert pred.id and pred.model_version == "m1"
    assert [p.id for p in sdk.predictions.list(task=first.id)] == [pred.id]
    assert len(sdk.annotations.list(id=first.id)) == 1
    body = b"".join(sdk.projects.exports.download_sync(id=project.id, export_type="JSON"))
    exported = {
        t["data"]["text"]: t["annotations"][0]["result"][0]["value"]["choices"]
        for t in json.loads(body)
    }
    assert exported == {"I love it": ["Positive"], "I hate it": ["Negative"]}
    sdk.projects.delete(id=project.id)
