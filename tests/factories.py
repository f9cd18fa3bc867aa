"""Small factories for tests (pretalx style): each returns a saved object."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from portal.accounts.models import Role, User, UserRole
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.reference.models import Party

PASSWORD = "a-long-test-password-1"
# The authenticator-app secret of every test user with two-factor authentication
# (tests/conftest.py's login() computes the code from it).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_seq = itertools.count(1)


def party(name: str = "Västerås stad") -> Party:
    found = db.session.scalar(select(Party).where(Party.name == name))
    assert found is not None, f"no party {name}"
    return found


def make_user(
    *,
    roles: set[Role] | None = None,
    email: str | None = None,
    name: str | None = None,
    party_name: str | None = "Västerås stad",
    password: str | None = PASSWORD,
    active: bool = True,
    mfa: bool | None = None,
) -> User:
    """A saved user. `mfa`: enrolled in two-factor authentication with TOTP_SECRET; by
    default when the roles require it (admin, process support), as in real use."""
    from portal.accounts import mfa as two_factor
    from portal.types import utcnow

    n = next(_seq)
    user = User(
        email=email or f"user{n}@example.org",
        name=name or f"Testperson {n}",
        party=party(party_name) if party_name else None,
        password_hash=hash_password(password) if password else None,
        active=active,
    )
    user.role_rows = [UserRole(role=r.value) for r in sorted(roles or {Role.EMPLOYEE})]
    if mfa is None:
        mfa = two_factor.is_required(user)
    if mfa:
        user.totp_secret = two_factor.seal(TOTP_SECRET)
        user.totp_enabled_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


def make_call(
    *,
    slug: str | None = None,
    title: str = "Barn i rörelse",
    question: str = "Hur motiverar vi barn att röra på sig mer?",
    audience: str = "residents",
    opens_in_days: float = -7,
    closes_in_days: float = 30,
    published: bool = True,
    max_participants: int | None = None,
    rules: dict | None = None,
    focus_area_name: str = "Alla barn och unga uppnår sin fulla potential",
):
    from datetime import timedelta

    from portal.calls.models import Call
    from portal.reference.canvas import RESIDENT_DEFAULT_RULES, STANDING_RULES
    from portal.reference.models import FocusArea
    from portal.types import utcnow

    now = utcnow()
    default = RESIDENT_DEFAULT_RULES if audience == "residents" else STANDING_RULES
    call = Call(
        slug=slug or f"utlysning-{next(_seq)}",
        title=title,
        question=question,
        background="Bakgrund.",
        opens_at=now + timedelta(days=opens_in_days),
        closes_at=now + timedelta(days=closes_in_days),
        audience=audience,
        host_party=party("Västerås stad"),
        max_participants=max_participants,
        field_rules={k: str(v) for k, v in (rules or default).items()},
        published_at=now if published else None,
    )
    call.focus_areas = [
        db.session.scalar(select(FocusArea).where(FocusArea.name == focus_area_name))
    ]
    db.session.add(call)
    db.session.commit()
    return call
