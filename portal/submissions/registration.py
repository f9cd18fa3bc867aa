"""Registration numbers SK-<year>-<4-digit sequence>, sequential per year, safe under concurrency.

The counter row is incremented with UPDATE … RETURNING: on PostgreSQL the row lock serialises
concurrent submitters until commit; on SQLite the database write lock does. The unique
(reg_year, reg_seq) constraint on submissions is the last line of defence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.submissions.models import RegistrationCounter
from portal.types import STOCKHOLM


def next_registration(now: datetime) -> tuple[int, int, str]:
    """(year, sequence, "SK-2026-0042") for a submission registered at `now`."""
    year = now.astimezone(STOCKHOLM).year
    conn = db.session.connection()
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        insert(RegistrationCounter)
        .values(year=year, last=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    seq = conn.execute(
        text("UPDATE registration_counters SET last = last + 1 WHERE year = :y RETURNING last"),
        {"y": year},
    ).scalar_one()
    return year, seq, f"SK-{year}-{seq:04d}"
