"""Who may see a submission (the general rules are in portal/permissions.py)."""

from __future__ import annotations

from portal.permissions import is_process_support
from portal.submissions.models import State, Submission


def can_view_submission(user, submission: Submission) -> bool:
    """The employee who wrote it, and process support. Residents use their private link."""
    if not user.is_authenticated:
        return False
    if submission.submitter_id is not None and submission.submitter_id == user.id:
        return True
    return is_process_support(user) and submission.state != State.DRAFT
