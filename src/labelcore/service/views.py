"""Data-manager views (tabs): saved filters, ordering and columns per project.

view = core.create_view(user, project.id, {"title": "Tab 1", "filters": {...}})
core.update_view(user, view.id, {**view.data, "title": "Todo"})
core.list_views(user, project.id)
"""

from __future__ import annotations

from typing import Any

from labelcore.model import User, View
from labelcore.service._base import ServiceBase


class ViewsAPI(ServiceBase):
    def list_views(self, user: User, project_id: int) -> list[View]:
        """The project's views, in tab order."""
        raise NotImplementedError

    def get_view(self, user: User, view_id: int) -> View:
        raise NotImplementedError

    def create_view(self, user: User, project_id: int, data: dict[str, Any]) -> View:
        """Save a tab; ``data`` is Label Studio's tab JSON (its filters are validated with
        ``labelcore.query`` so a bad filter is refused when saved, not when used)."""
        raise NotImplementedError

    def update_view(
        self, user: User, view_id: int, data: dict[str, Any], *, order: int | None = None
    ) -> View:
        """Replace a tab's JSON (and optionally its position)."""
        raise NotImplementedError

    def delete_view(self, user: User, view_id: int) -> None:
        raise NotImplementedError

    def reset_views(self, user: User, project_id: int) -> int:
        """Delete every view of the project; returns how many went."""
        raise NotImplementedError
