"""Factories for the innovation process tests: initiatives, meetings, ratings, funding."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.evaluation.funding.services import mandate_for
from portal.evaluation.models import (
    AgendaItem,
    FundingRequest,
    Initiative,
    InnovationBudget,
    Phase,
    PilotReport,
    PriorityMeeting,
    Rating,
)
from portal.extensions import db
from portal.reference.models import Criterion, FocusArea

ELDERLY = "Välmående och självständiga äldre"


def area(name: str = ELDERLY) -> FocusArea:
    found = db.session.scalar(select(FocusArea).where(FocusArea.name == name))
    assert found is not None, name
    return found


def make_initiative(
    title: str = "Promenadvänner", phase: Phase = Phase.CONCEPT, area_name: str = ELDERLY
) -> Initiative:
    a = area(area_name)
    initiative = Initiative(
        title=title,
        summary=f"Sammanfattning av {title}.",
        portfolio=a.portfolio,
        focus_area=a,
        phase=phase,
    )
    db.session.add(initiative)
    db.session.commit()
    return initiative


def make_meeting(held_on: date = date(2026, 3, 12), area_name: str = ELDERLY, title: str = ""):
    meeting = PriorityMeeting(held_on=held_on, portfolio=area(area_name).portfolio, title=title)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def put_on_agenda(meeting: PriorityMeeting, *initiatives: Initiative) -> list[AgendaItem]:
    start = len(meeting.items)
    items = [
        AgendaItem(meeting_id=meeting.id, initiative_id=i.id, position=start + k)
        for k, i in enumerate(initiatives)
    ]
    db.session.add_all(items)
    db.session.commit()
    return items


def rate_all(initiative: Initiative, expert, score: int = 4) -> None:
    for criterion in db.session.scalars(select(Criterion)):
        db.session.add(
            Rating(
                initiative_id=initiative.id,
                expert_id=expert.id,
                criterion_id=criterion.id,
                score=score,
            )
        )
    db.session.commit()


def make_funding(initiative: Initiative, amount_kr: int, **kwargs) -> FundingRequest:
    funding = FundingRequest(
        initiative_id=initiative.id,
        amount_kr=amount_kr,
        purpose=kwargs.pop("purpose", "Pilot med äldre."),
        period_start=kwargs.pop("period_start", date(2026, 4, 1)),
        period_end=kwargs.pop("period_end", date(2026, 9, 30)),
        mandate=mandate_for(amount_kr),
        **kwargs,
    )
    db.session.add(funding)
    db.session.commit()
    return funding


def set_budget(year: int, amount_kr: int) -> None:
    db.session.add(InnovationBudget(year=year, amount_kr=amount_kr))
    db.session.commit()


def write_pilot_report(initiative: Initiative, outcome: str = "pilot_success", actor=None):
    """The report of the pilot the initiative is in now (a pilot outcome needs it first)."""
    from portal.evaluation.pilot_reports.rounds import pilot_round

    report = PilotReport(
        initiative_id=initiative.id,
        pilot_round=pilot_round(initiative),
        tested_what="Promenader i grupp under fyra veckor.",
        tested_with="Tolv äldre i Råby.",
        measurement="Enkät före och efter.",
        results="Nio av tolv kände sig mindre ensamma.",
        outcome=outcome,
        outcome_reason="Behovet möttes.",
        lessons="Gå på förmiddagen.",
        public_parts=[],
        written_by_id=getattr(actor, "id", None),
    )
    db.session.add(report)
    db.session.flush()
    return report
