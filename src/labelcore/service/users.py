"""The user directory and erasing a user.

user = core.identify(User(id=7, name="Ada", email="ada@example.org"))   # remembers them
core.get_users(manager, [7])       # {7: DirectoryUser(id=7, name="Ada", ...)}
core.erase_user(7, mode="anonymise")
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from labelcore.model import DirectoryUser, User, UserId
from labelcore.service._base import ServiceBase

EraseMode = Literal["delete", "anonymise"]


class UsersAPI(ServiceBase):
    def identify(self, user: User) -> User:
        """Record that the host identified ``user`` (name, email, roles, last seen) in the
        directory and return it. Hosts call this once per request (the adapters do)."""
        raise NotImplementedError

    def get_users(self, user: User, ids: Collection[UserId]) -> dict[UserId, DirectoryUser]:
        """Directory rows for these ids; ids the directory does not know are asked of the
        host's ``lookup_users`` when one was given."""
        raise NotImplementedError

    def erase_user(self, user_id: UserId, mode: EraseMode = "delete") -> dict[str, int]:
        """Erase a host user (host-side call, no acting user): their drafts, claims,
        assignments and tokens go; their annotations are deleted (``"delete"``) or kept
        with ``completed_by`` replaced by None (``"anonymise"``). One transaction; returns
        counts. Emits ``user.erased``."""
        raise NotImplementedError
