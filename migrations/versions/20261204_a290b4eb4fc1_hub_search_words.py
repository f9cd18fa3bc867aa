"""The hub search's vocabulary (hub_search_words): each published document's words and the
parts of its compounds, each beside its fold without å, ä and ö, so that a query typed without
them finds the words with them ("aldre" → "äldre") and a query that finds nothing gets
"Menade du …?" from words that are published. On PostgreSQL a trigram index (pg_trgm) on the
folded words serves the near-word look-up and prefixes. The rows are written here for the
documents already indexed (the same functions as portal/hub/search.py, pure text); the
full-text index itself is unchanged.

Revision ID: a290b4eb4fc1
Revises: 8dfddd99c6f0
Create Date: 2026-12-04 16:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a290b4eb4fc1"
down_revision = "8dfddd99c6f0"
branch_labels = None
depends_on = None

PG_TRIGRAMS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_search_hub_words_trgm ON hub_search_words "
    "USING gin (folded gin_trgm_ops)",
]


def _fill():
    from portal.swedish import fold, vocabulary  # pure text, no app

    bind = op.get_bind()
    words = sa.table(
        "hub_search_words",
        sa.column("initiative_id", sa.Integer),
        sa.column("word", sa.Text),
        sa.column("folded", sa.Text),
    )
    for initiative_id, title, body in bind.execute(
        sa.text("SELECT initiative_id, title, body FROM hub_search_documents")
    ).fetchall():
        rows = [
            {"initiative_id": initiative_id, "word": w, "folded": fold(w)}
            for w in sorted(vocabulary((title or "") + "\n" + (body or "")))
        ]
        if rows:
            op.bulk_insert(words, rows)


def upgrade():
    op.create_table(
        "hub_search_words",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["hub_search_documents.initiative_id"],
            name=op.f("fk_hub_search_words_initiative_id_hub_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("initiative_id", "word", name=op.f("pk_hub_search_words")),
    )
    with op.batch_alter_table("hub_search_words", schema=None) as batch_op:
        batch_op.create_index("ix_hub_search_words_folded", ["folded"], unique=False)
    _fill()
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_TRIGRAMS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_hub_words_trgm")
    with op.batch_alter_table("hub_search_words", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_search_words_folded")
    op.drop_table("hub_search_words")
