"""The hub's search index holds the stems of compound words' parts (portal/swedish.py), so
that "omsorg" and "äldre" find "äldreomsorg" on both dialects: a column written from Python,
a third FTS5 column on SQLite, a third weight ('C', config 'simple': already stemmed) in the
PostgreSQL vector. The column is filled here for the documents already written. The SQL is a
frozen copy of portal/hub/search.py as of this revision.

Revision ID: 5e1d2c0a7b19
Revises: 5186ce8df2b6
Create Date: 2026-12-03 17:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5e1d2c0a7b19"
down_revision = "5186ce8df2b6"
branch_labels = None
depends_on = None

COLUMNS = ("title_stems", "body_stems", "compound_stems")


def _sqlite_ddl(columns):
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS ix_search_hub_fts USING fts5({cols}, "
        "content='hub_search_documents', content_rowid='initiative_id', "
        "tokenize='unicode61 remove_diacritics 0')",
        "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_ai AFTER INSERT ON hub_search_documents "
        f"BEGIN INSERT INTO ix_search_hub_fts(rowid, {cols}) VALUES (new.initiative_id, {new}); END",
        "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_ad AFTER DELETE ON hub_search_documents "
        f"BEGIN INSERT INTO ix_search_hub_fts(ix_search_hub_fts, rowid, {cols}) "
        f"VALUES ('delete', old.initiative_id, {old}); END",
        "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_au AFTER UPDATE ON hub_search_documents "
        f"BEGIN INSERT INTO ix_search_hub_fts(ix_search_hub_fts, rowid, {cols}) "
        f"VALUES ('delete', old.initiative_id, {old}); "
        f"INSERT INTO ix_search_hub_fts(rowid, {cols}) VALUES (new.initiative_id, {new}); END",
    ]


SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ix_search_hub_fts_ai",
    "DROP TRIGGER IF EXISTS ix_search_hub_fts_ad",
    "DROP TRIGGER IF EXISTS ix_search_hub_fts_au",
    "DROP TABLE IF EXISTS ix_search_hub_fts",
]
PG_DROP = [
    "DROP INDEX IF EXISTS ix_search_hub_vector",
    "ALTER TABLE hub_search_documents DROP COLUMN IF EXISTS search_vector",
]


def _pg_ddl(document):
    return [
        "ALTER TABLE hub_search_documents ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({document}) STORED",
        "CREATE INDEX IF NOT EXISTS ix_search_hub_vector ON hub_search_documents "
        "USING gin (search_vector)",
    ]


PG_NEW = (
    "setweight(to_tsvector('swedish', title), 'A') || "
    "setweight(to_tsvector('swedish', body), 'B') || "
    "setweight(to_tsvector('simple', compound_stems), 'C')"
)
PG_OLD = (
    "setweight(to_tsvector('swedish', title), 'A') || "
    "setweight(to_tsvector('swedish', body), 'B')"
)


def _fill():
    from portal.swedish import compound_stems  # pure text, no app

    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT initiative_id, title, body FROM hub_search_documents")
    ).fetchall()
    for initiative_id, title, body in rows:
        bind.execute(
            sa.text("UPDATE hub_search_documents SET compound_stems = :c WHERE initiative_id = :i"),
            {"c": compound_stems((title or "") + "\n" + (body or "")), "i": initiative_id},
        )


def upgrade():
    with op.batch_alter_table("hub_search_documents") as batch_op:
        batch_op.add_column(sa.Column("compound_stems", sa.Text(), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DROP + _sqlite_ddl(COLUMNS):
            op.execute(statement)
        _fill()
        op.execute("INSERT INTO ix_search_hub_fts(ix_search_hub_fts) VALUES ('rebuild')")
    else:
        _fill()
        for statement in PG_DROP + _pg_ddl(PG_NEW):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    else:
        for statement in PG_DROP:
            op.execute(statement)
    with op.batch_alter_table("hub_search_documents") as batch_op:
        batch_op.drop_column("compound_stems")
    if op.get_bind().dialect.name == "sqlite":
        for statement in _sqlite_ddl(COLUMNS[:2]):
            op.execute(statement)
        op.execute("INSERT INTO ix_search_hub_fts(ix_search_hub_fts) VALUES ('rebuild')")
    else:
        for statement in _pg_ddl(PG_OLD):
            op.execute(statement)
