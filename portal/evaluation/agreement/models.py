"""What process support records on an initiative for the agreement's figures: one table, one
row per entry, its kind saying which fields it uses (docs: README, "The board's figures").

- students:       how many students, their institution, the course or thesis;
- collaboration:  a new collaboration: the party, between which parties or units, started when;
- partner:        an external partner: the organisation and its kind;
- research:       a linked research project: its title, the party, a link.

Each entry is dated (`dated_on`: the day it happened or started), audited, and carries a
version (optimistic locking: an edit from a stale page is refused)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class EntryKind(StrEnum):
    STUDENTS = "students"
    COLLABORATION = "collaboration"
    PARTNER = "partner"
    RESEARCH = "research"


class PartnerKind(StrEnum):
    COMPANY = "company"
    CIVIL_SOCIETY = "civil_society"
    RESEARCH = "research"
    PUBLIC = "public"
    OTHER = "other"


KIND_LABELS = {
    EntryKind.STUDENTS: _l("Studenter"),
    EntryKind.COLLABORATION: _l("Nya samarbeten"),
    EntryKind.PARTNER: _l("Externa partner"),
    EntryKind.RESEARCH: _l("Forskningsprojekt"),
}
PARTNER_KIND_LABELS = {
    PartnerKind.COMPANY: _l("Företag"),
    PartnerKind.CIVIL_SOCIETY: _l("Civilsamhället"),
    PartnerKind.RESEARCH: _l("Forskningsaktör"),
    PartnerKind.PUBLIC: _l("Annan offentlig aktör"),
    PartnerKind.OTHER: _l("Annat"),
}
KIND_VALUES = ", ".join(f"'{k.value}'" for k in EntryKind)
PARTNER_KIND_VALUES = ", ".join(f"'{k.value}'" for k in PartnerKind)


class AgreementEntry(db.Model):
    """One entry for the agreement's figures on an initiative."""

    __tablename__ = "agreement_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind_valid"),
        CheckConstraint(
            f"partner_kind IS NULL OR partner_kind IN ({PARTNER_KIND_VALUES})",
            name="partner_kind_valid",
        ),
        CheckConstraint(
            "(kind = 'students') = (students IS NOT NULL AND students > 0)",
            name="students_counted",
        ),
        CheckConstraint(
            "(kind = 'partner') = (partner_kind IS NOT NULL)", name="partner_kind_for_partner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    dated_on: Mapped[date] = mapped_column(Date, index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    # students: the course or thesis; collaboration: between which parties or units;
    # partner: the organisation; research: the project's title
    title: Mapped[str] = mapped_column(String(300))
    institution: Mapped[str] = mapped_column(String(200), default="")  # students only
    students: Mapped[int | None] = mapped_column(Integer)  # students only
    partner_kind: Mapped[str | None] = mapped_column(String(20))  # partner only
    url: Mapped[str] = mapped_column(String(500), default="")  # research only (optional)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    party = relationship("Party")

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[EntryKind(self.kind)])

    @property
    def partner_kind_label(self) -> str:
        return str(PARTNER_KIND_LABELS[PartnerKind(self.partner_kind)]) if self.partner_kind else ""
