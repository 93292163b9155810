"""Plumbing of SQLStore: engine, per-thread transactions, row mapping, counters (private)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

import sqlalchemy as sa

from labelcore.errors import Conflict, NotFound, QueryError, ValidationError
from labelcore.model import (
    Annotation,
    Draft,
    Prediction,
    Project,
    ProjectSettings,
    SkipQueue,
    Task,
)
from labelcore.storage.sql._dataindex import DataIndexes
from labelcore.storage.sql._writer import WriterQueue
from labelcore.storage.sql.engine import (
    Dumped,
    dumps,
    make_engine,
    pop_sqlite_failure,
    upgrade_engine,
)
from labelcore.storage.sql.tables import (
    ANNOTATIONS,
    PAIR_SEP,
    PREDICTIONS,
    PROJECTS,
    SOLE_MAX,
    TASKS,
)

T, A, P = TASKS, ANNOTATIONS, PREDICTIONS
_log = logging.getLogger("labelcore.storage")
#: the longest a write's maintenance after its commit (a big import's VACUUM) may keep the
#: caller waiting; what it did until then stays done (VACUUM sets the visibility map as it goes)
MAINTENANCE_TIMEOUT_MS = 30_000
_T = TypeVar("_T")
_S = TypeVar("_S")
CHUNK = 5000  # ids per IN list (SQLite allows 32766 variables)


def chunks(items: Iterable[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# a NUL character as JSON writes it (``\u0000`` not itself escaped by a backslash)
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def checked_json(value: Any, what: str) -> Dumped:
    """Serialise once, naming the row when the value is not JSON or holds a NUL character
    (PostgreSQL's JSONB cannot store one; refused on SQLite too, so both hold the same)."""
    return Dumped(json_text(value, what))


def json_text(value: Any, what: str) -> str:
    """``checked_json`` as plain text, for rows handed to the driver as they are."""
    if type(value) is dict and not value:
        return "{}"
    try:
        text = dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what} is not valid JSON: {exc}", code="store.json") from exc
    if "\\u0000" in text and _NUL.search(text):
        raise ValidationError(
            f"{what} holds a NUL character (\\u0000), which the database cannot store",
            code="store.json_nul",
        )
    return text


def settings_to_json(settings: ProjectSettings) -> dict[str, Any]:
    import attrs

    return {k: (str(v) if hasattr(v, "value") else v) for k, v in attrs.asdict(settings).items()}


def settings_from_json(data: dict[str, Any]) -> ProjectSettings:
    import attrs

    known = {f.name for f in attrs.fields(ProjectSettings)}
    return ProjectSettings(**{k: v for k, v in data.items() if k in known})


def ignores_skipped(settings: dict[str, Any]) -> bool:
    """Whether skipped annotations free their slot (the project's stored ``skip_queue``)."""
    return bool(settings.get("skip_queue") == SkipQueue.IGNORE_SKIPPED.value)


def project_from_row(row: Any) -> Project:
    return Project(
        id=row.id,
        settings=settings_from_json(row.settings),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        organization=row.organization,
    )


def task_from_row(row: Any) -> Task:
    return Task(
        id=row.id,
        project_id=row.project_id,
        inner_id=row.inner_id,
        data=row.data,
        meta=row.meta,
        overlap=row.overlap,
        is_labeled=bool(row.is_labeled),
        total_annotations=row.total_annotations,
        cancelled_annotations=row.cancelled_annotations,
        total_predictions=row.total_predictions,
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        file_upload=row.file_upload,
        data_hash=row.data_hash,
    )


def annotation_from_row(row: Any) -> Annotation:
    return Annotation(
        id=row.id,
        task_id=row.task_id,
        project_id=row.project_id,
        result=row.result,
        completed_by=row.completed_by,
        was_cancelled=bool(row.was_cancelled),
        ground_truth=bool(row.ground_truth),
        lead_time=row.lead_time,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        version=row.version,
        unique_id=row.unique_id,
        last_action=row.last_action,
        imported=bool(row.imported),
        import_id=row.import_id,
        parent_prediction=row.parent_prediction,
        parent_annotation=row.parent_annotation,
    )


def prediction_from_row(row: Any) -> Prediction:
    return Prediction(
        id=row.id,
        task_id=row.task_id,
        project_id=row.project_id,
        result=row.result,
        score=row.score,
        model_version=row.model_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def draft_from_row(row: Any) -> Draft:
    return Draft(
        id=row.id,
        task_id=row.task_id,
        project_id=row.project_id,
        user_id=row.user_id,
        annotation_id=row.annotation_id,
        result=row.result,
        lead_time=row.lead_time,
        was_postponed=bool(row.was_postponed),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@contextmanager
def _explicit_transaction(conn: sa.Connection) -> Iterator[None]:
    """A transaction on a PostgreSQL connection in autocommit (``SQLBase.reading``)."""
    conn.exec_driver_sql("BEGIN")
    try:
        yield
    except BaseException:
        conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")


class SQLBase:
    """Engine, transactions and helpers shared by every SQLStore part."""

    def __init__(
        self,
        url: str = "sqlite:///labelcore.db",
        *,
        auto_migrate: bool = True,
        data_indexes: bool = True,
        import_thread: bool = True,
        **engine_options: Any,
    ) -> None:  # noqa: E501
        self.url = url
        # SQLite bulk imports write each batch on a second thread while the next is built
        # (_bulkwriter); False keeps every statement on the importing thread (a host with no
        # spare core: the two threads then cost 10-40% more CPU and finish no sooner)
        self.import_thread = import_thread
        self.engine = make_engine(url, **engine_options)
        self.dialect = self.engine.dialect.name
        self.is_pg = self.dialect == "postgresql"
        self._local = threading.local()
        self._fts: bool | None = None
        self._fts_by_store: bool | None = None  # see SQLRows._indexes_text
        self._stmts: dict[Hashable, Any] = {}
        # SQLite has one writer at a time. Writers queue for it here (threads of this process,
        # and the processes sharing the file), woken as soon as the writer before them commits,
        # instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms (8
        # annotator threads spent half their time asleep there); see _writer.py.
        self._writer = (
            WriterQueue.for_database(self.engine.url.database) if not self.is_pg else None
        )
        self.data_indexes = DataIndexes(
            self.engine,
            enabled=data_indexes,
            turn=self._write_turn,
            read=lambda: self._tx(write=False),
        )
        if auto_migrate:
            self.migrate()

    # -- lifecycle --------------------------------------------------------------------------
    def migrate(self) -> None:
        """Create or upgrade the tables (Alembic, revisions shipped in the package)."""
        upgrade_engine(self.engine)
        self._fts = self._fts_by_store = None

    def close(self) -> None:
        limits = getattr(self, "_limits", None)
        if limits is not None:
            limits.close()
        self.engine.dispose()
        if self._writer is not None:
            self._writer.close()

    @property
    def fts(self) -> bool:
        """Whether the SQLite FTS5 trigram table exists (checked once)."""
        if self._fts is None:
            if self.is_pg:
                self._fts = False
            else:
                with self._tx(write=False) as conn:
                    self._fts = bool(
                        conn.exec_driver_sql(
                            "SELECT 1 FROM sqlite_master WHERE name = 'labelcore_task_fts'"
                        ).first()
                    )
        return self._fts

    @contextmanager
    def reading(self) -> Iterator[None]:
        """The reads inside share one connection and, on SQLite, one read transaction (one
        BEGIN and COMMIT for all of them). On PostgreSQL the connection is in autocommit
        (``_read_connection``: no BEGIN or COMMIT at all); a read inside that needs a
        transaction (``SET LOCAL``) still opens its own. The service wraps the reads it makes
        before it decides something (a task, its project, the members). Writes are refused
        inside: their own transaction would not be seen by the reads after them. Inside a
        transaction this changes nothing."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self._read_connection() as conn, conn.begin():
            self._local.conn = conn
            self._local.reading = True
            self._local.autocommit = self.is_pg
            try:
                yield
            finally:
                self._local.conn = None
                self._local.reading = False
                self._local.autocommit = False

    def _read_connection(self) -> sa.Connection:
        """A pooled connection for reads only. On PostgreSQL it runs in autocommit: under
        READ COMMITTED every statement of a transaction takes its own snapshot anyway, so
        the reads see the same rows, without the BEGIN and COMMIT round trips (two of the
        three or four a one-statement read costs). Not for reads that need a transaction:
        ``SET LOCAL``, ``set_config(..., true)``, server-side cursors."""
        conn = self.engine.connect()
        conn.info["labelcore_write"] = False
        if self.is_pg:
            conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn

    def _no_write_while_reading(self) -> None:
        if getattr(self._local, "reading", False):
            raise RuntimeError("a store write inside store.reading(); end the reads first")

    @contextmanager
    def transaction(self, *, savepoints: bool = True) -> Iterator[None]:
        """The store's writes inside run in one transaction. A nested block is a savepoint;
        inside it every write is one more, so that a write that fails is undone alone.
        ``savepoints=False`` drops the per-write ones (two round trips each on PostgreSQL;
        a submit made six): a failing write then ends the block, undone as a whole (nested:
        the block is still one savepoint, so an enclosing block can go on). An ordinary
        block nested in one without savepoints is a savepoint again, with its writes."""
        self._no_write_while_reading()
        flat = getattr(self._local, "flat", False)
        if getattr(self._local, "conn", None) is not None:
            # the block's own savepoint: always for an ordinary block, and for one without
            # savepoints unless it is already inside such a block (undone with it)
            self._local.flat = False
            try:
                with self._tx() if savepoints or not flat else nullcontext():
                    self._local.flat = not savepoints
                    yield
            finally:
                self._local.flat = flat
            return
        with self._after_commit(), self._write_turn(), self.engine.connect() as conn:
            conn.info["labelcore_write"] = True
            with conn.begin():
                self._local.conn = conn
                self._local.flat = not savepoints
                try:
                    yield
                finally:
                    self._local.conn = None
                    self._local.flat = False

    @contextmanager
    def _after_commit(self) -> Iterator[None]:
        """Around an outermost transaction: once it has committed, run the maintenance its
        writes asked for (``_maintain_after_commit``); nothing when it rolls back. The data
        is committed by then, so no failure of the maintenance reaches the caller."""
        outer = getattr(self._local, "maintenance", None)  # a fresh transaction inside one
        wanted: list[str] = []
        self._local.maintenance = wanted
        try:
            yield
        finally:
            self._local.maintenance = outer
        for sql in dict.fromkeys(wanted):
            try:
                self._maintain(sql)
            except Exception as exc:  # noqa: BLE001 - logged: the write itself succeeded
                _log.warning("maintenance after commit failed (%s): %s", sql, exc)

    def _maintain(self, sql: str) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            if not self.is_pg:
                conn.exec_driver_sql(sql)
                return
            # the caller waits for it: bounded, and the connection's own limit put back
            old = conn.exec_driver_sql(
                "SELECT current_setting('statement_timeout'),"
                " set_config('statement_timeout', %s, false)",
                (str(MAINTENANCE_TIMEOUT_MS),),
            ).scalar()
            try:
                conn.exec_driver_sql(sql)
            finally:
                conn.exec_driver_sql("SELECT set_config('statement_timeout', %s, false)", (old,))

    def _maintain_after_commit(self, sql: str) -> None:
        """Run ``sql`` (PostgreSQL: a ``VACUUM``, which cannot run in a transaction) on its
        own connection once the thread's transaction commits."""
        wanted = getattr(self._local, "maintenance", None)
        if wanted is not None:
            wanted.append(sql)

    def _write_turn(self) -> AbstractContextManager[Any]:
        """This process's turn to write (SQLite), or nothing to wait for (PostgreSQL)."""
        return self._writer if self._writer is not None else nullcontext()

    @contextmanager
    def _tx(self, write: bool = True, *, snapshot: bool = True) -> Iterator[sa.Connection]:
        """The thread's open transaction (inside a savepoint when writing), or a new one.
        A read with ``snapshot=False`` needs no transaction of its own (one statement, or
        statements that need not agree): on PostgreSQL it runs on an autocommit connection
        (``_read_connection``)."""
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if write:
            self._no_write_while_reading()
        try:
            if conn is not None:
                pause = getattr(self._local, "bulk_pause", None)
                if pause is not None:  # a bulk import still uses conn (_pgcopy, _bulkwriter)
                    pause()
                if write and getattr(self._local, "flat", False):
                    yield conn  # transaction(savepoints=False): the block is undone whole
                elif write:
                    with conn.begin_nested():
                        yield conn
                elif snapshot and getattr(self._local, "autocommit", False):
                    # a read that needs a transaction, in reading(): one for it and the
                    # reads it makes inside (a nested BEGIN would be ignored, its COMMIT not)
                    self._local.autocommit = False
                    try:
                        with _explicit_transaction(conn):
                            yield conn
                    finally:
                        self._local.autocommit = True
                else:
                    yield conn
                return
            if not write and not snapshot:
                with self._read_connection() as fresh, fresh.begin():
                    yield fresh
                return
            with (
                self._after_commit() if write else nullcontext(),
                self._write_turn() if write else nullcontext(),
                self.engine.connect() as fresh,
            ):
                fresh.info["labelcore_write"] = write
                with fresh.begin():
                    yield fresh
        except sa.exc.IntegrityError as exc:
            raise Conflict(
                f"the change conflicts with existing rows: {exc.orig}", code="store.conflict"
            ) from exc
        except sa.exc.DBAPIError as exc:
            failure = pop_sqlite_failure()
            if failure is not None:
                raise failure from exc
            code = getattr(exc.orig, "sqlstate", None)
            if code == "2201B":
                raise QueryError(
                    f"invalid regular expression: {exc.orig}", code="query.regex"
                ) from exc
            if code == "57014":
                raise QueryError("the query ran past its time limit", code="query.timeout") from exc
            raise

    # -- helpers ----------------------------------------------------------------------------
    def _stmt(self, key: Hashable, build: Callable[[], _S]) -> _S:
        """A statement built once per store and reused with bound parameters (building
        SQLAlchemy expressions costs more CPU than SQLite spends running them)."""
        stmt: _S | None = self._stmts.get(key)
        if stmt is None:
            stmt = self._stmts[key] = build()
        return stmt

    def _task_span(self, conn: sa.Connection, project_id: int) -> tuple[int, int] | None:
        """The least and greatest id of the project's tasks (two probes of
        ``labelcore_task_project_ix``), None when it has none. A keyset stream over the
        project's tasks reads the ids between them: by ``project_id = ? AND id > ?`` alone,
        PostgreSQL walks the primary key when it expects the LIMIT to be reached soon, and
        the batch that meets the project's end then reads every later project's tasks
        (the first batch, every earlier one's)."""

        def build() -> Any:
            ids = sa.select(T.c.id).where(T.c.project_id == sa.bindparam("pid"))
            return sa.select(
                ids.with_only_columns(sa.func.min(T.c.id)).scalar_subquery(),
                ids.with_only_columns(sa.func.max(T.c.id)).scalar_subquery(),
            )

        first, last = conn.execute(self._stmt("task.span", build), {"pid": project_id}).one()
        return None if first is None else (first, last)

    def _in_ids(self, column: sa.ColumnElement[Any], ids: Collection[int]) -> Any:
        """``column IN (ids)``. On PostgreSQL one array parameter (``column = ANY(:ids)``):
        the statement's text then does not depend on how many ids there are, so the driver
        prepares it once (a 100-id ``IN`` list is 100 parameters to render, cast and send,
        and text too long for psycopg's statement cache)."""
        if self.is_pg:
            from sqlalchemy.dialects.postgresql import ARRAY

            return column == sa.any_(sa.bindparam(None, list(ids), type_=ARRAY(column.type)))
        return column.in_(list(ids))

    def _select_eq(
        self, table: sa.Table, order: str, filters: Sequence[tuple[str, Any]]
    ) -> tuple[Any, dict[str, Any]]:
        """``SELECT * FROM table WHERE col = :col AND ... ORDER BY order`` for the filters
        whose value is not None, built once per shape; returns (statement, parameters)."""
        present = tuple(name for name, value in filters if value is not None)
        stmt = self._stmt(
            ("eq", table.name, order, present),
            lambda: (
                sa.select(table)
                .where(*(table.c[name] == sa.bindparam(f"eq_{name}") for name in present))
                .order_by(table.c[order])
            ),
        )
        return stmt, {f"eq_{name}": value for name, value in filters if value is not None}

    def _select_among(
        self,
        stmt: Any,
        params: dict[str, Any],
        among: Sequence[tuple[sa.Column[Any], Collection[int] | None]],
    ) -> list[Any]:
        """The rows of ``stmt`` (a ``_select_eq`` ordered by ``id``) whose value of each
        column is in its ids (``None``: any): the shortest list a batch per statement, the
        others checked on each row; in ``id`` order."""
        given = sorted(
            ((c, sorted(set(ids))) for c, ids in among if ids is not None),
            key=lambda c: len(c[1]),
        )
        if not given:
            with self._tx(write=False) as conn:
                return list(conn.execute(stmt, params))
        (column, ids), *rest = given
        if not ids:
            return []
        keep = [(c.key, set(v)) for c, v in rest]
        out: list[Any] = []
        with self._tx(write=False) as conn:
            for batch in chunks(ids):
                found = conn.execute(stmt.where(self._in_ids(column, batch)), params)
                out += [r for r in found if all(r._mapping[k] in v for k, v in keep)]
        return sorted(out, key=lambda r: r.id)

    def _project_row(self, conn: sa.Connection, project_id: int, *, lock: bool = False) -> Any:
        stmt = sa.select(PROJECTS).where(PROJECTS.c.id == project_id)
        if lock and self.is_pg:
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).first()
        if row is None:
            raise NotFound(f"project {project_id} does not exist", code="project.not_found")
        return row

    def _lock_tasks(self, conn: sa.Connection, task_ids: Collection[int]) -> None:
        """Serialize writers of the same tasks (PostgreSQL row locks; SQLite BEGIN IMMEDIATE
        already serializes every writer)."""
        if self.is_pg and task_ids:
            for batch in chunks(sorted(set(task_ids))):
                conn.execute(
                    sa.select(T.c.id).where(T.c.id.in_(batch)).order_by(T.c.id).with_for_update()
                )

    @staticmethod
    def _recount_stmt(is_pg: bool) -> Any:
        mine = A.c.task_id == T.c.id
        # the project's skip rule, read by the UPDATE itself: on PostgreSQL its snapshot is
        # taken after the task rows are locked, so a settings change that committed while
        # the writer waited for the lock is the one it counts with (a rule read with the
        # lock, or before it, could be older, and a skip would be counted by the old rule)
        rule = (
            sa.select(PROJECTS.c.settings["skip_queue"].as_string())
            .where(PROJECTS.c.id == T.c.project_id)
            .correlate(T)  # the updated task, from inside the count's subquery
            .scalar_subquery()
        )
        done = sa.or_(A.c.was_cancelled.is_(False), rule == SkipQueue.IGNORE_SKIPPED.value)
        who = sa.func.coalesce(sa.cast(A.c.completed_by, sa.String), "null")
        completers = sa.select(sa.func.count(sa.distinct(who))).where(mine, done)
        values = {
            "total_annotations": sa.select(sa.func.count())
            .where(mine, A.c.was_cancelled.is_(False))
            .scalar_subquery(),
            "cancelled_annotations": sa.select(sa.func.count())
            .where(mine, A.c.was_cancelled.is_(True))
            .scalar_subquery(),
            "total_predictions": sa.select(sa.func.count())
            .where(P.c.task_id == T.c.id)
            .scalar_subquery(),
            "completed_at": sa.select(sa.func.max(A.c.created_at)).where(mine).scalar_subquery(),
            "is_labeled": completers.scalar_subquery() >= T.c.overlap,
            "sole_annotator": SQLBase._sole_annotator(is_pg),
        }
        return sa.update(T).where(T.c.id.in_(sa.bindparam("ids", expanding=True))).values(values)

    @staticmethod
    def _sole_annotator(is_pg: bool) -> Any:
        """The updated task's ``sole_annotator`` from its rows (``tables.annotators_text``):
        the one completer of its annotations that are not skips, or the two in code point
        order (PostgreSQL: ``COLLATE "C"``, whatever the database's collation), "" for more
        (or one without an id: "null" in ``who``, NULL in max), NULL for none (the next
        task's labelcore_task_sole_ix)."""
        who = sa.func.coalesce(sa.cast(A.c.completed_by, sa.String), "null")
        one = sa.func.coalesce(sa.func.max(A.c.completed_by), sa.literal(""))
        by = A.c.completed_by.collate("C") if is_pg else A.c.completed_by
        lo = sa.type_coerce(sa.func.min(by), sa.String)
        hi = sa.type_coerce(sa.func.max(by), sa.String)
        pair = sa.and_(
            sa.func.count(sa.distinct(who)) == 2,
            sa.func.count(A.c.completed_by) == sa.func.count(),  # both have an id
            sa.func.length(lo) + sa.func.length(hi) < SOLE_MAX,
        )
        return (
            sa.select(
                sa.case(
                    (sa.func.count(sa.distinct(who)) == 1, one),
                    (pair, lo + sa.literal(PAIR_SEP, sa.String) + hi),
                    (sa.func.count() > 0, sa.literal("")),
                )
            )
            .where(A.c.task_id == T.c.id, A.c.was_cancelled.is_(False))
            .scalar_subquery()
        )

    def _recount(self, conn: sa.Connection, task_ids: Collection[int]) -> None:
        """Recompute every counter of these tasks from the rows, in one UPDATE per chunk
        (the statement reads each task's project's skip rule itself)."""
        update = self._stmt("recount", lambda: self._recount_stmt(self.is_pg))
        for batch in chunks(sorted(set(task_ids))):
            conn.execute(update, {"ids": batch})

    def _tasks_of(self, conn: sa.Connection, task_ids: Sequence[int]) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for batch in chunks(sorted(set(task_ids))):
            for row in conn.execute(sa.select(T.c.id, T.c.project_id).where(T.c.id.in_(batch))):
                out[row.id] = row
        return out
