"""The inflow as the dashboard, the report and the export show it: a table of periods by series
(sources, focus areas, kinds or calls), empty periods included, with totals. One inflow()
statement; the chart is drawn from this same table."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _

from portal.board.filters import BoardFilters, BoardOptions, Period
from portal.board.inflow import RESIDENTS, InflowRow, inflow
from portal.submissions.models import KIND_LABELS, Kind

NONE = "none"  # the series of submissions with no focus area, or outside any call


@dataclass(frozen=True)
class Series:
    key: int | str
    label: str
    note: str = ""  # e.g. that a party has left


@dataclass
class InflowTable:
    periods: list[Period]
    series: list[Series]
    counts: dict[tuple[str, int | str], int] = field(default_factory=dict)

    def cell(self, period: Period, series: Series) -> int:
        return self.counts.get((period.key, series.key), 0)

    def period_total(self, period: Period) -> int:
        return sum(self.cell(period, s) for s in self.series)

    def series_total(self, series: Series) -> int:
        return sum(self.cell(p, series) for p in self.periods)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def partial(self) -> list[Period]:
        return [p for p in self.periods if not p.whole]

    def rows(self):
        """(period, [count per series], total) for each period, in order."""
        for period in self.periods:
            yield period, [self.cell(period, s) for s in self.series], self.period_total(period)


def _key(row: InflowRow, dimension: str) -> int | str:
    if dimension == "party":
        return row.source
    if dimension == "focus_area":
        return row.portfolio_id if row.portfolio_id is not None else NONE
    if dimension == "kind":
        return row.kind
    return row.call_id if row.call_id is not None else NONE


def _label(row: InflowRow, dimension: str) -> str:
    return {"party": row.party, "focus_area": row.focus_area, "kind": row.kind, "call": row.call}[
        dimension
    ]


def _fixed_series(filters: BoardFilters, options: BoardOptions) -> list[Series]:
    """The series shown even when empty: the parties that were members during the period and
    residents; every focus area; both kinds. Calls appear only when something came in."""
    f = filters
    if f.dimension == "party":
        found = [
            Series(
                p.id,
                p.name,
                _("lämnade %(day)s", day=format_date(p.left_on, "short")) if p.left_on else "",
            )
            for p in options.parties
            if p.member_during(f.date_from, f.date_to)
        ]
        found.append(Series(RESIDENTS, _("Invånare")))
        if f.source is not None:
            found = [s for s in found if s.key == f.source]
        return found
    if f.dimension == "focus_area":
        return [
            Series(
                p.id,
                p.name,
                _("tidigare %(names)s", names=", ".join(p.earlier)) if p.earlier else "",
            )
            for p in options.portfolios
            if f.portfolio in (None, p.id)
        ]
    if f.dimension == "kind":
        return [Series(k.value, str(KIND_LABELS[k])) for k in Kind]
    return []


def inflow_table(filters: BoardFilters, options: BoardOptions) -> InflowTable:
    dimension = filters.dimension
    rows = inflow(
        filters.date_from,
        filters.date_to,
        (filters.period, dimension),
        portfolio_id=filters.portfolio,
        source=filters.source,
    )
    series = _fixed_series(filters, options)
    known = {s.key for s in series}
    extra: dict[int | str, Series] = {}
    counts: dict[tuple[str, int | str], int] = {}
    for row in rows:
        key = _key(row, dimension)
        counts[(row.period, key)] = row.count
        if key not in known and key not in extra:
            label = _label(row, dimension)
            if dimension == "kind":
                label = str(KIND_LABELS[Kind(row.kind)])
            extra[key] = Series(key, label)
    # Series that only appear through counts (calls, a party that was not a member): by name,
    # "no focus area" and "outside any call" last.
    extras = sorted(extra.values(), key=lambda s: (s.key == NONE, s.label.casefold()))
    return InflowTable(filters.periods, series + extras, counts)
