"""Projects: create, read, update (with config-change safety), delete, members.

project = core.create_project(manager, title="Sentiment", label_config=xml)
core.update_project(manager, project.id, maximum_annotations=2)
core.list_projects(annotator)          # [ProjectSummary(project, counts, role), ...]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from labelcore import _converter
from labelcore.errors import Forbidden, ValidationError
from labelcore.model import Member, Project, ProjectCounts, ProjectSettings, User, UserId
from labelcore.query import PageRequest, TaskQuery
from labelcore.sanitize import sanitize_html
from labelcore.service.members import MembersAPI, check_members
from labelcore.service.overlap import WHOLE_CONTROL, label_usage, rearrange_overlap
from labelcore.service.policy import ROLE_RANK, checked_organization
from labelcore.service.settings import apply_settings, check_settings, raise_problems
from labelcore.storage.base import MembersReads

if TYPE_CHECKING:
    from labelcore.config import LabelConfig

_OVERLAP_FIELDS = ("maximum_annotations", "overlap_cohort_percentage", "skip_queue")


@attrs.frozen(kw_only=True)
class ProjectSummary:
    """A project as a list shows it: with its counters and the caller's role in it."""

    project: Project
    counts: ProjectCounts
    role: str


class ProjectsAPI(MembersAPI):
    def create_project(
        self, user: User, settings: ProjectSettings | None = None, **fields: Any
    ) -> Project:
        """Create a project from ``settings`` and/or ``ProjectSettings`` field values.

        Validates every setting (title 3..50 characters, enums, overlap >= 1, cohort
        1..100, lock TTL > 0, a label config that parses), sanitizes the instructions HTML.
        Raises ``Forbidden`` unless the policy lets the user create projects,
        ``ValidationError``/``ConfigError`` listing every problem. Emits ``project.created``.
        """
        if not self.policy.can_create_project(user):
            raise Forbidden("your role may not create projects", code="forbidden.project.create")
        s = apply_settings(settings or ProjectSettings(), fields)
        s = self._checked_settings(s)
        organization = checked_organization(user)
        with self._tx():
            project = self.store.add_project(s, user.id, organization)
            self._emit(
                "project.created", project.id, user, project=_converter.project_to_json(project)
            )
        return project

    def get_project(self, user: User, project_id: int) -> Project:
        """The project, or ``NotFound`` when it does not exist or the user may not see it."""
        return self._project(user, project_id, "project.view").project

    def authorize(self, user: User, project_id: int, action: str, what: str = "") -> Project:
        """The project when the user sees it (else ``NotFound``) and the policy allows
        ``action`` (one of ``labelcore.service.policy.ACTIONS``) for their role in it (else
        ``Forbidden``, saying ``what`` they may not do). For host code and web handlers that
        guard something outside the facade (webhooks, ML backends) with the same rules."""
        return self._project(user, project_id, action, what).project

    def project_counts(self, user: User, project_id: int) -> ProjectCounts:
        """Task, labeled, annotation, skipped and prediction counts of one project."""
        self._project(user, project_id, "project.view")
        return self.store.project_counts([project_id]).get(project_id, ProjectCounts())

    def list_projects(self, user: User) -> list[ProjectSummary]:
        """Projects the user sees, newest first, each with counters and the user's role."""
        visible: list[tuple[Project, str]] = []
        # the store reads only the tenants' projects the policy can show (DefaultPolicy)
        tenants = getattr(self.policy, "visible_organizations", None)
        organizations = None if tenants is None else tenants(user)
        projects = self.store.list_projects(organizations=organizations)
        if isinstance(self.store, MembersReads):  # one read, not one per project
            members = self.store.members_of([p.id for p in projects])
        else:
            members = {p.id: self.store.list_members(p.id) for p in projects}
        for project in projects:
            role = self.policy.project_role(user, project, members.get(project.id, []))
            if role is not None and self.policy.allows(role, "project.view"):
                visible.append((project, role))
        counts = self.store.project_counts([p.id for p, _ in visible])
        return [
            ProjectSummary(project=p, counts=counts.get(p.id, ProjectCounts()), role=role)
            for p, role in visible
        ]

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
        project = self._project(user, project_id, "project.update").project
        new = self._checked_settings(apply_settings(project.settings, fields))
        with self._tx():
            if new.label_config != project.settings.label_config and not force:
                self._check_config_change(project, new.label_config)
            updated = self.store.update_project(project_id, new)
            old = project.settings
            if any(getattr(old, f) != getattr(new, f) for f in _OVERLAP_FIELDS[:2]):
                rearrange_overlap(self.store, updated)
            elif old.skip_queue != new.skip_queue:
                self.store.recount_tasks(project_id)
            self._settings_changed(project_id, old, new)
            counts = self.store.project_counts([project_id]).get(project_id)
            self._emit(
                "project.updated",
                project_id,
                user,
                project=_converter.project_to_json(updated, counts),
            )
        return updated

    def delete_project(self, user: User, project_id: int) -> None:
        """Delete the project with everything in it. Emits ``project.deleted``."""
        self._project(user, project_id, "project.delete")
        with self._tx():
            self.store.delete_project(project_id)
            self._emit("project.deleted", project_id, user, project={"id": project_id})

    def validate_config(
        self, user: User, label_config: str, project_id: int | None = None
    ) -> LabelConfig:
        """Parse ``label_config`` (``ConfigError`` listing every problem) and, given a
        project, check it against the project's data and annotations as ``update_project``
        would (``ValidationError`` code ``project.config_incompatible``). Returns the
        ``LabelConfig``."""
        if project_id is None:
            self._require_any_project_role(user)
            return self._config(label_config)
        project = self._project(user, project_id, "project.update").project
        return self._check_config_change(project, label_config)

    def set_members(
        self,
        user: User,
        project_id: int,
        members: Sequence[Member] | Mapping[UserId, str],
    ) -> list[Member]:
        """Replace the member list (``Member`` objects or ``{user_id: role}``). Once a
        project has members only they (and managers) see it. Needs ``project.update``."""
        self._project(user, project_id, "project.update")
        pairs = (
            list(members.items())
            if isinstance(members, Mapping)
            else [(m.user_id, m.role) for m in members]
        )
        clean = check_members(project_id, pairs)
        with self._tx():
            return self._store_members(user, project_id, clean)

    def list_members(self, user: User, project_id: int) -> list[Member]:
        """The project's members (empty: everyone identified sees the project)."""
        self._project(user, project_id, "project.view")
        return self.store.list_members(project_id)

    # -- helpers ---------------------------------------------------------------------------
    def _checked_settings(self, s: ProjectSettings) -> ProjectSettings:
        s = attrs.evolve(s, title=s.title.strip(), instructions=sanitize_html(s.instructions))
        raise_problems(check_settings(s))
        self._config(s.label_config)  # ConfigError listing every problem
        return s

    def _require_any_project_role(self, user: User) -> None:
        if not user.roles & set(ROLE_RANK):
            raise Forbidden("no labelcore role", code="forbidden.no_role")

    def _check_config_change(self, project: Project, label_config: str) -> LabelConfig:
        new = self._config(label_config)
        problems: list[dict[str, Any]] = []
        counts = self.store.project_counts([project.id]).get(project.id, ProjectCounts())
        if counts.task_count:
            sample = self.store.query_tasks(project.id, TaskQuery(), PageRequest(page_size=100))
            seen = {key for t in sample.tasks for key in t.data}
            known = self._config(project.settings.label_config).data_keys
            missing = sorted(k for k in new.data_keys - known if k.split(".")[0] not in seen)
            for key in missing:
                problems.append(
                    {
                        "field": "label_config",
                        "code": "project.config_data_key_missing",
                        "message": f"the config uses ${key}, but the project's tasks have "
                        f"no {key!r} data (they have: {', '.join(sorted(seen)) or 'none'})",
                    }
                )
        if counts.annotation_count or counts.skipped_count:
            old = self._config(project.settings.label_config)
            for inc in old.incompatibilities(new, label_usage(self.store, project.id)):
                problems.append(_incompatibility_problem(inc))
        if problems:
            raise ValidationError(
                "the new labeling config does not fit the project: "
                + "; ".join(p["message"] for p in problems[:10])
                + " (save with force=True to change it anyway)",
                code="project.config_incompatible",
                errors=problems,
            )
        return new


def _incompatibility_problem(inc: Any) -> dict[str, Any]:
    problem = {
        "field": "label_config",
        "code": "project.config_incompatible",
        "message": str(getattr(inc, "message", inc)),
    }
    for attr in ("control", "label", "count"):
        value = getattr(inc, attr, None)
        if value is not None and value != WHOLE_CONTROL:
            problem[attr] = value
    return problem
