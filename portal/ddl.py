"""What the database does beside the ORM's tables, declared in one list.

Two kinds of machinery run without a view calling them, so a newcomer would not see them in
the code they read:

- **Database objects** the ORM metadata does not hold: triggers, full-text tables and
  columns, functions, written as SQL per dialect. `create_all` (tests, benchmarks) makes them
  through the metadata's `after_create` event below; each migration runs a frozen copy of the
  same SQL.
- **Session hooks**: functions SQLAlchemy calls on every flush, commit or rollback of any
  session (the hub's search index, the records as received, removing uploaded files).

Each capability that has any declares them in its own `database.py` (CAPABILITIES lists the
modules), each with why it exists and the test that fails when it breaks; the README's
architecture notes list the same, and tests/unit/test_database_machinery.py checks that the
README, these declarations and the database agree.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.extensions import db

CAPABILITIES = (
    "portal.triage.database",
    "portal.board.database",
    "portal.privacy.database",
    "portal.hub.database",
    "portal.submissions.database",
)


@dataclass(frozen=True)
class Objects:
    """Database objects made together, and what makes them go again."""

    name: str  # what to look for in the database
    why: str
    guarded_by: str  # the test file that fails when they break
    sqlite: Sequence[str] = ()
    postgresql: Sequence[str] = ()
    drop_sqlite: Sequence[str] = ()  # what drop_all must remove first (tables it does not know)
    drop_postgresql: Sequence[str] = ()


@dataclass(frozen=True)
class Hook:
    """A function the session calls on `event` (SQLAlchemy's session events)."""

    name: str
    why: str
    guarded_by: str
    event: str
    function: Callable


OBJECTS: list[Objects] = []
HOOKS: list[Hook] = []


def declare(*items: Objects | Hook) -> None:
    for item in items:
        (OBJECTS if isinstance(item, Objects) else HOOKS).append(item)


def load() -> None:
    """Import every capability's declarations (portal/models.py does, with the models)."""
    for module in CAPABILITIES:
        importlib.import_module(module)


def run(connection: Connection, *, sqlite: Sequence[str], postgresql: Sequence[str]) -> None:
    """Execute the statements written for this connection's dialect."""
    for statement in sqlite if connection.dialect.name == "sqlite" else postgresql:
        connection.execute(text(statement))


def install(connection: Connection) -> None:
    for objects in OBJECTS:
        run(connection, sqlite=objects.sqlite, postgresql=objects.postgresql)


def uninstall(connection: Connection) -> None:
    for objects in reversed(OBJECTS):
        run(connection, sqlite=objects.drop_sqlite, postgresql=objects.drop_postgresql)


@event.listens_for(db.metadata, "after_create")
def _after_create(metadata, connection, **kw) -> None:
    install(connection)


@event.listens_for(db.metadata, "before_drop")
def _before_drop(metadata, connection, **kw) -> None:
    uninstall(connection)


def install_session_hooks() -> None:
    """Listen on every session (create_app calls it; a second call adds nothing)."""
    for hook in HOOKS:
        if not event.contains(Session, hook.event, hook.function):
            event.listen(Session, hook.event, hook.function)
