"""Factories for the hub tests: initiatives with an origin submission, published or not."""

from __future__ import annotations

import itertools

from portal.evaluation.models import Initiative, Phase
from portal.extensions import db
from portal.hub import services
from portal.submissions.models import State, Submission
from portal.types import utcnow
from tests.factories import make_user, party
from tests.process_factories import ELDERLY, area

_seq = itertools.count(1)


def make_origin(
    *,
    resident: bool = True,
    name: str = "Kim Invånare",
    consent: bool = False,
    party_name: str = "Eskilstuna kommun",
    call=None,
    submitter=None,
    **canvas,
) -> Submission:
    """A submission taken into a portfolio, with the canvas texts given."""
    n = next(_seq)
    submission = Submission(
        kind="idea",
        state=State.IN_PORTFOLIO,
        reg_year=2026,
        reg_seq=9000 + n,
        reg_number=f"SK-2026-{9000 + n}",
        submitted_at=utcnow(),
        call=call,
        focus_area=area(),
        **{"title": "Ett förslag", "purpose": "", **canvas},
    )
    if resident:
        submission.resident_name = name
        submission.resident_email = f"invanare{n}@example.net"
        submission.consent_named_publicly = consent
    else:
        submission.submitter = submitter or make_user(name=name, party_name=party_name)
        submission.party = party(party_name)
    db.session.add(submission)
    db.session.commit()
    return submission


def make_hub_initiative(
    title: str = "Promenadvänner",
    *,
    summary: str = "",
    origin: Submission | None = None,
    phase: Phase = Phase.IDEA,
    area_name: str = ELDERLY,
    publish: bool = True,
    fields: tuple[str, ...] = ("summary",),
    **publication,
) -> Initiative:
    a = area(area_name)
    initiative = Initiative(
        title=title,
        summary=summary,
        portfolio=a.portfolio,
        focus_area=a,
        phase=phase,
        origin_submission=origin,
    )
    db.session.add(initiative)
    db.session.commit()
    if publish:
        services.update_publication(
            initiative,
            published=True,
            public_fields=fields,
            expected_version=None,
            actor=None,
            **publication,
        )
        db.session.commit()
    return initiative
