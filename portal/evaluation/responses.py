"""How the four parts' views answer alike: loading what the address names, committing once
when a parallel request may win, and sending a repeated intent where the first one led."""

from __future__ import annotations

from flask import flash, redirect
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.evaluation.models import Initiative, PriorityMeeting
from portal.extensions import db
from portal.permissions import is_safe_next


def actor():
    """The person acting, as a plain object for the services."""
    return current_user._get_current_object()


def load_initiative(initiative_id: int) -> Initiative:
    return db.get_or_404(Initiative, initiative_id)


def load_meeting(meeting_id: int) -> PriorityMeeting:
    return db.get_or_404(PriorityMeeting, meeting_id)


def return_to(raw: str | None, default: str) -> str:
    """The page a form came from (its `next`), when it is this site's; else `default`."""
    return raw if is_safe_next(raw) else default


def once(call):
    """Call a service and commit. When a parallel request for the same thing committed first
    (a unique constraint refused this one, or the version check: StaleDataError), roll back
    and call it once more: the service then sees what the other made and says so."""
    for attempt in range(2):
        try:
            result = call()
            db.session.commit()
            return result
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            if attempt:
                raise
    return None  # not reached


def already_done(message, target: str, link=None):
    """The same intent was carried out already (rules.AlreadyDone): nothing is done again;
    the person is sent to what it made (303, as for a form sent twice: portal/intents.py),
    with the message, and a link to it when `link` names it."""
    db.session.rollback()
    if link:
        flash({"text": str(message), "href": target, "link": str(link)}, "info")
    else:
        flash(str(message), "info")
    return redirect(target, code=303)
