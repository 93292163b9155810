"""Where the HTTP API's limits keep their state: the ``LimitBackend`` protocol and the
process-local one (``labelcore.service.limits`` holds the limits themselves).

    from labelcore.storage.limits import MemoryLimitBackend
    backend = MemoryLimitBackend()
    holder = backend.acquire("export:p3", 2, 600.0, time.time())   # None: both slots held
"""

from __future__ import annotations

import threading
from typing import Protocol


class LimitBackend(Protocol):
    """Where the limits' state is kept. Every method is one atomic step for all the
    processes that share the backend: two ``acquire`` calls never both get the last slot,
    two ``take`` calls never both get the last token. ``now`` is ``time.time()`` of the
    caller (hosts sharing a backend keep their clocks in sync, as they do for task locks)."""

    def acquire(self, key: str, limit: int, ttl: float, now: float) -> str | None:
        """One of ``limit`` slots of ``key`` until ``now + ttl``: a holder token, or ``None``
        when all are held by leases that have not expired."""

    def renew(self, key: str, holder: str, ttl: float, now: float) -> bool:
        """Push the lease's expiry to ``now + ttl``; False when it expired and was taken."""

    def release(self, key: str, holder: str) -> None:
        """Give the slot back (nothing when it already expired and was taken)."""

    def take(self, key: str, capacity: int, per_second: float, now: float) -> float:
        """One token from ``key``'s bucket (``capacity`` tokens, refilled at ``per_second``):
        0.0 when taken, else the seconds until one is there (nothing is taken then)."""


def refill(tokens: float, stamp: float, now: float, capacity: int, per_second: float) -> float:
    """The bucket's tokens at ``now`` (a clock that went back adds none)."""
    return min(float(capacity), tokens + max(0.0, now - stamp) * per_second)


class MemoryLimitBackend:
    """Process-local state (the memory store's, and tests'): limits hold per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leases: dict[str, dict[str, float]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}
        self._serial = 0

    def acquire(self, key: str, limit: int, ttl: float, now: float) -> str | None:
        with self._lock:
            held = {h: exp for h, exp in self._leases.get(key, {}).items() if exp > now}
            if len(held) >= limit:
                self._leases[key] = held
                return None
            self._serial += 1
            holder = str(self._serial)
            held[holder] = now + ttl
            self._leases[key] = held
            return holder

    def renew(self, key: str, holder: str, ttl: float, now: float) -> bool:
        with self._lock:
            held = self._leases.get(key, {})
            if held.get(holder, 0.0) <= now:
                return False
            held[holder] = now + ttl
            return True

    def release(self, key: str, holder: str) -> None:
        with self._lock:
            held = self._leases.get(key)
            if held is not None:
                held.pop(holder, None)
                if not held:
                    del self._leases[key]

    def take(self, key: str, capacity: int, per_second: float, now: float) -> float:
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(capacity), now))
            tokens = refill(tokens, stamp, now, capacity, per_second)
            if tokens < 1.0:
                return (1.0 - tokens) / per_second
            self._buckets[key] = (tokens - 1.0, max(stamp, now))
            return 0.0
