"""/api/ml through both adapters (Flask and Django) against the fake ML backend: create
(health + setup), list, get, patch, delete, train, interactive pre-annotation; managers only,
cross-tenant 404, the SSRF guard, the password never returned; the data-manager action."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ml_fakes import FakeMLServer, choice

from labelcore.model import JobStatus
from labelcore.net import NetPolicy
from labelcore.query import Selection, TaskQuery
from labelcore.service import LabelCore

_ADAPTERS = Path(__file__).resolve().parent.parent / "adapters"
sys.path.insert(0, str(_ADAPTERS))
import lc_adapter_world as adapters  # noqa: E402  (configures Django once, as the adapter suite does)
import lc_clients  # noqa: E402


def _core(net_policy: NetPolicy | None) -> LabelCore:
    lc_clients.USERS.clear()
    lc_clients.USERS.update(adapters.USERS)
    return LabelCore(
        store="memory://",
        start_jobs=False,
        net_policy=net_policy,
    )


@pytest.fixture()
def lcore() -> Iterator[LabelCore]:
    c = _core(NetPolicy(allow_loopback=True, timeout=10.0))
    yield c
    c.close()


@pytest.fixture(params=["flask", "django"])
def web(request: pytest.FixtureRequest, lcore: LabelCore) -> Iterator[Any]:
    yield from adapters.make_client(request.param, lcore)


@pytest.fixture()
def server() -> Iterator[FakeMLServer]:
    s = FakeMLServer(auth=("model", "s3cret"))
    yield s
    s.close()


def _setup(core: LabelCore) -> tuple[int, int, list[int]]:
    users, xml = adapters.USERS, adapters.TEXT_CONFIG
    a = core.create_project(users["a-manager"], title="Project A", label_config=xml)
    b = core.create_project(users["b-manager"], title="Project B", label_config=xml)
    report = core.import_tasks(
        users["a-manager"], a.id, [{"text": t} for t in ("good day", "bad day", "meh")]
    )
    return a.id, b.id, list(report.task_ids)


def _fields(server: FakeMLServer, project: int) -> dict[str, Any]:
    return {
        "url": server.url,
        "project": project,
        "title": "Fake",
        "auth_method": "BASIC_AUTH",
        "basic_auth_user": "model",
        "basic_auth_pass": "s3cret",
        "extra_params": {"lang": "en"},
        "timeout": 10,
        "is_interactive": True,
    }


def test_ml_backend_crud_train_and_interactive(
    web: Any, lcore: LabelCore, server: FakeMLServer
) -> None:
    a, _, tasks = _setup(lcore)
    web.login(adapters.USERS["a-manager"])
    made = web.post("/api/ml", json=_fields(server, a))
    assert made.status == 201, made.json()
    backend = made.json()
    assert backend["model_version"] == "fake-1" and backend["state"] == "CO"
    assert backend["basic_auth_user"] == "model" and b"s3cret" not in made.body
    setup = [body for path, body in server.calls if path == "/setup"]
    assert setup[0]["extra_params"] == {"lang": "en"}
    bid = backend["id"]
    listed = web.get(f"/api/ml?project={a}").json()
    assert [b["id"] for b in listed] == [bid] and b"s3cret" not in web.get("/api/ml").body
    assert web.get(f"/api/ml/{bid}").json()["title"] == "Fake"
    patched = web.patch(f"/api/ml/{bid}", json={"title": "Renamed", "timeout": 20})
    assert patched.status == 200, patched.json()
    assert patched.json()["title"] == "Renamed" and patched.json()["timeout"] == 20
    # the reconnect kept the stored credentials (the fake server refuses others)
    assert patched.json()["state"] == "CO"
    drawn = choice("neg")
    answer = web.post(
        f"/api/ml/{bid}/interactive-annotating",
        json={"task": tasks[0], "context": {"result": [drawn]}},
    )
    assert answer.status == 200, answer.json()
    assert answer.json()["data"]["result"][0]["value"]["choices"] == ["neg"]
    trained = web.post(f"/api/ml/{bid}/train")
    assert trained.status == 200
    lcore.jobs.run_pending()
    job = lcore.store.get_job(trained.json()["job"])
    assert job is not None and job.status == JobStatus.COMPLETED, job
    assert any(
        path == "/webhook" and body["action"] == "START_TRAINING" for path, body in server.calls
    )
    assert web.delete(f"/api/ml/{bid}").status == 204
    assert web.get(f"/api/ml/{bid}").status == 404


def test_ml_backend_unreachable_is_a_readable_400(web: Any, lcore: LabelCore) -> None:
    a, _, _ = _setup(lcore)
    web.login(adapters.USERS["a-manager"])
    gone = FakeMLServer()
    url = gone.url
    gone.close()
    answer = web.post("/api/ml", json={"url": url, "project": a})
    assert answer.status == 400
    assert "cannot connect to the ML backend" in answer.json()["detail"]
    assert web.get(f"/api/ml?project={a}").json() == []
    bad = web.post("/api/ml", json={"url": url, "project": a, "timeout": "soon"})
    assert bad.status == 400 and "timeout" in bad.json()["detail"]


def test_ml_backend_of_another_tenant_is_404(
    web: Any, lcore: LabelCore, server: FakeMLServer
) -> None:
    a, b, tasks = _setup(lcore)
    backend = lcore.ml.connect(  # type: ignore[attr-defined]
        a, server.url, basic_auth=("model", "s3cret"), is_interactive=True
    )
    web.login(adapters.USERS["b-manager"])
    for method, path in (
        ("GET", f"/api/ml/{backend.id}"),
        ("PATCH", f"/api/ml/{backend.id}"),
        ("DELETE", f"/api/ml/{backend.id}"),
        ("POST", f"/api/ml/{backend.id}/train"),
        ("POST", f"/api/ml/{backend.id}/interactive-annotating"),
    ):
        body = {} if method == "GET" else {"json": {"task": tasks[0], "title": "x"}}
        answer = web.request(method, path, **body)
        assert answer.status == 404, (method, path, answer.status)
    assert web.get("/api/ml").json() == []
    assert web.get(f"/api/ml?project={a}").status == 404
    assert web.post("/api/ml", json={"url": server.url, "project": a}).status == 404
    assert lcore.ml.get_backend(backend.id).title == backend.title  # type: ignore[attr-defined]


def test_ml_backend_needs_a_manager(web: Any, lcore: LabelCore, server: FakeMLServer) -> None:
    a, _, _ = _setup(lcore)
    web.login(adapters.USERS["a-annotator"])
    assert web.post("/api/ml", json={"url": server.url, "project": a}).status == 403
    assert web.get(f"/api/ml?project={a}").status == 403
    assert web.get("/api/ml").json() == []
    assert not [c for c in server.calls if c[0] == "/setup"]


def test_ml_backend_on_loopback_is_refused_by_default(users_core_default: Any) -> None:
    web, core, server = users_core_default
    a, _, _ = _setup(core)
    web.login(adapters.USERS["a-manager"])
    answer = web.post("/api/ml", json={"url": server.url, "project": a})
    assert answer.status == 400 and answer.json()["code"] == "url.unsafe"
    assert server.calls == []  # never contacted
    metadata = web.post("/api/ml", json={"url": "http://169.254.169.254/", "project": a})
    assert metadata.status == 400 and metadata.json()["code"] == "url.unsafe"


@pytest.fixture(params=["flask", "django"])
def users_core_default(request: pytest.FixtureRequest) -> Iterator[Any]:
    core = _core(None)  # the default NetPolicy: no loopback
    server = FakeMLServer()
    try:
        for client in adapters.make_client(request.param, core):
            yield client, core, server
    finally:
        server.close()
        core.close()


def test_retrieve_predictions_action_through_the_api(
    web: Any, lcore: LabelCore, server: FakeMLServer
) -> None:
    a, _, tasks = _setup(lcore)
    web.login(adapters.USERS["a-manager"])
    url = f"/api/dm/actions?project={a}&id=retrieve_tasks_predictions"
    none_yet = web.post(url, json={"selectedItems": {"all": True}})
    assert none_yet.status == 400 and none_yet.json()["code"] == "ml.no_backend"
    assert web.post("/api/ml", json=_fields(server, a)).status == 201
    actions = [x["id"] for x in web.get(f"/api/dm/actions?project={a}").json()]
    assert "retrieve_tasks_predictions" in actions
    answer = web.post(
        f"/api/dm/actions?project={a}&id=retrieve_tasks_predictions",
        json={"selectedItems": {"all": False, "included": tasks[:2]}},
    )
    assert answer.status == 200, answer.json()
    lcore.jobs.run_pending()
    predicted = {p.task_id for p in lcore.store.list_predictions(project_id=a)}
    assert predicted == set(tasks[:2])
    # annotators may not run it
    lcore.run_action(
        adapters.USERS["a-manager"],
        a,
        "retrieve_tasks_predictions",
        query=TaskQuery(selection=Selection(included=(tasks[2],))),
    )
    web.login(adapters.USERS["a-annotator"])
    refused = web.post(
        f"/api/dm/actions?project={a}&id=retrieve_tasks_predictions",
        json={"selectedItems": {"all": True}},
    )
    assert refused.status == 403
