"""Flask adapter: mount labelcore's pages and API under a prefix of a Flask app.

    from labelcore_flask import LabelcoreFlask
    LabelcoreFlask(core, identify=lambda request: current_user()).init_app(app, url_prefix="/label")

The extension translates Flask requests into :class:`labelcore.web.http.Request` and back;
every decision is made by :class:`labelcore.web.app.WebApp`. CSRF on Flask uses labelcore's
signed double-submit token, keyed with the app's ``SECRET_KEY`` (or ``csrf_secret=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

try:
    import flask
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError("labelcore_flask needs Flask: pip install 'labelcore[flask]'") from exc

import jinja2
from werkzeug.exceptions import RequestEntityTooLarge

from labelcore.errors import TooLarge
from labelcore.web.app import DEFAULT_MAX_BODY, Identify, TokenCheck, WebApp
from labelcore.web.http import Headers, MultiDict, Request, Response, UploadedFile
from labelcore.web.security import DEFAULT_CSP, CspSetting, SignedCsrf

__all__ = ["LabelcoreFlask"]

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class LabelcoreFlask:
    """The Flask extension (``app.extensions["labelcore"]`` after :meth:`init_app`).

    ``identify(flask.request)`` returns a ``labelcore.User`` or ``None``. The other options
    are those of :class:`~labelcore.web.app.WebApp`: ``token_auth``, ``csp`` (``None``
    turns the policy off), ``max_body``, ``login_url``, ``template_loader`` and
    ``base_template`` (to render pages inside the host's layout), ``static_dir``,
    ``media_roots`` (folders served at ``/data/local-files/?d=``, see ``labelcore.media``),
    ``media_store`` and ``media_resolvers`` (uploaded media, ``s3://`` URLs; docs/media.md).
    """

    def __init__(
        self,
        core: Any,
        *,
        identify: Identify,
        token_auth: bool | TokenCheck = True,
        csp: CspSetting = DEFAULT_CSP,
        max_body: int = DEFAULT_MAX_BODY,
        login_url: str | None = None,
        template_loader: jinja2.BaseLoader | None = None,
        base_template: str = "labelcore/base.html",
        csrf_secret: str | bytes | None = None,
        static_dir: Path | str | None = None,
        media_roots: Sequence[str | PathLike[str]] = (),
        media_store: Any = None,
        media_resolvers: Sequence[Any] | None = None,
    ) -> None:
        self.core = core
        self._options: dict[str, Any] = {
            "identify": identify,
            "token_auth": token_auth,
            "csp": csp,
            "max_body": max_body,
            "login_url": login_url,
            "template_loader": template_loader,
            "base_template": base_template,
            "static_dir": static_dir,
            "media_roots": media_roots,
            "media_store": media_store,
            "media_resolvers": media_resolvers,
        }
        self._csrf_secret = csrf_secret
        self.web: WebApp | None = None
        self.url_prefix = ""

    def init_app(self, app: flask.Flask, url_prefix: str = "/label") -> None:
        if "labelcore" in app.extensions:
            raise RuntimeError(
                "labelcore is already registered on this Flask app; call init_app once "
                "(use one LabelcoreFlask per app)."
            )
        secret = self._csrf_secret or app.config.get("SECRET_KEY")
        if not secret:
            raise RuntimeError(
                "labelcore needs a secret to sign CSRF tokens: set app.config['SECRET_KEY'] "
                "(or pass LabelcoreFlask(..., csrf_secret=...)) before init_app."
            )
        self.url_prefix = "/" + url_prefix.strip("/") if url_prefix.strip("/") else ""
        self.web = WebApp(self.core, csrf=SignedCsrf(secret), **self._options)
        bp = flask.Blueprint("labelcore", __name__, url_prefix=self.url_prefix or None)
        bp.add_url_rule(
            "/",
            "root",
            self._view,
            defaults={"path": ""},
            methods=_METHODS,
            strict_slashes=False,
            provide_automatic_options=False,
        )
        bp.add_url_rule(
            "/<path:path>",
            "any",
            self._view,
            methods=_METHODS,
            strict_slashes=False,
            provide_automatic_options=False,
        )
        app.register_blueprint(bp)
        app.extensions["labelcore"] = self

    def _view(self, path: str = "") -> flask.Response:
        assert self.web is not None
        req = flask.request
        rel = req.path[len(self.url_prefix) :] or "/"
        web = self.web

        def parse_form() -> tuple[MultiDict, list[UploadedFile]]:
            req.max_content_length = web.max_body
            req.max_form_memory_size = min(web.max_body, 50 * 1024 * 1024)
            try:
                req.form  # noqa: B018 - parse now, inside the size guard
            except RequestEntityTooLarge as exc:
                raise TooLarge(f"request body is over the {web.max_body}-byte limit") from exc
            files = [
                UploadedFile(
                    field=k, filename=f.filename or "", content_type=f.mimetype, stream=f.stream
                )
                for k, f in req.files.items(multi=True)
            ]
            return MultiDict(req.form.items(multi=True)), files

        request = Request(
            method=req.method,
            path=rel,
            script_root=req.script_root + self.url_prefix,
            query=MultiDict(req.args.items(multi=True)),
            headers=Headers(req.headers.items()),
            cookies=dict(req.cookies),
            stream=req.stream,
            content_length=req.content_length,
            form_parser=parse_form,
            native=req,
            scheme=req.scheme,
        )
        return _to_flask(web.handle(request))


def _to_flask(resp: Response) -> flask.Response:
    # a streamed body goes as it is: werkzeug calls its close() when the client is gone,
    # which stops an export and gives its limit slot back
    body = resp.body
    headers = list(resp.headers.items())
    if resp.status not in (204, 304) and resp.headers.get("Content-Type") is None:
        headers.append(("Content-Type", "application/octet-stream"))
    out = flask.Response(body, status=resp.status, headers=headers)
    if resp.status in (204, 304):  # Flask adds a default Content-Type; these carry none
        out.headers.pop("Content-Type", None)
    return out
