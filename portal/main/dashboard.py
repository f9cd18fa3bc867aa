"""What waits for the logged-in person, for the start page: each part only for the roles it
belongs to, so no role sees another's work.

Every part is a fixed number of statements whatever the amount of data (counts in SQL, lists
cut at LIST_LENGTH, one meeting with its agenda loaded in one more statement), so the start
page costs the same with ten submissions as with a hundred thousand
(tests/functional/test_home.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Role
from portal.evaluation.funding.services import MANDATE_RANK, highest_mandate
from portal.evaluation.models import (
    AgendaItem,
    ConflictOfInterest,
    Decision,
    FundingRequest,
    FundingStatus,
    Initiative,
    Phase,
    PilotReport,
    PriorityMeeting,
    Rating,
    RatingRequest,
)
from portal.evaluation.permissions import DECIDERS
from portal.extensions import db
from portal.permissions import has_any
from portal.submissions.models import State, Submission
from portal.triage.counts import kept_totals

LIST_LENGTH = 5


@dataclass
class Listed:
    """A count and the first few of what it counts."""

    count: int = 0
    items: list = field(default_factory=list)


@dataclass
class Waiting:
    drafts: Listed | None = None  # employees: their own drafts
    info_requested: Listed | None = None  # employees: their submissions awaiting completion
    to_triage: int | None = None  # process support: received, not yet triaged
    awaiting_info: int | None = None  # process support: waiting for a submitter
    to_rate: Listed | None = None  # experts: initiatives they were asked to rate, not rated yet
    next_meeting: PriorityMeeting | None = None  # the Core Team (and process support)
    shows_meeting: bool = False
    to_decide: int | None = None  # funding requests within the person's mandate
    to_report: Listed | None = None  # owners: their pilots still without a pilot report

    @property
    def anything(self) -> bool:
        return any(
            (
                self.drafts and self.drafts.count,
                self.info_requested and self.info_requested.count,
                self.to_triage,
                self.awaiting_info,
                self.to_rate and self.to_rate.count,
                self.next_meeting,
                self.to_decide,
                self.to_report and self.to_report.count,
            )
        )


def _own(user, state: State) -> Listed:
    mine = (Submission.submitter_id == user.id, Submission.state == state.value)
    count = db.session.scalar(select(func.count()).select_from(Submission).where(*mine)) or 0
    items = (
        db.session.scalars(
            select(Submission)
            .where(*mine)
            .order_by(Submission.updated_at.desc(), Submission.id.desc())
            .limit(LIST_LENGTH)
        ).all()
        if count
        else []
    )
    return Listed(count, list(items))


def _to_rate(user) -> Listed:
    """Requests to this expert with no rating of theirs, no jäv declared, and no Core Team
    decision out of Konceptfas yet (then rating is closed)."""
    request = RatingRequest
    todo = select(request).where(
        request.expert_id == user.id,
        ~exists().where(Rating.initiative_id == request.initiative_id, Rating.expert_id == user.id),
        ~exists().where(
            ConflictOfInterest.initiative_id == request.initiative_id,
            ConflictOfInterest.expert_id == user.id,
        ),
        ~exists().where(
            Decision.initiative_id == request.initiative_id,
            Decision.from_phase == Phase.CONCEPT.value,
            Decision.meeting_id.is_not(None),
        ),
    )
    count = db.session.scalar(select(func.count()).select_from(todo.subquery())) or 0
    items = (
        db.session.scalars(
            select(Initiative)
            .join(request, request.initiative_id == Initiative.id)
            .where(request.id.in_(todo.with_only_columns(request.id).scalar_subquery()))
            .order_by(request.requested_at.desc(), request.id.desc())
            .limit(LIST_LENGTH)
        ).all()
        if count
        else []
    )
    return Listed(count, list(items))


def _next_meeting(today: date) -> PriorityMeeting | None:
    return db.session.scalar(
        select(PriorityMeeting)
        .where(PriorityMeeting.held_on >= today)
        .order_by(PriorityMeeting.held_on, PriorityMeeting.id)
        .options(selectinload(PriorityMeeting.items).joinedload(AgendaItem.initiative))
        .limit(1)
    )


def _to_decide(user) -> int:
    mine = highest_mandate(user)
    within = [m.value for m, rank in MANDATE_RANK.items() if rank <= MANDATE_RANK[mine]]
    return (
        db.session.scalar(
            select(func.count())
            .select_from(FundingRequest)
            .where(
                FundingRequest.status == FundingStatus.REQUESTED.value,
                FundingRequest.mandate.in_(within),
            )
        )
        or 0
    )


def _to_report(user) -> Listed:
    """The initiatives the person owns (evaluation.permissions.is_owner) that are in Pilotfas
    with no report for the pilot they are in (its round: the decisions into Pilotfas)."""
    this_round = (
        select(func.count(Decision.id))
        .where(Decision.initiative_id == Initiative.id, Decision.to_phase == Phase.PILOT.value)
        .correlate(Initiative)
        .scalar_subquery()
    )
    own_submissions = select(Submission.id).where(Submission.submitter_id == user.id)
    todo = (
        Initiative.phase == Phase.PILOT.value,
        Initiative.origin_submission_id.in_(own_submissions)
        | (Initiative.origin_submission_id.is_(None) & (Initiative.created_by_id == user.id)),
        ~exists().where(
            PilotReport.initiative_id == Initiative.id, PilotReport.pilot_round == this_round
        ),
    )
    count = db.session.scalar(select(func.count(Initiative.id)).where(*todo)) or 0
    items = (
        db.session.scalars(
            select(Initiative)
            .where(*todo)
            .order_by(Initiative.title, Initiative.id)
            .limit(LIST_LENGTH)
        ).all()
        if count
        else []
    )
    return Listed(count, list(items))


def waiting_for(user, today: date) -> Waiting:
    waiting = Waiting()
    waiting.to_report = _to_report(user)
    if user.has_role(Role.EMPLOYEE):
        waiting.drafts = _own(user, State.DRAFT)
        waiting.info_requested = _own(user, State.AWAITING_INFO)
    if user.has_role(Role.PROCESS_SUPPORT):
        totals = kept_totals()
        waiting.to_triage = totals.get(State.RECEIVED.value, 0)
        waiting.awaiting_info = totals.get(State.AWAITING_INFO.value, 0)
    if user.has_role(Role.EXPERT):
        waiting.to_rate = _to_rate(user)
    if has_any(user, DECIDERS):
        waiting.shows_meeting = True
        waiting.next_meeting = _next_meeting(today)
    if highest_mandate(user) is not None:
        waiting.to_decide = _to_decide(user)
    return waiting
