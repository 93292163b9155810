"""SQLite bulk import: the trigram index filled on a second thread while rows are built (private).

    with TextFill(store, conn) as fill:
        fill.add(batch_ids)               # just inserted on conn: indexed on the worker
        fill.wait()                       # before this thread uses conn again
        fill.add(last_ids, last=True)     # indexed here; then the index covers every task

Filling the trigram index (migration 0013) is one ``INSERT ... SELECT`` per run of new task
ids: a single SQLite statement, during which the driver releases the GIL. So while it fills
one batch on a worker thread, the importing thread reads, validates and builds the next
batch's rows (Python, holding the GIL) on the other core; the fill is about a quarter of a
100k-task import's CPU. The connection is still used by one thread at a time: the importing
thread calls ``wait()`` before its next statement (``add_tasks`` before each batch, and
``SQLBase._tx``, through ``_local.bulk_pause``, before any store call made from inside the
task iterator, e.g. the import's dedupe lookups). Everything stays in the import's one
transaction, so any error still leaves nothing; a failed fill is raised by the ``wait()``
after it, at the importing thread's next statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from labelcore.storage.sql._rows import SQLRows

INDEX_RANGE = (
    "INSERT INTO labelcore_task_fts (rowid, data) "
    "SELECT id, data FROM labelcore_task WHERE id BETWEEN ? AND ?"
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


class TextFill:
    """The trigram index of one import's tasks, filled a chunk at a time on a worker."""

    def __init__(self, store: SQLRows, conn: sa.Connection, enabled: bool = True) -> None:
        self._store = store
        self._enabled = enabled
        self._raw: Any = conn.connection.driver_connection
        self._shared = getattr(store._local, "conn", None) is conn
        self._job: Future[None] | None = None
        self._pool: ThreadPoolExecutor | None = None

    @property
    def busy(self) -> bool:
        """Whether the worker is still filling (``wait()`` would block)."""
        return self._job is not None and not self._job.done()

    def add(self, ids: Sequence[int], last: bool = False) -> None:
        """Tasks just inserted on the connection (ids ascending): the worker indexes them
        while this thread goes on. The ``last`` ones are indexed here and now: nothing
        would run beside them."""
        if not self._enabled or not ids:
            return
        self.wait()
        runs = id_runs(ids)
        if last:
            self._fill(runs)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="labelcore-textfill")
        self._job = self._pool.submit(self._fill, runs)
        if self._shared:
            self._store._local.bulk_pause = self.wait

    def wait(self) -> None:
        """Until the worker's statement is done (raising its error, if it failed)."""
        job, self._job = self._job, None
        if self._shared:
            self._store._local.bulk_pause = None
        if job is not None:
            job.result()

    def __enter__(self) -> TextFill:
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

    def _fill(self, runs: list[tuple[int, int]]) -> None:
        cursor = self._raw.cursor()
        try:
            for first, last in runs:
                try:
                    cursor.execute(INDEX_RANGE, (first, last))
                except sqlite3.Error as exc:  # as SQLAlchemy would have raised it
                    raise sa.exc.DBAPIError.instance(
                        INDEX_RANGE, (first, last), exc, sqlite3.Error
                    ) from exc
        finally:
            cursor.close()
