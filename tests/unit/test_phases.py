"""Every (phase, outcome, next phase) triple: allowed exactly as DECISIONS says."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest
from sqlalchemy import select

from portal.audit import AuditEntry
from portal.evaluation.models import PILOT_OUTCOMES, Decision, Initiative, Outcome, Phase
from portal.evaluation.phases import DECISIONS, DecisionNotAllowed, allowed, decide
from portal.evaluation.pilot_reports.rounds import PilotReportMissing
from portal.reference.models import FocusArea
from tests.process_factories import write_pilot_report

ALL = list(product(Phase, Outcome, Phase))
EXPECTED_ALLOWED = {
    (Phase.IDEA, Outcome.GO_ON, Phase.CONCEPT),
    (Phase.IDEA, Outcome.STAY, Phase.IDEA),
    (Phase.IDEA, Outcome.STOP, Phase.CLOSED),
    (Phase.CONCEPT, Outcome.GO_ON, Phase.PILOT),
    (Phase.CONCEPT, Outcome.STAY, Phase.CONCEPT),
    (Phase.CONCEPT, Outcome.BACK, Phase.IDEA),
    (Phase.CONCEPT, Outcome.STOP, Phase.CLOSED),
    (Phase.PILOT, Outcome.PILOT_FAILURE, Phase.PILOT),
    (Phase.PILOT, Outcome.PILOT_FAILURE, Phase.CONCEPT),
    (Phase.PILOT, Outcome.PILOT_PARTIAL, Phase.PILOT),
    (Phase.PILOT, Outcome.PILOT_SUCCESS, Phase.IMPLEMENTATION),
    (Phase.PILOT, Outcome.BACK, Phase.CONCEPT),
    (Phase.PILOT, Outcome.BACK, Phase.IDEA),
    (Phase.PILOT, Outcome.STOP, Phase.CLOSED),
    (Phase.IMPLEMENTATION, Outcome.GO_ON, Phase.FOLLOW_UP),
    (Phase.IMPLEMENTATION, Outcome.STAY, Phase.IMPLEMENTATION),
    (Phase.IMPLEMENTATION, Outcome.BACK, Phase.PILOT),
    (Phase.IMPLEMENTATION, Outcome.STOP, Phase.CLOSED),
    (Phase.FOLLOW_UP, Outcome.STAY, Phase.FOLLOW_UP),
    (Phase.FOLLOW_UP, Outcome.STOP, Phase.CLOSED),
}


def test_the_table_is_the_documented_process():
    table = {
        (p, o, n) for p, outcomes in DECISIONS.items() for o, ns in outcomes.items() for n in ns
    }
    assert table == EXPECTED_ALLOWED


def test_closed_is_final_and_every_open_phase_can_be_stopped():
    assert DECISIONS[Phase.CLOSED] == {}
    for phase in Phase:
        if phase != Phase.CLOSED:
            assert allowed(phase, Outcome.STOP, Phase.CLOSED)


def _initiative(phase: Phase) -> Initiative:
    from portal.extensions import db

    area = db.session.scalar(
        select(FocusArea).where(FocusArea.name == "Välmående och självständiga äldre")
    )
    initiative = Initiative(
        title="Promenadvänner", portfolio=area.portfolio, focus_area=area, phase=phase
    )
    db.session.add(initiative)
    db.session.flush()
    return initiative


@pytest.mark.parametrize(("phase", "outcome", "to_phase"), ALL)
def test_decide_allows_exactly_the_table(db, phase, outcome, to_phase):
    initiative = _initiative(phase)
    if outcome in PILOT_OUTCOMES:
        write_pilot_report(initiative, outcome)  # a pilot outcome needs the pilot's report
    if (phase, outcome, to_phase) in EXPECTED_ALLOWED:
        decision = decide(
            initiative,
            outcome=outcome,
            to_phase=to_phase,
            rationale=" Motivering ",
            decided_on=date(2026, 11, 23),
            actor=None,
        )
        db.session.flush()
        assert initiative.phase == to_phase
        assert (decision.from_phase, decision.to_phase, decision.outcome) == (
            phase,
            to_phase,
            outcome,
        )
        assert decision.rationale == "Motivering"
        stored = db.session.scalars(
            select(Decision).where(Decision.initiative_id == initiative.id)
        ).one()
        assert stored is decision and stored.id is not None
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == initiative.id)
        ).one()
        assert entry.changes["phase"] == [phase.value, to_phase.value]
    else:
        with pytest.raises(DecisionNotAllowed):
            decide(
                initiative,
                outcome=outcome,
                to_phase=to_phase,
                rationale="",
                decided_on=date(2026, 11, 23),
                actor=None,
            )
        assert initiative.phase == phase


@pytest.mark.parametrize("outcome", PILOT_OUTCOMES)
def test_a_pilot_outcome_needs_the_report_of_the_current_pilot(db, outcome):
    initiative = _initiative(Phase.PILOT)
    to_phase = next(iter(DECISIONS[Phase.PILOT][outcome]))
    with pytest.raises(PilotReportMissing):
        decide(initiative, outcome=outcome, to_phase=to_phase, rationale="Klart.",
               decided_on=date(2026, 11, 23), actor=None)  # fmt: skip
    assert initiative.phase == Phase.PILOT
    write_pilot_report(initiative, outcome)
    decide(initiative, outcome=outcome, to_phase=to_phase, rationale="Klart.",
           decided_on=date(2026, 11, 23), actor=None)  # fmt: skip
    assert initiative.phase == to_phase


def test_a_pilot_run_again_needs_a_report_of_its_own(db):
    initiative = _initiative(Phase.PILOT)
    write_pilot_report(initiative, Outcome.PILOT_PARTIAL)
    decide(initiative, outcome=Outcome.PILOT_PARTIAL, to_phase=Phase.PILOT, rationale="Igen.",
           decided_on=date(2026, 11, 23), actor=None)  # fmt: skip
    db.session.flush()
    with pytest.raises(PilotReportMissing):  # the first pilot's report is not this one's
        decide(initiative, outcome=Outcome.PILOT_SUCCESS, to_phase=Phase.IMPLEMENTATION,
               rationale="Klart.", decided_on=date(2026, 11, 24), actor=None)  # fmt: skip
