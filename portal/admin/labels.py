"""Swedish labels for values the admin pages show (marked for translation)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
}
