"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

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


def utcnow() -> datetime:
    return datetime.now(UTC)


# The largest value of PostgreSQL's `integer`, the type of every id column. A number beyond it
# names no row; sent to the database it is an error there (DataError), and beyond 64 bits on
# SQLite too (OverflowError). portal/routing.py (paths) and portal/forms.py (id_from_text, for
# query strings) keep such numbers out.
INTEGER_MAX = 2**31 - 1
