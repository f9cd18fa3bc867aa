"""Administration rules: users and roles, parties, focus areas and their renames, perspectives.

Every function takes the acting admin as keyword-only `actor=`, writes an audit entry in the
caller's transaction and never commits. A broken rule raises `RuleViolation` naming the form
field it belongs to, so the view can show the message on that field.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select

from portal import audit
from portal.accounts import services as accounts
from portal.accounts.models import AccountToken, Role, TokenPurpose, User, UserRole
from portal.admin.labels import UserStatus
from portal.extensions import db
from portal.reference.models import FocusArea, Party, Perspective, Portfolio
from portal.types import utcnow


class RuleViolation(Exception):
    """A domain rule refused the change; `field` is the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)  # the message stays lazy: translated when shown
        self.field = field
        self.message = message


# --- users ------------------------------------------------------------------------------

DUPLICATE_EMAIL = _l("Det finns redan en användare med den e-postadressen.")


def user_status(user: User) -> str:
    if not user.active:
        return UserStatus.DEACTIVATED
    # Invited: no password chosen and never logged in (an account from single sign-on has no
    # password either, but has logged in).
    if user.password_hash is None and user.last_login_at is None:
        return UserStatus.INVITED
    return UserStatus.ACTIVE


def _invited():
    return and_(User.active.is_(True), User.password_hash.is_(None), User.last_login_at.is_(None))


def user_query(*, text: str = "", role: str = "", status: str = "") -> Select:
    """Users matching a free-text search on name or e-mail, a role and a status, by name."""
    query = select(User).order_by(func.lower(User.name), User.id)
    words = text.strip()
    if words:
        pattern = f"%{_escape_like(words.lower())}%"
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if role:
        query = query.where(
            User.id.in_(select(UserRole.user_id).where(UserRole.role == Role(role).value))
        )
    if status == UserStatus.DEACTIVATED:
        query = query.where(User.active.is_(False))
    elif status == UserStatus.INVITED:
        query = query.where(_invited())
    elif status == UserStatus.ACTIVE:
        query = query.where(User.active.is_(True), ~_invited())
    return query


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _check_roles_and_party(roles: set[Role], party: Party | None) -> None:
    if not roles:
        raise RuleViolation("roles", _l("Välj minst en roll."))
    if Role.EMPLOYEE in roles and party is None:
        raise RuleViolation("party", _l("En medarbetare måste höra till en part. Välj part."))


def invite(*, email: str, name: str, party: Party | None, roles: set[Role], actor: User) -> User:
    """Create an account and queue the invitation e-mail; refuses an e-mail already in use."""
    if accounts.find_user_by_email(email) is not None:
        raise RuleViolation("email", _l("Det finns redan en användare med den e-postadressen."))
    _check_roles_and_party(roles, party)
    return accounts.invite_user(email=email, name=name, party=party, roles=roles, actor=actor)


def update_user(
    user: User,
    *,
    name: str,
    email: str,
    party: Party | None,
    roles: set[Role],
    active: bool,
    actor: User,
) -> None:
    """Change name, e-mail, party, roles and whether the account is active.

    Deactivating ends every session of the user at once. An admin cannot take away their
    own admin role or deactivate themselves, so there is always someone who can undo it.
    A new e-mail address spends the open password links sent to the old one.
    """
    if user.id == actor.id:
        if Role.ADMIN not in roles:
            raise RuleViolation("roles", _l("Du kan inte ta bort din egen administratörsroll."))
        if not active:
            raise RuleViolation("active", _l("Du kan inte stänga av ditt eget konto."))
    _check_roles_and_party(roles, party)
    new_email = accounts.normalise_email(email)
    if new_email != user.email:
        other = accounts.find_user_by_email(new_email)
        if other is not None and other.id != user.id:
            raise RuleViolation("email", DUPLICATE_EMAIL)

    changes = audit.diff(user, {"name": name.strip(), "email": new_email})
    if "email" in changes:
        _spend_open_tokens(user)
    if user.party_id != (party.id if party else None):
        changes["party"] = [_name(user.party), _name(party)]
        user.party = party
    if changes:
        audit.record("user_updated", user, actor=actor, changes=changes)
    accounts.set_roles(user, roles, actor=actor)
    if user.active and not active:
        user.active = False
        accounts.end_all_sessions(user)
        audit.record("user_deactivated", user, actor=actor, changes={"active": [True, False]})
    elif not user.active and active:
        user.active = True
        audit.record("user_reactivated", user, actor=actor, changes={"active": [False, True]})


def resend_invitation(user: User, *, actor: User) -> None:
    """A new invitation link for someone who has not chosen a password; older links stop."""
    if user.password_hash is not None:
        raise RuleViolation("user", _l("%(name)s har redan valt ett lösenord.", name=user.name))
    if not user.active:
        raise RuleViolation("user", _l("Kontot är avstängt. Aktivera det först."))
    _spend_open_tokens(user, TokenPurpose.INVITE)
    accounts.send_invitation(user, actor=actor)
    audit.record("invitation_resent", user, actor=actor)


def _spend_open_tokens(user: User, purpose: TokenPurpose | None = None) -> None:
    """Links already sent stop working (all of them, or those of one purpose)."""
    query = select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.used_at.is_(None)
    )
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose.value)
    now = utcnow()
    for token in db.session.scalars(query):
        token.used_at = now


# --- parties ----------------------------------------------------------------------------


def _check_party_unique(name: str, short_name: str, party: Party | None) -> None:
    others = select(Party).where(Party.id != party.id) if party else select(Party)
    if db.session.scalar(others.where(func.lower(Party.name) == name.lower())):
        raise RuleViolation("name", _l("Det finns redan en part med det namnet."))
    if db.session.scalar(others.where(func.lower(Party.short_name) == short_name.lower())):
        raise RuleViolation("short_name", _l("Det finns redan en part med den förkortningen."))


def _check_party_dates(joined_on: date, left_on: date | None) -> None:
    if left_on is not None and left_on < joined_on:
        raise RuleViolation(
            "left_on", _l("Datumet då parten lämnade kan inte vara före datumet då den gick med.")
        )


def _party_values(
    name: str, short_name: str, kind: str, joined_on: date, left_on: date | None, note: str
) -> dict:
    return {
        "name": name.strip(),
        "short_name": short_name.strip(),
        "kind": kind,
        "joined_on": joined_on,
        "left_on": left_on,
        "note": (note or "").strip().replace("\r\n", "\n"),
    }


def create_party(
    *,
    name: str,
    short_name: str,
    kind: str,
    joined_on: date,
    left_on: date | None = None,
    note: str = "",
    actor: User,
) -> Party:
    values = _party_values(name, short_name, kind, joined_on, left_on, note)
    _check_party_unique(values["name"], values["short_name"], None)
    _check_party_dates(joined_on, left_on)
    party = Party(**values)
    db.session.add(party)
    db.session.flush()
    audit.record("party_created", party, actor=actor, changes=_created(values))
    return party


def update_party(
    party: Party,
    *,
    name: str,
    short_name: str,
    kind: str,
    joined_on: date,
    left_on: date | None,
    note: str,
    actor: User,
) -> None:
    """Edit a party. Parties are never deleted: one that leaves gets `left_on` and stays."""
    values = _party_values(name, short_name, kind, joined_on, left_on, note)
    _check_party_unique(values["name"], values["short_name"], party)
    _check_party_dates(joined_on, left_on)
    changes = audit.diff(party, values)
    if changes:
        audit.record("party_updated", party, actor=actor, changes=changes)


# --- focus areas ------------------------------------------------------------------------


def _check_focus_area_name(name: str, area: FocusArea | None, field: str = "name") -> None:
    query = select(FocusArea).where(func.lower(FocusArea.name) == name.lower())
    if area is not None:
        query = query.where(FocusArea.id != area.id)
    if db.session.scalar(query):
        raise RuleViolation(field, _l("Det finns redan ett fokusområde med det namnet."))


def _check_period(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise RuleViolation("valid_to", _l("Slutdatumet kan inte vara före startdatumet."))


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


def _check_no_overlap(area: FocusArea, valid_from: date, valid_to: date | None) -> None:
    """The names of one portfolio follow each other: their periods may not overlap."""
    for other in area.portfolio.focus_areas:
        if other.id == area.id:
            continue
        if _overlaps(valid_from, valid_to, other.valid_from, other.valid_to):
            raise RuleViolation(
                "valid_from",
                _l(
                    "Perioden överlappar %(name)s i samma portfölj. "
                    "Ändra datumen så att namnen följer på varandra.",
                    name=other.name,
                ),
            )


def create_focus_area(
    *,
    name: str,
    effect_goal: str,
    valid_from: date,
    valid_to: date | None = None,
    actor: User,
) -> FocusArea:
    """A new focus area starts a new portfolio."""
    name = name.strip()
    _check_focus_area_name(name, None)
    _check_period(valid_from, valid_to)
    values = {
        "name": name,
        "effect_goal": _text(effect_goal),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
    area = FocusArea(portfolio=Portfolio(), **values)
    db.session.add(area)
    db.session.flush()
    audit.record(
        "focus_area_created",
        area,
        actor=actor,
        changes={**_created(values), "portfolio_id": [None, area.portfolio_id]},
    )
    return area


def update_focus_area(
    area: FocusArea,
    *,
    name: str,
    effect_goal: str,
    valid_from: date,
    valid_to: date | None,
    actor: User,
) -> None:
    """Correct a focus area in place (a typo, the effect goal, its period). A real change of
    name is `rename_focus_area`, which keeps the old name for history."""
    name = name.strip()
    _check_focus_area_name(name, area)
    _check_period(valid_from, valid_to)
    _check_no_overlap(area, valid_from, valid_to)
    changes = audit.diff(
        area,
        {
            "name": name,
            "effect_goal": _text(effect_goal),
            "valid_from": valid_from,
            "valid_to": valid_to,
        },
    )
    if changes:
        audit.record("focus_area_updated", area, actor=actor, changes=changes)


def can_rename(area: FocusArea) -> bool:
    """Only the latest name of a portfolio can be renamed."""
    return area.portfolio.current.id == area.id


def rename_focus_area(
    area: FocusArea, *, new_name: str, effect_goal: str, valid_from: date, actor: User
) -> FocusArea:
    """A new focus area in the same portfolio from `valid_from`; the old one ends the day before.

    The new name inherits a planned end date of the old one.
    """
    if not can_rename(area):
        raise RuleViolation("new_name", _l("Bara det senaste namnet i en portfölj kan bytas."))
    new_name = new_name.strip()
    _check_focus_area_name(new_name, None, "new_name")
    if valid_from <= area.valid_from:
        raise RuleViolation(
            "valid_from",
            _l(
                "Det nya namnet måste gälla från en dag efter att %(name)s började gälla.",
                name=area.name,
            ),
        )
    if area.valid_to is not None and valid_from > area.valid_to:
        raise RuleViolation(
            "valid_from",
            _l(
                "%(name)s upphörde redan. Det nya namnet måste börja gälla senast den dagen.",
                name=area.name,
            ),
        )
    old_valid_to = area.valid_to
    area.valid_to = valid_from - timedelta(days=1)
    renamed = FocusArea(
        name=new_name,
        effect_goal=_text(effect_goal),
        valid_from=valid_from,
        valid_to=old_valid_to,
        portfolio=area.portfolio,
        renamed_from=area,
    )
    db.session.add(renamed)
    db.session.flush()
    audit.record(
        "focus_area_renamed",
        renamed,
        actor=actor,
        changes={
            "name": [area.name, renamed.name],
            "renamed_from_id": [None, area.id],
            "portfolio_id": [None, area.portfolio_id],
            "valid_from": [None, valid_from.isoformat()],
        },
    )
    audit.record(
        "focus_area_updated",
        area,
        actor=actor,
        changes={
            "valid_to": [
                old_valid_to.isoformat() if old_valid_to else None,
                area.valid_to.isoformat(),
            ]
        },
    )
    return renamed


def portfolios() -> list[Portfolio]:
    """Every portfolio, the one with the current name first in alphabetical order."""
    found = db.session.scalars(select(Portfolio)).all()
    return sorted((p for p in found if p.focus_areas), key=lambda p: p.current.name.lower())


# --- perspectives -----------------------------------------------------------------------


def _check_perspective_name(name: str, perspective: Perspective | None) -> None:
    query = select(Perspective).where(func.lower(Perspective.name) == name.lower())
    if perspective is not None:
        query = query.where(Perspective.id != perspective.id)
    if db.session.scalar(query):
        raise RuleViolation("name", _l("Det finns redan ett perspektiv med det namnet."))


def next_perspective_position() -> int:
    return (db.session.scalar(select(func.max(Perspective.position))) or 0) + 1


def create_perspective(*, name: str, position: int | None = None, actor: User) -> Perspective:
    name = name.strip()
    _check_perspective_name(name, None)
    values = {
        "name": name,
        "position": next_perspective_position() if position is None else position,
        "active": True,
    }
    perspective = Perspective(**values)
    db.session.add(perspective)
    db.session.flush()
    audit.record("perspective_created", perspective, actor=actor, changes=_created(values))
    return perspective


def update_perspective(
    perspective: Perspective, *, name: str, position: int, active: bool, actor: User
) -> None:
    """Perspectives are deactivated, never deleted: initiatives judged against them keep them."""
    name = name.strip()
    _check_perspective_name(name, perspective)
    changes = audit.diff(perspective, {"name": name, "position": position, "active": active})
    if changes:
        audit.record("perspective_updated", perspective, actor=actor, changes=changes)


# --- helpers ----------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip().replace("\r\n", "\n")


def _name(obj) -> str | None:
    return obj.name if obj is not None else None


def _created(values: dict) -> dict[str, list]:
    """Audit changes for a new object: every value from nothing."""
    return {k: [None, v.isoformat() if isinstance(v, date) else v] for k, v in values.items()}
