from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class Compliance:
    """Digg's three levels of compliance with the DOS law."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"
    ALL = (FULL, PARTIAL, NONE)


class AccessibilityStatement(db.Model):
    """The statement as an admin last saved it. One row (id 1); before the first save the
    built-in defaults in `services.DEFAULTS` are shown."""

    __tablename__ = "accessibility_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation: Mapped[str] = mapped_column(String(200))
    service_name: Mapped[str] = mapped_column(String(200))
    compliance: Mapped[str] = mapped_column(String(10))
    shortcomings_sv: Mapped[str] = mapped_column(Text, default="")
    shortcomings_en: Mapped[str] = mapped_column(Text, default="")
    feedback_sv: Mapped[str] = mapped_column(Text, default="")
    feedback_en: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254))
    method_sv: Mapped[str] = mapped_column(Text, default="")
    method_en: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[date] = mapped_column(Date)  # when the statement was first drawn up
    assessed_on: Mapped[date] = mapped_column(Date)  # when the service was last assessed
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class AccessibilityCheck(db.Model):
    """One run of the automated checks (the browser crawl with axe-core), as reported."""

    __tablename__ = "accessibility_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    tool: Mapped[str] = mapped_column(String(80))
    standard: Mapped[str] = mapped_column(String(80))
    pages: Mapped[int] = mapped_column(Integer)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    violations: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
