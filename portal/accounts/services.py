"""Account rules: authenticate, tokens for reset and invitation, passwords, roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal import audit
from portal.accounts import sessions
from portal.accounts.models import AccountToken, Role, TokenPurpose, User, UserRole
from portal.accounts.passwords import hash_password, needs_rehash, verify_password
from portal.extensions import db
from portal.links import external_url
from portal.mail.services import queue_email
from portal.reference.models import Party
from portal.types import utcnow


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user if e-mail and password match an active account; rehashes outdated hashes."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.active:
        return None
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return user


def end_all_sessions(user: User) -> None:
    """Every session cookie issued before this stops working (see User.get_id), and the
    session list (portal/accounts/sessions.py) forgets them."""
    user.session_version += 1
    sessions.end_all(user)


def set_password(user: User, password: str, *, actor: User | None) -> None:
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record("password_set", user, actor=actor)


class TokenError(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


TTL_SETTINGS = {TokenPurpose.RESET: "PASSWORD_RESET_TTL", TokenPurpose.REGISTER: "REGISTRATION_TTL"}


def issue_token(
    user: User | None,
    purpose: TokenPurpose,
    *,
    ttl: timedelta | None = None,
    submission_id: int | None = None,
    email: str | None = None,
    name: str | None = None,
) -> str:
    """A new single-use token; returns the raw value (only its hash is stored). A resident's
    data-access token has no user but the submission it was asked for from; a registration's
    has no user but the address and name that asked (portal/accounts/registration.py)."""
    raw = secrets.token_urlsafe(32)
    if ttl is None:
        ttl = current_app.config[TTL_SETTINGS.get(purpose, "INVITE_TTL")]
    db.session.add(
        AccountToken(
            user=user,
            submission_id=submission_id,
            email=email,
            name=name,
            purpose=purpose,
            token_hash=_hash_token(raw),
            expires_at=utcnow() + ttl,
        )
    )
    return raw


def check_token(raw: str, purpose: TokenPurpose) -> AccountToken | TokenError:
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _hash_token(raw), AccountToken.purpose == purpose
        )
    )
    if token is None or (token.user is not None and not token.user.active):
        return TokenError.UNKNOWN
    if token.used_at is not None:
        return TokenError.USED
    if token.expires_at <= utcnow():
        return TokenError.EXPIRED
    return token


class TokenSpent(Exception):
    """The token was used by another request in the meantime (two tabs, a parallel send)."""


def use_token(token: AccountToken, password: str) -> User:
    """Set the password through a valid token and spend it and its siblings. The token is
    spent with a conditional UPDATE first, so of two requests at once only one sets the
    password; the other raises TokenSpent."""
    now = utcnow()
    spent = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise TokenSpent
    siblings = db.session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == token.user_id, AccountToken.used_at.is_(None)
        )
    )
    for other in siblings:
        other.used_at = now
    set_password(token.user, password, actor=token.user)
    return token.user


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    send_reset_link(
        user, "password_reset", _l("Återställ ditt lösenord till Samhällskontraktets idéportal")
    )


def send_reset_link(user: User, template: str, subject) -> None:
    """Queue `template` to the user with a new single-use link to choose a password."""
    raw = issue_token(user, TokenPurpose.RESET)
    queue_email(
        user.email,
        template,
        subject,
        locale=user.locale or "sv",
        user=user,
        link=external_url("accounts.reset_password", token=raw),
        hours=int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 3600),
    )


def set_roles(user: User, roles: set[Role], *, actor: User | None) -> None:
    before = sorted(r.value for r in user.roles)
    after = sorted(r.value for r in roles)
    if before == after:
        return
    user.role_rows[:] = [row for row in user.role_rows if Role(row.role) in roles]
    present = {Role(row.role) for row in user.role_rows}
    for role in sorted(roles - present):
        user.role_rows.append(UserRole(role=role.value))
    audit.record("roles_changed", user, actor=actor, changes={"roles": [before, after]})


def invite_user(
    *, email: str, name: str, party: Party | None, roles: set[Role], actor: User
) -> User:
    """Create an account without a password and mail a set-password link."""
    user = User(email=normalise_email(email), name=name.strip(), party=party, password_hash=None)
    db.session.add(user)
    db.session.flush()
    set_roles(user, roles, actor=actor)
    audit.record(
        "user_invited",
        user,
        actor=actor,
        changes={"email": [None, user.email], "party": [None, party.name if party else None]},
    )
    send_invitation(user, actor=actor)
    return user


def send_invitation(user: User, *, actor: User) -> None:
    raw = issue_token(user, TokenPurpose.INVITE)
    queue_email(
        user.email,
        "invitation",
        _l("Du är inbjuden till Samhällskontraktets idéportal"),
        locale=user.locale or "sv",
        user=user,
        inviter=actor,
        link=external_url("accounts.accept_invitation", token=raw),
        days=current_app.config["INVITE_TTL"].days,
    )
