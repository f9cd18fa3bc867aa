from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.reference.models import FocusArea, Party
from portal.types import UTCDateTime, utcnow


class Audience(StrEnum):
    STAFF = "staff"  # the parties' staff only
    RESIDENTS = "residents"  # staff and residents


class CallState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # published, not yet open
    OPEN = "open"
    CLOSED = "closed"


call_focus_areas = Table(
    "call_focus_areas",
    db.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("focus_area_id", ForeignKey("focus_areas.id"), primary_key=True),
)


class Call(db.Model):
    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        CheckConstraint("audience IN ('staff', 'residents')", name="audience_valid"),
        CheckConstraint(
            "max_participants IS NULL OR max_participants > 0", name="max_participants_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(String(300))
    background: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    audience: Mapped[str] = mapped_column(String(12), default=Audience.STAFF)
    host_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    max_participants: Mapped[int | None] = mapped_column(Integer)
    field_rules: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    host_party: Mapped[Party] = relationship()
    focus_areas: Mapped[list[FocusArea]] = relationship(
        secondary=call_focus_areas, order_by=FocusArea.name
    )

    __mapper_args__ = {"version_id_col": version}

    def state_at(self, now: datetime) -> CallState:
        if self.published_at is None:
            return CallState.DRAFT
        if now < self.opens_at:
            return CallState.SCHEDULED
        if now >= self.closes_at:
            return CallState.CLOSED
        return CallState.OPEN

    @property
    def state(self) -> CallState:
        return self.state_at(utcnow())

    @property
    def open_to_residents(self) -> bool:
        return self.audience == Audience.RESIDENTS

    def __str__(self) -> str:
        return self.title
