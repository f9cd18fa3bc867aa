"""Milestone e-mail to submitters: the milestones waiting for the day's e-mail
(submitter_notifications), what employees turned off (milestone_optouts), a resident's consent
(submissions.consent_milestones) and extra header lines on outbox messages (List-Unsubscribe).

Revision ID: 8dfddd99c6f0
Revises: 5e1d2c0a7b19
Create Date: 2026-12-03 16:38:34.644160

"""

from alembic import op
import sqlalchemy as sa

import portal.types


# revision identifiers, used by Alembic.
revision = "8dfddd99c6f0"
down_revision = "5e1d2c0a7b19"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "milestone_optouts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('portfolio', 'phase', 'pilot', 'published', 'closed')",
            name=op.f("ck_milestone_optouts_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_milestone_optouts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_milestone_optouts")),
    )
    op.create_table(
        "submitter_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sent_at", portal.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('portfolio', 'phase', 'pilot', 'published', 'closed')",
            name=op.f("ck_submitter_notifications_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'skipped')",
            name=op.f("ck_submitter_notifications_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_submitter_notifications_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_submitter_notifications_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submitter_notifications_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submitter_notifications")),
    )
    with op.batch_alter_table("submitter_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submitter_notifications_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index("ix_submitter_notifications_due", ["status", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_submitter_notifications_outbox_message_id"),
            ["outbox_message_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_submitter_notifications_submission_id"), ["submission_id"], unique=False
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))

    # Plain ADD COLUMN (SQLite too): batch mode would copy submissions and lose its triggers.
    op.add_column(
        "submissions",
        sa.Column("consent_milestones", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): batch mode would copy the table and lose its triggers.
    op.execute("ALTER TABLE submissions DROP COLUMN consent_milestones")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("headers")

    with op.batch_alter_table("submitter_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submitter_notifications_submission_id"))
        batch_op.drop_index(batch_op.f("ix_submitter_notifications_outbox_message_id"))
        batch_op.drop_index("ix_submitter_notifications_due")
        batch_op.drop_index(batch_op.f("ix_submitter_notifications_decision_id"))

    op.drop_table("submitter_notifications")
    op.drop_table("milestone_optouts")
