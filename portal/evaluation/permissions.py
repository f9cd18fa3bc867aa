"""Who may do what in the innovation process: one name per set of roles, and the checks on
one initiative (the general rules are in portal/permissions.py)."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role
from portal.evaluation.models import Initiative, RatingRequest
from portal.extensions import db
from portal.permissions import has_any

# See initiatives, priority meetings and their minutes; every expert's own ratings.
STAFF = (Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN)
# Create initiatives, ask experts to rate, plan meetings and their agenda.
MANAGERS = (Role.PROCESS_SUPPORT, Role.ADMIN)
# Record the Core Team's decisions (process support records them for the Core Team).
DECIDERS = (Role.PROCESS_SUPPORT, Role.CORE_TEAM)
# See the pilot money and the budget; ask for money on an initiative; decide (by mandate).
FUNDING_VIEWERS = (
    Role.PROCESS_SUPPORT,
    Role.PROJECT_LEADER,
    Role.PROCESS_LEADER,
    Role.BOARD,
    Role.ADMIN,
)
FUNDING_REQUESTERS = (
    Role.PROCESS_SUPPORT,
    Role.CORE_TEAM,
    Role.PROJECT_LEADER,
    Role.PROCESS_LEADER,
)
MANDATE_HOLDERS = (Role.PROJECT_LEADER, Role.PROCESS_LEADER, Role.BOARD)
# Read and record insights (an expert only on the initiatives they were asked to rate).
INSIGHT_WRITERS = (Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.EXPERT, Role.ADMIN)
# Write an initiative's pilot reports (besides its owner, see is_owner).
PILOT_REPORT_WRITERS = (Role.PROCESS_SUPPORT, Role.ADMIN)


def can_view_initiatives(user) -> bool:
    """The portfolio list, every initiative, and each expert's individual ratings."""
    return has_any(user, STAFF)


def can_manage_initiatives(user) -> bool:
    """Create initiatives and ask experts to rate them: process support (and admin)."""
    return has_any(user, MANAGERS)


def is_requested_expert(user, initiative: Initiative) -> bool:
    """An expert asked to rate this initiative."""
    if not has_any(user, [Role.EXPERT]):
        return False
    return (
        db.session.scalar(
            select(RatingRequest.id).where(
                RatingRequest.initiative_id == initiative.id, RatingRequest.expert_id == user.id
            )
        )
        is not None
    )


def can_view_initiative(user, initiative: Initiative) -> bool:
    return can_view_initiatives(user) or is_requested_expert(user, initiative)


def sees_every_insight(user) -> bool:
    """Process support, the Core Team and admins see every insight; an expert only those of
    the initiatives they were asked to rate."""
    return has_any(user, STAFF)


def may_record_insight(user, initiative: Initiative) -> bool:
    return sees_every_insight(user) or is_requested_expert(user, initiative)


def is_owner(user, initiative: Initiative) -> bool:
    """The initiative's owner: the employee whose submission it came from (the canvas's
    "Ansvarig" is their own text, not an account), or the person who created it without a
    submission. They run the pilot, so they may write its report."""
    user_id = getattr(user, "id", None)
    if user_id is None or not getattr(user, "is_authenticated", False):
        return False
    origin = initiative.origin_submission
    if origin is not None:
        return origin.submitter_id == user_id
    return initiative.created_by_id == user_id


def may_write_pilot_report(user, initiative: Initiative) -> bool:
    return has_any(user, PILOT_REPORT_WRITERS) or is_owner(user, initiative)


def may_read_pilot_report(user, initiative: Initiative) -> bool:
    """Staff (who decide on the outcome), and the writers."""
    return can_view_initiatives(user) or may_write_pilot_report(user, initiative)
