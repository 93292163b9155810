"""The API tokens page: each signed-in user issues, lists and revokes their own keys for
scripts and Label Studio's SDK (``Authorization: Token <key>``), without writing a script
to call ``POST /api/tokens`` first.

    from labelcore.web.token_page import register_pages
    register_pages(router)      # done by labelcore.web.api.account.register
    # GET <mount>/tokens   POST <mount>/tokens (name)   POST <mount>/tokens/3/revoke

Plain HTML forms (the CSRF token in the ``csrf_token`` field), so the page works in any
host layout under a strict CSP. A new key appears in the answer to its POST only: that
answer is never cached, and labelcore keeps only the key's hash.
"""

from __future__ import annotations

from labelcore.errors import NotFound
from labelcore.service import IssuedToken
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Router


def tokens_enabled(ctx: Ctx) -> None:
    """``NotFound`` when the host refuses API tokens (``token_auth=False``): a key issued
    then would never authenticate."""
    if ctx.app.token_auth is False:
        raise NotFound("API tokens are turned off on this site", code="tokens.disabled")


def _page(ctx: Ctx, issued: IssuedToken | None = None, status: int = 200) -> Response:
    user = ctx.require_user()
    tokens = sorted(ctx.core.list_tokens(user), key=lambda t: (t.revoked, -t.id))
    resp = ctx.render(
        "labelcore/tokens.html",
        status=status,
        lc_base_template=ctx.app.base_template,
        tokens=tokens,
        issued=issued,
        api_root=ctx.mount + "/api",
    )
    resp.headers.set("Cache-Control", "no-store")
    return resp


def tokens_page(ctx: Ctx) -> Response:
    tokens_enabled(ctx)
    return _page(ctx)


def create_token(ctx: Ctx) -> Response:
    """Issue a key and show it on the page this once (a bad name is a 400 saying why)."""
    tokens_enabled(ctx)
    name = (ctx.request.form.get("name") or "").strip()
    return _page(ctx, ctx.core.create_token(ctx.require_user(), name), status=201)


def revoke_token(ctx: Ctx) -> Response:
    tokens_enabled(ctx)
    ctx.core.revoke_token(ctx.require_user(), ctx.params["id"])  # another user's: 404
    return Response.redirect(ctx.url_for("lc_tokens"), status=303)


def register_pages(router: Router) -> None:
    router.page("GET", "/tokens", tokens_page, name="lc_tokens")
    router.page("POST", "/tokens", create_token, name="lc_token_create")
    router.page("POST", "/tokens/{id:int}/revoke", revoke_token, name="lc_token_revoke")
