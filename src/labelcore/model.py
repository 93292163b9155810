"""Domain types: what projects, tasks, annotations and friends are, independent of storage.

    from labelcore.model import User, ProjectSettings
    settings = ProjectSettings(title="Reviews", label_config="<View>...</View>")
    annotator = User(id=7, name="Ada", roles=frozenset({"annotator"}))

All types are frozen attrs classes; change them with ``attrs.evolve``. Results (regions) are
kept as Label Studio JSON dicts inside ``result`` lists; :class:`Result` is the typed view of
one such dict (see ``labelcore._converter``). User ids are whatever the host gives (``int``
or ``str``) and are written back unchanged.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

UserId = str | int
JSON = dict[str, Any]
ResultList = list[dict[str, Any]]

ROLES = frozenset({"annotator", "reviewer", "manager"})
#: the largest row id (ids are 32-bit integers: PostgreSQL INTEGER columns); a larger id
#: given from outside names nothing, and is refused before it reaches a store
MAX_ID = 2**31 - 1


def _str_set(values: Iterable[str]) -> frozenset[str]:
    """attrs converter typed for mypy (``converter=frozenset`` loses the element type)."""
    return frozenset(values)


#: the longest organization id (the stores keep it in a 255-character column)
MAX_ORGANIZATION = 255


def organization_key(organization: str | int | None) -> str | None:
    """The organization as projects and the directory keep it: the host's id as text (the
    host's 7 and "7" are one tenant), None for none."""
    return None if organization is None else str(organization)


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC; every timestamp labelcore writes is UTC."""
    return dt.datetime.now(dt.UTC)


class Sampling(enum.StrEnum):
    SEQUENTIAL = "sequential"
    UNIFORM = "uniform"
    UNCERTAINTY = "uncertainty"


class SkipQueue(enum.StrEnum):
    REQUEUE_FOR_OTHERS = "requeue_for_others"
    REQUEUE_FOR_ME = "requeue_for_me"
    IGNORE_SKIPPED = "ignore_skipped"


class AssignmentMode(enum.StrEnum):
    """How manager assignments shape an annotator's queue."""

    NONE = "none"  # assignments are ignored by next task
    ASSIGNED_FIRST = "assigned_first"  # assigned tasks first, then the general queue
    ASSIGNED_ONLY = "assigned_only"  # annotators get only the tasks assigned to them


@attrs.frozen(kw_only=True)
class User:
    """A user as the host identifies them; labelcore never stores passwords."""

    id: UserId
    name: str = ""
    email: str = ""
    roles: frozenset[str] = attrs.field(default=frozenset({"annotator"}), converter=_str_set)
    #: the host's tenant (its organization id): projects of one organization are invisible
    #: to users of another or of none; None is a single-tenant host
    organization: str | int | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles


@attrs.frozen(kw_only=True)
class ProjectSettings:
    """Everything a manager configures on a project."""

    title: str = "New project"
    description: str = ""
    instructions: str = ""  # HTML, sanitized on write
    show_instructions: bool = False
    label_config: str = "<View></View>"
    maximum_annotations: int = 1  # overlap
    overlap_cohort_percentage: int = 100
    sampling: Sampling = attrs.field(default=Sampling.SEQUENTIAL, converter=Sampling)
    skip_queue: SkipQueue = attrs.field(default=SkipQueue.REQUEUE_FOR_OTHERS, converter=SkipQueue)
    show_skip_button: bool = True
    enable_empty_annotation: bool = True
    show_overlap_first: bool = False
    reveal_predictions: bool = True  # Label Studio's show_collab_predictions
    lock_ttl_seconds: int = 600
    assignment_mode: AssignmentMode = attrs.field(
        default=AssignmentMode.NONE, converter=AssignmentMode
    )
    color: str = "#FFFFFF"
    # ML
    model_version: str = ""
    predict_on_import: bool = False
    min_annotations_to_start_training: int = 0
    # review (issue 11)
    review_required: bool = False
    reviews_per_annotation: int = 1
    requeue_rejected_to_annotator: bool = True


@attrs.frozen(kw_only=True)
class Project:
    id: int
    settings: ProjectSettings
    created_by: UserId | None = None
    created_at: dt.datetime = attrs.field(factory=utcnow)
    updated_at: dt.datetime = attrs.field(factory=utcnow)
    #: the tenant the project belongs to (its creator's, as :func:`organization_key`);
    #: None: every tenant's users may see it, as on a single-tenant host
    organization: str | None = None


@attrs.frozen(kw_only=True)
class ProjectCounts:
    """Counters shown on project cards and in statistics."""

    task_count: int = 0
    labeled_count: int = 0  # tasks with is_labeled
    annotation_count: int = 0  # not cancelled
    skipped_count: int = 0  # cancelled annotations
    prediction_count: int = 0
    # tasks with at least one completed (not skipped) annotation: Label Studio's
    # num_tasks_with_annotations, which ``labeled_count`` (is_labeled, all overlap done) is not
    annotated_count: int = 0


@attrs.frozen(kw_only=True)
class Member:
    """A per-project membership: only members (and managers) see a project that has any."""

    project_id: int
    user_id: UserId
    role: str = "annotator"


@attrs.frozen(kw_only=True)
class Task:
    id: int
    project_id: int
    inner_id: int
    data: JSON
    meta: JSON = attrs.field(factory=dict)
    overlap: int = 1
    is_labeled: bool = False
    total_annotations: int = 0  # excluding cancelled
    cancelled_annotations: int = 0
    total_predictions: int = 0
    created_at: dt.datetime = attrs.field(factory=utcnow)
    updated_at: dt.datetime = attrs.field(factory=utcnow)
    completed_at: dt.datetime | None = None  # when the last annotation was submitted
    file_upload: str | None = None
    data_hash: str | None = None


@attrs.frozen(kw_only=True)
class Annotation:
    id: int
    task_id: int
    project_id: int
    result: ResultList
    completed_by: UserId | None
    was_cancelled: bool = False
    ground_truth: bool = False
    lead_time: float = 0.0
    created_at: dt.datetime = attrs.field(factory=utcnow)
    updated_at: dt.datetime = attrs.field(factory=utcnow)
    updated_by: UserId | None = None
    version: int = 1  # bumped on every change of result or flags
    unique_id: str | None = None  # Label Studio's idempotency key
    last_action: str | None = None  # submitted, updated, skipped, imported, prediction, accepted...
    imported: bool = False
    import_id: int | None = None
    parent_prediction: int | None = None
    parent_annotation: int | None = None


@attrs.frozen(kw_only=True)
class AnnotationVersion:
    """One entry of an annotation's history: the state after a change."""

    annotation_id: int
    version: int
    result: ResultList
    was_cancelled: bool
    ground_truth: bool
    user_id: UserId | None
    action: str  # submitted, updated, skipped, restored, imported, fixed_and_accepted ...
    created_at: dt.datetime = attrs.field(factory=utcnow)


@attrs.frozen(kw_only=True)
class Draft:
    id: int
    task_id: int
    project_id: int
    user_id: UserId
    annotation_id: int | None  # None: a draft of a new annotation
    result: ResultList
    lead_time: float = 0.0
    was_postponed: bool = False
    created_at: dt.datetime = attrs.field(factory=utcnow)
    updated_at: dt.datetime = attrs.field(factory=utcnow)


@attrs.frozen(kw_only=True)
class Prediction:
    id: int
    task_id: int
    project_id: int
    result: ResultList
    score: float | None = None
    model_version: str = ""
    created_at: dt.datetime = attrs.field(factory=utcnow)
    updated_at: dt.datetime = attrs.field(factory=utcnow)


@attrs.frozen(kw_only=True)
class Claim:
    """A next-task lock: ``user_id`` holds a slot of ``task_id`` until ``expires_at``."""

    task_id: int
    project_id: int
    user_id: UserId
    expires_at: dt.datetime


@attrs.frozen(kw_only=True)
class Result:
    """Typed view of one result item (a region, a classification or a relation).

    ``extra`` keeps every key Label Studio may add that this type does not name, so a
    result read and written back is equal field by field.
    """

    type: str
    id: str | None = None
    from_name: str | None = None
    to_name: str | None = None
    value: JSON | None = None
    origin: str | None = None
    score: float | None = None
    readonly: bool | None = None
    parent_id: str | None = None  # "parentID" in JSON
    item_index: int | None = None
    original_width: float | None = None
    original_height: float | None = None
    image_rotation: float | None = None
    original_length: float | None = None
    # relation items
    from_id: str | None = None
    to_id: str | None = None
    direction: str | None = None
    labels: list[str] | None = None
    meta: JSON | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


# Task data plus the nested objects Label Studio's import format allows.
@attrs.frozen(kw_only=True)
class NewTask:
    """A task to add, with its imported annotations and predictions."""

    data: JSON
    meta: JSON = attrs.field(factory=dict)
    annotations: tuple[NewAnnotation, ...] = ()
    predictions: tuple[NewPrediction, ...] = ()
    overlap: int = 1
    file_upload: str | None = None
    data_hash: str | None = None


@attrs.frozen(kw_only=True)
class NewAnnotation:
    result: ResultList
    completed_by: UserId | None
    task_id: int | None = None  # None inside NewTask
    # set by import when completed_by was {"email": ...}: the service resolves it to a user id
    completed_by_email: str | None = None
    was_cancelled: bool = False
    ground_truth: bool = False
    lead_time: float = 0.0
    unique_id: str | None = None
    last_action: str = "submitted"
    imported: bool = False
    import_id: int | None = None
    parent_prediction: int | None = None
    parent_annotation: int | None = None
    created_at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class NewPrediction:
    result: ResultList
    task_id: int | None = None  # None inside NewTask
    score: float | None = None
    model_version: str = ""


@attrs.frozen(kw_only=True)
class ImportReport:
    """What an import did (Label Studio's response fields plus ours)."""

    task_count: int = 0
    annotation_count: int = 0
    prediction_count: int = 0
    duplicate_count: int = 0
    duration: float = 0.0
    task_ids: tuple[int, ...] = ()
    data_columns: tuple[str, ...] = ()
    found_formats: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class Job:
    """A background job row: webhook delivery, long import or export, ML predictions."""

    id: int
    kind: str
    payload: JSON
    project_id: int | None = None
    status: JobStatus = JobStatus.QUEUED
    progress: float = 0.0  # 0..1
    attempts: int = 0
    max_attempts: int = 1
    run_at: dt.datetime = attrs.field(factory=utcnow)
    lease_until: dt.datetime | None = None
    worker: str | None = None
    error: str | None = None
    result: JSON | None = None
    created_at: dt.datetime = attrs.field(factory=utcnow)
    updated_at: dt.datetime = attrs.field(factory=utcnow)


@attrs.frozen(kw_only=True)
class Webhook:
    id: int
    project_id: int | None  # None: fires for every project
    url: str
    secret: str = ""
    send_payload: bool = True
    send_for_all_actions: bool = True
    actions: frozenset[str] = attrs.field(default=frozenset(), converter=_str_set)
    headers: Mapping[str, str] = attrs.field(factory=dict)
    is_active: bool = True
    created_at: dt.datetime = attrs.field(factory=utcnow)


@attrs.frozen(kw_only=True)
class MLBackendRecord:
    """A stored ML backend of a project (Label Studio's ``MLBackend`` row).

    ``url`` None: an in-process predictor (its Python object is registered again by the
    host at start-up; the row keeps its id). ``basic_auth_pass`` is kept so the backend can
    reconnect after a restart; the API never returns it."""

    id: int
    project_id: int
    title: str
    url: str | None = None
    description: str = ""
    is_interactive: bool = False
    auth_method: str = "NONE"
    basic_auth_user: str = ""
    basic_auth_pass: str = attrs.field(default="", repr=False)
    extra_params: Mapping[str, Any] = attrs.field(factory=dict)
    timeout: float = 100.0
    model_version: str = ""
    state: str = "CO"
    error_message: str = ""
    dialect: str = ""
    created_at: dt.datetime = attrs.field(factory=utcnow)


@attrs.frozen(kw_only=True)
class View:
    """A saved data-manager tab: ``data`` is Label Studio's tab JSON (filters, ordering...)."""

    id: int
    project_id: int
    user_id: UserId | None
    data: JSON
    order: int = 0


@attrs.frozen(kw_only=True)
class ApiToken:
    id: int
    user_id: UserId
    name: str
    token_hash: str
    prefix: str  # first characters of the key, shown in listings
    created_at: dt.datetime = attrs.field(factory=utcnow)
    last_used_at: dt.datetime | None = None
    revoked: bool = False


@attrs.frozen(kw_only=True)
class DirectoryUser:
    """A row of the user directory: what labelcore remembers about a host user."""

    id: UserId
    name: str = ""
    email: str = ""
    last_seen: dt.datetime | None = None
    # the roles the host gave when last seen (API tokens act with these)
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_str_set)
    # the organization the host gave when last seen, as :func:`organization_key` (tokens too)
    organization: str | None = None


#: Review verdicts, as Label Studio's ``last_action`` values (issue 11).
REVIEW_ACTIONS = frozenset({"accepted", "rejected", "fixed_and_accepted"})


@attrs.frozen(kw_only=True)
class AnnotationReview:
    """A reviewer's verdict on one version of an annotation (Label Studio's AnnotationReview)."""

    id: int
    annotation_id: int
    task_id: int
    project_id: int
    reviewer_id: UserId
    action: str  # accepted | rejected | fixed_and_accepted
    accepted: bool
    comment: str = ""
    annotation_version: int = 1  # the annotation version the verdict is about
    created_at: dt.datetime = attrs.field(factory=utcnow)


def _int_tuple(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class FileUpload:
    """A file kept for a later import (Label Studio's ``FileUpload``): uploaded with
    ``commit_to_project=false``, turned into tasks by a reimport.

    ``task_count`` is the number of tasks the file holds (checked at upload);
    ``task_ids`` the tasks the last reimport of this file created (a new reimport
    replaces them)."""

    id: int
    project_id: int
    user_id: UserId | None
    filename: str
    content_type: str = ""
    size: int = 0
    task_count: int = 0
    task_ids: tuple[int, ...] = attrs.field(default=(), converter=_int_tuple)
    created_at: dt.datetime = attrs.field(factory=utcnow)
