"""ML backends survive a restart (SQLite file), and uncertainty sampling serves the tasks
the model is least sure about first, end to end: import -> predict on import -> next task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ml_fakes import CONFIG, LOCAL, MANAGER

from labelcore import LabelCore, User
from labelcore.errors import NotFound
from labelcore.ml import MLManager

ANNOTATOR = User(id=2, name="Ann", roles=frozenset({"annotator"}))


class Constant:
    model_version = "const-1"

    def predict(self, tasks: list[dict[str, Any]], config: Any) -> list[Any]:
        region = {
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["pos"]},
        }
        return [{"result": [region], "score": 0.5} for _ in tasks]


def test_ml_backends_survive_a_restart(tmp_path: Path, fake_server: Any) -> None:
    server = fake_server(auth=("model", "s3cret"))
    url = f"sqlite:///{tmp_path / 'lc.db'}"
    with LabelCore(url, net_policy=LOCAL, start_jobs=False) as core:
        ml: MLManager = core.ml  # type: ignore[attr-defined]
        project = core.create_project(MANAGER, title="Sentiment", label_config=CONFIG)
        core.import_tasks(MANAGER, project.id, [{"text": "good day"}, {"text": "bad day"}])
        http = ml.connect(project.id, server.url, basic_auth=("model", "s3cret"), title="Srv")
        local = ml.register_predictor(project.id, Constant(), title="Const")
    with LabelCore(url, net_policy=LOCAL, start_jobs=False) as core:
        ml = core.ml  # type: ignore[attr-defined]
        # the server is back with its id, auth and version; the in-process model is not
        # until the host registers it again
        assert [b.id for b in ml.list_backends(project.id)] == [http.id]
        again = ml.get_backend(http.id)
        assert again.model_version == "fake-1" and again.dialect == http.dialect
        assert "s3cret" not in str(again.to_json())
        with pytest.raises(NotFound):
            ml.predict_tasks(project.id, backend_id=local.id)
        run = ml.predict_tasks(project.id, backend_id=http.id)  # reuses the stored password
        assert run.predictions_created == 2 and run.problem_count == 0
        back = ml.register_predictor(project.id, Constant(), title="Const")
        assert back.id == local.id  # same project and title: same backend
        assert ml.predict_tasks(project.id, backend_id=local.id).predictions_created == 2
        ml.remove_backend(http.id)
    with LabelCore(url, net_policy=LOCAL, start_jobs=False) as core:
        assert core.store.list_ml_backends(project.id) == [  # only the in-process row is left
            core.store.get_ml_backend(local.id)
        ]


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_uncertainty_sampling_serves_lowest_prediction_scores_first(
    store: str, tmp_path: Path, fake_server: Any
) -> None:
    server = fake_server()  # "good" -> pos with score 0.9, else neg with score 0.4
    url = "memory://" if store == "memory" else f"sqlite:///{tmp_path / 'lc.db'}"
    with LabelCore(url, net_policy=LOCAL, start_jobs=False) as core:
        project = core.create_project(
            MANAGER,
            title="Active",
            label_config=CONFIG,
            sampling="uncertainty",
            predict_on_import=True,
        )
        core.ml.connect(project.id, server.url)  # type: ignore[attr-defined]
        texts = ["good one", "bad one", "good two", "bad two"]
        core.import_tasks(MANAGER, project.id, [{"text": t} for t in texts])
        core.jobs.run_pending()  # the predict-on-import job
        scores = {p.task_id: p.score for p in core.store.list_predictions(project_id=project.id)}
        assert sorted(scores.values()) == [0.4, 0.4, 0.9, 0.9]
        served = []
        for _ in texts:
            got = core.next_task(ANNOTATOR, project.id)
            assert got is not None and got.task is not None
            served.append(got.task.data["text"])
            core.skip_task(ANNOTATOR, got.task.id)
        assert set(served[:2]) == {"bad one", "bad two"}  # the model is least sure there
        assert set(served[2:]) == {"good one", "good two"}
