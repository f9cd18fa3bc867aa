"""Inbox speed: FTS5 prefix indexes for the inbox's free text

Revision ID: 9c4e2a7d1b30
Revises: dcf6df5d6e8e
Create Date: 2026-12-04 17:40:00

SQLite only: submissions_fts is made again with prefix='2 3 4 5 6 7 8' (FTS5 keeps extra
index entries for every prefix of 2 to 8 characters, so a word the inbox matches as a prefix,
"äldre"*, is one doclist read newest first instead of a merge of the whole doclists of every
term starting with it) and filled from submissions with FTS5's
'rebuild'. The triggers that keep it in step are made again with it. PostgreSQL's search
(a stored tsvector column with a GIN index, prefixes as `:*`) needs nothing: unchanged.
The SQL is a frozen copy of portal/triage/search.py as of this revision.
"""

from alembic import op

revision = "9c4e2a7d1b30"
down_revision = "dcf6df5d6e8e"
branch_labels = None
depends_on = None

TRIGGERS = ["submissions_fts_ai", "submissions_fts_ad", "submissions_fts_au"]
CREATE_WITH_PREFIXES = "CREATE VIRTUAL TABLE IF NOT EXISTS submissions_fts USING fts5(title, timeline, purpose, effect_residents, effect_society, effect_sk, visual_description, responsible, partners, follow_up, challenges, key_activities, content='submissions', content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='2 3 4 5 6 7 8')"
CREATE_WITHOUT_PREFIXES = "CREATE VIRTUAL TABLE IF NOT EXISTS submissions_fts USING fts5(title, timeline, purpose, effect_residents, effect_society, effect_sk, visual_description, responsible, partners, follow_up, challenges, key_activities, content='submissions', content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
TRIGGER_DDL = [
    "CREATE TRIGGER IF NOT EXISTS submissions_fts_ai AFTER INSERT ON submissions BEGIN INSERT INTO submissions_fts(rowid, title, timeline, purpose, effect_residents, effect_society, effect_sk, visual_description, responsible, partners, follow_up, challenges, key_activities) VALUES (new.id, new.title, new.timeline, new.purpose, new.effect_residents, new.effect_society, new.effect_sk, new.visual_description, new.responsible, new.partners, new.follow_up, new.challenges, new.key_activities); END",
    "CREATE TRIGGER IF NOT EXISTS submissions_fts_ad AFTER DELETE ON submissions BEGIN INSERT INTO submissions_fts(submissions_fts, rowid, title, timeline, purpose, effect_residents, effect_society, effect_sk, visual_description, responsible, partners, follow_up, challenges, key_activities) VALUES ('delete', old.id, old.title, old.timeline, old.purpose, old.effect_residents, old.effect_society, old.effect_sk, old.visual_description, old.responsible, old.partners, old.follow_up, old.challenges, old.key_activities); END",
    "CREATE TRIGGER IF NOT EXISTS submissions_fts_au AFTER UPDATE OF title, timeline, purpose, effect_residents, effect_society, effect_sk, visual_description, responsible, partners, follow_up, challenges, key_activities ON submissions BEGIN INSERT INTO submissions_fts(submissions_fts, rowid, title, timeline, purpose, effect_residents, effect_society, effect_sk, visual_description, responsible, partners, follow_up, challenges, key_activities) VALUES ('delete', old.id, old.title, old.timeline, old.purpose, old.effect_residents, old.effect_society, old.effect_sk, old.visual_description, old.responsible, old.partners, old.follow_up, old.challenges, old.key_activities); INSERT INTO submissions_fts(rowid, title, timeline, purpose, effect_residents, effect_society, effect_sk, visual_description, responsible, partners, follow_up, challenges, key_activities) VALUES (new.id, new.title, new.timeline, new.purpose, new.effect_residents, new.effect_society, new.effect_sk, new.visual_description, new.responsible, new.partners, new.follow_up, new.challenges, new.key_activities); END",
]


def _remake(create: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS submissions_fts")
    op.execute(create)
    for statement in TRIGGER_DDL:
        op.execute(statement)
    op.execute("INSERT INTO submissions_fts(submissions_fts) VALUES ('rebuild')")


def upgrade():
    _remake(CREATE_WITH_PREFIXES)


def downgrade():
    _remake(CREATE_WITHOUT_PREFIXES)
