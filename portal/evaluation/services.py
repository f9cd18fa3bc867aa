"""The rules of the innovation process: initiatives, expert ratings, jäv; priority meetings,
decisions, funding and insights.

Services never commit and never read the request; each writes its audit entries and queues
its e-mail in the caller's transaction. A phase changes only through `phases.decide()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, extract, func, select, text, update

from portal import audit
from portal.accounts.models import Role, User
from portal.evaluation.models import (
    PHASE_LABELS,
    AgendaItem,
    ConflictOfInterest,
    Decision,
    FundingRequest,
    FundingStatus,
    Initiative,
    InnovationBudget,
    Insight,
    Mandate,
    Outcome,
    Phase,
    PriorityMeeting,
    Rating,
    RatingRequest,
)
from portal.evaluation.phases import DECISIONS, DecisionNotAllowed, decide
from portal.extensions import db
from portal.mail.services import queue_email
from portal.reference.models import Criterion, FocusArea, Portfolio
from portal.submissions.models import InitiativeType, SkFunction

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# --- initiatives and expert ratings ---------------------------------------------------------


class EvaluationRefused(Exception):
    """A rule stops this; `message` is for the person, in their language."""

    def __init__(self, message) -> None:
        super().__init__(message)  # lazy: rendered where it is shown, in that person's language
        self.message = message


class RatingLocked(EvaluationRefused):
    """The Core Team has decided on the concept at a priority meeting: ratings are final."""


# --- once per intent -------------------------------------------------------------------------
# The same form sent twice is stopped by its one-time key (portal/intents.py). What the key
# cannot see is the same intent sent with another key: Back and send again (the page is loaded
# anew, the browser restores the fields), a second tab, two people at once. Each service that
# creates something recognises that by its content, under a lock on the row it belongs to, so
# a parallel request waits and then finds what the first made.


class AlreadyDone(EvaluationRefused):
    """The same intent was carried out already; `done` is what it made. Nothing is done a
    second time: the person is shown `done`, with `message`."""

    def __init__(self, message, done) -> None:
        super().__init__(message)
        self.done = done


def lock(model, row_id: int) -> None:
    """Hold the row's lock until the transaction ends, so that a parallel request about the
    same thing waits here, then sees what this one made. PostgreSQL: FOR NO KEY UPDATE (rows
    that refer to it can still be inserted). SQLite has one writer at a time: a write takes
    the database's lock (FOR UPDATE is not rendered there)."""
    table = model.__table__
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            text(f"UPDATE {table.name} SET id = id WHERE id = :id"),  # noqa: S608 (a model's table)
            {"id": row_id},
        )
    else:
        db.session.execute(
            select(table.c.id).where(table.c.id == row_id).with_for_update(key_share=True)
        )


def stockholm_day(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a Stockholm calendar day starts and where the next one does."""
    start = datetime.combine(day, time.min, tzinfo=STOCKHOLM)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=STOCKHOLM)
    return start.astimezone(UTC), end.astimezone(UTC)


def long_date(day: date) -> str:
    return format_date(day, "long")


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
    title = title.strip()
    lock(Portfolio, focus_area.portfolio_id)
    start, end = stockholm_day(today)
    same = db.session.scalar(
        select(Initiative)
        .where(
            Initiative.portfolio_id == focus_area.portfolio_id,
            Initiative.title == title,
            Initiative.created_at >= start,
            Initiative.created_at < end,
        )
        .order_by(Initiative.id)
        .limit(1)
    )
    if same is not None:
        raise AlreadyDone(
            _l(
                "Initiativet ”%(title)s” skapades redan i dag i samma fokusområde. "
                "Du ser det här.",
                title=same.title,
            ),
            same,
        )
    initiative = Initiative(
        title=title,
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


def already_asked(experts: Sequence[User]):
    """The message for experts who were asked already (one name, or several)."""
    names = [e.name for e in experts]
    if len(names) == 1:
        return _l("%(name)s är redan ombedd att bedöma initiativet.", name=names[0])
    return _l(
        "%(names)s och %(last)s är redan ombedda att bedöma initiativet.",
        names=", ".join(names[:-1]),
        last=names[-1],
    )


@dataclass
class RatingRequests:
    made: list[RatingRequest]
    already: list[User]  # asked before (another tab, Back and send again): not asked again


def request_ratings(
    initiative: Initiative, experts: Sequence[User], *, actor: User
) -> RatingRequests:
    """Ask experts to rate a concept; each gets an e-mail with a link to the rating form.

    An expert asked already is not asked again (nor e-mailed); when every chosen expert was,
    AlreadyDone says so.
    """
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
    for expert in experts:
        if not expert.active or not expert.has_role(Role.EXPERT):
            raise EvaluationRefused(_l("%(name)s har inte rollen expert.", name=expert.name))
    lock(Initiative, initiative.id)
    already = [e for e in experts if find_request(initiative, e) is not None]
    if len(already) == len(experts):
        raise AlreadyDone(already_asked(already), already)
    made = []
    for expert in experts:
        if expert in already:
            continue
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
    return RatingRequests(made, already)


def _still_there(model, row_id: int) -> bool:
    """Whether the row exists now (after its lock: not the session's remembered copy)."""
    return db.session.scalar(select(model.id).where(model.id == row_id)) is not None


def remove_rating_request(request: RatingRequest, *, actor: User) -> None:
    """Take back a request, as long as the expert has not rated. Taken back already (a
    second tab, two people at once): AlreadyDone."""
    initiative, expert = request.initiative, request.expert
    lock(RatingRequest, request.id)  # the expert's rating waits, or this waits for it
    if not _still_there(RatingRequest, request.id):
        raise AlreadyDone(
            _l("Förfrågan till %(name)s är redan borttagen.", name=expert.name), None
        )
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
    request = find_request(initiative, expert)
    if request is not None:
        lock(RatingRequest, request.id)  # one rating or declaration at a time per expert
    if request is None or not _still_there(RatingRequest, request.id):
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
    request = find_request(initiative, actor)
    if request is not None:
        lock(RatingRequest, request.id)  # one rating or declaration at a time per expert
    if request is None or not _still_there(RatingRequest, request.id):
        raise EvaluationRefused(_l("Du är inte ombedd att bedöma det här initiativet."))
    declared = find_conflict(initiative, actor)
    if declared is not None:
        raise AlreadyDone(_l("Du har redan anmält jäv för det här initiativet."), declared)
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
    """A priority meeting on a day for a portfolio; the same day, portfolio and title again
    (Back and send again, two people at once) is the meeting already planned: AlreadyDone."""
    title = (title or "").strip()
    lock(Portfolio, portfolio.id)
    same = db.session.scalar(
        select(PriorityMeeting)
        .where(
            PriorityMeeting.held_on == held_on,
            PriorityMeeting.portfolio_id == portfolio.id,
            PriorityMeeting.title == title,
        )
        .order_by(PriorityMeeting.id)
        .limit(1)
    )
    if same is not None:
        raise AlreadyDone(_l("Primötet är redan planerat."), same)
    meeting = PriorityMeeting(
        held_on=held_on,
        portfolio=portfolio,
        title=title,
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
    lock(PriorityMeeting, meeting.id)  # one change of the agenda at a time
    on_agenda = db.session.scalar(
        select(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.initiative_id == initiative.id
        )
    )
    if on_agenda is not None:
        raise AlreadyDone(
            _l("”%(title)s” står redan på dagordningen.", title=initiative.title), on_agenda
        )
    if initiative.phase == Phase.CLOSED:
        raise EvaluationRefused(_l("Initiativet är avslutat och kan inte tas upp på primötet."))
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
    """Take an undecided item off the agenda (a decided one stays: it is in the minutes).
    Taken off already (a second tab, two people at once): AlreadyDone."""
    meeting = item.meeting
    lock(PriorityMeeting, meeting.id)  # one change of the agenda at a time
    if not _still_there(AgendaItem, item.id):
        raise AlreadyDone(
            _l("”%(title)s” är redan borttaget från dagordningen.", title=item.initiative.title),
            None,
        )
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


RESEND_WINDOW = timedelta(hours=24)


class Superseded(EvaluationRefused):
    """The decision was sent from a page that is out of date: the initiative has had another
    decision (`decision`) since the page was loaded. Nothing is recorded."""

    def __init__(self, message, decision: Decision) -> None:
        super().__init__(message)
        self.decision = decision


class PhaseNeeded(EvaluationRefused):
    """The outcome can lead to more than one phase: the person chooses which."""


class FutureDecision(EvaluationRefused):
    """A decision dated after today, outside a meeting."""


class MeetingNotHeld(EvaluationRefused):
    """The meeting has not been held yet: its decisions are not taken."""


def latest_decision(initiative: Initiative) -> Decision | None:
    """The decision recorded last (the one a page shows as the latest when it is loaded)."""
    return db.session.scalar(
        select(Decision)
        .where(Decision.initiative_id == initiative.id)
        .order_by(Decision.id.desc())
        .limit(1)
    )


def latest_decision_ids(initiative_ids: Sequence[int]) -> dict[int, int]:
    """{initiative id: id of its latest decision} in one query (those with none left out)."""
    if not initiative_ids:
        return {}
    return dict(
        db.session.execute(
            select(Decision.initiative_id, func.max(Decision.id))
            .where(Decision.initiative_id.in_(initiative_ids))
            .group_by(Decision.initiative_id)
        ).all()
    )


def _same_decision(decision: Decision, outcome: str, rationale: str, meeting) -> bool:
    return (
        decision.outcome == outcome
        and decision.rationale == rationale
        and decision.meeting_id == getattr(meeting, "id", None)
    )


def _decision_text(decision: Decision) -> dict:
    return {
        "outcome": decision.outcome_label,
        "from": PHASE_LABELS[Phase(decision.from_phase)],
        "to": PHASE_LABELS[Phase(decision.to_phase)],
        "date": long_date(decision.decided_on),
    }


def already_registered(decision: Decision):
    return _l(
        "Det här beslutet är redan registrerat: %(outcome)s (%(from)s → %(to)s), "
        "beslutat %(date)s.",
        **_decision_text(decision),
    )


def decided_since(decision: Decision):
    who = decision.recorded_by
    if who is not None and who.name:
        return _l(
            "Initiativet har fått ett annat beslut sedan du öppnade sidan: %(outcome)s "
            "(%(from)s → %(to)s), beslutat %(date)s och registrerat av %(name)s. "
            "Ditt beslut är inte registrerat.",
            name=who.name,
            **_decision_text(decision),
        )
    return _l(
        "Initiativet har fått ett annat beslut sedan du öppnade sidan: %(outcome)s "
        "(%(from)s → %(to)s), beslutat %(date)s. Ditt beslut är inte registrerat.",
        **_decision_text(decision),
    )


def meeting_not_held(meeting: PriorityMeeting):
    return _l(
        "Primötet hålls den %(date)s. Beslut registreras när mötet har hållits.",
        date=long_date(meeting.held_on),
    )


def record_decision(
    initiative: Initiative,
    *,
    outcome,
    to_phase=None,
    rationale: str,
    decided_on: date,
    actor,
    today: date,
    meeting: PriorityMeeting | None = None,
    latest_seen: int | None = None,
) -> Decision:
    """A Core Team (or process leader) decision, through phases.decide().

    At a meeting that has been held (its day has come), with the initiative on its agenda
    and not yet decided there; outside a meeting, dated today or earlier. `to_phase` may be
    left out when the outcome leads to one phase only.

    Once per intent: `latest_seen` is the id of the latest decision the person's page showed
    (0: none). A decision sent again — Back and send again, a second tab, two people at
    once — is recognised: the same outcome and rationale as the latest decision, either
    taken since the page was loaded or within RESEND_WINDOW on the same day, raises
    AlreadyDone; another decision taken since the page was loaded raises Superseded.
    Either way nothing is recorded. Every decision raises the initiative's version, so of
    two committed at once the second fails with StaleDataError (the caller rolls back and
    asks again, and then gets one of these answers).

    Raises phases.DecisionNotAllowed when the process does not allow the move.
    """
    rationale = (rationale or "").strip()
    if not rationale:
        raise EvaluationRefused(_l("Skriv en motivering till beslutet."))
    if meeting is not None and meeting.held_on > today:
        raise MeetingNotHeld(meeting_not_held(meeting))
    if meeting is None and decided_on > today:
        raise FutureDecision(_l("Beslutsdatumet kan inte ligga i framtiden."))
    if meeting is not None:
        lock(PriorityMeeting, meeting.id)  # the agenda does not change meanwhile
    latest = latest_decision(initiative)
    if latest is not None:
        since = latest_seen is not None and latest_seen != latest.id
        if _same_decision(latest, str(outcome), rationale, meeting) and (
            since
            or (
                latest.decided_on == decided_on
                and latest.recorded_at >= datetime.now(UTC) - RESEND_WINDOW
            )
        ):
            raise AlreadyDone(already_registered(latest), latest)
        if since:
            raise Superseded(decided_since(latest), latest)
    if meeting is not None:
        on_agenda = db.session.scalar(
            select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.initiative_id == initiative.id
            )
        )
        if on_agenda is None:
            raise EvaluationRefused(_l("Initiativet står inte på primötets dagordning."))
        if initiative.id in decided_initiative_ids(meeting):
            raise EvaluationRefused(_l("Primötet har redan fattat ett beslut om initiativet."))
    if not to_phase:
        targets = DECISIONS[Phase(initiative.phase)].get(Outcome(outcome), frozenset())
        if len(targets) > 1:
            raise PhaseNeeded(_l("Välj vilken fas initiativet ska gå till."))
        if not targets:
            raise DecisionNotAllowed(initiative.phase, outcome, initiative.phase)
        (to_phase,) = targets
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
    purpose = purpose.strip()
    lock(Initiative, initiative.id)
    same = db.session.scalar(
        select(FundingRequest)
        .where(
            FundingRequest.initiative_id == initiative.id,
            FundingRequest.status == FundingStatus.REQUESTED,
            FundingRequest.amount_kr == amount_kr,
            FundingRequest.purpose == purpose,
        )
        .order_by(FundingRequest.id)
        .limit(1)
    )
    if same is not None:  # Back and send again, or two people at once: one request
        raise AlreadyDone(
            _l(
                "Ansökan om %(amount)s med samma syfte är redan registrerad och väntar på "
                "beslut.",
                amount=format_kr_plain(amount_kr) + "\u00a0kr",
            ),
            same,
        )
    funding = FundingRequest(
        initiative_id=initiative.id,
        amount_kr=amount_kr,
        purpose=purpose,
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


class OwnRequest(EvaluationRefused):
    """Four eyes: the person who asked for the money does not decide on it."""


OWN_REQUEST = _l("Du har själv ansökt om medlen. Någon annan med mandat beslutar.")


def is_own_request(user, funding: FundingRequest) -> bool:
    return funding.requested_by_id is not None and funding.requested_by_id == getattr(
        user, "id", None
    )


def already_decided(funding: FundingRequest):
    """Who decided the request, how and when (for the one who was too late)."""
    verdict = _l("beviljad") if funding.status == FundingStatus.GRANTED else _l("avslagen")
    decider = db.session.get(User, funding.decided_by_id) if funding.decided_by_id else None
    if decider is not None and decider.name:
        return _l(
            "Ansökan är redan beslutad: %(verdict)s av %(name)s den %(date)s.",
            verdict=verdict,
            name=decider.name,
            date=long_date(funding.decided_on),
        )
    return _l(
        "Ansökan är redan beslutad: %(verdict)s den %(date)s.",
        verdict=verdict,
        date=long_date(funding.decided_on),
    )


def decide_funding(
    funding: FundingRequest, *, grant: bool, note: str, decided_on: date, actor
) -> FundingRequest:
    """Grant or reject; only someone holding the mandate the amount needs, and not the person
    who asked for the money (four eyes).

    Decided once: the status changes from "requested" in one conditional UPDATE, so of two
    decisions sent at once only one changes it (the database's row lock decides which); the
    other raises AlreadyDone saying who decided what and when. The audit entry and the
    e-mail to the requester are written only by the one that changed it.
    """
    if is_own_request(actor, funding):
        raise OwnRequest(OWN_REQUEST)
    if not can_decide_funding(actor, funding):
        raise MandateMissing(mandate_refusal(funding))
    status = FundingStatus.GRANTED if grant else FundingStatus.REJECTED
    changed = db.session.execute(
        update(FundingRequest)
        .where(
            FundingRequest.id == funding.id,
            FundingRequest.status == FundingStatus.REQUESTED,
        )
        .values(
            status=status,
            decided_on=decided_on,
            decided_by_id=getattr(actor, "id", None),
            decision_note=(note or "").strip(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(funding)
    if changed != 1:
        raise AlreadyDone(already_decided(funding), funding)
    audit.record(
        "funding_decided",
        funding,
        actor=actor,
        changes={
            "status": [FundingStatus.REQUESTED.value, funding.status],
            "decided_on": [None, decided_on.isoformat()],
        },
    )
    requester = db.session.get(User, funding.requested_by_id) if funding.requested_by_id else None
    if requester is not None and requester.active and requester.email:
        initiative = db.session.get(Initiative, funding.initiative_id)
        queue_email(
            requester.email,
            "funding_decided",
            _l(
                "Beslut om din ansökan om medel till ”%(title)s”",
                title=initiative.title,
            ),
            locale=requester.locale or "sv",
            requester=requester,
            funding=funding,
            initiative=initiative,
            granted=funding.status == FundingStatus.GRANTED,
            amount=format_kr_plain(funding.amount_kr) + "\u00a0kr",
            link=f"{current_app.config['BASE_URL']}/initiativ/{initiative.id}#finansiering",
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
    lock(Initiative, initiative.id)
    same = db.session.scalar(
        select(Insight)
        .where(
            Insight.initiative_id == initiative.id,
            Insight.noted_on == noted_on,
            Insight.text == text,
        )
        .order_by(Insight.id)
        .limit(1)
    )
    if same is not None:  # Back and send again, or two people at once: one insight
        raise AlreadyDone(_l("Insikten är redan registrerad."), same)
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


def sees_every_insight(user) -> bool:
    """Process support, the Core Team and admins see every insight; an expert only those of
    the initiatives they were asked to rate."""
    return user.has_role(Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN)


def insight_initiatives(user):
    """The initiatives whose insights `user` may read, as a subquery of ids; None: all."""
    if sees_every_insight(user):
        return None
    return select(RatingRequest.initiative_id).where(RatingRequest.expert_id == user.id)
