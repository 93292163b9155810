"""API tokens for scripts: a random key shown once, stored as a SHA-256 hash, revocable.

issued = core.create_token(user, name="nightly export")
print(issued.key)  # shown once; send as "Authorization: Token <key>"
core.authenticate_token(issued.key)            # -> User with the roles last seen
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import attrs

from labelcore.errors import NotFound, ValidationError
from labelcore.model import ApiToken, DirectoryUser, User
from labelcore.service._base import ServiceBase
from labelcore.service.policy import global_role

MAX_NAME = 100
MAX_TOKENS_PER_USER = 100
MAX_KEY_LENGTH = 200
TOUCH_EVERY = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    """The stored form of a token key (SHA-256, hex)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@attrs.frozen(kw_only=True)
class IssuedToken:
    """A new token: ``key`` exists only here, the store keeps its hash."""

    token: ApiToken
    key: str


class TokensAPI(ServiceBase):
    def create_token(self, user: User, name: str = "") -> IssuedToken:
        """Issue a new token for the user (at most 100 characters of name, 100 live
        tokens per user). The user's directory row (roles included) is refreshed so the
        token authenticates with the roles seen now."""
        if not isinstance(name, str) or len(name) > MAX_NAME:
            raise ValidationError(
                f"a token name is at most {MAX_NAME} characters", code="token.bad_name"
            )
        live = [t for t in self.store.list_tokens(user.id) if not t.revoked]
        if len(live) >= MAX_TOKENS_PER_USER:
            raise ValidationError(
                f"at most {MAX_TOKENS_PER_USER} live tokens per user; revoke some first",
                code="token.too_many",
            )
        key = secrets.token_hex(20)  # 40 hex characters, the shape of Label Studio's keys
        self.store.upsert_user(user, self._now())
        token = self.store.add_token(user.id, name, hash_key(key), key[:8])
        return IssuedToken(token=token, key=key)

    def list_tokens(self, user: User) -> list[ApiToken]:
        """The user's tokens (hashes and prefixes only), revoked ones included."""
        return self.store.list_tokens(user.id)

    def revoke_token(self, user: User, token_id: int) -> None:
        """Revoke one of the user's tokens; others' tokens are a 404."""
        if not any(t.id == token_id for t in self.store.list_tokens(user.id)):
            raise NotFound(f"token {token_id} not found", code="token.not_found")
        self.store.revoke_token(token_id)

    def authenticate_token(self, key: str) -> User | None:
        """The user a live token belongs to, with the name, email, roles and organization
        the directory last saw for them; None for an unknown or revoked key."""
        if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH:
            return None
        # every token-authenticated request comes here: a store that reads the token and
        # its owner's directory row in one statement (SQLStore) saves a round trip
        both = getattr(self.store, "find_token_owner", None)
        row: DirectoryUser | None
        if both is not None:
            found = both(hash_key(key))
            token, row = (None, None) if found is None else found
        else:
            token = self.store.find_token(hash_key(key))
            row = None
        if token is None or token.revoked:
            return None
        now = self._now()
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            self.store.touch_token(token.id, now)
        if both is None:
            row = self.store.get_users([token.user_id]).get(token.user_id)
        roles = frozenset() if row is None else row.roles
        # roles the directory never saw fall back to the least privileged one
        known = global_role(User(id=token.user_id, roles=roles)) is not None
        return User(
            id=token.user_id,
            name="" if row is None else row.name,
            email="" if row is None else row.email,
            roles=roles if known else {"annotator"},
            organization=None if row is None else row.organization,
        )
