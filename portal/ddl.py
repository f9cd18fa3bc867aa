"""Database objects the ORM metadata does not hold: triggers and search indexes, written as SQL
per dialect. `create_all` (tests, benchmarks) makes them through `after_create_all`; each
migration runs a frozen copy of the same SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from portal.extensions import db


def run(connection: Connection, *, sqlite: Sequence[str], postgresql: Sequence[str]) -> None:
    """Execute the statements written for this connection's dialect."""
    for statement in sqlite if connection.dialect.name == "sqlite" else postgresql:
        connection.execute(text(statement))


def after_create_all(
    *, sqlite: Sequence[str], postgresql: Sequence[str]
) -> Callable[[Connection], None]:
    """Make these objects whenever `create_all` has made the tables; returns `install`."""

    def install(connection: Connection) -> None:
        run(connection, sqlite=sqlite, postgresql=postgresql)

    event.listen(
        db.metadata, "after_create", lambda metadata, connection, **kw: install(connection)
    )
    return install
