"""What other pages read about submissions: the ones that follow another as duplicates, and
those linked as related (the triage page, and the initiative page of their origin)."""

from __future__ import annotations

from sqlalchemy import Select, select

from portal.calls.models import Call
from portal.extensions import db
from portal.reference.models import FocusArea, Party
from portal.submissions.models import Submission, submission_links


def duplicates_of(submission: Submission) -> list[Submission]:
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.duplicate_of_id == submission.id)
            .order_by(Submission.id)
        )
    )


def related_to(submission: Submission) -> list[Submission]:
    """The submissions linked to this one, either way round, in registration order."""
    low = select(submission_links.c.high_id).where(submission_links.c.low_id == submission.id)
    high = select(submission_links.c.low_id).where(submission_links.c.high_id == submission.id)
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.id.in_(low.union(high)))
            .order_by(Submission.reg_year, Submission.reg_seq)
        )
    )


def with_names(statement: Select) -> Select:
    """A statement over submissions, with the party, call and focus area each is from joined
    (outer: a resident's, one outside any call, one not sorted yet), for their names."""
    return (
        statement.outerjoin(Party, Party.id == Submission.party_id)
        .outerjoin(Call, Call.id == Submission.call_id)
        .outerjoin(FocusArea, FocusArea.id == Submission.focus_area_id)
    )
