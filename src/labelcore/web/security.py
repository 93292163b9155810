"""Response hardening and CSRF: security headers, the CSP nonce, signed CSRF tokens.

    from labelcore.web.security import SignedCsrf
    csrf = SignedCsrf(secret=b"host secret")
    token = csrf.token(request, user)      # put in a page; the browser sends it back

Every labelcore response carries ``X-Content-Type-Options: nosniff``, a ``Referrer-Policy``
and (unless the host turns it off) a Content-Security-Policy whose ``{nonce}`` is fresh per
request. Unsafe requests without an ``Authorization`` header are cookie sessions and need a
CSRF token: on Flask the :class:`SignedCsrf` double-submit token below, on Django Django's
own middleware (the adapter plugs it in through the :class:`CsrfProtection` protocol).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from labelcore.model import User

if TYPE_CHECKING:
    from labelcore.web.http import Request, Response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

DEFAULT_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data: blob: https:; "
    "media-src 'self' data: blob: https:; "
    "connect-src 'self'; "
    "font-src 'self' data:; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'self'"
)

CspSetting = str | Callable[[str], str] | None


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def csp_header(setting: CspSetting, nonce: str) -> str | None:
    """The policy text for this request, or ``None`` when the host turned CSP off."""
    if setting is None:
        return None
    if callable(setting):
        return setting(nonce)
    return setting.replace("{nonce}", nonce)


def apply_security_headers(
    response: Response, *, nonce: str, csp: CspSetting, referrer_policy: str
) -> None:
    """Add the hardening headers unless the handler set its own values."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", referrer_policy)
    policy = csp_header(csp, nonce)
    if policy is not None:
        response.headers.setdefault("Content-Security-Policy", policy)


class CsrfProtection(Protocol):
    """How cookie-session requests prove they came from our pages.

    ``token`` returns the value pages send back (and may arrange, through
    ``prepare_response``, for a cookie to be set); ``verify`` returns True only for an
    unsafe request carrying a valid token. Implementations must compare in constant time.
    """

    def token(self, request: Request, user: User | None) -> str: ...

    def verify(self, request: Request, user: User | None) -> bool: ...

    def prepare_response(self, request: Request, response: Response) -> None: ...


CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"


class SignedCsrf:
    """Signed double-submit tokens for hosts without their own CSRF machinery (Flask).

    A random value lives in the ``labelcore_csrf`` cookie (HttpOnly, SameSite=Lax, path =
    the mount). The token is ``<value>.<HMAC(secret, value | user id)>``: a request is
    accepted when the header (or form field) token's value equals the cookie's and the
    signature matches the identified user, so a token leaked for one user or one browser
    is useless for another, and a cookie an attacker plants cannot be signed.
    """

    cookie_name = "labelcore_csrf"

    def __init__(self, secret: bytes | str) -> None:
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        if len(secret) < 16:
            raise ValueError("the CSRF secret must be at least 16 bytes")
        self._secret = secret

    def _sign(self, value: str, user: User | None) -> str:
        who = "" if user is None else f"{type(user.id).__name__}:{user.id}"
        mac = hmac.new(self._secret, f"{value}|{who}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def _cookie_value(self, request: Request) -> str:
        value = request.state.get("csrf_value")
        if isinstance(value, str):
            return value
        value = request.cookies.get(self.cookie_name) or ""
        if not (16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()):
            value = secrets.token_urlsafe(24)
            request.state["csrf_new"] = True
        request.state["csrf_value"] = value
        return value

    def token(self, request: Request, user: User | None) -> str:
        value = self._cookie_value(request)
        return f"{value}.{self._sign(value, user)}"

    def verify(self, request: Request, user: User | None) -> bool:
        cookie = request.cookies.get(self.cookie_name) or ""
        sent = request.headers.get(CSRF_HEADER) or request.headers.get("X-CSRF-Token")
        if not sent and request.is_form:
            sent = request.form.get(CSRF_FIELD)
        if not cookie or not sent or "." not in sent:
            return False
        value, sig = sent.rsplit(".", 1)
        return hmac.compare_digest(value, cookie) and hmac.compare_digest(
            sig, self._sign(value, user)
        )

    def prepare_response(self, request: Request, response: Response) -> None:
        if request.state.get("csrf_new"):
            response.set_cookie(
                self.cookie_name,
                str(request.state.get("csrf_value", "")),
                path=request.script_root or "/",
                secure=request.is_secure,
            )
