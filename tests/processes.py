"""Processes of the portal for tests that run it as production does: `flask` commands with only
what cron gives them, databases made for them (SQLite files, or PostgreSQL databases beside
TEST_DATABASE_URL), and the portal in the test's own process on such a database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import TestConfig, normalise_database_url
from portal.extensions import db as _db
from tests.conftest import free_port

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


# --- several instances behind a load balancer ------------------------------------------------


def certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1, key and certificate in one file (HAProxy's);
    clients trust cert.pem, so TLS is verified as a browser verifies it."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(  # noqa: S603
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    both = folder / "haproxy.pem"
    both.write_bytes(cert.read_bytes() + key.read_bytes())
    return both


HAPROXY = """
global
    maxconn 2048
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    option forwardfor
    option redispatch
    retries 2
"""
FRONTEND = """
frontend {name}
    bind 127.0.0.1:{port} ssl crt {pem}
    http-request set-header X-Forwarded-Proto https
    default_backend {name}
backend {name}
    balance roundrobin
"""


class Deployment:
    """gunicorn instances of the portal (the repository's gunicorn.conf.py, production
    settings, TRUSTED_PROXIES=1), `flask worker` processes, and Debian's HAProxy in front
    terminating TLS. Doors: "both" balances over every instance; "only_<name>" reaches one."""

    def __init__(
        self,
        folder: Path,
        database_url: str,
        *,
        instances: tuple[str, ...] = ("a", "b"),
        workers: int = 0,
        web_concurrency: int = 2,
        **settings: str,
    ) -> None:
        self.folder = folder
        self.database_url = database_url
        self.instances = instances
        self.workers = workers
        self.settings = {
            "TRUSTED_PROXIES": "1",
            "WEB_CONCURRENCY": str(web_concurrency),
            "GUNICORN_THREADS": "4",
            **settings,
        }
        doors = ["both", *(f"only_{name}" for name in instances)]
        self.ports = {name: free_port() for name in [*instances, *doors]}
        self.processes: dict[str, subprocess.Popen] = {}
        self.trusted = str(folder / "cert.pem")

    def environment(self) -> dict[str, str]:
        return cron_environment(self.database_url, self.folder, **self.settings)

    def start(self) -> None:
        for name in self.instances:
            env = {**self.environment(), "PORT": str(self.ports[name])}
            self.processes[name] = subprocess.Popen(  # noqa: S603
                [str(ROOT / ".venv/bin/gunicorn")], cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
        for n in range(self.workers):
            self.processes[f"worker{n}"] = start_flask(
                self.database_url, "worker", home=self.folder, **self.settings
            )
        pem = certificate(self.folder)
        config = HAPROXY
        for door in ["both", *(f"only_{name}" for name in self.instances)]:
            config += FRONTEND.format(name=door, port=self.ports[door], pem=pem)
            for name in self.instances if door == "both" else [door.removeprefix("only_")]:
                check = " check inter 500ms fall 1 rise 1" if door == "both" else ""
                config += f"    server {name} 127.0.0.1:{self.ports[name]}{check}\n"
        path = self.folder / "haproxy.cfg"
        path.write_text(config)
        self.processes["haproxy"] = subprocess.Popen(  # noqa: S603
            ["/usr/sbin/haproxy", "-db", "-f", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for door in [*(f"only_{name}" for name in self.instances), "both"]:
            self.wait_until_ready(door)

    def url(self, door: str, path: str = "") -> str:
        return f"https://127.0.0.1:{self.ports[door]}{path}"

    def wait_until_ready(self, door: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} stopped: {process.stderr.read()}"
            try:
                ready = requests.get(self.url(door, "/readyz"), verify=self.trusted, timeout=5)
                if ready.ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{door} was not ready in {timeout} s")

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)  # the machine is gone: no goodbye
        self.processes[name].wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
