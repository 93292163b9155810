"""SQLStore: the Store protocol on SQLite (default, embedded) or PostgreSQL.

    from labelcore.storage.sql import SQLStore
    store = SQLStore("sqlite:///labelcore.db")      # or "postgresql+psycopg://user@host/db"
    ids = store.add_tasks(project_id, new_tasks)     # multi-row inserts, streamed in batches

Tables are created or upgraded on construction (``auto_migrate=False`` leaves that to
``store.migrate()`` or ``labelcore db upgrade``). On SQLite every write transaction starts
with ``BEGIN IMMEDIATE``, so writers (claims included) serialize across threads and
processes; on PostgreSQL claims and counters take row locks (``FOR UPDATE``; next-task
candidates skip locked rows).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from labelcore.errors import NotFound, QueryError, ValidationError
from labelcore.formats.exporters import EncodedTasks
from labelcore.model import (
    ApiToken,
    DirectoryUser,
    Member,
    NewAnnotation,
    NewTask,
    Project,
    ProjectCounts,
    ProjectSettings,
    Task,
    User,
    UserId,
    organization_key,
    utcnow,
)
from labelcore.query import Ordering, PageRequest, TaskQuery, check_page, validate_query
from labelcore.storage import evaluate
from labelcore.storage.base import MAX_DATA_COLUMN, QualityOfNew, TaskBundle, TaskPage
from labelcore.storage.limits import MemoryLimitBackend
from labelcore.storage.sql import _export, _export_json
from labelcore.storage.sql._base import (
    annotation_from_row,
    checked_json,
    chunks,
    draft_from_row,
    ignores_skipped,
    prediction_from_row,
    project_from_row,
    settings_from_json,
    settings_to_json,
    task_from_row,
)
from labelcore.storage.sql._bulkwriter import JSON_ROWS, BulkWriter
from labelcore.storage.sql._dataindex import filter_columns
from labelcore.storage.sql._limits import SQLLimitBackend
from labelcore.storage.sql._ml import SQLML
from labelcore.storage.sql._pgcopy import PGTaskImport
from labelcore.storage.sql._queue import SQLQueue
from labelcore.storage.sql._review_reads import SQLReviewReads
from labelcore.storage.sql._reviews import SQLReviews
from labelcore.storage.sql._rows import NO_COUNTS, prediction_values, task_json, task_values
from labelcore.storage.sql._stats import SQLStats
from labelcore.storage.sql._uploads import SQLUploads
from labelcore.storage.sql.querysql import QuerySQL, after
from labelcore.storage.sql.tables import (
    ANNOTATIONS,
    DATA_COLUMNS,
    DRAFTS,
    MEMBERS,
    PREDICTIONS,
    PROJECTS,
    TASKS,
    TOKENS,
    USERS,
)

T, A, P, D = TASKS, ANNOTATIONS, PREDICTIONS, DRAFTS
SPAN = TASKS.alias("lc_span")  # the task table again, in a sub-select of its own rows
# a task's annotations and its predictions' row values, by its index in the batch
_Children = tuple[int, tuple[NewAnnotation, ...], tuple[tuple[Any, ...], ...]]
# a batch's (annotation, task id, project id) and prediction rows, not yet inserted
_Later = tuple[list[tuple[NewAnnotation, int, int]], list[tuple[Any, ...]]]
_Item = TypeVar("_Item")
BATCH = 1000  # rows per executemany batch
_ID_BATCH = 5000  # task ids task_ids reads in one statement
HELD_TASKS = 8 * BATCH  # SQLite: rows a batch may grow to while the worker writes the last
PG_INDEXED_FILTERS = frozenset({"id", "inner_id", "total_predictions"})  # btree-served
SORT_MATCHES_BELOW = 20_000  # SQLite: sort filtered matches rather than walk the order index
TASK_COLUMNS = (
    "id",
    "project_id",
    "inner_id",
    "data",
    "meta",
    "overlap",
    "is_labeled",
    "total_annotations",
    "cancelled_annotations",
    "total_predictions",
    "created_at",
    "updated_at",
    "file_upload",
    "data_hash",
    "completed_at",
    "sole_annotator",
)
BULK_CACHE_KIB = 32 * 1024  # SQLite: page cache of a connection while it bulk-inserts tasks
ANALYZE_AFTER = 5000  # SQLite: refresh planner statistics after imports this large
# PostgreSQL's planner prices a case-insensitive match like an integer comparison, while ILIKE
# lowercases each text first (1M tasks, "contains" matching 51k: ~8 us a row, most of the
# page): such filters may start parallel workers, which it would otherwise not think worth it
TEXT_MATCH = frozenset({"contains", "not_contains", "regex"})
REGEX_STATEMENT_TIMEOUT_MS = 5000  # PostgreSQL: a regex filter may not run longer
_SUMS = (  # a task list's total_annotations / total_predictions (Label Studio's fields)
    sa.func.coalesce(sa.func.sum(T.c.total_annotations), 0),
    sa.func.coalesce(sa.func.sum(T.c.total_predictions), 0),
)


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        token_hash=row.token_hash,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked=bool(row.revoked),
    )


class SQLStore(SQLML, SQLQueue, SQLReviews, SQLReviewReads, SQLStats, SQLUploads):
    """The SQL Store (see ``labelcore.storage.base`` for the guarantees)."""

    def limit_backend(self) -> SQLLimitBackend | MemoryLimitBackend:
        """Where ``LabelCore(limits=...)`` keeps its state: PostgreSQL's own tables, a file
        beside a SQLite database (``_limits``), process memory for an in-memory one."""
        limits: SQLLimitBackend | MemoryLimitBackend | None = getattr(self, "_limits", None)
        if limits is None:
            database = self.engine.url.database
            if self.is_pg:
                limits = SQLLimitBackend(self.engine, own_engine=False)
            elif not database or database == ":memory:" or database.startswith("file:"):
                limits = MemoryLimitBackend()
            else:
                limits = SQLLimitBackend.beside(database)
            self._limits = limits
        return limits

    # -- users, members, tokens -------------------------------------------------------------
    def upsert_user(self, user: User, seen_at: dt.datetime) -> None:
        values = {
            "name": user.name,
            "email": user.email,
            "email_lower": user.email.strip().casefold(),
            "last_seen": seen_at,
            "roles": ",".join(sorted(user.roles)),
            "organization": organization_key(user.organization),
        }
        with self._tx() as conn:
            if (
                conn.execute(sa.update(USERS).where(USERS.c.id == user.id).values(values)).rowcount
                == 0
            ):
                conn.execute(sa.insert(USERS).values(id=user.id, **values))

    def get_users(self, ids: Collection[UserId]) -> dict[UserId, DirectoryUser]:
        out: dict[UserId, DirectoryUser] = {}
        with self._tx(write=False) as conn:
            for batch in chunks(list(dict.fromkeys(ids))):
                for r in conn.execute(sa.select(USERS).where(USERS.c.id.in_(batch))):
                    out[r.id] = _directory_user(r)
        return out

    def find_user_by_email(self, email: str) -> DirectoryUser | None:
        wanted = email.strip().casefold()
        if not wanted:
            return None
        with self._tx(write=False) as conn:
            r = conn.execute(
                sa.select(USERS).where(USERS.c.email_lower == wanted).order_by(USERS.c.id).limit(1)
            ).first()
        return None if r is None else _directory_user(r)

    def members_of(self, project_ids: Collection[int]) -> dict[int, list[Member]]:
        out: dict[int, list[Member]] = {}
        with self._tx(write=False) as conn:
            for batch in chunks(list(dict.fromkeys(project_ids))):
                rows = conn.execute(
                    sa.select(MEMBERS)
                    .where(MEMBERS.c.project_id.in_(batch))
                    .order_by(MEMBERS.c.project_id, MEMBERS.c.position)
                )
                for r in rows:
                    member = Member(project_id=r.project_id, user_id=r.user_id, role=r.role)
                    out.setdefault(r.project_id, []).append(member)
        return out

    def set_members(self, project_id: int, members: Iterable[Member]) -> None:
        with self._tx() as conn:
            self._project_row(conn, project_id, lock=True)
            conn.execute(sa.delete(MEMBERS).where(MEMBERS.c.project_id == project_id))
            rows = [
                {"project_id": project_id, "user_id": m.user_id, "role": m.role, "position": i}
                for i, m in enumerate(members)
            ]
            if rows:
                conn.execute(sa.insert(MEMBERS), rows)

    def list_members(self, project_id: int) -> list[Member]:
        with self._tx(write=False, snapshot=False) as conn:
            stmt = self._stmt(
                "members",
                lambda: (
                    sa.select(MEMBERS)
                    .where(MEMBERS.c.project_id == sa.bindparam("pid"))
                    .order_by(MEMBERS.c.position)
                ),
            )
            rows = conn.execute(stmt, {"pid": project_id})
            return [Member(project_id=r.project_id, user_id=r.user_id, role=r.role) for r in rows]

    def projects_with_member(self, user_id: UserId) -> set[int]:
        with self._tx(write=False) as conn:
            return {
                r.project_id
                for r in conn.execute(
                    sa.select(MEMBERS.c.project_id).where(MEMBERS.c.user_id == user_id)
                )
            }

    def add_token(self, user_id: UserId, name: str, token_hash: str, prefix: str) -> ApiToken:
        with self._tx() as conn:
            row = conn.execute(
                sa.insert(TOKENS)
                .values(
                    user_id=user_id,
                    name=name,
                    token_hash=token_hash,
                    prefix=prefix,
                    created_at=utcnow(),
                    revoked=False,
                )
                .returning(*TOKENS.c)
            ).one()
            return _token(row)

    def find_token(self, token_hash: str) -> ApiToken | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(TOKENS).where(TOKENS.c.token_hash == token_hash)).first()
            return None if row is None else _token(row)

    def find_token_owner(self, token_hash: str) -> tuple[ApiToken, DirectoryUser | None] | None:
        """``find_token`` and its owner's directory row in one statement (every API request
        authenticated by a token asks for both; ``authenticate_token`` uses this when the
        store has it)."""
        stmt = self._stmt(
            "token_owner",
            lambda: (
                sa.select(
                    TOKENS,
                    USERS.c.id.label("u_id"),
                    USERS.c.name.label("u_name"),
                    USERS.c.email.label("u_email"),
                    USERS.c.roles.label("u_roles"),
                    USERS.c.last_seen.label("u_last_seen"),
                    USERS.c.organization.label("u_organization"),
                )
                .select_from(TOKENS.outerjoin(USERS, USERS.c.id == TOKENS.c.user_id))
                .where(TOKENS.c.token_hash == sa.bindparam("h"))
            ),
        )
        with self._tx(write=False, snapshot=False) as conn:
            row = conn.execute(stmt, {"h": token_hash}).first()
        if row is None:
            return None
        owner = None
        if row.u_id is not None:
            owner = DirectoryUser(
                id=row.u_id,
                name=row.u_name,
                email=row.u_email,
                roles=frozenset(r for r in (row.u_roles or "").split(",") if r),
                last_seen=row.u_last_seen,
                organization=row.u_organization,
            )
        return _token(row), owner

    def list_tokens(self, user_id: UserId) -> list[ApiToken]:
        with self._tx(write=False) as conn:
            return [
                _token(r)
                for r in conn.execute(
                    sa.select(TOKENS).where(TOKENS.c.user_id == user_id).order_by(TOKENS.c.id)
                )
            ]

    def revoke_token(self, token_id: int) -> bool:
        with self._tx() as conn:
            return (
                conn.execute(
                    sa.update(TOKENS).where(TOKENS.c.id == token_id).values(revoked=True)
                ).rowcount
                > 0
            )

    def touch_token(self, token_id: int, at: dt.datetime) -> None:
        with self._tx() as conn:
            conn.execute(sa.update(TOKENS).where(TOKENS.c.id == token_id).values(last_used_at=at))

    # -- projects ---------------------------------------------------------------------------
    def add_project(
        self, settings: ProjectSettings, created_by: UserId | None, organization: str | None = None
    ) -> Project:
        now = utcnow()
        with self._tx() as conn:
            row = conn.execute(
                sa.insert(PROJECTS)
                .values(
                    settings=settings_to_json(settings),
                    created_by=created_by,
                    created_at=now,
                    updated_at=now,
                    task_seq=0,
                    organization=organization,
                )
                .returning(*PROJECTS.c)
            ).one()
            return project_from_row(row)

    def get_project(self, project_id: int) -> Project | None:
        with self._tx(write=False, snapshot=False) as conn:
            stmt = self._stmt(
                "project", lambda: sa.select(PROJECTS).where(PROJECTS.c.id == sa.bindparam("pid"))
            )
            row = conn.execute(stmt, {"pid": project_id}).first()
            return None if row is None else project_from_row(row)

    def get_project_access(self, project_id: int) -> tuple[Project, list[Member]] | None:
        """``get_project`` and ``list_members`` in one statement (the service's access check
        makes it before nearly every call; see ``get_task_access``)."""
        with self._tx(write=False, snapshot=False) as conn:
            stmt = self._stmt(
                "project_access",
                lambda: sa.select(PROJECTS, self._members_json()).where(
                    PROJECTS.c.id == sa.bindparam("pid")
                ),
            )
            row = conn.execute(stmt, {"pid": project_id}).first()
        if row is None:
            return None
        return project_from_row(row), _members_from_json(row.id, row.members)

    def get_task_access(self, task_id: int) -> tuple[Task, Project, list[Member]] | None:
        """The task, its project and the project's members in one statement instead of
        three (one round trip on PostgreSQL): what the service reads to decide whether a
        user may act on a task."""
        with self._tx(write=False, snapshot=False) as conn:
            stmt = self._stmt("task_access", self._task_access_stmt)
            row = conn.execute(stmt, {"tid": task_id}).first()
        if row is None:
            return None
        project = Project(
            id=row.project_id,
            settings=settings_from_json(row.p_settings),
            created_by=row.p_created_by,
            created_at=row.p_created_at,
            updated_at=row.p_updated_at,
            organization=row.p_organization,
        )
        return task_from_row(row), project, _members_from_json(row.project_id, row.members)

    def _task_access_stmt(self) -> Any:
        return (
            sa.select(
                T,
                PROJECTS.c.settings.label("p_settings"),
                PROJECTS.c.created_by.label("p_created_by"),
                PROJECTS.c.created_at.label("p_created_at"),
                PROJECTS.c.updated_at.label("p_updated_at"),
                PROJECTS.c.organization.label("p_organization"),
                self._members_json(),
            )
            .join_from(T, PROJECTS, T.c.project_id == PROJECTS.c.id)
            .where(T.c.id == _TID)
        )

    def _members_json(self) -> Any:
        """The members of the row's project as one JSON array of [user id as stored, role,
        position] (no row per member: the project's settings would come once per member)."""
        m = MEMBERS
        if self.is_pg:
            agg: Any = sa.func.json_agg(
                sa.func.json_build_array(m.c.user_id, m.c.role, m.c.position)
            )
        else:
            agg = sa.func.json_group_array(sa.func.json_array(m.c.user_id, m.c.role, m.c.position))
        members = sa.select(agg).where(m.c.project_id == PROJECTS.c.id).scalar_subquery()
        return sa.type_coerce(members, sa.String).label("members")

    def list_projects(
        self,
        ids: Collection[int] | None = None,
        *,
        organizations: Collection[str | None] | None = None,
    ) -> list[Project]:
        stmt = sa.select(PROJECTS).order_by(PROJECTS.c.created_at.desc(), PROJECTS.c.id.desc())
        if organizations is not None:
            named = sorted({o for o in organizations if o is not None})
            either = [PROJECTS.c.organization.in_(named)] if named else []
            if None in organizations:
                either.append(PROJECTS.c.organization.is_(None))
            stmt = stmt.where(sa.or_(sa.false(), *either))
        with self._tx(write=False) as conn:
            if ids is None:
                return [project_from_row(r) for r in conn.execute(stmt)]
            rows = [
                r for b in chunks(set(ids)) for r in conn.execute(stmt.where(PROJECTS.c.id.in_(b)))
            ]
        return sorted(
            (project_from_row(r) for r in rows), key=lambda p: (p.created_at, p.id), reverse=True
        )

    def update_project(self, project_id: int, settings: ProjectSettings) -> Project:
        with self._tx() as conn:
            row = conn.execute(
                sa.update(PROJECTS)
                .where(PROJECTS.c.id == project_id)
                .values(settings=settings_to_json(settings), updated_at=utcnow())
                .returning(*PROJECTS.c)
            ).first()
            if row is None:
                raise NotFound(f"project {project_id} does not exist", code="project.not_found")
            return project_from_row(row)

    def add_data_columns(self, project_id: int, keys: Collection[str]) -> None:
        new = sorted({k for k in keys if len(k) <= MAX_DATA_COLUMN})
        rows = [{"project_id": project_id, "key": k} for k in new]
        if not rows:
            return
        insert = (pg_insert if self.is_pg else sqlite_insert)(DATA_COLUMNS)
        with self._tx() as conn:
            conn.execute(insert.on_conflict_do_nothing(), rows)

    def data_columns(self, project_id: int) -> list[str]:
        stmt = sa.select(DATA_COLUMNS.c.key).where(DATA_COLUMNS.c.project_id == project_id)
        with self._tx(write=False) as conn:
            return sorted(r[0] for r in conn.execute(stmt))  # code point order on every backend

    def delete_project(self, project_id: int) -> int:
        with self._tx() as conn:
            return conn.execute(sa.delete(PROJECTS).where(PROJECTS.c.id == project_id)).rowcount

    def project_counts(self, project_ids: Collection[int]) -> dict[int, ProjectCounts]:
        out: dict[int, ProjectCounts] = {}
        stmt = (
            sa.select(
                PROJECTS.c.id,
                sa.func.count(T.c.id),
                sa.func.coalesce(sa.func.sum(sa.case((T.c.is_labeled, 1), else_=0)), 0),
                sa.func.coalesce(sa.func.sum(T.c.total_annotations), 0),
                sa.func.coalesce(sa.func.sum(T.c.cancelled_annotations), 0),
                sa.func.coalesce(sa.func.sum(T.c.total_predictions), 0),
                sa.func.count(sa.func.nullif(T.c.total_annotations, 0)),  # tasks with any
            )
            .select_from(PROJECTS.outerjoin(T, T.c.project_id == PROJECTS.c.id))
            .group_by(PROJECTS.c.id)
        )
        with self._tx(write=False) as conn:
            for batch in chunks(set(project_ids)):
                for pid, n, labeled, anns, skipped, preds, annotated in conn.execute(
                    stmt.where(PROJECTS.c.id.in_(batch))
                ):
                    out[pid] = ProjectCounts(
                        task_count=n,
                        labeled_count=int(labeled),
                        annotation_count=int(anns),
                        skipped_count=int(skipped),
                        prediction_count=int(preds),
                        annotated_count=int(annotated),
                    )
        return out

    # -- tasks ------------------------------------------------------------------------------
    def add_tasks(self, project_id: int, tasks: Iterable[NewTask]) -> list[int]:
        return self._add_tasks(project_id, tasks, None)

    def add_tasks_with_quality(
        self, project_id: int, tasks: Iterable[NewTask], quality: QualityOfNew
    ) -> list[int]:
        """``add_tasks``; each batch's quality rows go in with its annotations
        (``_insert_imported_annotations``)."""
        return self._add_tasks(project_id, tasks, quality)

    def _add_tasks(
        self, project_id: int, tasks: Iterable[NewTask], quality: QualityOfNew | None
    ) -> list[int]:
        """Batches of ``BATCH``, ids reserved in the write transaction, JSON serialised once.
        On SQLite a worker thread inserts each batch's tasks (one statement) and adds them to
        the trigram index while this thread reads and checks the next batch
        (``_bulkwriter``); the index covers every new task when this returns. PostgreSQL
        streams the rows into COPY as they are read (``_pgcopy``).

        Each task is turned into its column values as it arrives and then let go: a batch
        of live task objects would survive into the garbage collector's older generations
        and make it walk the whole heap again and again (about 0.4 s per 100k tasks)."""
        ids: list[int] = []
        with self._tx() as conn, ExitStack() as bulk:
            if self.is_pg:
                return PGTaskImport(self, conn, project_id, quality).run(tasks)
            ignore = ignores_skipped(self._project_row(conn, project_id).settings)
            stamp = utcnow()
            now = self._db_time(stamp)
            json_rows = JSON_ROWS
            values: list[Any] = []  # per task: task_json, or task_values before SQLite 3.38
            children: list[_Children] = []  # (index in values, annotations, predictions)
            bulk_cache = False
            # a batch's predictions and annotations, inserted once the writer has its tasks
            later: _Later = ([], [])
            # the worker is done before the page cache comes back and the transaction ends
            with BulkWriter(
                self, conn, self._indexes_text(conn), threaded=self.import_thread
            ) as writer:
                for row_no, new in enumerate(tasks):
                    # a task's counters go in with it (nothing is recounted afterwards)
                    counts = (
                        self._db_counts(new, ignore, stamp, row_no)
                        if new.annotations
                        else NO_COUNTS
                    )
                    values.append(
                        task_json(new, row_no, counts)
                        if json_rows
                        else task_values(new, row_no, now, counts)
                    )
                    if new.annotations or new.predictions:
                        preds = tuple(
                            prediction_values(p, f"row {row_no}: prediction {k}")
                            for k, p in enumerate(new.predictions)
                        )
                        children.append((len(values) - 1, new.annotations, preds))
                    # while the worker writes a batch, the next one is built; it waits for
                    # the worker to finish (growing meanwhile, up to HELD_TASKS)
                    if len(values) >= BATCH and (len(values) >= HELD_TASKS or not writer.busy):
                        writer.wait()
                        self._insert_children(conn, later, stamp, quality)
                        if ids and not bulk_cache:  # a second batch: a bulk import
                            bulk.enter_context(self._bulk_page_cache(conn))
                            bulk_cache = True
                        batch_ids, later = self._insert_task_batch(
                            conn, project_id, values, children, writer, now
                        )
                        ids += batch_ids
                        values, children = [], []
                writer.wait()
                self._insert_children(conn, later, stamp, quality)
                if values:
                    batch_ids, later = self._insert_task_batch(
                        conn, project_id, values, children, writer, now, last=True
                    )
                    ids += batch_ids
                    self._insert_children(conn, later, stamp, quality)
            if len(ids) >= ANALYZE_AFTER:
                # fresh statistics let SQLite drive text searches from the FTS index instead
                # of walking the project's tasks (PostgreSQL: _pgcopy analyzes big imports)
                conn.exec_driver_sql("ANALYZE labelcore_task")
        return ids

    def _insert_task_batch(
        self,
        conn: sa.Connection,
        project_id: int,
        values: list[Any],
        children: list[_Children],
        writer: BulkWriter,
        now: str,
        *,
        last: bool = False,
    ) -> tuple[list[int], _Later]:
        """Reserve the batch's ids and inner ids and have ``writer`` insert its tasks
        (``values`` from ``task_json``) and index them; before SQLite 3.38 (``values``
        from ``task_values``) the tasks are inserted here. Returns the ids and the batch's
        annotation and prediction rows, for ``_insert_children`` once the writer is done:
        their ``executemany`` would take the GIL back per row, so it runs on this thread
        while the writer is idle."""
        last_inner = conn.execute(
            sa.update(PROJECTS)
            .where(PROJECTS.c.id == project_id)
            .values(
                task_seq=PROJECTS.c.task_seq + len(values),
                task_count=PROJECTS.c.task_count + len(values),  # same tx: stays exact
            )
            .returning(PROJECTS.c.task_seq)
        ).scalar_one()
        new_ids = self._reserve_ids(conn, T, len(values))
        first_inner = last_inner - len(values) + 1
        anns: list[tuple[NewAnnotation, int, int]] = []
        preds: list[tuple[Any, ...]] = []
        for i, task_anns, task_preds in children:
            anns += [(a, new_ids[i], project_id) for a in task_anns]
            preds += [(new_ids[i], project_id, *p) for p in task_preds]
        if type(values[0]) is str:  # task_json rows
            counted = any(task_anns for _, task_anns, _ in children)
            writer.insert(
                new_ids[0], project_id, first_inner, values, now, last=last, counted=counted
            )
        else:
            rows = [
                (task_id, project_id, first_inner + i, *v)
                for i, (task_id, v) in enumerate(zip(new_ids, values))
            ]
            self._bulk_insert(conn, T, TASK_COLUMNS, rows)
            writer.index(new_ids, last=last)
        return new_ids, (anns, preds)

    def _insert_children(
        self,
        conn: sa.Connection,
        later: _Later,
        now: dt.datetime,
        quality: QualityOfNew | None,
    ) -> None:
        anns, preds = later
        self._insert_imported_annotations(conn, anns, now, quality)
        self._insert_prediction_rows(conn, preds)

    @contextmanager
    def _bulk_page_cache(self, conn: sa.Connection) -> Iterator[None]:
        """SQLite: a larger page cache while a bulk insert runs. The task hash index and the
        trigram index take inserts all over their B-trees; with SQLite's default 2 MB cache
        their pages are written out to the WAL and read back again and again (100k tasks:
        about 0.35 s of CPU). The connection's own setting comes back afterwards."""
        before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
        page_kib = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one()) // 1024
        if (-before if before < 0 else before * page_kib) >= BULK_CACHE_KIB:
            yield
            return
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size = {before}")

    def get_task(self, task_id: int) -> Task | None:
        with self._tx(write=False, snapshot=False) as conn:
            stmt = self._stmt("bundle.task", lambda: sa.select(T).where(T.c.id == _TID))
            row = conn.execute(stmt, {"tid": task_id}).first()
            return None if row is None else task_from_row(row)

    def get_tasks(self, task_ids: Collection[int]) -> list[Task]:
        with self._tx(write=False) as conn:
            rows = [
                r
                for b in chunks(sorted(set(task_ids)))
                for r in conn.execute(sa.select(T).where(T.c.id.in_(b)).order_by(T.c.id))
            ]  # noqa: E501
        return [task_from_row(r) for r in rows]

    def update_task(
        self,
        task_id: int,
        *,
        data: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Task:
        values: dict[str, Any] = {"updated_at": utcnow()}
        if data is not None:
            if not isinstance(data, dict):
                raise ValidationError("task data must be an object", code="task.data")
            values["data"] = checked_json(data, "data")
        if meta is not None:
            values["meta"] = checked_json(meta, "meta")
        with self._tx() as conn:
            row = conn.execute(
                sa.update(T).where(T.c.id == task_id).values(values).returning(*T.c)
            ).first()
            if row is None:
                raise NotFound(f"task {task_id} does not exist", code="task.not_found")
            return task_from_row(row)

    def delete_tasks(self, project_id: int, task_ids: Collection[int] | None = None) -> int:
        with self._tx() as conn:
            if task_ids is None:
                gone = conn.execute(sa.delete(T).where(T.c.project_id == project_id)).rowcount
            else:
                gone = sum(
                    conn.execute(
                        sa.delete(T).where(T.c.project_id == project_id, T.c.id.in_(b))
                    ).rowcount
                    for b in chunks(set(task_ids))
                )
            if gone:  # the rows this statement deleted (a concurrent delete's are not counted)
                conn.execute(
                    sa.update(PROJECTS)
                    .where(PROJECTS.c.id == project_id)
                    .values(task_count=PROJECTS.c.task_count - gone)
                )
            return gone

    def find_tasks_by_hash(self, project_id: int, hashes: Collection[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        with self._tx(write=False) as conn:
            for batch in chunks(set(hashes)):
                stmt = (
                    sa.select(T.c.data_hash, sa.func.min(T.c.id))
                    .where(T.c.project_id == project_id, T.c.data_hash.in_(batch))
                    .group_by(T.c.data_hash)
                )
                out.update({h: i for h, i in conn.execute(stmt)})
        return out

    def set_task_overlap(self, project_id: int, overlaps: dict[int, int]) -> None:
        with self._tx() as conn:
            tasks = self._tasks_of(conn, list(overlaps))
            for task_id, overlap in overlaps.items():
                if task_id not in tasks or tasks[task_id].project_id != project_id:
                    raise NotFound(
                        f"task {task_id} is not in project {project_id}", code="task.not_found"
                    )
                if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1:
                    raise ValidationError(
                        f"task {task_id}: overlap must be >= 1", code="task.overlap"
                    )
            self._lock_tasks(conn, list(overlaps))
            by_value: dict[int, list[int]] = {}
            for task_id, overlap in overlaps.items():
                by_value.setdefault(overlap, []).append(task_id)
            for overlap, ids in by_value.items():
                for batch in chunks(ids):
                    conn.execute(sa.update(T).where(T.c.id.in_(batch)).values(overlap=overlap))
            self._recount(conn, list(overlaps))

    def recount_tasks(self, project_id: int, task_ids: Collection[int] | None = None) -> None:
        with self._tx() as conn:
            if task_ids is None:
                task_ids = [
                    r.id
                    for r in conn.execute(sa.select(T.c.id).where(T.c.project_id == project_id))
                ]
            else:
                task_ids = [
                    t
                    for t, row in self._tasks_of(conn, list(task_ids)).items()
                    if row.project_id == project_id
                ]
            self._lock_tasks(conn, task_ids)
            self._recount(conn, task_ids)

    # -- queries ----------------------------------------------------------------------------
    def _ordered(
        self, query: TaskQuery, indexed: frozenset[str] = frozenset()
    ) -> tuple[QuerySQL, list[tuple[Any, bool]], list[int]]:
        qs = QuerySQL(self.dialect, fts=self.fts, indexed=indexed)
        groups = qs.order_exprs(query.ordering)
        flat = [(e, o.descending) for o, exprs in zip(query.ordering, groups) for e in exprs]
        return qs, flat, [len(g) for g in groups]

    def _select(
        self,
        conn: sa.Connection,
        project_id: int,
        query: TaskQuery,
        qs: QuerySQL,
        flat: list[tuple[Any, bool]],
        *,
        sort_matches: bool = False,
        only_ids: bool = False,
    ) -> sa.Select[Any]:
        if self.is_pg and qs.uses_regex(query):
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {REGEX_STATEMENT_TIMEOUT_MS}")
        keys = [e.label(f"lc_o{i}") for i, (e, _) in enumerate(flat)]
        stmt = sa.select(T.c.id, *keys) if only_ids else sa.select(T, *keys)
        matching = [T.c.project_id == project_id, *qs.where(query)]
        if sort_matches:
            # the matches found through the filter's index (SQLite plans the IN sub-select
            # like the count), then sorted: ``+expr`` matches no index, so none is walked
            ids = sa.select(T.c.id).where(*matching).correlate(None)
            stmt = stmt.where(T.c.id.in_(ids))
            flat = [(UnaryExpression(e, operator=custom_op("+")), d) for e, d in flat]
        else:
            stmt = stmt.where(*matching)
        order = [(e.desc() if d else e.asc()).nulls_last() for e, d in flat]
        return stmt.order_by(*order, T.c.id.asc())

    @staticmethod
    def _key(row: Any, widths: list[int]) -> list[Any]:
        values = [getattr(row, f"lc_o{i}") for i in range(sum(widths))]
        out, start = [], 0
        for width in widths:
            out.append(tuple(values[start : start + width]))
            start += width
        return out

    def _key_exprs(self, column: str) -> list[Any]:
        """A data key's sort expressions: what its expression index is built on."""
        return QuerySQL(self.dialect, fts=False).order_exprs([Ordering(column=column)])[0]

    def query_tasks(
        self, project_id: int, query: TaskQuery, page: PageRequest, *, sums: bool = False
    ) -> TaskPage:
        query = validate_query(query)
        check_page(page)
        indexed = self.data_indexes.usable(
            project_id,
            query,
            self._key_exprs,
            in_transaction=getattr(self._local, "conn", None) is not None,
        )
        qs, flat, widths = self._ordered(query, indexed)
        with self._tx(write=False) as conn, self._parallel_match(conn, query):
            # with sums, the count also adds up the matches' annotations and predictions: a
            # filtered list over HTTP then finds its matches once, not twice (task_totals)
            count = (
                sa.select(sa.func.count(), *(_SUMS if sums else ()))
                .select_from(T)
                .where(T.c.project_id == project_id, *qs.where(query))
            )
            totals: tuple[int, int] | None = None
            # PostgreSQL: a filtered or data-ordered page scans every match anyway, so it counts
            # in the same pass (count(*) OVER ()), unless indexes serve both its order (id,
            # data-key indexes) and its filters (btree columns): then the page stops early and
            # the count reads an index (100,000 tasks: sorted on data.text 475 -> 37 ms, has
            # predictions 189 -> 22 ms; contains and data-key filters stay one pass, 100 vs
            # 154 ms). On SQLite the window materialises rows: two passes measured faster.
            one_pass = (
                self.is_pg
                and page.cursor is None
                and (query.filters is not None or any(o.column != "id" for o in query.ordering))
                and not (
                    all(o.column == "id" or o.column in indexed for o in query.ordering)
                    and all(c in PG_INDEXED_FILTERS for c in filter_columns(query))
                )
            )
            if not one_pass and not qs.where(query):
                # no filter, no selection: the project's maintained count (migration 0010)
                count = sa.select(PROJECTS.c.task_count).where(PROJECTS.c.id == project_id)
                if sums:  # the project's sums read the covering index (migration 0012)
                    totals = self._task_sums(conn, project_id, query, qs)
            if one_pass:
                total = -1
            else:
                counted = conn.execute(count).one_or_none()
                total = (counted[0] if counted is not None else 0) or 0
                if sums and totals is None:
                    totals = (int(counted[1]), int(counted[2])) if counted is not None else (0, 0)
            # SQLite walks a data key's index in sort order until the page is full; when an
            # indexed filter leaves few matches, sorting just those is cheaper (measured:
            # 1,000 of 100,000 tasks, 20 ms walking vs 8 ms sorting)
            sort_matches = (
                not self.is_pg
                and 0 <= total <= SORT_MATCHES_BELOW
                and any(f in indexed for f in filter_columns(query))
                and any(o.column in indexed for o in query.ordering)
            )
            # one pass: the page's ids and sort keys with the count beside them; the rows
            # follow by id. The window keeps every match until it has counted them: whole
            # rows (data included) spilled to disk and kept the scan on one process
            # (1,000,000 tasks, contains: 650 -> 350 ms under load, with 2 workers)
            stmt = self._select(
                conn, project_id, query, qs, flat, sort_matches=sort_matches, only_ids=one_pass
            )
            if one_pass:
                stmt = stmt.add_columns(sa.func.count().over().label("lc_total"))
                if sums:
                    stmt = stmt.add_columns(
                        sa.func.sum(T.c.total_annotations).over().label("lc_anns"),
                        sa.func.sum(T.c.total_predictions).over().label("lc_preds"),
                    )
            if page.cursor is not None:
                values, last_id = evaluate.decode_cursor(page.cursor, query.ordering)
                try:
                    flat_values = [
                        v
                        for group, w in zip(values, widths)
                        for v in (group if isinstance(group, tuple) and len(group) == w else ())
                    ]  # noqa: E501
                except TypeError as exc:
                    raise QueryError("invalid cursor", code="query.cursor") from exc
                if len(flat_values) != len(flat):
                    raise QueryError(
                        "invalid cursor: it belongs to another backend or ordering",
                        code="query.cursor",
                    )
                if not all(o.column == "id" and not o.descending for o in query.ordering):
                    stmt = stmt.where(after(flat, flat_values, last_id))
                else:
                    # in id order a cursor's values are its id: ``id > last`` alone is a
                    # range of the primary key (``id > v OR id IS NULL OR ...`` was not,
                    # and PostgreSQL sorted the project's tasks for each page)
                    stmt = stmt.where(T.c.id > last_id)
                    if self.is_pg:
                        stmt = stmt.where(T.c.id <= self._last_task_id(project_id))
            else:
                stmt = stmt.offset((page.page - 1) * page.page_size)
            rows = conn.execute(stmt.limit(page.page_size + 1)).all()
            shown = rows[: page.page_size]
            if one_pass and shown:
                ids = [r.id for r in shown]
                whole = {r.id: r for r in conn.execute(sa.select(T).where(T.c.id.in_(ids)))}
                tasks = [task_from_row(whole[i]) for i in ids if i in whole]  # none deleted
            else:
                tasks = [task_from_row(r) for r in shown]
            if total < 0:
                if rows:
                    total = rows[0].lc_total
                    if sums:
                        totals = (int(rows[0].lc_anns or 0), int(rows[0].lc_preds or 0))
                else:  # a page past the end: count on its own
                    counted = conn.execute(count).one()
                    total = counted[0]
                    if sums:
                        totals = (int(counted[1]), int(counted[2]))
        more = len(rows) > page.page_size
        rows = rows[: page.page_size]
        cursor = None
        if more and rows:
            cursor = evaluate.encode_cursor(
                self._key(rows[-1], widths), rows[-1].id, query.ordering
            )
        return TaskPage(tasks=tasks, total=total, next_cursor=cursor, sums=totals)

    @staticmethod
    def _last_task_id(project_id: int) -> Any:
        """The project's greatest task id, as a sub-select of a page's statement (PostgreSQL:
        an InitPlan, one probe of ``labelcore_task_project_ix``). A page after a cursor in id
        order walks the primary key filtered by project when the planner expects its LIMIT
        to be reached soon; the page that meets the project's end then read every later
        project's tasks. An upper bound alone, and on pages after a cursor only: without
        the cursor's lower bound the planner walked the primary key from the first task of
        the first project to the bound."""
        last = sa.select(sa.func.max(SPAN.c.id)).where(SPAN.c.project_id == project_id)
        return last.scalar_subquery()

    def task_totals(self, project_id: int, query: TaskQuery) -> tuple[int, int]:
        query = validate_query(query)
        qs = QuerySQL(self.dialect, fts=self.fts)
        with self._tx(write=False) as conn, self._parallel_match(conn, query):
            if self.is_pg and qs.uses_regex(query):
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {REGEX_STATEMENT_TIMEOUT_MS}")
            return self._task_sums(conn, project_id, query, qs)

    @staticmethod
    def _task_sums(
        conn: sa.Connection, project_id: int, query: TaskQuery, qs: QuerySQL
    ) -> tuple[int, int]:
        stmt = sa.select(*_SUMS).where(T.c.project_id == project_id, *qs.where(query))
        anns, preds = conn.execute(stmt).one()
        return int(anns), int(preds)

    @contextmanager
    def _parallel_match(self, conn: sa.Connection, query: TaskQuery) -> Iterator[None]:
        """PostgreSQL, substring and regex filters: parallel workers for the scan (measured
        at 1M tasks under load: 722 -> 482 ms for a contains page). The setting is put back
        after, for the rest of an enclosing transaction (an error rolls it back anyway)."""
        if not (self.is_pg and QuerySQL.uses(query, TEXT_MATCH)):
            yield
            return
        old = conn.exec_driver_sql(
            "SELECT current_setting('parallel_setup_cost'),"
            " set_config('parallel_setup_cost', '0', true)"
        ).scalar()
        yield
        conn.exec_driver_sql("SELECT set_config('parallel_setup_cost', %s, true)", (old,))

    def task_ids(self, project_id: int, query: TaskQuery) -> Iterator[int]:
        query = validate_query(query)
        qs, flat, widths = self._ordered(query)
        last: tuple[list[Any], int] | None = None
        span: tuple[int, int] | None = None
        while True:
            with self._tx(write=False) as conn:
                span = span or self._task_span(conn, project_id)
                if span is None:
                    return
                # the id and the sort keys: no task's data is read to give its id
                stmt = self._select(conn, project_id, query, qs, flat, only_ids=True)
                stmt = stmt.where(T.c.id <= span[1])
                # one lower bound on id: SQLite takes just one of two into the index range
                if last is None:
                    stmt = stmt.where(T.c.id >= span[0])
                else:
                    stmt = stmt.where(after(flat, last[0], last[1]))
                rows = conn.execute(stmt.limit(_ID_BATCH)).all()
            yield from (r.id for r in rows)
            if len(rows) < _ID_BATCH or (not flat and rows[-1].id == span[1]):
                return
            last = ([v for g in self._key(rows[-1], widths) for v in g], rows[-1].id)

    def _bundles(
        self, conn: sa.Connection, rows: Sequence[Any], include_drafts: bool
    ) -> list[TaskBundle]:
        ids = [r.id for r in rows]
        # each task's rows in id order, read by the task_id index. PostgreSQL took a scan
        # of the table for a list of 500 ids (every annotation of the database, for each
        # batch), or walked the primary key for the ORDER BY id: the batch's range beside
        # its ids, sorted by task first. SQLite reads the index by the list already (the
        # range and the order by task cost it 10% more).
        span = (min(ids), max(ids)) if self.is_pg else None
        anns: dict[int, list[Any]] = {}
        preds: dict[int, list[Any]] = {}
        drafts: dict[int, list[Any]] = {}
        for table, bucket, make in (
            (A, anns, annotation_from_row),
            (P, preds, prediction_from_row),
            (D, drafts, draft_from_row),
        ):
            if table is D and not include_drafts:
                continue
            of_batch = [table.c.task_id.in_(ids)]
            if span is not None:
                of_batch.append(table.c.task_id.between(*span))
            order = (table.c.task_id, table.c.id) if span else (table.c.id,)
            for r in conn.execute(sa.select(table).where(*of_batch).order_by(*order)):
                bucket.setdefault(r.task_id, []).append(make(r))
        return [
            TaskBundle(
                task=task_from_row(r),
                annotations=anns.get(r.id, []),
                predictions=preds.get(r.id, []),
                drafts=drafts.get(r.id, []),
            )
            for r in rows
        ]

    def _keyset_batches(
        self,
        project_id: int,
        query: TaskQuery | None,
        only_annotated: bool,
        batch_size: int,
        columns: Callable[[Any], Sequence[Any]],
        build: Callable[[sa.Connection, Sequence[Any]], Iterable[_Item]],
    ) -> Iterator[_Item]:
        """Keyset batches by id, each read in its own short transaction: memory stays
        bounded, no transaction is held open between batches. ``columns(source)`` are the
        columns read from the task table (or on PostgreSQL a page of it); ``build`` reads
        what else it needs in the transaction, and may make its items afterwards."""
        query = validate_query(query or TaskQuery())
        qs = QuerySQL(self.dialect, fts=self.fts)
        conds = [T.c.project_id == project_id, *qs.where(query)]
        if only_annotated:
            # a task with an annotation, a skip included, by its own counters (kept by every
            # write, SQLBase._recount): a condition on the row read anyway. ``EXISTS`` on
            # the annotations became a hash join on PostgreSQL, each batch then reading the
            # rest of the project's tasks and every annotation of the database to sort them
            conds.append(sa.or_(T.c.total_annotations > 0, T.c.cancelled_annotations > 0))
        size = max(1, min(batch_size, 5000))
        # between the project's first and last task (SQLBase._task_span)
        page = sa.select(T).where(
            *conds, T.c.id > sa.bindparam("lc_after"), T.c.id <= sa.bindparam("lc_last")
        )
        page = page.order_by(T.c.id).limit(size)
        if self.is_pg:
            # columns computed on the page, not before its LIMIT: a plan that sorts the
            # project's remaining tasks (stale statistics after a big import) would
            # otherwise compute them for every one of those rows, batch after batch
            rows_of = page.subquery("page")
            page = sa.select(*columns(rows_of)).order_by(rows_of.c.id)
        else:
            page = page.with_only_columns(*columns(T))
        span: tuple[int, int] | None = None
        last_id = 0
        while True:
            with self._tx(write=False) as conn:
                if span is None:
                    span = self._task_span(conn, project_id)
                    if span is None:
                        return
                    last_id = span[0] - 1
                rows = conn.execute(page, {"lc_after": last_id, "lc_last": span[1]}).all()
                if not rows:
                    return
                items = build(conn, rows)
            yield from items
            last_id = rows[-1].id
            if len(rows) < size or last_id == span[1]:
                return

    def iter_bundles(
        self,
        project_id: int,
        query: TaskQuery | None = None,
        *,
        only_annotated: bool = False,
        include_drafts: bool = False,
        batch_size: int = 500,
    ) -> Iterator[TaskBundle]:
        """Keyset batches by id (see ``_keyset_batches``), three queries per batch."""
        return self._keyset_batches(
            project_id,
            query,
            only_annotated,
            batch_size,
            lambda source: (source,),
            lambda conn, rows: self._bundles(conn, rows, include_drafts),
        )

    def iter_export_tasks(
        self,
        project_id: int,
        query: TaskQuery | None = None,
        *,
        only_annotated: bool = False,
        include_drafts: bool = False,
        include_predictions: bool = True,
        batch_size: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """The tasks ``iter_bundles`` yields, in Label Studio's full-export shape (equal to
        ``task_to_json`` of each bundle), built from the rows without domain objects: the
        export path. Same batching and bounded memory as ``iter_bundles``.
        ``include_predictions=False`` leaves ``predictions`` empty without reading them
        (for formats that never look at them)."""
        return self._keyset_batches(
            project_id,
            query,
            only_annotated,
            batch_size,
            _export.dialect(self.dialect).task_columns,
            lambda conn, rows: _export.tasks_json(conn, rows, include_drafts, include_predictions),
        )

    def iter_export_json(
        self,
        project_id: int,
        query: TaskQuery | None = None,
        *,
        only_annotated: bool = False,
        include_drafts: bool = False,
        batch_size: int = 500,
    ) -> Iterator[EncodedTasks | dict[str, Any]]:
        """The tasks of ``iter_export_tasks`` as the JSON export writes them: one
        ``EncodedTasks`` per batch, its text built from the stored JSON text without
        decoding it (``_export_json.tasks_text``). A batch with a task whose data is not an
        object comes as its dicts, for the exporter to refuse."""

        def build(conn: sa.Connection, rows: Sequence[Any]) -> Iterable[Any]:
            text = _export_json.tasks_text(conn, list(rows), include_drafts)
            if text is None:
                return _export.tasks_json(conn, rows, include_drafts)
            return [EncodedTasks(text, len(rows))]

        return self._keyset_batches(
            project_id,
            query,
            only_annotated,
            batch_size,
            _export.dialect(self.dialect).task_columns,
            build,
        )

    def get_bundle(self, task_id: int, *, include_drafts: bool = True) -> TaskBundle | None:
        """The task and its rows: statements built once, bound to the task id."""
        tables = (A, P, D) if include_drafts else (A, P)
        params = {"tid": task_id}
        with self._tx(write=False, snapshot=False) as conn:
            stmt = self._stmt("bundle.task", lambda: sa.select(T).where(T.c.id == _TID))
            row = conn.execute(stmt, params).first()
            if row is None:
                return None
            children = [
                list(conn.execute(self._stmt(("bundle", table.name), _children(table)), params))
                for table in tables
            ]
        return TaskBundle(
            task=task_from_row(row),
            annotations=[annotation_from_row(r) for r in children[0]],
            predictions=[prediction_from_row(r) for r in children[1]],
            drafts=[draft_from_row(r) for r in children[2]] if include_drafts else [],
        )


__all__ = ["SQLStore"]

_TID: Any = sa.bindparam("tid")


def _members_from_json(project_id: int, members: Any) -> list[Member]:
    rows = json.loads(members) if isinstance(members, str | bytes) else (members or [])
    return [
        Member(project_id=project_id, user_id=json.loads(uid), role=role)
        for uid, role, _ in sorted(rows, key=lambda r: r[2])
    ]


def _children(table: sa.Table) -> Callable[[], sa.Select[Any]]:
    return lambda: sa.select(table).where(table.c.task_id == _TID).order_by(table.c.id)


def _directory_user(row: Any) -> DirectoryUser:
    roles = frozenset(r for r in (row.roles or "").split(",") if r)
    return DirectoryUser(
        id=row.id,
        name=row.name,
        email=row.email,
        roles=roles,
        last_seen=row.last_seen,
        organization=row.organization,
    )
