"""Webhook endpoints (Label Studio's ``/api/webhooks``), scoped to projects the caller manages.

    GET|POST /api/webhooks[?project=]     GET|PATCH|PUT|DELETE /api/webhooks/{id}
    GET /api/webhooks/info

Webhooks are stored by ``labelcore.service.webhooks`` (URL checked by the SSRF guard). Over
HTTP every webhook belongs to a project: a project-less webhook fires for every project of
every tenant, so only the host creates those, in Python. A webhook of a project the caller
cannot see is a 404; one they see without ``project.update`` is a 403.
"""

from __future__ import annotations

from typing import Any

from labelcore.service import webhooks as hooks
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    bad,
    int_field,
    int_param,
    json_object,
)
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Param, Router

_FIELDS = ("url", "send_payload", "send_for_all_actions", "actions", "headers", "is_active")


def _changes(body: dict[str, Any]) -> dict[str, Any]:
    out = {k: body[k] for k in _FIELDS if k in body}
    for flag in ("send_payload", "send_for_all_actions", "is_active"):
        if flag in out and not isinstance(out[flag], bool):
            raise bad(f"{flag!r} must be a boolean", flag)
    return out


def list_hooks(ctx: Ctx) -> Response:
    found = ctx.core.list_webhooks(ctx.require_user(), int_param(ctx, "project"))
    return ctx.json([hooks.webhook_to_json(h) for h in found])


def create_hook(ctx: Ctx) -> Response:
    user = ctx.require_user()
    body = json_object(ctx)
    pid = int_field(body, "project") or int_param(ctx, "project")
    if pid is None:
        raise bad(
            "'project' is required: over HTTP a webhook belongs to one project",
            "project",
            "webhook.project_required",
        )
    if "url" not in body:
        raise bad("'url' is required", "url", "webhook.url")
    hook = ctx.core.create_webhook(user, pid, secret=body.get("secret"), **_changes(body))
    return ctx.json(hooks.webhook_to_json(hook, include_secret=True), status=201)


def get_hook(ctx: Ctx) -> Response:
    return ctx.json(
        hooks.webhook_to_json(ctx.core.get_webhook(ctx.require_user(), ctx.params["id"]))
    )


def update_hook(ctx: Ctx) -> Response:
    user = ctx.require_user()
    body = json_object(ctx)
    changes = _changes(body)
    if "secret" in body:
        changes["secret"] = body["secret"]
    if "project" in body:
        changes["project_id"] = body["project"]
    new = ctx.core.update_webhook(user, ctx.params["id"], **changes)
    return ctx.json(hooks.webhook_to_json(new))


def delete_hook(ctx: Ctx) -> Response:
    ctx.core.delete_webhook(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def info(ctx: Ctx) -> Response:
    """Label Studio's shape: an object keyed by action, each with ``name``,
    ``description``, ``key`` and ``organization-only``; ``?organization-only=true|false``
    filters."""
    ctx.require_user()
    wanted = ctx.request.query.get("organization-only")
    out = {
        a["action"]: {
            "name": a["name"],
            "description": a["description"],
            "key": a["key"],
            "organization-only": a["organization_only"],
        }
        for a in hooks.actions()
        if wanted is None or a["organization_only"] == (wanted == "true")
    }
    return ctx.json(out)


def register(router: Router) -> None:
    t = ("webhooks",)
    body = {
        "type": "object",
        "properties": {
            "project": ID,
            "url": {"type": "string"},
            "send_payload": {"type": "boolean"},
            "send_for_all_actions": {"type": "boolean"},
            "is_active": {"type": "boolean"},
            "actions": {"type": "array", "items": {"type": "string"}},
            "headers": OBJ,
        },
    }
    router.api(
        "GET",
        "/api/webhooks",
        list_hooks,
        name="api.webhooks",
        tags=t,
        params=[Param(name="project", schema=ID)],
        summary="Webhooks of the projects you configure",
        responses={200: OBJ_LIST},
    )
    router.api(
        "POST",
        "/api/webhooks",
        create_hook,
        name="api.webhook_create",
        tags=t,
        body=body,
        summary="Add a webhook to a project (the response shows its secret once)",
        responses={201: OBJ},
    )
    router.api(
        "GET",
        "/api/webhooks/info",
        info,
        name="api.webhook_info",
        tags=t,
        summary="The webhook actions",
        params=[Param(name="organization-only", schema={"type": "boolean"})],
        responses={200: OBJ},
    )
    wid = "/api/webhooks/{id:int}"
    router.api(
        "GET",
        wid,
        get_hook,
        name="api.webhook",
        tags=t,
        summary="One webhook",
        responses={200: OBJ},
    )
    for m in ("PATCH", "PUT"):
        router.api(
            m,
            wid,
            update_hook,
            name=f"api.webhook_{m.lower()}",
            tags=t,
            body=body,
            summary="Change a webhook",
            responses={200: OBJ},
        )
    router.api(
        "DELETE",
        wid,
        delete_hook,
        name="api.webhook_delete",
        tags=t,
        summary="Delete a webhook",
        responses={204: None},
    )
