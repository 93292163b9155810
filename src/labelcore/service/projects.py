"""Projects: create, read, update (with config-change safety), delete, members.

project = core.create_project(manager, title="Sentiment", label_config=xml)
core.update_project(manager, project.id, maximum_annotations=2)
core.list_projects(annotator)          # [ProjectSummary(project, counts, role), ...]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from labelcore.model import Member, Project, ProjectCounts, ProjectSettings, User, UserId
from labelcore.service._base import ServiceBase


@attrs.frozen(kw_only=True)
class ProjectSummary:
    """A project as a list shows it: with its counters and the caller's role in it."""

    project: Project
    counts: ProjectCounts
    role: str


class ProjectsAPI(ServiceBase):
    def create_project(
        self, user: User, settings: ProjectSettings | None = None, **fields: Any
    ) -> Project:
        """Create a project from ``settings`` and/or ``ProjectSettings`` field values.

        Validates every setting (title 1..50 characters, enums, overlap >= 1, cohort
        1..100, lock TTL > 0, a label config that parses), sanitizes the instructions HTML.
        Raises ``Forbidden`` unless the policy lets the user create projects,
        ``ValidationError``/``ConfigError`` listing every problem. Emits ``project.created``.
        """
        raise NotImplementedError

    def get_project(self, user: User, project_id: int) -> Project:
        """The project, or ``NotFound`` when it does not exist or the user may not see it."""
        raise NotImplementedError

    def project_counts(self, user: User, project_id: int) -> ProjectCounts:
        """Task, labeled, annotation, skipped and prediction counts of one project."""
        raise NotImplementedError

    def list_projects(self, user: User) -> list[ProjectSummary]:
        """Projects the user sees, newest first, each with counters and the user's role."""
        raise NotImplementedError

    def update_project(
        self, user: User, project_id: int, *, force: bool = False, **fields: Any
    ) -> Project:
        """Change some settings (``ProjectSettings`` field names; unknown names are a
        ``ValidationError``).

        A new ``label_config`` is refused (``ValidationError`` code
        ``project.config_incompatible``, ``errors`` listing each dropped control/label with
        how many annotations use it) while existing annotations use what it drops, unless
        ``force=True``. Changing ``maximum_annotations``, ``overlap_cohort_percentage`` or
        ``skip_queue`` recomputes task overlap and ``is_labeled``. Emits ``project.updated``.
        """
        raise NotImplementedError

    def delete_project(self, user: User, project_id: int) -> None:
        """Delete the project with everything in it. Emits ``project.deleted``."""
        raise NotImplementedError

    def validate_config(self, user: User, label_config: str, project_id: int | None = None) -> Any:
        """Parse ``label_config`` (``ConfigError`` listing every problem) and, given a
        project, check it against the project's data and annotations as ``update_project``
        would (``ValidationError`` code ``project.config_incompatible``). Returns the
        ``LabelConfig``."""
        raise NotImplementedError

    def set_members(
        self,
        user: User,
        project_id: int,
        members: Sequence[Member] | Mapping[UserId, str],
    ) -> list[Member]:
        """Replace the member list (``Member`` objects or ``{user_id: role}``). Once a
        project has members only they (and managers) see it. Needs ``project.update``."""
        raise NotImplementedError

    def list_members(self, user: User, project_id: int) -> list[Member]:
        """The project's members (empty: everyone identified sees the project)."""
        raise NotImplementedError
