"""The user directory and erasing a user.

user = core.identify(User(id=7, name="Ada", email="ada@example.org"))   # remembers them
core.get_users(manager, [7])       # {7: DirectoryUser(id=7, name="Ada", ...)}
core.erase_user(7, mode="anonymise")
"""

from __future__ import annotations

import time
from collections.abc import Collection
from itertools import islice
from typing import Literal

from labelcore.errors import ValidationError
from labelcore.model import DirectoryUser, User, UserId
from labelcore.query import TaskQuery
from labelcore.service._base import ServiceBase, same_user
from labelcore.service.policy import checked_organization

EraseMode = Literal["delete", "anonymise"]
REFRESH_SECONDS = 60.0  # an unchanged user is written to the directory at most this often
MAX_LOOKUP = 10_000
ERASE_BATCH = 1000  # task ids per unassign, for a store without unassign_user


class UsersAPI(ServiceBase):
    def identify(self, user: User) -> User:
        """Record that the host identified ``user`` (name, email, roles, last seen) in the
        directory and return it. Hosts call this once per request (the adapters do)."""
        if isinstance(user.id, bool) or not isinstance(user.id, int | str) or user.id == "":
            raise ValidationError("a user id is an int or a non-empty str", code="user.bad_id")
        checked_organization(user)
        key = f"{type(user.id).__name__}:{user.id}"
        state = (user.name, user.email, user.roles, user.organization)
        now = time.monotonic()
        with self._seen_lock:
            last = self._seen.get(key)
            fresh = last is not None and last[0] == state and now - last[1] < REFRESH_SECONDS
            if not fresh:
                if len(self._seen) > 100_000:
                    self._seen.clear()
                self._seen[key] = (state, now)
        if not fresh:
            self.store.upsert_user(user, self._now())
        return user

    def get_users(self, user: User, ids: Collection[UserId]) -> dict[UserId, DirectoryUser]:
        """Directory rows for these ids; ids the directory does not know are asked of the
        host's ``lookup_users`` when one was given."""
        wanted = list(dict.fromkeys(ids))[:MAX_LOOKUP]
        found = self.store.get_users(wanted)
        missing = [i for i in wanted if i not in found]
        if missing and self.lookup_users is not None:
            for host_user in self.lookup_users(missing):
                found[host_user.id] = DirectoryUser(
                    id=host_user.id, name=host_user.name, email=host_user.email
                )
        return found

    def erase_user(self, user_id: UserId, mode: EraseMode = "delete") -> dict[str, int]:
        """Erase a host user (host-side call, no acting user): their drafts, claims (task
        and review claims), assignments, memberships, tokens and kept file uploads (the
        files they staged with ``commit_to_project=false``) go, their directory row is
        blanked; their
        annotations are deleted (``"delete"``) or kept with ``completed_by`` replaced by
        None (``"anonymise"``). One transaction; returns counts. Emits ``user.erased``."""
        if mode not in ("delete", "anonymise"):
            raise ValidationError(
                f"mode must be 'delete' or 'anonymise', got {mode!r}", code="user.bad_mode"
            )
        counts = {
            "drafts": 0,
            "claims": 0,
            "assignments": 0,
            "annotations": 0,
            "tokens": 0,
            "memberships": 0,
            "file_uploads": 0,
        }
        # every assignment of the user in one statement (SQLStore, MemoryStore); another
        # store is asked project by project, its task ids a batch at a time
        unassign_user = getattr(self.store, "unassign_user", None)
        with self._tx():
            drafts = self.store.list_drafts(user_id=user_id)
            counts["drafts"] = self.store.delete_drafts([d.id for d in drafts])
            counts["claims"] = self.store.release_claims(user_id=user_id)
            counts["claims"] += self.store.release_review_claims(user_id=user_id)
            for project in self.store.list_projects():
                members = self.store.list_members(project.id)
                kept = [m for m in members if not same_user(m.user_id, user_id)]
                if len(kept) != len(members):
                    self.store.set_members(project.id, kept)
                    counts["memberships"] += len(members) - len(kept)
                uploads = self.store.list_file_uploads(project.id, None)
                theirs = [u.id for u in uploads if same_user(u.user_id, user_id)]
                if theirs:  # their file contents: only they could reimport them
                    counts["file_uploads"] += self.store.delete_file_uploads(theirs)
                if unassign_user is None:
                    stream = iter(self.store.task_ids(project.id, TaskQuery()))
                    while ids := list(islice(stream, ERASE_BATCH)):
                        counts["assignments"] += self.store.unassign(project.id, ids, [user_id])
            if unassign_user is not None:
                counts["assignments"] = unassign_user(user_id)
            for token in self.store.list_tokens(user_id):
                if not token.revoked and self.store.revoke_token(token.id):
                    counts["tokens"] += 1
            if mode == "delete":
                annotations = self.store.list_annotations(completed_by=user_id)
                counts["annotations"] = self.store.delete_annotations([a.id for a in annotations])
            else:
                counts["annotations"] = self.store.anonymise_annotations(user_id, None)
            self.store.upsert_user(User(id=user_id, roles=frozenset()), self._now())
            self._emit("user.erased", None, None, user_id=user_id, mode=mode, counts=counts)
        with self._seen_lock:
            self._seen.clear()
        return counts
