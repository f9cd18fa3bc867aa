"""The publication rules: what of an initiative anyone may see, in one place.

The public page, the feed and the search index all take their text from here, so a field that
is not public cannot reach any of them through another door.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select, union
from sqlalchemy.orm import aliased

from portal.calls.models import Call
from portal.evaluation.models import Decision, Initiative, Insight, Phase, PilotReport
from portal.evaluation.pilot_reports.sections import SECTIONS as PILOT_REPORT_SECTIONS
from portal.extensions import db
from portal.hub.models import Publication
from portal.reference.canvas import CANVAS_FIELDS, FIELDS_BY_KEY
from portal.reference.models import Party
from portal.submissions.models import Submission, submission_links
from portal.types import utcnow

SUMMARY = "summary"
# "Ansvarig" holds names and contact details by definition: it is never offered for the hub.
# The canvas's own project name is not offered either: the initiative's name is always shown.
NEVER_PUBLIC = frozenset({"responsible", "title"})
PUBLISHABLE: tuple[str, ...] = (
    SUMMARY,
    *(f.key for f in CANVAS_FIELDS if f.key not in NEVER_PUBLIC),
)
ONGOING = tuple(p for p in Phase if p != Phase.CLOSED)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def today() -> date:
    return utcnow().astimezone(STOCKHOLM).date()


# --- decisions dated after today -------------------------------------------------------------
# A decision is public from its date on. One dated after today (as the portal once stored for
# a priority meeting not yet held) is not shown anywhere public, and until its day the
# initiative is shown in the phase that decision starts from, not in the one it leads to.


def phase_as_of(day: date) -> ColumnElement[str]:
    """The initiative's phase as the public knows it on `day` (a correlated SQL expression:
    the hub's phase filter and sort, the showroom's columns)."""
    later = (
        select(Decision.from_phase)
        .where(Decision.initiative_id == Initiative.id, Decision.decided_on > day)
        .order_by(Decision.decided_on, Decision.id)
        .limit(1)
        .correlate(Initiative)
        .scalar_subquery()
    )
    return func.coalesce(later, Initiative.phase)


def public_phases(initiatives: Iterable[Initiative], day: date | None = None) -> dict[int, str]:
    """{initiative id: its phase as the public knows it today}, in one query."""
    initiatives = list(initiatives)
    phases = {i.id: i.phase for i in initiatives}
    if not phases:
        return phases
    day = day or today()
    ahead = db.session.execute(
        select(Decision.initiative_id, Decision.from_phase)
        .where(Decision.initiative_id.in_(list(phases)), Decision.decided_on > day)
        .order_by(Decision.initiative_id, Decision.decided_on.desc(), Decision.id.desc())
    )
    for initiative_id, from_phase in ahead:  # the earliest decision ahead is written last
        phases[initiative_id] = from_phase
    return phases


def field_label(key: str):
    return _l("Sammanfattning") if key == SUMMARY else FIELDS_BY_KEY[key].label


def publication_of(initiative: Initiative) -> Publication | None:
    return db.session.get(Publication, initiative.id)


def is_public(initiative: Initiative) -> bool:
    publication = publication_of(initiative)
    return publication is not None and publication.published


def published_ids() -> Select:
    return select(Publication.initiative_id).where(Publication.published.is_(True))


def published_clause() -> ColumnElement[bool]:
    """WHERE: the initiative is published now (every public query carries it)."""
    return Initiative.id.in_(published_ids())


def published_initiative(initiative_id: int) -> Initiative | None:
    """The initiative if it is published, else None (the caller answers 404 either way)."""
    return db.session.scalar(
        select(Initiative).where(Initiative.id == initiative_id, published_clause())
    )


@dataclass(frozen=True)
class PublicField:
    key: str
    label: object
    text: str


def public_fields(initiative: Initiative, publication: Publication | None) -> list[PublicField]:
    """The texts published for the initiative, in the canvas's order; empty ones left out."""
    if publication is None or not publication.published:
        return []
    chosen = set(publication.public_fields or ())
    origin = initiative.origin_submission
    fields = []
    for key in PUBLISHABLE:
        if key not in chosen:
            continue
        text = initiative.summary if key == SUMMARY else (getattr(origin, key) if origin else "")
        if text and text.strip():
            fields.append(PublicField(key, field_label(key), text.strip()))
    return fields


def public_insights(initiative: Initiative) -> list[Insight]:
    return list(
        db.session.scalars(
            select(Insight)
            .where(Insight.initiative_id == initiative.id, Insight.public.is_(True))
            .order_by(Insight.noted_on.desc(), Insight.id.desc())
        )
    )


def searchable_text(initiative: Initiative, publication: Publication | None) -> tuple[str, str]:
    """(title, body) for the search index: the name, the public fields, published insights."""
    if publication is None or not publication.published:
        return "", ""
    parts = [f.text for f in public_fields(initiative, publication)]
    parts += [i.text for i in public_insights(initiative)]
    return initiative.title, "\n\n".join(parts)


@dataclass(frozen=True)
class PublicPilotReport:
    pilot_round: int
    parts: list[tuple[object, str]]  # (heading, text): only the parts marked public


def public_pilot_reports(initiative: Initiative) -> list[PublicPilotReport]:
    """The public parts of the initiative's pilot reports (none until it is published)."""
    if not is_public(initiative):
        return []
    shown = []
    for report in db.session.scalars(
        select(PilotReport)
        .where(PilotReport.initiative_id == initiative.id)
        .order_by(PilotReport.pilot_round)
    ):
        chosen = set(report.public_parts or ())
        parts = []
        for key, section in PILOT_REPORT_SECTIONS.items():
            if key not in chosen:
                continue
            if key == "outcome":
                parts.append(
                    (_l("Utfall"), f"{report.outcome_label}\n\n{report.outcome_reason}".strip())
                )
            else:
                parts.append((section.label, getattr(report, section.column)))
        if parts:
            shown.append(PublicPilotReport(report.pilot_round, parts))
    return shown


@dataclass(frozen=True)
class PublicDecision:
    decided_on: object
    outcome_label: str
    from_phase: str
    to_phase: str
    rationale: str | None  # None: not published


def public_decisions(initiative: Initiative) -> list[PublicDecision]:
    """Every decision dated today or earlier (date, outcome, phases); the rationale only
    where it is published."""
    return [
        PublicDecision(
            d.decided_on,
            d.outcome_label,
            d.from_phase,
            d.to_phase,
            d.rationale if d.rationale_public and d.rationale else None,
        )
        for d in db.session.scalars(
            select(Decision)
            .where(Decision.initiative_id == initiative.id, Decision.decided_on <= today())
            .order_by(Decision.decided_on, Decision.id)
        )
    ]


def participant_pairs(initiative_ids: Iterable[int] | Select) -> Select:
    """(initiative_id, party_id) of the organisations taking part: the party of the origin
    submission's submitter, the host party of its call, and the parties of the submissions
    that follow it as duplicates. Never a person."""
    origin = aliased(Submission)
    duplicate = aliased(Submission)
    ids = initiative_ids if isinstance(initiative_ids, Select) else list(initiative_ids)
    own = (
        select(Initiative.id.label("initiative_id"), origin.party_id.label("party_id"))
        .join(origin, origin.id == Initiative.origin_submission_id)
        .where(Initiative.id.in_(ids), origin.party_id.is_not(None))
    )
    host = (
        select(Initiative.id, Call.host_party_id)
        .join(origin, origin.id == Initiative.origin_submission_id)
        .join(Call, Call.id == origin.call_id)
        .where(Initiative.id.in_(ids))
    )
    followers = (
        select(Initiative.id, duplicate.party_id)
        .join(duplicate, duplicate.duplicate_of_id == Initiative.origin_submission_id)
        .where(Initiative.id.in_(ids), duplicate.party_id.is_not(None))
    )
    return union(own, host, followers)


def participants(initiative: Initiative) -> list[Party]:
    pairs = participant_pairs([initiative.id]).subquery()
    return list(
        db.session.scalars(
            select(Party).where(Party.id.in_(select(pairs.c.party_id))).order_by(Party.name)
        )
    )


def submitter_name(initiative: Initiative, publication: Publication | None) -> str | None:
    """The submitter's own name, only if they consented and process support chose to show it."""
    origin = initiative.origin_submission
    if (
        origin is None
        or publication is None
        or not publication.published
        or not publication.show_submitter_name
        or not origin.consent_named_publicly
    ):
        return None
    return origin.contact_name or None


def related_initiatives(initiative: Initiative) -> list[Initiative]:
    """Published initiatives whose origin submissions process support marked as related."""
    origin_id = initiative.origin_submission_id
    if origin_id is None:
        return []
    links = submission_links.c
    low = select(links.high_id).where(links.low_id == origin_id)
    high = select(links.low_id).where(links.high_id == origin_id)
    return list(
        db.session.scalars(
            select(Initiative)
            .where(Initiative.origin_submission_id.in_(low.union(high)), published_clause())
            .order_by(Initiative.title, Initiative.id)
        )
    )


@dataclass
class PublicInitiative:
    """Everything the public page shows of one initiative, and nothing more."""

    initiative: Initiative
    publication: Publication
    phase: str  # as the public knows it today
    fields: list[PublicField]
    decisions: list[PublicDecision]
    insights: list[Insight]
    parties: list[Party]
    from_resident: bool
    submitter_name: str | None
    related: list[Initiative]
    related_phases: dict[int, str]
    pilot_reports: list[PublicPilotReport]


def public_initiative(initiative: Initiative) -> PublicInitiative | None:
    publication = publication_of(initiative)
    if publication is None or not publication.published:
        return None
    origin = initiative.origin_submission
    related = related_initiatives(initiative)
    return PublicInitiative(
        initiative=initiative,
        publication=publication,
        phase=public_phases([initiative])[initiative.id],
        fields=public_fields(initiative, publication),
        decisions=public_decisions(initiative),
        insights=public_insights(initiative),
        parties=participants(initiative),
        from_resident=origin is not None and origin.is_resident,
        submitter_name=submitter_name(initiative, publication),
        related=related,
        related_phases=public_phases(related),
        pilot_reports=public_pilot_reports(initiative),
    )
