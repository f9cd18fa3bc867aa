"""What the board keeps in the database beside its tables (declared for portal/ddl.py)."""

from __future__ import annotations

from portal import ddl
from portal.board import origin_day, version
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
    ddl.Objects(
        name="initiatives origin day triggers",
        why="The board's funnel finds the initiatives of a period by the day their submission "
        "was submitted, a column of initiatives the database keeps in step with submissions, "
        "instead of looking up each initiative's submission.",
        guarded_by="tests/functional/test_board_origin_day.py",
        sqlite=origin_day.SQLITE_DDL,
        postgresql=origin_day.POSTGRES_DDL,
    ),
    ddl.Objects(
        name="board_version triggers",
        why="The board's figures are cached per process for a data version that triggers on "
        "every table the board counts replace in the same transaction as each change, so a "
        "cached figure is never older than the data.",
        guarded_by="tests/functional/test_board_cache.py",
        sqlite=version.SQLITE_DDL,
        postgresql=version.POSTGRES_DDL,
    ),
)
