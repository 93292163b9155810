"""The Store protocol: what any labelcore storage backend must do and guarantee.

    from labelcore.storage import open_store
    store = open_store("sqlite:///labelcore.db")       # or MemoryStore(), or your own Store
    with store.transaction(): store.add_tasks(project.id, tasks)

General rules every backend guarantees (the contract suite in ``labelcore.testing`` checks them):

* **Missing ids**: ``get_*`` returns ``None``; ``update_*`` raises ``labelcore.errors.NotFound``;
  ``delete_*`` returns how many rows went (0 for missing ids) and never raises for them.
* **Transactions**: every method is atomic on its own, also inside a transaction: a call
  that raises leaves no trace, and the surrounding block can go on (it acts as a savepoint).
  ``with store.transaction():`` groups calls into one atomic unit; nested ``transaction()``
  blocks join the outermost one (an exception leaving a nested block undoes that block); an
  exception leaving the outermost block rolls everything back. In a
  ``transaction(savepoints=False)`` block the calls need not be atomic one by one (the SQL
  store then opens no savepoint per write: two round trips each on PostgreSQL), so a call
  that raises must end the block: the block as a whole is still undone.
* **Counters**: ``Task.total_annotations``, ``cancelled_annotations``, ``total_predictions``,
  ``is_labeled`` and ``completed_at`` change in the same transaction as the rows they count.
  ``is_labeled`` is true when the number of distinct ``completed_by`` among the task's
  completed annotations is at least ``Task.overlap``; completed means not ``was_cancelled``,
  or any annotation when the project's ``skip_queue`` is ``ignore_skipped``.
* **Cascades**: deleting a project deletes its tasks, members, views, webhooks, ML backends,
  jobs and file uploads; deleting a task deletes its annotations (with history), drafts,
  predictions, claims and assignments.
* **Ordering**: lists come back in id order unless a method says otherwise.
* **User ids** are stored so that ``7`` and ``"7"`` come back as given (int stays int).
* **Timestamps** are timezone-aware UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol, runtime_checkable

import attrs

from labelcore.model import (
    Annotation,
    AnnotationReview,
    AnnotationVersion,
    ApiToken,
    Claim,
    DirectoryUser,
    Draft,
    FileUpload,
    Job,
    JobStatus,
    Member,
    MLBackendRecord,
    NewAnnotation,
    NewPrediction,
    NewTask,
    Prediction,
    Project,
    ProjectCounts,
    ProjectSettings,
    ResultList,
    Task,
    User,
    UserId,
    View,
    Webhook,
)
from labelcore.query import PageRequest, TaskQuery


@attrs.frozen(kw_only=True)
class TaskPage:
    """One page of a task list: ``total`` is exact for the whole filtered set; ``sums``
    (asked for with ``query_tasks(..., sums=True)``) is ``(annotations, predictions)`` summed
    over that set, as ``Store.task_totals`` gives them."""

    tasks: list[Task]
    total: int
    next_cursor: str | None = None
    sums: tuple[int, int] | None = None


@attrs.frozen(kw_only=True)
class TaskBundle:
    """A task with its rows, as exports and the labeling screen need them."""

    task: Task
    annotations: list[Annotation]
    predictions: list[Prediction]
    drafts: list[Draft] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class TaskQuality:
    """What the review workflow derives for a task and stores for data-manager queries: its
    review ``state``, its inter-annotator ``agreement`` (``None`` without two annotators) and
    the review state of each of its annotations (``annotation id -> state``)."""

    task_id: int
    state: str
    agreement: float | None = None
    annotation_states: dict[int, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class NewTaskQuality:
    """The ``TaskQuality`` of a task being imported, worked out from the annotations it comes
    with (none has a review yet): its ``state``, ``agreement`` and the state of each of its
    annotations in the order the task gives them (their ids are not known yet)."""

    state: str
    agreement: float | None = None
    annotation_states: tuple[str, ...] = ()


#: what ``QualityImport.add_tasks_with_quality`` calls for each new task with annotations
#: (its annotations, in order): the review workflow's rules, so the store need not know them
QualityOfNew = Callable[[Sequence[Annotation | NewAnnotation]], NewTaskQuality]


@attrs.frozen(kw_only=True)
class AnnotatorTotals:
    """One ``completed_by`` value's annotations in a project (as stored: ``7`` and ``"7"``
    are two rows): completed (not skipped) ones, skips, and the median ``lead_time`` of the
    completed ones (``None`` without any), as ``statistics.median`` gives it."""

    completed_by: UserId | None
    annotations: int
    skipped: int
    median_lead_time: float | None


@attrs.frozen(kw_only=True)
class AnnotationTotals:
    """The counts of a project's statistics page, aggregated where the rows are: tasks,
    labeled tasks, the median ``lead_time`` of every completed annotation, completed
    annotations per UTC day of ``created_at`` (day order) and per annotator (in the order
    of their stored ids)."""

    tasks: int
    labeled_tasks: int
    median_lead_time: float | None
    per_day: tuple[tuple[dt.date, int], ...]
    annotators: tuple[AnnotatorTotals, ...]


@runtime_checkable
class StatisticsReads(Protocol):
    """Optional reads a Store may add so project statistics and agreement cost aggregates
    instead of a walk over every task (``SQLStore`` and ``MemoryStore`` have them; the
    review service walks ``iter_bundles`` when a store has not)."""

    def annotation_totals(self, project_id: int) -> AnnotationTotals:
        """The project's ``AnnotationTotals`` in a few aggregate statements."""
        ...

    def iter_results(self, project_id: int, *, batch_size: int = 1000) -> Iterator[ResultList]:
        """The ``result`` of every completed (not skipped) annotation of the project, a
        bounded batch at a time; empty results may be left out."""
        ...

    def iter_compared_tasks(
        self, project_id: int, *, batch_size: int = 1000
    ) -> Iterator[tuple[int, list[Annotation]]]:
        """``(task id, its annotations in id order)`` for every task of the project with
        two or more completed annotations (``total_annotations > 1``), in task id order,
        a bounded batch at a time: the tasks agreement compares."""
        ...


class AnnotationHead(NamedTuple):
    """An annotation without its result: what its review state is worked out from (with
    its reviews) and who may see it. A named tuple, not an attrs class: a whole project's
    review states make one per annotation (a third of the time of an attrs instance)."""

    id: int
    task_id: int
    completed_by: UserId | None
    was_cancelled: bool
    version: int


#: one task's review inputs: ``(task id, its annotations' heads, their reviews)``, both in
#: id order (empty sequences for a task without annotations or reviews)
TaskReviewRows = tuple[int, Sequence[AnnotationHead], Sequence[AnnotationReview]]


@runtime_checkable
class ReviewReads(Protocol):
    """Optional reads a Store may add so a whole project's review states and agreement's
    annotator list cost what they return (``SQLStore`` and ``MemoryStore`` have them; the
    review service reads whole annotations a batch of tasks at a time, and the annotators
    from ``annotation_totals`` or a walk, when a store has not)."""

    def iter_review_rows(
        self, project_id: int, *, after: int = 0, limit: int | None = None
    ) -> Iterator[TaskReviewRows]:
        """``TaskReviewRows`` of each task of the project with an id above ``after``, in task
        id order (the first ``limit`` of them when given), a bounded batch of tasks at a
        time, each batch read as one snapshot; no annotation's result is read."""
        ...

    def completed_annotators(self, project_id: int) -> list[UserId | None]:
        """The distinct ``completed_by`` values (``7`` and ``"7"`` apart, ``None`` when an
        annotation has no author) that have at least one completed (not skipped) annotation
        in the project, in any order; without a pass over the project's annotations."""
        ...


@runtime_checkable
class QualityImport(Protocol):
    """An optional write a Store may add so an import of annotated tasks (a Label Studio
    export brought over) stores their review quality as it writes their annotations,
    instead of the service reading the annotations back and calling ``set_task_quality``
    (``SQLStore`` and ``MemoryStore`` have it; ``StoreContract`` checks it when a store has)."""

    def add_tasks_with_quality(
        self, project_id: int, tasks: Iterable[NewTask], quality: QualityOfNew
    ) -> list[int]:
        """``add_tasks``, and in the same transaction, for each new task that comes with
        annotations, the row ``set_task_quality`` would store for ``quality(annotations)``:
        ``TaskQuality(task_id, state, agreement, {annotation id: state})`` with the k-th
        annotation state given to the task's k-th annotation. ``quality`` may be called with
        the ``NewAnnotation`` objects or with the stored ``Annotation`` rows."""
        ...


@attrs.frozen(kw_only=True)
class PredictionScore:
    """What the task list's prediction columns show of one prediction: its task, ``score``
    and ``model_version``, read without its ``result``."""

    task_id: int
    score: float | None
    model_version: str


@runtime_checkable
class PredictionScores(Protocol):
    """An optional read a Store may add so a page of the task list shows its prediction
    columns without reading and decoding every prediction's result (``SQLStore`` and
    ``MemoryStore`` have it; the service reads ``list_predictions`` when a store has not)."""

    def prediction_scores(
        self, project_id: int, task_ids: Collection[int]
    ) -> list[PredictionScore]:
        """The ``PredictionScore`` of every prediction of these tasks of the project, in
        prediction id order."""
        ...


#: the longest data key the data manager lists as a column (longer keys are still stored
#: and filtered on, by name)
MAX_DATA_COLUMN = 255


@runtime_checkable
class DataColumns(Protocol):
    """An optional record a Store may add of the top-level keys its projects' tasks hold
    (Label Studio's ``all_data_columns``): the data manager offers a column for each, also
    for keys the labeling config does not read (``SQLStore`` and ``MemoryStore`` have it;
    without it the data manager lists the config's keys alone)."""

    def add_data_columns(self, project_id: int, keys: Collection[str]) -> None:
        """Remember these keys for the project (keys already known, and keys longer than
        ``MAX_DATA_COLUMN``, are left as they are); in the caller's transaction."""
        ...

    def data_columns(self, project_id: int) -> list[str]:
        """The project's remembered keys, sorted."""
        ...


@runtime_checkable
class MembersReads(Protocol):
    """An optional read a Store may add so the project list reads the members of every
    project it shows at once (``SQLStore`` and ``MemoryStore`` have it; without it the list
    asks ``list_members`` project by project)."""

    def members_of(self, project_ids: Collection[int]) -> dict[int, list[Member]]:
        """Each of these projects that has members -> its members, in ``list_members``'s
        order; projects without members are left out."""
        ...


@attrs.frozen(kw_only=True)
class CandidateSpec:
    """How ``next_task_candidates`` orders and narrows the queue for one user.

    The service decides the policy (``labelcore.service.distribution``); the store runs it as
    one indexed query.
    """

    order: str = "sequential"  # sequential (inner_id) | uncertainty (lowest score) | random
    breadth_first: bool = False  # tasks with most annotations by others first (overlap > 1)
    overlap_first: bool = False  # tasks with overlap > 1 before the rest
    include_skipped_by_user: bool = False  # requeue_for_me: the user's skipped tasks, last
    only_skipped_by_user: bool = False  # the requeue_for_me fallback queue alone
    assigned_to: UserId | None = None  # only tasks assigned to this user
    unassigned_or_assigned_to: UserId | None = None  # tasks with no assignee or this one
    query: TaskQuery | None = None  # data-manager filters and selection ("label these tasks")
    # the project's skip_queue is ignore_skipped (a skip frees its slot), as the caller read
    # it; None: the store reads the project's settings
    ignore_skipped: bool | None = None


@runtime_checkable
class Store(Protocol):
    """Storage backend. Implementations: MemoryStore, SQLStore, or your own."""

    # -- lifecycle -------------------------------------------------------------------------
    def migrate(self) -> None:
        """Create or upgrade the schema; idempotent; keeps every existing row."""

    def transaction(self, *, savepoints: bool = True) -> AbstractContextManager[None]:
        """Group calls atomically; nested blocks join the outermost (see module docstring).
        ``savepoints=False``: the calls inside are not undone one by one, only the block as a
        whole, so no exception may be caught and the block go on."""

    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""

    # -- users, members, tokens ------------------------------------------------------------
    def upsert_user(self, user: User, seen_at: dt.datetime) -> None:
        """Remember the user's name, email, roles and organization (as
        ``organization_key``) and when they were last seen (API tokens act with the roles
        and organization last seen)."""

    def get_users(self, ids: Collection[UserId]) -> dict[UserId, DirectoryUser]:
        """Directory rows for the ids that are known; unknown ids are left out."""

    def find_user_by_email(self, email: str) -> DirectoryUser | None:
        """Case-insensitive email lookup."""

    def set_members(self, project_id: int, members: Sequence[Member]) -> None:
        """Replace the project's member list."""

    def list_members(self, project_id: int) -> list[Member]: ...

    def add_token(self, user_id: UserId, name: str, token_hash: str, prefix: str) -> ApiToken:
        """Store an API token's hash; the key itself is never stored."""

    def find_token(self, token_hash: str) -> ApiToken | None:
        """The token with this hash, revoked ones included (callers check ``revoked``)."""

    def list_tokens(self, user_id: UserId) -> list[ApiToken]: ...

    def revoke_token(self, token_id: int) -> bool:
        """Mark revoked; True if it existed."""

    def touch_token(self, token_id: int, at: dt.datetime) -> None: ...

    # -- projects --------------------------------------------------------------------------
    def add_project(
        self, settings: ProjectSettings, created_by: UserId | None, organization: str | None = None
    ) -> Project:
        """A new project of ``organization`` (the tenant; None: of none)."""

    def get_project(self, project_id: int) -> Project | None: ...

    def list_projects(
        self,
        ids: Collection[int] | None = None,
        *,
        organizations: Collection[str | None] | None = None,
    ) -> list[Project]:
        """All projects (or those ids), newest first; given ``organizations``, only the
        projects whose organization is one of them (None in it: those of no organization),
        chosen by the query, not after reading every project."""

    def update_project(self, project_id: int, settings: ProjectSettings) -> Project:
        """Replace the settings, bump ``updated_at``. Changing ``maximum_annotations`` or
        ``skip_queue`` does not touch tasks by itself: the service calls
        ``set_task_overlap`` and ``recount_tasks``."""

    def delete_project(self, project_id: int) -> int:
        """Delete the project and everything under it (cascade); returns 1 or 0."""

    def project_counts(self, project_ids: Collection[int]) -> dict[int, ProjectCounts]:
        """Counters for each existing project id, computed from task counters (no scan
        of annotations); ``annotated_count`` counts the tasks whose ``total_annotations``
        is above 0."""

    def projects_with_member(self, user_id: UserId) -> set[int]:
        """Ids of the projects that list this user as a member."""

    # -- tasks -----------------------------------------------------------------------------
    def add_tasks(self, project_id: int, tasks: Iterable[NewTask]) -> list[int]:
        """Insert tasks (and the annotations and predictions nested in them) in bulk,
        consuming the iterable in batches so memory stays flat. ``inner_id`` continues the
        project's 1-based sequence in input order. Returns the new ids in input order.
        All or nothing: if any row fails, none is kept (the caller's transaction, or an
        own one when called outside a transaction). Counters are set for each new task."""

    def get_task(self, task_id: int) -> Task | None: ...

    def get_tasks(self, task_ids: Collection[int]) -> list[Task]:
        """Existing tasks among the ids, in id order."""

    def update_task(
        self,
        task_id: int,
        *,
        data: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Task:
        """Replace data and/or meta; bumps ``updated_at``."""

    def delete_tasks(self, project_id: int, task_ids: Collection[int] | None = None) -> int:
        """Delete these tasks of the project (all tasks when ``None``); cascades."""

    def query_tasks(
        self, project_id: int, query: TaskQuery, page: PageRequest, *, sums: bool = False
    ) -> TaskPage:
        """A page of the project's tasks filtered and ordered as ``query`` says (default
        order: id ascending; nulls last whatever the direction; ties broken by id). A cursor
        returned in ``next_cursor`` continues after the last row of this page (cursors are
        opaque and belong to one backend). The query is re-checked with
        ``labelcore.query.validate_query`` (a ``TaskQuery`` built in code gets the same
        allow-list as parsed JSON). Raises ``QueryError`` for a bad query, page or cursor and
        for a regex that does not compile or runs past the time limit. Semantics (nulls,
        casts, case) are those of ``labelcore.storage.evaluate``. With ``sums`` the page also
        carries ``task_totals`` of the query, counted in the same pass as ``total`` where the
        store can (a task list over HTTP needs both)."""

    def task_ids(self, project_id: int, query: TaskQuery) -> Iterator[int]:
        """Ids of every task the query (filters and selection) matches, in query order,
        streamed."""

    def task_totals(self, project_id: int, query: TaskQuery) -> tuple[int, int]:
        """``(annotations, predictions)``: the sums of ``total_annotations`` and
        ``total_predictions`` over every task the query (filters and selection) matches,
        computed in the store (one aggregate, not a walk over the tasks)."""
        ...

    def iter_bundles(
        self,
        project_id: int,
        query: TaskQuery | None = None,
        *,
        only_annotated: bool = False,
        include_drafts: bool = False,
        batch_size: int = 500,
    ) -> Iterator[TaskBundle]:
        """Stream tasks with their annotations and predictions in id order, a bounded batch
        at a time (no N+1 queries, memory independent of project size)."""

    def get_bundle(self, task_id: int, *, include_drafts: bool = True) -> TaskBundle | None: ...

    def find_tasks_by_hash(self, project_id: int, hashes: Collection[str]) -> dict[str, int]:
        """``data_hash -> task id`` for the hashes that already exist in the project."""

    def set_task_overlap(self, project_id: int, overlaps: dict[int, int]) -> None:
        """Set ``overlap`` per task id and recompute ``is_labeled`` for them."""

    def recount_tasks(self, project_id: int, task_ids: Collection[int] | None = None) -> None:
        """Recompute every counter of these tasks (all when ``None``) from the rows."""

    # -- annotations -----------------------------------------------------------------------
    def add_annotation(self, annotation: NewAnnotation, project_id: int) -> Annotation:
        """Insert with version 1 and a first history entry. Raises ``Conflict`` when
        ``unique_id`` already exists (callers look it up first for idempotency)."""

    def get_annotation(self, annotation_id: int) -> Annotation | None: ...

    def get_annotation_by_unique_id(self, unique_id: str) -> Annotation | None: ...

    def list_annotations(
        self,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        completed_by: UserId | None = None,
        task_ids: Collection[int] | None = None,
        annotation_ids: Collection[int] | None = None,
    ) -> list[Annotation]:
        """Annotations matching every given argument, in id order (``task_ids``: of any of
        these tasks; bulk quality refreshes read a batch's annotations with it;
        ``annotation_ids``: these annotations, the review stream's page in one read)."""

    def recent_task_ids(self, project_id: int, completed_by: UserId, limit: int) -> list[int]:
        """The tasks of the project that ``completed_by`` annotated or skipped, each placed by
        its latest annotation of theirs (``updated_at``, ties by the higher annotation id),
        oldest first: the last ``limit`` of them. Reads at most ``limit`` rows (the labeling
        screen's "Back" asks this on every load)."""

    def update_annotation(
        self,
        annotation_id: int,
        *,
        updated_by: UserId | None,
        action: str,
        expected_version: int | None = None,
        result: ResultList | None = None,
        was_cancelled: bool | None = None,
        ground_truth: bool | None = None,
        lead_time: float | None = None,
        completed_by: UserId | None = None,
        last_action: str | None = None,
        unique_id: str | None = None,
    ) -> Annotation:
        """Change the given fields, bump ``version`` and append a history entry recording
        ``action`` and ``updated_by``. With ``expected_version``, raises ``Conflict`` unless
        it equals the stored version — checked and written atomically. A ``unique_id``
        replaces the annotation's (a requeued skip submitted: a retry of that submit must
        find it); one another annotation holds raises ``Conflict``
        (``annotation.duplicate``) and changes nothing."""

    def delete_annotations(self, annotation_ids: Collection[int]) -> int:
        """Delete annotations with their history and drafts; counters follow."""

    def annotation_history(self, annotation_id: int) -> list[AnnotationVersion]:
        """Every version, oldest first."""

    def clear_ground_truth(self, task_id: int, except_id: int | None = None) -> None:
        """Unset ``ground_truth`` on the task's annotations other than ``except_id`` (a side
        effect of marking another one: versions and history are not touched)."""

    def anonymise_annotations(self, user_id: UserId, replacement: UserId | None) -> int:
        """Replace ``completed_by``/``updated_by`` (and history users) of this user."""

    # -- drafts ----------------------------------------------------------------------------
    def save_draft(
        self,
        task_id: int,
        user_id: UserId,
        annotation_id: int | None,
        result: ResultList,
        lead_time: float,
        *,
        was_postponed: bool = False,
    ) -> Draft:
        """Create or replace the one draft per (task, user, annotation)."""

    def get_draft(self, draft_id: int) -> Draft | None: ...

    def list_drafts(
        self,
        *,
        task_id: int | None = None,
        user_id: UserId | None = None,
        annotation_id: int | None = None,
        project_id: int | None = None,
        task_ids: Collection[int] | None = None,
    ) -> list[Draft]:
        """Drafts matching every given argument, in id order (``task_ids``: of any of these
        tasks)."""

    def delete_drafts(self, draft_ids: Collection[int]) -> int: ...

    # -- predictions -----------------------------------------------------------------------
    def add_predictions(
        self, predictions: Sequence[NewPrediction], project_id: int
    ) -> list[Prediction]:
        """Bulk insert (``task_id`` set on each); counters follow."""

    def get_prediction(self, prediction_id: int) -> Prediction | None: ...

    def list_predictions(
        self,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        model_version: str | None = None,
        task_ids: Collection[int] | None = None,
    ) -> list[Prediction]:
        """Predictions matching every given argument, in id order (``task_ids``: of any of
        these tasks; the task list's columns read a page's predictions with it)."""

    def update_prediction(
        self,
        prediction_id: int,
        *,
        result: ResultList | None = None,
        score: float | None = None,
        model_version: str | None = None,
    ) -> Prediction:
        """Change the given fields in place (the id stays), bump ``updated_at``; ``None``
        leaves a field as it is. Raises ``NotFound`` for a missing id."""

    def delete_predictions(self, prediction_ids: Collection[int]) -> int: ...

    def tasks_lacking_model_version(
        self, project_id: int, model_version: str, task_ids: Collection[int] | None = None
    ) -> list[int]:
        """Ids of tasks with no prediction of this model version."""

    # -- claims and next task ----------------------------------------------------------------
    def next_task_candidates(
        self, project_id: int, user_id: UserId, spec: CandidateSpec, now: dt.datetime, limit: int
    ) -> list[int]:
        """Up to ``limit`` task ids the user could label next, in ``spec`` order: not
        ``is_labeled``, not annotated (or, unless the spec asks, skipped) by this user, and
        with live claims by others plus distinct completed annotators below ``overlap``."""

    def try_claim(self, task_id: int, user_id: UserId, now: dt.datetime, ttl: dt.timedelta) -> bool:
        """Atomically give the user a slot on the task, or refresh the one they hold.
        Succeeds only when the user has no completed annotation on it and live claims by
        others plus distinct completed annotators stay below ``overlap``. Concurrent callers
        (threads or processes) can never exceed ``overlap`` or share a slot. A user holds at
        most one claim per project: a successful claim releases the user's other claims in
        that project. False for a missing task."""

    def user_claim(self, project_id: int, user_id: UserId, now: dt.datetime) -> Claim | None:
        """The user's live claim in this project, if any."""

    def release_claims(self, *, user_id: UserId | None = None, task_id: int | None = None) -> int:
        """Delete claims matching every given argument."""

    def purge_expired_claims(self, now: dt.datetime) -> int: ...

    # -- assignments -----------------------------------------------------------------------
    def assign(
        self, project_id: int, task_ids: Collection[int], user_ids: Collection[UserId]
    ) -> int:
        """Add assignments (idempotent); returns how many were new."""

    def unassign(
        self, project_id: int, task_ids: Collection[int], user_ids: Collection[UserId] | None = None
    ) -> int: ...

    def assignees(self, task_ids: Collection[int]) -> dict[int, list[UserId]]:
        """Assignees per task in assignment order; tasks without any are left out."""

    # -- data-manager views ----------------------------------------------------------------
    def add_view(self, project_id: int, user_id: UserId | None, data: dict[str, Any]) -> View: ...

    def get_view(self, view_id: int) -> View | None: ...

    def list_views(self, project_id: int) -> list[View]:
        """Views of the project in ``order``, then id."""

    def update_view(self, view_id: int, data: dict[str, Any], order: int | None = None) -> View: ...

    def delete_views(self, view_ids: Collection[int]) -> int: ...

    # -- ML backends -----------------------------------------------------------------------
    def add_ml_backend(self, backend: MLBackendRecord) -> MLBackendRecord:
        """Insert (``backend.id`` is ignored and assigned; ids are never reused). NotFound
        when the project does not exist."""
        ...

    def get_ml_backend(self, backend_id: int) -> MLBackendRecord | None: ...

    def list_ml_backends(self, project_id: int | None = None) -> list[MLBackendRecord]:
        """By id; every project's when ``project_id`` is None."""
        ...

    def update_ml_backend(self, backend: MLBackendRecord) -> MLBackendRecord:
        """Replace every field but ``id``, ``project_id`` and ``created_at``. NotFound when
        the backend is gone."""
        ...

    def delete_ml_backends(self, backend_ids: Collection[int]) -> int:
        """Delete; returns how many existed. Deleting a project deletes its backends."""
        ...

    # -- file uploads (kept for a later import) --------------------------------------------
    def add_file_upload(self, upload: FileUpload, content: bytes) -> FileUpload:
        """Keep a file of a project (``upload.id`` is ignored and assigned, ``size`` is
        ``len(content)``); ``NotFound`` for a missing project."""
        ...

    def get_file_upload(self, upload_id: int) -> FileUpload | None: ...

    def file_upload_content(self, upload_id: int) -> bytes | None:
        """The kept bytes, or None when the upload does not exist."""
        ...

    def list_file_uploads(
        self, project_id: int, ids: Collection[int] | None = None
    ) -> list[FileUpload]:
        """The project's uploads (only ``ids`` when given), in id order."""
        ...

    def set_file_upload_tasks(self, upload_id: int, task_ids: Collection[int]) -> FileUpload:
        """Remember the tasks a reimport created from the upload (``NotFound`` if missing)."""
        ...

    def delete_file_uploads(self, upload_ids: Collection[int]) -> int:
        """Delete uploads and their bytes (not their tasks); returns how many existed.
        Deleting a project deletes its uploads."""
        ...

    # -- webhooks --------------------------------------------------------------------------
    def add_webhook(self, webhook: Webhook) -> Webhook:
        """Insert (``webhook.id`` is ignored and assigned)."""

    def get_webhook(self, webhook_id: int) -> Webhook | None: ...

    def list_webhooks(
        self, project_id: int | None = None, *, include_global: bool = True
    ) -> list[Webhook]: ...

    def update_webhook(self, webhook: Webhook) -> Webhook: ...

    def delete_webhooks(self, webhook_ids: Collection[int]) -> int: ...

    # -- jobs ------------------------------------------------------------------------------
    def add_job(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        project_id: int | None = None,
        run_at: dt.datetime | None = None,
        max_attempts: int = 1,
    ) -> Job: ...

    def get_job(self, job_id: int) -> Job | None: ...

    def list_jobs(
        self,
        *,
        project_id: int | None = None,
        kind: str | None = None,
        status: JobStatus | None = None,
    ) -> list[Job]: ...

    def claim_job(
        self,
        worker: str,
        now: dt.datetime,
        lease: dt.timedelta,
        kinds: Collection[str] | None = None,
    ) -> Job | None:
        """Atomically take the oldest due job that is queued, or running with an expired
        lease (a crashed worker's); increments ``attempts``. Two workers never get the same
        job while a lease is live. A crashed worker's job that has used ``max_attempts`` is
        marked failed instead of being handed out again."""

    def update_job(
        self,
        job_id: int,
        *,
        status: JobStatus | None = None,
        progress: float | None = None,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        run_at: dt.datetime | None = None,
        lease_until: dt.datetime | None = None,
    ) -> Job: ...

    # -- reviews (issue 11) ----------------------------------------------------------------
    def add_review(
        self,
        annotation_id: int,
        reviewer_id: UserId,
        *,
        action: str,
        accepted: bool,
        comment: str = "",
        annotation_version: int | None = None,
    ) -> AnnotationReview:
        """Record a verdict on the annotation (its current version unless given). Raises
        ``NotFound`` for a missing annotation. Reviews go with their annotation when it is
        deleted (and with its task and project)."""

    def get_review(self, review_id: int) -> AnnotationReview | None: ...

    def list_reviews(
        self,
        *,
        project_id: int | None = None,
        task_id: int | None = None,
        annotation_id: int | None = None,
        reviewer_id: UserId | None = None,
        task_ids: Collection[int] | None = None,
        annotation_ids: Collection[int] | None = None,
    ) -> list[AnnotationReview]:
        """Reviews matching every given argument, in id order (``task_ids``: of any of these
        tasks; ``annotation_ids``: of any of these annotations)."""

    def update_review(self, review_id: int, *, comment: str) -> AnnotationReview:
        """Change a review's comment (the verdict stays). ``NotFound`` for a missing one."""
        ...

    def delete_reviews(self, review_ids: Collection[int]) -> int:
        """Delete these reviews; returns how many went."""
        ...

    def set_task_quality(self, project_id: int, rows: Iterable[TaskQuality]) -> None:
        """Replace the stored quality of these tasks (the data-manager columns
        ``review_state``, ``agreement`` and ``annotation_states``; tasks without a row read as
        ``unannotated``/``annotated`` by their annotation count, with no agreement). Rows of
        tasks not in the project, and annotation states of annotations not in the task, are
        ignored. Rows go with their task and annotations."""

    def get_task_quality(self, task_ids: Collection[int]) -> dict[int, TaskQuality]:
        """The stored quality of these tasks (those that have a row)."""
        ...

    def tasks_with_state(
        self, project_id: int, user_id: UserId, state: str, limit: int = 20, *, after: int = 0
    ) -> list[int]:
        """Tasks (id order, at most ``limit``, ids above ``after``) where a not-skipped
        annotation by the user has this stored review state."""
        ...

    def claim_review(
        self, annotation_id: int, user_id: UserId, now: dt.datetime, ttl: dt.timedelta
    ) -> bool:
        """Claim the annotation for review until ``now + ttl``: succeeds when nobody else
        holds a live claim on it (atomic: of two concurrent callers one wins). A reviewer
        holds one claim per project: a successful claim releases their others there."""
        ...

    def review_claims(self, project_id: int, now: dt.datetime) -> dict[int, UserId]:
        """Live review claims of the project: ``annotation id -> reviewer``."""
        ...

    def review_candidates(
        self,
        project_id: int,
        user_id: UserId,
        states: Collection[str],
        now: dt.datetime,
        *,
        offset: int = 0,
        limit: int = 50,
    ) -> list[int]:
        """Annotations of the project whose stored review state is one of ``states`` or
        not stored (a database not yet refreshed: the caller checks each), not skipped,
        not by the user and without a live review claim by someone else: the user's
        claimed one first, then by ``updated_at``, id; ``limit`` of them from
        ``offset``."""
        ...

    def release_review_claims(
        self, *, user_id: UserId | None = None, annotation_id: int | None = None
    ) -> int:
        """Delete review claims matching every given argument."""
        ...
