"""Private links: a resident's links in a table of their own, one per e-mail that asks them to
act (the receipt, an information request); the resident's language on the submission

The existing links (submissions.access_token_hash) move to private_links unchanged, so every
link already sent keeps working. On SQLite, dropping the column makes batch mode copy the
table, which drops its triggers (full-text search, the inbox's and the board's counts): they
are read before and created again after, exactly as they were.

Revision ID: 97c5789c6013
Revises: cd9d8cead4bb
Create Date: 2026-12-03 08:10:00
"""

import sqlalchemy as sa
from alembic import op

import portal.types

revision = "97c5789c6013"
down_revision = "cd9d8cead4bb"
branch_labels = None
depends_on = None


def _submissions_triggers(bind) -> list[str]:
    if bind.dialect.name != "sqlite":
        return []
    return [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'submissions' "
            "ORDER BY rowid"
        )
    ]


def _recreate(triggers: list[str]) -> None:
    for statement in triggers:
        op.execute(statement)


def upgrade():
    op.create_table(
        "private_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_private_links_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_private_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_private_links_token_hash")),
    )
    op.create_index(
        op.f("ix_private_links_submission_id"), "private_links", ["submission_id"], unique=False
    )
    op.execute(
        "INSERT INTO private_links (submission_id, token_hash, created_at) "
        "SELECT id, access_token_hash, COALESCE(submitted_at, created_at) FROM submissions "
        "WHERE access_token_hash IS NOT NULL"
    )
    triggers = _submissions_triggers(op.get_bind())
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resident_locale", sa.String(length=5), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_submissions_access_token_hash"), type_="unique")
        batch_op.drop_column("access_token_hash")
    _recreate(triggers)


def downgrade():
    triggers = _submissions_triggers(op.get_bind())
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_submissions_access_token_hash"), ["access_token_hash"]
        )
        batch_op.drop_column("resident_locale")
    _recreate(triggers)
    # The first link of each submission goes back into the column; later ones are lost.
    op.execute(
        "UPDATE submissions SET access_token_hash = (SELECT token_hash FROM private_links "
        "WHERE private_links.submission_id = submissions.id ORDER BY id LIMIT 1)"
    )
    op.drop_index(op.f("ix_private_links_submission_id"), table_name="private_links")
    op.drop_table("private_links")
