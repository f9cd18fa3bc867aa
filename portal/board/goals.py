"""The portfolio per goal: for each focus area's societal and effect goals, how many initiatives
work towards it in each phase (portal/reference/goals.py, portal/evaluation/goals.py).

The board's filters apply where they make sense: the focus area limits the goals and the
initiatives, the source limits the initiatives to those from that party's (or residents')
submissions, and the period chooses the goals that were in force at some time during it, each
under the name it had at the period's end. The phases are where the initiatives are now.

Two statements whatever the number of goals and initiatives: the goals with their names, and
the links counted per goal and phase (tests/functional/test_board_goals.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal.board.figures import Scope
from portal.evaluation.goals import InitiativeGoal
from portal.evaluation.models import PHASE_LABELS, Initiative, Phase
from portal.extensions import db
from portal.reference.goals import GOAL_KIND_LABELS, Goal, GoalKind, GoalName, in_goal_order

PHASES = list(Phase)


@dataclass
class GoalFigures:
    id: int
    title: str
    kind: str
    parent_id: int | None
    counts: dict[str, int] = field(default_factory=dict)
    under: str | None = None  # the title of the societal goal an effect goal stands under

    @property
    def kind_label(self) -> str:
        return str(GOAL_KIND_LABELS[GoalKind(self.kind)])

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, phase: Phase) -> int:
        return self.counts.get(phase.value, 0)


@dataclass
class AreaGoals:
    portfolio_id: int
    name: str
    goals: list[GoalFigures]


def _name_for(names: list[tuple[str, date, date | None]], scope: Scope) -> str | None:
    """The title in force at the period's end, else the last one that started in it; None
    when no name was in force during the period."""
    during = [
        (title, start)
        for title, start, end in names
        if start <= scope.date_to and (end is None or end >= scope.date_from)
    ]
    if not during:
        return None
    return max(during, key=lambda pair: pair[1])[0]


def per_goal(scope: Scope, portfolio_names: dict[int, str]) -> list[AreaGoals]:
    """Each focus area (in the order of `portfolio_names`) with its goals and their counts."""
    goal_rows = select(
        Goal.id,
        Goal.portfolio_id,
        Goal.kind,
        Goal.parent_id,
        GoalName.title,
        GoalName.valid_from,
        GoalName.valid_to,
    ).join(GoalName, GoalName.goal_id == Goal.id)
    if scope.portfolio is not None:
        goal_rows = goal_rows.where(Goal.portfolio_id == scope.portfolio)
    names: dict[int, list[tuple[str, date, date | None]]] = {}
    facts: dict[int, tuple[int, str, int | None]] = {}
    for goal_id, portfolio_id, kind, parent_id, title, start, end in db.session.execute(
        goal_rows.order_by(Goal.id, GoalName.valid_from)
    ):
        names.setdefault(goal_id, []).append((title, start, end))
        facts[goal_id] = (portfolio_id, kind, parent_id)

    counted = (
        select(InitiativeGoal.goal_id, Initiative.phase, func.count())
        .join(Initiative, Initiative.id == InitiativeGoal.initiative_id)
        .where(*scope.initiative_filters(Initiative.id))
        .group_by(InitiativeGoal.goal_id, Initiative.phase)
    )
    if scope.portfolio is not None:
        counted = counted.where(Initiative.portfolio_id == scope.portfolio)
    counts: dict[int, dict[str, int]] = {}
    for goal_id, phase, n in db.session.execute(counted):
        counts.setdefault(goal_id, {})[phase] = n

    every: dict[int, GoalFigures] = {}
    for goal_id, goal_names in names.items():
        title = _name_for(goal_names, scope)
        if title is None:
            continue
        portfolio_id, kind, parent_id = facts[goal_id]
        every[goal_id] = GoalFigures(goal_id, title, kind, parent_id, counts.get(goal_id, {}))
    for figures in every.values():
        parent = every.get(figures.parent_id) if figures.parent_id else None
        figures.under = parent.title if parent else None

    areas = []
    for portfolio_id, name in portfolio_names.items():
        mine = [g for g in every.values() if facts[g.id][0] == portfolio_id]
        if mine:
            areas.append(AreaGoals(portfolio_id, name, in_goal_order(mine)))
    return areas


__all__ = ["PHASES", "PHASE_LABELS", "AreaGoals", "GoalFigures", "per_goal"]
