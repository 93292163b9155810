"""Project endpoints: list/create/get/patch/delete, config validation, next task.

GET  /api/projects              POST /api/projects
GET|PATCH|PUT|DELETE /api/projects/{id}
POST /api/projects/validate     POST /api/projects/{id}/validate
GET  /api/projects/{id}/next    (import: ``labelcore.web.api.imports``)
"""

from __future__ import annotations

from typing import Any

import attrs

from labelcore._converter import project_to_json, settings_from_json, task_to_json
from labelcore.errors import NotFound
from labelcore.model import User
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    bad,
    bool_param,
    int_param,
    json_object,
)
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Param, Router

PROJECT: dict[str, Any] = {
    "type": "object",
    "properties": {"id": ID, "title": {"type": "string"}, "label_config": {"type": "string"}},
}
PROJECT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "label_config": {"type": "string"},
        "expert_instruction": {"type": "string"},
        "maximum_annotations": {"type": "integer"},
        "show_skip_button": {"type": "boolean"},
    },
}


def list_projects(ctx: Ctx) -> Response:
    user = ctx.require_user()
    page = int_param(ctx, "page", default=1) or 1
    size = int_param(ctx, "page_size", default=30, maximum=1000) or 30
    summaries = ctx.core.list_projects(user)
    chunk = summaries[(page - 1) * size : page * size]
    if page > 1 and not chunk:
        raise NotFound("Invalid page.", code="page.not_found")

    def link(p: int) -> str:
        return ctx.url_for("api.projects", _query={"page": p, "page_size": size})

    return ctx.json(
        {
            "count": len(summaries),
            "next": link(page + 1) if page * size < len(summaries) else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": _with_creators(
                ctx,
                user,
                [
                    project_to_json(s.project, s.counts, ctx.core.project_config(s.project))
                    for s in chunk
                ],
            ),
        }
    )


def _with_creators(ctx: Ctx, user: User, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio gives ``created_by`` as a user object (``UserSimple``), not an id."""
    ids = [p["created_by"] for p in items if p.get("created_by") is not None]
    known = ctx.core.get_users(user, ids) if ids else {}
    for p in items:
        uid = p.get("created_by")
        if uid is None:
            continue
        row = known.get(uid)
        name = row.name if row is not None else ""
        first, _, last = name.partition(" ")
        p["created_by"] = {
            "id": uid,
            "first_name": first,
            "last_name": last,
            "email": row.email if row is not None else "",
            "avatar": None,
        }
    return items


def _project_json(ctx: Ctx, project_id: int) -> dict[str, Any]:
    user = ctx.require_user()
    project = ctx.core.get_project(user, project_id)
    out = project_to_json(
        project, ctx.core.project_counts(user, project_id), ctx.core.project_config(project)
    )
    return _with_creators(ctx, user, [out])[0]


def create_project(ctx: Ctx) -> Response:
    user = ctx.require_user()
    settings = settings_from_json(json_object(ctx))
    project = ctx.core.create_project(user, settings)
    return ctx.json(_project_json(ctx, project.id), status=201)


def get_project(ctx: Ctx) -> Response:
    return ctx.json(_project_json(ctx, ctx.params["id"]))


def update_project(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params["id"]
    body = json_object(ctx)
    current = ctx.core.get_project(user, pid).settings
    new = settings_from_json(body, base=current)
    changed = {
        f.name: getattr(new, f.name)
        for f in attrs.fields(type(new))
        if getattr(new, f.name) != getattr(current, f.name)
    }
    force = bool_param(ctx, "force")
    if changed:
        ctx.core.update_project(user, pid, force=force, **changed)
    return ctx.json(_project_json(ctx, pid))


def delete_project(ctx: Ctx) -> Response:
    ctx.core.delete_project(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def _label_config(ctx: Ctx) -> str:
    body = json_object(ctx)
    xml = body.get("label_config")
    if not isinstance(xml, str) or not xml.strip():
        raise bad("'label_config' (the XML text) is required", "label_config")
    return xml


def validate_config(ctx: Ctx) -> Response:
    ctx.core.validate_config(ctx.require_user(), _label_config(ctx))
    return Response.empty(204)


def _essentials(cfg: Any) -> dict[str, tuple[str, tuple[str, ...], frozenset[str]]]:
    return {
        name: (c.tag, tuple(c.to_names), frozenset(c.labels)) for name, c in cfg.controls.items()
    }


def validate_project_config(ctx: Ctx) -> Response:
    """Label Studio's answer: whether controls were added, changed or lost labels."""
    user = ctx.require_user()
    pid = ctx.params["id"]
    xml = _label_config(ctx)
    project = ctx.core.get_project(user, pid)
    new = _essentials(ctx.core.validate_config(user, xml, project_id=pid))
    old = _essentials(ctx.core.validate_config(user, project.settings.label_config))
    changed = any(
        name not in old or spec[:2] != old[name][:2] or not old[name][2] <= spec[2]
        for name, spec in new.items()
    )
    return ctx.json({"config_essential_data_has_changed": changed})


def next_task(ctx: Ctx) -> Response:
    user = ctx.require_user()
    bundle = ctx.core.next_task(user, ctx.params["id"])
    if bundle is None:
        raise NotFound(
            "There are still some tasks to complete for the user, but they "
            "are locked by other users, or no tasks are left.",
            code="task.none_left",
        )
    out = task_to_json(bundle.task, bundle.annotations, bundle.predictions, bundle.drafts)
    return ctx.json(out)


def register(router: Router) -> None:
    t = ("projects",)
    pid = "/api/projects/{id:int}"
    page = [
        Param(name="page", schema={"type": "integer", "minimum": 1}),
        Param(name="page_size", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
    ]
    router.api(
        "GET",
        "/api/projects",
        list_projects,
        name="api.projects",
        tags=t,
        params=page,
        summary="List the projects you can see (paginated)",
        responses={
            200: {
                "type": "object",
                "properties": {"count": {"type": "integer"}, "results": OBJ_LIST},
            }
        },
    )
    router.api(
        "POST",
        "/api/projects",
        create_project,
        name="api.project_create",
        tags=t,
        summary="Create a project",
        body=PROJECT_BODY,
        responses={201: PROJECT},
    )
    router.api(
        "POST",
        "/api/projects/validate",
        validate_config,
        name="api.config_validate",
        tags=t,
        summary="Check a labeling config",
        responses={204: None},
        body={
            "type": "object",
            "properties": {"label_config": {"type": "string"}},
            "required": ["label_config"],
        },
    )
    router.api(
        "GET",
        pid,
        get_project,
        name="api.project",
        tags=t,
        summary="One project",
        responses={200: PROJECT},
    )
    router.api(
        "PATCH",
        pid,
        update_project,
        name="api.project_update",
        tags=t,
        summary="Change project settings",
        body=PROJECT_BODY,
        responses={200: PROJECT},
        params=[Param(name="force", schema={"type": "boolean"})],
    )
    router.api(
        "PUT",
        pid,
        update_project,
        name="api.project_replace",
        tags=t,
        summary="Change project settings (as PATCH)",
        body=PROJECT_BODY,
        responses={200: PROJECT},
    )
    router.api(
        "DELETE",
        pid,
        delete_project,
        name="api.project_delete",
        tags=t,
        summary="Delete a project and everything in it",
        responses={204: None},
    )
    router.api(
        "POST",
        pid + "/validate",
        validate_project_config,
        name="api.project_validate",
        tags=t,
        summary="Check a new config against the project",
        body={
            "type": "object",
            "properties": {"label_config": {"type": "string"}},
            "required": ["label_config"],
        },
        responses={
            200: {
                "type": "object",
                "properties": {"config_essential_data_has_changed": {"type": "boolean"}},
            }
        },
    )
    router.api(
        "GET",
        pid + "/next",
        next_task,
        name="api.project_next",
        tags=t,
        summary="Claim the next task to label (404 when none is left)",
        responses={200: OBJ},
    )
