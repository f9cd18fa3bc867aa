"""The submission's state machine: every pair of states, allowed and forbidden."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from portal.audit import AuditEntry
from portal.submissions.models import State, Submission
from portal.triage.states import ALLOWED, TransitionNotAllowed, can_transition, transition

PAIRS = list(itertools.product(State, State))


def _register(submission: Submission) -> None:
    submission.reg_number, submission.reg_year, submission.reg_seq = "SK-2026-0001", 2026, 1


def test_allowed_covers_every_state():
    assert set(ALLOWED) == set(State)
    assert all(targets <= set(State) for targets in ALLOWED.values())


def test_nothing_goes_back_to_draft_and_final_states_are_final():
    assert all(State.DRAFT not in targets for targets in ALLOWED.values())
    assert ALLOWED[State.IN_PORTFOLIO] == frozenset()
    assert ALLOWED[State.WITHDRAWN] == frozenset()


@pytest.mark.parametrize(("current", "wanted"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition_allows_exactly_allowed(db, current, wanted):
    submission = Submission(state=current, resident_email="kim@example.org", title="T")
    if current != State.DRAFT:
        _register(submission)
    db.session.add(submission)
    db.session.flush()

    if wanted in ALLOWED[current]:
        assert can_transition(submission, wanted)
        transition(submission, wanted, actor=None)
        assert submission.state == wanted
        if current == State.DRAFT:
            _register(submission)  # what submit() does alongside the transition
        db.session.flush()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_id == submission.id))
        assert entry.action == f"state_{wanted.value}"
        assert entry.changes == {"state": [current.value, wanted.value]}
    else:
        assert not can_transition(submission, wanted)
        with pytest.raises(TransitionNotAllowed):
            transition(submission, wanted, actor=None)
        assert submission.state == current
        assert db.session.scalar(select(AuditEntry)) is None
