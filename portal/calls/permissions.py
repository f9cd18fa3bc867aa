"""Who may see a call (the general rules are in portal/permissions.py)."""

from __future__ import annotations

from portal.calls.models import Call, CallState
from portal.permissions import is_employee, is_process_support


def can_see_call(user, call: Call) -> bool:
    """Published calls; staff-only ones only to staff. Drafts only to process support."""
    if call.state == CallState.DRAFT:
        return is_process_support(user)
    return call.open_to_residents or is_employee(user) or is_process_support(user)
