"""One user must not exhaust the host: the API's limits (``LabelCore(limits=Limits(...))``)
answer 429 with ``Retry-After`` and change nothing, through both adapters.

Label Studio users saw exports and imports tie up the server and ML predictions hammer the
backends (bench/reference: #5873, #5811, #4549, #6312); labelcore had request size limits
only. See ``labelcore.service.limits``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labelcore import LabelCore, Limits, Rate, TooManyRequests, User, ValidationError
from labelcore.service.limits import Limiter
from labelcore.storage.limits import MemoryLimitBackend

_ADAPTERS = Path(__file__).resolve().parent.parent / "adapters"
sys.path.insert(0, str(_ADAPTERS))
import lc_adapter_world as world  # noqa: E402  (configures Django once, as the adapter suite does)
import lc_clients  # noqa: E402

USERS = world.USERS
MANAGER, ANNOTATOR, OTHER = USERS["a-manager"], USERS["a-annotator"], USERS["b-manager"]
MANAGER2 = User(
    id="a-manager2", name="Second Manager", roles=frozenset({"manager"}), organization="a"
)


def _core(limits: Limits | None) -> LabelCore:
    lc_clients.USERS.clear()
    lc_clients.USERS.update(USERS)
    lc_clients.USERS[str(MANAGER2.id)] = MANAGER2
    return LabelCore(store="memory://", start_jobs=False, limits=limits)


def _project(core: LabelCore, tasks: int = 3) -> int:
    project = core.create_project(MANAGER, title="Project A", label_config=world.TEXT_CONFIG)
    report = core.import_tasks(MANAGER, project.id, [{"text": f"t{i}"} for i in range(tasks)])
    core.submit_annotation(MANAGER, report.task_ids[0], world.POS)
    return project.id


@pytest.fixture(params=["flask", "django"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _client(kind: str, core: LabelCore) -> Iterator[Any]:
    yield from world.make_client(kind, core)


@pytest.fixture()
def limited(adapter: str, request: pytest.FixtureRequest) -> Iterator[tuple[LabelCore, Any]]:
    """A core with the limits of the test's ``limits`` marker-free parameter, and a client."""
    core = _core(request.param)
    try:
        for client in _client(adapter, core):
            yield core, client
    finally:
        core.close()


def _refused(r: Any, code: str) -> None:
    assert r.status == 429, r
    assert r.json()["code"] == code
    assert r.json()["status_code"] == 429
    retry = r.headers["retry-after"]
    assert retry.isdigit() and int(retry) >= 1


# -- the per-user API rate ---------------------------------------------------------------------
@pytest.mark.parametrize("limited", [Limits(api_per_user=Rate(6, per=3600))], indirect=True)
def test_api_flood_gets_429(limited: tuple[LabelCore, Any]) -> None:
    core, client = limited
    client.login(MANAGER)  # the csrf-token fetch is the first request
    for _ in range(4):
        assert client.get("/api/projects").status == 200
    r = client.post("/api/projects", json={"title": "last one allowed"})
    assert r.status == 201, r
    r = client.post("/api/projects", json={"title": "refused"})
    _refused(r, "limit.api_rate")
    assert "6 per 3600 s" in r.json()["detail"]
    assert [p.project.settings.title for p in core.list_projects(MANAGER)] == ["last one allowed"]
    # per user: another user still gets through
    client.login(OTHER)
    assert client.get("/api/projects").status == 200


@pytest.mark.parametrize("limited", [Limits(api_per_user=Rate(1, per=3600))], indirect=True)
def test_forged_cross_site_requests_spend_nothing_of_the_victims_rate(
    limited: tuple[LabelCore, Any],
) -> None:
    core, client = limited
    client.login(MANAGER, fetch_csrf=False)
    for _ in range(3):  # no CSRF token: refused before the rate is counted
        assert client.post("/api/projects", json={"title": "x"}, csrf=False).status == 403
    assert client.get("/api/projects").status == 200


# -- exports -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "limited", [Limits(exports_per_user=1, exports_per_project=2)], indirect=True
)
def test_export_flood_gets_429(limited: tuple[LabelCore, Any]) -> None:
    core, client = limited
    pid = _project(core)
    client.login(MANAGER)
    url = f"/api/projects/{pid}/export?exportType=JSON"
    # sequential exports each end and give their slot back
    for _ in range(3):
        assert client.get(url).status == 200
    assert core.limiter is not None
    running = core.limiter.hold_export(MANAGER.id, pid)  # one in flight (another worker)
    _refused(client.get(url), "limit.exports")
    # the project's limit holds across users: a second user takes the second slot
    other = core.limiter.hold_export("someone-else", pid)
    client.login(MANAGER2)
    _refused(client.get(url), "limit.exports")
    other.release()
    running.release()
    client.login(MANAGER)
    r = client.get(url)
    assert r.status == 200 and r.json()[0]["annotations"]


@pytest.mark.parametrize("limited", [Limits(exports_per_project=1)], indirect=True)
def test_export_refused_for_a_foreign_project_is_404_not_429(
    limited: tuple[LabelCore, Any],
) -> None:
    core, client = limited
    pid = _project(core)
    assert core.limiter is not None
    with core.limiter.hold_export(MANAGER.id, pid):
        client.login(OTHER)  # another tenant: the project does not exist for them
        assert client.get(f"/api/projects/{pid}/export").status == 404


@pytest.mark.parametrize("limited", [Limits(exports_per_user=1)], indirect=True)
def test_head_of_an_export_does_not_keep_its_slot(limited: tuple[LabelCore, Any]) -> None:
    core, client = limited
    pid = _project(core)
    client.login(MANAGER)
    url = f"/api/projects/{pid}/export?exportType=JSON"
    for _ in range(3):
        assert client.request("HEAD", url).status == 200
    assert _slot_free(core, pid)
    assert client.get(url).status == 200


def _slot_free(core: LabelCore, pid: int) -> bool:
    assert core.limiter is not None
    try:
        core.limiter.hold_export(MANAGER.id, pid).release()
    except TooManyRequests:
        return False
    return True


def test_export_slot_is_released_when_the_client_disconnects_flask() -> None:
    core = _core(Limits(exports_per_user=1))
    try:
        pid = _project(core, tasks=50)
        (client,) = list(_client("flask", core))
        client.login(MANAGER)
        r = client.client.get(
            f"/label/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true",
            buffered=False,
        )
        assert r.status_code == 200
        next(r.response)  # the first chunk, then the client goes away
        assert not _slot_free(core, pid)
        r.close()
        assert _slot_free(core, pid)
    finally:
        core.close()


def test_export_slot_is_released_when_the_client_disconnects_django() -> None:
    core = _core(Limits(exports_per_user=1))
    try:
        pid = _project(core, tasks=50)
        for client in _client("django", core):
            client.login(MANAGER)
            r = client.client.get(
                f"/label/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true"
            )
            assert r.status_code == 200 and r.streaming
            next(iter(r.streaming_content))
            assert not _slot_free(core, pid)
            r.close()
            assert _slot_free(core, pid)
    finally:
        core.close()


# -- imports -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "limited", [Limits(import_rate_per_project=Rate(1, per=3600))], indirect=True
)
def test_import_flood_gets_429_and_imports_nothing(limited: tuple[LabelCore, Any]) -> None:
    core, client = limited
    pid = _project(core)
    client.login(ANNOTATOR)  # may not import: a 403, and no token is taken
    assert client.post(f"/api/projects/{pid}/import", json=[{"text": "x"}]).status == 403
    client.login(MANAGER)
    assert client.post(f"/api/projects/{pid}/import", json=[{"text": "one"}]).status == 201
    before = core.project_counts(MANAGER, pid).task_count
    r = client.post(f"/api/projects/{pid}/import", json=[{"text": "two"}])
    _refused(r, "limit.import_rate")
    r = client.post(f"/api/projects/{pid}/import", files={"file": (b"text\nthree\n", "tasks.csv")})
    _refused(r, "limit.import_rate")
    assert core.project_counts(MANAGER, pid).task_count == before


@pytest.mark.parametrize("limited", [Limits(imports_per_project=1)], indirect=True)
def test_concurrent_import_into_one_project_gets_429(limited: tuple[LabelCore, Any]) -> None:
    core, client = limited
    pid = _project(core)
    other = core.create_project(MANAGER, title="Project B", label_config=world.TEXT_CONFIG).id
    client.login(MANAGER)
    assert core.limiter is not None
    with core.limiter.hold_import(pid):  # an import in flight
        _refused(client.post(f"/api/projects/{pid}/import", json=[{"t": 1}]), "limit.imports")
        body = [{"task": 1, "result": world.POS}]
        _refused(client.post(f"/api/projects/{pid}/import/predictions", json=body), "limit.imports")
        # another project is not held up
        assert client.post(f"/api/projects/{other}/import", json=[{"text": "b"}]).status == 201
    assert core.project_counts(MANAGER, pid).task_count == 3
    assert client.post(f"/api/projects/{pid}/import", json=[{"text": "now"}]).status == 201


# -- ML ----------------------------------------------------------------------------------------
class _Model:
    model_version = "m1"

    def predict(self, tasks: Any, config: Any) -> list[dict[str, Any]]:
        return [{"result": world.POS, "score": 0.9} for _ in tasks]

    def fit(self, event: str, data: Any) -> dict[str, Any]:
        return {}


@pytest.mark.parametrize("limited", [Limits(ml_per_project=Rate(2, per=3600))], indirect=True)
def test_ml_calls_over_the_project_rate_get_429(limited: tuple[LabelCore, Any]) -> None:
    core, client = limited
    pid = _project(core)
    backend = core.ml.register_predictor(pid, _Model())  # type: ignore[attr-defined]
    client.login(MANAGER)
    assert client.post(f"/api/ml/{backend.id}/train").status == 200
    action = f"/api/dm/actions?id=retrieve_tasks_predictions&project={pid}"
    assert client.post(action, json={}).status == 200
    jobs = len(core.store.list_jobs())
    _refused(client.post(f"/api/ml/{backend.id}/train"), "limit.ml_rate")
    _refused(client.post(action, json={}), "limit.ml_rate")
    assert len(core.jobs.store.list_jobs()) == jobs  # type: ignore[attr-defined]


# -- configuration -----------------------------------------------------------------------------
def test_limits_are_off_by_default_and_cost_nothing() -> None:
    core = _core(None)
    try:
        assert core.limiter is None
        for client in _client("flask", core):
            assert client.web.limiter is None and client.web._api_rate is None
    finally:
        core.close()
    assert Limits().active is False
    assert _core(Limits()).limiter is None  # nothing set: nothing checked


@pytest.mark.parametrize(
    "kwargs",
    [
        {"exports_per_user": 0},
        {"exports_per_project": True},
        {"imports_per_project": 10_000},
        {"api_per_user": 600},
        {"lease_seconds": 1},
    ],
)
def test_bad_limits_say_what_is_wrong(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=f"Limits.{next(iter(kwargs))}") as exc:
        Limits(**kwargs)
    assert exc.value.code == "limits.invalid"


def test_bad_rate_says_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="Rate.per"):
        Rate(5, per=0)
    with pytest.raises(ValidationError, match="Rate.count"):
        Rate(0)


def test_django_setting_limits_goes_with_store() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test.utils import override_settings

    from labelcore_django.conf import get_web

    limits = Limits(exports_per_user=1)
    with override_settings(LABELCORE={"store": "memory://", "limits": limits}):
        web = get_web()
        assert web.limiter is not None and web.limiter.limits is limits
        web.core.close()
    with (
        override_settings(LABELCORE={"core": _core(None), "limits": limits}),
        pytest.raises(ImproperlyConfigured, match="limits"),
    ):
        get_web()
    with (
        override_settings(LABELCORE={"store": "memory://", "limits": {"exports_per_user": 1}}),
        pytest.raises(ImproperlyConfigured, match="labelcore.Limits"),
    ):
        get_web()


# -- the token bucket --------------------------------------------------------------------------
def test_rate_refills_evenly_and_says_when() -> None:
    now = [1000.0]
    limiter = Limiter(
        Limits(api_per_user=Rate(2, per=10)), MemoryLimitBackend(), clock=lambda: now[0]
    )
    limiter.check_api("u")
    limiter.check_api("u")
    with pytest.raises(TooManyRequests) as exc:
        limiter.check_api("u")
    assert exc.value.retry_after == 5 and exc.value.status == 429
    now[0] += 5.0
    limiter.check_api("u")
    with pytest.raises(TooManyRequests):
        limiter.check_api("u")
