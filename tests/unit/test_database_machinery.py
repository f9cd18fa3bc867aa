"""Nothing runs in the database, or on the session, that portal/ddl.py does not declare, and
the README lists what it declares."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from portal import ddl

ROOT = Path(__file__).resolve().parents[2]
TRIGGER = re.compile(r"CREATE (?:CONSTRAINT )?TRIGGER (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)
FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION (\w+)", re.IGNORECASE)
ddl.load()


def declared(pattern: re.Pattern, dialect: str) -> set[str]:
    return {
        name
        for objects in ddl.OBJECTS
        for statement in getattr(objects, dialect)
        for name in pattern.findall(statement)
    }


def readme_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Database objects and session hooks")
    return readme[start : readme.index("\n## ", start)]


def test_each_declaration_says_why_and_names_a_test_that_exists():
    assert ddl.OBJECTS and ddl.HOOKS
    for item in (*ddl.OBJECTS, *ddl.HOOKS):
        assert len(item.why) > 30, item.name
        assert (ROOT / item.guarded_by).is_file(), item.guarded_by


def test_the_readme_lists_exactly_what_is_declared():
    section = readme_section()
    listed = set(re.findall(r"^\| `([^`]+)`", section, flags=re.MULTILINE))
    assert listed == {item.name for item in (*ddl.OBJECTS, *ddl.HOOKS)}


def test_every_hook_listens_on_every_session(app):
    for hook in ddl.HOOKS:
        assert event.contains(Session, hook.event, hook.function), hook.name


def test_the_database_has_exactly_the_declared_triggers_and_functions(db):
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        found = set(
            connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        )
        assert found == declared(TRIGGER, "sqlite")
    else:
        found = set(
            connection.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        )
        assert found == declared(TRIGGER, "postgresql")
        functions = set(
            connection.scalars(
                text(
                    # ours: not those an extension (pg_trgm) brings with it
                    "SELECT p.proname FROM pg_proc p JOIN pg_namespace n "
                    "ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND NOT EXISTS "
                    "(SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
                    "AND d.objid = p.oid AND d.deptype = 'e')"
                )
            )
        )
        assert functions == declared(FUNCTION, "postgresql")
