"""The caller's own account: who am I, and API tokens (create shown once, list, revoke).

GET /api/current-user/whoami
GET|POST /api/tokens        DELETE /api/tokens/{id}
GET /api/csrf-token
and the page <mount>/tokens (labelcore.web.token_page).
"""

from __future__ import annotations

from typing import Any

from labelcore._converter import dt_to_json
from labelcore.model import ApiToken
from labelcore.web.api._util import OBJ, OBJ_LIST, bad, json_object
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Router
from labelcore.web.token_page import register_pages, tokens_enabled


def whoami(ctx: Ctx) -> Response:
    user = ctx.require_user()
    first, _, last = user.name.partition(" ")
    return ctx.json(
        {
            "id": user.id,
            "username": user.name or str(user.id),
            "first_name": first,
            "last_name": last,
            "email": user.email,
            "roles": sorted(user.roles),
            "initials": "".join(p[:1] for p in user.name.split()[:2]).upper(),
            "avatar": None,
        }
    )


def csrf_token(ctx: Ctx) -> Response:
    """The CSRF token for this browser session (also set as a cookie where needed), for
    scripts on the host's own pages that call the API with the session cookie."""
    resp = ctx.json({"csrf_token": ctx.csrf_token(), "header": "X-CSRFToken"})
    resp.headers.set("Cache-Control", "no-store")
    return resp


def token_json(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": dt_to_json(t.created_at),
        "last_used_at": dt_to_json(t.last_used_at),
        "revoked": t.revoked,
    }


def list_tokens(ctx: Ctx) -> Response:
    return ctx.json([token_json(t) for t in ctx.core.list_tokens(ctx.require_user())])


def create_token(ctx: Ctx) -> Response:
    tokens_enabled(ctx)
    body = json_object(ctx)
    name = body.get("name", "")
    if not isinstance(name, str):
        raise bad("'name' must be a string", "name")
    issued = ctx.core.create_token(ctx.require_user(), name)
    out = token_json(issued.token)
    out["key"] = issued.key  # shown this once; only its hash is stored
    return ctx.json(out, status=201)


def revoke_token(ctx: Ctx) -> Response:
    ctx.core.revoke_token(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def register(router: Router) -> None:
    register_pages(router)  # the page that issues, lists and revokes them
    router.api(
        "GET",
        "/api/current-user/whoami",
        whoami,
        name="api.whoami",
        tags=("users",),
        summary="The identified user",
        responses={200: OBJ},
    )
    router.api(
        "GET",
        "/api/csrf-token",
        csrf_token,
        name="api.csrf_token",
        tags=("users",),
        summary="The CSRF token to send as X-CSRFToken with the session cookie",
        responses={
            200: {
                "type": "object",
                "properties": {"csrf_token": {"type": "string"}, "header": {"type": "string"}},
            }
        },
    )
    t = ("tokens",)
    router.api(
        "GET",
        "/api/tokens",
        list_tokens,
        name="api.tokens",
        tags=t,
        summary="Your API tokens (no keys)",
        responses={200: OBJ_LIST},
    )
    router.api(
        "POST",
        "/api/tokens",
        create_token,
        name="api.token_create",
        tags=t,
        body={"type": "object", "properties": {"name": {"type": "string"}}},
        summary="Issue a token; the key is in this response only",
        responses={
            201: {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}}
        },
    )
    router.api(
        "DELETE",
        "/api/tokens/{id:int}",
        revoke_token,
        name="api.token_revoke",
        tags=t,
        summary="Revoke a token",
        responses={204: None},
    )
