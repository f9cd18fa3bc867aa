"""The priority meeting's rules in the service itself (portal/evaluation/meetings/services.py),
each refusal with the message people read: the agenda, and decisions at and outside a
meeting. The pages that lead here are tested in tests/functional/test_meetings.py."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from portal.accounts.models import Role
from portal.evaluation.meetings import services
from portal.evaluation.models import Outcome, Phase
from portal.evaluation.rules import AlreadyDone, EvaluationRefused
from portal.extensions import db as _db
from tests.factories import make_user
from tests.process_factories import (
    make_initiative,
    make_meeting,
    put_on_agenda,
    write_pilot_report,
)

HELD = date(2026, 3, 12)
AFTER = date(2026, 3, 13)
CHILDREN = "Barn och unga"


def decide(initiative, **kwargs):
    values = {
        "outcome": Outcome.GO_ON,
        "to_phase": Phase.PILOT,
        "rationale": "Tydligt behov.",
        "decided_on": HELD,
        "today": AFTER,
        "actor": None,
    }
    return services.record_decision(initiative, **(values | kwargs))


def children_area_name() -> str:
    from sqlalchemy import select

    from portal.reference.models import FocusArea

    names = _db.session.scalars(select(FocusArea.name)).all()
    return next(n for n in names if "äldre" not in n)


def test_an_initiative_of_another_portfolio_is_refused_on_the_agenda(db):
    meeting = make_meeting()
    other = make_initiative("Skolgården", area_name=children_area_name())
    with pytest.raises(EvaluationRefused, match="hör inte till primötets portfölj"):
        services.add_to_agenda(meeting, other, actor=None)


def test_a_closed_initiative_is_refused_on_the_agenda(db):
    meeting = make_meeting()
    closed = make_initiative("Avslutat", phase=Phase.CLOSED)
    with pytest.raises(EvaluationRefused, match="avslutat"):
        services.add_to_agenda(meeting, closed, actor=None)
    assert meeting.items == []


def test_an_item_taken_off_twice_is_already_done(db):
    meeting = make_meeting()
    [item] = put_on_agenda(meeting, make_initiative())
    # Someone else took it off meanwhile (another tab): the row is gone, this page's is not.
    _db.session.connection().execute(
        text("DELETE FROM agenda_items WHERE id = :id"), {"id": item.id}
    )
    with pytest.raises(AlreadyDone, match="redan borttaget"):
        services.remove_from_agenda(item, actor=None)


def test_a_decision_needs_a_rationale_and_a_day_that_has_come(db):
    initiative = make_initiative()
    with pytest.raises(EvaluationRefused, match="motivering"):
        decide(initiative, rationale="   ")
    with pytest.raises(services.FutureDecision, match="framtiden"):
        decide(initiative, decided_on=date(2026, 3, 14))
    meeting = make_meeting(held_on=date(2026, 4, 1))
    put_on_agenda(meeting, initiative)
    with pytest.raises(services.MeetingNotHeld, match="Primötet hålls"):
        decide(initiative, meeting=meeting)
    assert initiative.phase == Phase.CONCEPT
    assert initiative.decisions == []


def test_a_meeting_decides_only_what_is_on_its_agenda_and_only_once(db):
    meeting = make_meeting(held_on=HELD)
    first, absent = make_initiative("Först"), make_initiative("Inte på dagordningen")
    put_on_agenda(meeting, first)
    with pytest.raises(EvaluationRefused, match="står inte på primötets dagordning"):
        decide(absent, meeting=meeting)
    decide(first, meeting=meeting)
    _db.session.commit()
    with pytest.raises(EvaluationRefused, match="redan fattat ett beslut"):
        decide(first, meeting=meeting, outcome=Outcome.STOP, to_phase=Phase.CLOSED)
    assert first.phase == Phase.PILOT


def test_a_decision_taken_since_the_page_was_loaded_names_who_recorded_it_when_known(db):
    initiative = make_initiative()
    core = make_user(roles={Role.CORE_TEAM}, name="Cecilia Core")
    earlier = decide(initiative, actor=None)
    _db.session.commit()
    message = str(services.decided_since(earlier))
    assert "beslutat" in message and "registrerat av" not in message
    write_pilot_report(initiative)
    later = decide(
        initiative,
        outcome=Outcome.PILOT_SUCCESS,
        to_phase=Phase.IMPLEMENTATION,
        actor=core,
        latest_seen=earlier.id,
    )
    _db.session.commit()
    assert "registrerat av Cecilia Core" in str(services.decided_since(later))
    with pytest.raises(services.Superseded):
        decide(initiative, outcome=Outcome.STOP, to_phase=Phase.CLOSED, latest_seen=earlier.id)
