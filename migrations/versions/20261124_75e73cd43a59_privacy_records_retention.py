"""Public records and retention: submission_records (the record as received, sealed by a
trigger, backfilled from the submissions there are), retention_rules, data-access tokens for
residents (account_tokens.submission_id), outbox messages deleted once sent.

Revision ID: 75e73cd43a59
Revises: e3f9a1c24b68
Create Date: 2026-11-24 00:38:01.255301

The trigger SQL and the record's shape are frozen copies of portal/privacy/records.py as of
this revision. Backfilled records are sealed from the submission as it is now (a completion
made before this revision is part of it), and say so ("backfilled": true).
"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

import portal.types

revision = "75e73cd43a59"
down_revision = "e3f9a1c24b68"
branch_labels = None
depends_on = None

SEALED = (
    "submission_id, sequence, kind, reg_number, reg_year, reg_seq, at, title, content, sender, "
    "content_sha256"
)
SQLITE_TRIGGER = [
    f"CREATE TRIGGER IF NOT EXISTS submission_records_sealed BEFORE UPDATE OF {SEALED} "
    "ON submission_records BEGIN SELECT RAISE(ABORT, 'submission records are sealed'); END"
]
POSTGRES_TRIGGER = [
    "CREATE OR REPLACE FUNCTION submission_records_sealed() RETURNS trigger LANGUAGE plpgsql "
    "AS $$\nBEGIN\n    RAISE EXCEPTION 'submission records are sealed';\nEND $$",
    "DROP TRIGGER IF EXISTS submission_records_sealed ON submission_records",
    f"CREATE TRIGGER submission_records_sealed BEFORE UPDATE OF {SEALED} ON submission_records "
    "FOR EACH ROW EXECUTE FUNCTION submission_records_sealed()",
]
CANVAS = (
    "title", "timeline", "purpose", "effect_residents", "effect_society", "effect_sk",
    "visual_description", "responsible", "partners", "follow_up", "challenges", "key_activities",
)  # fmt: skip
BATCH = 500


def upgrade():
    op.create_table(
        "retention_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "action IN ('anonymise', 'delete')", name=op.f("ck_retention_rules_action_valid")
        ),
        sa.CheckConstraint(
            "kind IN ('resident_contacts', 'closed_submissions', 'drafts', 'outbox')",
            name=op.f("ck_retention_rules_kind_valid"),
        ),
        sa.CheckConstraint("period > 0", name=op.f("ck_retention_rules_period_positive")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_retention_rules_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rules")),
        sa.UniqueConstraint("kind", name=op.f("uq_retention_rules_kind")),
    )
    op.create_table(
        "submission_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reg_number", sa.String(length=20), nullable=False),
        sa.Column("reg_year", sa.Integer(), nullable=False),
        sa.Column("reg_seq", sa.Integer(), nullable=False),
        sa.Column("at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("sender", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "erasure_requested_at", portal.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint(
            "(kind = 'received') = (sequence = 0)",
            name=op.f("ck_submission_records_received_first"),
        ),
        sa.CheckConstraint(
            "kind IN ('received', 'completion')", name=op.f("ck_submission_records_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_records_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_records")),
        sa.UniqueConstraint(
            "submission_id", "sequence", name="uq_submission_records_sequence"
        ),
    )
    with op.batch_alter_table("submission_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submission_records_register", ["reg_year", "reg_seq"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_submission_records_submission_id"), ["submission_id"], unique=False
        )

    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", sa.Integer(), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_account_tokens_submission_id"), ["submission_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_account_tokens_submission_id_submissions"),
            "submissions",
            ["submission_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(batch_op.f("ck_account_tokens_purpose_valid"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_account_tokens_purpose_valid"), "purpose IN ('reset', 'invite', 'access')"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_account_tokens_has_subject"), "user_id IS NOT NULL OR submission_id IS NOT NULL"
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "forget_after_sending", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )

    bind = op.get_bind()
    _backfill(bind)
    for statement in SQLITE_TRIGGER if bind.dialect.name == "sqlite" else POSTGRES_TRIGGER:
        op.execute(statement)


def _digest(content) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _aware(moment):
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _backfill(bind) -> None:
    """A record as received for every registered submission, from what it holds now."""
    meta = sa.MetaData()
    submissions = sa.Table("submissions", meta, autoload_with=bind)
    calls = sa.Table("calls", meta, autoload_with=bind)
    areas = sa.Table("focus_areas", meta, autoload_with=bind)
    parties = sa.Table("parties", meta, autoload_with=bind)
    users = sa.Table("users", meta, autoload_with=bind)
    attachments = sa.Table("attachments", meta, autoload_with=bind)
    records = sa.Table(
        "submission_records",
        sa.MetaData(),
        sa.Column("submission_id", sa.Integer),
        sa.Column("sequence", sa.Integer),
        sa.Column("kind", sa.String),
        sa.Column("reg_number", sa.String),
        sa.Column("reg_year", sa.Integer),
        sa.Column("reg_seq", sa.Integer),
        sa.Column("at", portal.types.UTCDateTime(timezone=True)),
        sa.Column("title", sa.String),
        sa.Column("content", sa.JSON),
        sa.Column("sender", sa.JSON),
        sa.Column("content_sha256", sa.String),
    )
    s = submissions.c
    rows = bind.execute(
        sa.select(
            submissions,
            calls.c.title.label("call_title"),
            areas.c.name.label("area_name"),
            parties.c.name.label("party_name"),
            users.c.name.label("user_name"),
            users.c.email.label("user_email"),
        )
        .select_from(submissions)
        .outerjoin(calls, calls.c.id == s.call_id)
        .outerjoin(areas, areas.c.id == s.focus_area_id)
        .outerjoin(parties, parties.c.id == s.party_id)
        .outerjoin(users, users.c.id == s.submitter_id)
        .where(s.reg_number.is_not(None))
        .order_by(s.id)
    ).all()
    files: dict[int, list] = {}
    for a in bind.execute(sa.select(attachments).order_by(attachments.c.id)):
        files.setdefault(a.submission_id, []).append(
            {
                "id": a.id,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "purpose": a.purpose,
                "sha256": None,
            }
        )
    values = []
    for r in rows:
        content = {
            "kind": r.kind,
            "call": {"id": r.call_id, "title": r.call_title} if r.call_id else None,
            "focus_area": r.area_name,
            "canvas": {key: getattr(r, key) or "" for key in CANVAS},
            "attachments": files.get(r.id, []),
            "backfilled": True,
        }
        if r.submitter_id is not None:
            sender = {
                "type": "employee",
                "user_id": r.submitter_id,
                "name": r.user_name,
                "email": r.user_email,
                "party": r.party_name,
            }
        else:
            sender = {
                "type": "resident",
                "name": r.resident_name,
                "email": r.resident_email,
                "phone": r.resident_phone,
                "consent_named_publicly": bool(r.consent_named_publicly),
                "consent_news": bool(r.consent_news),
                "party": None,
            }
        values.append(
            {
                "submission_id": r.id,
                "sequence": 0,
                "kind": "received",
                "reg_number": r.reg_number,
                "reg_year": r.reg_year,
                "reg_seq": r.reg_seq,
                "at": _aware(r.submitted_at or r.created_at),
                "title": r.title or "",
                "content": content,
                "sender": sender,
                "content_sha256": _digest(content),
            }
        )
    for start in range(0, len(values), BATCH):
        bind.execute(records.insert(), values[start : start + BATCH])


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS submission_records_sealed")
    else:
        op.execute("DROP TRIGGER IF EXISTS submission_records_sealed ON submission_records")
        op.execute("DROP FUNCTION IF EXISTS submission_records_sealed()")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("forget_after_sending")

    op.execute("DELETE FROM account_tokens WHERE user_id IS NULL OR purpose = 'access'")
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_account_tokens_has_subject"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_account_tokens_purpose_valid"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_account_tokens_purpose_valid"), "purpose IN ('reset', 'invite')"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_account_tokens_submission_id_submissions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_account_tokens_submission_id"))
        batch_op.alter_column("user_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("submission_id")

    with op.batch_alter_table("submission_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_records_submission_id"))
        batch_op.drop_index("ix_submission_records_register")

    op.drop_table("submission_records")
    op.drop_table("retention_rules")
