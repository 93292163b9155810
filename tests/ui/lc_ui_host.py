"""A small Flask host for the end-to-end browser tests: labelcore mounted at /label, users
chosen by a cookie (the host's "login"), projects seeded for each tag family under test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from labelcore import LabelCore, User

USERS = {
    "manager": User(
        id=1, name="Mia Manager", email="mia@example.org", roles=frozenset({"manager"})
    ),
    "annotator": User(
        id=2, name="Ann Annotator", email="ann@example.org", roles=frozenset({"annotator"})
    ),
}

NER = """<View>
  <Relations><Relation value="works_at"/></Relations>
  <Labels name="label" toName="text"><Label value="PER" background="#f97316"/><Label value="ORG" background="#3b82f6"/></Labels>
  <Text name="text" value="$text"/>
</View>"""
CLASSIFY = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" required="true">
    <Choice value="Positive" hotkey="p"/><Choice value="Negative" hotkey="n"/>
  </Choices>
</View>"""
TAXONOMY = """<View>
  <Text name="text" value="$text"/>
  <Taxonomy name="tax" toName="text">
    <Choice value="Animals"><Choice value="Cat"/><Choice value="Dog"/></Choice>
    <Choice value="Plants"/>
  </Taxonomy>
</View>"""
PAIRWISE = """<View>
  <Text name="a" value="$a"/><Text name="b" value="$b"/>
  <Pairwise name="pw" toName="a,b"/>
</View>"""
RANKING = """<View>
  <List name="items" value="$items" title="Results"/>
  <Ranker name="rank" toName="items"/>
</View>"""

ITEMS = [
    {"id": "a", "title": "First", "body": "one"},
    {"id": "b", "title": "Second", "body": "two"},
]
SEED: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "NER": (
        NER,
        [{"text": "Alice works at Acme."}]
        + [{"text": f"Alice number {i} is in Paris."} for i in range(2, 6)],
    ),
    "Sentiment": (CLASSIFY, [{"text": f"Review number {i}"} for i in range(1, 46)]),
    "Taxonomy": (TAXONOMY, [{"text": "A cat."}]),
    "Pairwise": (PAIRWISE, [{"a": "Left answer", "b": "Right answer"}]),
    "Ranking": (RANKING, [{"items": ITEMS}]),
    "Predicted": (NER, [{"text": "Carol joined Initech."}]),
}


HOST_TAXONOMY = [
    {"value": "Fruit", "children": [{"value": "Apple"}, {"value": "Pear"}]},
    {"value": "Vegetable"},
]


def make_core(db_url: str) -> tuple[LabelCore, dict[str, int]]:
    core = LabelCore(db_url, start_jobs=False)
    manager = USERS["manager"]
    ids = {}
    for title, (xml, tasks) in SEED.items():
        project = core.create_project(manager, title=title, label_config=xml)
        core.import_tasks(manager, project.id, tasks)
        ids[title] = project.id
    (task,) = core.list_tasks(manager, ids["Predicted"]).tasks
    core.add_predictions(
        manager,
        ids["Predicted"],
        [
            {
                "task": task.id,
                "model_version": "ner-v1",
                "score": 0.8,
                "result": [
                    {
                        "id": "p1",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 0, "end": 5, "text": "Carol", "labels": ["PER"]},
                    }
                ],
            }
        ],
    )
    return core, ids


def create_flask_app(core: LabelCore) -> Any:
    import flask

    from labelcore_flask import LabelcoreFlask

    app = flask.Flask("lc_ui_host")
    app.config["SECRET_KEY"] = "ui-test-secret-0123456789abcdef"

    def identify(request: Any) -> User | None:
        return USERS.get(request.cookies.get("who", ""))

    LabelcoreFlask(core, identify=identify).init_app(app, url_prefix="/label")

    @app.get("/host-api/taxonomy")
    def host_taxonomy() -> Any:  # a host route a Taxonomy apiUrl can name (same origin)
        return flask.jsonify(HOST_TAXONOMY)

    return app


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
