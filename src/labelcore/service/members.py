"""Project members one at a time, and finding the user to add.

core.add_member(manager, project.id, 7, "reviewer")     # or change 7's role
core.remove_member(manager, project.id, 7)
core.find_member_candidate(manager, project.id, "ada@example.org")  # DirectoryUser | None

``set_members`` (projects.py) replaces the whole list; these change one entry of it in one
transaction. Every change needs ``project.update`` in the project, so a manager of one
project never reads or changes another's members (a project they cannot see is a 404).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from labelcore.errors import NotFound
from labelcore.model import DirectoryUser, Member, User, UserId
from labelcore.service.policy import ROLE_RANK
from labelcore.service.settings import raise_problems
from labelcore.service.users import UsersAPI

MAX_MEMBERS = 10_000
MAX_USER_ID_CHARS = 255
_TOO_MANY = {
    "field": "members",
    "code": "members.too_many",
    "message": f"a project has at most {MAX_MEMBERS} members",
}


def member_key(user_id: UserId) -> str:
    """Members are one per user whether the id came as ``7`` or ``"7"`` (the policy
    compares them the same way)."""
    return str(user_id)


def check_members(project_id: int, pairs: Iterable[tuple[Any, Any]]) -> list[Member]:
    """``(user_id, role)`` pairs as ``Member`` objects, or a ``ValidationError`` listing every
    bad id, unknown role and user listed twice; nothing is written."""
    problems: list[dict[str, Any]] = []
    clean: dict[str, Member] = {}
    for user_id, role in pairs:
        if (
            isinstance(user_id, bool)
            or not isinstance(user_id, int | str)
            or user_id == ""
            or (isinstance(user_id, str) and len(user_id) > MAX_USER_ID_CHARS)
        ):
            problems.append(
                {
                    "field": "user",
                    "code": "members.bad_user",
                    "message": "a member's user must be a host user id (an integer or a "
                    f"string of 1 to {MAX_USER_ID_CHARS} characters), got {user_id!r:.60}",
                }
            )
        elif role not in ROLE_RANK:
            problems.append(
                {
                    "field": "role",
                    "code": "members.invalid_role",
                    "message": f"user {user_id!r}: role must be one of "
                    f"{', '.join(sorted(ROLE_RANK))}, got {role!r:.60}",
                }
            )
        elif member_key(user_id) in clean:
            problems.append(
                {
                    "field": "user",
                    "code": "members.duplicate_user",
                    "message": f"user {user_id!r} is listed more than once",
                }
            )
        else:
            clean[member_key(user_id)] = Member(project_id=project_id, user_id=user_id, role=role)
    if len(clean) > MAX_MEMBERS:
        problems.append(_TOO_MANY)
    raise_problems(problems, "invalid members")
    return list(clean.values())


class MembersAPI(UsersAPI):
    def add_member(self, user: User, project_id: int, user_id: UserId, role: str) -> list[Member]:
        """Make ``user_id`` a member with ``role``, or change the role of a member; returns
        the member list. A project's first member hides it from everyone who is not a
        member or a manager. Needs ``project.update``. Emits ``members.updated``."""
        self._project(user, project_id, "project.update")
        [new] = check_members(project_id, [(user_id, role)])
        with self._tx():
            kept = [
                m
                for m in self.store.list_members(project_id)
                if member_key(m.user_id) != member_key(user_id)
            ]
            return self._store_members(user, project_id, [*kept, new])

    def remove_member(self, user: User, project_id: int, user_id: UserId) -> list[Member]:
        """Take ``user_id`` off the member list (``NotFound`` when they are not on it);
        returns the list. Without members the project is open to every identified user
        again. Needs ``project.update``. Emits ``members.updated``."""
        self._project(user, project_id, "project.update")
        with self._tx():
            members = self.store.list_members(project_id)
            kept = [m for m in members if member_key(m.user_id) != member_key(user_id)]
            if len(kept) == len(members):
                raise NotFound(
                    f"user {user_id!r} is not a member of project {project_id}",
                    code="members.not_a_member",
                )
            return self._store_members(user, project_id, kept)

    def member_directory(
        self, user: User, project_id: int
    ) -> list[tuple[Member, DirectoryUser | None]]:
        """The members with what the directory knows of each (name, email), for the people
        who manage them: needs ``project.update``, as members' emails are not for every
        member to read."""
        self._project(user, project_id, "project.update")
        members = self.store.list_members(project_id)
        known = self.get_users(user, [m.user_id for m in members]) if members else {}
        return [(m, known.get(m.user_id)) for m in members]

    def find_member(self, user: User, project_id: int, key: str) -> Member | None:
        """The member whose id reads ``key`` (a path or a form sends text; a host's ids may
        be integers), or None. Needs ``project.update``."""
        self._project(user, project_id, "project.update")
        return next(
            (m for m in self.store.list_members(project_id) if member_key(m.user_id) == key), None
        )

    def find_member_candidate(self, user: User, project_id: int, key: str) -> DirectoryUser | None:
        """The directory user whose email (with an ``@``) or id is ``key``, for adding as a
        member; None when labelcore has not seen such a user (or the host's
        ``lookup_users`` does not know the id). One exact match, never a list, and only for
        a caller who may change the project's members: the one place to scope the lookup
        (for instance to the caller's organization)."""
        project = self._project(user, project_id, "project.update").project
        key = key.strip()
        if not key or len(key) > MAX_USER_ID_CHARS:
            return None
        if "@" in key:
            candidate = self.store.find_user_by_email(key)
        else:
            ids: list[UserId] = [int(key), key] if key.isascii() and key.isdigit() else [key]
            found = self.get_users(user, ids)
            candidate = next((found[i] for i in ids if i in found), None)
        # a project of an organization takes members of that organization only: a user of
        # another tenant reads as unknown (the form must not tell that the address exists)
        if candidate is not None and project.organization not in (None, candidate.organization):
            return None
        return candidate

    def _store_members(self, user: User, project_id: int, members: list[Member]) -> list[Member]:
        if len(members) > MAX_MEMBERS:
            raise_problems([_TOO_MANY], "invalid members")
        self.store.set_members(project_id, members)
        self._emit(
            "members.updated",
            project_id,
            user,
            members=[{"user_id": m.user_id, "role": m.role} for m in members],
        )
        return self.store.list_members(project_id)
