"""Personal API tokens: create, revoke, and recognise one in a request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.accounts.models import User
from portal.api.models import ApiToken
from portal.extensions import db
from portal.types import utcnow

# A recognisable prefix, so that a leaked token is easy to find (secret scanners, grep).
TOKEN_PREFIX = "skp_"  # noqa: S105  (a prefix, not a secret)
TOKEN_BYTES = 32  # 256 bits of randomness: 43 URL-safe characters after the prefix
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 4
MAX_ACTIVE_TOKENS = 20
# How often last_used_at is written: a script polling every second writes once a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenProblem(StrEnum):
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"


class TooManyTokens(Exception):
    pass


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def looks_like_token(raw: str) -> bool:
    return raw.startswith(TOKEN_PREFIX) and 20 <= len(raw) <= 100 and raw.isascii()


def _works(user: User, now: datetime):
    return (
        ApiToken.user_id == user.id,
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at.is_(None) | (ApiToken.expires_at > now),
    )


def active_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first (expired and revoked ones are left out)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(*_works(user, utcnow()))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_token(
    user: User, name: str, lifetime: timedelta | None, *, actor: User
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and the raw value, which is never stored or shown
    again. `lifetime` None: valid until revoked."""
    now = utcnow()
    count = db.session.scalar(select(func.count()).select_from(ApiToken).where(*_works(user, now)))
    if count >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens
    raw = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(
        user=user,
        name=name.strip(),
        token_hash=hash_token(raw),
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        created_at=now,
        expires_at=now + lifetime if lifetime else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token_created",
        token,
        actor=actor,
        changes={
            "name": [None, token.name],
            "expires_at": [None, token.expires_at.isoformat() if token.expires_at else None],
        },
    )
    return token, raw


def revoke_token(token: ApiToken, *, actor: User) -> bool:
    """Revoke the token; False if it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(
        "api_token_revoked",
        token,
        actor=actor,
        changes={
            "name": [token.name, token.name],
            "revoked_at": [None, token.revoked_at.isoformat()],
        },
    )
    return True


def find_token(raw: str, now: datetime) -> ApiToken | TokenProblem:
    """The usable token with this value, its user loaded; or why not."""
    if not looks_like_token(raw):
        return TokenProblem.UNKNOWN
    token = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == hash_token(raw))
    )
    if token is None:
        return TokenProblem.UNKNOWN
    if token.revoked_at is not None:
        return TokenProblem.REVOKED
    if token.is_expired(now):
        return TokenProblem.EXPIRED
    return token


def note_use(token: ApiToken, now: datetime) -> bool:
    """Record that the token was used, at most once per LAST_USED_RESOLUTION; True if written."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    token.last_used_at = now
    return True
