"""The migrations build the schema the models describe, and seeding is idempotent."""

from __future__ import annotations

import os
import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as _db
from portal.reference.models import Criterion, FocusArea, Party, Perspective
from portal.triage.search import is_search_object


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    schema = f"migration_check_{uuid.uuid4().hex[:8]}"
    from portal.config import normalise_database_url

    base = normalise_database_url(url)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    # public after it: where the database's extensions (pg_trgm) are, as in production
    yield f"{base}{sep}options=-csearch_path%3D{schema},public"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def outside_the_metadata(conn) -> dict[str, set[str]]:
    """What Alembic does not compare: the triggers, and on SQLite the WITHOUT ROWID tables."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT type, name, sql FROM sqlite_master")).all()
        return {
            "triggers": {name for kind, name, _sql in rows if kind == "trigger"},
            "without rowid": {
                name for kind, name, sql in rows if kind == "table" and "WITHOUT ROWID" in sql
            },
        }
    triggers = conn.execute(
        text(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        )
    )
    return {"triggers": set(triggers.scalars())}


def migrated_app(url: str):
    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(MigrationConfig)


@pytest.mark.slow
def test_migrations_build_the_schema_of_the_models(empty_database_url, db):
    with db.engine.connect() as conn:
        made_by_create_all = outside_the_metadata(conn)

    with migrated_app(empty_database_url).app_context():
        flask_migrate.upgrade()
        with _db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": is_search_object}
            )
            differences = compare_metadata(context, _db.metadata)
            migrated = outside_the_metadata(conn)
        _db.engine.dispose()
    assert differences == []
    assert migrated == made_by_create_all
    assert {"submission_months_ai", "submitter_months_insert_delete"} & migrated["triggers"]


@pytest.mark.slow
def test_migrations_go_down_to_nothing_and_up_again(empty_database_url, db):
    with migrated_app(empty_database_url).app_context():
        flask_migrate.upgrade()
        with _db.engine.connect() as conn:
            up = outside_the_metadata(conn)
        flask_migrate.downgrade(revision="base")
        with _db.engine.connect() as conn:
            down = outside_the_metadata(conn)
            schema = None if conn.dialect.name == "sqlite" else conn.dialect.default_schema_name
            tables = inspect(conn).get_table_names(schema=schema)  # not those public shows
        flask_migrate.upgrade()
        with _db.engine.connect() as conn:
            again = outside_the_metadata(conn)
        _db.engine.dispose()
    assert set(tables) <= {"alembic_version"}
    assert not down["triggers"]
    assert again == up


def test_sqlite_enforces_foreign_keys_and_reads_through_a_memory_map(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA mmap_size")).scalar() == 268435456
        with pytest.raises(IntegrityError):
            conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (999999, 'admin')"))


def test_postgresql_runs_each_statement_without_parallel_workers(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL settings")
    from portal.board.figures import plan_for_these_dates

    db.session.remove()
    db.engine.dispose()  # a new connection, made as the app makes them
    show = lambda name: db.session.scalar(text(f"SHOW {name}"))  # noqa: E731
    assert show("max_parallel_workers_per_gather") == "0"
    assert show("plan_cache_mode") == "auto"
    plan_for_these_dates()  # the board's figures: for the rest of this transaction only
    assert show("plan_cache_mode") == "force_custom_plan"
    db.session.rollback()
    assert show("plan_cache_mode") == "auto"
    assert show("max_parallel_workers_per_gather") == "0"  # the connection's, kept


def test_seed_twice_adds_nothing_the_second_time(app, db):
    runner = app.test_cli_runner()
    counts = lambda: [  # noqa: E731
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Party, FocusArea, Perspective, Criterion)
    ]
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    before = counts()
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0
    assert "parties +0, focus_areas +0, perspectives +0, goals +0, criteria +0" in second.output
    assert counts() == before == [5, 4, 9, 5]


def test_renamed_focus_areas_share_a_portfolio(db):
    old = db.session.scalar(select(FocusArea).where(FocusArea.name == "Skolresultat"))
    new = db.session.scalar(
        select(FocusArea).where(FocusArea.name == "Alla barn och unga uppnår sin fulla potential")
    )
    assert new.renamed_from_id == old.id
    assert new.portfolio_id == old.portfolio_id
