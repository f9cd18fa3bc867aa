"""A submission's states: the one table of moves (ALLOWED), the one door that makes them
(transition), and the sets the rest of the portal asks about, read off the table.

    draft ─► received ◄─► awaiting_info          (the submitter's; triage's inbox)
               │ ▲            │
               ▼ │            ▼
      duplicate, declined   in_portfolio, withdrawn   (decided; the first two can be undone)

Submitting, completing, withdrawing and every triage action go through `transition()`, which
refuses a move the table does not hold and writes the audit entry. `State` itself is in
models.py with the labels people read.
"""

from __future__ import annotations

from portal import audit
from portal.submissions.models import State, Submission

ALLOWED: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.RECEIVED}),
    State.RECEIVED: frozenset(
        {State.AWAITING_INFO, State.IN_PORTFOLIO, State.DUPLICATE, State.DECLINED, State.WITHDRAWN}
    ),
    State.AWAITING_INFO: frozenset(
        {State.RECEIVED, State.IN_PORTFOLIO, State.DUPLICATE, State.DECLINED, State.WITHDRAWN}
    ),
    # A wrong decision can be undone: the submission goes back to the inbox.
    State.DUPLICATE: frozenset({State.RECEIVED}),
    State.DECLINED: frozenset({State.RECEIVED}),
    # From the portfolio on, the innovation process (the initiative) takes over.
    State.IN_PORTFOLIO: frozenset(),
    State.WITHDRAWN: frozenset(),
}

# Read off the table, so that a change to it changes them too.
# Awaiting triage: process support can still take it into a portfolio.
OPEN = frozenset(s for s, targets in ALLOWED.items() if State.IN_PORTFOLIO in targets)
# The submitter may still add to it (complete) or take it back (withdraw).
WITHDRAWABLE = frozenset(s for s, targets in ALLOWED.items() if State.WITHDRAWN in targets)
COMPLETABLE = OPEN
# A triage decision that can be undone: its only way on is back to the inbox.
REOPENABLE = frozenset(
    s for s, targets in ALLOWED.items() if targets == {State.RECEIVED} and s != State.DRAFT
)
# Nothing follows: the initiative has taken over, or the submitter withdrew it.
FINAL = frozenset(s for s, targets in ALLOWED.items() if not targets)
# Settled without an initiative: the retention rule for closed submissions counts from here.
CLOSED = REOPENABLE | (FINAL - {State.IN_PORTFOLIO})


class TransitionNotAllowed(Exception):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"{current} → {wanted} is not allowed")
        self.current, self.wanted = current, wanted


def can_transition(submission: Submission, new_state: State) -> bool:
    return State(new_state) in ALLOWED[State(submission.state)]


def transition(
    submission: Submission,
    new_state: State,
    *,
    actor,
    action: str | None = None,
    changes: dict | None = None,
) -> None:
    """Move the submission to new_state if allowed, and write the audit entry for it."""
    current = State(submission.state)
    new_state = State(new_state)
    if new_state not in ALLOWED[current]:
        raise TransitionNotAllowed(current, new_state)
    submission.state = new_state
    audit.record(
        action or f"state_{new_state.value}",
        submission,
        actor=actor,
        changes={"state": [current.value, new_state.value], **(changes or {})},
    )
