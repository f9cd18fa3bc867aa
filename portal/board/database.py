"""What the board keeps in the database beside its tables (declared for portal/ddl.py)."""

from __future__ import annotations

from portal import ddl
from portal.board.monthly import MONTHS, SUBMITTERS

ddl.declare(
    ddl.Objects(
        name="submission_months triggers",
        why="The board's long spans count whole months from a summary kept by the database "
        "(per month, source, focus area, kind, call and state) instead of five years of "
        "submissions.",
        guarded_by="tests/functional/test_board_monthly.py",
        sqlite=MONTHS.sqlite_ddl(),
        postgresql=MONTHS.postgres_ddl(),
    ),
    ddl.Objects(
        name="submitter_months triggers",
        why="The distinct employees per party over long spans, from who submitted per month, "
        "source and focus area.",
        guarded_by="tests/functional/test_board_monthly.py",
        sqlite=SUBMITTERS.sqlite_ddl(),
        postgresql=SUBMITTERS.postgres_ddl(),
    ),
)
