"""Small factories for tests (pretalx style): each returns a saved object."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from portal.accounts.models import Role, User, UserRole
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.reference.models import Party

PASSWORD = "a-long-test-password-1"
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
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"user{n}@example.org",
        name=name or f"Testperson {n}",
        party=party(party_name) if party_name else None,
        password_hash=hash_password(password) if password else None,
        active=active,
    )
    user.role_rows = [UserRole(role=r.value) for r in sorted(roles or {Role.EMPLOYEE})]
    db.session.add(user)
    db.session.commit()
    return user
