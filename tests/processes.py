"""Processes of the portal for tests that run it as production does: `flask` commands with only
what cron gives them, databases made for them (SQLite files, or PostgreSQL databases beside
TEST_DATABASE_URL), and the portal in the test's own process on such a database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import TestConfig, normalise_database_url
from portal.extensions import db as _db

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "cron-test-secret-key-0123456789-abcdefghij"
BASE_URL = "https://ideportal.example.se"


class Databases:
    """SQLite files in a folder, or PostgreSQL databases created (and dropped) on the server of
    TEST_DATABASE_URL."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        url = os.environ.get("TEST_DATABASE_URL", "")
        self.server = make_url(normalise_database_url(url)) if url.startswith("postgres") else None
        self.made: list[str] = []

    @property
    def is_postgresql(self) -> bool:
        return self.server is not None

    def _admin(self):
        import psycopg

        url = self.server.set(drivername="postgresql")
        return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    def url_of(self, name: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.folder / f'{name}.sqlite3'}"
        return self.server.set(database=name).render_as_string(hide_password=False)

    def new(self, template: str | None = None) -> str:
        name = f"cron_{uuid.uuid4().hex[:12]}"
        if self.server is None:
            if template:
                shutil.copyfile(make_url(template).database, self.folder / f"{name}.sqlite3")
        else:
            with self._admin() as conn:
                source = f' TEMPLATE "{make_url(template).database}"' if template else ""
                conn.execute(f'CREATE DATABASE "{name}"{source}')
        self.made.append(name)
        return self.url_of(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        if self.server is None:
            Path(name).unlink(missing_ok=True)
        else:
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cron_environment(database_url: str, home: Path, **env: str) -> dict[str, str]:
    """Only what cron gives a command: the settings, no shell's environment."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "PORTAL_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "BASE_URL": BASE_URL,
        "UPLOAD_FOLDER": str(home / "uploads"),
        # Production refuses to start without a mail server; nobody listens on this one, so a
        # command that sent mail here would fail (those that send name the SMTP sink instead).
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": "9",
        "MAIL_DEFAULT_SENDER": "Idéportalen <ideportal@example.se>",
        **env,
    }


FLASK = [sys.executable, "-m", "flask", "--app", "portal"]


def run_flask(database_url: str, *args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    """`flask --app portal <args>` in a process of its own, with only what cron gives it."""
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [*FLASK, *args],
        cwd=ROOT,
        env=cron_environment(database_url, home, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_flask(database_url: str, *args: str, home: Path, **env: str) -> subprocess.Popen:
    """`flask --app portal <args>` started in the background (a long-running command)."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [*FLASK, *args],
        cwd=ROOT,
        env=cron_environment(database_url, home, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def failed_with(result: subprocess.CompletedProcess, message: str) -> None:
    """Exit code 1 and the command's one Swedish line, last on stderr; no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"Fel: {message}", result.stderr


def succeeded(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout.strip().splitlines()


@contextmanager
def portal_on(database_url: str, home: Path):
    """The portal in this process on the command's database (to arrange and to check)."""

    class CommandsConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
        SECRET_KEY = SECRET_KEY
        BASE_URL = BASE_URL
        UPLOAD_FOLDER = str(home / "uploads")

    app = create_app(CommandsConfig)
    with app.app_context():
        try:
            yield app
        finally:
            _db.session.remove()
            for engine in _db.engines.values():
                engine.dispose()
