"""What the four parts of the innovation process share: the refusals a service raises, and
the row lock that keeps a repeated intent from having two effects.

The same form sent twice is stopped by its one-time key (portal/intents.py). What the key
cannot see is the same intent sent with another key: Back and send again (the page is loaded
anew, the browser restores the fields), a second tab, two people at once. Each service that
creates something recognises that by its content, under a lock on the row it belongs to, so
a parallel request waits and then finds what the first made (AlreadyDone).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date
from sqlalchemy import select, text

from portal.extensions import db
from portal.types import STOCKHOLM


class EvaluationRefused(Exception):
    """A rule stops this; `message` is for the person, in their language."""

    def __init__(self, message) -> None:
        super().__init__(message)  # lazy: rendered where it is shown, in that person's language
        self.message = message


class AlreadyDone(EvaluationRefused):
    """The same intent was carried out already; `done` is what it made. Nothing is done a
    second time: the person is shown `done`, with `message`."""

    def __init__(self, message, done) -> None:
        super().__init__(message)
        self.done = done


def lock(model, row_id: int) -> None:
    """Hold the row's lock until the transaction ends, so that a parallel request about the
    same thing waits here, then sees what this one made. PostgreSQL: FOR NO KEY UPDATE (rows
    that refer to it can still be inserted). SQLite has one writer at a time: a write takes
    the database's lock (FOR UPDATE is not rendered there)."""
    table = model.__table__
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            text(f"UPDATE {table.name} SET id = id WHERE id = :id"),  # noqa: S608 (a model's table)
            {"id": row_id},
        )
    else:
        db.session.execute(
            select(table.c.id).where(table.c.id == row_id).with_for_update(key_share=True)
        )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a Stockholm calendar day starts and where the next one does."""
    start = datetime.combine(day, time.min, tzinfo=STOCKHOLM)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=STOCKHOLM)
    return start.astimezone(UTC), end.astimezone(UTC)


def long_date(day: date) -> str:
    return format_date(day, "long")


def still_there(model, row_id: int) -> bool:
    """Whether the row exists now (after its lock: not the session's remembered copy)."""
    return db.session.scalar(select(model.id).where(model.id == row_id)) is not None
