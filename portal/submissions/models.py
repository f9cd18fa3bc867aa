from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship, validates

from portal.accounts.models import User
from portal.calls.models import Call
from portal.extensions import db
from portal.reference.models import Agenda2030Goal, FocusArea, Party, Perspective
from portal.types import UTCDateTime, stockholm_day, utcnow


def _submitted_on_default(context) -> date | None:
    """Core INSERTs (bulk seeding) that give submitted_at get their day too."""
    return stockholm_day(context.get_current_parameters().get("submitted_at"))


class Kind(StrEnum):
    CHALLENGE = "challenge"  # utmaning, behov
    IDEA = "idea"


KIND_LABELS = {Kind.CHALLENGE: _l("Utmaning eller behov"), Kind.IDEA: _l("Idé")}


class State(StrEnum):
    DRAFT = "draft"
    RECEIVED = "received"  # Inkommen
    AWAITING_INFO = "awaiting_info"  # Väntar på komplettering
    IN_PORTFOLIO = "in_portfolio"  # I portfölj
    DUPLICATE = "duplicate"  # Dubblett
    DECLINED = "declined"  # Avslagen
    WITHDRAWN = "withdrawn"  # Återkallad


STATE_LABELS = {
    State.DRAFT: _l("Utkast"),
    State.RECEIVED: _l("Inkommen"),
    State.AWAITING_INFO: _l("Väntar på komplettering"),
    State.IN_PORTFOLIO: _l("I portfölj"),
    State.DUPLICATE: _l("Dubblett"),
    State.DECLINED: _l("Avslagen"),
    State.WITHDRAWN: _l("Återkallad"),
}

# What the submitter reads about their entry, in plain words.
STATE_EXPLANATIONS = {
    State.DRAFT: _l("Utkastet är bara synligt för dig. Skicka in det när du är klar."),
    State.RECEIVED: _l(
        "Vi har tagit emot din inlämning. Processtödet går igenom den och sorterar in den i "
        "rätt fokusområde. Du kan komplettera eller återkalla den tills dess."
    ),
    State.AWAITING_INFO: _l(
        "Processtödet behöver veta mer. Läs frågan i e-postmeddelandet du fått och komplettera "
        "inlämningen."
    ),
    State.IN_PORTFOLIO: _l(
        "Din inlämning ingår nu i ett fokusområdes portfölj och går vidare i innovationsprocessen."
    ),
    State.DUPLICATE: _l(
        "Något mycket likt fanns redan. Din inlämning har slagits ihop med den och följer den."
    ),
    State.DECLINED: _l("Inlämningen går inte vidare. Skälet har skickats till dig med e-post."),
    State.WITHDRAWN: _l("Du har återkallat inlämningen. Den behandlas inte vidare."),
}


class SkFunction(StrEnum):
    FORUM = "forum"  # Samhällsforum
    LAB = "lab"  # Samhällslabbet
    ACADEMY = "academy"  # Samhällsakademin


FUNCTION_LABELS = {
    SkFunction.FORUM: _l("Samhällsforum"),
    SkFunction.LAB: _l("Samhällslabbet"),
    SkFunction.ACADEMY: _l("Samhällsakademin"),
}


class InitiativeType(StrEnum):
    INNOVATION = "innovation"
    EDUCATION = "education"
    RESEARCH = "research"


TYPE_LABELS = {
    InitiativeType.INNOVATION: _l("Innovationsinitiativ"),
    InitiativeType.EDUCATION: _l("Utbildningsinsats"),
    InitiativeType.RESEARCH: _l("Forskningsprojekt"),
}

submission_perspectives = Table(
    "submission_perspectives",
    db.metadata,
    Column("submission_id", ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("perspective_id", ForeignKey("perspectives.id"), primary_key=True),
)

submission_goals = Table(
    "submission_goals",
    db.metadata,
    Column("submission_id", ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_number", ForeignKey("agenda2030_goals.number"), primary_key=True),
)

# "Related to" is symmetric; each pair is stored once with the lower id first.
submission_links = Table(
    "submission_links",
    db.metadata,
    Column("low_id", ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("high_id", ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    CheckConstraint("low_id < high_id", name="ordered"),
)

STATE_VALUES = ", ".join(f"'{s.value}'" for s in State)
CANVAS_COLUMNS = (
    "title", "timeline", "purpose", "effect_residents", "effect_society", "effect_sk",
    "visual_description", "responsible", "partners", "follow_up", "challenges", "key_activities",
)  # fmt: skip


class Submission(db.Model):
    """A challenge or idea on SK's canvas, from an employee (with party) or a resident."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(f"state IN ({STATE_VALUES})", name="state_valid"),
        CheckConstraint("kind IN ('challenge', 'idea')", name="kind_valid"),
        CheckConstraint(
            "(submitter_id IS NOT NULL) OR (resident_email IS NOT NULL)", name="has_submitter"
        ),
        CheckConstraint("(state = 'draft') = (reg_number IS NULL)", name="registered_unless_draft"),
        UniqueConstraint("reg_year", "reg_seq", name="uq_submissions_reg_year_seq"),
        Index("ix_submissions_state_submitted", "state", "submitted_at"),
        Index("ix_submissions_party_submitted", "party_id", "submitted_at"),
        # The inbox (bench/inbox.py): every filter column, so its counts per state read this
        # narrow index instead of the wide canvas rows; and the sort by project name.
        Index(
            "ix_submissions_inbox",
            "state",
            "party_id",
            "focus_area_id",
            "handler_id",
            "call_id",
            "kind",
            "submitted_at",
        ),
        Index("ix_submissions_title", "title"),
        # The duplicates of a submission (the hub's parties of an initiative, the triage's
        # list). Partial: most submissions are no duplicate, and over a full index SQLite's
        # statistics count those NULLs as one key of nearly every row, so it scanned the
        # table instead (/hubb took 0.7 s at 100 000 submissions; bench/pages.py).
        Index(
            "ix_submissions_duplicate_of_id",
            "duplicate_of_id",
            sqlite_where=text("duplicate_of_id IS NOT NULL"),
            postgresql_where=text("duplicate_of_id IS NOT NULL"),
        ),
        # The board's figures (portal/board/): the range on the Stockholm day, then every column
        # they group, filter or count by, so they read this index alone; its order lets the
        # inflow aggregate per day without sorting (measured: bench/board.py, README).
        Index(
            "ix_submissions_inflow",
            "submitted_on",
            "party_id",
            "focus_area_id",
            "kind",
            "call_id",
            "state",
            "submitter_id",
        ),
        CheckConstraint(
            "sk_function IS NULL OR sk_function IN ('forum', 'lab', 'academy')",
            name="function_valid",
        ),
        CheckConstraint(
            "initiative_type IS NULL OR initiative_type IN ('innovation', 'education', 'research')",
            name="type_valid",
        ),
        CheckConstraint(
            "duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_own_duplicate"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reg_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    reg_year: Mapped[int | None] = mapped_column(Integer)
    reg_seq: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default=Kind.IDEA)
    state: Mapped[str] = mapped_column(String(20), default=State.DRAFT)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    focus_area_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id"), index=True)

    # The canvas, kept exactly as written.
    title: Mapped[str] = mapped_column(String(200), default="")
    timeline: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    effect_residents: Mapped[str] = mapped_column(Text, default="")
    effect_society: Mapped[str] = mapped_column(Text, default="")
    effect_sk: Mapped[str] = mapped_column(Text, default="")
    visual_description: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    key_activities: Mapped[str] = mapped_column(Text, default="")

    # An employee: the account and the party at the time of submitting.
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    # A resident: contact details only (no account, no personnummer).
    resident_name: Mapped[str | None] = mapped_column(String(120))
    resident_email: Mapped[str | None] = mapped_column(String(254), index=True)
    resident_phone: Mapped[str | None] = mapped_column(String(40))
    consent_named_publicly: Mapped[bool] = mapped_column(default=False)
    consent_news: Mapped[bool] = mapped_column(default=False)
    # E-mail when something happens to the idea (portal/notifications/); off unless ticked.
    consent_milestones: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The language the resident wrote in: their e-mail is written in it too.
    resident_locale: Mapped[str | None] = mapped_column(String(5))

    # One form rendering, one submission: a resent form finds the first one.
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    # Triage by process support.
    # The process-support person responsible for the submission (handläggare). Not the
    # canvas's "Ansvarig", which is the submitter's own text field `responsible`.
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    sk_function: Mapped[str | None] = mapped_column(String(10))
    initiative_type: Mapped[str | None] = mapped_column(String(12))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    info_request: Mapped[str] = mapped_column(Text, default="")
    # The submitter's answer to the latest question, given with the completion form; every
    # answer is also in the audit entry of its completion (the timelines read it there).
    info_answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The Stockholm-local day of submitted_at, stored because SQLite cannot convert time zones:
    # the board's figures count a submission on this day. Kept in step by _set_submitted_on
    # (ORM) and _submitted_on_default (Core inserts).
    submitted_on: Mapped[date | None] = mapped_column(Date, default=_submitted_on_default)
    version: Mapped[int] = mapped_column(Integer, default=1)

    call: Mapped[Call | None] = relationship()
    focus_area: Mapped[FocusArea | None] = relationship()
    submitter: Mapped[User | None] = relationship(foreign_keys=[submitter_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    duplicate_of: Mapped[Submission | None] = relationship(
        remote_side=[id], foreign_keys=[duplicate_of_id]
    )
    perspectives: Mapped[list[Perspective]] = relationship(
        secondary=submission_perspectives, order_by=Perspective.position
    )
    goals: Mapped[list[Agenda2030Goal]] = relationship(
        secondary=submission_goals, order_by=Agenda2030Goal.number
    )
    party: Mapped[Party | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    private_links: Mapped[list[PrivateLink]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("submitted_at")
    def _set_submitted_on(self, key: str, value: datetime | None) -> datetime | None:
        self.submitted_on = stockholm_day(value)
        return value

    @property
    def is_resident(self) -> bool:
        return self.submitter_id is None

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[State(self.state)])

    @property
    def state_explanation(self) -> str:
        return str(STATE_EXPLANATIONS[State(self.state)])

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[Kind(self.kind)])

    @property
    def contact_name(self) -> str:
        return self.submitter.name if self.submitter else (self.resident_name or "")

    @property
    def contact_email(self) -> str:
        return self.submitter.email if self.submitter else (self.resident_email or "")

    @property
    def source_label(self) -> str:
        return self.party.name if self.party else str(_l("Invånare"))


class PrivateLink(db.Model):
    """A resident's private link to their submission (/mitt-bidrag/<token>).

    Each e-mail to the resident that asks them to act carries a link of its own (the receipt,
    an information request), so that the mail itself is the way in; every link stays valid.
    Only the SHA-256 of the 256-bit token is stored: the portal cannot show a link again.
    """

    __tablename__ = "private_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="private_links")


class AttachmentPurpose(StrEnum):
    VISUAL = "visual"  # the canvas's visual description
    ATTACHMENT = "attachment"


class StoredFile:
    """An uploaded file as stored: outside static/ under a random name, with the name and type
    it came with. An attachment of a submission, or a file held for a form not yet sent."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (
            CheckConstraint(
                "content_type IN ('image/png', 'image/jpeg', 'image/webp', 'application/pdf')",
                name="content_type_valid",
            ),
        )

    purpose: Mapped[str] = mapped_column(String(12), default=AttachmentPurpose.ATTACHMENT)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)

    def stored_file(self) -> dict[str, object]:
        """The file's columns, to keep the same file under another row."""
        return {
            "purpose": self.purpose,
            "stored_name": self.stored_name,
            "original_name": self.original_name,
            "content_type": self.content_type,
            "size": self.size,
        }


class Attachment(StoredFile, db.Model):
    """An uploaded file of a submission."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="attachments")


class RegistrationCounter(db.Model):
    """The last registration sequence number handed out per year (SK-<year>-<seq>)."""

    __tablename__ = "registration_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class HeldUpload(StoredFile, db.Model):
    """A file accepted in a form round that failed for another reason, held until the form is
    sent (then it becomes an Attachment, the same file) or removed unsent by `flask retention
    run` after uploads.HELD_FOR (24 hours). Found by the hash of an unguessable token that the form
    carries in a hidden field and the browser's session holds too."""

    __tablename__ = "held_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
