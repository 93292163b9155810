"""In the browser: a fake ML backend's predictions flow into tasks (predict on import) and
the labeling screen shows them as pre-annotations the annotator accepts and submits."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from ml_fakes import CONFIG, LOCAL, FakeMLServer

from labelcore import LabelCore

pytestmark = pytest.mark.browser

_UI = Path(__file__).resolve().parent.parent / "ui"
sys.path.insert(0, str(_UI))
_spec = importlib.util.spec_from_file_location("lc_ui_conftest", _UI / "conftest.py")
assert _spec is not None and _spec.loader is not None
_ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ui)
watched_page = _ui.watched_page
from lc_ui_browser import login  # noqa: E402
from lc_ui_host import USERS, create_flask_app, serve  # noqa: E402


def test_predictions_show_as_preannotations(watched_page: Any) -> None:
    page = watched_page
    server = FakeMLServer()  # "good" -> pos (score 0.9), otherwise neg (0.4)
    core = LabelCore("memory://", net_policy=LOCAL, start_jobs=False)
    try:
        manager = USERS["manager"]
        project = core.create_project(
            manager, title="Predicted", label_config=CONFIG, predict_on_import=True
        )
        backend = core.ml.connect(project.id, server.url)  # type: ignore[attr-defined]
        core.import_tasks(manager, project.id, [{"text": "a good day"}])
        core.jobs.run_pending()  # predict on import
        (prediction,) = core.store.list_predictions(project_id=project.id)
        assert prediction.model_version == backend.model_version == "fake-1"
        with serve(create_flask_app(core)) as url:
            login(page, url, "annotator")
            page.goto(f"{url}/label/projects/{project.id}/label")
            page.wait_for_selector(".lc-labeling .lc-main")
            note = page.locator(".lc-prediction-note")
            note.wait_for(state="visible")
            assert "fake-1" in (note.text_content() or "")
            assert page.get_by_role("checkbox", name="pos").is_checked()
            assert not page.get_by_role("checkbox", name="neg").is_checked()
            page.keyboard.press("Control+Enter")
            page.wait_for_selector(".lc-message-ok, .lc-message-error")
            assert "lc-message-ok" in (page.locator(".lc-message").get_attribute("class") or "")
        (annotation,) = core.store.list_annotations(project_id=project.id)
        assert [r["value"] for r in annotation.result] == [{"choices": ["pos"]}]
    finally:
        core.close()
        server.close()
