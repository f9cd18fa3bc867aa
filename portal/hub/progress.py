"""What became of a submission, as its submitter may read it: the milestones of their own
timeline (/mina-inlamningar/<id>, /mitt-bidrag/<token>).

The submitter sees what was decided about *their* submission and, once it is an initiative,
what the public may learn of the initiative, a little earlier than the public: every Core
Team decision (date, outcome, phases), its rationale only where process support published it
(Decision.rationale_public, the same switch the hub page reads, portal/hub/public.py), pilot
money granted (amount and day), and the hub page while the initiative is published. Nothing
internal is read at all: no expert ratings, no jäv, no internal notes, no funding decision
notes, no names of staff. A decision dated after today is not shown, as in the hub.

It lives in the hub because it reads the publication rules, which sit above the innovation
process and the submissions; the submissions' pages get it through a template helper
(views.py registers `progress_of`). Four queries at most, whatever the history's length.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.audit import AuditEntry
from portal.calls.services import slugify
from portal.evaluation.models import (
    PHASE_LABELS,
    Decision,
    FundingRequest,
    FundingStatus,
    Initiative,
    Outcome,
    Phase,
)
from portal.evaluation.templating import format_kr
from portal.extensions import db
from portal.hub.models import Publication
from portal.hub.public import today
from portal.reference.models import FocusArea
from portal.submissions.milestones import Milestone, MilestoneKind
from portal.submissions.models import State, Submission
from portal.types import stockholm_day

K = MilestoneKind
PILOT_OUTCOMES = frozenset({Outcome.PILOT_FAILURE, Outcome.PILOT_PARTIAL, Outcome.PILOT_SUCCESS})


def milestones_for(submission: Submission) -> list[Milestone]:
    """The submission's milestones, oldest first: its own path through triage, then the
    initiative it became. A draft has none."""
    if submission.state == State.DRAFT:
        return []
    entries = _triage_milestones(submission)
    if submission.state == State.IN_PORTFOLIO:
        entries += _initiative_milestones(submission)
    return sorted(entries, key=_order)


def _order(m: Milestone) -> tuple:
    """By day; within a day, moments before what is decided on the day (a decision on the day
    a submission was taken in comes after it), moments in time order."""
    if isinstance(m.at, datetime):
        return (stockholm_day(m.at), 0, m.at.timestamp())
    return (m.at, 1, 0.0)


# --- the submission ---------------------------------------------------------------------


def _new(changes: dict[str, Any], key: str) -> Any:
    pair = changes.get(key)
    return pair[1] if isinstance(pair, list | tuple) and len(pair) == 2 else None


# The audit actions the submitter is told about that read the same every time: the kind, the
# sentence, and the change whose new value is shown as written (the question, the reason).
PLAIN_ACTIONS = {
    "info_requested": (
        K.INFO_REQUESTED,
        _l("Processtödet behövde veta mer och frågade:"),
        "info_request",
    ),
    "declined": (K.DECLINED, _l("Ditt bidrag går inte vidare. Skälet:"), "decline_reason"),
    "reopened": (
        K.REOPENED,
        _l("Beslutet ändrades: processtödet går igenom ditt bidrag igen."),
        None,
    ),
    "withdrawn": (K.WITHDRAWN, _l("Du återkallade ditt bidrag."), None),
    "duplicate_marked": (
        K.DUPLICATE,
        _l("Något mycket likt fanns redan: ditt bidrag följer en tidigare."),
        None,
    ),
}
PLAIN_ACTIONS["duplicate_repointed"] = PLAIN_ACTIONS["duplicate_marked"]
SHOWN_ACTIONS = ("submitted", "completed_by_submitter", "accepted", *PLAIN_ACTIONS)


def _received(at: datetime, number: str | None) -> Milestone:
    return Milestone(
        K.RECEIVED, at, str(_l("Ditt bidrag kom in och fick nummer %(number)s.", number=number))
    )


def _triage_milestones(submission: Submission) -> list[Milestone]:
    """From the submission's audit entries (one query): only the actions the submitter is told
    about, and of each only the public text (the question, the answer, the reason)."""
    rows = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == Submission.__tablename__,
            AuditEntry.object_id == submission.id,
            AuditEntry.action.in_(SHOWN_ACTIONS),
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    out = [_triage_milestone(entry, submission) for entry in rows]
    if not any(m.kind == K.RECEIVED for m in out) and submission.submitted_at is not None:
        # Registered without an audit entry (bulk seeding): the columns still say when.
        out.insert(0, _received(submission.submitted_at, submission.reg_number))
    if submission.state == State.DUPLICATE:
        out = _point_last_duplicate(submission, out)
    return out


def _triage_milestone(entry: AuditEntry, submission: Submission) -> Milestone:
    changes = entry.changes or {}
    if entry.action in PLAIN_ACTIONS:
        kind, text, quoted = PLAIN_ACTIONS[entry.action]
        quote = (_new(changes, quoted) or "") if quoted else ""
        return Milestone(kind, entry.at, str(text), quote=quote)
    if entry.action == "submitted":
        return _received(entry.at, _new(changes, "reg_number") or submission.reg_number)
    if entry.action == "accepted":
        portfolio = _new(changes, "portfolio")
        text = (
            _l("Ditt bidrag togs in i portföljen för %(area)s.", area=portfolio)
            if portfolio
            else _l("Ditt bidrag togs in i en portfölj.")
        )
        return Milestone(K.IN_PORTFOLIO, entry.at, str(text), phase=str(PHASE_LABELS[Phase.IDEA]))
    # completed_by_submitter: an answer to a question, or an addition unasked
    answer = _new(changes, "info_answer") or ""
    back_from_question = changes.get("state") == [State.AWAITING_INFO.value, State.RECEIVED.value]
    if answer:
        return Milestone(K.INFO_GIVEN, entry.at, str(_l("Du svarade:")), quote=answer)
    kind = K.INFO_GIVEN if back_from_question else K.COMPLETED
    return Milestone(kind, entry.at, str(_l("Du kompletterade ditt bidrag.")))


def _point_last_duplicate(submission: Submission, entries: list[Milestone]) -> list[Milestone]:
    """The duplicate marking in force says what the submission follows, in public terms."""
    target = following(submission)
    if target is None:
        return entries
    for i in range(len(entries) - 1, -1, -1):
        if entries[i].kind == K.DUPLICATE:
            m = entries[i]
            entries[i] = Milestone(
                m.kind, m.at, target.text, link_url=target.url, link_text=target.link_text
            )
            break
    return entries


class Following:
    """What a duplicate follows, as its submitter may see it: the hub page of the initiative
    the earlier submission became, when it is published; otherwise only its focus area."""

    def __init__(self, *, area: str | None, title: str | None, url: str | None) -> None:
        self.area, self.title, self.url = area, title, url

    @property
    def text(self) -> str:
        if self.url:
            return str(
                _l(
                    "Något mycket likt fanns redan. Ditt bidrag följer nu initiativet "
                    "”%(title)s” i fokusområdet %(area)s.",
                    title=self.title,
                    area=self.area,
                )
            )
        if self.area:
            return str(
                _l(
                    "Något mycket likt fanns redan. Ditt bidrag följer nu en tidigare "
                    "inlämning i fokusområdet %(area)s.",
                    area=self.area,
                )
            )
        return str(
            _l("Något mycket likt fanns redan. Ditt bidrag följer nu en tidigare inlämning.")
        )

    @property
    def link_text(self) -> str | None:
        return str(_l("Läs om initiativet i hubben")) if self.url else None


def following(submission: Submission) -> Following | None:
    """What the duplicate follows (one query), never the other person's text or name."""
    if submission.state != State.DUPLICATE or submission.duplicate_of_id is None:
        return None
    filed_in = aliased(FocusArea)
    taken_into = aliased(FocusArea)
    row = db.session.execute(
        select(filed_in.name, taken_into.name, Initiative, Publication.published)
        .select_from(Submission)
        .outerjoin(filed_in, filed_in.id == Submission.focus_area_id)
        .outerjoin(Initiative, Initiative.origin_submission_id == Submission.id)
        .outerjoin(taken_into, taken_into.id == Initiative.focus_area_id)
        .outerjoin(Publication, Publication.initiative_id == Initiative.id)
        .where(Submission.id == submission.duplicate_of_id)
    ).first()
    if row is None:
        return None
    filed_area, initiative_area, initiative, published = row
    if initiative is not None and published:
        return Following(area=initiative_area, title=initiative.title, url=_hub_url(initiative))
    return Following(area=initiative_area or filed_area, title=None, url=None)


def _hub_url(initiative: Initiative) -> str:
    return url_for("hub.initiative", initiative_id=initiative.id, slug=slugify(initiative.title))


# --- the initiative it became -------------------------------------------------------------


def _initiative_milestones(submission: Submission) -> list[Milestone]:
    row = db.session.execute(
        select(Initiative, Publication)
        .outerjoin(Publication, Publication.initiative_id == Initiative.id)
        .where(Initiative.origin_submission_id == submission.id)
    ).first()
    if row is None:
        return []
    initiative, publication = row
    day = today()
    out = [
        _decision_milestone(d)
        for d in db.session.scalars(
            select(Decision)
            .where(Decision.initiative_id == initiative.id, Decision.decided_on <= day)
            .order_by(Decision.decided_on, Decision.id)
        )
    ]
    for amount, decided_on in db.session.execute(
        select(FundingRequest.amount_kr, FundingRequest.decided_on)
        .where(
            FundingRequest.initiative_id == initiative.id,
            FundingRequest.status == FundingStatus.GRANTED,
            FundingRequest.decided_on <= day,
        )
        .order_by(FundingRequest.decided_on, FundingRequest.id)
    ):
        out.append(
            Milestone(
                K.FUNDING_GRANTED,
                decided_on,
                str(
                    _l(
                        "Initiativet fick %(amount)s i pilotmedel.",
                        amount=format_kr(amount),
                    )
                ),
            )
        )
    if publication is not None and publication.published:
        out.append(
            Milestone(
                K.PUBLISHED,
                publication.first_published_at or publication.published_at,
                str(_l("Initiativet ”%(title)s” visas i hubben.", title=initiative.title)),
                link_url=_hub_url(initiative),
                link_text=str(_l("Läs om initiativet i hubben")),
            )
        )
    return out


def _decision_milestone(decision: Decision) -> Milestone:
    outcome, to_phase = Outcome(decision.outcome), Phase(decision.to_phase)
    if outcome in PILOT_OUTCOMES:
        kind = K.PILOT_OUTCOME
    elif to_phase == Phase.CLOSED:
        kind = K.CLOSED
    elif decision.from_phase != decision.to_phase:
        kind = K.PHASE_CHANGE
    else:
        kind = K.DECISION
    if decision.from_phase == decision.to_phase:
        text = _l(
            "Core Team beslutade: %(outcome)s. Initiativet är kvar i %(phase)s.",
            outcome=decision.outcome_label,
            phase=PHASE_LABELS[to_phase],
        )
    elif to_phase == Phase.CLOSED:
        text = _l("Core Team beslutade: %(outcome)s.", outcome=decision.outcome_label)
    else:
        text = _l(
            "Core Team beslutade: %(outcome)s. Initiativet gick från %(old)s till %(new)s.",
            outcome=decision.outcome_label,
            old=PHASE_LABELS[Phase(decision.from_phase)],
            new=PHASE_LABELS[to_phase],
        )
    rationale = decision.rationale if decision.rationale_public else ""
    return Milestone(
        kind,
        decision.decided_on,
        str(text),
        quote=(rationale or "").strip(),
        phase=str(PHASE_LABELS[to_phase]),
    )
