"""Data-manager views (tabs): saved filters, ordering and columns per project.

view = core.create_view(user, project.id, {"title": "Tab 1", "filters": {...}})
core.update_view(user, view.id, {**view.data, "title": "Todo"})
core.list_views(user, project.id)
"""

from __future__ import annotations

import json
from typing import Any

from labelcore.errors import Forbidden, NotFound, TooLarge, ValidationError
from labelcore.model import User, View
from labelcore.query import parse_query
from labelcore.service._base import ProjectAccess, ServiceBase, same_user

MAX_VIEW_BYTES = 256 * 1024
MAX_VIEWS = 200


def check_view_data(data: Any) -> dict[str, Any]:
    """The tab JSON if it is an object of bounded size whose filters and ordering parse."""
    if not isinstance(data, dict):
        raise ValidationError("a view is a JSON object", code="view.invalid")
    try:
        size = len(json.dumps(data))
    except (TypeError, ValueError):
        raise ValidationError("a view must be plain JSON", code="view.invalid") from None
    if size > MAX_VIEW_BYTES:
        raise TooLarge(f"a view is at most {MAX_VIEW_BYTES} bytes of JSON", code="view.too_large")
    probe = {k: data[k] for k in ("filters", "ordering") if data.get(k) is not None}
    if probe:
        parse_query(probe)  # QueryError naming the bad column or operator
    return data


class ViewsAPI(ServiceBase):
    def list_views(self, user: User, project_id: int) -> list[View]:
        """The project's views, in tab order."""
        self._project(user, project_id, "project.view")
        return self.store.list_views(project_id)

    def get_view(self, user: User, view_id: int) -> View:
        """One view of a project the user sees."""
        return self._view(user, view_id, "project.view")[0]

    def create_view(self, user: User, project_id: int, data: dict[str, Any]) -> View:
        """Save a tab; ``data`` is Label Studio's tab JSON (its filters are validated with
        ``labelcore.query`` so a bad filter is refused when saved, not when used)."""
        self._project(user, project_id, "views.manage")
        check_view_data(data)
        if len(self.store.list_views(project_id)) >= MAX_VIEWS:
            raise ValidationError(f"at most {MAX_VIEWS} views per project", code="view.too_many")
        return self.store.add_view(project_id, user.id, data)

    def update_view(
        self, user: User, view_id: int, data: dict[str, Any], *, order: int | None = None
    ) -> View:
        """Replace a tab's JSON (and optionally its position). Only the view's creator or
        someone who may change the project can."""
        view, _ = self._view(user, view_id, "views.manage", own=True)
        check_view_data(data)
        return self.store.update_view(view.id, data, order)

    def delete_view(self, user: User, view_id: int) -> None:
        """Delete a tab (its creator, or someone who may change the project)."""
        view, _ = self._view(user, view_id, "views.manage", own=True)
        self.store.delete_views([view.id])

    def reset_views(self, user: User, project_id: int) -> int:
        """Delete every view of the project; returns how many went. Needs
        ``project.update``."""
        self._project(user, project_id, "project.update")
        return self.store.delete_views([v.id for v in self.store.list_views(project_id)])

    def _view(
        self, user: User, view_id: int, action: str, *, own: bool = False
    ) -> tuple[View, ProjectAccess]:
        view = self.store.get_view(view_id)
        try:
            access = None if view is None else self._project(user, view.project_id, action)
        except NotFound:
            access = None
        if view is None or access is None:
            raise NotFound(f"view {view_id} not found", code="view.not_found")
        if (
            own
            and not same_user(view.user_id, user.id)
            and not self.policy.allows(access.role, "project.update")
        ):
            raise Forbidden(
                "only the view's creator or a manager may change it", code="forbidden.view"
            )
        return view, access
