"""The rules of the agreement's entries on an initiative: recording, editing (from the version
the person saw) and deleting one. Services never commit; each writes its audit entry."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.evaluation.agreement.models import AgreementEntry, EntryKind, PartnerKind
from portal.evaluation.models import Initiative
from portal.evaluation.rules import AlreadyDone, EvaluationRefused, lock
from portal.extensions import db


class EntryConflict(Exception):
    """Someone else changed or deleted the entry after the person loaded it."""


KEPT = ("dated_on", "party_id", "title", "institution", "students", "partner_kind", "url")


def _values(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The columns of an entry of `kind`: what the kind does not use is empty."""
    kind = EntryKind(kind)
    title = (values.get("title") or "").strip()
    if not title:
        raise EvaluationRefused(_l("Skriv en text."))
    result = {
        "dated_on": values["dated_on"],
        "party_id": values.get("party_id"),
        "title": title,
        "institution": "",
        "students": None,
        "partner_kind": None,
        "url": "",
    }
    if kind == EntryKind.STUDENTS:
        if not values.get("students") or values["students"] < 1:
            raise EvaluationRefused(_l("Skriv hur många studenter som deltar, som en siffra."))
        result["students"] = int(values["students"])
        result["institution"] = (values.get("institution") or "").strip()
    elif kind == EntryKind.PARTNER:
        result["partner_kind"] = PartnerKind(values["partner_kind"]).value
    elif kind == EntryKind.RESEARCH:
        result["url"] = (values.get("url") or "").strip()
    return result


def record_entry(
    initiative: Initiative, kind: str, values: dict[str, Any], *, actor
) -> AgreementEntry:
    """A new entry on the initiative. The same entry sent again with another key (Back and
    send, two tabs) is recognised by its content under the initiative's lock."""
    columns = _values(kind, values)
    lock(Initiative, initiative.id)
    same = db.session.scalar(
        select(AgreementEntry)
        .where(
            AgreementEntry.initiative_id == initiative.id,
            AgreementEntry.kind == kind,
            *(getattr(AgreementEntry, name) == value for name, value in columns.items()),
        )
        .order_by(AgreementEntry.id)
        .limit(1)
    )
    if same is not None:
        raise AlreadyDone(_l("Uppgiften är redan registrerad."), same)
    entry = AgreementEntry(
        initiative_id=initiative.id,
        kind=EntryKind(kind).value,
        created_by_id=getattr(actor, "id", None),
        **columns,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "agreement_entry_recorded",
        entry,
        actor=actor,
        changes={"initiative": [None, initiative.id], "kind": [None, entry.kind]}
        | {name: [None, _plain(value)] for name, value in columns.items() if value},
    )
    return entry


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def check_version(entry: AgreementEntry | None, expected: int | None) -> AgreementEntry:
    if entry is None or expected is None or expected != entry.version:
        raise EntryConflict()
    return entry


def update_entry(
    entry: AgreementEntry, values: dict[str, Any], *, expected_version: int | None, actor
) -> dict[str, list]:
    """Change the entry, if the person saw its current version. Returns what changed."""
    check_version(entry, expected_version)
    changes = audit.diff(entry, _values(entry.kind, values))
    if changes:
        audit.record("agreement_entry_changed", entry, actor=actor, changes=changes)
        db.session.flush()  # the version check (StaleDataError when a parallel edit won)
    return changes


def delete_entry(entry: AgreementEntry, *, expected_version: int | None, actor) -> None:
    check_version(entry, expected_version)
    audit.record(
        "agreement_entry_deleted",
        entry,
        actor=actor,
        changes={
            "initiative": [entry.initiative_id, None],
            "kind": [entry.kind, None],
            "title": [entry.title, None],
            "dated_on": [entry.dated_on.isoformat(), None],
        },
    )
    db.session.delete(entry)
    db.session.flush()


def entries_of(initiative: Initiative) -> list[AgreementEntry]:
    return list(
        db.session.scalars(
            select(AgreementEntry)
            .where(AgreementEntry.initiative_id == initiative.id)
            .order_by(AgreementEntry.dated_on.desc(), AgreementEntry.id.desc())
        )
    )
