"""/api/webhooks through both adapters: project-scoped, SSRF-checked, cross-tenant 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lc_adapter_world import make_client

from labelcore.net import NetPolicy
from labelcore.service import LabelCore

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture()
def loopback_core(users: Any) -> Iterator[LabelCore]:
    core = LabelCore(
        store="memory://",
        start_jobs=False,
        net_policy=NetPolicy(allow_loopback=True),
    )
    yield core
    core.close()


@pytest.fixture(params=["flask", "django"])
def hclient(request: pytest.FixtureRequest, loopback_core: LabelCore) -> Iterator[Any]:
    yield from make_client(request.param, loopback_core)


def _projects(core: LabelCore, users: Any) -> tuple[int, int]:
    a = core.create_project(users["a-manager"], title="Hooks A")
    b = core.create_project(users["b-manager"], title="Hooks B")
    return a.id, b.id


def test_webhook_crud_for_a_managed_project(
    hclient: Any, users: Any, loopback_core: LabelCore
) -> None:
    pa, _ = _projects(loopback_core, users)
    hclient.login(users["a-manager"])
    r = hclient.post(
        "/api/webhooks",
        json={
            "project": pa,
            "url": HOOK,
            "actions": ["ANNOTATION_CREATED"],
            "send_for_all_actions": False,
        },
    )
    assert r.status == 201, r
    hook = r.json()
    assert hook["project"] == pa and hook["secret"]
    assert "secret" not in hclient.get(f"/api/webhooks/{hook['id']}").json()
    assert [h["id"] for h in hclient.get(f"/api/webhooks?project={pa}").json()] == [hook["id"]]
    assert [h["id"] for h in hclient.get("/api/webhooks").json()] == [hook["id"]]
    r = hclient.patch(f"/api/webhooks/{hook['id']}", json={"is_active": False})
    assert r.status == 200 and r.json()["is_active"] is False
    info = hclient.get("/api/webhooks/info").json()  # Label Studio's shape: keyed by action
    assert info["ANNOTATION_CREATED"]["key"] and "organization-only" in info["ANNOTATION_CREATED"]
    project_only = hclient.get("/api/webhooks/info?organization-only=false").json()
    assert "ANNOTATION_CREATED" in project_only
    assert all(not v["organization-only"] for v in project_only.values())
    assert hclient.delete(f"/api/webhooks/{hook['id']}").status == 204
    assert hclient.get(f"/api/webhooks/{hook['id']}").status == 404


def test_webhook_to_metadata_address_is_refused(client: Any, users: Any, core: LabelCore) -> None:
    p = core.create_project(users["a-manager"], title="Hooks")
    client.login(users["a-manager"])
    r = client.post("/api/webhooks", json={"project": p.id, "url": "http://169.254.169.254/latest"})
    assert r.status == 400 and r.json()["code"] == "url.unsafe"


def test_webhook_without_project_is_refused_over_http(hclient: Any, users: Any) -> None:
    hclient.login(users["a-manager"])
    r = hclient.post("/api/webhooks", json={"url": HOOK})
    assert r.status == 400 and r.json()["code"] == "webhook.project_required"


def test_webhook_without_url_or_with_bad_fields_is_a_400(
    hclient: Any, users: Any, loopback_core: LabelCore
) -> None:
    pa, _ = _projects(loopback_core, users)
    hclient.login(users["a-manager"])
    r = hclient.post("/api/webhooks", json={"project": pa})
    assert r.status == 400 and list(r.json()["validation_errors"]) == ["url"]
    r = hclient.post("/api/webhooks", json={"project": pa, "url": HOOK, "actions": ["NOPE"]})
    assert r.status == 400
    r = hclient.post("/api/webhooks", json={"project": pa, "url": HOOK, "is_active": "yes"})
    assert r.status == 400
    assert hclient.get(f"/api/webhooks?project={pa}").json() == []


def test_annotators_cannot_configure_webhooks(
    hclient: Any, users: Any, loopback_core: LabelCore
) -> None:
    pa, _ = _projects(loopback_core, users)
    hclient.login(users["a-annotator"])
    assert hclient.post("/api/webhooks", json={"project": pa, "url": HOOK}).status == 403
    assert hclient.get(f"/api/webhooks?project={pa}").status == 403
    assert hclient.get("/api/webhooks").json() == []


def test_cve_2026_76073_foreign_webhook_ids_are_404(
    hclient: Any, users: Any, loopback_core: LabelCore
) -> None:
    from labelcore.service import webhooks

    _, pb = _projects(loopback_core, users)
    theirs = webhooks.create_webhook(
        loopback_core.store, url=HOOK, project_id=pb, net_policy=NetPolicy(allow_loopback=True)
    )
    hclient.login(users["a-manager"])
    assert hclient.get(f"/api/webhooks/{theirs.id}").status == 404
    assert hclient.patch(f"/api/webhooks/{theirs.id}", json={"url": HOOK + "2"}).status == 404
    assert hclient.delete(f"/api/webhooks/{theirs.id}").status == 404
    assert hclient.get(f"/api/webhooks?project={pb}").status == 404
    assert hclient.post("/api/webhooks", json={"project": pb, "url": HOOK}).status == 404
    assert hclient.get("/api/webhooks").json() == []
    assert loopback_core.store.get_webhook(theirs.id) == theirs
