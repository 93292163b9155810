"""One SQLite writer at a time, handed over the moment the previous one commits.

    turn = WriterQueue.for_database("/srv/labelcore.db")
    with turn:              # then BEGIN IMMEDIATE ... COMMIT
        ...

SQLite lets one connection write at a time; another writer waits in SQLite's busy handler,
which sleeps 1, 2, 5 ... 100 ms between tries, however soon the lock is free again. So writers
queue here first: the threads of a process on an ``RLock``, the processes sharing the file (a
host's gunicorn or uWSGI workers) on an exclusive ``flock`` of a small file beside the
database (``<db>-labelcore-writer``), which the kernel hands to the next waiter as soon as it is
released. Measured with 8 annotators over HTTP on two gunicorn workers: before, each
worker's writers spent about 30% of the run in the busy handler; with the queue the next-task
p95 went from 100-115 ms to 65-70 ms (bench/notes.md, session 3).

The queue only orders writers: correctness still rests on SQLite's own lock (``BEGIN
IMMEDIATE``), so a writer that does not queue here (another program, the ``sqlite3`` shell)
stays safe, and so does a host where the lock file cannot be created (read-only folder, a
platform without ``flock``): its writers wait in the busy handler as before. A queued writer
waits as long as the one before it writes (a large import holds the turn for its whole
transaction); a process that dies releases its turn with its file descriptors.

All stores of a process that open the same database file share one queue: a thread that
holds the turn through one store and writes through another (two ``LabelCore`` instances on
one file, one called inside the other's ``atomic()``) re-enters it instead of waiting for
itself on a second ``flock`` forever; SQLite's busy timeout then decides, as it did before
this queue existed.
"""

from __future__ import annotations

import os
import threading
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

SUFFIX = "-labelcore-writer"
_SHARED: dict[str, WriterQueue] = {}  # lock path -> the process's queue for it
_SHARED_LOCK = threading.Lock()


class WriterQueue:
    """A reentrant writer turn: per-process ``RLock`` plus, for a database file, a ``flock``."""

    def __init__(self, lock_path: str | None) -> None:
        self._lock = threading.RLock()
        self._path = lock_path if fcntl is not None else None
        self._depth = 0  # nested turns of the holding thread (guarded by _lock)
        self._fd: int | None = None
        self._fd_pid = 0
        self._locked = False
        self._users = 0  # stores sharing this queue (for_database); guarded by _SHARED_LOCK

    @classmethod
    def for_database(cls, database: str | None) -> WriterQueue:
        """The queue for a SQLite database path (``None``, ``""``, ``:memory:`` and
        ``file:`` URIs get the per-process lock only)."""
        if not database or database == ":memory:" or database.startswith("file:"):
            return cls(None)
        path = os.path.abspath(database) + SUFFIX
        with _SHARED_LOCK:
            queue = _SHARED.get(path)
            if queue is None:
                queue = _SHARED[path] = cls(path)
            queue._users += 1
            return queue

    def __enter__(self) -> WriterQueue:
        self._lock.acquire()
        try:
            if self._depth == 0 and self._path is not None:
                self._locked = self._flock()
            self._depth += 1
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._depth -= 1
            if self._depth == 0 and self._locked:
                self._locked = False
                assert self._fd is not None and fcntl is not None
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def _flock(self) -> bool:
        """Take the file lock; False (SQLite's busy handler decides) when it cannot be had."""
        assert self._path is not None and fcntl is not None
        try:
            if self._fd is None or self._fd_pid != os.getpid():
                # a descriptor inherited through fork() shares its lock with the parent's:
                # each process opens its own
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                self._fd_pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError:
            return False
        return True

    def close(self) -> None:
        """Close the lock file once no store of this process uses the queue any more (the
        file itself stays for the other processes)."""
        with _SHARED_LOCK:
            if self._users > 0:
                self._users -= 1
                if self._users > 0:
                    return
                if self._path is not None and _SHARED.get(self._path) is self:
                    del _SHARED[self._path]
        with self._lock:
            if self._fd is not None and self._fd_pid == os.getpid():
                os.close(self._fd)
            self._fd = None
