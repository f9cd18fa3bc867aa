from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.reference.models import Criterion, FocusArea, Portfolio
from portal.submissions.models import StoredFile
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
    # The day its submission was submitted, while that submission is in the portfolio (the
    # board's funnel counts by it). Kept by the database (portal/board/origin_day.py), never
    # written here.
    origin_submitted_on: Mapped[date | None] = mapped_column(Date, index=True)
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


# --- decisions ---------------------------------------------------------------------------


class Outcome(StrEnum):
    """What a Core Team decision says (board minutes, appendix 3: Labbets arbetsprocess)."""

    GO_ON = "go_on"  # ja: nästa fas
    STAY = "stay"  # nej: tillbaka till/kvar i samma fas
    BACK = "back"  # tillbaka till en tidigare fas
    STOP = "stop"  # avsluta
    PILOT_FAILURE = "pilot_failure"  # Misslyckande: uppföljningssprint
    PILOT_PARTIAL = "pilot_partial"  # Framgång med brister: ändra och testa igen
    PILOT_SUCCESS = "pilot_success"  # Total framgång: redo för implementering


OUTCOME_LABELS = {
    Outcome.GO_ON: _l("Går vidare till nästa fas"),
    Outcome.STAY: _l("Stannar i fasen"),
    Outcome.BACK: _l("Tillbaka till en tidigare fas"),
    Outcome.STOP: _l("Avslutas"),
    Outcome.PILOT_FAILURE: _l("Misslyckande – uppföljningssprint"),
    Outcome.PILOT_PARTIAL: _l("Framgång med brister – ändra och testa igen"),
    Outcome.PILOT_SUCCESS: _l("Total framgång – redo för implementering"),
}
OUTCOME_VALUES = ", ".join(f"'{o.value}'" for o in Outcome)
# The three outcomes of a pilot: each needs the pilot's report first (pilot_reports/).
PILOT_OUTCOMES = (Outcome.PILOT_FAILURE, Outcome.PILOT_PARTIAL, Outcome.PILOT_SUCCESS)
PILOT_OUTCOME_VALUES = ", ".join(f"'{o.value}'" for o in PILOT_OUTCOMES)


class Decision(db.Model):
    """A recorded decision on an initiative: phase, date, meeting, outcome, rationale."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(f"outcome IN ({OUTCOME_VALUES})", name="outcome_valid"),
        CheckConstraint(f"from_phase IN ({PHASE_VALUES})", name="from_phase_valid"),
        CheckConstraint(f"to_phase IN ({PHASE_VALUES})", name="to_phase_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("priority_meetings.id"), index=True)
    decided_on: Mapped[date] = mapped_column(Date)
    from_phase: Mapped[str] = mapped_column(String(20))
    to_phase: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    rationale: Mapped[str] = mapped_column(Text, default="")
    # The public hub shows the rationale only when process support publishes it.
    rationale_public: Mapped[bool] = mapped_column(default=False, server_default=false())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    initiative: Mapped[Initiative] = relationship(back_populates="decisions")
    meeting = relationship("PriorityMeeting", back_populates="decisions")
    recorded_by = relationship("User")

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[Outcome(self.outcome)])


Initiative.decisions = relationship(
    Decision, back_populates="initiative", order_by=(Decision.decided_on, Decision.id)
)


# --- priority meetings ---------------------------------------------------------------------


class PriorityMeeting(db.Model):
    """A Core Team priority meeting (primöte) for a focus area's portfolio."""

    __tablename__ = "priority_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    portfolio: Mapped[Portfolio] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    decisions: Mapped[list[Decision]] = relationship(back_populates="meeting")


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "initiative_id", name="uq_agenda_items_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("priority_meetings.id", ondelete="CASCADE"))
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    meeting: Mapped[PriorityMeeting] = relationship(back_populates="items")
    initiative: Mapped[Initiative] = relationship()


# --- expert ratings ------------------------------------------------------------------------


class RatingRequest(db.Model):
    """Process support asks an expert to rate an initiative in Konceptfas."""

    __tablename__ = "rating_requests"
    __table_args__ = (
        UniqueConstraint("initiative_id", "expert_id", name="uq_rating_requests_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    initiative: Mapped[Initiative] = relationship()
    expert = relationship("User", foreign_keys=[expert_id])


class Rating(db.Model):
    """One expert's rating of one criterion (1–5) of one initiative, with an optional comment."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("initiative_id", "expert_id", "criterion_id", name="uq_ratings_once"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    criterion: Mapped[Criterion] = relationship()
    expert = relationship("User")


class ConflictOfInterest(db.Model):
    """An expert's declaration of jäv: on record, and it excludes them from rating."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (UniqueConstraint("initiative_id", "expert_id", name="uq_conflicts_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    expert = relationship("User")


# --- funding and insights -------------------------------------------------------------------


class Mandate(StrEnum):
    PROJECT_LEADER = "project_leader"  # up to 50 000 kr
    PROCESS_LEADER = "process_leader"  # up to 200 000 kr
    BOARD = "board"  # above 200 000 kr


class FundingStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REJECTED = "rejected"


class FundingRequest(db.Model):
    """Pilot money asked from the innovation budget; who decides follows the amount."""

    __tablename__ = "funding_requests"
    __table_args__ = (
        CheckConstraint("amount_kr > 0", name="amount_positive"),
        CheckConstraint("status IN ('requested', 'granted', 'rejected')", name="status_valid"),
        CheckConstraint(
            "mandate IN ('project_leader', 'process_leader', 'board')", name="mandate_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    amount_kr: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(Text)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    mandate: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=FundingStatus.REQUESTED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    initiative: Mapped[Initiative] = relationship()


class InnovationBudget(db.Model):
    """The innovation budget for pilots, per calendar year, set by an admin (kronor)."""

    __tablename__ = "innovation_budgets"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    amount_kr: Mapped[int] = mapped_column(Integer)


class Insight(db.Model):
    """A lesson or "Halleluja moment" recorded on an initiative."""

    __tablename__ = "insights"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    noted_on: Mapped[date] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Shown in the public hub (and searchable there) only when process support publishes it.
    public: Mapped[bool] = mapped_column(default=False, server_default=false())

    author = relationship("User")


# --- pilot reports ---------------------------------------------------------------------------


class PilotReport(db.Model):
    """The report that ends a pilot (Pilotfas: "en pilotrapport skrivs"): what was tested, with
    whom, how the effect was measured, the results, which outcome and why, the lessons.

    One per pilot round: `pilot_round` counts the decisions that moved the initiative into
    Pilotfas (1: the first pilot; a pilot run again after Misslyckande or Framgång med brister
    is round 2, and so on; 0 for an initiative put in Pilotfas without a decision).
    `public_parts` names the sections the hub shows once the initiative is published."""

    __tablename__ = "pilot_reports"
    __table_args__ = (
        UniqueConstraint("initiative_id", "pilot_round", name="uq_pilot_reports_round"),
        CheckConstraint("pilot_round >= 0", name="round_valid"),
        CheckConstraint(f"outcome IN ({PILOT_OUTCOME_VALUES})", name="outcome_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    pilot_round: Mapped[int] = mapped_column(Integer)
    tested_what: Mapped[str] = mapped_column(Text, default="")
    tested_with: Mapped[str] = mapped_column(Text, default="")
    measurement: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20))
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    public_parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The insight made from the lessons (once: the button then leads to it).
    lessons_insight_id: Mapped[int | None] = mapped_column(
        ForeignKey("insights.id", ondelete="SET NULL")
    )
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    initiative: Mapped[Initiative] = relationship()
    written_by = relationship("User", foreign_keys=[written_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    files: Mapped[list[PilotReportFile]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="PilotReportFile.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[Outcome(self.outcome)])


class PilotReportFile(StoredFile, db.Model):
    """A file attached to a pilot report (stored like a submission's attachments)."""

    __tablename__ = "pilot_report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("pilot_reports.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[PilotReport] = relationship(back_populates="files")
