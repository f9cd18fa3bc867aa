"""Societal goals (samhällsmål) and effect goals (effektmål) of a focus area.

SK works mission-oriented (plan 2023, § 3): each focus area has inspiring, measurable
societal goals, set by its Core Team for a period, and effect goals that say what the
portfolio's initiatives should change on the way; an effect goal may stand under one of the
focus area's societal goals.

A goal belongs to the focus area's portfolio, so it stays with the focus area across the
area's renames. Its wording is kept like the focus area's names: a `Goal` is what lasts (what
initiatives are linked to and the board counts by), each `GoalName` is its title, description
and measure for a period. A rename ends the current name the day before the new one starts,
so what a goal was called in 2023 is still there.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.reference.models import Portfolio
from portal.types import UTCDateTime, utcnow


class GoalKind(StrEnum):
    SOCIETAL = "societal"  # samhällsmål: the mission
    EFFECT = "effect"  # effektmål


GOAL_KIND_LABELS = {
    GoalKind.SOCIETAL: _l("Samhällsmål"),
    GoalKind.EFFECT: _l("Effektmål"),
}


class Goal(db.Model):
    """A goal of a focus area's portfolio, as it lasts across its renames."""

    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint("kind IN ('societal', 'effect')", name="kind_valid"),
        CheckConstraint("parent_id IS NULL OR kind = 'effect'", name="only_effect_under"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=GoalKind.SOCIETAL)
    # An effect goal may stand under a societal goal of the same portfolio.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    portfolio: Mapped[Portfolio] = relationship()
    parent: Mapped[Goal | None] = relationship(remote_side=[id])
    names: Mapped[list[GoalName]] = relationship(
        back_populates="goal", order_by=lambda: [GoalName.valid_from, GoalName.id]
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def current(self) -> GoalName:
        """The latest name (it may have ended: then the goal has ended)."""
        return self.names[-1]

    @property
    def title(self) -> str:
        return self.current.title

    @property
    def kind_label(self) -> str:
        return str(GOAL_KIND_LABELS[GoalKind(self.kind)])

    def in_force_on(self, day: date) -> bool:
        return any(name.in_force_on(day) for name in self.names)

    def name_on(self, day: date) -> GoalName | None:
        return next((n for n in self.names if n.in_force_on(day)), None)

    def __str__(self) -> str:
        return self.title


class GoalName(db.Model):
    """A goal's wording for a period: title, description and how it is measured."""

    __tablename__ = "goal_names"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    measure: Mapped[str] = mapped_column(Text, default="")  # mått / indikator
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    renamed_from_id: Mapped[int | None] = mapped_column(ForeignKey("goal_names.id"))

    goal: Mapped[Goal] = relationship(back_populates="names")
    renamed_from: Mapped[GoalName | None] = relationship(remote_side=[id])

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def __str__(self) -> str:
        return self.title


def in_goal_order(goals):
    """Societal goals by title, each followed by the effect goals under it; then the other
    effect goals. Works on anything with `id`, `kind`, `parent_id` and `title`."""
    by_title = sorted(goals, key=lambda g: (g.title.lower(), g.id))
    ordered = []
    for top in (g for g in by_title if g.kind == GoalKind.SOCIETAL):
        ordered.append(top)
        ordered += [g for g in by_title if g.parent_id == top.id]
    placed = {g.id for g in ordered}
    return ordered + [g for g in by_title if g.id not in placed]
