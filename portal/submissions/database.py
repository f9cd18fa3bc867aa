"""What submissions keep beside their tables (declared for portal/ddl.py)."""

from __future__ import annotations

from portal import ddl
from portal.submissions import uploads

ddl.declare(
    ddl.Hook(
        name="uploads.delete_files",
        why="An uploaded file is removed from disk only once the transaction that deleted "
        "its row has committed, so a row never points at a removed file.",
        guarded_by="tests/unit/test_uploads.py",
        event="after_commit",
        function=uploads.delete_files,
    ),
    ddl.Hook(
        name="uploads.keep_files",
        why="A rolled back deletion keeps its files.",
        guarded_by="tests/unit/test_uploads.py",
        event="after_soft_rollback",
        function=uploads.keep_files,
    ),
)
