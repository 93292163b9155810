"""Who may see and do what: the replaceable ``Policy`` and the default rules.

    from labelcore.service.policy import DefaultPolicy
    core = LabelCore(store="memory://", policy=DefaultPolicy())
    DefaultPolicy().allows("annotator", "task.label")   # True

A user sees a project when :meth:`Policy.project_role` gives them a role in it; everything
inside an invisible project is a 404. An action the role does not allow on something the
user sees is a 403. The service checks every call, so in-process calls and HTTP obey the
same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from labelcore.errors import ValidationError
from labelcore.model import MAX_ORGANIZATION, Member, Project, User, organization_key

#: Every action the service asks the policy about.
ACTIONS = frozenset(
    {
        "project.view",  # see the project, its tasks and its settings
        "project.update",  # change settings, config, members
        "project.delete",
        "project.export",  # download exports
        "tasks.import",  # import tasks, annotations, predictions
        "tasks.update",  # edit task data/meta
        "tasks.delete",
        "tasks.assign",  # assign tasks to annotators
        "task.label",  # take tasks (next task), submit, skip, draft
        "annotations.view_all",  # see every user's annotations (else only one's own)
        "annotations.manage",  # edit or delete other users' annotations
        "annotations.review",  # accept/reject annotations (issue 11)
        "predictions.view",  # see predictions while labeling
        "predictions.manage",  # add/delete predictions, create annotations from them
        "views.manage",  # data-manager tabs
        "actions.run",  # data-manager actions that change data
    }
)

#: What each action is, as the end of "your role (annotator) may not ..." in a 403's message.
ACTION_PHRASES: dict[str, str] = {
    "project.view": "see this project",
    "project.update": "change this project's settings",
    "project.delete": "delete this project",
    "project.export": "export this project",
    "tasks.import": "import tasks",
    "tasks.update": "edit tasks",
    "tasks.delete": "delete tasks",
    "tasks.assign": "assign tasks",
    "task.label": "label tasks",
    "annotations.view_all": "see other users' annotations",
    "annotations.manage": "change other users' annotations",
    "annotations.review": "review annotations",
    "predictions.view": "see predictions",
    "predictions.manage": "add or delete predictions",
    "views.manage": "change data-manager tabs",
    "actions.run": "run data-manager actions",
}

ROLE_RANK = {"annotator": 1, "reviewer": 2, "manager": 3}

_ANNOTATOR = frozenset({"project.view", "task.label", "predictions.view", "views.manage"})
_REVIEWER = _ANNOTATOR | {"annotations.view_all", "annotations.review"}
_DEFAULT_RULES: dict[str, frozenset[str]] = {
    "annotator": _ANNOTATOR,
    "reviewer": frozenset(_REVIEWER),
    "manager": ACTIONS,
}


@runtime_checkable
class Policy(Protocol):
    """Decides visibility and permissions.

    Guarantees an implementation must give: ``project_role`` is a pure function of its
    arguments (the service may call it many times per request); ``allows`` never raises;
    ``None`` from ``project_role`` hides the project and everything in it.
    """

    def can_create_project(self, user: User) -> bool:
        """Whether the user may create projects."""

    def project_role(self, user: User, project: Project, members: Sequence[Member]) -> str | None:
        """The role the user acts with inside the project, or None when they may not see it."""

    def allows(self, role: str, action: str) -> bool:
        """Whether a user acting with ``role`` may do ``action`` (one of :data:`ACTIONS`)."""


def global_role(user: User) -> str | None:
    """The strongest of the user's roles that labelcore knows, or None."""
    known = [r for r in user.roles if r in ROLE_RANK]
    return max(known, key=ROLE_RANK.__getitem__) if known else None


def checked_organization(user: User) -> str | None:
    """The user's organization as stores keep it; ``ValidationError`` when the host gave
    something that is no organization id (a bool, an empty or over-long str, another type)."""
    org = user.organization
    if org is None:
        return None
    if isinstance(org, bool) or not isinstance(org, int | str) or org == "":
        raise ValidationError(
            f"a user's organization is an int, a non-empty str or None, got {org!r}",
            code="user.bad_organization",
        )
    key = str(org)
    if len(key) > MAX_ORGANIZATION:
        raise ValidationError(
            f"a user's organization id is at most {MAX_ORGANIZATION} characters",
            code="user.bad_organization",
        )
    return key


def same_tenant(user: User, project: Project) -> bool:
    """Whether the project is open to the user's tenant: a project without an organization
    is open to all; one with an organization only to users of that organization."""
    return project.organization is None or project.organization == organization_key(
        user.organization
    )


class DefaultPolicy:
    """Managers create projects and do everything; reviewers see all annotations and review;
    annotators label and see only their own annotations.

    A project with members is visible only to its members (with their per-project role) and
    to global managers; a project without members is visible to every identified user, with
    their global role. A project of an organization (a tenant) is invisible to users of
    another organization or of none, managers included (:func:`same_tenant`).
    """

    def __init__(self, rules: dict[str, frozenset[str]] | None = None) -> None:
        self.rules = dict(_DEFAULT_RULES if rules is None else rules)

    def can_create_project(self, user: User) -> bool:
        return global_role(user) == "manager"

    def visible_organizations(self, user: User) -> tuple[str | None, ...]:
        """The organizations whose projects the user may see (None: the projects of no
        organization). ``list_projects`` asks the store for these only; a policy without
        this method has every project read and judged one by one."""
        key = organization_key(user.organization)
        return (None,) if key is None else (None, key)

    def project_role(self, user: User, project: Project, members: Sequence[Member]) -> str | None:
        if not same_tenant(user, project):
            return None
        role = global_role(user)
        if role == "manager":
            return "manager"
        if not members:
            return role
        for member in members:
            if member.user_id == user.id or str(member.user_id) == str(user.id):
                return member.role if member.role in ROLE_RANK else None
        return None

    def allows(self, role: str, action: str) -> bool:
        return action in self.rules.get(role, frozenset())
