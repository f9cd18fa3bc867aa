"""Samhällskontraktets idéportal: the application factory."""

from __future__ import annotations

import logging
import os
import time

from flask import Flask, current_app, flash, has_request_context, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import babel_context
from portal.config import (
    ROOT,
    Config,
    babel_locale,
    config_from_env,
    served_base_url,
    setting_problems,
)
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

# Aliased: importing the portal.mail and portal.htmx modules rebinds `portal.mail`/`portal.htmx`.
from portal.extensions import htmx as flask_htmx
from portal.extensions import mail as flask_mail
from portal.forms import PortalRequest
from portal.routing import CONVERTERS


class ConfigurationError(RuntimeError):
    pass


def create_app(config: type[Config] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.request_class = PortalRequest  # WTForms' messages loaded once per language
    app.config.from_object(config or config_from_env())
    served = served_base_url() if app.config["ENV_NAME"] == "development" else None
    if served and not os.environ.get("BASE_URL", "").strip():
        app.config["BASE_URL"] = served  # `flask run --port 5001`: links say 5001
    # Before any blueprint adds a rule: every <int:...> and <name> gets them.
    app.url_map.converters.update(CONVERTERS)
    _check_config(app)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # The client, scheme and host as the proxies in front saw them (throttles, logs, the
        # sessions list); without the setting, forwarded headers are ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        (ROOT / "instance").mkdir(exist_ok=True)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_connection_settings)
        elif db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "connect", _postgresql_connection_settings)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    flask_mail.init_app(app)
    csrf.init_app(app)
    flask_htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    babel_context.install()  # Flask-Babel's state read without three LocalProxy lookups
    _init_login(app)

    # Imported here, not at the top: every module of the portal imports `portal.extensions`,
    # which imports this package first; the blueprints and models can only be loaded once
    # this module is.
    from portal import ddl, models  # noqa: F401  (every model registered with the metadata)

    ddl.install_session_hooks()
    from portal.accessibility.views import bp as accessibility_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.admin import goal_views, opendata_views, sso_views  # noqa: F401  (routes on admin_bp)
    from portal.admin.views import bp as admin_bp
    from portal.api.token_views import bp as api_tokens_bp
    from portal.api.views import bp as api_bp
    from portal.board.views import bp as board_bp
    from portal.calls.views import bp as calls_bp
    from portal.evaluation.views import bp as evaluation_bp
    from portal.hub.opendata_views import bp as opendata_bp
    from portal.hub.views import bp as hub_bp
    from portal.main.views import bp as main_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.submissions.views import bp as submissions_bp
    from portal.texts.views import bp as texts_bp
    from portal.triage.views import bp as triage_bp

    for blueprint in (
        main_bp, accessibility_bp, accounts_bp, admin_bp, texts_bp, calls_bp, submissions_bp,
        triage_bp, evaluation_bp, api_bp, api_tokens_bp, hub_bp, opendata_bp, board_bp, privacy_bp,
        notifications_bp,
    ):  # fmt: skip
        app.register_blueprint(blueprint)

    from portal import assets, errors, fragments, intents, pagecache, security, templating, worker
    from portal.accounts.mfa import enforce_enrolment
    from portal.cli import register_cli
    from portal.mail.services import deliver_after_request
    from portal.permissions import enforce_access

    app.before_request(_expire_idle_sessions)
    app.before_request(enforce_enrolment)  # a second factor first, where the roles need one
    app.before_request(enforce_access)
    intents.register(app)  # after the access check: a refused request claims nothing
    app.after_request(security.add_headers)
    app.after_request(deliver_after_request)
    errors.register(app)
    templating.register(app)
    fragments.register(app)  # {% cache key %}: the call page's canvas form, rendered once
    pagecache.register(app)  # whole pages for anonymous visitors: the call page, the list
    register_cli(app)
    worker.init_app(app)
    assets.init_app(app)  # last: its WhiteNoise wraps the whole app
    return app


def _sqlite_connection_settings(connection, _record) -> None:
    """Each SQLite connection enforces foreign keys, as PostgreSQL does (their ON DELETE
    CASCADE included; SQLite leaves them off unless asked), and reads the database file
    through a memory map (up to 256 MiB) shared by every connection, instead of copying each
    page into a 2 MiB cache per connection: the board's long spans look up a few thousand
    submissions by id, about 10 ms less at 100 000."""
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA mmap_size = 268435456")


def _postgresql_connection_settings(connection, _record) -> None:
    """Each PostgreSQL connection runs a statement on one core, without parallel workers.
    The portal's statements are small; starting two workers took 5-6 ms, more than the
    work they shared (the board's figures over a year: 9.8 -> 4.2 ms), and on a server
    answering many requests at once the other cores are busy with those."""
    autocommit = connection.autocommit
    connection.autocommit = True  # a SET outside any transaction: it lasts the session
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    connection.autocommit = autocommit


def _check_config(app: Flask) -> None:
    problems = setting_problems(app.config)
    if problems:
        where = " when PORTAL_ENV=production" if app.config["ENV_NAME"] == "production" else ""
        raise ConfigurationError(
            f"The portal will not start{where}:\n" + "\n".join(f"- {p}" for p in problems)
        )


def _select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command: nobody to ask, so the first language (Swedish)
        return languages[0]
    chosen = session.get("lang")
    if chosen in languages:
        return babel_locale(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return babel_locale(current_user.locale)
    return languages[0]


def _init_login(app: Flask) -> None:
    from portal.accounts.sessions import load_user  # see create_app: loaded with the app

    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    # The cookie's session_version must be current and its row in user_sessions must exist.
    login_manager.user_loader(load_user)


SEEN_PRECISION = 60  # seconds: the idle timeout counts from the last minute with a request


def _expire_idle_sessions() -> None:
    """Staff sessions end after SESSION_IDLE_TIMEOUT idle and SESSION_ABSOLUTE_TIMEOUT at most."""
    if request.endpoint == "static" or request.blueprint == "api":  # the API has no session
        return
    if not current_user.is_authenticated:
        return
    now = time.time()
    started = session.get("_started", 0)
    seen = session.get("_seen", 0)
    if now - started > _seconds("SESSION_ABSOLUTE_TIMEOUT") or now - seen > _seconds(
        "SESSION_IDLE_TIMEOUT"
    ):
        logout_user()
        session.clear()
        flash(_("Din session har gått ut. Logga in igen för att fortsätta."), "info")
        return
    if now - seen >= SEEN_PRECISION:  # not on every request: each write re-signs the cookie
        session["_seen"] = now


def _seconds(key: str) -> float:
    return current_app.config[key].total_seconds()
