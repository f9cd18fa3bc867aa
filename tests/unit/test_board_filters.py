"""The dashboard's filters: defaults, quick choices, periods, and odd addresses never failing."""

from __future__ import annotations

from datetime import date

import pytest

from portal.board.filters import (
    BoardFilters,
    BoardOptions,
    PartyOption,
    periods,
    presets,
)
from portal.board.inflow import RESIDENTS
from portal.triage.inbox import PortfolioOption

TODAY = date(2026, 11, 24)
OPTIONS = BoardOptions(
    parties=[PartyOption(3, "Västerås stad", date(2009, 1, 1), None)],
    portfolios=[PortfolioOption(1, "Välmående och självständiga äldre", ("Nära vård",))],
)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def read(**args) -> BoardFilters:
    return BoardFilters.from_args(args, OPTIONS, TODAY)


def test_default_is_the_last_four_quarters_by_quarter_per_source():
    f = read()
    assert (f.date_from, f.date_to, f.period, f.per) == (
        date(2026, 1, 1), TODAY, "quarter", "source",
    )  # fmt: skip
    assert [p.key for p in f.periods] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [p.whole for p in f.periods] == [True, True, True, False]
    assert f.messages == []


def test_presets_cover_years_twelve_months_and_quarters():
    got = {p.label: (p.date_from, p.date_to, p.period) for p in presets(TODAY)}
    assert got["I år"] == (date(2026, 1, 1), TODAY, "month")
    assert got["I fjol"] == (date(2025, 1, 1), date(2025, 12, 31), "quarter")
    assert got["Senaste 12 månaderna"] == (date(2025, 12, 1), TODAY, "month")
    assert got["kv. 3 2026"] == (date(2026, 7, 1), date(2026, 9, 30), "month")
    assert got["kv. 4 2026"] == (date(2026, 10, 1), TODAY, "month")
    assert got["kv. 1 2026"] == (date(2026, 1, 1), date(2026, 3, 31), "month")


def test_filters_read_back_into_the_address():
    f = read(**{"from": "2025-01-01", "to": "2025-12-31", "period": "month", "per": "kind",
                "portfolio": "1", "source": RESIDENTS})  # fmt: skip
    assert f.args() == {
        "from": "2025-01-01", "to": "2025-12-31", "period": "month", "per": "kind",
        "portfolio": "1", "source": RESIDENTS,
    }  # fmt: skip
    assert f.dimension == "kind"
    assert f.scope.previous.date_to == date(2024, 12, 31)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"from": "2026-13-01"}, "kunde inte läsas"),
        ({"from": "igår"}, "kunde inte läsas"),
        ({"to": "1999-12-31"}, "utanför åren"),
        ({"period": "week"}, "indelning"),
        ({"per": "weather"}, "visa per"),
        ({"portfolio": "99"}, "fokusområde"),
        ({"source": "7"}, "källa"),
        ({"source": "<script>"}, "källa"),
        # str.isdigit() let these through to int(), which raised: 500.
        ({"portfolio": "²"}, "fokusområde"),
        ({"source": "9" * 5000}, "källa"),
    ],
)
def test_odd_arguments_are_ignored_with_a_message(args, message):
    f = read(**args)
    assert len(f.messages) == 1 and message in f.messages[0]
    assert f.period in ("quarter", "month", "year")


def test_from_after_to_swaps_them():
    f = read(**{"from": "2026-06-30", "to": "2026-01-01"})
    assert (f.date_from, f.date_to) == (date(2026, 1, 1), date(2026, 6, 30))
    assert "bytt plats" in f.messages[0]


def test_a_long_span_by_month_is_shown_by_a_coarser_granularity():
    f = read(**{"from": "2000-01-01", "to": "2026-11-24", "period": "month"})
    assert f.period == "year"  # 323 months, 108 quarters: both over 60 columns
    assert "per år" in f.messages[0]
    assert read(**{"from": "2020-01-01", "to": "2026-11-24", "period": "month"}).period == "quarter"


def test_periods_include_empty_and_partial_ones():
    got = periods(date(2025, 12, 15), date(2026, 2, 10), "month")
    assert [(p.key, p.start, p.end, p.whole) for p in got] == [
        ("2025-12", date(2025, 12, 15), date(2025, 12, 31), False),
        ("2026-01", date(2026, 1, 1), date(2026, 1, 31), True),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 10), False),
    ]
    assert [p.label for p in got] == ["dec. 2025", "jan. 2026", "feb. 2026"]
    assert [p.key for p in periods(date(2025, 2, 1), date(2026, 1, 1), "year")] == ["2025", "2026"]


# --- the comparison and the quick choices ---------------------------------------------------


def test_the_default_comparison_is_the_same_period_a_year_earlier():
    f = read(**{"from": "2026-07-01", "to": "2026-09-30"})
    assert f.compare == "year" and "compare" not in f.args()
    previous = f.scope.previous
    assert (previous.date_from, previous.date_to) == (date(2025, 7, 1), date(2025, 9, 30))
    default = read().scope.previous  # the last four quarters, 1 Jan – 24 Nov 2026
    assert (default.date_from, default.date_to) == (date(2025, 1, 1), date(2025, 11, 24))


def test_the_period_of_equal_length_just_before_stays_a_choice():
    f = read(**{"from": "2026-07-01", "to": "2026-09-30", "compare": "previous"})
    assert f.args()["compare"] == "previous"
    previous = f.scope.previous
    # 92 days: Q3 is longer than Q2, so the equal length starts on 31 March
    assert (previous.date_from, previous.date_to) == (date(2026, 3, 31), date(2026, 6, 30))
    odd = read(compare="igår")
    assert odd.compare == "year" and "jämförelse" in odd.messages[0]


def test_a_year_earlier_from_a_leap_day_and_for_a_period_longer_than_a_year():
    f = read(**{"from": "2024-02-29", "to": "2024-03-31"})
    assert f.scope.previous.date_from == date(2023, 2, 28)
    long = read(**{"from": "2024-01-01", "to": "2026-06-30"})  # two and a half years
    assert long.scope.years_back == 3  # the comparison never overlaps the period
    assert long.scope.previous.date_to == date(2023, 6, 30) < long.date_from


def test_in_december_no_two_quick_choices_are_the_same():
    december = date(2026, 12, 4)
    found = presets(december)
    keys = [(p.date_from, p.date_to, p.period) for p in found]
    assert len(keys) == len(set(keys))
    labels = [p.label for p in found]
    # the last twelve months are this year in December: one choice, not two
    assert "Senaste 12 månaderna" in labels and "I år" not in labels
    assert (date(2026, 1, 1), december, "month") in keys
    assert labels.count("kv. 4 2026") == 1


def test_in_the_first_quarter_this_year_and_this_quarter_are_one_choice():
    found = presets(date(2027, 2, 10))
    labels = [p.label for p in found]
    assert "I år" in labels and "kv. 1 2027" not in labels
    assert len({(p.date_from, p.date_to, p.period) for p in found}) == len(found)
