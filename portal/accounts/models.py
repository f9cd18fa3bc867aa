from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import idna
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.reference.models import Party
from portal.roles import Role  # noqa: F401  (imported from here across the portal)
from portal.types import UTCDateTime, utcnow

ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)
# How a browser logged in (UserSession.method); the "oidc" ones through a party's identity
# provider (portal/accounts/sso.py): alone, with the provider's own second factor (its `amr`
# says so), or followed by the portal's code or a recovery code.
SESSION_METHODS = (
    "password",
    "totp",
    "recovery_code",
    "oidc",
    "oidc_mfa",
    "oidc_totp",
    "oidc_recovery_code",
)
SESSION_METHOD_VALUES = ", ".join(f"'{m}'" for m in SESSION_METHODS)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout and password change: every session cookie carrying an older value dies.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor authentication (portal/accounts/mfa.py): the TOTP secret, encrypted with a key
    # derived from SECRET_KEY; the time step of the last accepted code, so each code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    party: Mapped[Party | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role | str) -> bool:
        mine = {r.value for r in self.roles}
        return any(str(r) in mine for r in roles)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.active

    @property
    def has_mfa(self) -> bool:
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        # The session carries the version, so a copied cookie dies with logout.
        return f"{self.id}:{self.session_version}"

    def __str__(self) -> str:
        return self.name


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),
        CheckConstraint(f"role IN ({ROLE_VALUES})", name="role_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))

    user: Mapped[User] = relationship(back_populates="role_rows")


class TokenPurpose(StrEnum):
    RESET = "reset"
    INVITE = "invite"
    ACCESS = "access"  # download what the portal holds about a person (portal/privacy/)
    REGISTER = "register"  # confirm a self-service account (portal/accounts/registration.py)


class AccountToken(db.Model):
    """A single-use, expiring link token; only its SHA-256 is stored.

    It belongs to an account, or, for a resident's data-access link (residents have no
    account), to the submission whose private link asked for it, or, for a self-service
    registration, to the e-mail address and name that asked for the account (which does not
    exist until the link is used)."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('reset', 'invite', 'access', 'register')", name="purpose_valid"
        ),
        CheckConstraint(
            "user_id IS NOT NULL OR submission_id IS NOT NULL OR email IS NOT NULL",
            name="has_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(10))
    # A registration's address and name (only for purpose "register").
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class PartyDomain(db.Model):
    """An e-mail domain whose addresses belong to a party's staff: anyone with such an address
    may create an employee account of that party (portal/accounts/registration.py).

    Rows are never deleted: removing a domain sets `removed_at`, so the history stays. A domain
    belongs to at most one party at a time (the partial unique index). Stored lower-case in
    its ASCII form (IDNA: `xn--...` for a domain with å, ä, ö)."""

    __tablename__ = "party_domains"
    __table_args__ = (
        Index(
            "uq_party_domains_domain_active",
            "domain",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        CheckConstraint("domain = lower(domain)", name="domain_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    domain: Mapped[str] = mapped_column(String(253))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    party: Mapped[Party] = relationship()
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])

    @property
    def display(self) -> str:
        """The domain as people write it (Unicode: `växjö.se`, not `xn--vxj-qla6g.se`)."""
        try:
            return idna.decode(self.domain)
        except idna.IDNAError:
            return self.domain


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only a salted hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(db.Model):
    """A logged-in browser (portal/accounts/sessions.py). The Flask session carries a random
    key; only its SHA-256 is stored. Deleting the row logs that browser out."""

    __tablename__ = "user_sessions"
    __table_args__ = (CheckConstraint(f"method IN ({SESSION_METHOD_VALUES})", name="method_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Minimised: "Firefox, Linux" rather than the whole User-Agent; the network, not the address.
    browser: Mapped[str] = mapped_column(String(80), default="")
    network: Mapped[str] = mapped_column(String(50), default="")
    # How the login was made: one of SESSION_METHODS.
    method: Mapped[str] = mapped_column(String(20), default="password")

    user: Mapped[User] = relationship()


def _role_labels():

    return {
        Role.EMPLOYEE: _l("Medarbetare"),
        Role.PROCESS_SUPPORT: _l("Processtöd"),
        Role.EXPERT: _l("Expert"),
        Role.CORE_TEAM: _l("Core Team"),
        Role.BOARD: _l("Styrelsen"),
        Role.ADMIN: _l("Administratör"),
        Role.PROJECT_LEADER: _l("Projektledare (beslutar upp till 50 000 kr)"),
        Role.PROCESS_LEADER: _l("Processledare (beslutar upp till 200 000 kr)"),
    }


ROLE_LABELS = _role_labels()


def role_labels(user: User) -> list[str]:
    return [str(ROLE_LABELS[role]) for role in Role if role in user.roles]


class IdentityProvider(db.Model):
    """A party's OpenID Connect provider, for "Logga in med ditt konto hos …"
    (portal/accounts/sso.py). One per party. The client secret is stored sealed (Fernet, a key
    derived from SECRET_KEY, as the TOTP secrets) and never shown again."""

    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(String(1000), default="")
    # The ID token claim that carries the person's e-mail address.
    email_claim: Mapped[str] = mapped_column(String(60), default="email")
    enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party: Mapped[Party] = relationship()


class ExternalIdentity(db.Model):
    """A person at an identity provider (its issuer and their `sub` there), tied to the account
    it logs in to. Created at the first login through the provider."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_external_identities"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
