"""The per-request context a route handler receives.

def get_project(ctx: Ctx) -> Response:
    project = ctx.core.get_project(ctx.require_user(), ctx.params["id"])
    return ctx.json(project_to_json(project))
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import attrs

from labelcore.errors import Unauthorized
from labelcore.model import Project, User
from labelcore.web.http import Response
from labelcore.web.i18n import gettext, ngettext

if TYPE_CHECKING:
    from labelcore.service.limits import Limiter
    from labelcore.web.app import WebApp
    from labelcore.web.http import Request
    from labelcore.web.routes import Route


@attrs.define(kw_only=True)
class Ctx:
    request: Request
    app: WebApp
    route: Route | None = None
    params: dict[str, Any] = attrs.field(factory=dict)
    user: User | None = None
    nonce: str = ""
    via_token: bool = False  # authenticated by an Authorization header
    _roles: dict[int, str | None] = attrs.field(factory=dict, init=False)

    @property
    def core(self) -> Any:
        """The ``LabelCore`` facade."""
        return self.app.core

    def require_user(self) -> User:
        if self.user is None:
            raise Unauthorized(
                "Authentication credentials were not provided: log in, or send "
                "'Authorization: Token <key>'.",
                code="auth.required",
            )
        return self.user

    def can(self, project: Project | int, action: str) -> bool:
        """Whether the signed-in user's role in the project (a ``Project`` the handler
        already read, or its id) allows the policy ``action``: pages show only the links
        and buttons that lead somewhere for the user."""
        user = self.require_user()
        pid = project if isinstance(project, int) else project.id
        if pid not in self._roles:  # one read of the members per project and request
            if isinstance(project, int):
                project = self.core.get_project(user, pid)
            members = self.core.list_members(user, pid)
            self._roles[pid] = self.core.policy.project_role(user, project, members)
        role = self._roles[pid]
        return role is not None and bool(self.core.policy.allows(role, action))

    # -- limits (LabelCore(limits=...); nothing to do when they are off) -----------------
    def _limiter(self, project_id: int, action: str | None) -> Limiter | None:
        """The limiter, once the user may do ``action`` in the project (a user who may not
        gets the 403 or 404 first, and takes nothing from the project's limits)."""
        limiter: Limiter | None = self.app.limiter
        if limiter is not None and action is not None:
            self.core.authorize(self.require_user(), project_id, action)
        return limiter

    def export_stream(self, project_id: int, chunks: Iterable[bytes]) -> Iterable[bytes]:
        """An export's body holding its slots (per user, per project) until it ends or the
        client goes away; ``TooManyRequests`` (429) when they are all taken."""
        limiter = self._limiter(project_id, None)
        if limiter is None:
            return chunks
        return limiter.hold_export(self.require_user().id, project_id).stream(chunks)

    def import_slot(
        self, project_id: int, action: str = "tasks.import"
    ) -> AbstractContextManager[object]:
        """Hold one of the project's import slots (and a token of its import rate) for a
        ``with`` block; ``TooManyRequests`` (429) when there is none."""
        limiter = self._limiter(project_id, action)
        return nullcontext() if limiter is None else limiter.hold_import(project_id)

    def check_ml(self, project_id: int, action: str | None = None) -> None:
        """Count one ML backend call of the project; ``TooManyRequests`` (429) past its rate."""
        limiter = self._limiter(project_id, action)
        if limiter is not None:
            limiter.check_ml(project_id)

    # -- links --------------------------------------------------------------------------
    def url_for(self, name: str, *, _query: dict[str, Any] | None = None, **params: Any) -> str:
        """Absolute path of a named route under this request's mount (SCRIPT_NAME + prefix)."""
        path = self.app.router.url(name, **params)
        url = self.request.script_root.rstrip("/") + path
        if _query:
            url += "?" + urlencode({k: v for k, v in _query.items() if v is not None}, doseq=True)
        return url

    def static_url(self, path: str) -> str:
        """URL of a static file, versioned by its ETag so browsers may cache it forever."""
        url = self.request.script_root.rstrip("/") + "/static/" + quote(path.lstrip("/"))
        try:
            tag = self.app.static.etag(path.lstrip("/")).strip('"')[:12]
        except Exception:  # noqa: BLE001 - a missing file still gets a (404ing) link
            return url
        return f"{url}?v={tag}"

    @property
    def mount(self) -> str:
        return self.request.script_root.rstrip("/")

    # -- responses ------------------------------------------------------------------------
    def json(self, data: Any, status: int = 200) -> Response:
        return Response.json(data, status=status)

    def csrf_token(self) -> str:
        if self.app.csrf is None:
            return ""
        return self.app.csrf.token(self.request, self.user)

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        """Render a page template with the per-request globals (see ``routes`` docstring)."""
        env = self.app.templates
        values: dict[str, Any] = {
            "url_for": self.url_for,
            "static_url": self.static_url,
            "csp_nonce": self.nonce,
            "csrf_token": self.csrf_token(),
            "csrf_header": "X-CSRFToken",
            "user": self.user,
            "base_template": self.app.base_template,
            "lc_base_template": self.app.base_template,
            "api_root": self.mount + "/api",
            "mount": self.mount,
            "request": self.request,
            "_": gettext,
            "ngettext": ngettext,
        }
        values.update(context)
        return Response.html(env.get_template(template).render(values), status=status)
