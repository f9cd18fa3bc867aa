"""The dashboard's filters, read from the address: the period, its granularity, what the inflow
is shown per, a focus area (portfolio) and a source (a party or residents).

Defaults for a board that meets about four times a year (docs/domain.md): the last four quarters,
the current one included, by quarter and per source. That shows a year's trend in whole
quarters, and the quarter the next meeting discusses.

Nothing in the address can cause an error: what cannot be read is ignored and said in
`messages`, as the inbox does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple
from urllib.parse import urlencode

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.board.figures import Scope
from portal.board.inflow import PERIODS, RESIDENTS, period_label
from portal.extensions import db
from portal.forms import day_from_args, id_from_text
from portal.reference.models import FocusArea, Party
from portal.triage.inbox import PortfolioOption

PERIOD_LABELS = {"month": _l("Månad"), "quarter": _l("Kvartal"), "year": _l("År")}
# What the inflow is shown per (the url value → inflow()'s dimension).
PER = {"source": "party", "focus_area": "focus_area", "kind": "kind", "call": "call"}
PER_LABELS = {
    "source": _l("Källa (part eller invånare)"),
    "focus_area": _l("Fokusområde"),
    "kind": _l("Typ (utmaning eller idé)"),
    "call": _l("Utlysning"),
}
# What the period is compared with: the same dates a year earlier (a board compares a quarter
# with the same quarter last year: no season in between), or the period of the same length
# just before.
COMPARE_LABELS = {
    "year": _l("Samma period ett år tidigare"),
    "previous": _l("Lika lång period närmast före"),
}
DEFAULT_PERIOD = "quarter"
DEFAULT_PER = "source"
DEFAULT_COMPARE = "year"
MAX_COLUMNS = 60  # periods in one table; a longer span is shown in a coarser granularity


class PartyOption(NamedTuple):
    id: int
    name: str
    joined_on: date
    left_on: date | None

    def member_during(self, date_from: date, date_to: date) -> bool:
        return self.joined_on <= date_to and (self.left_on is None or self.left_on >= date_from)


@dataclass
class BoardOptions:
    """What the filters offer; one query each."""

    parties: list[PartyOption]
    portfolios: list[PortfolioOption]

    @property
    def party_ids(self) -> set[int]:
        return {p.id for p in self.parties}

    @property
    def portfolio_ids(self) -> set[int]:
        return {p.id for p in self.portfolios}


def load_options() -> BoardOptions:
    parties = [
        PartyOption(*row)
        for row in db.session.execute(
            select(Party.id, Party.name, Party.joined_on, Party.left_on).order_by(Party.name)
        )
    ]
    chains: dict[int, list[str]] = {}
    for portfolio_id, name in db.session.execute(
        select(FocusArea.portfolio_id, FocusArea.name).order_by(
            FocusArea.portfolio_id, FocusArea.valid_from, FocusArea.id
        )
    ):
        chains.setdefault(portfolio_id, []).append(name)
    portfolios = sorted(
        (
            PortfolioOption(pid, names[-1], tuple(reversed(names[:-1])))
            for pid, names in chains.items()
        ),
        key=lambda p: p.name,
    )
    return BoardOptions(parties, portfolios)


# --- periods -------------------------------------------------------------------------------


def period_start(day: date, period: str) -> date:
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_start(start: date, period: str) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def shift_months(day: date, months: int) -> date:
    """The first of the month `months` away from day's month."""
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


class Period(NamedTuple):
    """One column of the inflow: its key as inflow() labels it, its days within the range."""

    key: str  # "2026-03", "2026-Q1", "2026"
    start: date  # the first day counted (the range may cut the period)
    end: date  # the last day counted
    whole: bool  # False: the range covers only part of the period

    @property
    def label(self) -> str:
        if self.key[4:6] == "-Q":
            return _("kv. %(q)s %(year)s", q=self.key[-1], year=self.key[:4])
        if len(self.key) == 7:
            return format_date(date(int(self.key[:4]), int(self.key[5:]), 1), "LLL y")
        return self.key


def periods(date_from: date, date_to: date, period: str) -> list[Period]:
    """Every period the range touches, in order, empty ones included."""
    found = []
    start = period_start(date_from, period)
    while start <= date_to:
        following = next_start(start, period)
        first, last = max(start, date_from), min(following - timedelta(days=1), date_to)
        whole = first == start and last == following - timedelta(days=1)
        found.append(Period(period_label(start, period), first, last, whole))
        start = following
    return found


def count_periods(date_from: date, date_to: date, period: str) -> int:
    months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month
    if period == "month":
        return months + 1
    if period == "quarter":
        return (
            (date_to.year * 4 + (date_to.month - 1) // 3)
            - (date_from.year * 4 + (date_from.month - 1) // 3)
            + 1
        )
    return date_to.year - date_from.year + 1


class Preset(NamedTuple):
    label: str
    date_from: date
    date_to: date
    period: str


def presets(today: date) -> list[Preset]:
    """The quick choices: whole years, the last twelve months, and each of the last quarters."""
    this_quarter = period_start(today, "quarter")
    found = [
        Preset(_("Senaste fyra kvartalen"), shift_months(this_quarter, -9), today, "quarter"),
        Preset(_("Senaste 12 månaderna"), shift_months(today, -11), today, "month"),
        Preset(_("I år"), date(today.year, 1, 1), today, "month"),
        Preset(_("I fjol"), date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), "quarter"),
    ]
    for back in range(4):
        start = shift_months(this_quarter, -3 * back)
        end = min(shift_months(start, 3) - timedelta(days=1), today)
        label = _("kv. %(q)s %(year)s", q=(start.month + 2) // 3, year=start.year)
        found.append(Preset(label, start, end, "month"))
    return _distinct(found)


def _distinct(found: list[Preset]) -> list[Preset]:
    """Each choice once: two that would show the same table (in December the last twelve
    months are this year; in the first quarter this year is this quarter) are one, under the
    first one's name."""
    seen: set[tuple[date, date, str]] = set()
    kept = []
    for preset in found:
        key = (preset.date_from, preset.date_to, preset.period)
        if key not in seen:
            seen.add(key)
            kept.append(preset)
    return kept


def years_earlier(day: date, years: int) -> date:
    """The same date `years` years earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class ComparedScope(Scope):
    """The scope with the comparison chosen: the same dates a whole number of years earlier
    (one year; more when the period is longer, so the two never overlap), or the period of
    the same length just before (Scope.previous)."""

    compare: str = DEFAULT_COMPARE

    @property
    def years_back(self) -> int:
        years = 1
        while years_earlier(self.date_to, years) >= self.date_from:
            years += 1
        return years

    @property
    def previous(self) -> Scope:
        if self.compare != "year":
            return super().previous
        years = self.years_back
        return Scope(
            years_earlier(self.date_from, years),
            years_earlier(self.date_to, years),
            self.portfolio,
            self.source,
        )


# --- the filters ---------------------------------------------------------------------------


@dataclass
class BoardFilters:
    date_from: date
    date_to: date
    period: str = DEFAULT_PERIOD
    per: str = DEFAULT_PER
    portfolio: int | None = None
    source: int | str | None = None  # a party id, or RESIDENTS
    compare: str = DEFAULT_COMPARE
    today: date = field(default_factory=date.today)
    messages: list[str] = field(default_factory=list)

    @classmethod
    def default(cls, today: date) -> BoardFilters:
        first = presets(today)[0]
        return cls(first.date_from, first.date_to, first.period, today=today)

    @classmethod
    def from_args(cls, args: Mapping[str, str], options: BoardOptions, today: date) -> BoardFilters:
        f = cls.default(today)
        start, end = f._day(args, "from"), f._day(args, "to")
        if start and end and start > end:
            f.messages.append(_("Från-datumet låg efter till-datumet, så de har bytt plats."))
            start, end = end, start
        if start or end:
            f.date_to = end or today
            f.date_from = start or min(f.date_to, shift_months(f.date_to, -11))
            if f.date_from > f.date_to:  # only "from" given, in the future
                f.date_to = f.date_from
        f.period = f._choice(args, "period", PERIODS, DEFAULT_PERIOD, _("indelning"))
        f.per = f._choice(args, "per", tuple(PER), DEFAULT_PER, _("visa per"))
        f.compare = f._choice(
            args, "compare", tuple(COMPARE_LABELS), DEFAULT_COMPARE, _("jämförelse")
        )
        portfolio = (args.get("portfolio") or "").strip()
        if portfolio:
            if (chosen := id_from_text(portfolio)) in options.portfolio_ids:
                f.portfolio = chosen
            else:
                f._ignored(_("fokusområde"))
        source = (args.get("source") or "").strip()
        if source == RESIDENTS:
            f.source = RESIDENTS
        elif source:
            if (chosen := id_from_text(source)) in options.party_ids:
                f.source = chosen
            else:
                f._ignored(_("källa"))
        f._coarsen()
        return f

    def _ignored(self, what: str) -> None:
        self.messages.append(
            _("Filtret för %(what)s kändes inte igen och används inte.", what=what)
        )

    def _choice(self, args, name: str, allowed, default: str, what: str) -> str:
        raw = (args.get(name) or "").strip()
        if not raw:
            return default
        if raw in allowed:
            return raw
        self._ignored(what)
        return default

    def _day(self, args, name: str) -> date | None:
        return day_from_args(args, name, self.messages)

    def _coarsen(self) -> None:
        """A table of more than MAX_COLUMNS periods is unreadable: take the next granularity."""
        chosen = self.period
        while (
            self.period != "year"
            and count_periods(self.date_from, self.date_to, self.period) > MAX_COLUMNS
        ):
            self.period = PERIODS[PERIODS.index(self.period) + 1]
        if self.period != chosen:
            self.messages.append(
                _(
                    "Perioden är för lång för indelning per %(chosen)s, så den visas per %(used)s.",
                    chosen=str(PERIOD_LABELS[chosen]).lower(),
                    used=str(PERIOD_LABELS[self.period]).lower(),
                )
            )

    # --- derived -----------------------------------------------------------------------

    @property
    def scope(self) -> ComparedScope:
        return ComparedScope(
            self.date_from, self.date_to, self.portfolio, self.source, self.compare
        )

    @property
    def periods(self) -> list[Period]:
        return periods(self.date_from, self.date_to, self.period)

    @property
    def dimension(self) -> str:
        return PER[self.per]

    def presets(self) -> list[tuple[Preset, bool]]:
        return [
            (p, (p.date_from, p.date_to, p.period) == (self.date_from, self.date_to, self.period))
            for p in presets(self.today)
        ]

    # --- back into the address ---------------------------------------------------------

    def args(self, **override) -> dict[str, str]:
        """Every filter as query arguments (the dates always: "last year" must not drift)."""
        values = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "period": self.period,
            "per": "" if self.per == DEFAULT_PER else self.per,
            "compare": "" if self.compare == DEFAULT_COMPARE else self.compare,
            "portfolio": self.portfolio,
            "source": self.source,
        }
        values.update(override)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def query(self, **override) -> str:
        return urlencode(self.args(**override))

    def preset_query(self, preset: Preset) -> str:
        return self.query(
            **{
                "from": preset.date_from.isoformat(),
                "to": preset.date_to.isoformat(),
                "period": preset.period,
            }
        )
