"""Server-side records of logged-in browsers, beside Flask's signed cookie session.

A login stores a random key in the cookie session and a `UserSession` row keyed by the key's
SHA-256. The user loader accepts a cookie only when its session_version is the user's current
one (logout everywhere, password and two-factor changes bump it) and its row still exists (one
session ended from the session list). Idle and absolute limits stay on the cookie
(portal/__init__.py); rows past them are purged at the next login.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from portal.accounts.models import User, UserSession
from portal.extensions import db
from portal.types import utcnow

SESSION_KEY = "_sid"
METHOD_LABELS = {
    "password": _l("med lösenord"),
    "totp": _l("med lösenord och kod från app"),
    "recovery_code": _l("med lösenord och återställningskod"),
    "oidc": _l("med organisationens inloggning"),
    "oidc_mfa": _l("med organisationens inloggning och dess tvåstegsverifiering"),
    "oidc_totp": _l("med organisationens inloggning och kod från app"),
    "oidc_recovery_code": _l("med organisationens inloggning och återställningskod"),
}
# last_seen_at is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)

_BROWSERS = [
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* .*Safari/")),
]
_SYSTEMS = [
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
]


def describe_browser(user_agent: str | None) -> str:
    """'Firefox 128, Linux': enough to recognise a device, not a fingerprint."""
    agent = (user_agent or "")[:512]
    browser = next(
        (f"{name} {m.group(1)}" for name, rx in _BROWSERS if (m := rx.search(agent))), ""
    )
    system = next((name for name, rx in _SYSTEMS if rx.search(agent)), "")
    return ", ".join(part for part in (browser, system) if part)[:80]


def network_of(address: str | None) -> str:
    """The client's network, not its address: IPv4 /24, IPv6 /48."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def client_details() -> dict[str, str]:
    return {
        "browser": describe_browser(request.headers.get("User-Agent")),
        "network": network_of(request.remote_addr),
    }


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return config["SESSION_IDLE_TIMEOUT"], config["SESSION_ABSOLUTE_TIMEOUT"]


def _expired_clause():
    idle, absolute = _limits()
    now = utcnow()
    return or_(UserSession.last_seen_at < now - idle, UserSession.created_at < now - absolute)


def begin(user: User, method: str) -> UserSession:
    """Record a new logged-in browser and put its key in the (already cleared) cookie session."""
    db.session.execute(delete(UserSession).where(_expired_clause()))
    raw = secrets.token_urlsafe(32)
    row = UserSession(key_hash=_hash(raw), user_id=user.id, method=method, **client_details())
    db.session.add(row)
    session[SESSION_KEY] = raw
    return row


def current_key_hash() -> str | None:
    raw = session.get(SESSION_KEY)
    return _hash(raw) if isinstance(raw, str) else None


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the cookie's user, if its version and its row are current."""
    raw_id, _sep, version = user_id.partition(":")
    key_hash = current_key_hash()
    if not raw_id.isdigit() or key_hash is None:
        return None
    # One statement for the user, its roles and the session row (on every request).
    found = (
        db.session.execute(
            select(User, UserSession.id, UserSession.last_seen_at)
            .join(UserSession, UserSession.user_id == User.id)
            .options(joinedload(User.role_rows))
            .where(User.id == int(raw_id), UserSession.key_hash == key_hash)
        )
        .unique()
        .first()
    )
    if found is None:
        return None
    user, row_id, last_seen_at = found
    if not user.active or str(user.session_version) != version:
        return None
    now = utcnow()
    if now - last_seen_at >= TOUCH_INTERVAL:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == row_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return user


def forget_current() -> None:
    """Delete this browser's row (logout). The caller commits and clears the cookie session."""
    key_hash = current_key_hash()
    if key_hash is not None:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == key_hash))


def end_all(user: User) -> None:
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def live_sessions(user: User) -> list[UserSession]:
    """The user's browsers that are still logged in, the most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, ~_expired_clause())
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def is_current(row: UserSession) -> bool:
    return row.key_hash == current_key_hash()


def end(row: UserSession, *, actor: User) -> None:
    """Log one browser out: its next request finds no row and is anonymous."""
    from portal.accounts.security_events import record  # it imports client_details from here

    record("session_ended", row.user, actor=actor, ended=row.browser or "?")
    db.session.delete(row)


def end_others(user: User, *, actor: User) -> int:
    """Log out every browser of `user` but this one."""
    others = [row for row in live_sessions(user) if not is_current(row)]
    for row in others:
        end(row, actor=actor)
    return len(others)
