"""Project members and task assignment over HTTP.

    GET|PUT /api/projects/{id}/members        PATCH|DELETE /api/projects/{id}/members/{user}
    POST /api/projects/{id}/tasks/assignees   (Label Studio Enterprise's bulk assignment)

Reading or changing members needs ``project.update`` in the project (the member list holds
emails); assigning needs ``tasks.assign``. A project the caller cannot see is a 404.
"""

from __future__ import annotations

from typing import Any

from labelcore.model import DirectoryUser, Member, UserId
from labelcore.web.api._util import OBJ, bad, json_object, task_query
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.routes import Router

ROLES = ["annotator", "reviewer", "manager"]
USER_ID: dict[str, Any] = {"oneOf": [{"type": "integer"}, {"type": "string", "minLength": 1}]}
MEMBER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "user": USER_ID,
        "role": {"type": "string", "enum": ROLES},
        "name": {"type": "string"},
        "email": {"type": "string"},
    },
}
MEMBERS: dict[str, Any] = {
    "type": "object",
    "properties": {"members": {"type": "array", "items": MEMBER}},
}


def member_json(member: Member, known: DirectoryUser | None) -> dict[str, Any]:
    return {
        "user": member.user_id,
        "role": member.role,
        "name": known.name if known else "",
        "email": known.email if known else "",
    }


def _members_response(ctx: Ctx, project_id: int) -> Response:
    rows = ctx.core.member_directory(ctx.require_user(), project_id)
    return ctx.json({"members": [member_json(m, k) for m, k in rows]})


def list_members(ctx: Ctx) -> Response:
    return _members_response(ctx, ctx.params["id"])


def replace_members(ctx: Ctx) -> Response:
    body = json_object(ctx, allow_empty=False)
    items = body.get("members")
    if not isinstance(items, list):
        raise bad(
            '\'members\' is required: a list of {"user": <id>, "role": <role>} '
            "(an empty list opens the project to every user)",
            "members",
            "members.required",
        )
    pid = ctx.params["id"]
    members = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or "user" not in item:
            raise bad(
                f"members[{n}] must be an object with 'user' and 'role'",
                "members",
                "members.bad_item",
            )
        role = item.get("role", "annotator")
        members.append(Member(project_id=pid, user_id=item["user"], role=role))
    ctx.core.set_members(ctx.require_user(), pid, members)
    return _members_response(ctx, pid)


def _path_user(ctx: Ctx) -> UserId:
    """The member's id from the path: an existing member's id as stored (so a host's
    integer ids stay integers), else the text, as an integer when it is digits."""
    raw: str = ctx.params["user"]
    member = ctx.core.find_member(ctx.require_user(), ctx.params["id"], raw)
    if member is not None:
        stored: UserId = member.user_id
        return stored
    return int(raw) if raw.isascii() and raw.isdigit() else raw


def update_member(ctx: Ctx) -> Response:
    body = json_object(ctx, allow_empty=False)
    if "role" not in body:
        raise bad(f"'role' is required: one of {', '.join(ROLES)}", "role", "members.invalid_role")
    ctx.core.add_member(ctx.require_user(), ctx.params["id"], _path_user(ctx), body["role"])
    return _members_response(ctx, ctx.params["id"])


def delete_member(ctx: Ctx) -> Response:
    ctx.core.remove_member(ctx.require_user(), ctx.params["id"], _path_user(ctx))
    return Response.empty(204)


def assign_tasks(ctx: Ctx) -> Response:
    """Label Studio's ``{"type": "AN", "users": [...], "selectedItems": {...}, "filters":
    {...}}``; answers ``{"assignments": <new>, "async": false}``."""
    body = json_object(ctx, allow_empty=False)
    kind = body.get("type", "AN")
    if kind != "AN":
        raise bad(
            f"'type' must be \"AN\" (assign for annotation), got {kind!r:.40}: labelcore has no "
            "review assignments",
            "type",
            "assignments.bad_type",
        )
    users = body.get("users")
    if not isinstance(users, list) or not users:
        raise bad(
            "'users' is required: a non-empty list of user ids", "users", "tasks.bad_assignee"
        )
    if "selectedItems" not in body:
        raise bad(
            '\'selectedItems\' is required: {"all": false, "included": [task ids]} or '
            '{"all": true, "excluded": [...]}',
            "selectedItems",
        )
    query = task_query({k: body.get(k) for k in ("filters", "selectedItems")})
    added = ctx.core.assign_selected(ctx.require_user(), ctx.params["id"], query, users)
    return ctx.json({"assignments": added, "async": False}, status=201)


def register(router: Router) -> None:
    t = ("members",)
    base = "/api/projects/{id:int}/members"
    router.api(
        "GET",
        base,
        list_members,
        name="api.members",
        tags=t,
        summary="The project's members with their per-project roles (managers only)",
        responses={200: MEMBERS},
    )
    router.api(
        "PUT",
        base,
        replace_members,
        name="api.members_replace",
        tags=t,
        body={
            "type": "object",
            "required": ["members"],
            "properties": {
                "members": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["user"],
                        "properties": {"user": USER_ID, "role": {"type": "string", "enum": ROLES}},
                    },
                }
            },
        },
        summary="Replace the member list (an empty list opens the project to every user)",
        responses={200: MEMBERS},
    )
    one = base + "/{user}"
    router.api(
        "PATCH",
        one,
        update_member,
        name="api.member_update",
        tags=t,
        body={
            "type": "object",
            "required": ["role"],
            "properties": {"role": {"type": "string", "enum": ROLES}},
        },
        summary="Add a member or change a member's role",
        responses={200: MEMBERS},
    )
    router.api(
        "DELETE",
        one,
        delete_member,
        name="api.member_delete",
        tags=t,
        summary="Remove a member",
        responses={204: None},
    )
    router.api(
        "POST",
        "/api/projects/{id:int}/tasks/assignees",
        assign_tasks,
        name="api.tasks_assign",
        tags=("tasks",),
        body={
            "type": "object",
            "required": ["users", "selectedItems"],
            "properties": {
                "type": {"type": "string", "enum": ["AN"]},
                "users": {"type": "array", "items": USER_ID, "minItems": 1},
                "selectedItems": OBJ,
                "filters": OBJ,
            },
        },
        summary="Assign the selected tasks to users for annotation (Label Studio's bulk "
        "assignment)",
        responses={
            201: {
                "type": "object",
                "properties": {"assignments": {"type": "integer"}, "async": {"type": "boolean"}},
            }
        },
    )
