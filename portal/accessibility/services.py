"""Read and change the accessibility statement; record the automated checks.

The statement follows Digg's model for a tillgänglighetsredogörelse: who is behind the
service, how far it complies with the DOS law (helt, delvis, inte förenlig), the known
shortcomings, how to give feedback, how the service was assessed and when, and the link to
Digg's complaint form. Until an admin saves it, the built-in defaults below are shown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.accessibility.models import AccessibilityCheck, AccessibilityStatement, Compliance
from portal.accounts.models import ROLE_LABELS, Role
from portal.extensions import db

DIGG_COMPLAINT_URL = "https://www.digg.se/tdosanmalan"
STATEMENT_ID = 1

COMPLIANCE_LABELS = {
    Compliance.FULL: _l("helt förenlig"),
    Compliance.PARTIAL: _l("delvis förenlig"),
    Compliance.NONE: _l("inte förenlig"),
}

DEFAULTS: dict[str, Any] = {
    "organisation": "Mälardalens universitet",
    "service_name": "Samhällskontraktets idéportal",
    "compliance": Compliance.PARTIAL,
    "shortcomings_sv": (
        "Bilagor som de som lämnar bidrag laddar upp (PDF-filer och bilder) granskas inte för "
        "tillgänglighet. En PDF kan sakna taggar och en bild kan sakna textalternativ. Be "
        "processtödet om innehållet i ett annat format om du inte kan läsa en bilaga.\n\n"
        "Om ett formulär skickas med filer som tillsammans är större än 55 MB visas en "
        "felsida och texten i formuläret behöver skrivas in igen."
    ),
    "shortcomings_en": (
        "Attachments uploaded by submitters (PDF files and images) are not checked for "
        "accessibility. A PDF may lack tags and an image may lack a text alternative. Ask "
        "process support for the content in another format if you cannot read an attachment."
        "\n\nIf a form is sent with files larger than 55 MB together, an error page is shown "
        "and the text of the form has to be entered again."
    ),
    "feedback_sv": (
        "Om du behöver innehåll från idéportalen i ett annat format, eller om du upptäcker "
        "problem som inte beskrivs här, hör av dig till processtödet. Vi svarar inom fem "
        "arbetsdagar."
    ),
    "feedback_en": (
        "If you need content from the idea portal in another format, or find problems not "
        "described here, contact process support. We answer within five working days."
    ),
    "contact_email": "samhallskontraktet@mdu.se",
    "method_sv": (
        "Vi har gjort en självskattning. Varje sida som en besökare kan nå, anonymt och i "
        "varje roll, granskas automatiskt med axe-core i webbläsaren Chromium mot WCAG 2.1 "
        "nivå A och AA innan en ny version tas i drift. Vi testar också manuellt med "
        "tangentbord, utan JavaScript och i 320 pixlars bredd."
    ),
    "method_en": (
        "We have made a self-assessment. Every page a visitor can reach, anonymously and in "
        "every role, is checked automatically with axe-core in the Chromium browser against "
        "WCAG 2.1 levels A and AA before a new version is put into service. We also test "
        "manually with the keyboard, without JavaScript and at 320 pixels width."
    ),
    "published_on": date(2026, 11, 23),
    "assessed_on": date(2026, 11, 24),
}
EDITABLE = tuple(DEFAULTS)


class StatementConflict(Exception):
    """Someone else saved the statement after the editor loaded it."""


def current_statement() -> AccessibilityStatement | SimpleNamespace:
    """The saved statement, or the built-in defaults (version 0) before the first save."""
    row = db.session.get(AccessibilityStatement, STATEMENT_ID)
    if row is not None:
        return row
    return SimpleNamespace(**DEFAULTS, id=None, version=0, updated_at=None, updated_by_id=None)


def localised(statement, name: str) -> str:
    """A free-text part in the reader's language (Swedish when the English one is empty)."""
    lang = get_locale().language if get_locale() else "sv"
    text = getattr(statement, f"{name}_{lang}", "") if lang in ("sv", "en") else ""
    return text or getattr(statement, f"{name}_sv")


def save_statement(*, actor: Any, expected_version: int, **fields: Any) -> AccessibilityStatement:
    """Save the statement; StatementConflict if it changed since `expected_version`."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if fields.get("compliance") not in Compliance.ALL:
        raise ValueError("compliance")
    row = db.session.get(AccessibilityStatement, STATEMENT_ID)
    stored_version = row.version if row is not None else 0
    if expected_version != stored_version:
        raise StatementConflict()
    created = row is None
    if created:
        row = AccessibilityStatement(id=STATEMENT_ID, **DEFAULTS)
        db.session.add(row)
    values = {k: v.replace("\r\n", "\n") if isinstance(v, str) else v for k, v in fields.items()}
    changes = audit.diff(row, values)
    row.updated_by_id = actor.id
    db.session.flush()
    audit.record(
        "accessibility_statement_updated",
        row,
        actor=actor,
        changes={k: ["…", "…"] if k.endswith(("_sv", "_en")) else v for k, v in changes.items()},
    )
    return row


def record_check(report: dict[str, Any]) -> AccessibilityCheck:
    """Store one automated check from its report (the browser crawl writes it as JSON).

    The report: {"checked_at": ISO time, "tool": "axe-core 4.14.1", "standard": "WCAG 2.1 A/AA",
    "pages": n, "roles": [...], "violations": n}. Raises ValueError on anything else.
    """
    try:
        checked_at = datetime.fromisoformat(str(report["checked_at"]))
        check = AccessibilityCheck(
            checked_at=checked_at if checked_at.tzinfo else checked_at.replace(tzinfo=UTC),
            tool=str(report["tool"])[:80],
            standard=str(report["standard"])[:80],
            pages=int(report["pages"]),
            roles=[str(r)[:40] for r in report.get("roles", [])][:20],
            violations=int(report["violations"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not an accessibility report: {error}") from error
    if check.pages < 0 or check.violations < 0:
        raise ValueError("not an accessibility report: negative counts")
    db.session.add(check)
    return check


def role_names(keys: list[str]) -> list[str]:
    """The roles a check was run as, in words ("anonymous" is a visitor not logged in)."""

    known = {role.value: label for role, label in ROLE_LABELS.items() if isinstance(role, Role)}
    return [
        str(_l("besökare som inte loggat in")) if key == "anonymous" else str(known.get(key, key))
        for key in keys
    ]


def latest_check() -> AccessibilityCheck | None:
    return db.session.scalars(
        select(AccessibilityCheck).order_by(AccessibilityCheck.checked_at.desc()).limit(1)
    ).first()
