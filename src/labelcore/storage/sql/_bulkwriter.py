"""SQLite bulk import: SQLite's share of a batch runs on a second thread (private).

    with BulkWriter(store, conn, index_text=True) as writer:
        writer.insert(first_id, project_id, first_inner, rows, now)  # returns at once
        writer.wait()                                     # before this thread uses conn
        writer.insert(..., last=True)                     # done here; then all is written

A task import is Python work (read, validate, build row values: it holds the GIL) and
SQLite work (insert the rows into the table and its indexes, fill the trigram index of
migration 0013). The driver releases the GIL while a statement runs, so the two can share
the machine's cores: while the importing thread builds batch k+1, a worker thread runs
batch k's statements. For that a batch's statements must be few and long: an
``executemany`` takes the GIL back for every row, and each time it finds the importing
thread holding it, it waits (Python hands the GIL over every 5 ms). So the task rows go
in as one statement reading a JSON array of the batch's varying values
(``TASKS_FROM_JSON``, rows built by ``_rows.task_json``; the data and meta are embedded as
the JSON they are stored as and come back out byte for byte), followed by one ``INSERT ...
SELECT`` into the trigram index. The batch's predictions (an ``executemany``: scores stay
bound as floats) and annotations are inserted by the importing thread before its next batch,
while the worker is idle.

The connection is used by one thread at a time: the importing thread calls ``wait()``
before its own next statement (``add_tasks`` before each batch, and ``SQLBase._tx``,
through ``_local.bulk_pause``, before any store call made from inside the task iterator,
e.g. the import's dedupe lookups). Everything stays in the import's one transaction, so
any error still leaves nothing; an error of the worker is raised by the ``wait()`` after
it, at the importing thread's next statement. SQLite before 3.38 has no ``->`` operator:
its batches are inserted by ``executemany`` on the importing thread and only the text
index is filled by the worker (``index()``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from labelcore.storage.sql._rows import SQLRows

#: whether this SQLite has ``->`` (3.38): then task rows are inserted from JSON
JSON_ROWS = sqlite3.sqlite_version_info >= (3, 38, 0)
INDEX_RANGE = (
    "INSERT INTO labelcore_task_fts (rowid, data) "
    "SELECT id, data FROM labelcore_task WHERE id BETWEEN ? AND ?"
)
# ?1 first id, ?2 project, ?3 first inner id, ?4 now, ?5 the rows (_rows.task_json)
TASKS_FROM_JSON = (
    "INSERT INTO labelcore_task (id, project_id, inner_id, data, meta, overlap, is_labeled,"
    " total_annotations, cancelled_annotations, total_predictions, created_at, updated_at,"
    " file_upload, data_hash)"
    " SELECT ?1 + key, ?2, ?3 + key, value -> '$[0]', value -> '$[1]', value ->> '$[2]',"
    " 0, 0, 0, value ->> '$[3]', ?4, ?4, value ->> '$[4]', value ->> '$[5]'"
    " FROM json_each(?5)"
)
# a batch with annotated tasks: theirs carry their counters in $[6..10] (_rows.task_json);
# plain batches keep the statement above (each ->> parses the row's JSON again)
COUNTED_TASKS_FROM_JSON = (
    "INSERT INTO labelcore_task (id, project_id, inner_id, data, meta, overlap, is_labeled,"
    " total_annotations, cancelled_annotations, total_predictions, created_at, updated_at,"
    " file_upload, data_hash, completed_at, sole_annotator)"
    " SELECT ?1 + key, ?2, ?3 + key, value -> '$[0]', value -> '$[1]', value ->> '$[2]',"
    " coalesce(value ->> '$[6]', 0), coalesce(value ->> '$[7]', 0),"
    " coalesce(value ->> '$[8]', 0), value ->> '$[3]', ?4, ?4, value ->> '$[4]',"
    " value ->> '$[5]', value ->> '$[9]', value ->> '$[10]'"
    " FROM json_each(?5)"
)


def id_runs(ids: Sequence[int]) -> list[tuple[int, int]]:
    """``(first, last)`` of each run of consecutive ids (ascending ids)."""
    if not ids:
        return []
    runs = []
    start = prev = ids[0]
    for task_id in ids[1:]:
        if task_id != prev + 1:
            runs.append((start, prev))
            start = task_id
        prev = task_id
    runs.append((start, prev))
    return runs


class BulkWriter:
    """One import's batches written (and text-indexed) by a worker thread, in order."""

    def __init__(
        self, store: SQLRows, conn: sa.Connection, index_text: bool, *, threaded: bool = True
    ) -> None:
        self._store = store
        self._threaded = threaded  # False: every batch is written on the calling thread
        self._index_text = index_text
        self._raw: Any = conn.connection.driver_connection
        self._shared = getattr(store._local, "conn", None) is conn
        self._job: Future[None] | None = None
        self._pool: ThreadPoolExecutor | None = None

    @property
    def busy(self) -> bool:
        """Whether the worker is still writing (``wait()`` would block)."""
        return self._job is not None and not self._job.done()

    def insert(
        self,
        first_id: int,
        project_id: int,
        first_inner: int,
        rows: Sequence[str],
        now: str,
        *,
        last: bool = False,
        counted: bool = False,
    ) -> None:
        """Write a batch of tasks with ids from ``first_id`` (``rows`` from ``task_json``;
        ``counted``: some carry counters), then their text index. The ``last`` batch is
        written on this thread (nothing would run beside it)."""
        params = (first_id, project_id, first_inner, now, "[" + ",".join(rows) + "]")
        last_id = first_id + len(rows) - 1
        sql = COUNTED_TASKS_FROM_JSON if counted else TASKS_FROM_JSON
        self._run(lambda cursor: self._write(cursor, sql, params, last_id), last)

    def index(self, ids: Sequence[int], *, last: bool = False) -> None:
        """Add tasks just inserted on the connection (ids ascending) to the text index."""
        runs = id_runs(ids)
        self._run(lambda cursor: self._fill(cursor, runs), last)

    def wait(self) -> None:
        """Until the worker's statements are done (raising their error, if one failed)."""
        job, self._job = self._job, None
        if self._shared:
            self._store._local.bulk_pause = None
        if job is not None:
            job.result()

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Wait for the worker and stop it. Its error is raised unless another one already
        is on its way (that one was first; the import rolls back either way)."""
        try:
            self.wait()
        except Exception:
            if exc_type is None:
                raise
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None

    def _run(self, work: Callable[[Any], None], here: bool) -> None:
        self.wait()
        if here or not self._threaded:
            self._statements(work)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="labelcore-bulkwriter")
        self._job = self._pool.submit(self._statements, work)
        if self._shared:
            self._store._local.bulk_pause = self.wait

    def _statements(self, work: Callable[[Any], None]) -> None:
        cursor = self._raw.cursor()
        try:
            work(cursor)
        except sqlite3.Error as exc:  # raised as SQLAlchemy raises the driver's errors
            raise sa.exc.DBAPIError.instance(None, None, exc, sqlite3.Error) from exc
        finally:
            cursor.close()

    def _write(self, cursor: Any, sql: str, params: tuple[Any, ...], last_id: int) -> None:
        cursor.execute(sql, params)
        if self._index_text:
            cursor.execute(INDEX_RANGE, (params[0], last_id))

    def _fill(self, cursor: Any, runs: list[tuple[int, int]]) -> None:
        if self._index_text:
            for first, last in runs:
                cursor.execute(INDEX_RANGE, (first, last))
