"""The Members section of a project's settings page: add a user labelcore has seen (by id
or email), change a member's role, remove a member.

    from labelcore.web.members_page import register_member_pages
    register_member_pages(router, settings_page)     # done by labelcore.web.pages
    # POST <mount>/projects/3/members (user, role)   POST .../members/role   .../members/remove

Plain HTML forms with the CSRF token in the ``csrf_token`` field; each answers with a
redirect back to the section, or the settings page with the refusal (status 400/404).
The user to add is found by ``LabelCore.find_member_candidate``: one exact match in the
directory, never a list of users.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from labelcore.errors import NotFound, ValidationError
from labelcore.model import UserId
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.i18n import gettext
from labelcore.web.routes import Router

SettingsPage = Callable[..., Response]

ROLES = ("annotator", "reviewer", "manager")


def members_rows(ctx: Ctx, project_id: int) -> list[dict[str, Any]]:
    """The rows the section lists (the settings page is for ``project.update`` only)."""
    rows = ctx.core.member_directory(ctx.require_user(), project_id)
    return [
        {
            "user": m.user_id,
            "key": str(m.user_id),
            "role": m.role,
            "name": known.name if known else "",
            "email": known.email if known else "",
        }
        for m, known in rows
    ]


def _member_id(ctx: Ctx, key: str) -> UserId:
    member = ctx.core.find_member(ctx.require_user(), ctx.params["id"], key)
    if member is None:
        raise NotFound(
            f"user {key[:100]!r} is not a member of this project", code="members.not_a_member"
        )
    stored: UserId = member.user_id
    return stored


def register_member_pages(router: Router, settings_page: SettingsPage) -> None:
    def back(ctx: Ctx) -> Response:
        url = ctx.url_for("lc_project_settings", id=ctx.params["id"])
        return Response.redirect(url + "#lc-members", status=303)

    def refused(ctx: Ctx, exc: ValidationError | NotFound) -> Response:
        return settings_page(ctx, status=exc.status, members_error=exc.message)

    def add(ctx: Ctx) -> Response:
        user = ctx.require_user()
        form = ctx.request.form
        key = (form.get("user") or "").strip()
        try:
            found = ctx.core.find_member_candidate(user, ctx.params["id"], key)
            if found is None:
                raise NotFound(
                    gettext("No user with this id or email has signed in here yet: {key}").format(
                        key=key[:100]
                    ),
                    code="members.unknown_user",
                )
            ctx.core.add_member(user, ctx.params["id"], found.id, form.get("role") or "")
        except (ValidationError, NotFound) as exc:
            return refused(ctx, exc)
        return back(ctx)

    def change_role(ctx: Ctx) -> Response:
        form = ctx.request.form
        try:
            member = _member_id(ctx, form.get("user") or "")
            ctx.core.add_member(
                ctx.require_user(), ctx.params["id"], member, form.get("role") or ""
            )
        except (ValidationError, NotFound) as exc:
            return refused(ctx, exc)
        return back(ctx)

    def remove(ctx: Ctx) -> Response:
        try:
            member = _member_id(ctx, ctx.request.form.get("user") or "")
            ctx.core.remove_member(ctx.require_user(), ctx.params["id"], member)
        except (ValidationError, NotFound) as exc:
            return refused(ctx, exc)
        return back(ctx)

    base = "/projects/{id:int}/members"
    router.page("POST", base, add, name="lc_member_add")
    router.page("POST", base + "/role", change_role, name="lc_member_role")
    router.page("POST", base + "/remove", remove, name="lc_member_remove")
