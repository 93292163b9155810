"""Review events and Label Studio webhooks: created, updated, deleted, delivered for real to
a local receiver; PATCH/DELETE /api/annotation-reviews/{id} within the role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rv_fixtures import ANN_A, CONFIG, MANAGER, REVIEWER, REVIEWER2, choice, task_ids

from labelcore import LabelCore
from labelcore.errors import Forbidden, NotFound
from labelcore.net import NetPolicy
from labelcore.service import webhooks
from lc_webhook_receiver import Receiver


@pytest.fixture()
def hooked() -> Iterator[tuple[LabelCore, Receiver]]:
    core = LabelCore(store="memory://", start_jobs=False, net_policy=NetPolicy(allow_loopback=True))
    for u in (MANAGER, REVIEWER, REVIEWER2, ANN_A):
        core.identify(u)
    receiver = Receiver()
    yield core, receiver
    receiver.close()
    core.close()


def test_review_actions_fire_events_and_label_studio_webhooks(hooked: Any) -> None:
    core, receiver = hooked
    project = core.create_project(MANAGER, title="Hooks", label_config=CONFIG)
    core.import_tasks(MANAGER, project.id, [{"text": "x"}])
    (tid,) = task_ids(core, project.id)
    webhooks.create_webhook(
        core.store,
        url=receiver.url,
        project_id=project.id,
        send_for_all_actions=False,
        actions=["REVIEW_CREATED", "REVIEW_UPDATED", "REVIEWS_DELETED"],
        net_policy=core.net_policy,
    )
    seen: list[str] = []
    core.events.on("*", lambda e: seen.append(e.name) if e.name.startswith("review") else None)
    ann = core.submit_annotation(ANN_A, tid, choice())
    review = core.reject_annotation(REVIEWER, ann.id, comment="redo")
    core.update_review(REVIEWER, review.id, comment="redo the date")
    core.delete_review(REVIEWER, review.id)
    assert seen == ["review.created", "review.updated", "reviews.deleted"]
    core.jobs.run_pending()
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert [b["action"] for b in bodies] == ["REVIEW_CREATED", "REVIEW_UPDATED", "REVIEWS_DELETED"]
    created, updated, deleted = bodies
    assert created["review"]["id"] == review.id and created["review"]["accepted"] is False
    assert created["annotation"]["last_action"] == "rejected"
    assert updated["review"]["comment"] == "redo the date"
    assert deleted["reviews"] == [{"id": review.id}]  # Label Studio's shape
    # the withdrawn verdict no longer counts: the annotation waits for review again
    assert core.review_states(MANAGER, project.id)[1][ann.id] == "annotated"
    assert core.store.get_task_quality([tid])[tid].state == "annotated"


def test_only_the_author_or_a_manager_changes_a_review(hooked: Any) -> None:
    core, _ = hooked
    project = core.create_project(MANAGER, title="Reviews", label_config=CONFIG)
    core.import_tasks(MANAGER, project.id, [{"text": "x"}])
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice())
    review = core.accept_annotation(REVIEWER, ann.id, comment="ok")
    with pytest.raises(Forbidden):
        core.update_review(REVIEWER2, review.id, comment="mine now")
    with pytest.raises(Forbidden):
        core.delete_review(ANN_A, review.id)  # the annotator sees it but cannot withdraw it
    assert core.get_review(MANAGER, review.id).comment == "ok"
    core.update_review(MANAGER, review.id, comment="fine")
    core.delete_review(MANAGER, review.id)
    with pytest.raises(NotFound):
        core.get_review(MANAGER, review.id)


def test_review_patch_and_delete_of_an_invisible_project_are_not_found(hooked: Any) -> None:
    """A reviewer who is not a member of the project (sequential review ids) cannot change
    or withdraw its reviews: 404, the review unchanged (cross-project IDOR, LS #9796)."""
    core, _ = hooked
    project = core.create_project(MANAGER, title="Hidden", label_config=CONFIG)
    core.set_members(MANAGER, project.id, {REVIEWER.id: "reviewer", ANN_A.id: "annotator"})
    core.import_tasks(MANAGER, project.id, [{"text": "x"}])
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice())
    review = core.accept_annotation(REVIEWER, ann.id, comment="ok")
    with pytest.raises(NotFound):
        core.update_review(REVIEWER2, review.id, comment="taken over")
    with pytest.raises(NotFound):
        core.delete_review(REVIEWER2, review.id)
    assert core.get_review(MANAGER, review.id).comment == "ok"
