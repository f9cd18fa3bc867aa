"""The inbox query: filters read from the address, one page of submissions, counts per state.

The page costs the same number of SQL statements however many submissions there are: the
filter options take one query each (`load_options`), the counts per state one (`GROUP BY
state` on submissions alone, no joins), the rows one (many-to-ones joined eagerly).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from urllib.parse import urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, func, select

from portal import paging
from portal.accounts.models import Role, User, UserRole
from portal.calls.models import Call
from portal.extensions import db
from portal.forms import day_from_args, id_from_text
from portal.reference.models import FocusArea, Party
from portal.submissions.models import KIND_LABELS, STATE_LABELS, Kind, State, Submission
from portal.submissions.queries import with_names
from portal.submissions.states import OPEN as AWAITING_TRIAGE
from portal.triage import search
from portal.triage.counts import kept_totals
from portal.types import STOCKHOLM

PER_PAGE = 25
MAX_QUERY_LENGTH = 200
MANY = 2000  # more matches than this: walk the sort order rather than sort the matches
TEXT_CAP = 1000  # free text: the newest this many matches are searched further

# Quick filters beside the single states. "Öppna" is what still needs process support.
OPEN = "open"
ALL = "all"
OPEN_STATES = tuple(s for s in State if s in AWAITING_TRIAGE)  # in the order of State
INBOX_STATES = tuple(s for s in State if s != State.DRAFT)  # drafts are never in the inbox
STATE_FILTERS = (OPEN, ALL, *(s.value for s in INBOX_STATES))
QUICK_LABELS = {OPEN: _l("Öppna"), ALL: _l("Alla")}

RESIDENTS = "invanare"  # source: residents (no party)
NOBODY = "ingen"  # handler: unassigned; focus area: not sorted yet

SORTS = ("submitted", "reg_number", "title", "state")
DEFAULT_SORT = "submitted"
# The direction a column starts in when its header is chosen.
FIRST_ORDER = {"submitted": "desc", "reg_number": "desc", "title": "asc", "state": "asc"}

REG_NUMBER = re.compile(r"^\s*SK-(\d{4})-(\d{1,6})\s*$", re.IGNORECASE)


class CallOption(NamedTuple):
    id: int
    title: str


class PartyOption(NamedTuple):
    id: int
    short_name: str
    name: str


class PortfolioOption(NamedTuple):
    """A focus-area portfolio: its current name, and the names it had before."""

    id: int
    name: str
    earlier: tuple[str, ...]

    @property
    def label(self) -> str:
        if not self.earlier:
            return self.name
        return _("%(name)s (tidigare %(earlier)s)", name=self.name, earlier=", ".join(self.earlier))


class FocusAreaOption(NamedTuple):
    id: int
    name: str
    portfolio_id: int
    current: bool


class UserOption(NamedTuple):
    id: int
    name: str


@dataclass
class InboxOptions:
    """What the filter and bulk controls offer; one query each."""

    calls: list[CallOption]
    parties: list[PartyOption]
    portfolios: list[PortfolioOption]
    focus_areas: list[FocusAreaOption]
    handlers: list[UserOption]


def load_options() -> InboxOptions:
    calls = [
        CallOption(*row)
        for row in db.session.execute(
            select(Call.id, Call.title).order_by(Call.opens_at.desc(), Call.id.desc())
        )
    ]
    parties = [
        PartyOption(*row)
        for row in db.session.execute(
            select(Party.id, Party.short_name, Party.name).order_by(Party.name)
        )
    ]
    areas = db.session.execute(
        select(FocusArea.id, FocusArea.name, FocusArea.portfolio_id, FocusArea.valid_to).order_by(
            FocusArea.portfolio_id, FocusArea.valid_from, FocusArea.id
        )
    ).all()
    by_portfolio: dict[int, list] = {}
    for area in areas:
        by_portfolio.setdefault(area.portfolio_id, []).append(area)
    portfolios = sorted(
        (
            PortfolioOption(pid, chain[-1].name, tuple(a.name for a in reversed(chain[:-1])))
            for pid, chain in by_portfolio.items()
        ),
        key=lambda p: p.name,
    )
    focus_areas = sorted(
        (
            FocusAreaOption(a.id, a.name, a.portfolio_id, a is by_portfolio[a.portfolio_id][-1])
            for a in areas
        ),
        key=lambda a: (not a.current, a.name),
    )
    handlers = [
        UserOption(*row)
        for row in db.session.execute(
            select(User.id, User.name)
            .where(
                User.active.is_(True),
                User.id.in_(
                    select(UserRole.user_id).where(
                        UserRole.role.in_([Role.PROCESS_SUPPORT.value, Role.ADMIN.value])
                    )
                ),
            )
            .order_by(User.name, User.id)
        )
    ]
    return InboxOptions(calls, parties, portfolios, focus_areas, handlers)


@dataclass
class InboxFilters:
    """The inbox's filters and sorting, as read (and cleaned) from the query string."""

    call: int | None = None
    kind: str | None = None
    source: int | str | None = None  # a party id, or RESIDENTS
    portfolio: int | str | None = None  # a portfolio id, or NOBODY (no focus area yet)
    state: str = OPEN
    handler: int | str | None = None  # a user id, or NOBODY
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    order: str = "desc"
    messages: list[str] = field(default_factory=list)  # what was ignored, in plain words
    # Free text, resolved by `inbox_page` to the ids of the newest matching submissions.
    text_ids: list[int] | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], options: InboxOptions) -> InboxFilters:
        """Read the filters; anything unknown is ignored and said in `messages`, never raised."""
        f = cls()
        f.call = f._choice_id(args, "call", {c.id for c in options.calls}, _("utlysning"))
        kind = (args.get("kind") or "").strip()
        if kind in {k.value for k in Kind}:
            f.kind = kind
        elif kind:
            f._ignored(_("typ"))
        source = (args.get("source") or "").strip()
        f.source = (
            RESIDENTS
            if source == RESIDENTS
            else f._choice_id(args, "source", {p.id for p in options.parties}, _("källa"))
        )
        portfolio = (args.get("portfolio") or "").strip()
        f.portfolio = (
            NOBODY
            if portfolio == NOBODY
            else f._choice_id(
                args, "portfolio", {p.id for p in options.portfolios}, _("fokusområde")
            )
        )
        handler = (args.get("handler") or "").strip()
        f.handler = (
            NOBODY
            if handler == NOBODY
            else f._choice_id(args, "handler", {u.id for u in options.handlers}, _("handläggare"))
        )
        state = (args.get("state") or "").strip()
        if state in STATE_FILTERS:
            f.state = state
        elif state:
            f._ignored(_("status"))
        f.date_from = f._day(args, "from")
        f.date_to = f._day(args, "to")
        if f.date_from and f.date_to and f.date_from > f.date_to:
            f.messages.append(_("Från-datumet låg efter till-datumet, så de har bytt plats."))
            f.date_from, f.date_to = f.date_to, f.date_from
        f.q = " ".join((args.get("q") or "").split())[:MAX_QUERY_LENGTH]
        sort = (args.get("sort") or "").strip()
        f.sort = sort if sort in SORTS else DEFAULT_SORT
        order = (args.get("order") or "").strip()
        f.order = order if order in ("asc", "desc") else FIRST_ORDER[f.sort]
        return f

    def _ignored(self, what: str) -> None:
        self.messages.append(
            _("Filtret för %(what)s kändes inte igen och används inte.", what=what)
        )

    def _choice_id(self, args, name: str, known: set[int], what: str) -> int | None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        if (chosen := id_from_text(raw)) in known:
            return chosen
        self._ignored(what)
        return None

    def _day(self, args, name: str) -> date | None:
        return day_from_args(args, name, self.messages)

    # --- back into the address ----------------------------------------------------------

    def args(self, **override) -> dict[str, str]:
        """The non-default filters as query arguments (for links), with `override` applied."""
        values = {
            "q": self.q,
            "state": "" if self.state == OPEN else self.state,
            "call": self.call,
            "kind": self.kind,
            "source": self.source,
            "portfolio": self.portfolio,
            "handler": self.handler,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "order": "" if self.order == FIRST_ORDER[self.sort] else self.order,
        }
        values.update(override)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def url(self, **override) -> str:
        query = urlencode(self.args(**override))
        return f"/inkorg?{query}" if query else "/inkorg"

    def sort_url(self, column: str) -> str:
        """The header link: the other direction for the current column, else its first one."""
        if column == self.sort:
            order = "asc" if self.order == "desc" else "desc"
        else:
            order = FIRST_ORDER[column]
        return self.url(
            sort="" if column == DEFAULT_SORT else column,
            order="" if order == FIRST_ORDER[column] else order,
            page=None,
        )

    def aria_sort(self, column: str) -> str | None:
        if column != self.sort:
            return None
        return "ascending" if self.order == "asc" else "descending"

    @property
    def narrowed(self) -> bool:
        """Any filter that narrows the submissions counted per state (all but the state)."""
        return bool(self.args(state="", sort="", order=""))

    @property
    def active(self) -> bool:
        """Any filter besides the default state view."""
        return bool(self.args(sort="", order=""))

    # --- into SQL -----------------------------------------------------------------------

    def where(self, *, with_state: bool = True, many: bool = False) -> list[ColumnElement[bool]]:
        """The WHERE clauses. `many`: the filters match many rows (see `inbox_page`)."""
        clauses: list[ColumnElement[bool]] = [Submission.state != State.DRAFT.value]
        if with_state and self.state != ALL:
            states = OPEN_STATES if self.state == OPEN else (State(self.state),)
            clauses.append(Submission.state.in_([s.value for s in states]))
        if self.call is not None:
            clauses.append(Submission.call_id == self.call)
        if self.kind:
            clauses.append(Submission.kind == self.kind)
        if self.source == RESIDENTS:
            clauses.append(Submission.party_id.is_(None))
        elif self.source is not None:
            clauses.append(Submission.party_id == self.source)
        if self.portfolio == NOBODY:
            clauses.append(Submission.focus_area_id.is_(None))
        elif self.portfolio is not None:
            clauses.append(
                Submission.focus_area_id.in_(
                    select(FocusArea.id).where(FocusArea.portfolio_id == self.portfolio)
                )
            )
        if self.handler == NOBODY:
            clauses.append(Submission.handler_id.is_(None))
        elif self.handler is not None:
            clauses.append(Submission.handler_id == self.handler)
        if self.date_from:
            clauses.append(Submission.submitted_at >= day_start(self.date_from))
        if self.date_to:
            clauses.append(Submission.submitted_at < day_start(self.date_to + timedelta(days=1)))
        if self.q:
            number = REG_NUMBER.match(self.q)
            if number:
                year, seq = number.groups()
                clauses.append(Submission.reg_number == f"SK-{year}-{int(seq):04d}")
            else:
                text_clause = (
                    search.id_in(Submission.id, self.text_ids)
                    if self.text_ids is not None
                    else search.matches(self.q)
                )
                if text_clause is not None:
                    clauses.append(text_clause)
        return clauses

    def order_by(self) -> list:
        if self.sort == "reg_number":
            keys = [Submission.reg_year, Submission.reg_seq]
        elif self.sort == "title":
            keys = [Submission.title]
        elif self.sort == "state":
            keys = [case({s.value: i for i, s in enumerate(State)}, value=Submission.state)]
        else:
            keys = [Submission.submitted_at]
        keys.append(Submission.id)
        return [k.desc() if self.order == "desc" else k.asc() for k in keys]


def day_start(day: date) -> datetime:
    """Midnight in Stockholm on `day`, in UTC (the stored zone)."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


class RowText(NamedTuple):
    """What the rows of a page say in the same words, translated once per page instead of
    once per row, and each row's submission day (the `date("short")` filter's text)."""

    kinds: dict
    states: dict
    mark: list[str]  # "Markera %(number)s" around the number: [before, after]
    untitled: str
    residents: str
    rolling: str
    submitted: dict[int, str]


def row_text(rows: list) -> RowText:
    from portal.templating import date_formatter

    short_date = date_formatter("short")
    return RowText(
        kinds={kind: str(label) for kind, label in KIND_LABELS.items()},
        states={state: str(label) for state, label in STATE_LABELS.items()},
        mark=_("Markera %(number)s", number="\x00").split("\x00", 1),
        untitled=_("(utan namn)"),
        residents=_("Invånare"),
        rolling=_("Löpande"),
        submitted={s.id: short_date(s.submitted_at) for s in rows},
    )


@dataclass
class InboxPage:
    rows: list  # rows of ROW_COLUMNS
    total: int
    counts: dict[str, int]  # per state filter (OPEN, ALL and each state), ignoring the state
    page: int
    per_page: int
    capped: bool = False  # free text matched more than TEXT_CAP submissions

    @property
    def pages(self) -> int:
        return paging.last_page(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return min(self.page * self.per_page, self.total)


# What a row of the inbox shows, read as plain rows with the names of its source, call, focus
# area and handler joined in (no ORM objects to build: a page of 25 took 0.4 ms more as
# Submission objects with their four many-to-ones).
ROW_COLUMNS = (
    Submission.id,
    Submission.reg_number,
    Submission.title,
    Submission.kind,
    Submission.state,
    Submission.submitted_at,
    Party.short_name.label("party_short_name"),
    Party.name.label("party_name"),
    Call.title.label("call_title"),
    FocusArea.name.label("focus_area_name"),
    User.name.label("handler_name"),
)


def state_counts(filters: InboxFilters) -> dict[str, int]:
    """Submissions per state under every filter but the state one, plus OPEN and ALL.

    With no filter but the state, the trigger-kept totals answer (`portal.triage.counts`)
    instead of a count over every submission.
    """
    if filters.narrowed:
        per_state = dict(
            db.session.execute(
                select(Submission.state, func.count())
                .where(*filters.where(with_state=False))
                .group_by(Submission.state)
            ).all()
        )
    else:
        per_state = kept_totals()
    counts = {s.value: per_state.get(s.value, 0) for s in INBOX_STATES}
    counts[OPEN] = sum(counts[s.value] for s in OPEN_STATES)
    counts[ALL] = sum(counts[s.value] for s in INBOX_STATES)
    return counts


def inbox_page(filters: InboxFilters, page: int = 1, per_page: int = PER_PAGE) -> InboxPage:
    """One page of the inbox (clamped to the pages there are), its total and the state counts.

    Two statements: the counts (which give the total too) and the rows.
    """
    capped = _resolve_free_text(filters)
    counts = state_counts(filters)
    total = counts[filters.state]
    page = paging.clamp(page, total, per_page)
    # The page's ids first, on submissions alone (PostgreSQL's search expression names the
    # canvas columns unqualified, so it must not meet the joined calls' title); then the rows
    # with the names they show joined, in one statement.
    page_ids = (
        select(Submission.id)
        .where(*filters.where(many=total > MANY))
        .order_by(*filters.order_by())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = db.session.execute(
        with_names(select(*ROW_COLUMNS).select_from(Submission))
        .outerjoin(User, User.id == Submission.handler_id)
        .where(Submission.id.in_(page_ids))
        .order_by(*filters.order_by())
    ).all()
    return InboxPage(rows, total, counts, page, per_page, capped)


def _resolve_free_text(filters: InboxFilters) -> bool:
    """Turn free text into the ids of the newest TEXT_CAP matching submissions.

    The full-text index answers this alone, in rowid order, so the counts and the page then
    touch at most TEXT_CAP rows however common the words are. True when more matched.
    """
    if not filters.q or REG_NUMBER.match(filters.q) or not search.terms(filters.q):
        return False
    hits = search.hit_ids(filters.q, limit=TEXT_CAP + 1)
    filters.text_ids = hits[:TEXT_CAP]
    return len(hits) > TEXT_CAP


def state_tabs(filters: InboxFilters, counts: dict[str, int]) -> list[tuple[str, str, int, str]]:
    """(value, label, count, url) for each state tab: Öppna, each state, Alla."""
    tabs = [(OPEN, str(QUICK_LABELS[OPEN]))]
    tabs += [(s.value, str(STATE_LABELS[s])) for s in INBOX_STATES]
    tabs.append((ALL, str(QUICK_LABELS[ALL])))
    return [
        (value, label, counts[value], filters.url(state="" if value == OPEN else value, page=None))
        for value, label in tabs
    ]
