"""The one error mapping: exceptions to Label Studio-shaped JSON error bodies.

    from labelcore.web.errors import error_response
    resp = error_response(NotFound("project 3 not found", code="project.not_found"))
    # 404 {"status_code": 404, "detail": "...", "validation_errors": {}, "code": ..., "errors": []}

A ``LabelcoreError`` keeps its status, message, code and problem list; Label Studio's
``validation_errors`` groups the problems' messages by their ``field`` (or ``key``, or
``non_field_errors``). Any other exception is a 500 that says nothing about internals; the
traceback goes to the ``labelcore.web`` logger with the error id the client sees.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from labelcore import __version__
from labelcore.errors import LabelcoreError
from labelcore.web.http import Headers, Response

log = logging.getLogger("labelcore.web")


def error_body(
    status: int,
    detail: str,
    *,
    code: str,
    errors: list[dict[str, Any]] | None = None,
    error_id: str | None = None,
) -> dict[str, Any]:
    problems = errors or []
    grouped: dict[str, list[str]] = {}
    for p in problems:
        key = str(p.get("field") or p.get("key") or "non_field_errors")
        grouped.setdefault(key, []).append(str(p.get("message", "")))
    if not grouped and status == 400:
        grouped["non_field_errors"] = [detail]
    return {
        "id": error_id or uuid.uuid4().hex,
        "status_code": status,
        "version": __version__,
        "detail": detail,
        "validation_errors": grouped,
        "code": code,
        "errors": problems,
    }


def error_response(exc: BaseException) -> Response:
    """The response for any exception escaping a handler."""
    if isinstance(exc, LabelcoreError):
        status = exc.status if 400 <= exc.status <= 599 else 500
        body = error_body(status, exc.message, code=exc.code, errors=exc.errors)
        if status >= 500:
            log.error("labelcore error %s: %s", body["id"], exc, exc_info=exc)
        headers = Headers()
        if status == 401:
            headers.set("WWW-Authenticate", 'Token realm="labelcore"')
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int):  # TooManyRequests (429): when to try again
            headers.set("Retry-After", str(retry_after))
        return Response.json(body, status=status, headers=headers)
    error_id = uuid.uuid4().hex
    log.error("unhandled error %s", error_id, exc_info=exc)
    body = error_body(
        500,
        f"Internal server error (error id {error_id}); the server log has the details.",
        code="server_error",
        error_id=error_id,
    )
    return Response.json(body, status=500)


def plain_error(status: int, detail: str, code: str, **extra: Any) -> Response:
    body = error_body(status, detail, code=code)
    body.update(extra)
    return Response.json(body, status=status)
