"""Factories for the records, register, retention and data-rights tests: submissions made
through the real services, so that their records and audit entries are the real ones."""

from __future__ import annotations

import itertools
from datetime import datetime

from portal.extensions import db
from portal.reference.models import FocusArea
from portal.submissions import services
from portal.submissions.models import Submission
from portal.triage import services as triage
from tests.factories import make_call, make_user

_seq = itertools.count(1)

RESIDENT = {"name": "Kim Invånare", "email": "kim.invanare@example.net", "phone": "070-1234567"}


def resident_submission(
    call=None,
    *,
    name: str = RESIDENT["name"],
    email: str = RESIDENT["email"],
    phone: str = RESIDENT["phone"],
    title: str | None = None,
    purpose: str = "Rörelsebingo varje rast.",
    responsible: str = "",
    consent_named_publicly: bool = False,
    consent_news: bool = False,
    now: datetime | None = None,
) -> tuple[Submission, str]:
    """A resident's answer to a call, registered and committed; returns it and its token."""
    call = call or make_call()
    data = {"title": title or f"Idé {next(_seq)}", "purpose": purpose, "kind": "idea"}
    if responsible:
        data["responsible"] = responsible
    submission, token = services.submit_resident(
        call,
        data,
        name=name,
        email=email,
        phone=phone,
        consent_named_publicly=consent_named_publicly,
        consent_news=consent_news,
        now=now,
    )
    db.session.commit()
    return submission, token


def employee_submission(author=None, *, title: str | None = None, call=None) -> Submission:
    author = author or make_user()
    draft = services.save_draft(
        None,
        {"title": title or f"Förslag {next(_seq)}", "purpose": "Ett behov.", "kind": "challenge"},
        actor=author,
        call=call,
    )
    db.session.flush()
    services.submit(draft, actor=author)
    db.session.commit()
    return draft


def focus_area() -> FocusArea:
    from sqlalchemy import select

    return db.session.scalar(select(FocusArea).order_by(FocusArea.id))


def decline(submission: Submission, ps=None) -> None:
    triage.decline(submission, "Det passar inte Samhällskontraktet.", actor=ps or _ps())
    db.session.commit()


def accept(submission: Submission, ps=None):
    ps = ps or _ps()
    triage.set_focus_area(submission, focus_area(), actor=ps)
    initiative = triage.accept(submission, actor=ps)
    db.session.commit()
    return initiative


def _ps():
    from portal.accounts.models import Role

    return make_user(roles={Role.PROCESS_SUPPORT}, name="Petra Processtöd")
