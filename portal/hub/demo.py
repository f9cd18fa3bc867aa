"""Demo content for the public hub: most demo initiatives published, one per focus area kept
back, texts and an insight published on the elderly ones. Through the real services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.evaluation.insights.services import record_insight
from portal.evaluation.models import Decision, Initiative
from portal.extensions import db
from portal.hub import services
from portal.hub.models import Publication
from portal.reference.models import FocusArea
from portal.types import utcnow

ELDERLY = "Välmående och självständiga äldre"
# Invånarnytta in the submitters' words, for some of the elderly ideas (fictitious).
EFFECTS = {
    "Promenadvänner": "Äldre kommer ut varje vecka, rör sig mer och får någon att prata med.",
    "Sensorer som larmar vid fall": "Den som fallit får hjälp inom minuter i stället för timmar.",
    "Fallförebyggande träning i grupp": "Bättre balans, färre fall och en träffpunkt i närheten.",
    "Digitala fika-träffar": "Äldre som inte kan ta sig hemifrån träffar andra ändå.",
}
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
        origin = initiative.origin_submission
        if initiative.portfolio_id == elderly and origin is not None:
            fields = ["purpose", "effect_residents"]
            origin.effect_residents = origin.effect_residents or EFFECTS.get(origin.title, "")
        insights = []
        if initiative.portfolio_id == elderly and not insight_given:
            day = (now - timedelta(days=10)).date()
            insights.append(record_insight(initiative, noted_on=day, text=INSIGHT, actor=actor))
            record_insight(initiative, noted_on=day, text=INTERNAL_INSIGHT, actor=actor)
            insight_given = True  # one initiative gets the insights
        rationales = db.session.scalars(
            select(Decision.id).where(Decision.initiative_id == initiative.id).limit(1)
        ).all()
        services.update_publication(
            initiative,
            published=True,
            public_fields=fields,
            public_rationales=rationales if n % 2 == 0 else [],
            public_insights=[i.id for i in insights],
            expected_version=0,
            actor=actor,
            now=now - timedelta(days=len(initiatives) - n),
        )
        published += 1
    db.session.flush()
    return published
