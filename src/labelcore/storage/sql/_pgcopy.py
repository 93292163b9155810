"""PostgreSQL bulk task import: rows go into a COPY stream as they are read (private).

    with store._tx() as conn:
        ids = PGTaskImport(store, conn, project_id).run(tasks)

The server inserts (and indexes) rows while the caller still reads and validates the next
ones: each task is written to an open ``COPY labelcore_task FROM STDIN`` as soon as the
iterator yields it, so the client's work and the server's overlap on two cores instead of
taking turns per batch. Ids come from the column's sequence (the COPY leaves them out) and
are read back per segment by inner id; inner ids are handed out from the project row, locked
for the whole import. Predictions and annotations follow their segment's tasks (their foreign
keys need the tasks first), and with the annotations the review quality of their tasks when
the import asks for it (``add_tasks_with_quality``). A store call made from inside the
iterator on the same transaction (the import's dedupe lookup, a progress callback) ends the
open COPY first: PostgreSQL runs one statement at a time per connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from labelcore.errors import NotFound
from labelcore.model import NewAnnotation, NewTask, utcnow
from labelcore.storage.base import QualityOfNew
from labelcore.storage.sql._base import ignores_skipped
from labelcore.storage.sql._rows import NO_COUNTS, import_counts, prediction_values, task_values

if TYPE_CHECKING:
    from labelcore.storage.sql._rows import SQLRows

SEGMENT = 20_000  # tasks per COPY statement
CHILDREN = 5_000  # predictions + annotations held before a segment ends early
ANALYZE_AFTER = 5_000  # imports this large refresh stale statistics (see _after_import)
VACUUM_AFTER = 50_000  # imports this large set the visibility map once committed
TASK_COPY = (
    "COPY labelcore_task (project_id, inner_id, data, meta, overlap, is_labeled,"
    " total_annotations, cancelled_annotations, total_predictions, created_at, updated_at,"
    " file_upload, data_hash, completed_at, sole_annotator) FROM STDIN"
)
PREDICTION_COPY = (
    "COPY labelcore_prediction (task_id, project_id, result, score, model_version,"
    " created_at, updated_at) FROM STDIN"
)
_SEGMENT_IDS = (
    "SELECT id FROM labelcore_task WHERE project_id = %s AND inner_id > %s AND inner_id <= %s"
    " ORDER BY inner_id"
)


class _CopyStream:
    """One ``COPY ... FROM STDIN`` on the transaction's connection, opened on the first row
    and ended by ``end()`` — or by any other store call this thread makes on the same
    transaction meanwhile (``SQLBase._tx`` calls ``end`` first); the next row opens a new one."""

    def __init__(self, store: SQLRows, conn: sa.Connection, sql: str) -> None:
        self._store = store
        self._shared = getattr(store._local, "conn", None) is conn
        self._raw: Any = conn.connection.driver_connection
        self._sql = sql
        self._cursor: Any = None
        self._block: Any = None
        self._copy: Any = None

    def write_row(self, row: tuple[Any, ...]) -> None:
        if self._copy is None:
            self._cursor = self._raw.cursor()
            self._block = self._cursor.copy(self._sql)
            self._copy = self._block.__enter__()
            if self._shared:
                self._store._local.bulk_pause = self.end
        self._copy.write_row(row)

    def end(self, exc: BaseException | None = None) -> None:
        """Finish the statement (the server has then inserted every row written); with
        ``exc``, abort it instead."""
        if self._copy is None:
            return
        block, cursor = self._block, self._cursor
        self._block = self._cursor = self._copy = None
        if self._shared:
            self._store._local.bulk_pause = None
        try:
            if exc is None:
                block.__exit__(None, None, None)
            else:
                block.__exit__(type(exc), exc, exc.__traceback__)
        finally:
            cursor.close()


class PGTaskImport:
    """``SQLStore.add_tasks`` on PostgreSQL, inside the store's write transaction ``conn``."""

    def __init__(
        self,
        store: SQLRows,
        conn: sa.Connection,
        project_id: int,
        quality: QualityOfNew | None = None,
    ) -> None:
        self.store = store
        self.quality = quality  # QualityImport.add_tasks_with_quality's
        self.conn = conn
        self.project_id = project_id
        self.raw: Any = conn.connection.driver_connection
        self.now = utcnow()
        self.ignore = False  # the project's ignores_skipped, read by run()

    def run(self, tasks: Iterable[NewTask]) -> list[int]:
        row = self.conn.exec_driver_sql(
            "SELECT task_seq, task_count, settings FROM labelcore_project WHERE id = %s FOR UPDATE",
            (self.project_id,),
        ).first()
        if row is None:
            raise NotFound(f"project {self.project_id} does not exist", code="project.not_found")
        base, had, settings = row
        self.ignore = ignores_skipped(settings)
        ids: list[int] = []
        rows = enumerate(tasks)
        while True:
            segment = self._segment(rows, base + len(ids))
            if not segment:
                break
            ids += segment
        if ids:
            self.conn.exec_driver_sql(
                "UPDATE labelcore_project SET task_seq = task_seq + %s,"
                " task_count = task_count + %s WHERE id = %s",  # same tx: the count stays exact
                (len(ids), len(ids), self.project_id),
            )
            self._after_import(len(ids), had)
        return ids

    def _segment(self, rows: Iterable[tuple[int, NewTask]], inner: int) -> list[int]:
        """Up to ``SEGMENT`` tasks through one COPY (more than one if a store call from the
        iterator ended it), then their predictions and annotations; returns the task ids."""
        stream = _CopyStream(self.store, self.conn, TASK_COPY)
        predictions: list[tuple[int, str, float | None, str]] = []
        annotations: list[tuple[int, NewAnnotation]] = []
        count = 0
        try:
            for row_no, new in rows:
                stream.write_row(self._task_row(row_no, new, inner + count + 1))
                for k, prediction in enumerate(new.predictions):
                    values = prediction_values(prediction, f"row {row_no}: prediction {k}")
                    predictions.append((count, *values))
                annotations += [(count, a) for a in new.annotations]
                count += 1
                if count >= SEGMENT or len(predictions) + len(annotations) >= CHILDREN:
                    break
        except BaseException as exc:
            stream.end(exc)
            raise
        stream.end()
        if not count:
            return []
        with self.raw.cursor() as cursor:
            cursor.execute(_SEGMENT_IDS, (self.project_id, inner, inner + count))
            ids = [r[0] for r in cursor]
        if len(ids) != count:  # cannot happen while the project row is locked
            raise RuntimeError(f"imported {count} tasks but found {len(ids)}")
        if predictions:
            copy = _CopyStream(self.store, self.conn, PREDICTION_COPY)
            now, pid = self.now, self.project_id
            try:
                for offset, result, score, version in predictions:
                    copy.write_row((ids[offset], pid, result, score, version, now, now))
            except BaseException as exc:
                copy.end(exc)
                raise
            copy.end()
        if annotations:  # the tasks' rows came with their counters (import_counts)
            items = [(a, ids[offset], self.project_id) for offset, a in annotations]
            self.store._insert_imported_annotations(self.conn, items, self.now, self.quality)
        return ids

    def _task_row(self, row_no: int, new: NewTask, inner_id: int) -> tuple[Any, ...]:
        counts = import_counts(new, self.ignore, self.now, row_no) if new.annotations else NO_COUNTS
        return (self.project_id, inner_id, *task_values(new, row_no, self.now, counts))

    def _after_import(self, added: int, had: int) -> None:
        """Fresh planner statistics and visibility map after a big import (PostgreSQL's
        autovacuum may be off, or not get there before the project is used).

        ANALYZE (from ``ANALYZE_AFTER`` tasks) when the statistics are stale for the table
        (never analyzed, or the import is 10% of it or more) or for the project (the import
        at least doubles it: the planner would take the project for a few rows). Without
        them the planner sorted a whole project for a plain page, and for the next task
        checked every open task of it before taking the first 20 (10,000 tasks: 31 ms a
        next task against 0.1 ms). It runs in the import's transaction, so it sees the new
        rows (it samples at most 30,000 of them: 60 ms at 10,000 tasks), and is skipped, not
        waited for, when another session holds the lock.

        VACUUM (from ``VACUUM_AFTER`` tasks) runs once committed (it cannot run in a
        transaction): it sets the visibility map autovacuum would set a minute or more
        later, without which a count reads every matching heap page (1,000,000 tasks, the
        HTTP task list's sums: 98 -> 35 ms plain, 179 -> 20 ms has-predictions); it skips
        the pages already all-visible (~1 s for 1,000,000 new tasks) and any table another
        session is vacuuming, and leaves index cleanup and truncation (the one step that
        locks out readers) to autovacuum; it is stopped after ``MAINTENANCE_TIMEOUT_MS``,
        keeping what it did."""
        if added >= VACUUM_AFTER:
            self.store._maintain_after_commit(
                "VACUUM (SKIP_LOCKED, INDEX_CLEANUP OFF, TRUNCATE OFF)"
                " labelcore_task, labelcore_prediction"
            )
        if added < ANALYZE_AFTER:
            return
        before = self.conn.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE oid = 'labelcore_task'::regclass"
        ).scalar()
        if before is not None and before > 0 and added * 10 < before and added < had:
            return
        old = self.conn.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar()
        try:
            with self.conn.begin_nested():
                self.conn.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
                self.conn.exec_driver_sql("ANALYZE labelcore_task, labelcore_prediction")
                # a released savepoint keeps SET LOCAL for the rest of the transaction
                self.conn.exec_driver_sql("SELECT set_config('lock_timeout', %s, true)", (old,))
        except sa.exc.OperationalError:
            return  # lock not available: the next big import (or autovacuum) analyzes
