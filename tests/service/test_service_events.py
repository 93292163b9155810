from __future__ import annotations

import logging
import threading

import pytest
from svc_fixtures import ANN_A, MANAGER, choice, core, make_project

from labelcore import LabelCore, ValidationError
from labelcore.service import Event, EventBus

__all__ = ["core"]


def test_events_arrive_after_commit_with_serialized_objects(core: LabelCore) -> None:
    seen: list[Event] = []
    in_tx: list[bool] = []
    store = core.store

    def hook(event: Event) -> None:
        seen.append(event)
        # another thread can read the row: the transaction has ended (MemoryStore holds its
        # lock for a whole transaction, so a hook run inside it would block this read)
        if event.name == "annotation.created":
            found: list[object] = []
            reader = threading.Thread(
                target=lambda: found.append(store.get_annotation(event.payload["annotation"]["id"]))
            )
            reader.start()
            reader.join(5)
            in_tx.append(bool(found) and found[0] is not None)

    core.events.on("*", hook)
    p = make_project(core, 2)
    t1 = core.list_tasks(MANAGER, p.id).tasks[0].id
    a = core.submit_annotation(ANN_A, t1, choice())
    core.update_annotation(ANN_A, a.id, result=choice("Negative"))
    core.delete_annotation(ANN_A, a.id)
    core.delete_tasks(MANAGER, p.id, [t1])
    names = [e.name for e in seen]
    assert names == [
        "project.created",
        "tasks.created",
        "annotation.created",
        "annotation.updated",
        "annotations.deleted",
        "tasks.deleted",
    ]
    assert in_tx == [True]
    created = seen[2]
    assert created.project_id == p.id and created.user_id == ANN_A.id
    assert created.payload["annotation"]["result"] == choice()
    assert created.payload["task"]["id"] == t1
    assert seen[1].payload["tasks"][0]["data"] == {"text": "task 0"}
    assert seen[0].payload["project"]["title"] == "Sentiment"
    assert seen[4].payload["annotations"] == [{"id": a.id, "task": t1}]
    assert seen[5].payload["tasks"] == [{"id": t1}]


def test_failed_write_emits_nothing(core: LabelCore) -> None:
    p = make_project(core)
    seen: list[str] = []
    core.events.on("tasks.created", lambda e: seen.append(e.name))
    with pytest.raises(ValidationError):
        core.import_tasks(MANAGER, p.id, [{"text": "ok"}, {"bad": 1}])
    assert seen == []


def test_a_failing_hook_is_logged_and_never_fails_the_write(
    core: LabelCore, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(event: Event) -> None:
        raise RuntimeError("hook exploded")

    got: list[str] = []
    core.events.on("project.created", boom)
    core.events.on("project.created", lambda e: got.append(e.name))
    with caplog.at_level(logging.ERROR, logger="labelcore.events"):
        p = make_project(core)
    assert core.get_project(MANAGER, p.id) == p
    assert got == ["project.created"]
    assert "hook exploded" in caplog.text


def test_event_bus_nesting_and_unknown_names() -> None:
    bus = EventBus()
    got: list[str] = []
    bus.on("tasks.created", lambda e: got.append(e.name))
    with bus.collect():
        with bus.collect():
            bus.emit(Event(name="tasks.created", project_id=1, payload={}))
        assert got == []  # the inner block is not the outermost
    assert got == ["tasks.created"]
    with pytest.raises(ValueError):
        bus.on("task.exploded", print)
    with pytest.raises(KeyError), bus.collect():
        bus.emit(Event(name="tasks.created", project_id=1, payload={}))
        raise KeyError
    assert got == ["tasks.created"]
