"""The error hierarchy: one root, API-facing errors carry an HTTP status and a stable code.

from labelcore.errors import LabelcoreError, NotFound
try: core.get_task(user, 42)
except NotFound as exc: print(exc.status, exc.code)   # 404 "task.not_found"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class LabelcoreError(Exception):
    """Root of every error labelcore raises on purpose.

    ``status`` is the HTTP status the web layer answers with, ``code`` a stable
    machine-readable identifier, ``errors`` an optional list of problem dicts
    (each with at least ``code`` and ``message``).
    """

    status: int = 500
    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.errors: list[dict[str, Any]] = [dict(e) for e in errors]

    def __str__(self) -> str:
        return self.message


class ValidationError(LabelcoreError, ValueError):
    """Input does not fit the labeling config or the API's rules (HTTP 400)."""

    status = 400
    code = "validation"


class NotFound(LabelcoreError, LookupError):
    """The object does not exist, or the user may not see it (HTTP 404)."""

    status = 404
    code = "not_found"


class Forbidden(LabelcoreError, PermissionError):
    """The user sees the object but their role forbids the action (HTTP 403)."""

    status = 403
    code = "forbidden"


class Unauthorized(LabelcoreError, PermissionError):
    """No identified user (HTTP 401)."""

    status = 401
    code = "unauthorized"


class Conflict(LabelcoreError):
    """A stale version or a uniqueness clash (HTTP 409)."""

    status = 409
    code = "conflict"


class TooLarge(LabelcoreError, ValueError):
    """A request, file or config over a configured limit (HTTP 413)."""

    status = 413
    code = "too_large"


class TooManyRequests(LabelcoreError):
    """A limit of the host's ``Limits`` is reached (HTTP 429): too many requests, or too many
    exports or imports running at once. ``retry_after`` is the number of seconds to wait
    (sent as ``Retry-After``); nothing was changed."""

    status = 429
    code = "limit.rate"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, int(retry_after))


class QueryError(ValidationError):
    """A data-manager filter, ordering or regex that cannot be run (HTTP 400)."""

    code = "query.invalid"


class UnsafeURL(ValidationError):
    """A URL refused by the SSRF guard (HTTP 400)."""

    code = "url.unsafe"


class ConfigError(ValidationError):
    """A labeling config that cannot be used (HTTP 400, code ``config.invalid``).

    ``problems`` lists every problem found in one pass (``labelcore.config.ConfigProblem``:
    code, message, tag, attribute, line); ``errors`` holds the same as dicts for the API.
    """

    code = "config.invalid"

    def __init__(self, problems: Sequence[Any] | str, message: str | None = None) -> None:
        if isinstance(problems, str):  # ConfigError("text"): one problem saying so
            from labelcore.config.problems import ConfigProblem

            problems = [ConfigProblem(self.code, problems)]
        self.problems: list[Any] = list(problems)
        if message is None:
            lines = [str(p.message) for p in self.problems[:20]]
            more = len(self.problems) - len(lines)
            if more > 0:
                lines.append(f"... and {more} more")
            message = "Invalid labeling config: " + "; ".join(lines)
        super().__init__(message, errors=[p.as_dict() for p in self.problems])
