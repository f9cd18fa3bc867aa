"""What the hub keeps in the database beside its tables (declared for portal/ddl.py)."""

from __future__ import annotations

from portal import ddl
from portal.hub import search

ddl.declare(
    ddl.Objects(
        name="ix_search_hub_fts (SQLite), hub_search_documents.search_vector (PostgreSQL)",
        why="Swedish full-text search over what is published: FTS5 over text stemmed in "
        "Python, kept in step by three triggers; the 'swedish' configuration on a stored "
        "tsvector column with a GIN index, and pg_trgm's GIN index on the vocabulary's folded "
        "words (ix_search_hub_words_trgm) for 'Menade du …?'.",
        guarded_by="tests/unit/test_hub_search.py",
        sqlite=search.SQLITE_DDL,
        postgresql=search.POSTGRES_DDL,
        drop_sqlite=search.SQLITE_DROP,
        drop_postgresql=search.POSTGRES_DROP,
    ),
    ddl.Hook(
        name="hub.search.note_changes",
        why="Notes, at each flush, the initiatives whose public text may have changed "
        "anywhere in the portal (their name, insights, publication, origin canvas).",
        guarded_by="tests/functional/test_hub.py",
        event="after_flush",
        function=search.note_changes,
    ),
    ddl.Hook(
        name="hub.search.refresh_stale",
        why="Rewrites their search documents before the commit, so search never shows "
        "unpublished or outdated text.",
        guarded_by="tests/functional/test_hub.py",
        event="before_commit",
        function=search.refresh_stale,
    ),
    ddl.Hook(
        name="hub.search.forget_stale",
        why="A rolled back transaction leaves the documents as they were.",
        guarded_by="tests/functional/test_hub.py",
        event="after_rollback",
        function=search.forget_stale,
    ),
)
