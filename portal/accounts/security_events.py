"""Security events: logins, failed and throttled attempts, two-factor changes, ended sessions.

They are audit entries (portal/audit.py) about the user account, beside the password, role
and account changes already written there, so an admin reads one history per user. Each
carries the client's network and browser, minimised (sessions.client_details). None carries a
password, a code or a typed e-mail address: an address with no account is kept only as a
keyed fingerprint, enough to see the same address tried again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from limits import parse

from portal import audit
from portal.accounts.models import User
from portal.accounts.services import find_user_by_email
from portal.accounts.sessions import client_details
from portal.extensions import db, limiter

# One "throttled" event per account (or client) and quarter of an hour, however many
# requests the limit turns away.
THROTTLE_EVENT_RATE = parse("1 per 15 minutes")

# The actions shown as an account's security events, besides those about the whole account.
SECURITY_ACTIONS = (
    "login_succeeded",
    "login_failed",
    "login_throttled",
    "mfa_enabled",
    "mfa_disabled",
    "mfa_reset",
    "mfa_failed",
    "mfa_code_reused",
    "recovery_code_used",
    "recovery_codes_regenerated",
    "session_ended",
    "password_set",
    "roles_changed",
    "sso_linked",
    "user_created_by_sso",
    "email_changed_by_sso",
)


class _NoAccount:
    """The object of an event about an e-mail address that has no account."""

    __tablename__ = "users"
    id = None


def record(action: str, user: User | None, *, actor: User | None, **details: Any) -> None:
    """Add the event to the current transaction (the caller commits)."""
    audit.record(action, user or _NoAccount(), actor=actor, changes={**client_details(), **details})


def email_fingerprint(email: str) -> str:
    key = hashlib.sha256(b"sk-portal e-mail fingerprint" + current_app.secret_key.encode())
    normalised = email.strip().lower().encode()
    return hmac.new(key.digest(), normalised, hashlib.sha256).hexdigest()[:16]


def login_failed(email: str) -> None:
    """A wrong password, an unknown address or a closed account: the same to the visitor."""

    user = find_user_by_email(email)
    if user is not None:
        record("login_failed", user, actor=None, step="password")
    else:
        record("login_failed", None, actor=None, account=email_fingerprint(email))


def on_throttled(scope: str, find_user: Callable[[], User | None]) -> Callable:
    """An `on_breach` callback for Flask-Limiter that records the throttling (once per
    quarter of an hour per key) and lets the 429 answer go out."""

    def callback(request_limit) -> None:
        if not limiter.limiter.hit(THROTTLE_EVENT_RATE, "security-event", request_limit.key):
            return None
        user = find_user()
        details: dict[str, Any] = {"scope": scope}
        if user is None and request.form.get("email"):
            details["account"] = email_fingerprint(request.form["email"])
        record("login_throttled", user, actor=None, **details)
        db.session.commit()
        return None

    return callback


def user_from_form() -> User | None:

    email = request.form.get("email", "")
    return find_user_by_email(email) if email else None
