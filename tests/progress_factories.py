"""A submission's whole path, made through the services on the days it happens: for the tests
of the submitter's timeline (portal/hub/progress.py) and the pages that show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.accounts.models import Role
from portal.demo_clock import on_day
from portal.evaluation.models import (
    PILOT_OUTCOMES,
    ConflictOfInterest,
    FundingStatus,
    Initiative,
    Insight,
    Outcome,
    Phase,
    Rating,
)
from portal.evaluation.phases import decide
from portal.evaluation.pilot_reports.rounds import current_report
from portal.extensions import db
from portal.hub import services as hub
from portal.reference.models import Criterion
from portal.submissions import services
from portal.submissions.models import Submission
from portal.triage import services as triage
from portal.types import today_in_stockholm
from tests.factories import make_call, make_user
from tests.process_factories import area, make_funding, write_pilot_report

# Words that stand only in what is internal: none may reach the submitter's timeline.
INTERNAL = {
    "rating": "Betygskommentar-intern",
    "conflict": "Jävsskäl-internt",
    "rationale": "Motivering-intern",
    "funding_note": "Beslutsanteckning-intern",
    "insight": "Insikt-intern",
    "purpose": "Medelssyfte-internt",
}
PUBLIC_RATIONALE = "Ett tydligt behov hos äldre som bor ensamma."
QUESTION = "Hur många träffpunkter vill ni börja med?"
ANSWER = "Tre träffpunkter i Västerås, sedan fler."


@dataclass
class Path:
    submission: Submission
    token: str
    initiative: Initiative | None = None
    staff: object = None
    days: dict[str, date] = field(default_factory=dict)


def _decide(initiative, outcome, to_phase, rationale, day, staff):
    if outcome in PILOT_OUTCOMES and current_report(initiative) is None:
        write_pilot_report(initiative, outcome, actor=staff)  # the pilot's report comes first
    return decide(
        initiative,
        outcome=outcome,
        to_phase=to_phase,
        rationale=rationale,
        decided_on=day,
        actor=staff,
    )


def resident_submission(*, email: str = "kim@example.org", title: str = "Promenadvänner"):
    call = make_call(opens_in_days=-120, closes_in_days=30)
    submission, token = services.submit_resident(
        call,
        {"kind": "idea", "title": title, "purpose": "Äldre går ut tillsammans."},
        name="Kim Invånare",
        email=email,
    )
    return submission, token


def whole_path(*, decisions: int = 3, publish: bool = True) -> Path:
    """Submitted, asked and answered, taken in, decided on (`decisions` of them, with public
    and internal rationales), rated and jäv declared, money granted and refused, published."""
    staff = make_user(roles={Role.PROCESS_SUPPORT}, name="Petra Processtöd")
    expert = make_user(roles={Role.EXPERT}, name="Erik Expert")
    start = today_in_stockholm() - timedelta(days=90)
    days = {name: start + timedelta(days=n) for n, name in enumerate(
        ("submitted", "asked", "answered", "accepted", "concept", "pilot", "funding", "outcome",
         "published"),
    )}  # fmt: skip
    with on_day(days["submitted"]):
        submission, token = resident_submission()
    with on_day(days["asked"]):
        triage.request_info(submission, QUESTION, actor=staff)
    with on_day(days["answered"]):
        services.complete(submission, {}, actor=None, answer=ANSWER)
    with on_day(days["accepted"]):
        triage.set_focus_area(submission, area(), actor=staff)
        initiative = triage.accept(submission, actor=staff)
    with on_day(days["concept"]):
        public_decision = _decide(
            initiative, Outcome.GO_ON, Phase.CONCEPT, PUBLIC_RATIONALE, days["concept"], staff
        )
        # Internal: an expert's rating with a comment, another's jäv, an internal insight.
        criterion = db.session.query(Criterion).first()
        db.session.add(
            Rating(
                initiative_id=initiative.id,
                expert_id=expert.id,
                criterion_id=criterion.id,
                score=4,
                comment=INTERNAL["rating"],
            )
        )
        db.session.add(
            ConflictOfInterest(
                initiative_id=initiative.id, expert_id=staff.id, reason=INTERNAL["conflict"]
            )
        )
        db.session.add(
            Insight(
                initiative_id=initiative.id,
                noted_on=days["concept"],
                text=INTERNAL["insight"],
                author_id=staff.id,
            )
        )
    with on_day(days["pilot"]):
        _decide(initiative, Outcome.GO_ON, Phase.PILOT, INTERNAL["rationale"], days["pilot"], staff)
        for n in range(max(0, decisions - 3)):  # a longer history: more pilot rounds
            _decide(
                initiative,
                Outcome.PILOT_PARTIAL,
                Phase.PILOT,
                f"{INTERNAL['rationale']} {n}",
                days["pilot"],
                staff,
            )
    make_funding(
        initiative,
        40_000,
        status=FundingStatus.GRANTED,
        decided_on=days["funding"],
        decision_note=INTERNAL["funding_note"],
        purpose=INTERNAL["purpose"],
    )
    make_funding(initiative, 900_000, status=FundingStatus.REJECTED, decided_on=days["funding"])
    with on_day(days["outcome"]):
        _decide(
            initiative,
            Outcome.PILOT_SUCCESS,
            Phase.IMPLEMENTATION,
            INTERNAL["rationale"],
            days["outcome"],
            staff,
        )
    # A decision dated after today (a meeting not yet held) is not shown until its day.
    _decide(
        initiative,
        Outcome.GO_ON,
        Phase.FOLLOW_UP,
        "Framtida beslut",
        today_in_stockholm() + timedelta(days=5),
        staff,
    )
    if publish:
        with on_day(days["published"]):
            hub.update_publication(
                initiative,
                published=True,
                public_fields=("summary",),
                public_rationales=(public_decision.id,),
                expected_version=None,
                actor=staff,
            )
    db.session.commit()
    return Path(submission, token, initiative, staff, days)
