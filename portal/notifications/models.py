"""Milestones of a submitter's idea, waiting for the day's e-mail; and what employees turned off."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class MilestoneKind(StrEnum):
    PORTFOLIO = "portfolio"  # taken into a portfolio (triage's own mail tells it: triage_accepted)
    PHASE = "phase"  # a Core Team decision moved the initiative to another phase
    PILOT = "pilot"  # the pilot's outcome (Misslyckande, Framgång med brister, Total framgång)
    PUBLISHED = "published"  # first published on the public hub
    CLOSED = "closed"  # the initiative was closed (Avslutad)


KIND_LABELS = {
    MilestoneKind.PORTFOLIO: _l("Bidraget tas in i en portfölj"),
    MilestoneKind.PHASE: _l("Initiativet byter fas"),
    MilestoneKind.PILOT: _l("Pilotens resultat"),
    MilestoneKind.PUBLISHED: _l("Initiativet publiceras i hubben"),
    MilestoneKind.CLOSED: _l("Initiativet avslutas"),
}
# What an employee can turn off under Mitt konto. Being taken into a portfolio is triage's
# answer to the submission (like a decline), sent at once to everyone: not a choice.
OPTIONAL_KINDS = (
    MilestoneKind.PHASE,
    MilestoneKind.PILOT,
    MilestoneKind.PUBLISHED,
    MilestoneKind.CLOSED,
)
KIND_VALUES = ", ".join(f"'{k.value}'" for k in MilestoneKind)


class NotificationStatus(StrEnum):
    PENDING = "pending"  # waits for the day's e-mail
    SENT = "sent"  # in an e-mail (outbox_message_id), or told by triage's own mail
    SKIPPED = "skipped"  # nobody to tell: turned off, no consent, or the address erased


class SubmitterNotification(db.Model):
    """One milestone of a submission, recorded in the transaction of the change itself and
    e-mailed to its submitter by `flask notifications send` (one e-mail a day per person)."""

    __tablename__ = "submitter_notifications"
    __table_args__ = (
        CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind_valid"),
        CheckConstraint("status IN ('pending', 'sent', 'skipped')", name="status_valid"),
        Index("ix_submitter_notifications_due", "status", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The Core Team's decision behind a phase change, a pilot outcome or a closing.
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=NotificationStatus.PENDING)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The e-mail (single or digest) that carried it; gone when retention removes the e-mail.
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )

    submission = relationship("Submission")
    decision = relationship("Decision")

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[MilestoneKind(self.kind)])


class MilestoneOptOut(db.Model):
    """An employee does not want e-mail about this kind of milestone (Mitt konto)."""

    __tablename__ = "milestone_optouts"
    __table_args__ = (CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind_valid"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
