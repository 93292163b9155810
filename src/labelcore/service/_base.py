"""Shared state and checks every part of the facade uses (private).

class ProjectsAPI(ServiceBase):
    def get_project(self, user, project_id):
        return self._project(user, project_id, "project.view").project
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import threading
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

import attrs

from labelcore.errors import Forbidden, NotFound, ValidationError
from labelcore.model import Annotation, Project, Task, User, UserId, utcnow
from labelcore.net import NetPolicy
from labelcore.query import (
    ANNOTATION_COLUMNS,
    PREDICTION_COLUMNS,
    Selection,
    TaskQuery,
    query_columns,
    regex_budget,
    uses_operators,
)
from labelcore.service.events import Event, EventBus
from labelcore.service.jobs import JobRunner
from labelcore.service.policy import ACTION_PHRASES, Policy
from labelcore.storage.base import QualityOfNew, Store, TaskBundle

if TYPE_CHECKING:
    from labelcore.config import LabelConfig

LookupUsers = Callable[[Collection[UserId]], Iterable[User]]
#: tasks read by id per store call when a query's regex filters were matched up front (the
#: store's own batch size, so each call is one batch)
REGEX_MATCH_CHUNK = 500


@attrs.frozen
class ProjectAccess:
    """A project the user sees, with the role they act with inside it."""

    project: Project
    role: str


@attrs.frozen
class TaskAccess:
    task: Task
    project: Project
    role: str


class ServiceBase:
    """State shared by the facade's parts; see :class:`labelcore.service.LabelCore`."""

    store: Store
    policy: Policy
    events: EventBus
    lookup_users: LookupUsers | None
    net_policy: NetPolicy | None
    jobs: JobRunner

    def _init_base(self) -> None:
        self._configs: dict[str, LabelConfig] = {}
        self._configs_lock = threading.Lock()
        # identify(): what each user looked like when last written to the directory, and when
        # what identify() last wrote to the directory: (name, email, roles, organization)
        self._seen: dict[str, tuple[tuple[str, str, frozenset[str], object], float]] = {}
        self._seen_lock = threading.Lock()

    # -- time and transactions -------------------------------------------------------------
    def _now(self) -> dt.datetime:
        return utcnow()

    @contextmanager
    def _tx(self, *, savepoints: bool = True) -> Iterator[None]:
        """One store transaction; events emitted inside are delivered after it commits.
        ``savepoints=False`` for a block that catches no store error inside (the store's
        writes then open no savepoint each; see ``Store.transaction``)."""
        if savepoints or not _takes_savepoints(type(self.store)):
            tx = self.store.transaction()
        else:
            tx = self.store.transaction(savepoints=False)
        with self.events.collect(), tx:
            yield

    def _reading(self) -> AbstractContextManager[Any]:
        """Reads that decide one thing (access checks, a queue's state) in one read
        transaction when the store offers it (``SQLStore.reading``); no writes inside."""
        reading = getattr(self.store, "reading", None)
        return nullcontext() if reading is None else reading()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Several calls as one: ``with core.atomic(): core.import_tasks(...); ...`` runs
        them in one store transaction, all or nothing, and delivers their events (webhooks)
        only once it commits, none if it rolls back (the API's multi-file import and the
        ``labelcore import`` command use it)."""
        with self._tx():
            yield

    def _settings_changed(self, project_id: int, old: Any, new: Any) -> None:
        """Called inside ``update_project``'s transaction with the old and new
        ``ProjectSettings`` (the review workflow refreshes stored quality here)."""

    def _annotations_changed(self, project_id: int, task_ids: list[int]) -> None:
        """Called inside a bulk write's transaction with the tasks whose annotations it
        changed beyond those its events name (the review workflow refreshes their stored
        quality)."""

    def _tasks_added(self, project_id: int, annotated_task_ids: list[int]) -> None:
        """Called inside an import's transaction with the new tasks that carry annotations,
        when the store did not store their quality itself (the review mixin stores their
        review state and agreement)."""

    def _new_task_quality(self, project: Project) -> QualityOfNew | None:
        """What an import hands a ``QualityImport`` store to work out the review quality
        of each new task from its annotations (the review mixin's rules); ``None``: no
        stored quality, the import calls ``_tasks_added`` instead."""
        return None

    def _emit(self, name: str, project_id: int | None, user: User | None, **payload: Any) -> None:
        self.events.emit(
            Event(
                name=name,
                project_id=project_id,
                payload=payload,
                user_id=None if user is None else user.id,
            )
        )

    # -- config ----------------------------------------------------------------------------
    def project_config(self, project: Project) -> LabelConfig:
        """The parsed labeling config of a project the caller already holds (from
        :meth:`get_project` or a listing): parsed once per config text and cached."""
        return self._config(project.settings.label_config)

    def _config(self, xml: str) -> LabelConfig:
        """The parsed config, cached by its text (configs are immutable values)."""
        from labelcore.config import parse_config

        with self._configs_lock:
            cfg = self._configs.get(xml)
        if cfg is None:
            cfg = parse_config(xml)
            with self._configs_lock:
                if len(self._configs) > 256:
                    self._configs.clear()
                self._configs[xml] = cfg
        return cfg

    def _check_result(
        self,
        project: Project,
        data: dict[str, Any],
        result: Any,
        *,
        what: str = "annotation",
        allow_empty: bool = True,
    ) -> None:
        """Raise ``ValidationError`` listing every problem of ``result`` under the config."""
        if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
            raise ValidationError(
                f"{what} result must be a list of objects", code="result.not_a_list"
            )
        if not result and not allow_empty:
            raise ValidationError(
                f"empty {what}s are disabled in this project; label something or skip the task",
                code="annotation.empty",
            )
        cfg = self._config(project.settings.label_config)
        problems: list[dict[str, Any]] = [
            {
                "field": "result" if p.region is None else f"result[{p.region}]",
                "region": p.region,
                "control": p.control,
                "code": p.code,
                "message": p.message,
            }
            for p in cfg.validate_result(result, data)
        ]
        if problems:
            raise ValidationError(
                f"invalid {what} result: " + "; ".join(p["message"] for p in problems[:10]),
                code="result.invalid",
                errors=problems,
            )

    # -- access checks ---------------------------------------------------------------------
    def _role(self, user: User, project: Project) -> str | None:
        return self.policy.project_role(user, project, self.store.list_members(project.id))

    def _require(self, role: str, action: str, what: str) -> None:
        if not self.policy.allows(role, action):
            raise Forbidden(f"your role ({role}) may not {what}", code=f"forbidden.{action}")

    def _project(self, user: User, project_id: int, action: str, what: str = "") -> ProjectAccess:
        """The project if the user sees it (else 404) and may do ``action`` (else 403)."""
        together = getattr(self.store, "get_project_access", None)  # one read (SQLStore)
        if together is not None:
            found = together(project_id)
            project = None if found is None else found[0]
            role = None if found is None else self.policy.project_role(user, *found)
        else:
            with self._reading():
                project = self.store.get_project(project_id)
                role = None if project is None else self._role(user, project)
        if project is None or role is None:
            raise NotFound(f"project {project_id} not found", code="project.not_found")
        self._require(role, action, what or ACTION_PHRASES.get(action, action))
        return ProjectAccess(project, role)

    def _task(self, user: User, task_id: int, action: str, what: str = "") -> TaskAccess:
        together = getattr(self.store, "get_task_access", None)  # one read (SQLStore)
        if together is not None:
            found = together(task_id)
            task, project = (None, None) if found is None else found[:2]
            role = None if found is None else self.policy.project_role(user, *found[1:])
        else:
            with self._reading():
                task = self.store.get_task(task_id)
                project = None if task is None else self.store.get_project(task.project_id)
                role = None if project is None else self._role(user, project)
        if task is None or project is None or role is None:
            raise NotFound(f"task {task_id} not found", code="task.not_found")
        self._require(role, action, what or ACTION_PHRASES.get(action, action))
        return TaskAccess(task, project, role)

    def _sees_annotation(self, user: User, role: str, annotation: Annotation) -> bool:
        return self.policy.allows(role, "annotations.view_all") or _same_user(
            annotation.completed_by, user.id
        )

    def _hidden_columns(self, role: str, project: Project) -> frozenset[str]:
        """Task-list columns the role may not filter or sort by in the project."""
        hidden: frozenset[str] = frozenset()
        if not self.policy.allows(role, "annotations.view_all"):
            hidden |= ANNOTATION_COLUMNS
        if not self._sees_predictions(role, project):
            hidden |= PREDICTION_COLUMNS
        return hidden

    def _check_query(self, access: ProjectAccess, query: TaskQuery | None) -> None:
        """``Forbidden`` when the query filters or sorts by a column computed from rows the
        user may not see (other users' annotations, unrevealed predictions)."""
        hidden = self._hidden_columns(access.role, access.project)
        refused = sorted(query_columns(query) & hidden) if query is not None and hidden else []
        if refused:
            raise Forbidden(
                f"your role ({access.role}) may not filter or sort by {', '.join(refused)}: "
                "these columns are computed from annotations or predictions it does not see",
                code="forbidden.query_column",
            )

    def _matched(
        self, project_id: int, query: TaskQuery | None
    ) -> Callable[[], Iterator[TaskQuery | None]]:
        """The store queries that read what ``query`` matches, in id order. A query with
        regex filters is matched here, inside one :func:`~labelcore.query.regex_budget` (a
        pattern that runs too long raises ``QueryError`` ``query.regex_timeout`` before
        anything is read or written), and the matched tasks are then read by id,
        :data:`REGEX_MATCH_CHUNK` at a time (the ids kept as 8 bytes each), without matching
        again; any other query is read as it is. Used where tasks stream past the caller
        (exports, bulk actions): the budget is time, so it bounds the matching alone."""
        if query is None or not uses_operators(query, frozenset({"regex"})):
            return lambda: iter((query,))
        with regex_budget():
            ids = array("q", self.store.task_ids(project_id, attrs.evolve(query, ordering=())))

        def chunks() -> Iterator[TaskQuery | None]:
            for i in range(0, len(ids), REGEX_MATCH_CHUNK):
                chunk = tuple(ids[i : i + REGEX_MATCH_CHUNK])
                yield TaskQuery(selection=Selection(included=chunk))

        return chunks

    def _matched_bundles(
        self, project_id: int, query: TaskQuery | None, **options: Any
    ) -> Iterator[TaskBundle]:
        """``store.iter_bundles`` of what ``query`` matches, through :meth:`_matched` (the
        regex filters matched now, under their budget)."""
        queries = self._matched(project_id, query)
        return (b for q in queries() for b in self.store.iter_bundles(project_id, q, **options))

    def _sees_predictions(self, role: str, project: Project) -> bool:
        return self.policy.allows(role, "predictions.manage") or (
            project.settings.reveal_predictions and self.policy.allows(role, "predictions.view")
        )

    def _visible_bundle(self, user: User, access: TaskAccess, bundle: TaskBundle) -> TaskBundle:
        """The bundle with only the rows the user may see: annotations per the policy,
        predictions when revealed to their role, their own drafts."""
        return TaskBundle(
            task=bundle.task,
            annotations=[
                a for a in bundle.annotations if self._sees_annotation(user, access.role, a)
            ],
            predictions=bundle.predictions
            if self._sees_predictions(access.role, access.project)
            else [],
            drafts=[d for d in bundle.drafts if _same_user(d.user_id, user.id)],
        )

    def _annotation(self, user: User, annotation_id: int) -> tuple[Annotation, TaskAccess]:
        """An annotation the user may see (404 otherwise), with its task access."""
        annotation = self.store.get_annotation(annotation_id)
        if annotation is not None:
            try:
                access = self._task(user, annotation.task_id, "project.view")
            except NotFound:
                access = None
            if access is not None and self._sees_annotation(user, access.role, annotation):
                return annotation, access
        raise NotFound(f"annotation {annotation_id} not found", code="annotation.not_found")


@functools.cache
def _takes_savepoints(kind: type[Store]) -> bool:
    """Whether a store class's ``transaction`` takes ``savepoints`` (a custom backend written
    before it did still works: its transactions keep their savepoints)."""
    try:
        return "savepoints" in inspect.signature(kind.transaction).parameters
    except (AttributeError, TypeError, ValueError):
        return False


def _same_user(a: UserId | None, b: UserId | None) -> bool:
    """Host ids compare as given; ``7`` and ``"7"`` name the same host user."""
    if a is None or b is None:
        return False
    return a == b or str(a) == str(b)


same_user = _same_user
