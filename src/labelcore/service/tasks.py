"""Tasks: list (data-manager queries), read with the rows the user may see, edit, delete.

page = core.list_tasks(user, project.id, TaskQuery(), PageRequest(page=1, page_size=30))
bundle = core.get_task(user, page.tasks[0].id)  # with the annotations the user may see
core.delete_tasks(manager, project.id, [bundle.task.id])
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import attrs

from labelcore.errors import NotFound, ValidationError
from labelcore.model import Annotation, Draft, Prediction, Task, User
from labelcore.query import PageRequest, TaskQuery, regex_budget
from labelcore.service._base import ServiceBase, TaskAccess
from labelcore.storage.base import (
    DataColumns,
    PredictionScore,
    PredictionScores,
    TaskBundle,
    TaskPage,
)


@attrs.frozen(kw_only=True)
class PageRows:
    """What the task list shows beside a page of tasks (:meth:`TasksAPI.page_bundles`)."""

    #: by task id: the task with the rows the user may see, as ``get_task`` gives them
    bundles: dict[int, TaskBundle]
    #: the page's tasks with a draft by anyone (what the ``draft_exists`` filter matches)
    drafted: frozenset[int]
    #: by task id: the score and model version of each prediction the user may see
    scores: dict[int, list[PredictionScore]]


class TasksAPI(ServiceBase):
    def list_tasks(
        self,
        user: User,
        project_id: int,
        query: TaskQuery | None = None,
        page: PageRequest | None = None,
        *,
        sums: bool = False,
    ) -> TaskPage:
        """One page of the project's tasks, filtered and ordered by ``query``; with ``sums``
        the page also carries ``task_totals`` of the query (``TaskPage.sums``), counted with
        its ``total``. Filtering or sorting by a column computed from rows the user may not
        see (other users' annotations, unrevealed predictions: :meth:`hidden_columns`) is
        ``Forbidden``."""
        self._check_query(self._project(user, project_id, "project.view"), query)
        with regex_budget():
            return self.store.query_tasks(
                project_id, query or TaskQuery(), page or PageRequest(), sums=sums
            )

    def page_bundles(
        self,
        user: User,
        project_id: int,
        tasks: Sequence[Task],
        *,
        prediction_results: bool = True,
    ) -> PageRows:
        """A page of the project's tasks (as :meth:`list_tasks` gave them) with the rows the
        user may see, as :meth:`get_task` gives them: their annotations, predictions and
        drafts read in one statement each, the tasks not read again. Without
        ``prediction_results`` the bundles hold no predictions and only their scores and
        model versions are read (``PageRows.scores``; a store with ``PredictionScores``
        leaves the results unread). Tasks of another project are left out. Needs
        ``project.view``."""
        access = self._project(user, project_id, "project.view")
        page = {t.id: t for t in tasks if t.project_id == project_id}
        if not page:
            return PageRows(bundles={}, drafted=frozenset(), scores={})
        anns: dict[int, list[Annotation]] = {}
        for a in self.store.list_annotations(task_ids=page):
            if a.project_id == project_id:
                anns.setdefault(a.task_id, []).append(a)
        preds: dict[int, list[Prediction]] = {}
        scores: dict[int, list[PredictionScore]] = {}
        sees = self._sees_predictions(access.role, access.project)
        if sees and not prediction_results and isinstance(self.store, PredictionScores):
            for s in self.store.prediction_scores(project_id, page):
                scores.setdefault(s.task_id, []).append(s)
        elif sees:
            for p in self.store.list_predictions(task_ids=page):
                if p.project_id == project_id:
                    scores.setdefault(p.task_id, []).append(
                        PredictionScore(
                            task_id=p.task_id, score=p.score, model_version=p.model_version
                        )
                    )
                    if prediction_results:
                        preds.setdefault(p.task_id, []).append(p)
        drafts: dict[int, list[Draft]] = {}
        drafted: set[int] = set()
        for d in self.store.list_drafts(task_ids=page):
            if d.project_id == project_id:
                drafted.add(d.task_id)
                drafts.setdefault(d.task_id, []).append(d)
        out: dict[int, TaskBundle] = {}
        for task_id, task in page.items():
            bundle = TaskBundle(
                task=task,
                annotations=anns.get(task_id, []),
                predictions=preds.get(task_id, []),
                drafts=drafts.get(task_id, []),
            )
            out[task_id] = self._visible_bundle(
                user, TaskAccess(task, access.project, access.role), bundle
            )
        return PageRows(bundles=out, drafted=frozenset(drafted), scores=scores)

    def task_totals(
        self, user: User, project_id: int, query: TaskQuery | None = None
    ) -> tuple[int, int]:
        """``(annotations, predictions)`` summed over every task ``query`` matches (Label
        Studio's ``total_annotations``/``total_predictions`` of a task list), counted by
        the store. Needs ``project.view``; hidden columns as in :meth:`list_tasks`."""
        self._check_query(self._project(user, project_id, "project.view"), query)
        with regex_budget():
            return self.store.task_totals(project_id, query or TaskQuery())

    def hidden_columns(self, user: User, project_id: int) -> frozenset[str]:
        """Task-list columns the user may not filter or sort by in the project: those
        computed from other users' annotations (without ``annotations.view_all``) and from
        predictions the project does not reveal to their role."""
        access = self._project(user, project_id, "project.view")
        return self._hidden_columns(access.role, access.project)

    def recent_tasks(self, user: User, project_id: int, limit: int = 500) -> list[int]:
        """Ids of the tasks the user annotated or skipped in the project, in the order they
        last worked on them, oldest first: the last ``limit`` of them (one bounded query).
        ``NotFound`` when the project is invisible to them. The labeling screen's "Back"
        reaches earlier sessions' work through it."""
        self._project(user, project_id, "project.view")
        return self.store.recent_task_ids(project_id, user.id, limit)

    def get_task(self, user: User, task_id: int) -> TaskBundle:
        """The task with the annotations the user may see (all for reviewers and managers,
        their own for annotators), predictions (when the project reveals them to the
        user's role) and the user's own drafts. ``NotFound`` when invisible."""
        access = self._task(user, task_id, "project.view")
        bundle = self.store.get_bundle(task_id, include_drafts=True)
        if bundle is None:
            raise NotFound(f"task {task_id} not found", code="task.not_found")
        return self._visible_bundle(user, access, bundle)

    def update_task(
        self,
        user: User,
        task_id: int,
        *,
        data: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Task:
        """Replace the task's data (checked against the config) and/or meta."""
        access = self._task(user, task_id, "tasks.update")
        problems: list[dict[str, Any]] = []
        if data is not None:
            if not isinstance(data, dict):
                raise ValidationError("task data must be a JSON object", code="task.invalid")
            cfg = self._config(access.project.settings.label_config)
            for p in cfg.check_task_data(data):
                key = p.key
                problems.append(
                    {
                        "field": f"data.{key}" if key else "data",
                        "code": p.code,
                        "message": p.message,
                    }
                )
        if meta is not None and not isinstance(meta, dict):
            problems.append(
                {"field": "meta", "code": "task.invalid", "message": "meta must be an object"}
            )
        if problems:
            raise ValidationError(
                "invalid task: " + "; ".join(p["message"] for p in problems),
                code="task.invalid",
                errors=problems,
            )
        with self._tx():
            task = self.store.update_task(task_id, data=data, meta=meta)
            if data and isinstance(self.store, DataColumns):
                self.store.add_data_columns(task.project_id, list(data))
            return task

    def data_columns(self, user: User, project_id: int) -> list[str]:
        """The top-level data keys the project's tasks hold, as imports and edits recorded
        them (Label Studio's ``all_data_columns``), sorted; empty for a store without
        ``DataColumns``. Needs ``project.view``."""
        self._project(user, project_id, "project.view")
        if not isinstance(self.store, DataColumns):
            return []
        return self.store.data_columns(project_id)

    def delete_tasks(
        self, user: User, project_id: int, task_ids: Collection[int] | None = None
    ) -> int:
        """Delete these tasks of the project (all when None) with their annotations,
        drafts and predictions; returns how many went. Emits ``tasks.deleted``."""
        self._project(user, project_id, "tasks.delete")
        with self._tx():
            if task_ids is None:
                ids = list(self.store.task_ids(project_id, TaskQuery()))
            else:
                ids = [t.id for t in self.store.get_tasks(task_ids) if t.project_id == project_id]
            deleted = self.store.delete_tasks(project_id, ids) if ids else 0
            if deleted:
                self._emit("tasks.deleted", project_id, user, tasks=[{"id": i} for i in ids])
        return deleted
