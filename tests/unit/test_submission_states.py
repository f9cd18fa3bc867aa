"""The submission's state machine: every pair of states, allowed and forbidden, against a
table written here by hand from the process (not read from the table it tests)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from portal.audit import AuditEntry
from portal.submissions import states
from portal.submissions.models import State, Submission
from portal.submissions.states import ALLOWED, TransitionNotAllowed, can_transition, transition

PAIRS = list(itertools.product(State, State))
D, R, A, P = State.DRAFT, State.RECEIVED, State.AWAITING_INFO, State.IN_PORTFOLIO
DUP, DEC, W = State.DUPLICATE, State.DECLINED, State.WITHDRAWN
# Submit; ask for more and get it; the four triage outcomes from the inbox and from waiting;
# the submitter withdraws while it waits; a decline or a duplicate marking is undone.
EXPECTED = {
    (D, R),
    (R, A), (A, R),
    (R, P), (R, DUP), (R, DEC), (A, P), (A, DUP), (A, DEC),
    (R, W), (A, W),
    (DUP, R), (DEC, R),
}  # fmt: skip


def _register(submission: Submission) -> None:
    submission.reg_number, submission.reg_year, submission.reg_seq = "SK-2026-0001", 2026, 1


def test_the_table_is_the_process():
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == EXPECTED
    assert set(ALLOWED) == set(State)


def test_the_sets_read_off_the_table():
    assert {R, A} == states.OPEN
    assert {R, A} == states.WITHDRAWABLE
    assert {R, A} == states.COMPLETABLE
    assert {DUP, DEC} == states.REOPENABLE
    assert {P, W} == states.FINAL
    assert {DUP, DEC, W} == states.CLOSED


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

    if (current, wanted) in EXPECTED:
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
