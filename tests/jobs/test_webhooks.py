"""Webhooks: LS payloads, signature, retries, SSRF refusal at creation and at delivery, and
a failing receiver never failing the write."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from labelcore.errors import NotFound, UnsafeURL, ValidationError
from labelcore.model import JobStatus, ProjectSettings
from labelcore.net import NetPolicy
from labelcore.service import webhooks
from labelcore.service.events import Event, EventBus
from labelcore.service.jobs import ThreadJobRunner
from lc_webhook_receiver import Receiver

LOCAL = NetPolicy(allow_loopback=True, timeout=5.0)


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _core(store: Any, policy: NetPolicy = LOCAL, **runner: Any) -> Any:
    runner.setdefault("jitter", 0.0)
    runner.setdefault("backoff", 0.0)
    core = SimpleNamespace(
        store=store, events=EventBus(), jobs=ThreadJobRunner(store, **runner), net_policy=policy
    )
    webhooks.attach(core)
    return core


def _project(store: Any) -> int:
    return int(store.add_project(ProjectSettings(title="P", label_config="<View/>"), 1).id)


@pytest.fixture()
def store() -> Any:
    from labelcore.storage.memory import MemoryStore

    s = MemoryStore()
    s.migrate()
    return s


def test_delivery_is_signed_and_has_ls_payload(store: Any, receiver: Receiver) -> None:
    core = _core(store)
    pid = _project(store)
    hook = webhooks.create_webhook(
        store, url=receiver.url, project_id=pid, net_policy=LOCAL, headers={"X-Team": "ml"}
    )
    annotation = {"id": 5, "result": [], "task": 3}
    core.events.emit(
        Event(
            name="annotation.created",
            project_id=pid,
            payload={"annotation": annotation, "task": {"id": 3}},
        )
    )
    assert core.jobs.run_pending() == 1
    (req,) = receiver.requests
    body = json.loads(req["body"])
    assert body["action"] == "ANNOTATION_CREATED"
    assert body["annotation"] == annotation
    assert body["task"] == {"id": 3}
    assert body["project"]["id"] == pid and body["project"]["title"] == "P"
    h = req["headers"]
    assert webhooks.verify_signature(hook.secret, req["body"], h["X-Labelcore-Signature"])
    assert not webhooks.verify_signature("other", req["body"], h["X-Labelcore-Signature"])
    assert h["X-Labelcore-Signature"].startswith("sha256=")
    assert abs(int(h["X-Labelcore-Timestamp"]) - time.time()) < 120
    assert h["X-Labelcore-Event"] == "ANNOTATION_CREATED"
    assert h["X-Team"] == "ml"
    assert h["Content-Type"] == "application/json"


def test_send_payload_false_sends_only_action(store: Any, receiver: Receiver) -> None:
    core = _core(store)
    pid = _project(store)
    webhooks.create_webhook(
        store, url=receiver.url, project_id=pid, send_payload=False, net_policy=LOCAL
    )
    core.events.emit(Event(name="tasks.created", project_id=pid, payload={"tasks": [{"id": 1}]}))
    core.jobs.run_pending()
    assert json.loads(receiver.requests[0]["body"]) == {"action": "TASKS_CREATED"}


def test_action_filter_and_inactive_and_org_only(store: Any, receiver: Receiver) -> None:
    core = _core(store)
    pid = _project(store)
    webhooks.create_webhook(
        store,
        url=receiver.url + "?only",
        project_id=pid,
        send_for_all_actions=False,
        actions=["TASKS_DELETED"],
        net_policy=LOCAL,
    )
    webhooks.create_webhook(
        store, url=receiver.url + "?off", project_id=pid, is_active=False, net_policy=LOCAL
    )
    webhooks.create_webhook(store, url=receiver.url + "?global", net_policy=LOCAL)
    core.events.emit(
        Event(name="project.created", project_id=pid, payload={"project": {"id": pid}})
    )
    core.events.emit(
        Event(
            name="tasks.deleted",
            project_id=pid,
            payload={"tasks": [{"id": 1, "data": {"x": 1}}, {"id": 2}]},
        )
    )
    core.jobs.run_pending()
    got = sorted((r["path"], json.loads(r["body"])["action"]) for r in receiver.requests)
    assert got == [
        ("/hook?global", "PROJECT_CREATED"),  # org-only: global hooks only
        ("/hook?global", "TASKS_DELETED"),
        ("/hook?only", "TASKS_DELETED"),
    ]
    deleted = [json.loads(r["body"]) for r in receiver.requests if r["path"] == "/hook?only"]
    assert deleted[0]["tasks"] == [{"id": 1}, {"id": 2}]  # ids only, as Label Studio sends


def test_retries_after_a_500_then_succeeds(store: Any, receiver: Receiver, clock: Any) -> None:
    core = _core(store, backoff=1.0, clock=clock)
    webhooks.create_webhook(store, url=receiver.url, net_policy=LOCAL)
    receiver.statuses = [500, 503]
    core.events.emit(Event(name="project.updated", project_id=None, payload={"project": {}}))
    (job,) = store.list_jobs(kind=webhooks.DELIVER_KIND)
    core.jobs.run_pending()
    assert store.get_job(job.id).status == JobStatus.QUEUED
    assert "HTTP 500" in store.get_job(job.id).error
    clock.advance(1)
    core.jobs.run_pending()
    clock.advance(2)
    core.jobs.run_pending()
    done = store.get_job(job.id)
    assert (done.status, done.attempts) == (JobStatus.COMPLETED, 3)
    bodies = {r["body"] for r in receiver.requests}
    deliveries = {r["headers"]["X-Labelcore-Delivery"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(bodies) == 1 and len(deliveries) == 1


def test_client_error_is_not_retried(store: Any, receiver: Receiver) -> None:
    core = _core(store)
    webhooks.create_webhook(store, url=receiver.url, net_policy=LOCAL)
    receiver.statuses = [404]
    core.events.emit(Event(name="project.updated", project_id=None, payload={"project": {}}))
    core.jobs.run_pending()
    (job,) = store.list_jobs(kind=webhooks.DELIVER_KIND)
    assert job.status == JobStatus.FAILED and "HTTP 404" in job.error
    assert len(receiver.requests) == 1


def test_failed_delivery_never_fails_or_blocks_the_write(store: Any, receiver: Receiver) -> None:
    core = _core(store, poll=0.05)
    webhooks.create_webhook(store, url=receiver.url, net_policy=LOCAL)
    receiver.gate = threading.Event()
    receiver.statuses = [500] * 10
    core.jobs.start()
    try:
        with core.events.collect(), store.transaction():  # what the service does per write
            pid = _project(store)
            core.events.emit(
                Event(name="project.updated", project_id=pid, payload={"project": {"id": pid}})
            )
        # the write returned while the receiver still holds the request (or before it came)
        assert receiver.answered == 0
        assert store.get_project(pid) is not None  # the write stands
    finally:
        receiver.gate.set()
        core.jobs.stop(timeout=5)


def test_event_handler_failure_never_fails_the_write(store: Any) -> None:
    core = _core(store)
    pid = _project(store)
    webhooks.create_webhook(store, url="http://127.0.0.1:9/", project_id=pid, net_policy=LOCAL)
    calls: list[int] = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RuntimeError("database went away")

    store.list_webhooks = broken  # the webhook hook now fails inside; the bus swallows it
    with core.events.collect(), store.transaction():
        pid2 = _project(store)
        core.events.emit(Event(name="project.updated", project_id=pid2, payload={"project": {}}))
    assert calls == [1]
    assert store.get_project(pid2) is not None


def test_ssrf_webhook_url_refused_at_creation(store: Any) -> None:
    for url in (
        "http://127.0.0.1:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://[::ffff:127.0.0.1]/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_x",
    ):
        with pytest.raises(UnsafeURL):
            webhooks.create_webhook(store, url=url)
    assert store.list_webhooks() == []
    hook = webhooks.create_webhook(store, url="http://127.0.0.1:8/", net_policy=LOCAL)
    with pytest.raises(UnsafeURL):
        webhooks.update_webhook(store, hook.id, url="http://192.168.0.1/")
    assert webhooks.get_webhook(store, hook.id).url == "http://127.0.0.1:8/"


def test_ssrf_webhook_refused_at_delivery(store: Any, receiver: Receiver) -> None:
    # created while loopback was allowed; the host then tightened the policy
    webhooks.create_webhook(store, url=receiver.url, net_policy=LOCAL)
    core = _core(store, policy=NetPolicy())
    core.events.emit(Event(name="project.updated", project_id=None, payload={"project": {}}))
    core.jobs.run_pending()
    (job,) = store.list_jobs(kind=webhooks.DELIVER_KIND)
    assert job.status == JobStatus.FAILED and job.attempts == 1  # refused, not retried
    assert "loopback" in job.error
    assert receiver.requests == []


def test_crud_validation(store: Any) -> None:
    pid = _project(store)
    hook = webhooks.create_webhook(
        store, url="http://127.0.0.1:1/x", project_id=pid, net_policy=LOCAL, secret="s3cret"
    )
    assert hook.secret == "s3cret" and hook.id > 0
    assert (
        len(webhooks.create_webhook(store, url="http://127.0.0.1:1/", net_policy=LOCAL).secret)
        >= 32
    )
    with pytest.raises(ValidationError, match="at most 10 headers"):
        webhooks.create_webhook(
            store,
            url="http://127.0.0.1:1/",
            net_policy=LOCAL,
            headers={f"X-{i}": "v" for i in range(11)},
        )
    for bad in (
        {"X-A": 1},
        {"X A": "v"},
        {"X-A": "a\r\nb"},
        {"Content-Type": "text/plain"},
        {"X-Labelcore-Signature": "forged"},
    ):
        with pytest.raises(ValidationError):
            webhooks.create_webhook(store, url="http://127.0.0.1:1/", net_policy=LOCAL, headers=bad)
    with pytest.raises(ValidationError, match="unknown webhook actions: NOPE"):
        webhooks.create_webhook(
            store, url="http://127.0.0.1:1/", net_policy=LOCAL, actions=["NOPE"]
        )
    with pytest.raises(ValidationError, match="without a project"):
        webhooks.create_webhook(
            store,
            url="http://127.0.0.1:1/",
            net_policy=LOCAL,
            project_id=pid,
            actions=["PROJECT_CREATED"],
        )
    with pytest.raises(ValidationError, match="url is required"):
        webhooks.create_webhook(store, url="", net_policy=LOCAL)
    updated = webhooks.update_webhook(
        store,
        hook.id,
        is_active=False,
        headers={"A": "b"},
        actions=["ANNOTATION_CREATED"],
        send_for_all_actions=False,
    )
    assert (updated.is_active, dict(updated.headers), updated.actions) == (
        False,
        {"A": "b"},
        frozenset({"ANNOTATION_CREATED"}),
    )
    assert [h.id for h in webhooks.list_webhooks(store, pid)] == [hook.id]
    assert len(webhooks.list_webhooks(store)) == 2
    as_json = webhooks.webhook_to_json(updated)
    assert "secret" not in as_json and as_json["project"] == pid
    assert webhooks.webhook_to_json(updated, include_secret=True)["secret"] == "s3cret"
    webhooks.delete_webhook(store, hook.id)
    with pytest.raises(NotFound):
        webhooks.delete_webhook(store, hook.id)
    with pytest.raises(NotFound):
        webhooks.get_webhook(store, hook.id)


def test_actions_list_and_batching(store: Any, receiver: Receiver) -> None:
    names = [a["action"] for a in webhooks.actions()]
    assert "ANNOTATION_CREATED" in names and "PROJECT_DELETED" in names
    core = _core(store)
    pid = _project(store)
    webhooks.create_webhook(store, url=receiver.url, project_id=pid, net_policy=LOCAL)
    tasks = [{"id": i} for i in range(webhooks.BATCH_SIZE + 5)]
    core.events.emit(Event(name="tasks.created", project_id=pid, payload={"tasks": tasks}))
    core.jobs.run_pending()
    sizes = sorted(len(json.loads(r["body"])["tasks"]) for r in receiver.requests)
    assert sizes == [5, webhooks.BATCH_SIZE]


def test_bulk_annotations_and_deleted_project_payloads() -> None:
    body = webhooks.build_payload("PROJECT_DELETED", {"project": {"id": 4, "title": "x"}})
    assert body == {"action": "PROJECT_DELETED", "project": {"id": 4}}
    body = webhooks.build_payload("ANNOTATIONS_DELETED", {"annotations": [{"id": 1}, 2]})
    assert body == {"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 1}, {"id": 2}]}
    event = Event(
        name="annotation.created",
        project_id=1,
        payload={"annotation": [{"id": 1}], "task": [{"id": 2}]},
    )
    assert webhooks._action_for(event) == "ANNOTATIONS_CREATED"


def test_attach_is_idempotent(store: Any, receiver: Receiver) -> None:
    core = _core(store)
    webhooks.attach(core)
    webhooks.create_webhook(store, url=receiver.url, net_policy=LOCAL)
    core.events.emit(Event(name="project.updated", project_id=None, payload={"project": {}}))
    assert core.jobs.run_pending() == 1


def test_labelcore_facade_delivers_webhooks(receiver: Receiver) -> None:
    from labelcore import User
    from labelcore.service import LabelCore

    core = LabelCore("memory://", net_policy=LOCAL, start_jobs=False)
    manager = User(id=1, roles=frozenset({"manager"}))
    webhooks.create_webhook(core.store, url=receiver.url, net_policy=LOCAL)
    xml = '<View><Text name="t" value="$text"/></View>'
    project = core.create_project(manager, title="Hooks", label_config=xml)
    core.import_tasks(manager, project.id, [{"text": "a"}, {"text": "b"}])
    assert core.jobs.run_pending() == 2
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert [b["action"] for b in bodies] == ["PROJECT_CREATED", "TASKS_CREATED"]
    assert bodies[0]["project"]["title"] == "Hooks"
    assert [t["data"] for t in bodies[1]["tasks"]] == [{"text": "a"}, {"text": "b"}]
    assert bodies[1]["project"]["id"] == project.id
    core.close()


def test_big_import_event_loads_tasks_at_delivery(store: Any, receiver: Receiver) -> None:
    from labelcore.model import NewTask

    core = _core(store)
    pid = _project(store)
    ids = store.add_tasks(pid, [NewTask(data={"n": i}) for i in range(webhooks.BATCH_SIZE + 2)])
    webhooks.create_webhook(store, url=receiver.url, project_id=pid, net_policy=LOCAL)
    # what the service emits for an import too big to carry the tasks themselves
    core.events.emit(
        Event(name="tasks.created", project_id=pid, payload={"task_ids": ids, "count": len(ids)})
    )
    assert core.jobs.run_pending() == 2
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert sorted(len(b["tasks"]) for b in bodies) == [2, webhooks.BATCH_SIZE]
    assert all("task_ids" not in b and "count" not in b for b in bodies)
    sent = sorted(t["id"] for b in bodies for t in b["tasks"])
    assert sent == sorted(ids)
    assert bodies[0]["tasks"][0]["data"] == {"n": 0}
