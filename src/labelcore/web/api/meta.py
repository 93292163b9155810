"""The OpenAPI document and static files.

GET /api/openapi.json     GET /static/{path}
"""

from __future__ import annotations

from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.openapi import openapi_document
from labelcore.web.routes import Router


def openapi(ctx: Ctx) -> Response:
    resp = ctx.json(openapi_document(ctx.app.router, server_url=ctx.mount or "/"))
    resp.headers.set("Cache-Control", "no-cache")
    return resp


def static(ctx: Ctx) -> Response:
    return ctx.app.static.serve(ctx.params["path"], ctx.request)


def register(router: Router) -> None:
    router.api(
        "GET",
        "/api/openapi.json",
        openapi,
        name="api.openapi",
        tags=("meta",),
        auth=False,
        summary="This document",
        responses={200: {"type": "object"}},
    )
    router.page("GET", "/static/{path:path}", static, name="static", auth=False)
