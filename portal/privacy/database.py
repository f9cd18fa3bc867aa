"""What privacy keeps in the database beside its tables (declared for portal/ddl.py)."""

from __future__ import annotations

from portal import ddl
from portal.privacy import records

ddl.declare(
    ddl.Objects(
        name="submission_records_sealed trigger",
        why="The record as received is a public record: the database refuses any UPDATE of "
        "its sealed columns, whatever code or person tries (the ORM refuses too).",
        guarded_by="tests/functional/test_privacy_records.py",
        sqlite=records.SQLITE_DDL,
        postgresql=records.POSTGRES_DDL,
    ),
    ddl.Hook(
        name="records.write_pending",
        why="Writes the record as received (and each completion) when the registering "
        "transaction commits, so the files sent with the form belong to it.",
        guarded_by="tests/functional/test_privacy_records.py",
        event="before_commit",
        function=records.write_pending,
    ),
    ddl.Hook(
        name="records.forget_pending",
        why="A rolled back transaction writes no record.",
        guarded_by="tests/functional/test_privacy_records.py",
        event="after_soft_rollback",
        function=records.forget_pending,
    ),
)
