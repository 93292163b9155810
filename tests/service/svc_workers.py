"""Worker functions for the multi-process next-task tests (importable by spawned children)."""

from __future__ import annotations

from labelcore import LabelCore, User


def label_until_done(url: str, project_id: int, user_id: int) -> list[int]:
    """Take and submit tasks until next_task has nothing left; the task ids labeled."""
    core = LabelCore(store=url, start_jobs=False, migrate=False)
    user = User(id=user_id, roles={"annotator"})
    core.identify(user)
    labeled: list[int] = []
    try:
        while (bundle := core.next_task(user, project_id)) is not None:
            core.submit_annotation(
                user, bundle.task.id, [], unique_id=f"{user_id}:{bundle.task.id}"
            )
            labeled.append(bundle.task.id)
    finally:
        core.close()
    return labeled
