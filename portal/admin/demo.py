"""Demo goals: societal and effect goals for each demo focus area, as an admin adds them (one
reworded in 2023, so the history shows), and the demo initiatives linked to them as process
support links them (portal/admin/goals.py, portal/evaluation/goals.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.admin import goals as goal_admin
from portal.evaluation import goals as initiative_goals
from portal.evaluation.models import Initiative
from portal.extensions import db
from portal.reference.goals import Goal, GoalKind
from portal.reference.models import FocusArea
from portal.types import today_in_stockholm

START = date(2023, 1, 1)
# Per focus area (its current name): each societal goal with its effect goals. A goal is
# (title, measure, description, earlier wording from 2021 or None).
DEMO_GOALS = {
    "Alla barn och unga uppnår sin fulla potential": [
        (
            (
                "Alla elever lämnar grundskolan behöriga till ett nationellt gymnasieprogram",
                "Andel elever i årskurs 9 med behörighet till yrkesprogram, per kommun och kön "
                "(Skolverket). Utgångsläge 2022.",
                "Senast 2030 lämnar alla elever i Västerås och Eskilstuna grundskolan med "
                "behörighet, oavsett kön, bakgrund och stadsdel.",
                "Alla elever har behörighet att söka ett nationellt gymnasieprogram",
            ),
            [
                (
                    "Färre elever har hög frånvaro",
                    "Andel elever med mer än 15 procents frånvaro under en termin.",
                    "Tidiga och samordnade insatser när en elev börjar vara borta från skolan.",
                ),
                (
                    "Fler barn och unga rör sig minst en timme om dagen",
                    "Andel elever i årskurs 5 och 8 som rör sig minst 60 minuter om dagen "
                    "(Liv och hälsa ung).",
                    "Rörelse under skoldagen och på fritiden stärker både hälsa och lärande.",
                ),
            ],
        ),
        (
            (
                "Alla barn och unga är delaktiga i skapandet av sina livsmiljöer",
                "Andel unga 13–18 år som upplever att de kan påverka i sin stadsdel "
                "(LUPP-enkäten).",
                "Barn och unga är med och formar skolan, fritiden och stadsdelen de lever i.",
                None,
            ),
            [
                (
                    "Fler unga har en trygg vuxen att vända sig till utanför hemmet",
                    "Andel unga som svarar att det finns en vuxen utanför familjen som de kan "
                    "prata med (Liv och hälsa ung).",
                    "Hållbara och hälsosamma vuxenrelationer i skolan och på fritiden.",
                ),
            ],
        ),
    ],
    "Välmående och självständiga äldre": [
        (
            (
                "Äldre invånare lever ett självständigt liv hemma så länge de vill",
                "Andel invånare 80 år och äldre som bor i ordinärt boende, och beviljade "
                "hemtjänsttimmar per invånare 80+ (Kolada).",
                "Äldre i Västerås och Eskilstuna känner sig trygga och klarar vardagen i sitt "
                "eget hem, med stöd när de behöver det.",
                "Invånarna upplever ökad självständighet med stöd av välfärdsteknik",
            ),
            [
                (
                    "Färre fallolyckor bland äldre",
                    "Antal fallskador per 1 000 invånare 80 år och äldre som leder till "
                    "sjukhusvård (Socialstyrelsen).",
                    "Förebyggande insatser i hemmet och i närmiljön.",
                ),
                (
                    "Fler äldre använder digitala tjänster för vård och omsorg",
                    "Andel hemtjänsttagare med digital tillsyn eller annan e-hälsotjänst.",
                    "Välfärdsteknik som ger mer tid för det mänskliga mötet.",
                ),
            ],
        ),
        (
            (
                "Ingen äldre ska behöva känna sig ofrivilligt ensam",
                "Andel invånare 75 år och äldre som besväras av ensamhet "
                "(Vård- och omsorgsenkäten, Socialstyrelsen).",
                "Gemenskap och meningsfulla sammanhang för äldre, i hemmet och i stadsdelen.",
                None,
            ),
            [
                (
                    "Fler äldre deltar i sociala aktiviteter varje vecka",
                    "Antal deltagare per vecka på träffpunkter och i digitala aktiviteter.",
                    "Träffpunkter, föreningsliv och digitala möten som är lätta att nå.",
                ),
            ],
        ),
    ],
}


def seed_demo_goals() -> int:
    """The demo goals and the demo initiatives' links to them; nothing when goals exist."""
    if db.session.scalar(select(func.count(Goal.id))):
        return 0
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    ps = db.session.scalar(select(User).where(User.email == "processtod@example.org"))
    if admin is None:
        return 0
    added = 0
    for area_name, missions in DEMO_GOALS.items():
        area = db.session.scalar(select(FocusArea).where(FocusArea.name == area_name))
        if area is None:
            continue
        for (title, measure, description, earlier), effects in missions:
            mission = goal_admin.create_goal(
                portfolio=area.portfolio,
                kind=GoalKind.SOCIETAL,
                parent=None,
                title=earlier or title,
                description=description,
                measure=measure,
                valid_from=date(2021, 1, 1) if earlier else START,
                valid_to=None,
                actor=admin,
            )
            if earlier:
                goal_admin.rename_goal(
                    mission,
                    new_title=title,
                    description=description,
                    measure=measure,
                    valid_from=START,
                    expected_version=mission.version,
                    actor=admin,
                )
                db.session.flush()
            added += 1
            for effect_title, effect_measure, effect_description in effects:
                goal_admin.create_goal(
                    portfolio=area.portfolio,
                    kind=GoalKind.EFFECT,
                    parent=mission,
                    title=effect_title,
                    description=effect_description,
                    measure=effect_measure,
                    valid_from=START,
                    valid_to=None,
                    actor=admin,
                )
                added += 1
    db.session.flush()
    if ps is not None:
        _link_initiatives(ps)
    return added


def _link_initiatives(actor: User) -> None:
    """Each demo initiative works towards one societal goal of its focus area and, mostly, an
    effect goal under it; a few are not linked yet."""
    today = today_in_stockholm()
    initiatives = db.session.scalars(select(Initiative).order_by(Initiative.id)).all()
    for n, initiative in enumerate(initiatives):
        if n % 6 == 5:
            continue  # not yet linked: process support has still to do it
        offered = initiative_goals.goals_in_force(initiative.portfolio_id, today)
        missions = [g for g in offered if g.kind == GoalKind.SOCIETAL]
        if not missions:
            continue
        mission = missions[n % len(missions)]
        chosen = {mission.id}
        effects = [g for g in offered if g.parent_id == mission.id]
        if effects and n % 4 != 3:
            chosen.add(effects[n % len(effects)].id)
        initiative_goals.set_goals(
            initiative, chosen, expected_version=initiative.version, actor=actor, today=today
        )
        db.session.flush()
