"""Webhook CRUD through the facade: project-scoped, policy-checked, validated (SSRF guard,
actions, headers), 404 for what the user cannot see, 403 for what they may not change."""

from __future__ import annotations

import pytest
from svc_fixtures import ANN_A, MANAGER, REVIEWER, core, make_project

from labelcore import Forbidden, LabelCore, NotFound, ValidationError
from labelcore.net import NetPolicy
from labelcore.service import webhooks as hooks

__all__ = ["core"]


@pytest.fixture(autouse=True)
def _loopback(core: LabelCore) -> None:
    core.net_policy = NetPolicy(allow_loopback=True)

URL = "http://127.0.0.1:9/lc"  # the tests allow loopback; there is no DNS here


def test_create_list_get_update_delete(core: LabelCore) -> None:
    p = make_project(core)
    hook = core.create_webhook(
        MANAGER, p.id, url=URL, actions=["ANNOTATION_CREATED"], headers={"X-Team": "a"}
    )
    assert hook.project_id == p.id and len(hook.secret) >= 32
    assert hook.actions == frozenset({"ANNOTATION_CREATED"}) and hook.headers == {"X-Team": "a"}
    assert core.list_webhooks(MANAGER, p.id) == [hook]
    assert core.list_webhooks(MANAGER) == [hook]
    assert core.get_webhook(MANAGER, hook.id) == hook
    changed = core.update_webhook(MANAGER, hook.id, is_active=False, url=URL + "/v2")
    assert not changed.is_active and changed.url == URL + "/v2"
    assert changed.secret == hook.secret
    assert core.update_webhook(MANAGER, hook.id, url=URL + "/v2") == changed
    core.delete_webhook(MANAGER, hook.id)
    assert core.list_webhooks(MANAGER, p.id) == []
    with pytest.raises(NotFound):
        core.get_webhook(MANAGER, hook.id)


def test_webhook_url_to_private_address_is_refused_ssrf(core: LabelCore) -> None:
    p = make_project(core)
    hook = core.create_webhook(MANAGER, p.id, url=URL)
    core.net_policy = None  # the defaults: no loopback, no private or metadata addresses
    for url in ("http://127.0.0.1/x", "http://169.254.169.254/latest", "file:///etc/passwd"):
        with pytest.raises(ValidationError):
            core.create_webhook(MANAGER, p.id, url=url)
    with pytest.raises(ValidationError):
        core.update_webhook(MANAGER, hook.id, url="http://10.0.0.1/internal")
    assert core.get_webhook(MANAGER, hook.id).url == URL
    assert core.list_webhooks(MANAGER, p.id) == [hook]


def test_bad_fields_change_nothing(core: LabelCore) -> None:
    p = make_project(core)
    with pytest.raises(ValidationError):
        core.create_webhook(MANAGER, p.id, url=URL, actions=["NO_SUCH_ACTION"])
    with pytest.raises(ValidationError):
        core.create_webhook(MANAGER, p.id, url=URL, headers={"Bad\nName": "x"})
    assert core.list_webhooks(MANAGER, p.id) == []
    hook = core.create_webhook(MANAGER, p.id, url=URL)
    other = make_project(core)
    with pytest.raises(ValidationError):
        core.update_webhook(MANAGER, hook.id, project_id=other.id)
    assert core.get_webhook(MANAGER, hook.id).project_id == p.id


def test_only_managers_of_the_project_configure_webhooks(core: LabelCore) -> None:
    p = make_project(core)
    hook = core.create_webhook(MANAGER, p.id, url=URL)
    for user in (ANN_A, REVIEWER):
        with pytest.raises(Forbidden):
            core.create_webhook(user, p.id, url=URL)
        with pytest.raises(Forbidden):
            core.update_webhook(user, hook.id, is_active=False)
        with pytest.raises(Forbidden):
            core.delete_webhook(user, hook.id)
        assert core.list_webhooks(user) == []
    assert core.get_webhook(MANAGER, hook.id).is_active


def test_global_webhooks_are_not_reachable_through_the_facade(core: LabelCore) -> None:
    make_project(core)
    glob = hooks.create_webhook(core.store, url=URL, net_policy=core.net_policy)  # host code
    with pytest.raises(NotFound):
        core.get_webhook(MANAGER, glob.id)
    with pytest.raises(NotFound):
        core.delete_webhook(MANAGER, glob.id)
    assert core.list_webhooks(MANAGER) == []
