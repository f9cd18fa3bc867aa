"""Swedish labels for values the admin pages show (marked for translation)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.accounts import sessions
from portal.accounts.models import ROLE_LABELS, Role
from portal.reference.models import PartyKind


class UserStatus:
    ACTIVE = "active"
    INVITED = "invited"
    DEACTIVATED = "deactivated"


KIND_LABELS = {
    PartyKind.UNIVERSITY: _l("Universitet eller högskola"),
    PartyKind.MUNICIPALITY: _l("Kommun"),
    PartyKind.REGION: _l("Region"),
    PartyKind.OTHER: _l("Annan organisation"),
}

STATUS_LABELS = {
    UserStatus.ACTIVE: _l("Aktiv"),
    UserStatus.INVITED: _l("Inbjuden"),
    UserStatus.DEACTIVATED: _l("Avstängd"),
}

ACTION_LABELS = {
    "user_invited": _l("Inbjuden"),
    "invitation_resent": _l("Ny inbjudan skickad"),
    "password_set": _l("Lösenord valt"),
    "roles_changed": _l("Roller ändrade"),
    "user_updated": _l("Uppgifter ändrade"),
    "user_deactivated": _l("Kontot avstängt"),
    "user_reactivated": _l("Kontot aktiverat igen"),
    "party_created": _l("Parten tillagd"),
    "party_updated": _l("Parten ändrad"),
    "focus_area_created": _l("Fokusområdet tillagt"),
    "focus_area_updated": _l("Fokusområdet ändrat"),
    "focus_area_renamed": _l("Nytt namn på fokusområde"),
    "perspective_created": _l("Perspektivet tillagt"),
    "perspective_updated": _l("Perspektivet ändrat"),
    # Security events (portal/accounts/security_events.py).
    "login_succeeded": _l("Inloggning"),
    "login_failed": _l("Misslyckad inloggning"),
    "login_throttled": _l("Inloggning spärrad efter för många försök"),
    "mfa_enabled": _l("Tvåstegsverifiering aktiverad"),
    "mfa_disabled": _l("Tvåstegsverifiering avstängd"),
    "mfa_reset": _l("Tvåstegsverifiering återställd"),
    "mfa_failed": _l("Fel kod i tvåstegsverifiering"),
    "mfa_code_reused": _l("Redan använd kod i tvåstegsverifiering"),
    "recovery_code_used": _l("Inloggning med återställningskod"),
    "recovery_codes_regenerated": _l("Nya återställningskoder"),
    "session_ended": _l("Inloggning avslutad"),
    "milestone_mail_changed": _l("Val för e-post om inlämningar ändrade"),
}

# Events where no logged-in person acted: "Vem" shows that nobody is known.
UNKNOWN_ACTOR_ACTIONS = frozenset(
    {"login_failed", "login_throttled", "mfa_failed", "mfa_code_reused"}
)

METHOD_LABELS = {
    **sessions.METHOD_LABELS,
    "setup": _l("vid aktivering"),
    "confirm": _l("vid ändring"),
}

SCOPE_LABELS = {
    "account": _l("för många försök på kontot"),
    "client": _l("för många försök från samma dator"),
    "second_factor": _l("för många felaktiga koder på kontot"),
    "second_factor_client": _l("för många felaktiga koder från samma dator"),
}


def event_details(entry) -> list[str]:
    """What an audit entry about an account says beyond its action, for the admin's list:
    never a password, a code or a typed e-mail address (none is stored)."""
    changes = entry.changes or {}
    details: list[str] = []
    if "method" in changes:
        details.append(str(METHOD_LABELS.get(changes["method"], changes["method"])))
    if changes.get("step") == "password":
        details.append(str(_l("fel lösenord")))
    if "scope" in changes:
        details.append(str(SCOPE_LABELS.get(changes["scope"], changes["scope"])))
    if "account" in changes:
        details.append(
            str(_l("okänd e-postadress (%(fingerprint)s)", fingerprint=changes["account"][:8]))
        )
    if "left" in changes:
        details.append(ngettext("%(num)s kod kvar", "%(num)s koder kvar", changes["left"]))
    if "ended" in changes:
        details.append(str(_l("avslutad: %(browser)s", browser=changes["ended"])))
    if entry.action == "roles_changed" and "roles" in changes:
        before, after = changes["roles"]
        details.append(f"{_role_names(before)} → {_role_names(after)}")
    for key in ("network", "browser"):
        if changes.get(key):
            details.append(str(changes[key]))
    return details


def _role_names(values: list[str]) -> str:

    names = [str(ROLE_LABELS[Role(v)]) for v in values if v in Role._value2member_map_]
    return ", ".join(names) or str(_l("inga"))
