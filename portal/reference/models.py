from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import today_in_stockholm


class PartyKind(StrEnum):
    UNIVERSITY = "university"
    MUNICIPALITY = "municipality"
    REGION = "region"
    OTHER = "other"


class Party(db.Model):
    """An organisation whose staff submit and whose inflow the board follows."""

    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        CheckConstraint(
            "kind IN ('university', 'municipality', 'region', 'other')", name="kind_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    short_name: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=PartyKind.OTHER)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def has_left(self) -> bool:
        return self.left_on is not None and self.left_on <= today_in_stockholm()

    def __str__(self) -> str:
        return self.name


class Portfolio(db.Model):
    """What a focus area stands for across renames: submissions are counted per portfolio."""

    __tablename__ = "portfolios"

    id: Mapped[int] = mapped_column(primary_key=True)
    focus_areas: Mapped[list[FocusArea]] = relationship(
        back_populates="portfolio", order_by="FocusArea.valid_from"
    )

    @property
    def current(self) -> FocusArea:
        return self.focus_areas[-1]


class FocusArea(db.Model):
    """A named focus area valid for a period; a rename starts a new one in the same portfolio."""

    __tablename__ = "focus_areas"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    effect_goal: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id"), index=True)
    renamed_from_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id"))

    portfolio: Mapped[Portfolio] = relationship(back_populates="focus_areas")
    renamed_from: Mapped[FocusArea | None] = relationship(remote_side=[id])

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def __str__(self) -> str:
        return self.name


class Perspective(db.Model):
    """One of the prioritised perspectives every initiative is judged against."""

    __tablename__ = "perspectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Agenda2030Goal(db.Model):
    __tablename__ = "agenda2030_goals"
    __table_args__ = (CheckConstraint("number BETWEEN 1 AND 17", name="number_range"),)

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(160))

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Criterion(db.Model):
    """One arm of the spider chart, rated 1–5 by experts."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    guiding_questions: Mapped[str] = mapped_column(Text, default="")

    @property
    def questions(self) -> list[str]:
        return [q for q in self.guiding_questions.splitlines() if q.strip()]

    def __str__(self) -> str:
        return self.name
