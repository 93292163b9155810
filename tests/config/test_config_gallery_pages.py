"""Every gallery config, worked through the pages a team uses: a task imported, annotated with
every control, predicted, reviewed; then the data manager's API, the labeling page, the
review screen, the task quick view, rejected work, statistics and every export format are
opened. None may fail on the server (a crash in one tag's drawing — an unturned box on the
review screen was a 500 — shows here). Our own gallery always; Label Studio's 69 templates
where its wheel is present (CI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gallery_results import every_control_result
from test_config_ls_gallery import TEMPLATES

from labelcore import LabelCore, User, parse_config

MANAGER = User(id=1, name="Mia", roles=frozenset({"manager"}))
ANNOTATOR = User(id=2, name="Ann", roles=frozenset({"annotator"}))
REVIEWER = User(id=3, name="Rev", roles=frozenset({"reviewer"}))
USERS = {"m": MANAGER, "a": ANNOTATOR, "r": REVIEWER}

OURS = sorted((Path(__file__).parent / "gallery").glob("*.xml"))
CONFIGS = {f"ours/{p.stem}": p.read_text() for p in OURS}
CONFIGS.update({f"ls/{name}": xml for name, xml in TEMPLATES.items()})


@pytest.fixture(scope="module")
def site() -> Any:
    import flask

    from labelcore_flask import LabelcoreFlask

    core = LabelCore(store="memory://")
    for user in USERS.values():
        core.identify(user)
    app = flask.Flask("lc_gallery_pages")
    app.config["SECRET_KEY"] = "gallery-pages-secret-0123456789"
    LabelcoreFlask(core, identify=lambda r: USERS.get(r.cookies.get("who", ""))).init_app(
        app, url_prefix="/label"
    )
    return core, app.test_client()


def _get(client: Any, who: str, url: str) -> Any:
    client.set_cookie("who", who)
    return client.get(url, headers={"Accept": "text/html"})


@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_gallery_config_through_every_page(site: Any, key: str) -> None:
    core, client = site
    xml = CONFIGS[key]
    cfg = parse_config(xml)
    project = core.create_project(MANAGER, title=key[-50:], label_config=xml)
    pid = project.id
    data = cfg.sample_task()
    tid, second = core.import_tasks(MANAGER, pid, [data, data]).task_ids
    result = every_control_result(cfg, data)
    annotation = core.submit_annotation(ANNOTATOR, tid, result)
    core.submit_annotation(MANAGER, second, result)
    core.add_predictions(
        MANAGER, pid, [{"task": tid, "result": result, "model_version": "m1", "score": 0.5}]
    )
    core.reject_annotation(REVIEWER, annotation.id, comment="again")

    failures: dict[str, int] = {}
    pages = [
        ("m", f"/label/projects/{pid}"),
        ("m", f"/label/projects/{pid}/label"),
        ("m", f"/label/projects/{pid}/settings"),
        ("m", f"/label/projects/{pid}/stats"),
        ("m", f"/label/projects/{pid}/tasks/{tid}/review"),
        ("r", f"/label/projects/{pid}/review"),
        ("r", f"/label/projects/{pid}/tasks/{tid}/review"),
        ("a", f"/label/projects/{pid}/review/rejected"),
        ("m", f"/label/api/tasks?project={pid}&page=1&page_size=30"),
        ("m", f"/label/api/tasks/{tid}"),
        ("m", f"/label/api/projects/{pid}/stats"),
    ]
    for who, url in pages:
        status = _get(client, who, url).status_code
        if status != 200:
            failures[url] = status
    formats = json.loads(_get(client, "m", f"/label/api/projects/{pid}/export/formats").data)
    assert formats, "no export formats listed"
    for fmt in formats:
        url = f"/label/api/projects/{pid}/export?exportType={fmt['name']}"
        response = _get(client, "m", url)
        # a format the config cannot fill is refused (400, as listed disabled); never a 500
        expected = 400 if fmt["disabled"] else 200
        if response.status_code != expected:
            failures[url] = response.status_code
        else:
            response.get_data()  # the streamed body is written out, so a late error shows
    assert failures == {}
