"""Against a real ``label-studio-ml`` 1.0.9 server (older dialect) running small test models.

The server needs its own virtual environment (it pins an old Flask): ``make lsml-venv``
creates ``.venv-lsml``; ``LABELCORE_TEST_LSML_PYTHON`` may point at another interpreter.
Without it these tests skip; when ``LABELCORE_TEST_LSML_PYTHON`` is set but missing, they
fail.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ml_fakes import LOCAL, MANAGER

from labelcore import LabelCore
from labelcore.ml import MLManager
from labelcore.model import JobStatus
from labelcore.query import TaskQuery
from labelcore.service.events import Event

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

NER = (
    '<View><Labels name="label" toName="text"><Label value="Name"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)
BOXES = (
    '<View><Image name="image" value="$image"/>'
    '<RectangleLabels name="box" toName="image"><Label value="Car"/></RectangleLabels></View>'
)


def _python() -> str:
    asked = os.environ.get("LABELCORE_TEST_LSML_PYTHON")
    path = asked or str(ROOT / ".venv-lsml/bin/python")
    if not Path(path).exists():
        message = f"label-studio-ml venv not found at {path}; run `make lsml-venv`"
        if asked:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture()
def lsml(tmp_path: Path) -> Iterator[Any]:
    python = _python()
    procs: list[subprocess.Popen[str]] = []

    def start(model: str) -> str:
        env = {k: v for k, v in os.environ.items() if k != "USE_REDIS"}
        proc = subprocess.Popen(
            [python, str(HERE / "lsml_server.py"), model, str(tmp_path / f"models-{model}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "PORT <n>" once listening
        if not line.startswith("PORT "):
            pytest.fail(f"label-studio-ml server did not start: {line!r}")
        return f"http://127.0.0.1:{int(line.split()[1])}"

    yield start
    for proc in procs:
        proc.kill()  # only the servers this fixture started, by their Popen handle
        proc.wait(10)


def _wait_for(predicate: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_real_backend_keyword_ner(lsml: Any, tmp_path: Path) -> None:
    url = lsml("ner")
    with LabelCore("memory://", net_policy=LOCAL, start_jobs=False) as core:
        ml = MLManager(core)
        project = core.create_project(MANAGER, title="NER", label_config=NER)
        core.import_tasks(MANAGER, project.id, [{"text": "Ada met Bob"}, {"text": "no names"}])
        backend = ml.connect(project.id, url)
        assert backend.dialect == "legacy" and backend.model_version == "INITIAL"
        job = ml.retrieve_predictions(project.id)
        core.jobs.run_pending()
        done = core.store.get_job(job.id)
        assert done.status == JobStatus.COMPLETED, done.error
        assert done.result["predictions_created"] == 2 and done.result["problem_count"] == 0
        first = next(iter(core.store.task_ids(project.id, TaskQuery())))
        bundle = core.store.get_bundle(first)
        (prediction,) = bundle.predictions
        assert prediction.model_version == "INITIAL" and prediction.score == 0.6
        assert [r["value"]["text"] for r in prediction.result] == ["Ada", "Bob"]
        # annotation events reach /webhook; 1.0.9 trains on them (fit(tasks, workdir))
        core.events.emit(
            Event(
                name="annotation.created",
                project_id=project.id,
                payload={"annotation": {"id": 1, "result": []}, "task": {"id": first}},
            )
        )
        training = ml.start_training(project.id)
        core.jobs.run_pending()
        events = core.store.list_jobs(kind="ml.event")
        assert [j.status for j in events] == [JobStatus.COMPLETED]
        trained = core.store.get_job(training.id)
        assert trained.status == JobStatus.COMPLETED, trained.error
        assert trained.result["answer"]["via"] in ("/train", "/webhook PROJECT_UPDATED")
        models = tmp_path / "models-ner"
        assert _wait_for(lambda: any(p.name == "event.json" for p in models.rglob("*")))


def test_real_backend_fixed_boxes(lsml: Any) -> None:
    url = lsml("boxes")
    with LabelCore("memory://", net_policy=LOCAL, start_jobs=False) as core:
        ml = MLManager(core)
        project = core.create_project(MANAGER, title="Cars", label_config=BOXES)
        core.import_tasks(MANAGER, project.id, [{"image": "https://example.com/a.jpg"}])
        ml.connect(project.id, url)
        run = ml.predict_tasks(project.id)
        assert run.predictions_created == 1 and run.problem_count == 0
        (prediction,) = core.store.list_predictions(project_id=project.id)
        assert prediction.result[0]["value"]["rectanglelabels"] == ["Car"]
