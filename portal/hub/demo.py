"""Demo content for the public hub: most demo initiatives published, one per focus area kept
back, texts and an insight published on the elderly ones. Through the real services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.demo_clock import on_day
from portal.evaluation.insights.services import record_insight
from portal.evaluation.models import Decision, Initiative
from portal.extensions import db
from portal.hub import services
from portal.hub.models import Publication
from portal.reference.models import FocusArea
from portal.types import today_in_stockholm, utcnow

ELDERLY = "Välmående och självständiga äldre"
INSIGHT = (
    "De äldre som var med ville hellre träffas två och två än i stora grupper: det blev "
    "lättare att prata, och fler kom tillbaka veckan efter."
)
INTERNAL_INSIGHT = "Intern notering: budgetfrågan tas upp på nästa primöte."


def seed_demo_hub() -> int:
    """Publish the demo initiatives but one per focus area; returns how many were published."""
    if db.session.scalar(select(func.count()).select_from(Publication)):
        return 0
    actor = db.session.scalar(select(User).where(User.email == "processtod@example.org"))
    initiatives = list(db.session.scalars(select(Initiative).order_by(Initiative.id)))
    if actor is None or not initiatives:
        return 0
    elderly = db.session.scalar(select(FocusArea.portfolio_id).where(FocusArea.name == ELDERLY))
    held_back = {}
    for initiative in initiatives:  # the newest of each portfolio stays unpublished
        held_back[initiative.portfolio_id] = initiative.id
    now = utcnow()
    published = 0
    insight_given = False
    for n, initiative in enumerate(initiatives):
        if initiative.id in held_back.values():
            continue
        fields = ["summary"]
        if initiative.portfolio_id == elderly and initiative.origin_submission is not None:
            fields = ["purpose", "effect_residents"]  # the submitter's words (demo.EFFECTS)
        # Published a week after what it shows last happened (its start, its latest decision).
        last = max([initiative.created_at, *(d.recorded_at for d in initiative.decisions)])
        published_at = min(last + timedelta(days=7), now - timedelta(hours=1))
        insights = []
        if initiative.portfolio_id == elderly and not insight_given:
            with on_day(published_at - timedelta(hours=1)):
                day = today_in_stockholm()
                insights.append(record_insight(initiative, noted_on=day, text=INSIGHT, actor=actor))
                record_insight(initiative, noted_on=day, text=INTERNAL_INSIGHT, actor=actor)
            insight_given = True  # one initiative gets the insights
        rationales = db.session.scalars(
            select(Decision.id).where(Decision.initiative_id == initiative.id).limit(1)
        ).all()
        with on_day(published_at):
            services.update_publication(
                initiative,
                published=True,
                public_fields=fields,
                public_rationales=rationales if n % 2 == 0 else [],
                public_insights=[i.id for i in insights],
                expected_version=0,
                actor=actor,
            )
        published += 1
    db.session.flush()
    return published
