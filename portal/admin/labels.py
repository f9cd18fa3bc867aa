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
    "setting_updated": _l("Inställningen ändrad"),
    "user_invited": _l("Inbjuden"),
    "invitation_resent": _l("Ny inbjudan skickad"),
    "password_set": _l("Lösenord valt"),
    "roles_changed": _l("Roller ändrade"),
    "user_updated": _l("Uppgifter ändrade"),
    "user_deactivated": _l("Kontot avstängt"),
    "user_reactivated": _l("Kontot aktiverat igen"),
    "party_created": _l("Parten tillagd"),
    "party_updated": _l("Parten ändrad"),
    "party_domain_added": _l("E-postdomän tillagd"),
    "party_domain_removed": _l("E-postdomän borttagen"),
    "user_registered": _l("Kontot skapat av personen själv"),
    "focus_area_created": _l("Fokusområdet tillagt"),
    "focus_area_updated": _l("Fokusområdet ändrat"),
    "focus_area_renamed": _l("Nytt namn på fokusområde"),
    "goal_created": _l("Målet tillagt"),
    "goal_updated": _l("Målet ändrat"),
    "goal_renamed": _l("Nytt namn på målet"),
    "goal_ended": _l("Målet avslutat"),
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
    # Single sign-on (portal/accounts/sso.py).
    "sso_provider_registered": _l("Inloggning via organisationen tillagd"),
    "sso_provider_changed": _l("Inloggning via organisationen ändrad"),
    "sso_linked": _l("Kopplat till organisationens inloggning"),
    "user_created_by_sso": _l("Kontot skapat vid inloggning via organisationen"),
    "email_changed_by_sso": _l("E-postadressen ändrad av organisationens inloggning"),
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
    "account": _l("för många försök på kontot, från flera datorer"),
    "account_client": _l("för många försök på kontot från samma dator"),
    "client": _l("för många försök från samma dator"),
    "second_factor": _l("för många felaktiga koder på kontot"),
    "second_factor_client": _l("för många felaktiga koder från samma dator"),
}

# Why a login through a party's identity provider was refused (portal/accounts/sso.py).
SSO_REASON_LABELS = {
    "bad_state": _l("okänd eller för gammal inloggning (state)"),
    "access_denied": _l("avbruten hos leverantören"),
    "provider_error": _l("fel hos leverantören"),
    "provider_unreachable": _l("leverantören gick inte att nå"),
    "bad_discovery": _l("leverantörens konfiguration stämmer inte"),
    "token_refused": _l("koden godtogs inte av leverantören"),
    "bad_signature": _l("ID-token med fel signatur"),
    "expired_token": _l("ID-token har gått ut"),
    "bad_aud": _l("ID-token till en annan mottagare"),
    "bad_iss": _l("ID-token från en annan utfärdare"),
    "bad_nonce": _l("ID-token med fel nonce"),
    "no_email": _l("ingen e-postadress från leverantören"),
    "unverified_email": _l("obekräftad e-postadress"),
    "other_party": _l("kontot hör till en annan part"),
    "email_taken": _l("den nya e-postadressen har ett annat konto"),
    "deactivated": _l("kontot är avstängt"),
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
    if changes.get("step") == "sso":
        details.append(str(_l("via %(party)s", party=changes.get("party") or "?")))
        reason = changes.get("reason", "")
        details.append(str(SSO_REASON_LABELS.get(reason, reason)))
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
