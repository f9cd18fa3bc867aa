"""The hub's search on PostgreSQL: a stored tsvector column instead of an expression index

Ranking and the GIN index's recheck read the stored vector instead of parsing and stemming
every matching document again (bench/hub.py: 5 000 initiatives, a common word went from about
500 ms to about 85 ms a page). SQLite is unchanged. The SQL is a frozen copy of
portal/hub/search.py as of this revision.

Revision ID: e3f9a1c24b68
Revises: 690a3e765037
Create Date: 2026-11-24 03:00:00

"""

from alembic import op

revision = "e3f9a1c24b68"
down_revision = "690a3e765037"
branch_labels = None
depends_on = None

POSTGRES_SEARCH = [
    "ALTER TABLE hub_search_documents ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (setweight(to_tsvector('swedish', title), 'A') || setweight(to_tsvector('swedish', body), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_search_hub_vector ON hub_search_documents USING gin (search_vector)",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_hub_documents")
        for statement in POSTGRES_SEARCH:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_hub_vector")
        op.execute("ALTER TABLE hub_search_documents DROP COLUMN IF EXISTS search_vector")
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_search_hub_documents ON hub_search_documents "
            "USING gin ((setweight(to_tsvector('swedish', title), 'A') || "
            "setweight(to_tsvector('swedish', body), 'B')))"
        )
