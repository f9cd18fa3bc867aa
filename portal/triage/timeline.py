"""What happened to one submission, from the audit log, in plain Swedish (one query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.extensions import db
from portal.reference.canvas import FIELDS_BY_KEY
from portal.submissions.models import (
    FUNCTION_LABELS,
    STATE_LABELS,
    TYPE_LABELS,
    InitiativeType,
    SkFunction,
    State,
    Submission,
)

# Entries with no actor that the submitter made (residents have no account).
SUBMITTER_ACTIONS = frozenset(
    {
        "submitted",
        "completed_by_submitter",
        "withdrawn",
        # The submitter's data rights (portal/privacy/).
        "personal_data_erased",
        "record_erasure_marked",
        "consent_withdrawn",
    }
)

ACTIONS = {
    "submitted": _l("Inlämnad"),
    "completed_by_submitter": _l("Kompletterad av inlämnaren"),
    "withdrawn": _l("Återkallad av inlämnaren"),
    "focus_area_set": _l("Fokusområde ändrat"),
    "handler_set": _l("Handläggare ändrad"),
    "function_set": _l("Funktion ändrad"),
    "type_set": _l("Typ av satsning ändrad"),
    "perspectives_set": _l("Perspektiv ändrade"),
    "goals_set": _l("Mål i Agenda 2030 ändrade"),
    "duplicate_marked": _l("Markerad som dubblett"),
    "duplicate_repointed": _l("Följer ett annat original"),
    "related_added": _l("Kopplad till en relaterad inlämning"),
    "related_removed": _l("Koppling till en relaterad inlämning borttagen"),
    "info_requested": _l("Komplettering begärd"),
    "declined": _l("Avslagen"),
    "accepted": _l("Tagen in i portfölj"),
    "reopened": _l("Återöppnad"),
    "personal_data_erased": _l("Personuppgifter raderade på begäran"),
    "record_erasure_marked": _l("Begäran om radering noterad på handlingen som inkommen"),
    "consent_withdrawn": _l("Samtycke återkallat"),
    "retention_anonymised": _l("Personuppgifter gallrade"),
}

FIELD_LABELS = {
    "state": _l("Status"),
    "reg_number": _l("Registreringsnummer"),
    "focus_area": _l("Fokusområde"),
    "handler": _l("Handläggare"),
    "sk_function": _l("Funktion"),
    "initiative_type": _l("Typ av satsning"),
    "perspectives": _l("Perspektiv"),
    "goals": _l("Mål i Agenda 2030"),
    "duplicate_of": _l("Dubblett av"),
    "related": _l("Relaterad"),
    "info_request": _l("Fråga"),
    "info_answer": _l("Svar på frågan"),
    "decline_reason": _l("Skäl"),
    "portfolio": _l("Portfölj"),
    "kind": _l("Typ"),
    "consent_named_publicly": _l("Får nämnas med namn offentligt"),
    "consent_news": _l("Vill få nyheter från Samhällskontraktet"),
    "consent_milestones": _l("Vill få e-post när något händer med idén"),
    "files": _l("Bifogade filer"),  # added with a completion
}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Event:
    at: datetime
    who: str
    what: str
    changes: list[Change]


def events_for(submission: Submission) -> list[Event]:
    """The submission's audit entries in time order, with the actor's name joined in."""
    rows = db.session.execute(
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.object_type == Submission.__tablename__)
        .where(AuditEntry.object_id == submission.id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    return [_event(entry, name) for entry, name in rows]


def _event(entry: AuditEntry, actor_name: str | None) -> Event:
    if actor_name is not None:
        who = actor_name
    elif entry.actor_id is None and entry.action in SUBMITTER_ACTIONS:
        who = str(_l("Inlämnaren"))
    else:
        who = str(_l("Systemet"))
    if entry.action in ACTIONS:
        what = str(ACTIONS[entry.action])
    elif entry.action.startswith("state_"):
        what = str(_l("Status ändrad"))
    else:
        what = entry.action
    changes = [
        Change(_label(key), _value(key, pair[0]), _value(key, pair[1]))
        for key, pair in (entry.changes or {}).items()
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]
    return Event(at=entry.at, who=who, what=what, changes=changes)


def _label(key: str) -> str:
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    if key in FIELDS_BY_KEY:
        return str(FIELDS_BY_KEY[key].label)
    return key


def _value(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if key == "state" and value in State._value2member_map_:
        return str(STATE_LABELS[State(value)])
    if key == "sk_function" and value in SkFunction._value2member_map_:
        return str(FUNCTION_LABELS[SkFunction(value)])
    if key == "initiative_type" and value in InitiativeType._value2member_map_:
        return str(TYPE_LABELS[InitiativeType(value)])
    if isinstance(value, bool):
        return str(_l("Ja")) if value else str(_l("Nej"))
    return str(value)
