"""The base view every adapter calls: route, authenticate, check CSRF, run, map errors.

    from labelcore.web.app import WebApp
    web = WebApp(core, identify=lambda native: current_user(native), csrf=SignedCsrf(secret))
    response = web.handle(request)          # a labelcore.web.http.Request built by the adapter

Adapters hold no other logic: they build a :class:`~labelcore.web.http.Request`, call
:meth:`WebApp.handle` and write the :class:`~labelcore.web.http.Response` back.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Sequence
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2

from labelcore.errors import Forbidden, LabelcoreError, NotFound, Unauthorized
from labelcore.media import (
    LocalMedia,
    LocalMediaStore,
    MediaResolver,
    MediaStore,
    PassThroughResolver,
)
from labelcore.model import User
from labelcore.service.limits import Limiter
from labelcore.web.context import Ctx
from labelcore.web.errors import error_response, plain_error
from labelcore.web.http import Request, Response
from labelcore.web.i18n import gettext
from labelcore.web.routes import Router
from labelcore.web.security import (
    DEFAULT_CSP,
    SAFE_METHODS,
    CspSetting,
    CsrfProtection,
    apply_security_headers,
    new_nonce,
)
from labelcore.web.staticfiles import StaticFiles
from labelcore.web.templating import make_environment

log = logging.getLogger("labelcore.web")

Identify = Callable[[Any], User | None]
TokenCheck = Callable[[str], User | None]

DEFAULT_MAX_BODY = 250 * 1024 * 1024  # Label Studio's DATA_UPLOAD_MAX_MEMORY_SIZE


def build_router() -> Router:
    """The route table: the JSON API, static files, OpenAPI, then the ui's pages (if any)."""
    from labelcore.web.api import register_api

    router = Router()
    register_api(router)
    if importlib.util.find_spec("labelcore.web.pages") is not None:
        pages = importlib.import_module("labelcore.web.pages")
        pages.register_pages(router)
    return router


class WebApp:
    """Everything an adapter needs, configured once per host app.

    ``identify(native_request)`` returns the host's user or ``None``. ``token_auth``: True
    checks ``Authorization: Token <key>`` with ``core.authenticate_token``; a callable replaces
    that check; False refuses Authorization headers. ``csrf`` protects cookie sessions
    (``None`` only when the framework already did, e.g. Django's middleware). ``csp`` is the
    Content-Security-Policy with ``{nonce}`` (a callable, or ``None`` to send none).
    ``media_roots``: folders whose files signed-in users may load at ``/data/local-files/?d=``
    (none by default; see ``labelcore.media``). ``media_store``: where image/audio/video files
    uploaded through the import dialog are kept (a folder, or a ``MediaStore`` such as
    ``S3MediaStore``; none by default: such uploads are refused). ``media_resolvers`` turn
    media URLs in task data into browser URLs (default: http(s) as is; add an ``S3Presigner``
    for other ``s3://`` URLs). An ``S3MediaStore``'s uploads are presigned only in their own
    project.
    """

    def __init__(
        self,
        core: Any,
        *,
        identify: Identify,
        csrf: CsrfProtection | None,
        token_auth: bool | TokenCheck = True,
        csp: CspSetting = DEFAULT_CSP,
        referrer_policy: str = "same-origin",
        max_body: int = DEFAULT_MAX_BODY,
        login_url: str | None = None,
        template_loader: jinja2.BaseLoader | None = None,
        base_template: str = "labelcore/base.html",
        static_dir: Path | str | None = None,
        router: Router | None = None,
        media_roots: Sequence[str | PathLike[str]] = (),
        media_store: MediaStore | str | PathLike[str] | None = None,
        media_resolvers: Sequence[MediaResolver] | None = None,
    ) -> None:
        self.core = core
        self.identify = identify
        self.csrf = csrf
        self.token_auth = token_auth
        self.csp = csp
        self.referrer_policy = referrer_policy
        self.max_body = max_body
        self.login_url = login_url
        self.base_template = base_template
        self.templates = make_environment(template_loader)
        self.static = StaticFiles(static_dir)
        self.router = router if router is not None else build_router()
        # local media files are served only from inside these folders (labelcore.media)
        self.media = LocalMedia(media_roots) if media_roots else None
        self.media_store: MediaStore | None = (
            LocalMediaStore(media_store) if isinstance(media_store, str | PathLike) else media_store
        )
        resolvers: list[MediaResolver] = (
            [PassThroughResolver()] if media_resolvers is None else list(media_resolvers)
        )
        self.media_resolvers: tuple[MediaResolver, ...] = tuple(resolvers)
        # LabelCore(limits=...): None when no limit is set, so a request checks nothing
        self.limiter: Limiter | None = getattr(core, "limiter", None)
        self._api_rate = (
            self.limiter
            if self.limiter is not None and self.limiter.limits.api_per_user is not None
            else None
        )

    # -- authentication --------------------------------------------------------------------
    def _authenticate(self, ctx: Ctx) -> None:
        auth = ctx.request.headers.get("Authorization")
        if auth is not None:
            ctx.via_token = True
            scheme, _, key = auth.strip().partition(" ")
            if scheme.lower() != "token" or not key.strip() or self.token_auth is False:
                raise Unauthorized(
                    "Invalid Authorization header: send 'Authorization: Token <key>' with an "
                    "API token from the tokens page.",
                    code="auth.invalid_header",
                )
            check: TokenCheck = (
                self.token_auth if callable(self.token_auth) else self.core.authenticate_token
            )
            user = check(key.strip())
            if user is None:
                raise Unauthorized("Invalid or revoked API token.", code="auth.invalid_token")
            ctx.user = user
            return
        user = self.identify(ctx.request.native)
        if user is not None and not isinstance(user, User):
            raise TypeError(f"identify() must return a labelcore.User or None, not {user!r}")
        # the directory keeps names for columns and filters (the facade's identify)
        ctx.user = None if user is None else self.core.identify(user)

    def _login_redirect(self, ctx: Ctx) -> Response | None:
        if not self.login_url or ctx.request.method not in SAFE_METHODS:
            return None
        sep = "&" if "?" in self.login_url else "?"
        return Response.redirect(f"{self.login_url}{sep}{urlencode({'next': _here(ctx)})}")

    def _signin_page(self, ctx: Ctx) -> Response | None:
        """A browser opening a page without a session, on a host with no ``login_url``: a
        small HTML 401 page in the host's layout instead of the JSON error body."""
        response = self._browser_page(
            ctx, "labelcore/signin_required.html", 401, retry_url=_here(ctx)
        )
        if response is not None:
            response.headers.set("WWW-Authenticate", 'Token realm="labelcore"')
        return response

    def _error_page(self, ctx: Ctx, exc: LabelcoreError) -> Response | None:
        """A browser opening a page it may not see (403) or one that does not exist (404): a
        small HTML page in the host's layout with the error's text and a way back."""
        title = gettext("Not allowed") if exc.status == 403 else gettext("Not found")
        return self._browser_page(
            ctx,
            "labelcore/error_page.html",
            exc.status,
            title=title,
            message=exc.message,
            error_status=exc.status,
        )

    def _browser_page(self, ctx: Ctx, template: str, status: int, **values: Any) -> Response | None:
        """An error as an HTML page, for a browser visiting a page (GET or HEAD, HTML
        preferred to JSON); ``None`` for API clients (JSON preferred, ``*/*``, writes),
        which keep the JSON body, and when the host's layout cannot render it."""
        request = ctx.request
        if request.method not in ("GET", "HEAD") or not _prefers_html(
            request.headers.get("Accept") or ""
        ):
            return None
        try:
            response = ctx.render(
                template, status=status, _=gettext, lc_base_template=self.base_template, **values
            )
        except Exception:  # noqa: BLE001 - a broken host layout must not hide the error
            log.exception("the %s page could not be rendered; answering with JSON", status)
            return None
        if request.method == "HEAD":
            response.body = b""
        return response

    # -- the one entry point ---------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        request.max_body = self.max_body
        ctx = Ctx(request=request, app=self, nonce=new_nonce())
        request.state["nonce"] = ctx.nonce
        try:
            response = self._dispatch(ctx)
        except Exception as exc:  # noqa: BLE001 - the one place errors become responses
            page = ctx.route is not None and ctx.route.kind == "page" and not ctx.via_token
            if page and isinstance(exc, Unauthorized):
                response = (
                    self._login_redirect(ctx) or self._signin_page(ctx) or error_response(exc)
                )
            elif page and isinstance(exc, Forbidden | NotFound):
                response = self._error_page(ctx, exc) or error_response(exc)
            else:
                response = error_response(exc)
        if self.csrf is not None:
            self.csrf.prepare_response(request, response)
        apply_security_headers(
            response, nonce=ctx.nonce, csp=self.csp, referrer_policy=self.referrer_policy
        )
        return response

    def _dispatch(self, ctx: Ctx) -> Response:
        request = ctx.request
        route, params, allowed = self.router.match(request.method, request.path)
        if route is None:
            if allowed:
                resp = plain_error(
                    405, f'Method "{request.method}" not allowed.', "method_not_allowed"
                )
                resp.headers.set("Allow", ", ".join(sorted(set(allowed))))
                return resp
            return plain_error(404, "Not found.", "not_found")
        ctx.route, ctx.params = route, params
        if request.content_length is not None and request.content_length > self.max_body:
            request.body()  # raises TooLarge (413)
        self._authenticate(ctx)
        if route.auth:
            ctx.require_user()
        if (
            request.method not in SAFE_METHODS
            and not ctx.via_token
            and self.csrf is not None
            and not self.csrf.verify(request, ctx.user)
        ):
            raise Forbidden(
                "CSRF Failed: CSRF token missing or incorrect. Send the page's token in the "
                "X-CSRFToken header, or use 'Authorization: Token <key>'.",
                code="csrf.failed",
            )
        if self._api_rate is not None and ctx.user is not None and route.kind == "api":
            self._api_rate.check_api(ctx.user.id)  # after CSRF: forged requests spend nothing
        response = route.handler(ctx)
        if request.method == "HEAD" and not response.streamed:
            response.body = b""
        return response


def _here(ctx: Ctx) -> str:
    """The requested URL as the browser sees it (mount, path and query)."""
    here = ctx.request.script_root.rstrip("/") + ctx.request.path
    if ctx.request.query.items():
        here += "?" + urlencode(ctx.request.query.items())
    return here


def _prefers_html(accept: str) -> bool:
    """Whether an ``Accept`` header asks for HTML before JSON (browsers navigating to a
    page send ``text/html,...,*/*;q=0.8``; ``fetch`` and API clients ask for JSON or
    ``*/*``). Equal quality goes to the type listed first."""
    best: dict[str, tuple[float, int]] = {}
    for index, part in enumerate(accept.split(",")):
        kind, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = kind.strip().lower()
        if kind in ("text/html", "application/json") and kind not in best:
            best[kind] = (quality, -index)
    html = best.get("text/html")
    return html is not None and html[0] > 0 and html > best.get("application/json", (0.0, 0))
