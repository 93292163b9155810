"""The SQL store's state of the HTTP API's limits (private: ``SQLStore.limit_backend()``).

backend = store.limit_backend()                 # a labelcore.service.limits.LimitBackend
holder = backend.acquire("export:p3", 2, 600.0, time.time())
backend.release("export:p3", holder)

PostgreSQL keeps it in ``labelcore_limit_lease``/``labelcore_limit_bucket`` and runs each
step as statements in autocommit (a rate check that passes is one UPDATE). Each statement
says what it did with RETURNING (psycopg answered an upsert's rowcount with -1). SQLite keeps it
in a small database beside the main one (``<database>-labelcore-limits``): its writes must
not wait behind a long import's write transaction on the main file, and the processes of
one machine (all that share a SQLite database) share the file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from labelcore.storage.limits import refill
from labelcore.storage.sql.engine import make_engine
from labelcore.storage.sql.tables import LIMIT_BUCKETS, LIMIT_LEASES, metadata

SUFFIX = "-labelcore-limits"
L, B = LIMIT_LEASES, LIMIT_BUCKETS


class SQLLimitBackend:
    """A ``LimitBackend`` on an engine holding the two limit tables (see the module doc)."""

    def __init__(self, engine: sa.Engine, *, own_engine: bool) -> None:
        self.engine = engine
        self._own = own_engine
        self._pg = engine.dialect.name == "postgresql"
        self._insert: Any = pg_insert if self._pg else sqlite_insert
        self._spend = _spend(self._pg)

    @classmethod
    def beside(cls, database: str) -> SQLLimitBackend:
        """The backend in a SQLite file next to ``database`` (created when missing)."""
        engine = make_engine(f"sqlite:///{database}{SUFFIX}")
        metadata.create_all(engine, tables=[L, B])  # BEGIN IMMEDIATE: one process at a time
        return cls(engine, own_engine=True)

    def close(self) -> None:
        if self._own:
            self.engine.dispose()

    @contextmanager
    def _conn(self) -> Iterator[sa.Connection]:
        if self._pg:  # each statement is atomic on its own: no BEGIN/COMMIT round trips
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                yield conn
        else:
            with self.engine.begin() as conn:
                yield conn

    # -- concurrency: leases ---------------------------------------------------------------
    def acquire(self, key: str, limit: int, ttl: float, now: float) -> str | None:
        token = uuid.uuid4().hex
        with self._conn() as conn:
            held = conn.execute(sa.select(L.c.slot, L.c.expires_at).where(L.c.key == key)).all()
            busy = {slot for slot, expires in held if expires > now}
            if len(busy) >= limit:
                return None
            for slot in range(limit):
                if slot in busy:
                    continue
                insert = self._insert(L).values(
                    key=key, slot=slot, holder=token, expires_at=now + ttl
                )
                # a slot whose lease expired (its worker died) is taken over in place
                took = insert.on_conflict_do_update(
                    index_elements=[L.c.key, L.c.slot],
                    set_={
                        "holder": insert.excluded.holder,
                        "expires_at": insert.excluded.expires_at,
                    },
                    where=L.c.expires_at <= now,
                ).returning(L.c.slot)
                if conn.execute(took).first() is not None:
                    return f"{slot}:{token}"
        return None  # another worker took the free slots first

    @staticmethod
    def _mine(key: str, holder: str) -> Any:
        slot, _, token = holder.partition(":")
        return sa.and_(L.c.key == key, L.c.slot == int(slot), L.c.holder == token)

    def renew(self, key: str, holder: str, ttl: float, now: float) -> bool:
        with self._conn() as conn:
            moved = conn.execute(
                sa.update(L)
                .where(self._mine(key, holder))
                .values(expires_at=now + ttl)
                .returning(L.c.slot)
            )
            return moved.first() is not None

    def release(self, key: str, holder: str) -> None:
        with self._conn() as conn:
            conn.execute(sa.delete(L).where(self._mine(key, holder)))

    # -- rates: token buckets ----------------------------------------------------------------
    def take(self, key: str, capacity: int, per_second: float, now: float) -> float:
        values = {"b_key": key, "now": now, "cap": float(capacity), "rate": per_second}
        with self._conn() as conn:
            for _ in range(3):  # a race with another worker's first token: look again
                if conn.execute(self._spend, values).first() is not None:
                    return 0.0
                row = conn.execute(_BUCKET, values).first()
                if row is None:
                    first = self._insert(B).values(key=key, tokens=float(capacity) - 1.0, stamp=now)
                    made = first.on_conflict_do_nothing().returning(B.c.tokens)
                    if conn.execute(made).first() is not None:
                        return 0.0
                    continue
                tokens = refill(row.tokens, row.stamp, now, capacity, per_second)
                if tokens < 1.0:
                    return (1.0 - tokens) / per_second
        return 1.0 / per_second


def _spend(pg: bool) -> sa.Update:
    """Take a token when the bucket, refilled up to now, has one: the statement every
    passing rate check sends (built once; the values are bound). On PostgreSQL its commit
    does not wait for the WAL flush (``synchronous_commit`` off for this statement's own
    transaction only): the flush was three quarters of its time, and a crash of the
    database may at worst forget the last few tokens taken."""
    now, cap, rate = (sa.bindparam(n, type_=sa.Float) for n in ("now", "cap", "rate"))
    later = now > B.c.stamp
    grown = B.c.tokens + sa.case((later, (now - B.c.stamp) * rate), else_=0.0)
    capped = sa.case((grown > cap, cap), else_=grown)
    where = [B.c.key == sa.bindparam("b_key", type_=sa.String), grown >= 1.0]
    if pg:
        off = sa.func.set_config("synchronous_commit", "off", sa.true())
        where.append(sa.select(off).scalar_subquery().is_not(None))
    return (
        sa.update(B)
        .where(*where)
        .values(tokens=capped - 1.0, stamp=sa.case((later, now), else_=B.c.stamp))
        .returning(B.c.tokens)
    )


_BUCKET = sa.select(B.c.tokens, B.c.stamp).where(B.c.key == sa.bindparam("b_key", type_=sa.String))
