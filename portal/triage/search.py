"""Free-text search over the canvas, indexed per dialect.

SQLite: an FTS5 table kept in step with `submissions` by triggers. PostgreSQL: a GIN index
on the tsvector of the canvas (no stemming) text. Both match word prefixes ("rör" finds "rörelse").
These objects live outside the ORM metadata; `is_search_object` keeps Alembic's comparison
from reporting them, and migrations create them with the same SQL.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, event, literal_column, select, text

from portal.extensions import db
from portal.submissions.models import CANVAS_COLUMNS, Submission

FTS_TABLE = "submissions_fts"
PG_INDEX = "ix_search_submissions_canvas"
# 'simple': no stemming, so a prefix matches as on SQLite ("rörel" finds "rörelse").
PG_DOCUMENT = (
    "to_tsvector('simple', "
    + " || ' ' || ".join(f"coalesce({c}, '')" for c in CANVAS_COLUMNS)
    + ")"
)
# The same expression with qualified columns, for queries that join other tables; PostgreSQL
# matches it to the index on the unqualified expression.
PG_QUERY_DOCUMENT = (
    "to_tsvector('simple', "
    + " || ' ' || ".join(f"coalesce(submissions.{c}, '')" for c in CANVAS_COLUMNS)
    + ")"
)

_cols = ", ".join(CANVAS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in CANVAS_COLUMNS)
_old = ", ".join(f"old.{c}" for c in CANVAS_COLUMNS)

SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_cols}, content='submissions', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON submissions BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON submissions BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF {_cols} ON submissions BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
]
POSTGRES_DDL = [f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON submissions USING gin ({PG_DOCUMENT})"]

MAX_TERMS = 8


def install(connection) -> None:
    """Create the search objects on this connection's database (create_all and migrations)."""
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRES_DDL
    for statement in statements:
        connection.execute(text(statement))


def uninstall(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    else:
        connection.execute(text(f"DROP INDEX IF EXISTS {PG_INDEX}"))


@event.listens_for(Submission.__table__, "before_drop")
def _before_drop(table, connection, **kw) -> None:
    uninstall(connection)


@event.listens_for(Submission.__table__, "after_create")
def _after_create(table, connection, **kw) -> None:
    install(connection)


def is_search_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic include_object: False for the search objects (they are not in the metadata)."""
    return not (name and (name.startswith(FTS_TABLE) or name.startswith("ix_search_")))


def terms(query: str) -> list[str]:
    """Words of the query (letters and digits, Swedish included), at most MAX_TERMS."""
    return re.findall(r"\w+", query.casefold())[:MAX_TERMS]


def matches(query: str) -> ColumnElement[bool] | None:
    """A WHERE clause matching submissions whose canvas contains every word (as a prefix)."""
    words = terms(query)
    if not words:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        fts = " ".join(f'"{w}"*' for w in words)
        ids = (
            select(literal_column("rowid"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts").bindparams(fts=fts))
        )
        return Submission.id.in_(ids)
    tsquery = " & ".join(f"{w}:*" for w in words)
    return text(f"{PG_QUERY_DOCUMENT} @@ to_tsquery('simple', :tsq)").bindparams(tsq=tsquery)


def hit_ids(query: str, *, limit: int) -> list[int]:
    """Ids of the newest `limit` submissions (highest ids) whose canvas has every word."""
    words = terms(query)
    if not words:
        return []
    if db.session.get_bind().dialect.name == "sqlite":
        statement = text(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts "
            "ORDER BY rowid DESC LIMIT :n"
        ).bindparams(fts=" ".join(f'"{w}"*' for w in words), n=limit)
    else:
        statement = text(
            f"SELECT id FROM submissions WHERE {PG_DOCUMENT} @@ to_tsquery('simple', :tsq) "
            "ORDER BY id DESC LIMIT :n"
        ).bindparams(tsq=" & ".join(f"{w}:*" for w in words), n=limit)
    return list(db.session.scalars(statement))
