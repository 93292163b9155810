"""SQLStore's annotations (with history), drafts and predictions (private)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Sequence
from json.encoder import encode_basestring
from typing import Any

import sqlalchemy as sa

from labelcore.errors import Conflict, NotFound, ValidationError
from labelcore.model import (
    Annotation,
    AnnotationVersion,
    Draft,
    NewAnnotation,
    NewPrediction,
    NewTask,
    Prediction,
    ResultList,
    UserId,
    utcnow,
)
from labelcore.storage.base import PredictionScore, QualityOfNew
from labelcore.storage.sql._base import (
    SQLBase,
    annotation_from_row,
    chunks,
    draft_from_row,
    json_text,
    prediction_from_row,
)
from labelcore.storage.sql._reviews import AS, TQ
from labelcore.storage.sql.engine import Dumped
from labelcore.storage.sql.tables import (
    ANNOTATIONS,
    DRAFTS,
    PREDICTIONS,
    TASKS,
    VERSIONS,
    annotators_text,
    encode_user,
)

T, A, V, D, P = TASKS, ANNOTATIONS, VERSIONS, DRAFTS, PREDICTIONS
COPY_FROM = 200  # PostgreSQL: batches at least this large go through COPY
# SQLite text index (migration 0013): no insert trigger, the store indexes the tasks it adds
FTS = "labelcore_task_fts"
_FTS_OBJECTS = (
    "SELECT name FROM sqlite_master WHERE name IN ('labelcore_task_fts', 'labelcore_task_fts_ai')"
)
PREDICTION_COLUMNS = (
    "id",
    "task_id",
    "project_id",
    "result",
    "score",
    "model_version",
    "created_at",
    "updated_at",
)
ANNOTATION_COLUMNS = (
    "id",
    "task_id",
    "project_id",
    "result",
    "completed_by",
    "was_cancelled",
    "ground_truth",
    "lead_time",
    "created_at",
    "updated_at",
    "updated_by",
    "version",
    "unique_id",
    "last_action",
    "imported",
    "import_id",
    "parent_prediction",
    "parent_annotation",
)
TASK_QUALITY_COLUMNS = ("task_id", "project_id", "review_state", "agreement")
ANNOTATION_STATE_COLUMNS = ("annotation_id", "task_id", "state")
VERSION_COLUMNS = (
    "annotation_id",
    "version",
    "result",
    "was_cancelled",
    "ground_truth",
    "user_id",
    "action",
    "created_at",
)
#: a new task's counters: ``is_labeled, total_annotations, cancelled_annotations,
#: completed_at, sole_annotator`` (``import_counts``; the time as computed or as bound)
Counts = tuple[bool, int, int, Any, str | None]
#: ``import_counts`` of a task without annotations
NO_COUNTS: Counts = (False, 0, 0, None, None)


def check_result(result: Any, what: str) -> Any:
    return Dumped(result_text(result, what))


def result_text(result: Any, what: str) -> str:
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        raise ValidationError(f"{what}: result must be a list of objects", code="result.shape")
    return json_text(result, what)


def _task_texts(new: NewTask, row_no: int) -> tuple[str, str, int]:
    """A new task's data and meta JSON text and its overlap, checked."""
    if not isinstance(new, NewTask) or not isinstance(new.data, dict):
        raise ValidationError(f"row {row_no}: task data must be an object", code="task.data")
    overlap = new.overlap
    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1:
        raise ValidationError(f"row {row_no}: overlap must be >= 1", code="task.overlap")
    data = json_text(new.data, f"row {row_no}: data")
    return data, json_text(new.meta, f"row {row_no}: meta"), overlap


def utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime, a naive one read as UTC (as ``UTCDateTime`` stores it)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def import_counts(new: NewTask, ignore: bool, now: dt.datetime, row_no: int = 0) -> Counts:
    """A new task's ``(is_labeled, total_annotations, cancelled_annotations, completed_at,
    sole_annotator)`` from the annotations it comes with (created at ``now`` unless they say
    when), the values ``_recount`` would compute from their rows: an import writes them with
    the task instead of recounting it afterwards (an UPDATE per task). ``ignore``: the
    project's ``ignores_skipped``. Distinct completers are told apart by their stored text,
    as there; ``sole_annotator`` names the users of its annotations, skips aside
    (``annotators_text``)."""
    annotations = new.annotations
    if not annotations:
        return NO_COUNTS
    for k, a in enumerate(annotations):  # a bad row is named, before anything is written
        who = a.completed_by
        if who is not None and (isinstance(who, bool) or not isinstance(who, int | str)):
            raise ValidationError(
                f"row {row_no}: annotation {k}: completed_by must be a user id (int or str),"
                f" got {who!r}",
                code="annotation.completed_by",
            )
        if a.created_at is not None and not isinstance(a.created_at, dt.datetime):
            raise ValidationError(
                f"row {row_no}: annotation {k}: created_at must be a datetime,"
                f" got {a.created_at!r}",
                code="annotation.created_at",
            )
    cancelled = sum(1 for a in annotations if a.was_cancelled)
    completers = {encode_user(a.completed_by) for a in annotations if ignore or not a.was_cancelled}
    completed_at = max(now if a.created_at is None else utc(a.created_at) for a in annotations)
    labeled = len(completers) >= new.overlap
    sole = annotators_text(
        {encode_user(a.completed_by) for a in annotations if not a.was_cancelled}
    )
    return labeled, len(annotations) - cancelled, cancelled, completed_at, sole


def task_values(
    new: NewTask,
    row_no: int,
    now: Any,
    counts: Counts = NO_COUNTS,
) -> tuple[Any, ...]:
    """A new task's row values after ``id``, ``project_id`` and ``inner_id`` (the rest of
    the task columns, in order), checked and with its JSON serialised once. Both bulk paths
    (SQLite's executemany, PostgreSQL's COPY) build their rows with it. ``counts``: its
    ``import_counts``, the time as the driver binds it (``now`` too)."""
    data, meta, overlap = _task_texts(new, row_no)
    labeled, total, cancelled, completed_at, sole = counts
    return (
        data,
        meta,
        overlap,
        labeled,
        total,
        cancelled,
        len(new.predictions),  # total_predictions
        now,  # created_at
        now,  # updated_at
        new.file_upload,
        new.data_hash,
        completed_at,
        sole,
    )


def task_json(new: NewTask, row_no: int, counts: Counts = NO_COUNTS) -> str:
    """SQLite: the values of ``task_values`` that differ per task, as one JSON array
    (``[data, meta, overlap, total_predictions, file_upload, data_hash]``, then for a task
    with annotations ``is_labeled, total_annotations, cancelled_annotations, completed_at``)
    for
    ``_bulkwriter.TASKS_FROM_JSON``. The data and meta go in as the JSON they are stored as
    (SQLite's ``->`` gives that text back unchanged); nothing is escaped twice."""
    data, meta, overlap = _task_texts(new, row_no)
    upload, digest = new.file_upload, new.data_hash
    counted = "]"  # no counters: all zero (COUNTED_TASKS_FROM_JSON)
    if counts is not NO_COUNTS:
        labeled, total, cancelled, completed_at, sole = counts
        done = "null" if completed_at is None else encode_basestring(completed_at)
        one = "null" if sole is None else encode_basestring(sole)
        counted = f",{int(labeled)},{total},{cancelled},{done},{one}]"
    return (
        f"[{data},{meta},{overlap},{len(new.predictions)},"
        f"{_json_scalar(upload, row_no, 'file_upload')},"
        f"{_json_scalar(digest, row_no, 'data_hash')}{counted}"
    )


def _json_scalar(value: Any, row_no: int, what: str) -> str:
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)
    return json_text(value, f"row {row_no}: {what}")


def prediction_values(new: NewPrediction, what: str) -> tuple[str, float | None, str]:
    """A prediction's result text, score and model version as its row stores them."""
    score = new.score
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise ValidationError(
            f"prediction score must be a number, got {score!r}", code="prediction.score"
        )
    return (
        result_text(new.result, what),
        None if score is None else float(score),
        new.model_version,
    )


class SQLRows(SQLBase):
    # -- bulk inserts -----------------------------------------------------------------------
    def _db_time(self, value: dt.datetime) -> Any:
        """A timestamp as the driver binds it for a UTCDateTime column (SQLite: the text
        SQLAlchemy writes, naive UTC with microseconds; PostgreSQL: the aware datetime)."""
        if self.is_pg:
            return value
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def _reserve_ids(self, conn: sa.Connection, table: sa.Table, n: int) -> list[int]:
        """``n`` fresh primary keys of ``table`` for an insert in this write transaction.

        SQLite: the transaction holds the database's write lock (``BEGIN IMMEDIATE``), so the
        ids after the AUTOINCREMENT high-water mark are ours; inserting them moves the mark.
        PostgreSQL: drawn from the column's sequence (not always contiguous)."""
        if n <= 0:
            return []
        if self.is_pg:
            rows = conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (table.name, n),
            )
            return [r[0] for r in rows]
        top_sql = f"SELECT max(id) FROM {table.name}"  # noqa: S608 - a table name
        seq = conn.exec_driver_sql(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,)
        ).scalar()
        top = max(seq or 0, conn.exec_driver_sql(top_sql).scalar() or 0)
        return list(range(top + 1, top + 1 + n))

    def _bulk_insert(
        self,
        conn: sa.Connection,
        table: sa.Table,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
    ) -> None:
        """Insert driver-ready rows (ids included): one plain ``executemany``, or ``COPY``
        on PostgreSQL for large batches. No RETURNING, no per-row SQLAlchemy processing."""
        if not rows:
            return
        names = ", ".join(columns)
        if self.is_pg and len(rows) >= COPY_FROM:
            import psycopg

            statement = f"COPY {table.name} ({names}) FROM STDIN"  # noqa: S608 - constant names
            dbapi: Any = conn.connection.driver_connection
            try:
                with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            except psycopg.Error as exc:
                # what executemany raises for the same rows: SQLAlchemy's error types (an
                # IntegrityError, a DataError for a value too long, ...), not the driver's
                raise sa.exc.DBAPIError.instance(statement, None, exc, psycopg.Error) from exc
            return
        marks = ", ".join(["%s" if self.is_pg else "?"] * len(columns))
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608 - constant
            list(rows),
        )

    def _indexes_text(self, conn: sa.Connection) -> bool:
        """Whether inserted tasks must be added to the SQLite trigram index here: the index
        exists and no insert trigger fills it (0013; before, the trigger did). Read on
        ``conn`` (another connection could not begin while it writes, e.g. with an in-memory
        database) and kept until ``migrate()`` clears it."""
        if self.is_pg:
            return False
        if self._fts_by_store is None:
            names = {r[0] for r in conn.exec_driver_sql(_FTS_OBJECTS)}
            self._fts = FTS in names
            self._fts_by_store = self._fts and f"{FTS}_ai" not in names
        return self._fts_by_store

    # -- annotations ------------------------------------------------------------------------
    @staticmethod
    def _annotation_values(
        new: NewAnnotation, task_id: int, project_id: int, now: dt.datetime
    ) -> dict[str, Any]:
        return {
            "task_id": task_id,
            "project_id": project_id,
            "result": check_result(new.result, f"annotation of task {task_id}"),
            "completed_by": new.completed_by,
            "was_cancelled": bool(new.was_cancelled),
            "ground_truth": bool(new.ground_truth),
            "lead_time": float(new.lead_time),
            "created_at": new.created_at or now,
            "updated_at": now,
            "updated_by": new.completed_by,
            "version": 1,
            "unique_id": new.unique_id,
            "last_action": new.last_action,
            "imported": bool(new.imported),
            "import_id": new.import_id,
            "parent_prediction": new.parent_prediction,
            "parent_annotation": new.parent_annotation,
        }

    def _first_versions(
        self, conn: sa.Connection, ids: Sequence[int], rows: Sequence[dict[str, Any]], now: Any
    ) -> None:
        conn.execute(
            self._stmt("annotation.version", lambda: sa.insert(V)),
            [
                {
                    "annotation_id": aid,
                    "version": 1,
                    "result": row["result"],
                    "was_cancelled": row["was_cancelled"],
                    "ground_truth": row["ground_truth"],
                    "user_id": row["completed_by"],
                    "action": row["last_action"] or "submitted",
                    "created_at": now,
                }
                for aid, row in zip(ids, rows)
            ],
        )

    def _insert_annotations(
        self, conn: sa.Connection, items: Sequence[tuple[NewAnnotation, int, int]]
    ) -> list[int]:
        """Insert ``(annotation, task_id, project_id)`` rows with their first history entry."""
        if not items:
            return []
        now = utcnow()
        rows = [self._annotation_values(new, tid, pid, now) for new, tid, pid in items]
        stmt = self._stmt(
            "annotation.insert_many",
            lambda: sa.insert(A).returning(A.c.id, sort_by_parameter_order=True),
        )
        try:
            ids = [r[0] for r in conn.execute(stmt, rows)]
        except sa.exc.IntegrityError as exc:
            raise Conflict(
                f"an annotation unique_id already exists: {exc.orig}", code="annotation.duplicate"
            ) from exc
        self._first_versions(conn, ids, rows, now)
        return ids

    def _task_project_stmt(self) -> Any:
        stmt = sa.select(T.c.project_id).where(T.c.id == sa.bindparam("tid"))
        return stmt.with_for_update() if self.is_pg else stmt

    def add_annotation(self, annotation: NewAnnotation, project_id: int) -> Annotation:
        with self._tx() as conn:
            # PostgreSQL: the task's row lock comes with its project id (one round trip;
            # writers of one task serialize here, see _lock_tasks)
            task = conn.execute(
                self._stmt("task.project_id_locked", self._task_project_stmt),
                {"tid": annotation.task_id},
            ).first()
            if task is None or task.project_id != project_id or annotation.task_id is None:
                raise NotFound(
                    f"task {annotation.task_id} is not in project {project_id}",
                    code="task.not_found",
                )
            # one row: the INSERT returns it whole (no SELECT after, no insertmanyvalues)
            now = utcnow()
            values = self._annotation_values(annotation, annotation.task_id, project_id, now)
            stmt = self._stmt("annotation.insert_one", lambda: sa.insert(A).returning(*A.c))
            try:
                row = conn.execute(stmt, values).one()
            except sa.exc.IntegrityError as exc:
                raise Conflict(
                    f"an annotation unique_id already exists: {exc.orig}",
                    code="annotation.duplicate",
                ) from exc
            self._first_versions(conn, [row.id], [values], now)
            self._recount(conn, [annotation.task_id])
            return annotation_from_row(row)

    def get_annotation(self, annotation_id: int) -> Annotation | None:
        stmt, params = self._select_eq(A, "id", (("id", annotation_id),))
        with self._tx(write=False) as conn:
            row = conn.execute(stmt, params).first()
            return None if row is None else annotation_from_row(row)

    def get_annotation_by_unique_id(self, unique_id: str) -> Annotation | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(A).where(A.c.unique_id == unique_id)).first()
            return None if row is None else annotation_from_row(row)

    def list_annotations(
        self,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        completed_by: UserId | None = None,
        task_ids: Collection[int] | None = None,
        annotation_ids: Collection[int] | None = None,
    ) -> list[Annotation]:
        stmt, params = self._select_eq(
            A,
            "id",
            (("task_id", task_id), ("project_id", project_id), ("completed_by", completed_by)),
        )
        rows = self._select_among(stmt, params, ((A.c.task_id, task_ids), (A.c.id, annotation_ids)))
        return [annotation_from_row(r) for r in rows]

    def recent_task_ids(self, project_id: int, completed_by: UserId, limit: int) -> list[int]:
        if limit <= 0:
            return []
        at, top = sa.func.max(A.c.updated_at), sa.func.max(A.c.id)
        stmt = (
            sa.select(A.c.task_id)
            .where(A.c.project_id == project_id, A.c.completed_by == completed_by)
            .group_by(A.c.task_id)
            .order_by(at.desc(), top.desc())
            .limit(limit)
        )
        with self._tx(write=False) as conn:
            return [r.task_id for r in conn.execute(stmt)][::-1]

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
        with self._tx() as conn:
            found = conn.execute(sa.select(A.c.task_id).where(A.c.id == annotation_id)).first()
            if found is None:
                raise NotFound(
                    f"annotation {annotation_id} does not exist", code="annotation.not_found"
                )
            self._lock_tasks(conn, [found.task_id])
            current = conn.execute(sa.select(A).where(A.c.id == annotation_id)).one()
            if expected_version is not None and expected_version != current.version:
                raise Conflict(
                    f"annotation {annotation_id} is at version {current.version}, not "
                    f"{expected_version}: reload it and apply your change again",
                    code="annotation.version_conflict",
                )
            now = utcnow()
            values: dict[str, Any] = {
                "version": current.version + 1,
                "updated_at": now,
                "updated_by": updated_by,
            }
            if result is not None:
                values["result"] = check_result(result, f"annotation {annotation_id}")
            for name, value in (
                ("was_cancelled", was_cancelled),
                ("ground_truth", ground_truth),
                ("completed_by", completed_by),
                ("last_action", last_action),
                ("unique_id", unique_id),
            ):
                if value is not None:
                    values[name] = value
            if lead_time is not None:
                values["lead_time"] = float(lead_time)
            # the version in WHERE makes check-and-write one atomic step on any backend
            try:
                done = conn.execute(
                    sa.update(A)
                    .where(A.c.id == annotation_id, A.c.version == current.version)
                    .values(values)
                )
            except sa.exc.IntegrityError as exc:  # only unique_id is unique here
                raise Conflict(
                    f"an annotation unique_id already exists: {exc.orig}",
                    code="annotation.duplicate",
                ) from exc
            if done.rowcount != 1:
                raise Conflict(
                    f"annotation {annotation_id} changed meanwhile",
                    code="annotation.version_conflict",
                )
            row = conn.execute(sa.select(A).where(A.c.id == annotation_id)).one()
            conn.execute(
                sa.insert(V).values(
                    annotation_id=annotation_id,
                    version=row.version,
                    result=row.result,
                    was_cancelled=row.was_cancelled,
                    ground_truth=row.ground_truth,
                    user_id=updated_by,
                    action=action,
                    created_at=now,
                )
            )
            self._recount(conn, [row.task_id])
            return annotation_from_row(row)

    def delete_annotations(self, annotation_ids: Collection[int]) -> int:
        gone = 0
        with self._tx() as conn:
            for batch in chunks(set(annotation_ids)):
                tasks = [
                    r.task_id for r in conn.execute(sa.select(A.c.task_id).where(A.c.id.in_(batch)))
                ]
                self._lock_tasks(conn, tasks)
                gone += conn.execute(sa.delete(A).where(A.c.id.in_(batch))).rowcount
                self._recount(conn, tasks)
        return gone

    def annotation_history(self, annotation_id: int) -> list[AnnotationVersion]:
        with self._tx(write=False) as conn:
            rows = conn.execute(
                sa.select(V).where(V.c.annotation_id == annotation_id).order_by(V.c.version)
            )
            return [
                AnnotationVersion(
                    annotation_id=r.annotation_id,
                    version=r.version,
                    result=r.result,
                    was_cancelled=bool(r.was_cancelled),
                    ground_truth=bool(r.ground_truth),
                    user_id=r.user_id,
                    action=r.action,
                    created_at=r.created_at,
                )
                for r in rows
            ]

    def clear_ground_truth(self, task_id: int, except_id: int | None = None) -> None:
        with self._tx() as conn:
            stmt = sa.update(A).where(A.c.task_id == task_id, A.c.ground_truth.is_(True))
            if except_id is not None:
                stmt = stmt.where(A.c.id != except_id)
            conn.execute(stmt.values(ground_truth=False))

    def anonymise_annotations(self, user_id: UserId, replacement: UserId | None) -> int:
        with self._tx() as conn:
            ids = {
                r.id
                for r in conn.execute(
                    sa.select(A.c.id).where(
                        sa.or_(A.c.completed_by == user_id, A.c.updated_by == user_id)
                    )
                )
            }
            tasks = {
                r.task_id
                for r in conn.execute(sa.select(A.c.task_id).where(A.c.completed_by == user_id))
            }
            conn.execute(
                sa.update(A).where(A.c.completed_by == user_id).values(completed_by=replacement)
            )
            for batch in chunks(sorted(tasks)):  # their annotator changed (the next task)
                conn.execute(
                    sa.update(T)
                    .where(T.c.id.in_(batch))
                    .values(sole_annotator=self._sole_annotator(self.is_pg))
                )
            conn.execute(
                sa.update(A).where(A.c.updated_by == user_id).values(updated_by=replacement)
            )
            conn.execute(sa.update(V).where(V.c.user_id == user_id).values(user_id=replacement))
            return len(ids)

    # -- drafts -----------------------------------------------------------------------------
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
        with self._tx() as conn:
            task = conn.execute(sa.select(T.c.project_id).where(T.c.id == task_id)).first()
            if task is None:
                raise NotFound(f"task {task_id} does not exist", code="task.not_found")
            if annotation_id is not None:
                ann = conn.execute(sa.select(A.c.task_id).where(A.c.id == annotation_id)).first()
                if ann is None or ann.task_id != task_id:
                    raise NotFound(
                        f"annotation {annotation_id} is not on task {task_id}",
                        code="annotation.not_found",
                    )
            self._lock_tasks(conn, [task_id])
            now = utcnow()
            key = (
                D.c.task_id == task_id,
                D.c.user_id == user_id,
                D.c.annotation_key == (annotation_id or 0),
            )
            values = {
                "result": check_result(result, "draft"),
                "lead_time": float(lead_time),
                "was_postponed": bool(was_postponed),
                "updated_at": now,
            }
            if conn.execute(sa.update(D).where(*key).values(values)).rowcount == 0:
                conn.execute(
                    sa.insert(D).values(
                        task_id=task_id,
                        project_id=task.project_id,
                        user_id=user_id,
                        annotation_id=annotation_id,
                        annotation_key=annotation_id or 0,
                        created_at=now,
                        **values,
                    )
                )
            return draft_from_row(conn.execute(sa.select(D).where(*key)).one())

    def get_draft(self, draft_id: int) -> Draft | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(D).where(D.c.id == draft_id)).first()
            return None if row is None else draft_from_row(row)

    def list_drafts(
        self,
        *,
        task_id: int | None = None,
        user_id: UserId | None = None,
        annotation_id: int | None = None,
        project_id: int | None = None,
        task_ids: Collection[int] | None = None,
    ) -> list[Draft]:
        stmt, params = self._select_eq(
            D,
            "id",
            (
                ("task_id", task_id),
                ("user_id", user_id),
                ("annotation_id", annotation_id),
                ("project_id", project_id),
            ),
        )
        rows = self._select_among(stmt, params, ((D.c.task_id, task_ids),))
        return [draft_from_row(r) for r in rows]

    def delete_drafts(self, draft_ids: Collection[int]) -> int:
        with self._tx() as conn:
            return sum(
                conn.execute(sa.delete(D).where(D.c.id.in_(b))).rowcount
                for b in chunks(set(draft_ids))
            )

    # -- predictions ------------------------------------------------------------------------
    def _insert_predictions(
        self, conn: sa.Connection, items: Sequence[tuple[NewPrediction, int, int]]
    ) -> list[int]:
        values = [
            (task_id, project_id, *prediction_values(new, f"prediction of task {task_id}"))
            for new, task_id, project_id in items
        ]
        return self._insert_prediction_rows(conn, values)

    def _db_counts(self, new: NewTask, ignore: bool, now: dt.datetime, row_no: int = 0) -> Counts:
        """``import_counts`` with the time as the driver binds it."""
        labeled, total, cancelled, at, sole = import_counts(new, ignore, now, row_no)
        return labeled, total, cancelled, None if at is None else self._db_time(at), sole

    def _insert_imported_annotations(
        self,
        conn: sa.Connection,
        items: Sequence[tuple[NewAnnotation, int, int]],
        now: dt.datetime,
        quality: QualityOfNew | None = None,
    ) -> None:
        """The import's ``_insert_annotations``: ``(annotation, task_id, project_id)`` rows
        and their first history entries, with ids reserved up front and the values bound as
        the driver stores them, so both go in through ``_bulk_insert`` (PostgreSQL: COPY)
        instead of an INSERT ... RETURNING per row. The tasks' counters are not touched:
        the import wrote them with the tasks (``import_counts``). With ``quality``
        (``add_tasks_with_quality``), the tasks' review quality rows follow."""
        if not items:
            return
        ids = self._reserve_ids(conn, A, len(items))
        stamp = self._db_time(now)
        rows: list[tuple[Any, ...]] = []
        versions: list[tuple[Any, ...]] = []
        for aid, (new, tid, pid) in zip(ids, items):
            result = result_text(new.result, f"annotation of task {tid}")
            who = encode_user(new.completed_by)
            cancelled, gt = bool(new.was_cancelled), bool(new.ground_truth)
            created = stamp if new.created_at is None else self._db_time(utc(new.created_at))
            rows.append(
                (aid, tid, pid, result, who, cancelled, gt, float(new.lead_time), created)
                + (stamp, who, 1, new.unique_id, new.last_action, bool(new.imported))
                + (new.import_id, new.parent_prediction, new.parent_annotation)
            )
            action = new.last_action or "submitted"
            versions.append((aid, 1, result, cancelled, gt, who, action, stamp))
        try:
            self._bulk_insert(conn, A, ANNOTATION_COLUMNS, rows)
        except sa.exc.IntegrityError as exc:  # executemany and COPY alike (_bulk_insert)
            raise Conflict(
                f"an annotation unique_id already exists: {exc.orig}",
                code="annotation.duplicate",
            ) from exc
        self._bulk_insert(conn, V, VERSION_COLUMNS, versions)
        if quality is not None:
            self._insert_new_quality(conn, items, ids, quality)

    def _insert_new_quality(
        self,
        conn: sa.Connection,
        items: Sequence[tuple[NewAnnotation, int, int]],
        ids: Sequence[int],
        quality: QualityOfNew,
    ) -> None:
        """The review quality of the tasks just imported with these annotations (``items``
        as ``_insert_imported_annotations`` got them, each task's next to each other and in
        its order; ``ids`` theirs): what ``set_task_quality`` would store for
        ``quality(annotations)``. The tasks are new, so there is nothing to replace and no
        row to check: plain inserts through ``_bulk_insert`` (COPY on PostgreSQL)."""
        tasks: list[tuple[Any, ...]] = []
        states: list[tuple[Any, ...]] = []
        start = 0
        for task_id, group in itertools.groupby(items, key=lambda item: item[1]):
            anns = [new for new, _, _ in group]
            end = start + len(anns)
            q = quality(anns)
            tasks.append((task_id, items[start][2], q.state, q.agreement))
            states += [
                (aid, task_id, state)
                for aid, state in zip(ids[start:end], q.annotation_states, strict=True)
            ]
            start = end
        self._bulk_insert(conn, TQ, TASK_QUALITY_COLUMNS, tasks)
        self._bulk_insert(conn, AS, ANNOTATION_STATE_COLUMNS, states)

    def _insert_prediction_rows(
        self, conn: sa.Connection, values: Sequence[tuple[Any, ...]]
    ) -> list[int]:
        """Insert ``(task_id, project_id, *prediction_values(...))`` rows."""
        if not values:
            return []
        now = self._db_time(utcnow())
        ids = self._reserve_ids(conn, P, len(values))
        self._bulk_insert(
            conn, P, PREDICTION_COLUMNS, [(i, *v, now, now) for i, v in zip(ids, values)]
        )
        return ids

    def add_predictions(
        self, predictions: Sequence[NewPrediction], project_id: int
    ) -> list[Prediction]:
        with self._tx() as conn:
            tasks = self._tasks_of(conn, [p.task_id for p in predictions if p.task_id is not None])
            for new in predictions:
                task = tasks.get(new.task_id) if new.task_id is not None else None
                if task is None or task.project_id != project_id:
                    raise NotFound(
                        f"task {new.task_id} is not in project {project_id}", code="task.not_found"
                    )
            self._lock_tasks(conn, list(tasks))
            ids = self._insert_predictions(conn, [(p, p.task_id, project_id) for p in predictions])  # type: ignore[misc]
            self._recount(conn, list(tasks))
            rows: Any = (
                conn.execute(sa.select(P).where(P.c.id.in_(ids)).order_by(P.c.id)) if ids else []
            )
            return [prediction_from_row(r) for r in rows]

    def get_prediction(self, prediction_id: int) -> Prediction | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(P).where(P.c.id == prediction_id)).first()
            return None if row is None else prediction_from_row(row)

    def list_predictions(
        self,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        model_version: str | None = None,
        task_ids: Collection[int] | None = None,
    ) -> list[Prediction]:
        stmt, params = self._select_eq(
            P,
            "id",
            (("task_id", task_id), ("project_id", project_id), ("model_version", model_version)),
        )
        rows = self._select_among(stmt, params, ((P.c.task_id, task_ids),))
        return [prediction_from_row(r) for r in rows]

    def prediction_scores(
        self, project_id: int, task_ids: Collection[int]
    ) -> list[PredictionScore]:
        # by task id alone: with the project's condition too, SQLite would walk the project
        cols = sa.select(P.c.id, P.c.project_id, P.c.task_id, P.c.score, P.c.model_version)
        rows = self._select_among(cols.order_by(P.c.id), {}, ((P.c.task_id, task_ids),))
        return [
            PredictionScore(task_id=r.task_id, score=r.score, model_version=r.model_version)
            for r in rows
            if r.project_id == project_id
        ]

    def update_prediction(
        self,
        prediction_id: int,
        *,
        result: ResultList | None = None,
        score: float | None = None,
        model_version: str | None = None,
    ) -> Prediction:
        values: dict[str, Any] = {"updated_at": utcnow()}
        if result is not None:
            values["result"] = result
        if score is not None:
            values["score"] = score
        if model_version is not None:
            values["model_version"] = model_version
        with self._tx() as conn:
            row = conn.execute(sa.select(P.c.task_id).where(P.c.id == prediction_id)).first()
            if row is None:
                raise NotFound(f"prediction {prediction_id} not found", code="prediction.not_found")
            self._lock_tasks(conn, [row.task_id])
            conn.execute(sa.update(P).where(P.c.id == prediction_id).values(values))
            fresh = conn.execute(sa.select(P).where(P.c.id == prediction_id)).one()
            return prediction_from_row(fresh)

    def delete_predictions(self, prediction_ids: Collection[int]) -> int:
        gone = 0
        with self._tx() as conn:
            for batch in chunks(set(prediction_ids)):
                tasks = [
                    r.task_id for r in conn.execute(sa.select(P.c.task_id).where(P.c.id.in_(batch)))
                ]
                self._lock_tasks(conn, tasks)
                gone += conn.execute(sa.delete(P).where(P.c.id.in_(batch))).rowcount
                self._recount(conn, tasks)
        return gone

    def tasks_lacking_model_version(
        self, project_id: int, model_version: str, task_ids: Collection[int] | None = None
    ) -> list[int]:
        has = sa.exists().where(P.c.task_id == T.c.id, P.c.model_version == model_version)
        stmt = sa.select(T.c.id).where(T.c.project_id == project_id, ~has).order_by(T.c.id)
        with self._tx(write=False) as conn:
            if task_ids is None:
                return [r.id for r in conn.execute(stmt)]
            out: list[int] = []
            for batch in chunks(sorted(set(task_ids))):
                out += [r.id for r in conn.execute(stmt.where(T.c.id.in_(batch)))]
            return out
