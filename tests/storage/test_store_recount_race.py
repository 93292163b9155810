"""A submit that waits for its task's lock while a settings change recounts the project
counts with the rule that change committed (found in review: the submit's locking read
once brought the project's settings along, and PostgreSQL re-reads only the locked row
after a wait, so the skip was counted by the old rule)."""

from __future__ import annotations

import threading
import time

import attrs
import pytest

from labelcore.model import NewAnnotation, NewTask, ProjectSettings, SkipQueue
from labelcore.storage.sql import SQLStore

pytestmark = pytest.mark.postgres


def test_a_submit_racing_a_skip_rule_change_counts_by_the_new_rule(pg_url: str) -> None:
    store = SQLStore(pg_url)
    try:
        settings = ProjectSettings(title="race", skip_queue=SkipQueue.REQUEUE_FOR_OTHERS)
        pid = store.add_project(settings, 1).id
        (tid,) = store.add_tasks(pid, [NewTask(data={"x": 1})])  # overlap 1
        locked, go = threading.Event(), threading.Event()

        def change_rule() -> None:
            with store.transaction():
                new = attrs.evolve(settings, skip_queue=SkipQueue.IGNORE_SKIPPED)
                store.update_project(pid, new)
                store.recount_tasks(pid)  # locks the task, recounts with the new rule
                locked.set()
                go.wait(10)

        changer = threading.Thread(target=change_rule)
        changer.start()
        assert locked.wait(10)

        def skip() -> None:
            store.add_annotation(
                NewAnnotation(task_id=tid, completed_by=5, result=[], was_cancelled=True), pid
            )

        skipper = threading.Thread(target=skip)
        skipper.start()
        time.sleep(0.5)  # the submit now waits for the task's lock
        go.set()
        changer.join()
        skipper.join()
        after_race = store.get_task(tid)
        store.recount_tasks(pid)
        repaired = store.get_task(tid)
        assert repaired is not None and repaired.is_labeled  # one skip fills the only slot
        assert after_race is not None and after_race.is_labeled
    finally:
        store.close()
