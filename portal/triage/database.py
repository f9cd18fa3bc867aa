"""What triage keeps in the database beside its tables (declared for portal/ddl.py)."""

from __future__ import annotations

from portal import ddl
from portal.triage import counts, search

ddl.declare(
    ddl.Objects(
        name="submissions_fts (SQLite), submissions.search_vector (PostgreSQL)",
        why="The inbox's free-text search over the canvas: an FTS5 table kept in step by "
        "three triggers on submissions; a stored tsvector column with a GIN index.",
        guarded_by="tests/functional/test_inbox_indexes.py",
        sqlite=search.SQLITE_DDL,
        postgresql=search.POSTGRES_DDL,
        drop_sqlite=search.SQLITE_DROP,
        drop_postgresql=search.POSTGRES_DROP,
    ),
    ddl.Objects(
        name="submission_state_counts triggers",
        why="The inbox's count per state on every page, kept by the database in the same "
        "transaction as each change, instead of counting 100 000 submissions.",
        guarded_by="tests/functional/test_inbox_indexes.py",
        sqlite=counts.SQLITE_DDL,
        postgresql=counts.POSTGRES_DDL,
    ),
)
