from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class RecordKind(StrEnum):
    RECEIVED = "received"  # the submission as it arrived: number, time, content, sender
    COMPLETION = "completion"  # what the submitter added later, dated


class SubmissionRecord(db.Model):
    """A submission as received (sequence 0), and each later completion (1, 2, …).

    The application never changes a row: the ORM refuses updates and deletes (below), and
    database triggers refuse changes to the sealed columns (portal/privacy/records.py). Two
    explicit, audited paths exist: marking an erasure request, and removing the records of a
    submission whose retention has ended (portal/privacy/retention.py).
    """

    __tablename__ = "submission_records"
    __table_args__ = (
        UniqueConstraint("submission_id", "sequence", name="uq_submission_records_sequence"),
        CheckConstraint("kind IN ('received', 'completion')", name="kind_valid"),
        CheckConstraint("(kind = 'received') = (sequence = 0)", name="received_first"),
        Index("ix_submission_records_register", "reg_year", "reg_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    reg_number: Mapped[str] = mapped_column(String(20))
    reg_year: Mapped[int] = mapped_column(Integer)
    reg_seq: Mapped[int] = mapped_column(Integer)
    # Time of arrival (sequence 0) or of the completion.
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The project name as received (the register's title); a completion's new name or "".
    title: Mapped[str] = mapped_column(String(200), default="")
    # The canvas as written (received: every field; completion: the fields it changed), the
    # kind, call, focus area and the files that came with it.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Who sent it: a resident's contact details and consents, or an employee's name, e-mail
    # and party. Personal data: shown only to process support, and to the person.
    sender: Mapped[dict[str, Any]] = mapped_column(JSON)
    # SHA-256 of the canonical JSON of `content`: the record can be checked against it.
    content_sha256: Mapped[str] = mapped_column(String(64))
    # Set when the sender asked for erasure; the record is kept under the archive rules
    # until its retention ends, then removed with the submission.
    erasure_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission = relationship("Submission")

    @property
    def is_received(self) -> bool:
        return self.kind == RecordKind.RECEIVED


@event.listens_for(SubmissionRecord, "before_update")
@event.listens_for(SubmissionRecord, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise RuntimeError("a record as received cannot be changed")


# --- retention -------------------------------------------------------------------------------


class RetentionKind(StrEnum):
    RESIDENT_CONTACTS = "resident_contacts"
    CLOSED_SUBMISSIONS = "closed_submissions"
    DRAFTS = "drafts"
    OUTBOX = "outbox"


class RetentionAction(StrEnum):
    ANONYMISE = "anonymise"
    DELETE = "delete"


ACTION_LABELS = {
    RetentionAction.ANONYMISE: _l("Avidentifiera"),
    RetentionAction.DELETE: _l("Radera"),
}

KIND_VALUES = ", ".join(f"'{k.value}'" for k in RetentionKind)


class RetentionRule(db.Model):
    """An admin's retention rule for one kind of data (one row per kind)."""

    __tablename__ = "retention_rules"
    __table_args__ = (
        CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind_valid"),
        CheckConstraint("action IN ('anonymise', 'delete')", name="action_valid"),
        CheckConstraint("period > 0", name="period_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), unique=True)
    period: Mapped[int] = mapped_column(Integer)  # in the kind's unit (days, months, years)
    action: Mapped[str] = mapped_column(String(10), default=RetentionAction.ANONYMISE)
    active: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    updated_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}
