"""Administration of the focus areas' goals (portal/reference/goals.py): add, correct, rename
(the old wording stays in the history), end.

As in portal/admin/services.py: every function takes the acting admin as `actor=`, audits in
the caller's transaction, never commits, and refuses with `RuleViolation` on a form field.
Each change names the goal's version it was made on (`expected_version`); a goal that changed
since is refused (`GoalConflict`), so two admins do not overwrite each other unseen.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.accounts.models import User
from portal.admin.services import RuleViolation, _check_period, _created, _text
from portal.extensions import db
from portal.reference.goals import Goal, GoalKind, GoalName, in_goal_order
from portal.reference.models import Portfolio
from portal.types import utcnow


class GoalConflict(Exception):
    """The goal changed since the form was shown."""


def goals_by_portfolio() -> dict[int, list[Goal]]:
    """Every goal per portfolio: societal goals first, each with its effect goals after it."""
    found = db.session.scalars(
        select(Goal).options(selectinload(Goal.names), selectinload(Goal.parent))
    ).all()
    grouped: dict[int, list[Goal]] = {}
    for goal in found:
        grouped.setdefault(goal.portfolio_id, []).append(goal)
    return {pid: in_goal_order(goals) for pid, goals in grouped.items()}


def parent_choices(portfolio_id: int | None, goal: Goal | None = None) -> list[Goal]:
    """The societal goals an effect goal of the portfolio may stand under."""
    if portfolio_id is None:
        return []
    query = select(Goal).where(
        Goal.portfolio_id == portfolio_id, Goal.kind == GoalKind.SOCIETAL.value
    )
    if goal is not None:
        query = query.where(Goal.id != goal.id)
    found = db.session.scalars(query.options(selectinload(Goal.names))).all()
    return sorted(found, key=lambda g: g.current.title.lower())


def _check_version(goal: Goal, expected_version: int | None) -> None:
    if expected_version != goal.version:
        raise GoalConflict()


def _check_title(portfolio_id: int, title: str, goal: Goal | None, field: str = "title") -> None:
    """No two goals of a focus area share their current title (in any letter case)."""
    others = db.session.scalars(
        select(Goal).where(Goal.portfolio_id == portfolio_id).options(selectinload(Goal.names))
    ).all()
    for other in others:
        if goal is not None and other.id == goal.id:
            continue
        if other.names and other.current.title.lower() == title.lower():
            raise RuleViolation(field, _l("Det finns redan ett mål med det namnet i fokusområdet."))


def _check_kind_and_parent(
    portfolio_id: int, kind: str, parent: Goal | None, goal: Goal | None
) -> None:
    if parent is None:
        if goal is not None and kind == GoalKind.EFFECT and _has_children(goal):
            raise RuleViolation(
                "kind", _l("Målet har effektmål under sig och måste vara ett samhällsmål.")
            )
        return
    if kind != GoalKind.EFFECT:
        raise RuleViolation("parent", _l("Bara ett effektmål kan stå under ett samhällsmål."))
    if parent.kind != GoalKind.SOCIETAL or parent.portfolio_id != portfolio_id:
        raise RuleViolation(
            "parent", _l("Välj ett samhällsmål i samma fokusområde som effektmålet.")
        )
    if goal is not None and parent.id == goal.id:
        raise RuleViolation("parent", _l("Ett mål kan inte stå under sig självt."))


def _has_children(goal: Goal) -> bool:
    return db.session.scalar(select(Goal.id).where(Goal.parent_id == goal.id).limit(1)) is not None


def create_goal(
    *,
    portfolio: Portfolio,
    kind: str,
    parent: Goal | None,
    title: str,
    description: str,
    measure: str,
    valid_from: date,
    valid_to: date | None,
    actor: User,
) -> Goal:
    title = title.strip()
    kind = GoalKind(kind).value
    _check_title(portfolio.id, title, None)
    _check_kind_and_parent(portfolio.id, kind, parent, None)
    _check_period(valid_from, valid_to)
    goal = Goal(portfolio=portfolio, kind=kind, parent=parent)
    values = {
        "title": title,
        "description": _text(description),
        "measure": _text(measure),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
    db.session.add(goal)
    db.session.add(GoalName(goal=goal, **values))
    db.session.flush()
    audit.record(
        "goal_created",
        goal,
        actor=actor,
        changes={
            **_created(values),
            "kind": [None, kind],
            "portfolio_id": [None, portfolio.id],
            "parent_id": [None, parent.id if parent else None],
        },
    )
    return goal


def update_goal(
    goal: Goal,
    *,
    kind: str,
    parent: Goal | None,
    title: str,
    description: str,
    measure: str,
    valid_from: date,
    valid_to: date | None,
    expected_version: int | None,
    actor: User,
) -> None:
    """Correct the goal's current wording and period in place (a typo, a better measure). A new
    wording from a date is `rename_goal`, which keeps the old one."""
    _check_version(goal, expected_version)
    title = title.strip()
    kind = GoalKind(kind).value
    _check_title(goal.portfolio_id, title, goal)
    _check_kind_and_parent(goal.portfolio_id, kind, parent, goal)
    _check_period(valid_from, valid_to)
    current = goal.current
    earlier = goal.names[-2] if len(goal.names) > 1 else None
    if earlier is not None and earlier.valid_to is not None and valid_from <= earlier.valid_to:
        raise RuleViolation(
            "valid_from",
            _l(
                "Perioden överlappar det tidigare namnet %(name)s. Välj en dag efter %(day)s.",
                name=earlier.title,
                day=earlier.valid_to.isoformat(),
            ),
        )
    changes = audit.diff(
        current,
        {
            "title": title,
            "description": _text(description),
            "measure": _text(measure),
            "valid_from": valid_from,
            "valid_to": valid_to,
        },
    )
    changes.update(audit.diff(goal, {"kind": kind, "parent_id": parent.id if parent else None}))
    if changes:
        goal.updated_at = utcnow()  # the version moves on
        audit.record("goal_updated", goal, actor=actor, changes=changes)


def rename_goal(
    goal: Goal,
    *,
    new_title: str,
    description: str,
    measure: str,
    valid_from: date,
    expected_version: int | None,
    actor: User,
) -> GoalName:
    """A new wording from `valid_from`; the current one ends the day before and stays in the
    history. Initiatives stay linked to the goal."""
    _check_version(goal, expected_version)
    current = goal.current
    new_title = new_title.strip()
    _check_title(goal.portfolio_id, new_title, goal, "new_title")
    if new_title == current.title:
        raise RuleViolation("new_title", _l("Det nya namnet är detsamma som det nuvarande."))
    if valid_from <= current.valid_from:
        raise RuleViolation(
            "valid_from",
            _l(
                "Det nya namnet måste gälla från en dag efter att %(name)s började gälla.",
                name=current.title,
            ),
        )
    if current.valid_to is not None and valid_from > current.valid_to:
        raise RuleViolation(
            "valid_from",
            _l(
                "%(name)s upphörde redan. Det nya namnet måste börja gälla senast den dagen.",
                name=current.title,
            ),
        )
    old_valid_to = current.valid_to
    current.valid_to = valid_from - timedelta(days=1)
    renamed = GoalName(
        goal=goal,
        title=new_title,
        description=_text(description),
        measure=_text(measure),
        valid_from=valid_from,
        valid_to=old_valid_to,
        renamed_from=current,
    )
    db.session.add(renamed)
    goal.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "goal_renamed",
        goal,
        actor=actor,
        changes={
            "title": [current.title, new_title],
            "valid_from": [None, valid_from.isoformat()],
            "previous_valid_to": [
                old_valid_to.isoformat() if old_valid_to else None,
                current.valid_to.isoformat(),
            ],
        },
    )
    return renamed


def end_goal(goal: Goal, *, valid_to: date, expected_version: int | None, actor: User) -> None:
    """The goal stops being in force after `valid_to`; links and history stay."""
    _check_version(goal, expected_version)
    current = goal.current
    if valid_to < current.valid_from:
        raise RuleViolation(
            "valid_to",
            _l(
                "Målet kan inte upphöra före den dag det började gälla (%(day)s).",
                day=current.valid_from.isoformat(),
            ),
        )
    changes = audit.diff(current, {"valid_to": valid_to})
    if changes:
        goal.updated_at = utcnow()
        audit.record("goal_ended", goal, actor=actor, changes=changes)
