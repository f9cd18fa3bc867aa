"""The public hub: publications, the flags for published rationales and insights, and the
Swedish full-text index over published text

Revision ID: b7e41c0d9a35
Revises: 7d3a9c51e2b4
Create Date: 2026-11-24 02:00:00

The search SQL is a frozen copy of portal/hub/search.py as of this revision. Only ADD COLUMN
on existing tables: on SQLite anything that makes batch mode copy a table would drop the
full-text triggers on it.
"""

import sqlalchemy as sa
from alembic import op

import portal.types

revision = "b7e41c0d9a35"
down_revision = "7d3a9c51e2b4"
branch_labels = None
depends_on = None

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ix_search_hub_fts USING fts5(title_stems, body_stems, content='hub_search_documents', content_rowid='initiative_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_ai AFTER INSERT ON hub_search_documents BEGIN INSERT INTO ix_search_hub_fts(rowid, title_stems, body_stems) VALUES (new.initiative_id, new.title_stems, new.body_stems); END",
    "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_ad AFTER DELETE ON hub_search_documents BEGIN INSERT INTO ix_search_hub_fts(ix_search_hub_fts, rowid, title_stems, body_stems) VALUES ('delete', old.initiative_id, old.title_stems, old.body_stems); END",
    "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_au AFTER UPDATE ON hub_search_documents BEGIN INSERT INTO ix_search_hub_fts(ix_search_hub_fts, rowid, title_stems, body_stems) VALUES ('delete', old.initiative_id, old.title_stems, old.body_stems); INSERT INTO ix_search_hub_fts(rowid, title_stems, body_stems) VALUES (new.initiative_id, new.title_stems, new.body_stems); END",
]
POSTGRES_SEARCH = [
    "CREATE INDEX IF NOT EXISTS ix_search_hub_documents ON hub_search_documents USING gin ((setweight(to_tsvector('swedish', title), 'A') || setweight(to_tsvector('swedish', body), 'B')))",
]


def upgrade():
    op.create_table(
        "publications",
        sa.Column("initiative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("first_published_at", portal.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", portal.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unpublished_at", portal.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("public_fields", sa.JSON(), nullable=False),
        sa.Column("show_submitter_name", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "NOT published OR published_at IS NOT NULL",
            name=op.f("ck_publications_published_has_time"),
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_publications_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_publications_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("initiative_id", name=op.f("pk_publications")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_publications_published_at", ["published", "published_at"], unique=False
        )

    op.create_table(
        "hub_search_documents",
        sa.Column("initiative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("title_stems", sa.Text(), nullable=False),
        sa.Column("body_stems", sa.Text(), nullable=False),
        sa.Column("updated_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_hub_search_documents_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("initiative_id", name=op.f("pk_hub_search_documents")),
    )

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rationale_public", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("insights", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_SEARCH if sqlite else POSTGRES_SEARCH:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # The triggers first: a trigger naming a missing table breaks every later table
        # rebuild (batch mode) of the downgrade.
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS ix_search_hub_fts_{suffix}")
        op.execute("DROP TABLE IF EXISTS ix_search_hub_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_hub_documents")
    with op.batch_alter_table("insights", schema=None) as batch_op:
        batch_op.drop_column("public")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("rationale_public")
    op.drop_table("hub_search_documents")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index("ix_publications_published_at")
    op.drop_table("publications")
