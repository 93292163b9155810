"""Expression indexes on the data keys the data manager filters and sorts on (private).

A filter or ordering on ``data.<key>`` reads the key out of every task's JSON. When a project
is large, the first query that sorts on a key or compares it creates an index on
``(project_id, <the key's value>)`` (SQLite ``json_extract(data, '$."key"')``; PostgreSQL
the three sort expressions of the key), built from the very expressions ``QuerySQL`` puts in
its queries so the planner matches them. Later pages then walk the index in order and count
through it.

Safety: only keys whose every segment is an ASCII identifier (``[A-Za-z_][A-Za-z0-9_]*``,
at most 3 deep) are indexed; their path is the only key-derived text in the DDL and that
alphabet holds no quote. Index names are ``labelcore_task_dk_`` + a hash of the key, never
the key. At most ``MAX_DATA_INDEXES`` exist per database (each one costs every task insert
a little), and none is created inside a caller's transaction or for a project with fewer
than ``MIN_TASKS`` tasks (a scan is fast there).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import sqlalchemy as sa

from labelcore.query import Filter, FilterGroup, TaskQuery

log = logging.getLogger(__name__)

PREFIX = "labelcore_task_dk_"
MAX_DATA_INDEXES = 8
MIN_TASKS = 2000
RETRY_AFTER = 60.0  # seconds before a key whose index was not made is considered again
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
MAX_INDEX_DEPTH = 3


def indexable(column: str) -> bool:
    """Whether ``data.<key>`` may get an index (and its path is rendered inline in SQL)."""
    parts = column.split(".")
    return (
        parts[0] == "data"
        and 0 < len(parts) - 1 <= MAX_INDEX_DEPTH
        and all(_IDENT.fullmatch(p) for p in parts[1:])
    )


def index_name(column: str) -> str:
    return PREFIX + hashlib.sha256(column.encode()).hexdigest()[:16]


def _filters(group: FilterGroup) -> Iterator[Filter]:
    for item in group.items:
        if isinstance(item, FilterGroup):
            yield from _filters(item)
        else:
            yield item


def filter_columns(query: TaskQuery) -> set[str]:
    """Every column the query filters on."""
    return set() if query.filters is None else {f.column for f in _filters(query.filters)}


#: Filter operators an index on the key's value can narrow (QuerySQL._index_range).
RANGE_OPERATORS = frozenset(("less", "less_or_equal", "equal", "greater", "greater_or_equal", "in"))


def query_columns(query: TaskQuery) -> set[str]:
    """The indexable data keys the query sorts on or filters with a range or equality
    (an index does nothing for ``contains``, ``regex`` or negations)."""
    cols = {o.column for o in query.ordering}
    if query.filters is not None:
        cols |= {f.column for f in _filters(query.filters) if f.operator in RANGE_OPERATORS}
    return {c for c in cols if c.startswith("data.") and indexable(c)}


class DataIndexes:
    """Which data-key indexes exist, and making new ones (one per store)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        enabled: bool = True,
        turn: Callable[[], AbstractContextManager[Any]] = nullcontext,
        read: Callable[[], AbstractContextManager[sa.Connection]] | None = None,
    ) -> None:
        self.engine = engine
        self.read = read or engine.connect  # the store's read transaction
        self.turn = turn  # the store's writer turn (SQLite: one writer per process at a time)
        self.pg = engine.dialect.name == "postgresql"
        self.enabled = enabled
        self._names: set[str] | None = None
        self._tried: dict[str, float] = {}

    def names(self, *, refresh: bool = False) -> set[str]:
        if self._names is None or refresh:
            sql = (
                "SELECT indexname FROM pg_indexes WHERE tablename = 'labelcore_task'"
                if self.pg
                else "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'labelcore_task'"
            )
            with self.read() as conn:
                self._names = {r[0] for r in conn.exec_driver_sql(sql) if r[0].startswith(PREFIX)}
        return self._names

    def usable(
        self, project_id: int, query: TaskQuery, exprs_for: Any, in_transaction: bool
    ) -> frozenset[str]:
        """The query's data keys that have an index, creating missing ones when allowed.
        ``exprs_for(column)`` gives the index expressions of a key (QuerySQL's own)."""
        if not self.enabled:
            return frozenset()
        wanted = query_columns(query)
        if not wanted:
            return frozenset()
        have = self.names()
        now = time.monotonic()
        missing = [
            c
            for c in sorted(wanted)
            if index_name(c) not in have and now - self._tried.get(c, -RETRY_AFTER) >= RETRY_AFTER
        ]
        if missing and not in_transaction:
            for column in missing:
                self._tried[column] = now
            have = self._create(project_id, missing, exprs_for)
        return frozenset(c for c in wanted if index_name(c) in have)

    def _create(self, project_id: int, columns: list[str], exprs_for: Any) -> set[str]:
        have = self.names(refresh=True)  # another process may have made them meanwhile
        todo = [c for c in columns if index_name(c) not in have]
        if not todo or len(have) >= MAX_DATA_INDEXES:
            return have
        with self.read() as conn:
            size = conn.execute(
                sa.text("SELECT count(*) FROM labelcore_task WHERE project_id = :p"),
                {"p": project_id},
            ).scalar_one()
        if size < MIN_TASKS:
            return have
        from labelcore.storage.sql.tables import TASKS

        for column in todo[: MAX_DATA_INDEXES - len(have)]:
            name = index_name(column)
            exprs = [sa.sql.expression.Grouping(e) for e in exprs_for(column)]  # (expr)
            index = sa.Index(name, TASKS.c.project_id, *exprs)
            ddl = str(
                sa.schema.CreateIndex(index, if_not_exists=True).compile(
                    dialect=self.engine.dialect
                )
            )
            started = time.process_time()
            try:
                if self.pg:
                    ddl = ddl.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1)
                    with self.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT"
                    ) as conn:
                        conn.exec_driver_sql(ddl)
                else:
                    with self.turn(), self.engine.begin() as conn:  # BEGIN IMMEDIATE
                        conn.exec_driver_sql(ddl)
                        conn.exec_driver_sql(f"ANALYZE {name}")
            except sa.exc.DBAPIError as exc:  # a concurrent build, a lock timeout: not fatal
                log.warning("data-key index %s (%s) not created: %s", name, column, exc.orig)
                if self.pg:
                    self._drop_invalid(name)
                continue
            log.info(
                "created data-key index %s on %s (%.2f s CPU)",
                name,
                column,
                time.process_time() - started,
            )
        return self.names(refresh=True)

    def _drop_invalid(self, name: str) -> None:
        """A failed CONCURRENTLY build leaves an invalid index behind: remove it."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(
                f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'  # name: prefix + hex digest
            )
