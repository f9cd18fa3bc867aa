"""The innovation process: the one door for an initiative's phase (Labbets arbetsprocess).

Every phase change is a recorded Decision. DECISIONS lists, per current phase, which outcome
may lead to which phase; `decide()` checks it, moves the initiative, records the decision and
writes the audit entry.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm.attributes import flag_modified

from portal import audit
from portal.evaluation import signals
from portal.evaluation.models import PILOT_OUTCOMES, Decision, Initiative, Outcome, Phase
from portal.evaluation.pilot_reports.rounds import require_report
from portal.extensions import db

# current phase → {outcome: allowed next phases}
DECISIONS: dict[Phase, dict[Outcome, frozenset[Phase]]] = {
    Phase.IDEA: {
        Outcome.GO_ON: frozenset({Phase.CONCEPT}),
        Outcome.STAY: frozenset({Phase.IDEA}),
        Outcome.STOP: frozenset({Phase.CLOSED}),
    },
    Phase.CONCEPT: {
        Outcome.GO_ON: frozenset({Phase.PILOT}),
        Outcome.STAY: frozenset({Phase.CONCEPT}),
        Outcome.BACK: frozenset({Phase.IDEA}),
        Outcome.STOP: frozenset({Phase.CLOSED}),
    },
    Phase.PILOT: {
        # Misslyckande: much learnt, a follow-up sprint (a new pilot, or back to the concept).
        Outcome.PILOT_FAILURE: frozenset({Phase.PILOT, Phase.CONCEPT}),
        # Framgång med brister: change and test again.
        Outcome.PILOT_PARTIAL: frozenset({Phase.PILOT}),
        # Total framgång: ready for implementation.
        Outcome.PILOT_SUCCESS: frozenset({Phase.IMPLEMENTATION}),
        Outcome.BACK: frozenset({Phase.CONCEPT, Phase.IDEA}),
        Outcome.STOP: frozenset({Phase.CLOSED}),
    },
    Phase.IMPLEMENTATION: {
        Outcome.GO_ON: frozenset({Phase.FOLLOW_UP}),
        Outcome.STAY: frozenset({Phase.IMPLEMENTATION}),
        Outcome.BACK: frozenset({Phase.PILOT}),  # redo
        Outcome.STOP: frozenset({Phase.CLOSED}),
    },
    Phase.FOLLOW_UP: {
        Outcome.STAY: frozenset({Phase.FOLLOW_UP}),
        Outcome.STOP: frozenset({Phase.CLOSED}),
    },
    Phase.CLOSED: {},
}


class DecisionNotAllowed(Exception):
    def __init__(self, phase: str, outcome: str, to_phase: str) -> None:
        super().__init__(f"{phase}: {outcome} → {to_phase} is not allowed")
        self.phase, self.outcome, self.to_phase = phase, outcome, to_phase


def allowed(phase: Phase | str, outcome: Outcome | str, to_phase: Phase | str) -> bool:
    options = DECISIONS[Phase(phase)].get(Outcome(outcome), frozenset())
    return Phase(to_phase) in options


def decide(
    initiative: Initiative,
    *,
    outcome: Outcome | str,
    to_phase: Phase | str,
    rationale: str,
    decided_on: date,
    actor,
    meeting=None,
) -> Decision:
    """Record a decision and move the initiative to `to_phase` if the process allows it.

    A pilot's outcome (Misslyckande, Framgång med brister, Total framgång) needs the pilot's
    report first: without it, PilotReportMissing (pilot_reports/rounds.py)."""
    current = Phase(initiative.phase)
    outcome, to_phase = Outcome(outcome), Phase(to_phase)
    if not allowed(current, outcome, to_phase):
        raise DecisionNotAllowed(current, outcome, to_phase)
    if outcome in PILOT_OUTCOMES:
        require_report(initiative)
    decision = Decision(
        initiative=initiative,
        meeting=meeting,
        decided_on=decided_on,
        from_phase=current,
        to_phase=to_phase,
        outcome=outcome,
        rationale=rationale.strip(),
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(decision)
    initiative.phase = to_phase
    # Written even when the phase stays: every decision raises the initiative's version, so
    # of two decisions committed at once on the same version the second fails (StaleDataError).
    flag_modified(initiative, "phase")
    audit.record(
        "decision",
        initiative,
        actor=actor,
        changes={
            "phase": [current.value, to_phase.value],
            "outcome": [None, outcome.value],
            "meeting": [None, getattr(meeting, "id", None)],
        },
    )
    signals.decision_recorded.send(decision)
    return decision
