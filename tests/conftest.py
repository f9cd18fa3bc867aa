"""Fixtures: one app per session, a clean database per test, a real SMTP sink, logins."""

from __future__ import annotations

import os
import re
import socket
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text


def _database_per_worker() -> None:
    """Under pytest-xdist each worker gets a database of its own, before the app's config
    reads TEST_DATABASE_URL: a SQLite file per worker (instance/test-gw0.sqlite3), or a
    PostgreSQL database per worker beside the given one (test_gw0), created when missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(base)
        name = f"{url.database}_{worker}"
        with psycopg.connect(
            host=url.host, port=url.port, user=url.username, password=url.password,
            dbname="postgres", autocommit=True,
        ) as conn:  # fmt: skip
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["TEST_DATABASE_URL"] = url.set(database=name).render_as_string(
            hide_password=False
        )
    else:
        from pathlib import Path

        root = Path(__file__).resolve().parent.parent
        (root / "instance").mkdir(exist_ok=True)
        os.environ["TEST_DATABASE_URL"] = (
            f"sqlite:///{root / 'instance' / f'test-{worker}.sqlite3'}"
        )


_database_per_worker()

from portal import create_app  # noqa: E402  (after the worker's database is chosen)
from portal.config import TestConfig  # noqa: E402
from portal.extensions import db as _db  # noqa: E402
from portal.extensions import limiter, mail  # noqa: E402
from portal.reference.seed import seed_reference  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class RequestContextClient(FlaskClient):
    """Each request gets its own app context (its own `g` and database session), as in
    production, even while the test itself holds one to query the database."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(TestConfig)
    app.test_client_class = RequestContextClient
    with app.app_context():
        if _db.engine.dialect.name == "sqlite":
            _db.drop_all()
        else:
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        _db.create_all()
    yield app


def wipe(app) -> None:
    """Empty every table (faster than recreating the schema)."""
    with app.app_context():
        _db.session.remove()
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture
def db(app) -> Iterator:
    """A clean database with the reference data, inside an app context."""
    wipe(app)
    limiter.reset()
    with app.app_context():
        seed_reference()
        _db.session.commit()
        yield _db
        _db.session.rollback()
        _db.session.remove()


@pytest.fixture
def upload_folder(app, tmp_path):
    """Uploaded files go to a folder of the test's own (the path), not instance/uploads."""
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    yield tmp_path
    app.config["UPLOAD_FOLDER"] = saved


@pytest.fixture
def client(app, db):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """GET the page holding the form (url by default), then POST with its CSRF token."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **data}, **kwargs)


def login(client, user, password: str = "a-long-test-password-1") -> None:
    """Log in through the form; with the code from the authenticator app when asked."""
    response = post_form(client, "/logga-in", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    if response.headers["Location"] == "/logga-in/kod":
        response = post_form(client, "/logga-in/kod", {"code": next_totp_code(user)})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def next_totp_code(user) -> str:
    """The app's code for the current time step, or the next one (the portal accepts one step
    ahead) when this one is spent: a test may log the same user in twice within 30 seconds.
    A third login in the same step starts over, as if 30 seconds had passed."""
    from sqlalchemy import select, update

    from portal.accounts import mfa
    from portal.accounts.models import User

    sealed, last = _db.session.execute(
        select(User.totp_secret, User.totp_last_step).where(User.id == user.id)
    ).one()
    secret = mfa.unseal(sealed)
    now = mfa.time_step()
    step = now if last is None or last < now else last + 1
    if step > now + 1:
        _db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
        _db.session.commit()
        step = now
    return mfa.totp_code(secret, step)


@pytest.fixture
def login_as(client, db):
    """login_as(Role.ADMIN) or login_as(user): a logged-in client for that role or user."""
    from tests.factories import make_user

    def _login(role_or_user, **user_kwargs):
        from portal.accounts.models import Role, User

        user = (
            role_or_user
            if isinstance(role_or_user, User)
            else make_user(roles={Role(role_or_user)}, **user_kwargs)
        )
        login(client, user)
        return user

    return _login


# --- a real SMTP server ---------------------------------------------------------------


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    controller: object | None = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        self.controller = Controller(Handler(), hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def wait_for_mail(
        self, to: str, subject: str = "", count: int = 1, timeout: float = 10.0
    ) -> list[EmailMessage]:
        """The messages to `to` whose subject contains `subject`, once there are `count` of
        them (or the timeout has passed: the caller asserts how many came)."""

        def matching() -> list[EmailMessage]:
            return [m for m in self.messages if m["To"] == to and subject in str(m["Subject"])]

        deadline = time.monotonic() + timeout
        while len(matching()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return matching()

    def body(self, message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app) -> Iterator[SmtpSink]:
    """An aiosmtpd server on a free port; the app sends its mail there during the test."""
    sink = SmtpSink("127.0.0.1", free_port())
    sink.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER=sink.host, MAIL_PORT=sink.port)
    mail.init_app(app)
    yield sink
    sink.stop()
    app.config.update(saved)
    mail.init_app(app)


def pytest_report_header(config):
    return f"database: {os.environ.get('TEST_DATABASE_URL', 'sqlite (instance/test.sqlite3)')}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """How many OWASP ASVS 4.0.3 requirements the security tests that ran prove."""
    proven: set[str] = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            for requirement in getattr(report, "asvs", ()):
                proven.add(requirement)
    if proven:
        ordered = sorted(proven, key=lambda r: [int(p) for p in r.split(".")])
        terminalreporter.write_line(
            f"OWASP ASVS 4.0.3 requirements proven by passing tests: {len(ordered)} "
            f"({', '.join(ordered)})"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.passed:
        report.asvs = tuple(m.args[0] for m in item.iter_markers("asvs"))


# The files that take longest (measured with --durations), in that order. scripts/test runs
# them first, each on a worker of its own while the other workers take the many short files,
# so that no long file starts last and leaves the other workers idle at the end (the form
# walk alone takes four to seven minutes). Every other file follows, the ones with the most
# tests first (pytest-xdist's own order, which scripts/test turns off for this one).
LONGEST_FIRST = (
    "tests/functional/test_every_form.py",
    "tests/e2e/test_crawl.py",
    "tests/functional/test_bounds.py",
    "tests/functional/test_commands.py",
    "tests/e2e/test_whole_journeys.py",
    "tests/functional/test_instances.py",
    "tests/e2e/test_submitter_journey.py",
)


def pytest_collection_modifyitems(session, config, items):
    per_file = Counter(item.nodeid.split("::")[0] for item in items)

    def order(item) -> tuple[int, int]:
        path = item.nodeid.split("::")[0]
        if path in LONGEST_FIRST:
            return (LONGEST_FIRST.index(path), 0)
        return (len(LONGEST_FIRST), -per_file[path])

    items.sort(key=order)  # stable: a file's tests keep their order
