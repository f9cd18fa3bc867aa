"""Demo content for the board's follow-up figures, through the real services: innovation
budgets, recent Core Team decisions, pilot money granted within mandates, and insights, so
the dashboard's last four quarters show movement and not only inflow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.evaluation import services
from portal.evaluation.models import Initiative, InnovationBudget, Outcome, Phase
from portal.evaluation.phases import decide
from portal.extensions import db
from portal.submissions.models import Submission
from portal.types import today_in_stockholm

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
        services.set_budget(year, BUDGET_KR, actor=admin)
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
            decide(initiative, outcome=Outcome.STOP, to_phase=Phase.CLOSED, decided_on=day,
                   actor=core, rationale="Görs redan inom Västerås stads ordinarie verksamhet.")  # fmt: skip
            added += 1
            continue
        decide(initiative, outcome=Outcome.GO_ON, to_phase=Phase.CONCEPT, decided_on=day,
               actor=core, rationale=RATIONALE)  # fmt: skip
        added += 1
        if n == 0:
            decide(initiative, outcome=Outcome.GO_ON, to_phase=Phase.PILOT,
                   decided_on=day + timedelta(days=30), actor=core, rationale=RATIONALE)  # fmt: skip
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
        granted_on = min(pilot_day + timedelta(days=7), today)
        funding = services.request_funding(
            initiative,
            amount_kr=(150_000, 45_000, 120_000)[n % 3],
            purpose="Material och arbetstid för piloten.",
            period_start=granted_on,
            period_end=granted_on + timedelta(days=120),
            actor=core,
        )
        services.decide_funding(
            funding, grant=True, note="Inom mandatet.", decided_on=granted_on, actor=leader
        )
        noted_on = min(granted_on + timedelta(days=45), today)
        services.record_insight(
            initiative, noted_on=noted_on, text=INSIGHTS[n % len(INSIGHTS)], actor=leader
        )
        added += 2
    db.session.flush()
    return added
