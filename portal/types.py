"""Column types shared by the models, and the portal's clock: now in UTC, today in Stockholm.

Times are stored in UTC and shown in Europe/Stockholm; a day (a submission's day in the
board's figures, a decision's date, "today" for a form's default) is always a Stockholm day.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on PostgreSQL and SQLite alike.

    SQLite keeps no zone, so values are stored as naive UTC and given back tz-aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


STOCKHOLM = ZoneInfo("Europe/Stockholm")


# The moment a block of code runs "at", set by clock_at(); None is the real clock.
_clock: ContextVar[datetime | None] = ContextVar("portal_clock", default=None)


def utcnow() -> datetime:
    """Now, in UTC: every service, column default and check reads the time here."""
    return _clock.get() or datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[datetime]:
    """Run a block as if it were `moment` (timezone-aware): utcnow(), today_in_stockholm()
    and the columns' default times give that moment. The demo tells its story through the
    same services as people, each step on its own past day; nothing else sets the clock."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs a timezone-aware moment")
    token = _clock.set(moment.astimezone(UTC))
    try:
        yield moment
    finally:
        _clock.reset(token)


def stockholm_day(moment: datetime | None) -> date | None:
    """The Stockholm calendar day of a moment (None stays None)."""
    return None if moment is None else moment.astimezone(STOCKHOLM).date()


def today_in_stockholm() -> date:
    return utcnow().astimezone(STOCKHOLM).date()


# The largest value of PostgreSQL's `integer`, the type of every id column. A number beyond it
# names no row; sent to the database it is an error there (DataError), and beyond 64 bits on
# SQLite too (OverflowError). portal/routing.py (paths) and portal/forms.py (id_from_text, for
# query strings) keep such numbers out.
INTEGER_MAX = 2**31 - 1
