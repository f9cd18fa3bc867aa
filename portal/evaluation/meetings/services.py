"""The rules of priority meetings and decisions: planning, the agenda, and recording a
decision (a phase changes only through phases.decide()).

Services never commit and never read the request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import audit
from portal.evaluation.models import (
    PHASE_LABELS,
    PILOT_OUTCOMES,
    AgendaItem,
    Decision,
    Initiative,
    Outcome,
    Phase,
    PriorityMeeting,
)
from portal.evaluation.phases import DECISIONS, DecisionNotAllowed, decide
from portal.evaluation.pilot_reports.rounds import require_report
from portal.evaluation.rules import (
    AlreadyDone,
    EvaluationRefused,
    lock,
    long_date,
    still_there,
)
from portal.extensions import db
from portal.reference.models import Portfolio
from portal.types import utcnow


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
    if not still_there(AgendaItem, item.id):
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
            or (latest.decided_on == decided_on and latest.recorded_at >= utcnow() - RESEND_WINDOW)
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
    if Outcome(outcome) in PILOT_OUTCOMES and initiative.phase == Phase.PILOT:
        require_report(initiative)  # said before the phase is asked for (decide() checks too)
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
