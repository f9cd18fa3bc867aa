"""The board's figures cached per process, keyed on a data version the database keeps.

Every figure on the dashboard is counted from a handful of tables. A one-row table,
`board_version`, holds a random number that triggers on those tables replace on every change
that can move a figure, in the same transaction as the change, so a request that reads the
version reads data at least as new as it. The dashboard then keeps what it counted for a
version and the filters (`cached`), and the next request with the same filters and the same
version gets the same objects for the cost of reading one row: right after any write the
version differs and everything is counted again, never stale, in every process and on every
instance (the version lives in the shared database, only the figures in each process).

The number is random rather than a counter so that a version is never seen twice, even after
the row is emptied (tests truncate every table) and made again. With no row yet (an empty
database) nothing is cached.

SQLite: a trigger per table and event. PostgreSQL: one function and, per table, a deferred
constraint trigger, so the row is written once per transaction (`txid`, at commit, after
every other lock the transaction takes: two transactions never wait on each other for it in
opposite orders), however many rows the transaction changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import BigInteger, Integer, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.board.monthly import MONTHS, SUBMITTERS
from portal.extensions import db

TABLE = "board_version"


class BoardVersion(db.Model):
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    txid: Mapped[int | None] = mapped_column(BigInteger)  # PostgreSQL: the last writer


# The tables the board counts, and on UPDATE the columns that matter (None: any). Saving a
# draft's text, logging in and the like leave the version as it is.
WATCHED: dict[str, tuple[str, ...] | None] = {
    # The columns the monthly summaries are keyed on (portal/board/monthly.py).
    "submissions": tuple(dict.fromkeys((*MONTHS.watched, *SUBMITTERS.watched))),
    "initiatives": ("phase", "portfolio_id", "focus_area_id", "origin_submission_id"),
    "decisions": None,
    "ratings": None,
    "funding_requests": None,
    "insights": None,
    "innovation_budgets": None,
    "focus_areas": None,
    "portfolios": None,
    "parties": None,
    "calls": None,
    "users": ("party_id",),
}

_SQLITE_BUMP = (
    f"INSERT INTO {TABLE} (id, version) VALUES (1, random()) "  # noqa: S608 (constants only)
    "ON CONFLICT (id) DO UPDATE SET version = random()"
)
_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION {TABLE}_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (id, version, txid)
    VALUES (1, floor(random() * 9e15)::bigint, txid_current())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version, txid = excluded.txid
    WHERE {TABLE}.txid IS DISTINCT FROM excluded.txid;
    RETURN NULL;
END $$"""  # noqa: S608 (constants only)


def _update_of(columns: tuple[str, ...] | None) -> str:
    return f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"


SQLITE_DDL = [
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_{table}_{short} AFTER {event} ON {table} "
    f"BEGIN {_SQLITE_BUMP}; END"
    for table, columns in WATCHED.items()
    for short, event in (("ai", "INSERT"), ("ad", "DELETE"), ("au", _update_of(columns)))
]
POSTGRES_DDL = [
    _PG_FUNCTION,
    *(
        statement
        for table, columns in WATCHED.items()
        for statement in (
            f"DROP TRIGGER IF EXISTS {TABLE}_{table} ON {table}",
            f"CREATE CONSTRAINT TRIGGER {TABLE}_{table} "
            f"AFTER INSERT OR DELETE OR {_update_of(columns)} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {TABLE}_bump()",
        )
    ),
]


def current() -> int | None:
    """The data version now (None: no row yet, nothing is cached)."""
    return db.session.scalar(select(BoardVersion.version).where(BoardVersion.id == 1))


T = TypeVar("T")
MAX_ENTRIES = 64  # filter combinations kept per version and process
_lock = threading.Lock()
_kept: dict[Hashable, object] = {}
_kept_version: list[int | None] = [None]


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or what it gave for `key` at the current data version. One statement
    (the version) on a hit."""
    version = current()
    if version is None:
        return compute()
    with _lock:
        if _kept_version[0] != version:
            _kept.clear()
            _kept_version[0] = version
        elif key in _kept:
            return _kept[key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        if _kept_version[0] == version:
            if len(_kept) >= MAX_ENTRIES:
                _kept.pop(next(iter(_kept)))
            _kept[key] = value
    return value


def forget() -> None:
    """Empty this process's cache (tests)."""
    with _lock:
        _kept.clear()
        _kept_version[0] = None
