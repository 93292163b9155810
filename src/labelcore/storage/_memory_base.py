"""Plumbing of MemoryStore: tables as dicts, an undo log, ids, counters (private)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from labelcore.errors import NotFound, ValidationError
from labelcore.model import Project, SkipQueue, Task, UserId

_MISSING = object()
_TABLES = (
    "users",
    "members",
    "tokens",
    "projects",
    "tasks",
    "annotations",
    "history",
    "drafts",
    "predictions",
    "claims",
    "assignments",
    "views",
    "webhooks",
    "ml_backends",
    "jobs",
    "file_uploads",
    "upload_content",
    "inner",
    "data_columns",
)


def jcopy(value: Any, what: str) -> Any:
    """A deep copy through JSON: what a database would store and give back."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what} is not valid JSON: {exc}", code="store.json") from exc


def uid_key(user_id: UserId | None) -> tuple[str, str] | None:
    """Dict key keeping 7 and "7" apart."""
    return None if user_id is None else (type(user_id).__name__, str(user_id))


class MemoryBase:
    """Tables, the lock, the undo log and the helpers every MemoryStore part uses."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._undo: list[tuple[dict[Any, Any], Any, Any]] | None = None
        self._t: dict[str, dict[Any, Any]] = {name: {} for name in _TABLES}
        self._seq: dict[str, int] = {}
        self._closed = False

    # -- plumbing ---------------------------------------------------------------------------
    def _next_id(self, table: str) -> int:
        self._seq[table] = self._seq.get(table, 0) + 1
        return self._seq[table]

    def _put(self, table: str, key: Any, value: Any) -> None:
        rows = self._t[table]
        if self._undo is not None:
            self._undo.append((rows, key, rows.get(key, _MISSING)))
        rows[key] = value

    def _del(self, table: str, key: Any) -> bool:
        rows = self._t[table]
        if key not in rows:
            return False
        if self._undo is not None:
            self._undo.append((rows, key, rows[key]))
        del rows[key]
        return True

    @contextmanager
    def transaction(self, *, savepoints: bool = True) -> Iterator[None]:
        # undoing one call is a mark in the undo list here: no cost to save by savepoints=False
        with self._lock:
            if self._closed:
                raise RuntimeError("store is closed")
            outer = self._depth == 0
            if outer:
                self._undo = []
            assert self._undo is not None
            mark = len(self._undo)  # a failing inner block undoes only itself (a savepoint)
            self._depth += 1
            try:
                yield
            except BaseException:
                undo = self._undo
                for rows, key, old in reversed(undo[mark:]):
                    if old is _MISSING:
                        rows.pop(key, None)
                    else:
                        rows[key] = old
                del undo[mark:]
                raise
            finally:
                self._depth -= 1
                if outer:
                    self._undo = None

    def migrate(self) -> None:
        """Nothing to create: tables are dicts."""

    def close(self) -> None:
        with self._lock:
            self._closed = True

    def _require_project(self, project_id: int) -> Project:
        project: Project | None = self._t["projects"].get(project_id)
        if project is None:
            raise NotFound(f"project {project_id} does not exist", code="project.not_found")
        return project

    def _require_task(self, task_id: int) -> Task:
        task: Task | None = self._t["tasks"].get(task_id)
        if task is None:
            raise NotFound(f"task {task_id} does not exist", code="task.not_found")
        return task

    def _recount(self, task_id: int) -> None:
        task = self._t["tasks"][task_id]
        project = self._t["projects"][task.project_id]
        anns = [a for a in self._t["annotations"].values() if a.task_id == task_id]
        ignore_skipped = project.settings.skip_queue == SkipQueue.IGNORE_SKIPPED
        completers = {
            uid_key(a.completed_by) for a in anns if ignore_skipped or not a.was_cancelled
        }
        updated = attrs.evolve(
            task,
            total_annotations=sum(not a.was_cancelled for a in anns),
            cancelled_annotations=sum(a.was_cancelled for a in anns),
            total_predictions=sum(p.task_id == task_id for p in self._t["predictions"].values()),
            is_labeled=len(completers) >= task.overlap,
            completed_at=max((a.created_at for a in anns), default=None),
        )
        if updated != task:
            self._put("tasks", task_id, updated)
