"""The rules of the innovation process: initiatives, expert ratings, jäv; priority meetings,
decisions, funding and insights.

Services never commit and never read the request; each writes its audit entries and queues
its e-mail in the caller's transaction. A phase changes only through `phases.decide()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, extract, func, select

from portal import audit
from portal.accounts.models import Role, User
from portal.evaluation.models import (
    AgendaItem,
    ConflictOfInterest,
    Decision,
    FundingRequest,
    FundingStatus,
    Initiative,
    InnovationBudget,
    Insight,
    Mandate,
    Phase,
    PriorityMeeting,
    Rating,
    RatingRequest,
)
from portal.evaluation.phases import decide
from portal.extensions import db
from portal.mail.services import queue_email
from portal.reference.models import Criterion, FocusArea, Portfolio
from portal.submissions.models import InitiativeType, SkFunction

# --- initiatives and expert ratings ---------------------------------------------------------


class EvaluationRefused(Exception):
    """A rule stops this; `message` is for the person, in their language."""

    def __init__(self, message) -> None:
        super().__init__(message)  # lazy: rendered where it is shown, in that person's language
        self.message = message


class RatingLocked(EvaluationRefused):
    """The Core Team has decided on the concept at a priority meeting: ratings are final."""


def create_initiative(
    *,
    title: str,
    summary: str,
    focus_area: FocusArea,
    sk_function: str | None,
    initiative_type: str | None,
    actor: User,
    today: date,
) -> Initiative:
    """An initiative straight into a portfolio in Idéfas, without a submission behind it."""
    if not focus_area.in_force_on(today):
        raise EvaluationRefused(_l("Välj ett fokusområde som gäller i dag."))
    if sk_function is not None:
        SkFunction(sk_function)
    if initiative_type is not None:
        InitiativeType(initiative_type)
    initiative = Initiative(
        title=title.strip(),
        summary=summary.strip(),
        portfolio=focus_area.portfolio,
        focus_area=focus_area,
        phase=Phase.IDEA,
        sk_function=sk_function,
        initiative_type=initiative_type,
        created_by_id=actor.id,
    )
    db.session.add(initiative)
    db.session.flush()
    audit.record(
        "initiative_created",
        initiative,
        actor=actor,
        changes={
            "title": [None, initiative.title],
            "focus_area": [None, focus_area.name],
            "phase": [None, Phase.IDEA.value],
        },
    )
    return initiative


def ratings_locked(initiative: Initiative) -> bool:
    """Locked once the Core Team decided on the concept at a priority meeting."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Decision.initiative_id == initiative.id,
                    Decision.from_phase == Phase.CONCEPT.value,
                    Decision.meeting_id.is_not(None),
                )
            )
        )
    )


def locked_ids(initiative_ids: Sequence[int]) -> set[int]:
    if not initiative_ids:
        return set()
    return set(
        db.session.scalars(
            select(Decision.initiative_id)
            .where(
                Decision.initiative_id.in_(initiative_ids),
                Decision.from_phase == Phase.CONCEPT.value,
                Decision.meeting_id.is_not(None),
            )
            .distinct()
        )
    )


def find_request(initiative: Initiative, expert: User) -> RatingRequest | None:
    return db.session.scalar(
        select(RatingRequest).where(
            RatingRequest.initiative_id == initiative.id, RatingRequest.expert_id == expert.id
        )
    )


def find_conflict(initiative: Initiative, expert: User) -> ConflictOfInterest | None:
    return db.session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.initiative_id == initiative.id,
            ConflictOfInterest.expert_id == expert.id,
        )
    )


def ratings_by(initiative: Initiative, expert: User) -> dict[int, Rating]:
    """The expert's ratings of the initiative, by criterion id."""
    return {
        r.criterion_id: r
        for r in db.session.scalars(
            select(Rating).where(
                Rating.initiative_id == initiative.id, Rating.expert_id == expert.id
            )
        )
    }


def request_ratings(
    initiative: Initiative, experts: Sequence[User], *, actor: User
) -> list[RatingRequest]:
    """Ask experts to rate a concept; each gets an e-mail with a link to the rating form."""
    if initiative.phase != Phase.CONCEPT:
        raise EvaluationRefused(
            _l(
                "Experter kan bara ombes bedöma initiativ i Konceptfas. "
                "Initiativet är i %(phase)s.",
                phase=initiative.phase_label,
            )
        )
    if not experts:
        raise EvaluationRefused(_l("Välj minst en expert."))
    made = []
    for expert in experts:
        if not expert.active or not expert.has_role(Role.EXPERT):
            raise EvaluationRefused(_l("%(name)s har inte rollen expert.", name=expert.name))
        if find_request(initiative, expert) is not None:
            raise EvaluationRefused(
                _l("%(name)s är redan ombedd att bedöma initiativet.", name=expert.name)
            )
        request = RatingRequest(
            initiative=initiative, expert_id=expert.id, requested_by_id=actor.id
        )
        db.session.add(request)
        db.session.flush()
        audit.record(
            "rating_requested", initiative, actor=actor, changes={"expert": [None, expert.name]}
        )
        queue_email(
            expert.email,
            "rating_request",
            _l("Bedöm initiativet ”%(title)s”", title=initiative.title),
            locale=expert.locale or "sv",
            expert=expert,
            initiative=initiative,
            link=f"{current_app.config['BASE_URL']}/initiativ/{initiative.id}/bedomning",
        )
        made.append(request)
    return made


def remove_rating_request(request: RatingRequest, *, actor: User) -> None:
    """Take back a request, as long as the expert has not rated."""
    initiative, expert = request.initiative, request.expert
    if ratings_by(initiative, expert):
        raise EvaluationRefused(
            _l(
                "%(name)s har redan bedömt initiativet. Förfrågan kan inte tas bort.",
                name=expert.name,
            )
        )
    db.session.delete(request)
    audit.record(
        "rating_request_removed", initiative, actor=actor, changes={"expert": [expert.name, None]}
    )


@dataclass(frozen=True)
class CriterionRating:
    criterion: Criterion
    score: int
    comment: str


def _may_rate(initiative: Initiative, expert: User) -> None:
    if find_request(initiative, expert) is None:
        raise EvaluationRefused(_l("Du är inte ombedd att bedöma det här initiativet."))
    if find_conflict(initiative, expert) is not None:
        raise EvaluationRefused(_l("Du har anmält jäv och kan inte bedöma initiativet."))
    if ratings_locked(initiative):
        raise RatingLocked(
            _l("Bedömningarna är låsta: Core Team har fattat beslut om konceptet på ett primöte.")
        )


def save_rating(initiative: Initiative, ratings: Sequence[CriterionRating], *, actor: User) -> bool:
    """Create or update the expert's rating of every criterion. True if anything changed."""
    _may_rate(initiative, actor)
    all_criteria = {c.id for c in db.session.scalars(select(Criterion))}
    given = {r.criterion.id for r in ratings}
    if given != all_criteria or len(ratings) != len(all_criteria):
        raise EvaluationRefused(_l("Ge ett betyg från 1 till 5 för varje kriterium."))
    if any(not 1 <= r.score <= 5 for r in ratings):
        raise EvaluationRefused(_l("Betygen går från 1 till 5."))
    existing = ratings_by(initiative, actor)
    changes: dict[str, list] = {}
    for r in ratings:
        row = existing.get(r.criterion.id)
        comment = (r.comment or "").strip()
        if row is None:
            db.session.add(
                Rating(
                    initiative_id=initiative.id,
                    expert_id=actor.id,
                    criterion_id=r.criterion.id,
                    score=r.score,
                    comment=comment,
                )
            )
            changes[r.criterion.key] = [None, r.score]
        else:
            if row.score != r.score:
                changes[r.criterion.key] = [row.score, r.score]
            if row.comment != comment:
                changes[f"{r.criterion.key}_comment"] = [row.comment or None, comment or None]
            row.score, row.comment = r.score, comment
    if changes:
        audit.record("rated", initiative, actor=actor, changes=changes)
    return bool(changes)


def declare_conflict(initiative: Initiative, reason: str, *, actor: User) -> ConflictOfInterest:
    """Jäv: on record; the expert's ratings of the initiative, if any, are deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationRefused(_l("Skriv varför du är jävig."))
    if find_request(initiative, actor) is None:
        raise EvaluationRefused(_l("Du är inte ombedd att bedöma det här initiativet."))
    if find_conflict(initiative, actor) is not None:
        raise EvaluationRefused(_l("Du har redan anmält jäv för det här initiativet."))
    if ratings_locked(initiative):
        raise RatingLocked(
            _l(
                "Bedömningarna är låsta efter primötets beslut. "
                "Kontakta processtödet om du har ett jäv."
            )
        )
    old = ratings_by(initiative, actor)
    if old:
        db.session.execute(
            delete(Rating).where(
                Rating.initiative_id == initiative.id, Rating.expert_id == actor.id
            )
        )
        audit.record(
            "ratings_deleted_for_conflict",
            initiative,
            actor=actor,
            changes={r.criterion.key: [r.score, None] for r in old.values()},
        )
    conflict = ConflictOfInterest(initiative_id=initiative.id, expert_id=actor.id, reason=reason)
    db.session.add(conflict)
    db.session.flush()
    audit.record("conflict_declared", initiative, actor=actor, changes={"reason": [None, reason]})
    return conflict


# --- meetings, decisions, funding, insights --------------------------------------------------
# Priority meetings (primöten), decisions, pilot money against the innovation budget and
# insights: the part of the process after the ratings.


def plan_meeting(*, held_on: date, portfolio: Portfolio, title: str = "", actor) -> PriorityMeeting:
    meeting = PriorityMeeting(
        held_on=held_on,
        portfolio=portfolio,
        title=(title or "").strip(),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting_planned",
        meeting,
        actor=actor,
        changes={"held_on": [None, held_on.isoformat()], "portfolio": [None, portfolio.id]},
    )
    return meeting


def decided_initiative_ids(meeting: PriorityMeeting) -> set[int]:
    return set(
        db.session.scalars(select(Decision.initiative_id).where(Decision.meeting_id == meeting.id))
    )


def add_to_agenda(meeting: PriorityMeeting, initiative: Initiative, *, actor) -> AgendaItem:
    """Put an open initiative of the meeting's portfolio last on the agenda."""
    if initiative.portfolio_id != meeting.portfolio_id:
        raise EvaluationRefused(_l("Initiativet hör inte till primötets portfölj."))
    if initiative.phase == Phase.CLOSED:
        raise EvaluationRefused(_l("Initiativet är avslutat och kan inte tas upp på primötet."))
    on_agenda = db.session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.initiative_id == initiative.id
        )
    )
    if on_agenda is not None:
        raise EvaluationRefused(_l("Initiativet står redan på dagordningen."))
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    item = AgendaItem(
        meeting_id=meeting.id,
        initiative_id=initiative.id,
        position=0 if last is None else last + 1,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        "agenda_item_added",
        meeting,
        actor=actor,
        changes={"initiative": [None, initiative.id]},
    )
    return item


def remove_from_agenda(item: AgendaItem, *, actor) -> None:
    """Take an undecided item off the agenda (a decided one stays: it is in the minutes)."""
    meeting = item.meeting
    if item.initiative_id in decided_initiative_ids(meeting):
        raise EvaluationRefused(
            _l("Det finns redan ett beslut om initiativet på det här primötet; punkten står kvar.")
        )
    audit.record(
        "agenda_item_removed",
        meeting,
        actor=actor,
        changes={"initiative": [item.initiative_id, None]},
    )
    db.session.delete(item)
    db.session.flush()


# --- decisions ---------------------------------------------------------------------------------


def record_decision(
    initiative: Initiative,
    *,
    outcome,
    to_phase,
    rationale: str,
    decided_on: date,
    actor,
    meeting: PriorityMeeting | None = None,
) -> Decision:
    """A Core Team (or process leader) decision, through phases.decide().

    At a meeting, the initiative must be on the agenda and not yet decided there.
    Raises phases.DecisionNotAllowed when the process does not allow the move.
    """
    if not (rationale or "").strip():
        raise EvaluationRefused(_l("Skriv en motivering till beslutet."))
    if meeting is not None:
        on_agenda = any(i.initiative_id == initiative.id for i in meeting.items)
        if not on_agenda:
            raise EvaluationRefused(_l("Initiativet står inte på primötets dagordning."))
        if initiative.id in decided_initiative_ids(meeting):
            raise EvaluationRefused(_l("Primötet har redan fattat ett beslut om initiativet."))
    decision = decide(
        initiative,
        outcome=outcome,
        to_phase=to_phase,
        rationale=rationale,
        decided_on=decided_on,
        actor=actor,
        meeting=meeting,
    )
    db.session.flush()
    return decision


# --- funding -------------------------------------------------------------------------------------

PROJECT_LEADER_LIMIT = 50_000
PROCESS_LEADER_LIMIT = 200_000
MAX_AMOUNT = 1_000_000_000  # the column is a 32-bit integer; no pilot asks for more

MANDATE_RANK = {Mandate.PROJECT_LEADER: 1, Mandate.PROCESS_LEADER: 2, Mandate.BOARD: 3}
MANDATE_OF_ROLE = {
    Role.PROJECT_LEADER: Mandate.PROJECT_LEADER,
    Role.PROCESS_LEADER: Mandate.PROCESS_LEADER,
    Role.BOARD: Mandate.BOARD,
}
MANDATE_LABELS = {
    Mandate.PROJECT_LEADER: _l("Projektledare (upp till 50 000 kr)"),
    Mandate.PROCESS_LEADER: _l("Processledare (upp till 200 000 kr)"),
    Mandate.BOARD: _l("Styrelsen (över 200 000 kr)"),
}
FUNDING_STATUS_LABELS = {
    FundingStatus.REQUESTED: _l("Inväntar beslut"),
    FundingStatus.GRANTED: _l("Beviljad"),
    FundingStatus.REJECTED: _l("Avslagen"),
}


def mandate_for(amount_kr: int) -> Mandate:
    """Who decides (agreement appendix 1, §4): ≤ 50 000 kr, ≤ 200 000 kr, above that."""
    if amount_kr <= PROJECT_LEADER_LIMIT:
        return Mandate.PROJECT_LEADER
    if amount_kr <= PROCESS_LEADER_LIMIT:
        return Mandate.PROCESS_LEADER
    return Mandate.BOARD


def highest_mandate(user) -> Mandate | None:
    if not getattr(user, "is_authenticated", False):
        return None
    held = [m for role, m in MANDATE_OF_ROLE.items() if user.has_role(role)]
    return max(held, key=MANDATE_RANK.__getitem__) if held else None


def can_decide_funding(user, request: FundingRequest) -> bool:
    """A higher mandate may always decide what a lower one may."""
    mine = highest_mandate(user)
    return mine is not None and MANDATE_RANK[mine] >= MANDATE_RANK[Mandate(request.mandate)]


def request_funding(
    initiative: Initiative,
    *,
    amount_kr: int,
    purpose: str,
    period_start: date,
    period_end: date,
    actor,
) -> FundingRequest:
    if initiative.phase == Phase.CLOSED:
        raise EvaluationRefused(_l("Initiativet är avslutat; det går inte att söka medel för det."))
    if not 0 < amount_kr <= MAX_AMOUNT:
        raise EvaluationRefused(_l("Beloppet måste vara ett positivt heltal kronor."))
    if period_end < period_start:
        raise EvaluationRefused(_l("Periodens slut kan inte ligga före dess början."))
    funding = FundingRequest(
        initiative_id=initiative.id,
        amount_kr=amount_kr,
        purpose=purpose.strip(),
        period_start=period_start,
        period_end=period_end,
        mandate=mandate_for(amount_kr),
        status=FundingStatus.REQUESTED,
        requested_by_id=getattr(actor, "id", None),
    )
    db.session.add(funding)
    db.session.flush()
    audit.record(
        "funding_requested",
        funding,
        actor=actor,
        changes={
            "initiative": [None, initiative.id],
            "amount_kr": [None, amount_kr],
            "mandate": [None, funding.mandate],
        },
    )
    return funding


class MandateMissing(EvaluationRefused):
    pass


def decide_funding(
    funding: FundingRequest, *, grant: bool, note: str, decided_on: date, actor
) -> FundingRequest:
    """Grant or reject; only someone holding the mandate the amount needs."""
    if funding.status != FundingStatus.REQUESTED:
        raise EvaluationRefused(_l("Ansökan är redan beslutad."))
    if not can_decide_funding(actor, funding):
        raise MandateMissing(mandate_refusal(funding))
    funding.status = FundingStatus.GRANTED if grant else FundingStatus.REJECTED
    funding.decided_on = decided_on
    funding.decided_by_id = getattr(actor, "id", None)
    funding.decision_note = (note or "").strip()
    db.session.flush()
    audit.record(
        "funding_decided",
        funding,
        actor=actor,
        changes={
            "status": [FundingStatus.REQUESTED.value, funding.status],
            "decided_on": [None, decided_on.isoformat()],
        },
    )
    return funding


def mandate_refusal(funding: FundingRequest):
    return _l(
        "Du har inte mandat att besluta om %(amount)s kr. Beslutet fattas av: %(who)s.",
        amount=format_kr_plain(funding.amount_kr),
        who=MANDATE_LABELS[Mandate(funding.mandate)],
    )


def format_kr_plain(amount: int) -> str:
    """50 000 (a no-break space between thousands, whatever the language)."""
    return f"{amount:,}".replace(",", "\u00a0")


@dataclass(frozen=True)
class BudgetYear:
    year: int
    budget_kr: int | None  # None: the admin has not set a budget for the year
    granted_kr: int
    requested_kr: int  # still waiting for a decision (any year)

    @property
    def left_kr(self) -> int | None:
        return None if self.budget_kr is None else self.budget_kr - self.granted_kr

    def overshoot_if_granted(self, amount_kr: int) -> int:
        """How many kronor over the budget granting `amount_kr` this year would be (0: none)."""
        if self.budget_kr is None:
            return 0
        return max(0, self.granted_kr + amount_kr - self.budget_kr)


def granted_in(year: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(FundingRequest.amount_kr), 0)).where(
                FundingRequest.status == FundingStatus.GRANTED,
                extract("year", FundingRequest.decided_on) == year,
            )
        )
        or 0
    )


def budget_year(year: int) -> BudgetYear:
    budget = db.session.get(InnovationBudget, year)
    requested = db.session.scalar(
        select(func.coalesce(func.sum(FundingRequest.amount_kr), 0)).where(
            FundingRequest.status == FundingStatus.REQUESTED
        )
    )
    return BudgetYear(
        year=year,
        budget_kr=budget.amount_kr if budget else None,
        granted_kr=granted_in(year),
        requested_kr=int(requested or 0),
    )


def budget_years() -> list[BudgetYear]:
    """Every year with a budget or a grant, newest first (granted summed in one query)."""
    year_col = extract("year", FundingRequest.decided_on)
    granted = {
        int(y): int(total)
        for y, total in db.session.execute(
            select(year_col, func.sum(FundingRequest.amount_kr))
            .where(FundingRequest.status == FundingStatus.GRANTED)
            .group_by(year_col)
        )
    }
    budgets = {b.year: b.amount_kr for b in db.session.scalars(select(InnovationBudget))}
    return [
        BudgetYear(year, budgets.get(year), granted.get(year, 0), 0)
        for year in sorted(set(granted) | set(budgets), reverse=True)
    ]


def set_budget(year: int, amount_kr: int, *, actor) -> InnovationBudget:
    budget = db.session.get(InnovationBudget, year)
    old = budget.amount_kr if budget else None
    if budget is None:
        budget = InnovationBudget(year=year, amount_kr=amount_kr)
        db.session.add(budget)
    else:
        budget.amount_kr = amount_kr
    db.session.flush()
    audit.record(
        "budget_set",
        budget,
        actor=actor,
        changes={"year": [None, year], "amount_kr": [old, amount_kr]},
    )
    return budget


# --- insights --------------------------------------------------------------------------------


def record_insight(initiative: Initiative, *, noted_on: date, text: str, actor) -> Insight:
    """A lesson or "Halleluja moment" on an initiative."""
    text = (text or "").strip()
    if not text:
        raise EvaluationRefused(_l("Skriv insikten."))
    insight = Insight(
        initiative_id=initiative.id,
        noted_on=noted_on,
        text=text,
        author_id=getattr(actor, "id", None),
    )
    db.session.add(insight)
    db.session.flush()
    audit.record(
        "insight_recorded",
        insight,
        actor=actor,
        changes={"initiative": [None, initiative.id], "noted_on": [None, noted_on.isoformat()]},
    )
    return insight
