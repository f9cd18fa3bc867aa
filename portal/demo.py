"""Fictitious demo data for `flask --app portal seed --demo`. Every person here is invented."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role, User, UserRole
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.reference.models import Party

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105  (documented in the README; demo only)

# e-mail, name, party name (or None), roles
DEMO_USERS = [
    ("admin@example.org", "Alva Administratör", None, {Role.ADMIN}),
    ("processtod@example.org", "Petra Processledare", "Mälardalens universitet",
     {Role.PROCESS_SUPPORT, Role.EMPLOYEE}),
    ("expert@example.org", "Emil Expertsson", "Region Västmanland", {Role.EXPERT, Role.EMPLOYEE}),
    ("coreteam@example.org", "Cecilia Core", "Västerås stad", {Role.CORE_TEAM, Role.EMPLOYEE}),
    ("styrelsen@example.org", "Stig Styrelseledamot", "Eskilstuna kommun", {Role.BOARD}),
    ("anna.eskilstuna@example.org", "Anna Andersson", "Eskilstuna kommun", {Role.EMPLOYEE}),
    ("erik.vasteras@example.org", "Erik Eriksson", "Västerås stad", {Role.EMPLOYEE}),
    ("sara.mdh@example.org", "Sara Svensson", "Mälardalens universitet", {Role.EMPLOYEE}),
]


def seed_demo_users() -> int:
    parties = {p.name: p for p in db.session.scalars(select(Party))}
    password_hash = hash_password(DEMO_PASSWORD)
    added = 0
    for email, name, party_name, roles in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)):
            continue
        user = User(
            email=email,
            name=name,
            party=parties.get(party_name) if party_name else None,
            password_hash=password_hash,
        )
        user.role_rows = [UserRole(role=role.value) for role in sorted(roles)]
        db.session.add(user)
        added += 1
    db.session.flush()
    return added


def seed_demo_content() -> dict[str, int]:
    """Demo content beyond accounts; each capability adds its own part here."""
    return {}
