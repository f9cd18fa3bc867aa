"""Free-text search over the canvas, indexed per dialect.

SQLite: an FTS5 table kept in step with `submissions` by triggers. PostgreSQL: a stored,
generated tsvector column of the canvas text (no stemming) with a GIN index; stored, because
checking a row then costs a lookup instead of re-parsing twelve text columns, which is what
makes walking the newest rows first cheap (`hit_ids`). Both match word prefixes ("rör" finds
"rörelse"). These objects live outside the ORM metadata; `is_search_object` keeps Alembic's
comparison from reporting them; they are declared in portal/triage/database.py, and
migrations create them with the same SQL.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    String,
    any_,
    func,
    literal,
    literal_column,
    select,
    text,
)

from portal.extensions import db
from portal.submissions.models import CANVAS_COLUMNS, Submission

FTS_TABLE = "submissions_fts"
# FTS5 prefix indexes for prefixes of 2 to 8 characters: the inbox matches every word as a
# prefix ("äldre"*), and without an index for that length FTS5 reads the whole doclist of every
# term starting with it before it can hand out the newest rows (at 100 000 submissions
# "äldre"* 6.3 ms, with the index 1.5 ms). Longer words still work, unindexed. Costs about 60 %
# more index and more index writes per submission saved (rare next to inbox reads).
FTS_PREFIXES = "2 3 4 5 6 7 8"
PG_COLUMN = "search_vector"
PG_INDEX = "ix_search_submissions_vector"
# 'simple': no stemming, so a prefix matches as on SQLite ("rörel" finds "rörelse").
PG_DOCUMENT = (
    "to_tsvector('simple', "
    + " || ' ' || ".join(f"coalesce({c}, '')" for c in CANVAS_COLUMNS)
    + ")"
)

_cols = ", ".join(CANVAS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in CANVAS_COLUMNS)
_old = ", ".join(f"old.{c}" for c in CANVAS_COLUMNS)

SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_cols}, content='submissions', "
    f"content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='{FTS_PREFIXES}')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON submissions BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON submissions BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF {_cols} ON submissions BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
]
POSTGRES_DDL = [
    f"ALTER TABLE submissions ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector "
    f"GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON submissions USING gin ({PG_COLUMN})",
]

MAX_TERMS = 8


SQLITE_DROP = [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
POSTGRES_DROP = [
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE submissions DROP COLUMN IF EXISTS {PG_COLUMN}",
]


def is_search_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic include_object: False for the search objects (they are not in the metadata)."""
    if type_ == "column" and name == PG_COLUMN:
        return False
    return not (name and (name.startswith(FTS_TABLE) or name.startswith("ix_search_")))


def terms(query: str) -> list[str]:
    """Words of the query (letters and digits, Swedish included), at most MAX_TERMS."""
    return re.findall(r"\w+", query.casefold())[:MAX_TERMS]


def _fts_query(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def _tsquery(words: list[str]) -> str:
    return " & ".join(f"{w}:*" for w in words)


def matches(query: str) -> ColumnElement[bool] | None:
    """A WHERE clause matching submissions whose canvas contains every word (as a prefix)."""
    words = terms(query)
    if not words:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        ids = (
            select(literal_column("rowid"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts").bindparams(fts=_fts_query(words)))
        )
        return Submission.id.in_(ids)
    return text(f"submissions.{PG_COLUMN} @@ to_tsquery('simple', :tsq)").bindparams(
        tsq=_tsquery(words)
    )


# PostgreSQL: the newest this many submissions are searched first, row by row in id order.
RECENT_WINDOW = 10_000


def hit_ids(query: str, *, limit: int) -> list[int]:
    """Ids of the newest `limit` submissions (highest ids) whose canvas has every word.

    SQLite's FTS5 index answers in rowid order by itself. PostgreSQL's GIN index answers with
    an unordered bitmap: for a common word that means visiting every matching row before the
    newest can be picked. So PostgreSQL first walks the newest RECENT_WINDOW rows in id order,
    testing each stored vector (cheap), and asks the GIN index only for what is still missing
    below that window: a word common enough to fill the limit there is done in the walk, and
    one too rare to fill it is rare below the window too, so its bitmap stays small. Always
    three statements, whatever the data.
    """
    words = terms(query)
    if not words:
        return []
    if db.session.get_bind().dialect.name == "sqlite":
        statement = text(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts "
            "ORDER BY rowid DESC LIMIT :n"
        ).bindparams(fts=_fts_query(words), n=limit)
        return db.session.scalars(statement).all()  # fetchall: a thousand ids, not row by row
    tsquery = _tsquery(words)
    newest = db.session.scalar(select(func.max(Submission.id))) or 0
    floor = max(newest - RECENT_WINDOW, 0)
    recent = list(
        db.session.scalars(
            text(
                f"SELECT id FROM submissions WHERE id > :floor "
                f"AND {PG_COLUMN} @@ to_tsquery('simple', :tsq) ORDER BY id DESC LIMIT :n"
            ).bindparams(floor=floor, tsq=tsquery, n=limit)
        )
    )
    # `id + 0`: order without the primary key, so that the GIN index is the way in.
    older = db.session.scalars(
        text(
            f"SELECT id FROM submissions WHERE id <= :floor "
            f"AND {PG_COLUMN} @@ to_tsquery('simple', :tsq) ORDER BY id + 0 DESC LIMIT :n"
        ).bindparams(floor=floor, tsq=tsquery, n=limit - len(recent))
    )
    return recent + list(older)


def id_in(column, ids: list[int]) -> ColumnElement[bool]:
    """`column IN ids`, as one parameter: an array on PostgreSQL (a thousand bind parameters
    cost it more to plan than the query costs to run), a JSON list read by json_each on
    SQLite (a thousand bind parameters cost more to render and bind than the query)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(ids, ARRAY(Integer)))
    listed = select(literal_column("value")).select_from(
        func.json_each(literal(json.dumps(ids), String))
    )
    return column.in_(listed)
