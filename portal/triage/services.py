"""Triage rules: classify, assign, link, ask, decline, accept. Each writes the audit log.

Services never commit; views commit once. A change to a submission bumps its version
(SQLAlchemy version_id_col), so a second triager's stale save fails instead of overwriting.
"""

from __future__ import annotations

from portal import audit
from portal.accounts.models import Role, User
from portal.reference.models import FocusArea
from portal.submissions.models import State, Submission

OPEN_STATES = frozenset({State.RECEIVED, State.AWAITING_INFO})


class TriageRefused(Exception):
    """A rule stops this; `message` is for the triager, in their language."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def set_focus_area(submission: Submission, area: FocusArea | None, *, actor: User) -> bool:
    """Put the submission in a focus area's portfolio (None: not decided). True if changed."""
    old = submission.focus_area
    if (old.id if old else None) == (area.id if area else None):
        return False
    submission.focus_area = area
    audit.record(
        "focus_area_set",
        submission,
        actor=actor,
        changes={"focus_area": [old.name if old else None, area.name if area else None]},
    )
    return True


def set_handler(submission: Submission, handler: User | None, *, actor: User) -> bool:
    """Make a process-support person responsible (None: nobody). True if changed."""
    if handler is not None and not handler.has_role(Role.PROCESS_SUPPORT, Role.ADMIN):
        raise TriageRefused("only process support can be responsible")
    old = submission.handler
    if (old.id if old else None) == (handler.id if handler else None):
        return False
    submission.handler = handler
    audit.record(
        "handler_set",
        submission,
        actor=actor,
        changes={"handler": [old.name if old else None, handler.name if handler else None]},
    )
    return True
