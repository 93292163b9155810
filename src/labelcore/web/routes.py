"""The one route table: every API endpoint, page and static URL labelcore serves.

    from labelcore.web.routes import Router
    router = Router()
    router.api("GET", "/api/things/{id:int}", get_thing, name="thing", summary="One thing")

Paths are relative to the mount point (the host's ``/label``); each matches with and without
a trailing slash, as Label Studio's do. ``{name}`` matches one segment, ``{name:int}`` a
positive integer (passed as ``int``), ``{name:path}`` the rest of the path. A handler takes
the per-request :class:`~labelcore.web.context.Ctx` and returns a
:class:`~labelcore.web.http.Response`; path parameters are in ``ctx.params``.

API routes (``router.api``) declare their parameters, body and response schemas; the
OpenAPI document at ``<prefix>/api/openapi.json`` is generated from them.

How HTML pages register (the ui helper's ``labelcore/web/pages.py``)
--------------------------------------------------------------------
``labelcore.web.app.build_router()`` builds the table: the JSON API first, then, when the
module ``labelcore.web.pages`` exists, it calls its ``register_pages(router)``::

    # labelcore/web/pages.py
    def register_pages(router: Router) -> None:
        router.page("GET", "/", projects_page, name="projects")
        router.page("GET", "/projects/{id:int}", project_page, name="project")

API routes are named ``api.<name>`` (their OpenAPI ``operationId``: ``api.project``,
``api.tasks``...), so page names never collide with them; ``url_for("api.project", id=3)``
links to the JSON API from a template. Static files: ``static_url("lc/app.js")``.

    def projects_page(ctx: Ctx) -> Response:
        projects = ctx.core.list_projects(ctx.require_user())
        return ctx.render("projects.html", projects=projects)

A page handler gets ``ctx.user`` (``None`` when the host did not identify anyone: use
``ctx.require_user()``, which sends anonymous browsers to the host's ``login_url``, or
without one shows them a "Sign-in needed" page with status 401; other clients get the
JSON 401), ``ctx.core`` (the ``LabelCore``), ``ctx.params``, ``ctx.request`` and
``ctx.render(template, **context)``. Templates come from the jinja2 environment of
``labelcore.web.templating`` (``PackageLoader("labelcore", "web/templates")`` after any loader
the host supplies, autoescape on) and always see: ``url_for(name, **params)`` (a link that
honours SCRIPT_NAME and the prefix), ``static_url(path)``, ``csp_nonce`` (put it on every
inline ``<script nonce=...>``/``<style>``), ``csrf_token`` (send it as the ``X-CSRFToken``
header on unsafe requests, or as the ``csrf_token`` form field), ``csrf_header``,
``user``, ``base_template`` (also as ``lc_base_template``: the layout to extend,
host-overridable), ``api_root`` and ``mount``. A host layout provides the blocks
``lc_title``, ``lc_head``, ``lc_content`` and ``lc_scripts`` — or ``title``, ``head``,
``content`` and ``scripts`` (labelcore's pages fill both sets; a layout uses one of them).
The environment uses ``StrictUndefined``: use ``|default`` for optional values.
Errors raised in page handlers (``NotFound``...) are rendered as JSON by the same error
mapping unless the handler catches them; pages are left out of the OpenAPI document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from labelcore.model import MAX_ID

if TYPE_CHECKING:
    from labelcore.web.context import Ctx
    from labelcore.web.http import Response

Handler = Callable[["Ctx"], "Response"]
Schema = Mapping[str, Any]

_PARAM = re.compile(r"\{(\w+)(?::(int|path))?\}")


@attrs.frozen(kw_only=True)
class Param:
    """A query (or header) parameter an API route documents."""

    name: str
    schema: Schema = attrs.field(factory=lambda: {"type": "string"})
    where: str = "query"
    required: bool = False
    description: str = ""


@attrs.frozen(kw_only=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    name: str
    kind: str = "api"  # api | page | static
    summary: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    body: Schema | None = None  # JSON request body schema
    body_content: tuple[str, ...] = ("application/json",)
    responses: Mapping[int, Schema | None] = attrs.field(factory=dict)
    auth: bool = True  # False: served to anonymous requests
    regex: re.Pattern[str] = attrs.field(init=False)
    path_params: tuple[tuple[str, str], ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        parts: list[str] = []
        names: list[tuple[str, str]] = []
        pos = 0
        for m in _PARAM.finditer(self.pattern):
            parts.append(re.escape(self.pattern[pos : m.start()]))
            kind = m.group(2) or "str"
            names.append((m.group(1), kind))
            parts.append(
                {"int": r"(?P<%s>[1-9][0-9]{0,17})", "path": r"(?P<%s>.+?)"}.get(
                    kind, r"(?P<%s>[^/]+)"
                )
                % m.group(1)
            )
            pos = m.end()
        parts.append(re.escape(self.pattern[pos:].rstrip("/")))
        object.__setattr__(self, "regex", re.compile("^" + "".join(parts) + "/?$"))
        object.__setattr__(self, "path_params", tuple(names))

    def match(self, path: str) -> dict[str, Any] | None:
        m = self.regex.match(path)
        if m is None:
            return None
        out: dict[str, Any] = {}
        for name, kind in self.path_params:
            if kind != "int":
                out[name] = m.group(name)
            elif (value := int(m.group(name))) > MAX_ID:
                return None  # no row has such an id: not found, not a database error
            else:
                out[name] = value
        return out

    def build(self, params: Mapping[str, Any]) -> str:
        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in params:
                raise KeyError(f"route {self.name!r} needs the parameter {m.group(1)!r}")
            return str(params[m.group(1)])

        return _PARAM.sub(sub, self.pattern)


class Router:
    """An ordered table of routes; the first route whose pattern and method match wins."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._by_name: dict[str, Route] = {}

    def add(self, route: Route) -> Route:
        if route.name in self._by_name and self._by_name[route.name].pattern != route.pattern:
            raise ValueError(f"route name {route.name!r} is already used for another path")
        for r in self.routes:
            if r.method == route.method and r.pattern.rstrip("/") == route.pattern.rstrip("/"):
                raise ValueError(f"{route.method} {route.pattern} is already registered")
        self.routes.append(route)
        self._by_name.setdefault(route.name, route)
        return route

    def api(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        *,
        name: str,
        summary: str = "",
        tags: Sequence[str] = (),
        params: Sequence[Param] = (),
        body: Schema | None = None,
        body_content: Sequence[str] = ("application/json",),
        responses: Mapping[int, Schema | None] | None = None,
        auth: bool = True,
    ) -> Route:
        """Register a JSON API endpoint (documented in the OpenAPI document)."""
        return self.add(
            Route(
                method=method.upper(),
                pattern=pattern,
                handler=handler,
                name=name,
                kind="api",
                summary=summary,
                tags=tuple(tags),
                params=tuple(params),
                body=body,
                body_content=tuple(body_content),
                responses=dict(responses or {200: None}),
                auth=auth,
            )
        )

    def page(
        self, method: str, pattern: str, handler: Handler, *, name: str, auth: bool = True
    ) -> Route:
        """Register an HTML page (not in the OpenAPI document)."""
        return self.add(
            Route(
                method=method.upper(),
                pattern=pattern,
                handler=handler,
                name=name,
                kind="page",
                auth=auth,
            )
        )

    def route(
        self, method: str, pattern: str, *, name: str, kind: str = "page", auth: bool = True
    ) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`page` (``kind="page"``) and of a bare :meth:`api`."""

        def deco(fn: Handler) -> Handler:
            if kind == "api":
                self.api(method, pattern, fn, name=name, auth=auth)
            else:
                self.page(method, pattern, fn, name=name, auth=auth)
            return fn

        return deco

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, Any], list[str]]:
        """``(route, params, allowed_methods)``: no route with allowed methods is a 405."""
        allowed: list[str] = []
        method = method.upper()
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, params, []
            allowed.append(route.method)
        return None, {}, allowed

    def get(self, name: str) -> Route:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no route named {name!r}") from None

    def url(self, name: str, **params: Any) -> str:
        """The path (relative to the mount) of the named route."""
        return self.get(name).build(params)
