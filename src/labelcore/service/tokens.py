"""API tokens for scripts: a random key shown once, stored as a SHA-256 hash, revocable.

issued = core.create_token(user, name="nightly export")
print(issued.key)  # shown once; send as "Authorization: Token <key>"
core.authenticate_token(issued.key)            # -> User with the roles last seen
"""

from __future__ import annotations

import attrs

from labelcore.model import ApiToken, User
from labelcore.service._base import ServiceBase


@attrs.frozen(kw_only=True)
class IssuedToken:
    """A new token: ``key`` exists only here, the store keeps its hash."""

    token: ApiToken
    key: str


class TokensAPI(ServiceBase):
    def create_token(self, user: User, name: str = "") -> IssuedToken:
        """Issue a new token for the user (at most 100 characters of name)."""
        raise NotImplementedError

    def list_tokens(self, user: User) -> list[ApiToken]:
        """The user's tokens (hashes and prefixes only), revoked ones included."""
        raise NotImplementedError

    def revoke_token(self, user: User, token_id: int) -> None:
        """Revoke one of the user's tokens (a manager may revoke anyone's); 404 otherwise."""
        raise NotImplementedError

    def authenticate_token(self, key: str) -> User | None:
        """The user a live token belongs to, with the name, email and roles the directory
        last saw for them; None for an unknown or revoked key."""
        raise NotImplementedError
