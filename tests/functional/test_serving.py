"""The portal under gunicorn with the repository's gunicorn.conf.py, as production runs it."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PRODUCTION = {
    "PATH": "/usr/bin:/bin",
    "PORTAL_ENV": "production",
    "SECRET_KEY": "Vq3-lT8r_Zk1mWc9Xy2bNp7dHs4gJf6aEo0uRi5L",
    "BASE_URL": "https://ideportal.example.se",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_DEFAULT_SENDER": "Idéportalen <ideportal@example.se>",
    "WEB_CONCURRENCY": "2",
}


def gunicorn(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter's gunicorn, fixed arguments
        [GUNICORN], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_gunicorn_serves_the_portal_with_the_repositorys_config(tmp_path):
    port = free_port()
    env = {
        **PRODUCTION,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    server = gunicorn(env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "gunicorn did not answer in 30 s"
                time.sleep(0.2)
        assert (status, body) == (200, b'{"status":"ok"}\n')
        assert get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert "Booting worker" in errors  # its error log; two workers started
    assert errors.count("Booting worker") == 2


def test_gunicorn_refuses_to_start_in_production_and_names_the_settings(tmp_path):
    env = {**PRODUCTION, "PORT": str(free_port()), "SECRET_KEY": "short"}
    del env["MAIL_SERVER"]
    server = gunicorn(env)
    _, errors = server.communicate(timeout=60)
    assert server.returncode != 0
    assert "The portal will not start when PORTAL_ENV=production:" in errors
    assert "- SECRET_KEY is weak" in errors
    assert "- DATABASE_URL must be set" in errors
    assert "- MAIL_SERVER must be set" in errors
    assert "Booting worker" not in errors  # refused before any worker was forked
