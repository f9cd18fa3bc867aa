"""Self-service accounts for the parties' staff.

An administrator ties e-mail domains to parties (`eskilstuna.se` → Eskilstuna kommun). Anyone
with an address on such a domain asks for an account with name and address; the portal mails a
single-use link (an `AccountToken` with purpose "register" that carries the address and name);
the person opens it, chooses a password, and the account is made then: an employee of the party
the domain belongs to at that moment. Until the link is used there is no account, so an address
someone else typed in leaves nothing behind but an unused token.

The page answers the same whether or not the address already has an account (no enumeration);
the mail differs: an existing account gets a link to choose a new password instead. Which
domains may register is not secret — the page lists them.

Only the exact domain counts: `namn@student.mdu.se` is not `mdu.se`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import idna
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from portal import audit
from portal.accounts import services
from portal.accounts.models import AccountToken, PartyDomain, Role, TokenPurpose, User, UserRole
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.links import external_url
from portal.mail.services import queue_email
from portal.reference.models import Party
from portal.types import utcnow

LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class DomainRefused(Exception):
    """The domain cannot be added: the message says why (lazy, translated when shown)."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


# --- domains ----------------------------------------------------------------------------------


def normalise_domain(raw: str) -> str | None:
    """The domain in its stored form (lower-case ASCII, IDNA-encoded), or None when it is not
    a domain name: at least two labels, letters, digits and hyphens, a top-level label that is
    not a number. Accepts `@Eskilstuna.se`, `växjö.se` and a trailing dot."""
    value = (raw or "").strip().lstrip("@").rstrip(".").lower()
    if not value or len(value) > 253 or any(c.isspace() for c in value):
        return None
    try:
        ascii_form = idna.encode(value, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None
    labels = ascii_form.split(".")
    if len(labels) < 2 or len(ascii_form) > 253:
        return None
    if not all(LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return None
    return ascii_form


def email_domain(email: str) -> str | None:
    """The stored form of an address's domain, or None when it has none."""
    _local, at, domain = services.normalise_email(email).rpartition("@")
    return normalise_domain(domain) if at and _local else None


def active_domains(party: Party) -> list[PartyDomain]:
    return list(
        db.session.scalars(
            select(PartyDomain)
            .where(PartyDomain.party_id == party.id, PartyDomain.removed_at.is_(None))
            .order_by(PartyDomain.domain)
        )
    )


def domain_history(party: Party) -> list[PartyDomain]:
    """Every domain the party has had, current ones first, then the removed, newest first."""
    return list(
        db.session.scalars(
            select(PartyDomain)
            .where(PartyDomain.party_id == party.id)
            .order_by(
                PartyDomain.removed_at.is_not(None),
                PartyDomain.removed_at.desc(),
                PartyDomain.domain,
            )
        )
    )


def _active_row(domain: str) -> PartyDomain | None:
    return db.session.scalar(
        select(PartyDomain).where(PartyDomain.domain == domain, PartyDomain.removed_at.is_(None))
    )


def add_domain(party: Party, raw: str, *, actor: User | None) -> PartyDomain:
    """Tie a domain to a party. Refused when it is not a domain, or is already in use."""
    domain = normalise_domain(raw)
    if domain is None:
        raise DomainRefused(
            _l("Skriv en domän i formen exempel.se, utan namn och @ före (till exempel mdu.se).")
        )
    taken = _active_row(domain)
    if taken is not None and taken.party_id == party.id:
        raise DomainRefused(_l("Domänen %(domain)s hör redan till den här parten.", domain=domain))
    if taken is not None:
        raise DomainRefused(
            _l(
                "Domänen %(domain)s hör redan till %(party)s. Ta bort den där först.",
                domain=domain,
                party=taken.party.name,
            )
        )
    row = PartyDomain(party=party, domain=domain, added_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record("party_domain_added", party, actor=actor, changes={"domain": [None, domain]})
    return row


def remove_domain(row: PartyDomain, *, actor: User | None) -> bool:
    """Stop a domain from opening accounts; the row stays with who removed it and when.
    False when it was already removed (a second click changes nothing)."""
    if row.removed_at is not None:
        return False
    row.removed_at = utcnow()
    row.removed_by_id = getattr(actor, "id", None)
    audit.record(
        "party_domain_removed", row.party, actor=actor, changes={"domain": [row.domain, None]}
    )
    return True


def party_for_email(email: str) -> Party | None:
    """The party whose staff an address belongs to, by its domain today (None outside the list
    or when the party has left the collaboration)."""
    domain = email_domain(email)
    row = _active_row(domain) if domain else None
    if row is None or row.party.has_left:
        return None
    return row.party


@dataclass(frozen=True)
class OpenDomain:
    party: str
    domains: list[str]


def open_domains() -> list[OpenDomain]:
    """The parties whose staff can make an account themselves, with their domains (one query)."""
    rows = db.session.execute(
        select(Party, PartyDomain.domain)
        .join(PartyDomain, PartyDomain.party_id == Party.id)
        .where(PartyDomain.removed_at.is_(None))
        .order_by(Party.name, PartyDomain.domain)
    ).all()
    grouped: dict[str, list[str]] = {}
    for party, domain in rows:
        if not party.has_left:
            grouped.setdefault(party.name, []).append(PartyDomain(domain=domain).display)
    return [OpenDomain(party=name, domains=domains) for name, domains in grouped.items()]


# --- asking for an account and confirming it -------------------------------------------------


def request_account(*, name: str, email: str) -> None:
    """Mail a link to finish the account, or, when the address has an account already, a link
    to choose a new password. Says nothing to the caller either way (the page is the same).
    An address outside the domains gets nothing (the form has told the person already)."""
    email = services.normalise_email(email)
    if party_for_email(email) is None:
        return
    user = services.find_user_by_email(email)
    if user is not None:
        if user.active:
            services.send_reset_link(
                user,
                "registration_exists",
                _l("Du har redan ett konto i Samhällskontraktets idéportal"),
            )
        return
    name = " ".join(name.split())
    raw = services.issue_token(None, TokenPurpose.REGISTER, email=email, name=name)
    queue_email(
        email,
        "registration",
        _l("Bekräfta ditt konto i Samhällskontraktets idéportal"),
        name=name,
        link=external_url("accounts.finish_registration", token=raw),
        hours=int(current_app.config["REGISTRATION_TTL"].total_seconds() // 3600),
    )


def check_link(raw: str) -> AccountToken | services.TokenError:
    """The registration token behind a link, or why it does not work. A link for an address
    that has an account by now (another link was used) counts as used."""
    found = services.check_token(raw, TokenPurpose.REGISTER)
    if isinstance(found, services.TokenError):
        return found
    if not found.email or services.find_user_by_email(found.email) is not None:
        return services.TokenError.USED
    return found


class RegistrationClosed(Exception):
    """The address's domain no longer opens accounts (removed since the link was sent)."""


def create_account(token: AccountToken, password: str) -> User:
    """Use a registration link: spend it (and every other open link for the address), make the
    employee account with the password. Of two requests at once only one gets past the
    conditional UPDATE; the other raises TokenSpent, as does a link for an address that has
    got an account in the meantime."""
    if token.purpose != TokenPurpose.REGISTER or not token.email:
        raise services.TokenSpent
    now = utcnow()
    spent = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise services.TokenSpent
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.email == token.email,
            AccountToken.purpose == TokenPurpose.REGISTER,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if services.find_user_by_email(token.email) is not None:
        raise services.TokenSpent
    party = party_for_email(token.email)
    if party is None:
        raise RegistrationClosed
    user = User(
        email=token.email,
        name=token.name or token.email,
        party=party,
        password_hash=hash_password(password),
    )
    user.role_rows.append(UserRole(role=Role.EMPLOYEE.value))
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user_registered",
        user,
        actor=user,
        changes={"email": [None, user.email], "party": [None, party.name]},
    )
    return user


# --- housekeeping ------------------------------------------------------------------------------

KEEP_EXPIRED = timedelta(days=7)  # an expired link still says "expired" (not "unknown") this long


def purge(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Forget registration links expired more than KEEP_EXPIRED ago: they hold the name and
    address of someone who may never have made the account (`flask retention run`)."""
    old = (AccountToken.purpose == TokenPurpose.REGISTER.value) & (
        AccountToken.expires_at < (now or utcnow()) - KEEP_EXPIRED
    )
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(AccountToken).where(old)) or 0
    return db.session.execute(delete(AccountToken).where(old)).rowcount or 0


def purge_report(count: int, applied: bool) -> str:
    done = "borttagna" if applied else "skulle tas bort"
    return (
        f"- Länkar för att skapa konto, utgångna för mer än {KEEP_EXPIRED.days} dagar sedan: "
        f"{count} {done}"
    )
