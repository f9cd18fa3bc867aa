"""The one door for a submission's state: ALLOWED and transition(). Every path goes through it."""

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
