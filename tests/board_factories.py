"""Factories for the board's figures: submissions at a given moment, from a party or a resident."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.reference.models import FocusArea, Party
from portal.submissions.models import Submission
from tests.factories import make_user

_seq = itertools.count(1)


def party_named(name: str) -> Party:
    found = db.session.scalar(select(Party).where(Party.name == name))
    assert found is not None, name
    return found


def area_named(name: str) -> FocusArea:
    found = db.session.scalar(select(FocusArea).where(FocusArea.name == name))
    assert found is not None, name
    return found


def staff_of(party: str) -> User:
    """One employee per party submits everything that party sends in the tests."""
    email = f"personal-{party_named(party).id}@example.org"
    found = db.session.scalar(select(User).where(User.email == email))
    return found or make_user(email=email, party_name=party, password=None)


def make_submission(
    at: datetime | None,
    *,
    party: str | None = None,
    area: str | None = None,
    kind: str = "idea",
    state: str = "received",
    call=None,
    title: str | None = None,
    resident_name: str = "Ida Invånare",
    commit: bool = True,
) -> Submission:
    """A submission submitted at `at` (UTC; None with state "draft" for a draft).

    From `party`'s staff when given (no account needed for counting), otherwise a resident's.
    """
    n = next(_seq)
    submitter = staff_of(party) if party else None
    submission = Submission(
        kind=kind,
        state=state,
        title=title or f"Inlämning {n}",
        focus_area=area_named(area) if area else None,
        call=call,
        submitter=submitter,
        party=submitter.party if submitter else None,
        submitted_at=at,
    )
    if party is None:
        submission.resident_name = resident_name
        submission.resident_email = f"invanare{n}@example.org"
        submission.resident_phone = "070-123 45 67"
    if state != "draft":
        year = (at or datetime.now(UTC)).year
        submission.reg_year, submission.reg_seq = year, 10000 + n
        submission.reg_number = f"SK-{year}-{10000 + n}"
    db.session.add(submission)
    if commit:
        db.session.commit()
    return submission


def initiative_from(submission: Submission, *moves: tuple[str, str, date], actor=None):
    """The submission taken into its focus area's portfolio, then moved on by Core Team
    decisions (outcome, to_phase, decided_on) through phases.decide()."""
    from portal.evaluation.phases import decide

    area = submission.focus_area
    assert area is not None, "a focus area first"
    submission.state = "in_portfolio"
    initiative = new_initiative(area, submission, title=submission.title)
    for outcome, to_phase, day in moves:
        if outcome.startswith("pilot_"):  # a pilot's outcome needs its report first
            from tests.process_factories import write_pilot_report

            write_pilot_report(initiative, outcome, actor=actor)
        decide(initiative, outcome=outcome, to_phase=to_phase, decided_on=day,
               rationale="Beslut.", actor=actor)  # fmt: skip
    db.session.commit()
    return initiative


def new_initiative(area: FocusArea, origin: Submission | None = None, *, title="Initiativ"):
    """An initiative in Idéfas in `area`'s portfolio, from `origin` when given (flushed)."""
    from portal.evaluation.models import Initiative, Phase

    initiative = Initiative(
        title=title,
        portfolio_id=area.portfolio_id,
        focus_area=area,
        phase=Phase.IDEA,
        origin_submission=origin,
    )
    db.session.add(initiative)
    db.session.flush()
    return initiative
