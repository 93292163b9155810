"""ML backend endpoints (Label Studio's ``/api/ml``), for the managers of a project.

    GET|POST /api/ml[?project=]       GET|PATCH|DELETE /api/ml/{id}
    POST /api/ml/{id}/train           POST /api/ml/{id}/interactive-annotating

Backends are kept by ``core.ml`` (``labelcore.ml.attach``). Creating one connects it
(SSRF guard, ``/health``, ``/setup``); a backend that cannot be reached is a 400 saying why
and nothing is stored. A backend of a project the caller cannot see is a 404; one they see
without ``project.update`` is a 403. The basic-auth password is never returned.
"""

from __future__ import annotations

from typing import Any

from labelcore.errors import NotFound, ValidationError
from labelcore.ml import MLBackend, MLBackendError, MLManager, attach
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    as_bool,
    bad,
    int_field,
    int_param,
    json_object,
    require_configure,
)
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Param, Router

_CONNECTION = (
    "url",
    "auth_method",
    "basic_auth_user",
    "basic_auth_pass",
    "extra_params",
    "timeout",
)


def _ml(ctx: Ctx) -> MLManager:
    return attach(ctx.core)


def _visible(ctx: Ctx, backend_id: int) -> MLBackend:
    try:
        backend = _ml(ctx).get_backend(backend_id)
        require_configure(ctx, backend.project_id, "configure ML backends")
    except NotFound:
        raise NotFound(f"ML backend {backend_id} not found", code="ml.not_found") from None
    return backend


def _readable(exc: MLBackendError) -> ValidationError:
    """Connecting failed: a 400 naming the reason (Label Studio answers 400 too)."""
    message = f"cannot connect to the ML backend: {exc}"
    return ValidationError(
        message, code="ml.connect_failed", errors=[{"code": exc.code, "message": str(exc)}]
    )


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    for text in ("url", "title", "description", "basic_auth_user", "basic_auth_pass"):
        if text in body and body[text] is not None and not isinstance(body[text], str):
            raise bad(f"{text!r} must be a string", text)
    extra = body.get("extra_params")
    if extra is not None and not isinstance(extra, dict):
        raise bad("'extra_params' must be a JSON object", "extra_params")
    if "is_interactive" in body:
        body = {**body, "is_interactive": as_bool(body["is_interactive"], "is_interactive")}
    return body


def list_backends(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = int_param(ctx, "project")
    ml = _ml(ctx)
    if pid is not None:
        require_configure(ctx, pid, "configure ML backends")
        found = ml.list_backends(pid)
    else:
        found = []
        for summary in ctx.core.list_projects(user):
            if ctx.core.policy.allows(summary.role, "project.update"):
                found.extend(ml.list_backends(summary.project.id))
    return ctx.json([b.to_json() for b in found])


def create_backend(ctx: Ctx) -> Response:
    body = _fields(json_object(ctx))
    pid = int_field(body, "project") or int_param(ctx, "project")
    if pid is None:
        raise bad("'project' is required", "project", "ml.project_required")
    require_configure(ctx, pid, "configure ML backends")
    try:
        backend = _ml(ctx).connect_json(pid, body)
    except MLBackendError as exc:
        raise _readable(exc) from None
    return ctx.json(backend.to_json(), status=201)


def get_backend(ctx: Ctx) -> Response:
    return ctx.json(_visible(ctx, ctx.params["id"]).to_json())


def update_backend(ctx: Ctx) -> Response:
    backend = _visible(ctx, ctx.params["id"])
    body = _fields(json_object(ctx))
    if "project" in body and body["project"] != backend.project_id:
        raise bad("an ML backend cannot move to another project", "project")
    ml = _ml(ctx)
    if any(k in body for k in _CONNECTION):
        timeout = body.get("timeout")
        if timeout is not None and (
            not isinstance(timeout, int | float) or isinstance(timeout, bool)
        ):
            raise bad("'timeout' must be a number of seconds", "timeout", "ml.timeout")
        auth: tuple[str, str] | None | bool = True
        method = str(body.get("auth_method") or backend.auth_method).upper()
        if method == "NONE":
            auth = None
        elif method != "BASIC_AUTH":
            raise bad("'auth_method' must be NONE or BASIC_AUTH", "auth_method", "ml.auth")
        elif "basic_auth_user" in body or "basic_auth_pass" in body:
            user, password = body.get("basic_auth_user"), body.get("basic_auth_pass")
            if not user or not isinstance(password, str):
                raise bad(
                    "BASIC_AUTH needs basic_auth_user and basic_auth_pass",
                    "basic_auth_pass",
                    "ml.auth",
                )
            auth = (str(user), password)
        try:
            ml.reconnect(
                backend.id,
                url=body.get("url") or None,
                basic_auth=auth,
                extra_params=body.get("extra_params"),
                timeout=None if timeout is None else float(timeout),
            )
        except MLBackendError as exc:
            raise _readable(exc) from None
    new = ml.update_backend(
        backend.id,
        title=body.get("title"),
        description=body.get("description"),
        is_interactive=body.get("is_interactive"),
    )
    return ctx.json(new.to_json())


def delete_backend(ctx: Ctx) -> Response:
    backend = _visible(ctx, ctx.params["id"])
    _ml(ctx).remove_backend(backend.id)
    return Response.empty(204)


def train(ctx: Ctx) -> Response:
    backend = _visible(ctx, ctx.params["id"])
    ctx.check_ml(backend.project_id)
    job = _ml(ctx).start_training(backend.project_id, backend_id=backend.id)
    return ctx.json({"job": job.id}, status=200)


def interactive(ctx: Ctx) -> Response:
    backend = _visible(ctx, ctx.params["id"])
    body = json_object(ctx, allow_empty=False)
    task_id = int_field(body, "task")
    if task_id is None:
        raise bad("'task' is required", "task")
    context = body.get("context") or {}
    if not isinstance(context, dict):
        raise bad("'context' must be a JSON object", "context")
    ctx.check_ml(backend.project_id)
    result = _ml(ctx).interactive(backend.project_id, task_id, context, backend_id=backend.id)
    return ctx.json({"data": result})


def register(router: Router) -> None:
    t = ("ml",)
    body = {
        "type": "object",
        "properties": {
            "project": ID,
            "url": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "is_interactive": {"type": "boolean"},
            "auth_method": {"type": "string", "enum": ["NONE", "BASIC_AUTH"]},
            "basic_auth_user": {"type": "string"},
            "basic_auth_pass": {"type": "string"},
            "extra_params": OBJ,
            "timeout": {"type": "number"},
        },
    }
    router.api(
        "GET",
        "/api/ml",
        list_backends,
        name="api.ml",
        tags=t,
        params=[Param(name="project", schema=ID)],
        summary="ML backends of the projects you configure",
        responses={200: OBJ_LIST},
    )
    router.api(
        "POST",
        "/api/ml",
        create_backend,
        name="api.ml_create",
        tags=t,
        body=body,
        summary="Connect an ML backend to a project (health check and setup first)",
        responses={201: OBJ},
    )
    mid = "/api/ml/{id:int}"
    router.api(
        "GET",
        mid,
        get_backend,
        name="api.ml_backend",
        tags=t,
        summary="One ML backend",
        responses={200: OBJ},
    )
    router.api(
        "PATCH",
        mid,
        update_backend,
        name="api.ml_update",
        tags=t,
        body=body,
        summary="Change an ML backend (connection changes reconnect it)",
        responses={200: OBJ},
    )
    router.api(
        "DELETE",
        mid,
        delete_backend,
        name="api.ml_delete",
        tags=t,
        summary="Disconnect an ML backend",
        responses={204: None},
    )
    router.api(
        "POST",
        mid + "/train",
        train,
        name="api.ml_train",
        tags=t,
        summary="Start training (queued as a job)",
        responses={200: OBJ},
    )
    router.api(
        "POST",
        mid + "/interactive-annotating",
        interactive,
        name="api.ml_interactive",
        tags=t,
        body={
            "type": "object",
            "required": ["task"],
            "properties": {"task": ID, "context": OBJ},
        },
        summary="The model's proposal for one task given the user's regions (not stored)",
        responses={200: OBJ},
    )
