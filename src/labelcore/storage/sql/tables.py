"""SQLModel tables of the SQL store, on their own ``MetaData`` (never SQLModel's global one).

    from labelcore.storage.sql.tables import metadata, TaskRow
    print(sorted(metadata.tables))          # every name starts with "labelcore_"
    TaskRow.__table__.c.project_id

Rows stay inside ``labelcore.storage.sql``; the store maps them to ``labelcore.model`` types.
User ids are stored as JSON text (``7`` -> ``'7'``, ``"7"`` -> ``'"7"'``) so int and str ids
come back as given; JSON documents are JSONB on PostgreSQL and JSON text elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from labelcore._jsontext import export_dumps

metadata = sa.MetaData()
VERSION_TABLE = "labelcore_alembic_version"


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in; aware UTC datetimes out (SQLite stores naive UTC text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {value!r}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        stamp: dt.datetime = value.astimezone(dt.UTC)
        return stamp.replace(tzinfo=None) if dialect.name == "sqlite" else stamp

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]


_encode_text = export_dumps


class UserIdText(sa.types.TypeDecorator[Any]):
    """A host user id (int or str) kept as JSON text so its type survives."""

    impl = sa.String(255)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        return encode_user(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else json.loads(value)


class SoleAnnotatorText(UserIdText):
    """``labelcore_task.sole_annotator``: the stored text of a user id, ``""`` for several
    users (or one without an id), NULL for none; compared with user ids bound as
    ``UserIdText`` binds them, and read back as the text it is."""

    cache_ok = True

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        return value


#: between the two users a task's ``sole_annotator`` names (``annotators_text``): JSON
#: escapes it inside a string id, and an integer id has none
PAIR_SEP = "\x1f"
#: the longest ``sole_annotator`` (its column); a longer pair is written ""
SOLE_MAX = 255


def annotators_text(users: Collection[str | None]) -> str | None:
    """``labelcore_task.sole_annotator`` from the stored ids of the users of a task's
    annotations that are not skips: None for none, the one user's id, the two users' ids in
    code point order joined by ``PAIR_SEP`` (overlap 3: a user and a follower), "" for more,
    for a user without an id, or for a pair longer than the column."""
    live = set(users)
    if not live:
        return None
    if None in live or len(live) > 2:
        return ""
    text = PAIR_SEP.join(sorted(u for u in live if u is not None))
    return text if len(text) <= SOLE_MAX else ""


def among_annotators(least: str | None, greatest: str | None, user_id: Any) -> bool:
    """Whether the started open tasks of one count of annotations, whose least and greatest
    ``sole_annotator`` are these, all have the user among their annotators: the same one
    user or pair on every task (equal least and greatest), and the user one of them."""
    if least is None or least != greatest:
        return False
    return encode_user(user_id) in least.split(PAIR_SEP)


def encode_user(user_id: Any) -> str | None:
    """The stored text of a user id (for expressions built outside column comparisons, and
    rows bound without SQLAlchemy's types: an import's annotations)."""
    if user_id is None:
        return None
    if isinstance(user_id, bool) or not isinstance(user_id, int | str):
        raise TypeError(f"user ids are int or str, got {user_id!r}")
    # bound in nearly every statement: no json.dumps(**options), which builds an encoder
    return str(int(user_id)) if isinstance(user_id, int) else _encode_text(user_id)


JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")


def _c(type_: Any, *args: Any, **kw: Any) -> Any:
    return Field(sa_column=sa.Column(type_, *args, **kw))


class LabelcoreBase(SQLModel, registry=registry(metadata=metadata)):
    """Base of labelcore's tables: they live on ``metadata``, not SQLModel's global one."""


class UserRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_user"
    id: Any = _c(UserIdText, primary_key=True)
    name: str = _c(sa.String(255), nullable=False, default="")
    email: str = _c(sa.String(320), nullable=False, default="")
    email_lower: str = _c(sa.String(320), nullable=False, default="", index=True)
    last_seen: dt.datetime | None = _c(UTCDateTime, nullable=True)
    roles: str = _c(sa.String(255), nullable=False, default="", server_default="")
    # the host's organization id when last seen (API tokens act in it; migration 0025)
    organization: str | None = _c(sa.String(255), nullable=True)


class ProjectRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_project"
    __table_args__ = (
        # a tenant's projects, newest first: list_projects (migration 0025)
        sa.Index("labelcore_project_org_ix", "organization", "created_at", "id"),
    )
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    settings: dict[str, Any] = _c(JSONDoc, nullable=False)
    created_by: Any = _c(UserIdText, nullable=True)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)
    updated_at: dt.datetime = _c(UTCDateTime, nullable=False)
    task_seq: int = _c(sa.Integer, nullable=False, default=0)  # last inner_id handed out
    # tasks in the project, kept exact by add_tasks/delete_tasks (migration 0010)
    task_count: int = _c(sa.Integer, nullable=False, default=0, server_default="0")
    # the tenant the project belongs to (None: every tenant's; migration 0025)
    organization: str | None = _c(sa.String(255), nullable=True)


def _project_fk() -> sa.ForeignKey:
    return sa.ForeignKey("labelcore_project.id", ondelete="CASCADE")


def _task_fk() -> sa.ForeignKey:
    return sa.ForeignKey("labelcore_task.id", ondelete="CASCADE")


class DataColumnRow(LabelcoreBase, table=True):
    """A top-level key of some task's data in the project (Label Studio's
    ``all_data_columns``): the data manager offers a column for each (migration 0018)."""

    __tablename__ = "labelcore_data_column"
    project_id: int = _c(sa.Integer, _project_fk(), primary_key=True)
    key: str = _c(sa.String(255), primary_key=True)


class MemberRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_member"
    project_id: int = _c(sa.Integer, _project_fk(), primary_key=True)
    user_id: Any = _c(UserIdText, primary_key=True, index=True)
    role: str = _c(sa.String(32), nullable=False)
    position: int = _c(sa.Integer, nullable=False)


class TokenRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_token"
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Any = _c(UserIdText, nullable=False, index=True)
    name: str = _c(sa.String(255), nullable=False)
    token_hash: str = _c(sa.String(255), nullable=False, unique=True)
    prefix: str = _c(sa.String(32), nullable=False)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)
    last_used_at: dt.datetime | None = _c(UTCDateTime, nullable=True)
    revoked: bool = _c(sa.Boolean, nullable=False, default=False)


# the open tasks that have annotations (labelcore_task_started_ix); written as the
# next-task query writes its condition, which each database must see as implying it
STARTED_PG = "is_labeled = false AND total_annotations > 0"
STARTED_SQLITE = "is_labeled = 0 AND total_annotations > 0"
# the open tasks with overlap > 1 (labelcore_task_overlap_ix), likewise; "NOT is_labeled"
# and not "is_labeled = 0": SQLite takes an equality as a key of labelcore_task_queue_ix
# too, and then prefers that index by its statistics (averaged over every project)
OVERLAP = "NOT is_labeled AND overlap > 1"
# the open tasks with no annotation (labelcore_task_fresh_ix), "NOT is_labeled" as above
FRESH = "NOT is_labeled AND total_annotations = 0"
# the started open tasks again (labelcore_task_sole_ix: a started task has a sole_annotator,
# "" for several): a probe of one count of annotations writes it as an equality, which
# SQLite passes over for the range "total_annotations > 0" of the condition above
SOLE = "NOT is_labeled AND sole_annotator IS NOT NULL"
# the skips (labelcore_annotation_skip_ix): a bare column, as the next task's reads write
# it (a database sees the index's condition in the query only as written there)
SKIPS = "was_cancelled"


class TaskRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_task"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "inner_id", name="labelcore_task_inner_uq"),
        # next task: unlabeled tasks of a project in inner_id order
        sa.Index("labelcore_task_queue_ix", "project_id", "is_labeled", "inner_id"),
        # next task, breadth first: the open tasks that already have annotations, most
        # first (a partial index: a fresh import adds nothing to it; migration 0014)
        sa.Index(
            "labelcore_task_started_ix",
            "project_id",
            sa.literal_column("total_annotations").desc(),
            "inner_id",
            postgresql_where=sa.text(STARTED_PG),
            sqlite_where=sa.text(STARTED_SQLITE),
        ),
        # next task, show_overlap_first: the open tasks with overlap > 1, in import order
        # (a partial index: empty in a project of overlap 1; migration 0016)
        sa.Index(
            "labelcore_task_overlap_ix",
            "project_id",
            "inner_id",
            postgresql_where=sa.text(OVERLAP),
            sqlite_where=sa.text(OVERLAP),
        ),
        # next task, breadth first: whether the started open tasks with a count of
        # annotations are all one user's alone, from their least and greatest
        # sole_annotator (migration 0019); one sole_annotator's tasks at a count in import
        # order (a count mixing the user's own with others': migration 0024)
        sa.Index(
            "labelcore_task_sole_ix",
            "project_id",
            sa.literal_column("total_annotations").desc(),
            "sole_annotator",
            "inner_id",
            postgresql_where=sa.text(SOLE),
            sqlite_where=sa.text(SOLE),
        ),
        # next task, breadth first: the open tasks nobody has annotated yet, in import order
        # (the queue index walks the started ones too; migration 0019)
        sa.Index(
            "labelcore_task_fresh_ix",
            "project_id",
            "inner_id",
            postgresql_where=sa.text(FRESH),
            sqlite_where=sa.text(FRESH),
        ),
        sa.Index("labelcore_task_hash_ix", "project_id", "data_hash"),
        # a project's tasks in id order: the keyset streams (task ids, review rows, bundles,
        # exports) and the default task list stop at the project's last task; by the primary
        # key they read every later task of other projects to find there is none (migration
        # 0022)
        sa.Index("labelcore_task_project_ix", "project_id", "id"),
        # data manager: "has predictions" counts through it, and it covers the task list's
        # total_annotations/total_predictions sums (migrations 0006, 0012)
        sa.Index(
            "labelcore_task_counts_ix", "project_id", "total_predictions", "total_annotations"
        ),
    )
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    project_id: int = _c(sa.Integer, _project_fk(), nullable=False)
    inner_id: int = _c(sa.Integer, nullable=False)
    data: dict[str, Any] = _c(JSONDoc, nullable=False)
    meta: dict[str, Any] = _c(JSONDoc, nullable=False)
    overlap: int = _c(sa.Integer, nullable=False, default=1)
    is_labeled: bool = _c(sa.Boolean, nullable=False, default=False)
    total_annotations: int = _c(sa.Integer, nullable=False, default=0)
    cancelled_annotations: int = _c(sa.Integer, nullable=False, default=0)
    total_predictions: int = _c(sa.Integer, nullable=False, default=0)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)
    updated_at: dt.datetime = _c(UTCDateTime, nullable=False)
    completed_at: dt.datetime | None = _c(UTCDateTime, nullable=True)
    file_upload: str | None = _c(sa.String(1024), nullable=True)
    data_hash: str | None = _c(sa.String(128), nullable=True)
    # the users of the task's annotations, skips aside (``annotators_text``): the one
    # user's stored id, two users' ids joined by PAIR_SEP (migration 0021), "" for more or
    # one without an id, NULL for no annotation; kept with total_annotations by the
    # recount and the imports (the next task, migration 0019)
    sole_annotator: str | None = _c(SoleAnnotatorText, nullable=True)


class AnnotationRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_annotation"
    __table_args__ = (
        sa.Index("labelcore_annotation_task_user_ix", "task_id", "completed_by"),
        sa.Index("labelcore_annotation_project_user_ix", "project_id", "completed_by"),
        # migration 0011: the review stream walks a project's annotations by updated_at
        sa.Index("labelcore_annotation_project_updated_ix", "project_id", "updated_at", "id"),
        # next task, requeue_for_me: a user's own skipped tasks, found from their skips
        # instead of among every open task (a partial index: skips alone; migration 0020)
        sa.Index(
            "labelcore_annotation_skip_ix",
            "project_id",
            "completed_by",
            "task_id",
            postgresql_where=sa.text(SKIPS),
            sqlite_where=sa.text(SKIPS),
        ),
    )
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    task_id: int = _c(sa.Integer, _task_fk(), nullable=False)
    project_id: int = _c(sa.Integer, nullable=False)
    result: list[Any] = _c(JSONDoc, nullable=False)
    completed_by: Any = _c(UserIdText, nullable=True)
    was_cancelled: bool = _c(sa.Boolean, nullable=False, default=False)
    ground_truth: bool = _c(sa.Boolean, nullable=False, default=False)
    lead_time: float = _c(sa.Float, nullable=False, default=0.0)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)
    updated_at: dt.datetime = _c(UTCDateTime, nullable=False)
    updated_by: Any = _c(UserIdText, nullable=True)
    version: int = _c(sa.Integer, nullable=False, default=1)
    unique_id: str | None = _c(sa.String(255), nullable=True, unique=True)
    last_action: str | None = _c(sa.String(64), nullable=True)
    imported: bool = _c(sa.Boolean, nullable=False, default=False)
    import_id: int | None = _c(sa.BigInteger, nullable=True)
    parent_prediction: int | None = _c(sa.Integer, nullable=True)
    parent_annotation: int | None = _c(sa.Integer, nullable=True)


class AnnotationVersionRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_annotation_version"
    annotation_id: int = _c(
        sa.Integer, sa.ForeignKey("labelcore_annotation.id", ondelete="CASCADE"), primary_key=True
    )
    version: int = _c(sa.Integer, primary_key=True)
    result: list[Any] = _c(JSONDoc, nullable=False)
    was_cancelled: bool = _c(sa.Boolean, nullable=False)
    ground_truth: bool = _c(sa.Boolean, nullable=False)
    user_id: Any = _c(UserIdText, nullable=True)
    action: str = _c(sa.String(64), nullable=False)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)


class DraftRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_draft"
    __table_args__ = (
        # annotation_key is annotation_id or 0: NULLs would not collide in a unique index
        sa.UniqueConstraint("task_id", "user_id", "annotation_key", name="labelcore_draft_uq"),
    )
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    task_id: int = _c(sa.Integer, _task_fk(), nullable=False)
    project_id: int = _c(sa.Integer, nullable=False, index=True)
    user_id: Any = _c(UserIdText, nullable=False)
    annotation_id: int | None = _c(
        sa.Integer,
        sa.ForeignKey("labelcore_annotation.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    )
    annotation_key: int = _c(sa.Integer, nullable=False)
    result: list[Any] = _c(JSONDoc, nullable=False)
    lead_time: float = _c(sa.Float, nullable=False, default=0.0)
    was_postponed: bool = _c(sa.Boolean, nullable=False, default=False)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)
    updated_at: dt.datetime = _c(UTCDateTime, nullable=False)


class PredictionRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_prediction"
    __table_args__ = (
        sa.Index("labelcore_prediction_version_ix", "project_id", "model_version"),
        # next task, uncertainty sampling: a project's scored predictions, least sure first
        # (migration 0015)
        sa.Index(
            "labelcore_prediction_score_ix",
            "project_id",
            "score",
            "task_id",
            postgresql_where=sa.text("score IS NOT NULL"),
            sqlite_where=sa.text("score IS NOT NULL"),
        ),
    )
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    task_id: int = _c(sa.Integer, _task_fk(), nullable=False, index=True)
    project_id: int = _c(sa.Integer, nullable=False)
    result: list[Any] = _c(JSONDoc, nullable=False)
    score: float | None = _c(sa.Float, nullable=True)
    model_version: str = _c(sa.String(255), nullable=False, default="")
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)
    updated_at: dt.datetime = _c(UTCDateTime, nullable=False)


class ClaimRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_claim"
    __table_args__ = (sa.Index("labelcore_claim_user_ix", "project_id", "user_id"),)
    task_id: int = _c(sa.Integer, _task_fk(), primary_key=True)
    user_id: Any = _c(UserIdText, primary_key=True)
    project_id: int = _c(sa.Integer, nullable=False)
    expires_at: dt.datetime = _c(UTCDateTime, nullable=False, index=True)


class AssignmentRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_assignment"
    __table_args__ = (sa.UniqueConstraint("task_id", "user_id", name="labelcore_assignment_uq"),)
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    task_id: int = _c(sa.Integer, _task_fk(), nullable=False)
    user_id: Any = _c(UserIdText, nullable=False)
    project_id: int = _c(sa.Integer, nullable=False, index=True)


class ViewRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_view"
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    project_id: int = _c(sa.Integer, _project_fk(), nullable=False, index=True)
    user_id: Any = _c(UserIdText, nullable=True)
    data: dict[str, Any] = _c(JSONDoc, nullable=False)
    order: int = _c(sa.Integer, nullable=False, default=0)


class WebhookRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_webhook"
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    project_id: int | None = _c(sa.Integer, _project_fk(), nullable=True, index=True)
    url: str = _c(sa.String(2048), nullable=False)
    secret: str = _c(sa.String(255), nullable=False, default="")
    send_payload: bool = _c(sa.Boolean, nullable=False, default=True)
    send_for_all_actions: bool = _c(sa.Boolean, nullable=False, default=True)
    actions: list[str] = _c(JSONDoc, nullable=False)
    headers: dict[str, str] = _c(JSONDoc, nullable=False)
    is_active: bool = _c(sa.Boolean, nullable=False, default=True)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)


class MLBackendRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_ml_backends"
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    project_id: int = _c(sa.Integer, _project_fk(), nullable=False, index=True)
    title: str = _c(sa.String(255), nullable=False)
    url: str | None = _c(sa.String(2048), nullable=True)
    description: str = _c(sa.Text, nullable=False, default="")
    is_interactive: bool = _c(sa.Boolean, nullable=False, default=False)
    auth_method: str = _c(sa.String(16), nullable=False, default="NONE")
    basic_auth_user: str = _c(sa.String(255), nullable=False, default="")
    basic_auth_pass: str = _c(sa.String(255), nullable=False, default="")
    extra_params: dict[str, Any] = _c(JSONDoc, nullable=False)
    timeout: float = _c(sa.Float, nullable=False, default=100.0)
    model_version: str = _c(sa.String(255), nullable=False, default="")
    state: str = _c(sa.String(2), nullable=False, default="CO")
    error_message: str = _c(sa.Text, nullable=False, default="")
    dialect: str = _c(sa.String(16), nullable=False, default="")
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)


class FileUploadRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_file_upload"
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    project_id: int = _c(sa.Integer, _project_fk(), nullable=False, index=True)
    user_id: Any = _c(UserIdText, nullable=True)
    filename: str = _c(sa.String(255), nullable=False)
    content_type: str = _c(sa.String(255), nullable=False, default="")
    size: int = _c(sa.Integer, nullable=False, default=0)
    task_count: int = _c(sa.Integer, nullable=False, default=0)
    task_ids: list[int] = _c(JSONDoc, nullable=False)
    content: bytes = _c(sa.LargeBinary, nullable=False)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)


class JobRow(LabelcoreBase, table=True):
    __tablename__ = "labelcore_job"
    __table_args__ = (sa.Index("labelcore_job_due_ix", "status", "run_at"),)
    id: int | None = _c(sa.Integer, primary_key=True, autoincrement=True)
    kind: str = _c(sa.String(64), nullable=False)
    payload: dict[str, Any] = _c(JSONDoc, nullable=False)
    project_id: int | None = _c(sa.Integer, _project_fk(), nullable=True, index=True)
    status: str = _c(sa.String(16), nullable=False)
    progress: float = _c(sa.Float, nullable=False, default=0.0)
    attempts: int = _c(sa.Integer, nullable=False, default=0)
    max_attempts: int = _c(sa.Integer, nullable=False, default=1)
    run_at: dt.datetime = _c(UTCDateTime, nullable=False)
    lease_until: dt.datetime | None = _c(UTCDateTime, nullable=True)
    worker: str | None = _c(sa.String(255), nullable=True)
    error: str | None = _c(sa.Text, nullable=True)
    result: dict[str, Any] | None = _c(JSONDoc, nullable=True)
    created_at: dt.datetime = _c(UTCDateTime, nullable=False)
    updated_at: dt.datetime = _c(UTCDateTime, nullable=False)


class LimitLeaseRow(LabelcoreBase, table=True):
    """One held slot of a concurrency limit (``labelcore.service.limits``): a running
    export or import; a row past ``expires_at`` (epoch seconds) is free to take over."""

    __tablename__ = "labelcore_limit_lease"
    key: str = _c(sa.String(128), primary_key=True)
    slot: int = _c(sa.Integer, primary_key=True, autoincrement=False)
    holder: str = _c(sa.String(64), nullable=False)
    expires_at: float = _c(sa.Float, nullable=False)


class LimitBucketRow(LabelcoreBase, table=True):
    """The token bucket of a rate limit: ``tokens`` left at ``stamp`` (epoch seconds)."""

    __tablename__ = "labelcore_limit_bucket"
    key: str = _c(sa.String(128), primary_key=True)
    tokens: float = _c(sa.Float, nullable=False)
    stamp: float = _c(sa.Float, nullable=False)


def table(row: type[LabelcoreBase]) -> sa.Table:
    """The Core ``Table`` of a row class (the store builds Core statements for bulk speed)."""
    tbl = row.__table__  # type: ignore[attr-defined]
    assert isinstance(tbl, sa.Table)
    return tbl


USERS, PROJECTS, MEMBERS, TOKENS = (
    table(UserRow),
    table(ProjectRow),
    table(MemberRow),
    table(TokenRow),
)
TASKS, ANNOTATIONS, VERSIONS = table(TaskRow), table(AnnotationRow), table(AnnotationVersionRow)
DRAFTS, PREDICTIONS, CLAIMS = table(DraftRow), table(PredictionRow), table(ClaimRow)
ASSIGNMENTS, VIEWS, WEBHOOKS, JOBS = (
    table(AssignmentRow),
    table(ViewRow),
    table(WebhookRow),
    table(JobRow),
)
ML_BACKENDS = table(MLBackendRow)
FILE_UPLOADS = table(FileUploadRow)
DATA_COLUMNS = table(DataColumnRow)
LIMIT_LEASES, LIMIT_BUCKETS = table(LimitLeaseRow), table(LimitBucketRow)

# AUTOINCREMENT on SQLite: ids of deleted rows are never handed out again (webhook consumers,
# caches and idempotency keys may still hold them).
for _tbl in (
    PROJECTS,
    TOKENS,
    TASKS,
    ANNOTATIONS,
    DRAFTS,
    PREDICTIONS,
    ASSIGNMENTS,
    VIEWS,
    WEBHOOKS,
    ML_BACKENDS,
    JOBS,
    FILE_UPLOADS,
):
    _tbl.dialect_options["sqlite"]["autoincrement"] = True
