from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.reference.models import FocusArea, Portfolio
from portal.types import UTCDateTime, utcnow


class Phase(StrEnum):
    IDEA = "idea"  # Idéfas
    CONCEPT = "concept"  # Konceptfas
    PILOT = "pilot"  # Pilotfas
    IMPLEMENTATION = "implementation"  # Implementeringsfas / Lanseringsfas
    FOLLOW_UP = "follow_up"  # Uppföljning
    CLOSED = "closed"  # Avslutad


PHASE_LABELS = {
    Phase.IDEA: _l("Idéfas"),
    Phase.CONCEPT: _l("Konceptfas"),
    Phase.PILOT: _l("Pilotfas"),
    Phase.IMPLEMENTATION: _l("Implementeringsfas"),
    Phase.FOLLOW_UP: _l("Uppföljning"),
    Phase.CLOSED: _l("Avslutad"),
}
PHASE_VALUES = ", ".join(f"'{p.value}'" for p in Phase)


class Initiative(db.Model):
    """An initiative in a focus area's portfolio, moving through the innovation process."""

    __tablename__ = "initiatives"
    __table_args__ = (CheckConstraint(f"phase IN ({PHASE_VALUES})", name="phase_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id"), index=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"))
    phase: Mapped[str] = mapped_column(String(20), default=Phase.IDEA, index=True)
    sk_function: Mapped[str | None] = mapped_column(String(10))
    initiative_type: Mapped[str | None] = mapped_column(String(12))
    origin_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id"), unique=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    portfolio: Mapped[Portfolio] = relationship()
    focus_area: Mapped[FocusArea] = relationship()
    origin_submission = relationship("Submission", foreign_keys=[origin_submission_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS[Phase(self.phase)])
