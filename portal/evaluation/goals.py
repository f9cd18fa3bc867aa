"""Which goals (portal/reference/goals.py) an initiative works towards.

Process support and the Core Team link an initiative to goals of its own focus area that are
in force; the page shows every link, also to a goal that has since ended. A change is
audited on the initiative and version-locked by the initiative's version: two people editing
the links at once do not silently overwrite each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column, selectinload
from sqlalchemy.orm.attributes import flag_modified

from portal import audit
from portal.evaluation.models import Initiative
from portal.evaluation.rules import EvaluationRefused, lock
from portal.extensions import db
from portal.reference.goals import Goal, GoalName, in_goal_order
from portal.types import UTCDateTime, utcnow


class InitiativeGoal(db.Model):
    """An initiative works towards a goal."""

    __tablename__ = "initiative_goals"

    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), primary_key=True, index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GoalsConflict(EvaluationRefused):
    """The initiative changed since the form was shown."""


CONFLICT = _l(
    "Någon annan ändrade initiativet medan du valde mål. Målen nedan är de sparade; "
    "välj igen och spara."
)
NOT_OFFERED = _l("Välj bland målen för initiativets fokusområde som gäller nu.")


def goals_in_force(portfolio_id: int, today: date) -> list[Goal]:
    """The goals of a portfolio in force today: what an initiative in it may be linked to."""
    found = db.session.scalars(
        select(Goal)
        .where(
            Goal.portfolio_id == portfolio_id,
            Goal.id.in_(
                select(GoalName.goal_id).where(
                    GoalName.valid_from <= today,
                    (GoalName.valid_to.is_(None)) | (GoalName.valid_to >= today),
                )
            ),
        )
        .options(selectinload(Goal.names))
    ).all()
    return in_goal_order(found)


def linked_goals(initiative_ids: Sequence[int]) -> dict[int, list[Goal]]:
    """The goals each initiative is linked to (two statements whatever the number)."""
    if not initiative_ids:
        return {}
    rows = db.session.execute(
        select(InitiativeGoal.initiative_id, Goal)
        .join(Goal, Goal.id == InitiativeGoal.goal_id)
        .where(InitiativeGoal.initiative_id.in_(list(initiative_ids)))
        .options(selectinload(Goal.names))
    ).all()
    found: dict[int, list[Goal]] = {}
    for initiative_id, goal in rows:
        found.setdefault(initiative_id, []).append(goal)
    return {k: in_goal_order(v) for k, v in found.items()}


def set_goals(
    initiative: Initiative,
    goal_ids: Iterable[int],
    *,
    expected_version: int | None,
    actor,
    today: date,
) -> bool:
    """Link the initiative to exactly the chosen goals among those offered (the goals of its
    portfolio in force today); links to goals no longer offered stay. True when it changed.

    Refuses (GoalsConflict) when the initiative changed since `expected_version`, and a goal
    that is not offered (EvaluationRefused)."""
    lock(Initiative, initiative.id)  # two people at once: the second waits, then sees the first
    db.session.refresh(initiative)
    if expected_version != initiative.version:
        raise GoalsConflict(CONFLICT)
    offered = {g.id: g for g in goals_in_force(initiative.portfolio_id, today)}
    chosen = set(goal_ids)
    if chosen - offered.keys():
        raise EvaluationRefused(NOT_OFFERED)
    links = {
        link.goal_id: link
        for link in db.session.scalars(
            select(InitiativeGoal).where(InitiativeGoal.initiative_id == initiative.id)
        )
    }
    before = set(links)
    after = (before - offered.keys()) | chosen
    if before == after:
        return False
    for goal_id in before - after:
        db.session.delete(links[goal_id])
    for goal_id in sorted(after - before):
        db.session.add(
            InitiativeGoal(initiative_id=initiative.id, goal_id=goal_id, linked_by_id=actor.id)
        )
    titles = {
        g.id: g.title for g in db.session.scalars(select(Goal).where(Goal.id.in_(before | after)))
    }
    audit.record(
        "initiative_goals_changed",
        initiative,
        actor=actor,
        changes={
            "goals": [
                sorted(titles[i] for i in before),
                sorted(titles[i] for i in after),
            ]
        },
    )
    flag_modified(initiative, "title")  # the initiative's version moves on: a second edit is stale
    return True
