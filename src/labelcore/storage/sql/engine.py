"""Engines for the SQL store: SQLite pragmas and functions, PostgreSQL, and migrations.

from labelcore.storage.sql.engine import make_engine, upgrade
engine = make_engine("sqlite:///labelcore.db")   # WAL, busy_timeout, foreign keys on
upgrade("sqlite:///labelcore.db")                # what `labelcore db upgrade` runs
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.pool import StaticPool

from labelcore._jsontext import compact_encoder
from labelcore.errors import QueryError
from labelcore.query import NUMERIC_TEXT, compile_regex, regex_search

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
_NUMERIC = re.compile(NUMERIC_TEXT)
_failure = threading.local()  # a QueryError raised inside a SQLite function, per thread


class Dumped(str):
    """JSON text already serialised (and checked) by the store: passed through as is."""

    __slots__ = ()


# one encoder for every call: json.dumps(**options) builds a new encoder each time
_ENCODE = compact_encoder(allow_nan=False)


def dumps(value: Any) -> str:
    """Compact JSON the way every labelcore table stores it; NaN and non-JSON refused."""
    if type(value) is Dumped:
        return value
    if type(value) is dict and not value:
        return "{}"
    return _ENCODE(value)


def _icontains(haystack: object, needle: object) -> int | None:
    if haystack is None or needle is None:
        return None
    return int(str(needle).lower() in str(haystack).lower())


def _regexp(pattern: object, value: object) -> int | None:
    if value is None or pattern is None:
        return None
    try:
        return int(regex_search(compile_regex(pattern), str(value)))
    except QueryError as exc:
        _failure.error = exc
        raise


def _num(text: object) -> float | None:
    if isinstance(text, str) and _NUMERIC.match(text):
        return float(text)
    return None


def pop_sqlite_failure() -> QueryError | None:
    """The QueryError a SQLite function raised in this thread's last statement, if any."""
    error: QueryError | None = getattr(_failure, "error", None)
    _failure.error = None
    return error


def _on_sqlite_connect(dbapi: sqlite3.Connection, _record: Any) -> None:
    dbapi.isolation_level = None  # we issue BEGIN ourselves (IMMEDIATE for writes)
    cursor = dbapi.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=NORMAL",
    ):
        cursor.execute(pragma)
    cursor.close()
    dbapi.create_function("lc_icontains", 2, _icontains, deterministic=True)
    dbapi.create_function("lc_regexp", 2, _regexp, deterministic=True)
    dbapi.create_function("lc_num", 1, _num, deterministic=True)


def _on_sqlite_begin(conn: sa.Connection) -> None:
    write = conn.info.get("labelcore_write", True)
    statement = "BEGIN IMMEDIATE" if write else "BEGIN"
    # straight to the driver: every store call opens a transaction, and a BEGIN through
    # exec_driver_sql cost about a third of an empty one (~15 us); errors keep SQLAlchemy's
    # types ("database is locked" is still an sqlalchemy.exc.OperationalError)
    try:
        conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        raise sa.exc.DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


def make_engine(url: str | sa.URL, **kwargs: Any) -> sa.Engine:
    """An engine set up for labelcore (pass ``engine`` kwargs through)."""
    parsed = sa.make_url(url)
    if parsed.drivername.startswith("sqlite"):
        memory = parsed.database in (None, "", ":memory:")
        options: dict[str, Any] = {
            "connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            "json_serializer": dumps,
        }
        if memory:
            options["poolclass"] = StaticPool
        options.update(kwargs)
        engine = sa.create_engine(parsed, **options)
        sa.event.listen(engine, "connect", _on_sqlite_connect)
        sa.event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    options = {"json_serializer": dumps}
    options.update(kwargs)
    engine = sa.create_engine(parsed, **options)
    if "pool_pre_ping" not in kwargs:
        _ping_when_idle(engine)
    if not _sets_jit(parsed, options):
        sa.event.listen(engine, "connect", _jit_off)
    return engine


def _sets_jit(url: sa.URL, options: dict[str, Any]) -> bool:
    """Whether the host chose JIT itself: in ``connect_args``' options, the URL's, or
    ``PGOPTIONS``."""
    chosen = (
        str((options.get("connect_args") or {}).get("options", "")),
        str(url.query.get("options", "")),
        os.environ.get("PGOPTIONS", ""),
    )
    return any("jit" in text for text in chosen)


def _jit_off(dbapi: Any, _record: Any) -> None:
    """JIT compilation off for each new connection of labelcore's engine. PostgreSQL
    compiles a query whose estimated cost passes ``jit_above_cost``, and the labeling
    path's statements (index walks with per-task slot checks, stopped after 20 rows) are
    estimated past it while they run in a millisecond: compiling them took 60-130 ms a next
    task at 100,000 tasks. A plain ``SET`` (not a startup option, which PgBouncer refuses
    and which would replace the host's own ``options``), committed so that it lasts."""
    with dbapi.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi.commit()


PING_IDLE_AFTER = 1.0  # seconds a pooled PostgreSQL connection may rest before a ping


def _ping_when_idle(engine: sa.Engine) -> None:
    """Check a pooled connection with a ping before use when it rested more than
    ``PING_IDLE_AFTER`` seconds (a server restart, an idle timeout or a failover may have
    closed it meanwhile), instead of SQLAlchemy's ``pool_pre_ping``, which pings at every
    checkout: one round trip more for each of the labeling path's transactions. A dead
    connection is replaced before the caller gets it. A connection back in the pool less
    than a second ago is not pinged; if the server dropped it within that second, that
    one request fails and the pool is renewed (as SQLAlchemy does on any disconnect).
    ``make_engine(url, pool_pre_ping=True)`` keeps a ping at every checkout."""

    def checkin(_dbapi: Any, record: Any) -> None:
        record.info["labelcore_idle_since"] = time.monotonic()

    def checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("labelcore_idle_since")
        if since is None or time.monotonic() - since < PING_IDLE_AFTER:
            return  # just connected, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as exc:
            # the pool drops this connection and checks out another (a fresh one if needed)
            raise sa.exc.DisconnectionError(f"pooled connection is gone: {exc}") from exc

    sa.event.listen(engine, "checkin", checkin)
    sa.event.listen(engine, "checkout", checkout)


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_engine(engine: sa.Engine, revision: str = "head") -> None:
    """Run labelcore's migrations up to ``revision`` on this engine."""
    with engine.connect() as connection:
        connection.info["labelcore_write"] = True
        command.upgrade(_config(connection), revision)
        if connection.in_transaction():
            connection.commit()


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade labelcore's tables in the database at ``url`` (keeps every row)."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def analyze_new_index(bind: sa.Connection, name: str) -> None:
    """For a migration that created index ``name``: on a SQLite database with planner
    statistics, gather the new index's too (without them it looks perfectly selective to
    SQLite beside the analyzed ones, which then lose the plans they were best for)."""
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        bind.exec_driver_sql(f"ANALYZE {name}")


def current_revision(engine: sa.Engine) -> str | None:
    """The migration revision the database is at (None before the first one)."""
    from alembic.migration import MigrationContext

    from labelcore.storage.sql.tables import VERSION_TABLE

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


__all__ = ["Dumped", "dumps", "make_engine", "upgrade", "upgrade_engine"]
