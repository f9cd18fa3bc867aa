"""The register (diarium): every registered submission as received, with its state now.

One row per record as received: registration number, date of arrival (Stockholm), call, the
sender's party or "Invånare" (never a name), the title as received, and the current state.
Filters by year, call and state are read from the address; the exports take the same filters
and reuse the board's CSV/XLSX writer (portal/board/exports.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from portal import paging
from portal.board import exports
from portal.calls.models import Call
from portal.extensions import db
from portal.forms import id_from_text
from portal.privacy.models import SubmissionRecord
from portal.reference.models import Party
from portal.submissions.models import STATE_LABELS, State, Submission, stockholm_day

PER_PAGE = 50
STATES = [s for s in State if s != State.DRAFT]


@dataclass(frozen=True)
class RegisterOptions:
    years: list[int]
    calls: list[tuple[int, str]]


def load_options() -> RegisterOptions:
    years = db.session.scalars(
        select(SubmissionRecord.reg_year)
        .where(SubmissionRecord.sequence == 0)
        .distinct()
        .order_by(SubmissionRecord.reg_year.desc())
    ).all()
    calls = db.session.execute(
        select(Call.id, Call.title).order_by(Call.opens_at.desc(), Call.id.desc())
    ).all()
    return RegisterOptions(list(years), [(c.id, c.title) for c in calls])


@dataclass(frozen=True)
class RegisterFilters:
    year: int | None = None
    call: int | None = None
    state: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str], options: RegisterOptions) -> RegisterFilters:
        """Unknown values are ignored, not refused: the register shows everything instead."""
        year = id_from_text(args.get("year"))
        call = id_from_text(args.get("call"))
        state = args.get("state") or None
        return cls(
            year=year if year in options.years else None,
            call=call if call in {c for c, _t in options.calls} else None,
            state=state if state in {s.value for s in STATES} else None,
            page=paging.page_from_args(args, "page"),
        )

    def args(self, **override) -> dict[str, str]:
        values = {"year": self.year, "call": self.call, "state": self.state, "page": self.page}
        values.update(override)
        if values.get("page") == 1:
            values["page"] = None
        return {k: str(v) for k, v in values.items() if v is not None}

    def query_string(self, **override) -> str:
        query = urlencode(self.args(**override))
        return f"?{query}" if query else ""

    def where(self) -> list:
        conditions = [SubmissionRecord.sequence == 0]
        if self.year is not None:
            conditions.append(SubmissionRecord.reg_year == self.year)
        if self.call is not None:
            conditions.append(Submission.call_id == self.call)
        if self.state is not None:
            conditions.append(Submission.state == self.state)
        return conditions


def _statement(filters: RegisterFilters) -> Select:
    return (
        select(
            SubmissionRecord.reg_number,
            SubmissionRecord.at,
            SubmissionRecord.title,
            Submission.id.label("submission_id"),
            Submission.state,
            Call.title.label("call_title"),
            Party.name.label("party_name"),
        )
        .join(Submission, Submission.id == SubmissionRecord.submission_id)
        .outerjoin(Call, Call.id == Submission.call_id)
        .outerjoin(Party, Party.id == Submission.party_id)
        .where(*filters.where())
        .order_by(SubmissionRecord.reg_year.desc(), SubmissionRecord.reg_seq.desc())
    )


@dataclass(frozen=True)
class Row:
    submission_id: int
    reg_number: str
    day: object
    call: str
    source: str
    title: str
    state: str

    def values(self) -> list:
        return [
            self.reg_number,
            self.day.isoformat(),
            self.call,
            self.source,
            self.title,
            self.state,
        ]


@dataclass(frozen=True)
class Labels:
    """The translated words of a listing, looked up once rather than once per row."""

    states: dict[str, str]
    residents: str
    standing: str

    @classmethod
    def now(cls) -> Labels:
        return cls(
            states={s.value: str(label) for s, label in STATE_LABELS.items()},
            residents=_("Invånare"),
            standing=_("Löpande inlämning"),
        )


def _row(r, labels: Labels) -> Row:
    return Row(
        submission_id=r.submission_id,
        reg_number=r.reg_number,
        day=stockholm_day(r.at),
        call=r.call_title or labels.standing,
        source=r.party_name or labels.residents,
        title=r.title,
        state=labels.states[r.state],
    )


@dataclass(frozen=True)
class RegisterPage:
    rows: list[Row]
    total: int
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def register_page(filters: RegisterFilters) -> RegisterPage:
    total = db.session.scalar(
        select(func.count())
        .select_from(SubmissionRecord)
        .join(Submission, Submission.id == SubmissionRecord.submission_id)
        .where(*filters.where())
    )
    pages = paging.last_page(total, PER_PAGE)
    page = paging.clamp(filters.page, total, PER_PAGE)
    rows = db.session.execute(
        _statement(filters).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    labels = Labels.now()
    return RegisterPage([_row(r, labels) for r in rows], total, page, pages)


def header() -> list[str]:
    return [_("Reg.nr"), _("Datum"), _("Utlysning"), _("Avsändare"), _("Rubrik"), _("Status")]


def sheet(filters: RegisterFilters) -> exports.Sheet:
    def rows() -> Iterator[list]:
        labels = Labels.now()
        statement = _statement(filters).execution_options(yield_per=exports.STREAM_BATCH)
        for r in db.session.execute(statement):
            yield _row(r, labels).values()

    suffix = "-".join(
        part
        for part in (
            str(filters.year) if filters.year else "",
            f"utlysning-{filters.call}" if filters.call else "",
            filters.state or "",
        )
        if part
    )
    return exports.Sheet(
        title=_("Diarium"),
        filename="diarium" + (f"-{suffix}" if suffix else ""),
        header=header(),
        rows=rows(),
    )
