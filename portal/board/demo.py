"""Demo content for the board's follow-up figures, through the real services: innovation
budgets, recent Core Team decisions, pilot money granted within mandates, insights, and the
agreement's students, collaborations, partners and research projects, so the dashboard's
last four quarters show movement and not only inflow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.board.filters import years_earlier
from portal.demo_clock import on_day
from portal.evaluation.agreement.models import AgreementEntry
from portal.evaluation.agreement.services import record_entry
from portal.evaluation.funding import services as funding_services
from portal.evaluation.insights.services import record_insight
from portal.evaluation.meetings.services import record_decision
from portal.evaluation.models import Initiative, InnovationBudget, Outcome, Phase
from portal.extensions import db
from portal.reference.models import Party
from portal.submissions.models import Submission
from portal.types import stockholm_day, today_in_stockholm

BUDGET_KR = 1_200_000
INSIGHTS = [
    "Eleverna ville själva vara med och planera rörelsepassen – då kom fler.",
    "Anhöriga behövde en fast tid och plats mer än en app.",
    "Biblioteken når äldre som varken vården eller kommunen når.",
]
RATIONALE = "Konceptet bygger på ett tydligt behov och två parter vill pröva det."


def seed_demo_follow_up() -> int:
    """Runs once (marked by the budgets); returns how many things it added."""
    if db.session.scalar(select(func.count()).select_from(InnovationBudget)):
        return 0
    users = {u.email: u for u in db.session.scalars(select(User))}
    admin, core = users.get("admin@example.org"), users.get("coreteam@example.org")
    leader = users.get("processtod@example.org")  # process support and process leader
    if not (admin and core and leader):
        return 0
    today = today_in_stockholm()
    added = 0
    for year in (today.year - 1, today.year):
        funding_services.set_budget(year, BUDGET_KR, actor=admin)
        added += 1

    # This year's initiatives move on: into Konceptfas a month after they came in, the first
    # on to a pilot a month later, and one is stopped.
    recent = list(
        db.session.scalars(
            select(Initiative)
            .join(Submission, Submission.id == Initiative.origin_submission_id)
            .where(
                Initiative.phase == Phase.IDEA,
                Submission.submitted_on <= today - timedelta(days=75),
            )
            .order_by(Submission.submitted_on.desc(), Initiative.id)
            .limit(5)
        )
    )
    for n, initiative in enumerate(recent):
        day = initiative.origin_submission.submitted_on + timedelta(days=30)
        if n == 4:
            _decide(initiative, Outcome.STOP, Phase.CLOSED, day, core,
                    "Görs redan inom Västerås stads ordinarie verksamhet.")  # fmt: skip
            added += 1
            continue
        _decide(initiative, Outcome.GO_ON, Phase.CONCEPT, day, core, RATIONALE)
        added += 1
        if n == 0:
            _decide(initiative, Outcome.GO_ON, Phase.PILOT, day + timedelta(days=30), core,
                    RATIONALE)  # fmt: skip
            added += 1

    # Pilot money for the initiatives that reached a pilot, and what they learnt: the Core
    # Team asks, the process leader decides (never the one who asked: four eyes).
    piloted = list(
        db.session.scalars(
            select(Initiative)
            .where(Initiative.phase.in_([Phase.PILOT, Phase.IMPLEMENTATION]))
            .order_by(Initiative.id)
        )
    )
    for n, initiative in enumerate(piloted):
        pilot_day = max(
            (d.decided_on for d in initiative.decisions if d.to_phase == Phase.PILOT),
            default=today - timedelta(days=30),
        )
        asked_on = min(pilot_day + timedelta(days=2), today)
        granted_on = min(pilot_day + timedelta(days=7), today)
        with on_day(asked_on):
            funding = funding_services.request_funding(
                initiative,
                amount_kr=(150_000, 45_000, 120_000)[n % 3],
                purpose="Material och arbetstid för piloten.",
                period_start=granted_on,
                period_end=granted_on + timedelta(days=120),
                actor=core,
            )
        with on_day(granted_on):
            funding_services.decide_funding(
                funding, grant=True, note="Inom mandatet.", decided_on=granted_on, actor=leader
            )
        noted_on = min(granted_on + timedelta(days=45), today)
        with on_day(noted_on):
            record_insight(
                initiative, noted_on=noted_on, text=INSIGHTS[n % len(INSIGHTS)], actor=leader
            )
        added += 2
    db.session.flush()
    return added


# The agreement's figures: (days ago, kind, party, values). The same entries a year earlier
# too (fewer students), so both the default comparison and the previous period show numbers.
AGREEMENT = [
    (20, "students", "Mälardalens universitet",
     {"students": 6, "institution": "Mälardalens universitet",
      "title": "Examensarbete i socialt arbete: äldres ensamhet"}),
    (75, "students", "Västerås stad",
     {"students": 24, "institution": "Mälardalens universitet",
      "title": "Kurs i innovationsteknik, projektuppgift"}),
    (40, "collaboration", "Region Västmanland",
     {"title": "Region Västmanland, primärvården och Västerås stad, äldreförvaltningen"}),
    (130, "collaboration", "Eskilstuna kommun",
     {"title": "Eskilstuna kommun, fritid och Mälardalens universitet, Akademin för hälsa"}),
    (15, "partner", "Västerås stad", {"title": "Röda korset Västerås",
                                       "partner_kind": "civil_society"}),
    (60, "partner", None, {"title": "Mälarenergi AB", "partner_kind": "company"}),
    (100, "partner", "Region Sörmland", {"title": "Försäkringskassan",
                                          "partner_kind": "public"}),
    (50, "research", "Mälardalens universitet",
     {"title": "Digitalt stöd för anhörigvårdare", "url": "https://www.mdu.se/forskning"}),
]  # fmt: skip


def seed_demo_agreement() -> int:
    """Students, collaborations, partners and research projects on the demo's initiatives,
    through the service; runs once (marked by any entry). Returns how many it added."""
    if db.session.scalar(select(func.count()).select_from(AgreementEntry)):
        return 0
    leader = db.session.scalar(select(User).where(User.email == "processtod@example.org"))
    # the oldest initiatives: an entry is never dated before its initiative began
    initiatives = list(
        db.session.scalars(
            select(Initiative).order_by(Initiative.created_at, Initiative.id).limit(4)
        )
    )
    if leader is None or not initiatives:
        return 0
    parties = {name: pid for name, pid in db.session.execute(select(Party.name, Party.id))}
    today = today_in_stockholm()
    added = 0
    for n, (days_ago, kind, party, values) in enumerate(AGREEMENT):
        initiative = initiatives[n % len(initiatives)]
        for years in (1, 0):
            day = years_earlier(today - timedelta(days=days_ago), years)
            if day < stockholm_day(initiative.created_at):
                continue
            shown = dict(values)
            if years and "students" in shown:
                shown["students"] = max(1, shown["students"] // 2)
            with on_day(day):
                record_entry(
                    initiative,
                    kind,
                    {"dated_on": day, "party_id": parties.get(party), **shown},
                    actor=leader,
                )
            added += 1
    db.session.flush()
    return added


def _decide(initiative: Initiative, outcome: Outcome, to_phase: Phase, day, actor, rationale):
    """A Core Team decision recorded on its day, as the decision form records it."""
    with on_day(day):
        record_decision(
            initiative,
            outcome=outcome,
            to_phase=to_phase,
            rationale=rationale,
            decided_on=day,
            today=day,
            actor=actor,
        )
