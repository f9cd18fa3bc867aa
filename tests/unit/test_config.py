"""BASE_URL, the start of every e-mailed link: the variable when set, otherwise the address the
portal was started on (scripts/start's HOST and PORT, `flask run --host --port`)."""

from __future__ import annotations

import click
import pytest

from portal import create_app
from portal.config import ALL_INTERFACES, TestConfig, base_url_for, base_url_from, served_base_url


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"FLASK_RUN_PORT": "5001"}, "http://127.0.0.1:5001"),
        ({"FLASK_RUN_HOST": "192.168.1.20", "FLASK_RUN_PORT": "8080"}, "http://192.168.1.20:8080"),
        ({"FLASK_RUN_HOST": ALL_INTERFACES[0], "FLASK_RUN_PORT": "5002"}, "http://127.0.0.1:5002"),
        ({"FLASK_RUN_HOST": "::1", "FLASK_RUN_PORT": "5003"}, "http://[::1]:5003"),
        (
            {"BASE_URL": "https://ideportal.example.se/", "FLASK_RUN_PORT": "5001"},
            "https://ideportal.example.se",
        ),
        ({"BASE_URL": "  ", "FLASK_RUN_PORT": "5004"}, "http://127.0.0.1:5004"),
    ],
)
def test_base_url_is_the_variable_or_the_address_served_on(environ, expected):
    assert base_url_from(environ) == expected


def test_base_url_for_an_address():
    assert base_url_for(None, None) == "http://127.0.0.1:5000"
    assert base_url_for("localhost", 5005) == "http://localhost:5005"
    assert base_url_for("::", 5006) == "http://127.0.0.1:5006"


def run_context(host: str, port: int) -> click.Context:
    """The context `flask run --host … --port …` loads the app in."""
    ctx = click.Context(click.Command("run"), info_name="run")
    ctx.params = {"host": host, "port": port}
    return ctx


class DevelopmentTestConfig(TestConfig):
    ENV_NAME = "development"


def test_flask_run_on_another_port_gives_links_on_that_port(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    assert served_base_url() is None  # not under `flask run`
    with run_context("127.0.0.1", 5001):
        assert served_base_url() == "http://127.0.0.1:5001"
        app = create_app(DevelopmentTestConfig)
    assert app.config["BASE_URL"] == "http://127.0.0.1:5001"
    with app.test_request_context():
        from portal.links import external_url

        assert external_url("main.home") == "http://127.0.0.1:5001/"


def test_a_set_base_url_wins_over_the_address_served_on(monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://ideportal.example.se")
    with run_context("127.0.0.1", 5001):
        app = create_app(DevelopmentTestConfig)
    assert app.config["BASE_URL"] == TestConfig.BASE_URL  # the config's own, untouched


def test_other_commands_and_other_environments_keep_the_config(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    ctx = click.Context(click.Command("send"), info_name="send")
    with ctx:
        assert create_app(DevelopmentTestConfig).config["BASE_URL"] == "http://localhost"
    with run_context("127.0.0.1", 5001):
        assert create_app(TestConfig).config["BASE_URL"] == "http://localhost"
