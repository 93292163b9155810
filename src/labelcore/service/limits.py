"""Limits on what one user or project may cost the host: API request rate, exports and
imports running at once, imports and ML calls per minute.

    from labelcore import LabelCore, Limits, Rate
    core = LabelCore(store="sqlite:///lc.db", limits=Limits(api_per_user=Rate(600, per=60)))
    # past a limit the HTTP API answers 429 with Retry-After, and changes nothing

Off by default (``LabelCore(limits=None)``): then nothing is checked and nothing is stored.
The state lives where every worker sees it: in the SQL store (a lease row per running
export or import, with an expiry, so a crashed worker's slot frees itself; a token bucket
row per rate), in process memory for the memory store, or in a host-supplied
:class:`LimitBackend` (``Limits(backend=...)``, e.g. one on Redis).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType

import attrs

from labelcore.errors import TooManyRequests, ValidationError
from labelcore.model import UserId
from labelcore.storage.limits import LimitBackend, MemoryLimitBackend

#: the most slots a concurrency limit may have (a refusal reads them all)
MAX_SLOTS = 1000


def _positive_count(name: str, value: object, top: int) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
        raise ValidationError(
            f"Limits.{name} must be a whole number from 1 to {top} (or None for no limit), "
            f"not {value!r}",
            code="limits.invalid",
        )


@attrs.frozen
class Rate:
    """``count`` requests per ``per`` seconds, in bursts of up to ``count`` (a token bucket
    refilled evenly: ``Rate(600, per=60)`` is 10 a second after a burst of 600)."""

    count: int
    per: float = 60.0

    def __attrs_post_init__(self) -> None:
        _positive_count("Rate.count", self.count, 10**9)
        per = self.per
        if isinstance(per, bool) or not isinstance(per, int | float) or not 0 < per < math.inf:
            raise ValidationError(
                f"Rate.per must be a positive number of seconds, not {per!r}",
                code="limits.invalid",
            )

    @property
    def per_second(self) -> float:
        return self.count / float(self.per)

    def __str__(self) -> str:
        return f"{self.count} per {self.per:g} s"


def _rate(name: str, value: object) -> None:
    if value is not None and not isinstance(value, Rate):
        raise ValidationError(
            f"Limits.{name} must be a labelcore.Rate (or None), not {value!r}",
            code="limits.invalid",
        )


@attrs.frozen(kw_only=True)
class Limits:
    """What the HTTP API allows; every limit is off (``None``) unless set.

    ``api_per_user``: JSON API requests per user (a :class:`Rate`). ``exports_per_user`` and
    ``exports_per_project``: exports streaming at once. ``imports_per_project``: imports
    running at once in a project; ``import_rate_per_project``: imports started per project
    (a :class:`Rate`). ``ml_per_project``: ML backend calls asked for over HTTP (interactive
    predictions, training, the "retrieve predictions" action) per project (a :class:`Rate`).
    ``lease_seconds``: how long a slot stays held when its worker dies without giving it
    back (a long export renews its slot while it streams). ``busy_retry_after``: the
    ``Retry-After`` seconds of a refusal for lack of a free slot. ``backend``: where the
    state lives (default: the store's, or process memory for stores without one).
    """

    api_per_user: Rate | None = None
    exports_per_user: int | None = None
    exports_per_project: int | None = None
    imports_per_project: int | None = None
    import_rate_per_project: Rate | None = None
    ml_per_project: Rate | None = None
    lease_seconds: float = 600.0
    busy_retry_after: int = 10
    backend: LimitBackend | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        for name in ("exports_per_user", "exports_per_project", "imports_per_project"):
            _positive_count(name, getattr(self, name), MAX_SLOTS)
        for name in ("api_per_user", "import_rate_per_project", "ml_per_project"):
            _rate(name, getattr(self, name))
        lease = self.lease_seconds
        if isinstance(lease, bool) or not isinstance(lease, int | float) or not lease >= 10:
            raise ValidationError(
                f"Limits.lease_seconds must be a number of seconds, at least 10, not {lease!r}",
                code="limits.invalid",
            )
        _positive_count("busy_retry_after", self.busy_retry_after, 3600)

    @property
    def active(self) -> bool:
        """Whether any limit is set."""
        return any(
            getattr(self, name) is not None
            for name in (
                "api_per_user",
                "exports_per_user",
                "exports_per_project",
                "imports_per_project",
                "import_rate_per_project",
                "ml_per_project",
            )
        )


def _key(kind: str, owner: str) -> str:
    """A short storage key (long host user ids are hashed)."""
    key = f"{kind}:{owner}"
    if len(key) > 120:
        key = f"{kind}#" + hashlib.sha256(owner.encode("utf-8")).hexdigest()
    return key


def _user(user_id: UserId) -> str:
    return "u" + json.dumps(user_id, ensure_ascii=False)


class Lease:
    """Slots held until :meth:`release` (a ``with`` block, or the end of a
    :meth:`stream`); renewed by :meth:`keep_alive` so a long export keeps them."""

    def __init__(self, limiter: Limiter, held: list[tuple[str, str]]) -> None:
        self._limiter = limiter
        self._held = held
        self._renewed = limiter.clock()

    @property
    def held(self) -> bool:
        return bool(self._held)

    def keep_alive(self) -> None:
        """Renew the slots once a third of their lifetime has passed (a clock read
        otherwise)."""
        if not self._held:
            return
        now = self._limiter.clock()
        ttl = self._limiter.limits.lease_seconds
        if now - self._renewed < ttl / 3:
            return
        self._renewed = now
        for key, holder in self._held:
            self._limiter.backend.renew(key, holder, ttl, now)

    def release(self) -> None:
        held, self._held = self._held, []
        for key, holder in reversed(held):
            self._limiter.backend.release(key, holder)

    def stream(self, chunks: Iterable[bytes]) -> LeasedStream:
        """``chunks`` passed on; the slots are released when they end, fail, or the
        response is closed (the client went away)."""
        return LeasedStream(chunks, self)

    def __enter__(self) -> Lease:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class LeasedStream:
    """An iterator of response chunks that holds a :class:`Lease` while it runs. WSGI
    servers (and Django) call ``close()`` when the client disconnects or the response is
    done, which ends the inner iterator and gives the slots back."""

    def __init__(self, chunks: Iterable[bytes], lease: Lease) -> None:
        self._inner: Iterator[bytes] = iter(chunks)
        self._source = chunks
        self._lease = lease

    def __iter__(self) -> LeasedStream:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self._inner)
        except BaseException:
            self.close()
            raise
        self._lease.keep_alive()
        return chunk

    def close(self) -> None:
        try:
            for source in (self._inner, self._source):
                close: Callable[[], object] | None = getattr(source, "close", None)
                if close is not None:
                    close()
        finally:
            self._lease.release()

    def __del__(self) -> None:
        if self._lease.held:  # never iterated nor closed (a HEAD request): give the slot back
            try:
                self._lease.release()
            except Exception:  # noqa: BLE001 - a safety net; the lease expires anyway
                return


class Limiter:
    """The checks the web layer makes (``core.limiter``; ``None`` when limits are off)."""

    def __init__(
        self,
        limits: Limits,
        backend: LimitBackend,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits
        self.backend = backend
        self.clock = clock

    def _take(self, key: str, rate: Rate, code: str, what: str) -> None:
        wait = self.backend.take(key, rate.count, rate.per_second, self.clock())
        if wait > 0:
            retry = math.ceil(wait)
            raise TooManyRequests(
                f"Too many requests: {what} is limited to {rate}; retry in {retry} s.",
                retry_after=retry,
                code=code,
            )

    def _hold(self, wanted: list[tuple[str, int | None, str, str]]) -> Lease:
        """Every slot in ``wanted`` (key, limit, code, what) or none of them."""
        held: list[tuple[str, str]] = []
        ttl = self.limits.lease_seconds
        for key, limit, code, what in wanted:
            if limit is None:
                continue
            holder = self.backend.acquire(key, limit, ttl, self.clock())
            if holder is None:
                Lease(self, held).release()
                raise TooManyRequests(
                    f"Too many {what} at once (at most {limit}); wait for one to finish.",
                    retry_after=self.limits.busy_retry_after,
                    code=code,
                )
            held.append((key, holder))
        return Lease(self, held)

    def check_api(self, user_id: UserId) -> None:
        """One JSON API request of the user (``limit.api_rate``)."""
        rate = self.limits.api_per_user
        if rate is not None:
            self._take(_key("api", _user(user_id)), rate, "limit.api_rate", "your API use")

    def hold_export(self, user_id: UserId, project_id: int) -> Lease:
        """A running export's slots, per user and per project (``limit.exports``)."""
        return self._hold(
            [
                (
                    _key("export", _user(user_id)),
                    self.limits.exports_per_user,
                    "limit.exports",
                    "exports of yours running",
                ),
                (
                    _key("export", f"p{project_id}"),
                    self.limits.exports_per_project,
                    "limit.exports",
                    "exports of this project running",
                ),
            ]
        )

    def hold_import(self, project_id: int) -> Lease:
        """A running import's slot (``limit.imports``), after the project's import rate
        (``limit.import_rate``; a refused slot takes no token)."""
        lease = self._hold(
            [
                (
                    _key("import", f"p{project_id}"),
                    self.limits.imports_per_project,
                    "limit.imports",
                    "imports into this project running",
                )
            ]
        )
        rate = self.limits.import_rate_per_project
        if rate is not None:
            try:
                self._take(
                    _key("import-rate", f"p{project_id}"),
                    rate,
                    "limit.import_rate",
                    "importing into this project",
                )
            except TooManyRequests:
                lease.release()
                raise
        return lease

    def check_ml(self, project_id: int) -> None:
        """One ML backend call asked for over HTTP (``limit.ml_rate``)."""
        rate = self.limits.ml_per_project
        if rate is not None:
            self._take(
                _key("ml", f"p{project_id}"), rate, "limit.ml_rate", "the project's ML calls"
            )


def make_limiter(limits: Limits | None, store: object) -> Limiter | None:
    """The limiter ``LabelCore(limits=...)`` uses: none when no limit is set; else on
    ``limits.backend``, the store's own (``store.limit_backend()``), or process memory."""
    if limits is None or not limits.active:
        return None
    backend = limits.backend
    if backend is None:
        make = getattr(store, "limit_backend", None)
        backend = make() if callable(make) else MemoryLimitBackend()
    return Limiter(limits, backend)
