"""The ML backend HTTP client against a fake label-studio-ml server on 127.0.0.1, both
dialects, plus timeouts, wrong result counts, auth and the SSRF guard."""

from __future__ import annotations

from typing import Any

import pytest
from ml_fakes import CONFIG, LOCAL, MANAGER, choice

from labelcore.errors import UnsafeURL
from labelcore.ml import MLBackendClient, MLBackendError, MLManager
from labelcore.model import JobStatus, NewAnnotation
from labelcore.net import NetPolicy
from labelcore.query import TaskQuery
from labelcore.service.events import Event


def _paths(server: Any) -> list[str]:
    return [p for p, _ in server.calls]


@pytest.mark.parametrize("dialect", ["webhook", "legacy"])
def test_connect_and_predict(
    core: Any, ml: Any, project: Any, fake_server: Any, dialect: str
) -> None:
    server = fake_server(dialect=dialect)
    backend = ml.connect(project.id, server.url, title="fake", extra_params={"k": 1})
    assert (backend.model_version, backend.dialect, backend.state) == ("fake-1", dialect, "CO")
    assert _paths(server)[:2] == ["GET /health", "/setup"]
    setup = server.calls[1][1]
    assert setup["schema"] == CONFIG and setup["extra_params"] == {"k": 1}
    assert setup["project"] == f"{project.id}.{int(project.created_at.timestamp())}"
    job = ml.retrieve_predictions(project.id)
    core.jobs.run_pending()
    done = core.store.get_job(job.id)
    assert done.status == JobStatus.COMPLETED
    assert done.result["predictions_created"] == 5
    preds = core.store.list_predictions(project_id=project.id)
    assert {p.model_version for p in preds} == {"fake-1"}
    assert sorted(p.score for p in preds) == [0.4, 0.4, 0.4, 0.9, 0.9]
    predict_calls = [b for p, b in server.calls if p == "/predict"]
    assert [len(b["tasks"]) for b in predict_calls] == [2, 2, 1]
    sent = predict_calls[0]
    assert sent["label_config"] == CONFIG and "data" in sent["tasks"][0]
    assert sent["project"] == setup["project"]


def test_training_webhook_dialect(core: Any, ml: Any, project: Any, fake_server: Any) -> None:
    server = fake_server(dialect="webhook")
    ml.connect(project.id, server.url)
    job = ml.start_training(project.id)
    core.jobs.run_pending()
    assert core.store.get_job(job.id).status == JobStatus.COMPLETED
    (body,) = [b for p, b in server.calls if p == "/webhook"]
    assert body["action"] == "START_TRAINING" and body["project"]["id"] == project.id
    assert "/train" not in _paths(server)


def test_training_legacy_dialect(core: Any, ml: Any, project: Any, fake_server: Any) -> None:
    server = fake_server(dialect="legacy")
    ml.connect(project.id, server.url)
    task_id = next(iter(core.store.task_ids(project.id, TaskQuery())))
    core.store.add_annotation(
        NewAnnotation(result=[choice("pos")], completed_by=1, task_id=task_id), project.id
    )
    job = ml.start_training(project.id)
    core.jobs.run_pending()
    assert core.store.get_job(job.id).status == JobStatus.COMPLETED
    (body,) = [b for p, b in server.calls if p == "/train"]
    assert [t["id"] for t in body["annotations"]] == [task_id]
    assert body["annotations"][0]["annotations"][0]["result"] == [choice("pos")]
    assert body["label_config"] == CONFIG
    assert core.store.get_job(job.id).result["answer"]["via"] == "/train"


def test_training_legacy_server_without_train_falls_back_to_webhook(
    core: Any, ml: Any, project: Any, fake_server: Any
) -> None:
    server = fake_server(dialect="legacy")
    server.train_broken = True  # like label-studio-ml 1.0.9 in its default mode
    ml.connect(project.id, server.url)
    task_id = next(iter(core.store.task_ids(project.id, TaskQuery())))
    core.store.add_annotation(
        NewAnnotation(result=[choice("pos")], completed_by=1, task_id=task_id), project.id
    )
    job = ml.start_training(project.id)
    core.jobs.run_pending()
    done = core.store.get_job(job.id)
    assert done.status == JobStatus.COMPLETED
    assert done.result["answer"]["via"] == "/webhook PROJECT_UPDATED"
    (body,) = [b for p, b in server.calls if p == "/webhook"]
    assert body["action"] == "PROJECT_UPDATED" and body["project"]["id"] == project.id


def test_annotation_events_forwarded_to_webhook(
    core: Any, ml: Any, project: Any, fake_server: Any
) -> None:
    server = fake_server(dialect="legacy")
    ml.connect(project.id, server.url)
    core.events.emit(
        Event(
            name="annotation.created",
            project_id=project.id,
            payload={"annotation": {"id": 9}, "task": {"id": 1}},
        )
    )
    core.jobs.run_pending()
    (body,) = [b for p, b in server.calls if p == "/webhook"]
    assert body["action"] == "ANNOTATION_CREATED"
    assert body["annotation"] == {"id": 9} and body["task"] == {"id": 1}
    assert body["project"]["id"] == project.id and body["project"]["label_config"] == CONFIG


def test_wrong_count_is_retried_one_task_at_a_time(
    core: Any, ml: Any, project: Any, fake_server: Any
) -> None:
    server = fake_server(mode="short")
    ml.connect(project.id, server.url)
    run = ml.predict_tasks(project.id)
    assert run.predictions_created == 5 and run.problem_count == 0
    sizes = [len(b["tasks"]) for p, b in server.calls if p == "/predict"]
    assert sizes == [2, 1, 1, 2, 1, 1, 1]


def test_always_wrong_count_is_reported(core: Any, ml: Any, project: Any, fake_server: Any) -> None:
    server = fake_server(mode="always_wrong")
    ml.connect(project.id, server.url)
    run = ml.predict_tasks(project.id)
    assert run.predictions_created == 0 and run.problem_count == 5
    assert {p.code for p in run.problems} == {"prediction.count"}
    assert "returned 2 results for 1 task" in run.problems[0].message
    assert all(p.model_version == "fake-1" for p in run.problems)


def test_invalid_results_from_server_are_not_stored(
    core: Any, ml: Any, project: Any, fake_server: Any
) -> None:
    server = fake_server(mode="invalid")
    ml.connect(project.id, server.url)
    run = ml.predict_tasks(project.id)
    assert run.predictions_created == 3 and run.problem_count == 2
    for p in run.problems:
        assert p.model_version == "fake-1" and "nope" in p.message
    assert len(core.store.list_predictions(project_id=project.id)) == 3


def test_server_that_times_out(core: Any, project: Any, fake_server: Any) -> None:
    server = fake_server(mode="slow")
    server.delay = 2.0
    ml = MLManager(core, batch_size=10)
    ml.connect(project.id, server.url, timeout=0.5)
    run = ml.predict_tasks(project.id)
    assert run.predictions_created == 0
    assert "timed out after 0.5 s" in run.problems[0].message
    assert ml.list_backends(project.id)[0].state == "ER"
    slow_health = fake_server(mode="slow_health")
    slow_health.delay = 2.0
    with pytest.raises(MLBackendError) as exc:
        ml.connect(project.id, slow_health.url, timeout=0.5)
    assert exc.value.code == "ml.timeout" and exc.value.status == 504


def test_basic_auth(core: Any, ml: Any, project: Any, fake_server: Any) -> None:
    server = fake_server(auth=("model", "s3cret"))
    with pytest.raises(MLBackendError, match="HTTP 401: bad credentials"):
        ml.connect(project.id, server.url)
    assert ml.list_backends(project.id) == []  # nothing stored on failure
    backend = ml.connect(project.id, server.url, basic_auth=("model", "s3cret"))
    assert backend.auth_method == "BASIC_AUTH" and "s3cret" not in str(backend.to_json())
    assert ml.predict_tasks(project.id).predictions_created == 5


def test_interactive_through_server(core: Any, ml: Any, project: Any, fake_server: Any) -> None:
    server = fake_server()
    ml.connect(project.id, server.url, is_interactive=True)
    task_id = next(iter(core.store.task_ids(project.id, TaskQuery())))
    proposal = ml.interactive(project.id, task_id, {"result": [choice("pos")]})
    assert proposal["result"] == [choice("pos")] and proposal["model_version"] == "fake-1"
    (body,) = [b for p, b in server.calls if p == "/predict"]
    assert body["params"]["context"] == {"result": [choice("pos")]}


def test_ssrf_ml_backend_url_is_refused(core: Any, project: Any, fake_server: Any) -> None:
    server = fake_server()
    core.net_policy = NetPolicy()  # the host did not allow loopback
    strict = MLManager(core)
    for url in (
        server.url,
        "http://169.254.169.254/",
        "http://[::ffff:127.0.0.1]:9090",
        "file:///etc/passwd",
        "http://2130706433:9090/",
    ):
        with pytest.raises(UnsafeURL):
            strict.connect(project.id, url)
    assert server.calls == []  # never contacted
    core.net_policy = LOCAL


def test_unhealthy_and_broken_servers(fake_server: Any) -> None:
    server = fake_server()
    client = MLBackendClient(server.url + "/nothing-here", net_policy=LOCAL)
    with pytest.raises(MLBackendError, match="HTTP 404"):
        client.health()
    with pytest.raises(MLBackendError, match="cannot connect|failed"):
        MLBackendClient("http://127.0.0.1:9", net_policy=LOCAL, timeout=2).health()
    with pytest.raises(ValueError):
        MLBackendClient(server.url, dialect="v3")


def test_manager_uses_project_config(core: Any, ml: Any, fake_server: Any) -> None:
    server = fake_server()
    other = core.create_project(MANAGER, title="Other", label_config=CONFIG)
    ml.connect(other.id, server.url)
    assert ml.predict_tasks(other.id).tasks == 0  # no tasks: nothing sent
    assert "/predict" not in _paths(server)


def test_connect_json_reconnect_and_attach(core: Any, project: Any, fake_server: Any) -> None:
    from labelcore.errors import ValidationError
    from labelcore.ml import attach

    ml = attach(core)
    assert attach(core) is ml and core.ml is ml
    server = fake_server(auth=("u", "p"))
    backend = ml.connect_json(
        project.id,
        {
            "url": server.url,
            "title": "LS",
            "auth_method": "BASIC_AUTH",
            "basic_auth_user": "u",
            "basic_auth_pass": "p",
            "extra_params": {"a": 1},
            "timeout": 5,
            "is_interactive": True,
        },
    )
    assert (backend.title, backend.timeout, backend.is_interactive) == ("LS", 5.0, True)
    assert "basic_auth_pass" not in backend.to_json()
    for bad in (
        {"url": server.url, "auth_method": "TOKEN"},
        {"url": server.url, "auth_method": "BASIC_AUTH"},
        {"url": server.url, "timeout": "soon"},
        {"url": ""},
    ):
        with pytest.raises(ValidationError):
            ml.connect_json(project.id, bad)
    server.version = "fake-2"
    again = ml.reconnect(backend.id)  # keeps the credentials it had
    assert (again.id, again.model_version) == (backend.id, "fake-2")
    with pytest.raises(MLBackendError, match="401"):
        ml.reconnect(backend.id, basic_auth=None)
    assert ml.get_backend(backend.id).model_version == "fake-2"  # unchanged on failure
    assert ml.predict_tasks(project.id).predictions_created == 5
