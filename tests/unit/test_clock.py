"""The portal's clock (portal/types.py): clock_at() runs a block at another moment, for the
demo's story; outside it, utcnow() is the real time again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.types import STOCKHOLM, clock_at, today_in_stockholm, utcnow


def test_inside_the_block_now_and_today_are_the_given_moment():
    moment = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Stockholm
    with clock_at(moment):
        assert utcnow() == moment
        assert today_in_stockholm().isoformat() == "2026-01-01"


def test_a_stockholm_moment_is_given_back_in_utc():
    with clock_at(datetime(2026, 6, 1, 15, 0, tzinfo=STOCKHOLM)):
        assert utcnow() == datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
        assert utcnow().tzinfo == UTC


def test_blocks_nest_and_the_real_clock_returns_after_them():
    outer, inner = datetime(2025, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    with clock_at(outer):
        with clock_at(inner):
            assert utcnow() == inner
        assert utcnow() == outer
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(minutes=1)


def test_the_real_clock_returns_when_the_block_fails():
    with pytest.raises(RuntimeError), clock_at(datetime(2020, 1, 1, tzinfo=UTC)):
        raise RuntimeError
    assert utcnow().year >= 2026


def test_a_moment_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="timezone"), clock_at(datetime(2026, 1, 1)):  # noqa: DTZ001
        pass
