"""Settings, read from the environment only. Every variable is documented in the README."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ALL_INTERFACES = ("0.0.0.0", "::", "[::]")  # noqa: S104  (read, never bound to)


def base_url_for(host: str | None, port: int | str | None) -> str:
    """The address a browser on this machine reaches a server started on `host`:`port`."""
    host = (host or "").strip() or "127.0.0.1"
    if host in ALL_INTERFACES:  # served on every interface: this machine's own address works
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port or 5000}"


def base_url_from(environ: Mapping[str, str]) -> str:
    """BASE_URL when set; otherwise the address `flask run` serves on (FLASK_RUN_HOST and
    FLASK_RUN_PORT, as `flask run` reads them), by default http://127.0.0.1:5000."""
    explicit = environ.get("BASE_URL", "").strip().rstrip("/")
    if explicit:
        return explicit
    return base_url_for(environ.get("FLASK_RUN_HOST"), environ.get("FLASK_RUN_PORT"))


def served_base_url() -> str | None:
    """The address of the `flask run` command loading the app (its --host and --port), or
    None when the app is not being loaded by `flask run`. Flask loads the app inside the
    command, so its options are known here, also in the reloader's process."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run" or "port" not in ctx.params:
        return None
    return base_url_for(ctx.params.get("host"), ctx.params.get("port"))


def normalise_database_url(url: str) -> str:
    # Accept the common postgres:// spellings and use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'instance' / 'portal.sqlite3'}"
DEFAULT_SENDER = "Samhällskontraktet <no-reply@samhallskontraktet.example>"
# Keys that have been in this repository; never good enough for production.
KNOWN_KEYS = {"dev-only-not-secret", "test-secret-key-not-for-production"}


# The locale each language's dates and numbers are written in: English as in Britain
# ("3 Oct 2026, 17:00"), never as in the United States ("10/3/26, 5:00 PM"). The texts still
# come from translations/en: gettext looks for en_GB, then en.
FORMAT_LOCALES = {"en": "en_GB"}


def babel_locale(language: str) -> str:
    """The Babel locale for one of LANGUAGES ("sv", "en")."""
    return FORMAT_LOCALES.get(language, language)


def _int(name: str, default: int) -> int | str:
    """An integer setting; the raw text when it is not one (production_problems says so)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    return int(value) if value.isdigit() else value


class Config:
    ENV_NAME = os.environ.get("PORTAL_ENV", "development")
    DEBUG = False
    TESTING = False
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # Earlier keys, comma-separated, still accepted while a new SECRET_KEY is rolled out
    # (session cookies, and the encrypted TOTP secrets of portal/accounts/mfa.py).
    SECRET_KEY_FALLBACKS = [k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k]

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    # hide_parameters: an error message or log line never carries the values of a statement
    # (names, e-mail addresses), only the SQL.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}

    # Mail: with no MAIL_SERVER the outbox writes each message to the log instead of sending.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", DEFAULT_SENDER)
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))

    REDIS_URL = os.environ.get("REDIS_URL", "")
    # inline: a request sends its mail after its commit, cron runs the rest (one machine);
    # worker: `flask worker` processes do both, through a queue on Redis (portal/worker.py).
    BACKGROUND_JOBS = os.environ.get("BACKGROUND_JOBS", "inline").strip().lower()
    WORKER_QUEUE_NAME = os.environ.get("WORKER_QUEUE_NAME", "portal")
    # How long a worker's claim on a message lasts; after that another may send it.
    MAIL_LEASE = timedelta(seconds=int(os.environ.get("MAIL_LEASE_SECONDS") or 300))
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False

    # Absolute URL used in e-mails (links must work outside a request). Unset in development,
    # create_app takes the address `flask run` was started on (served_base_url).
    BASE_URL = base_url_from(os.environ)

    # The contact point of the open data's catalogue record (/oppna-data/katalog.jsonld).
    OPEN_DATA_CONTACT_EMAIL = os.environ.get("OPEN_DATA_CONTACT_EMAIL", "samhallskontraktet@mdu.se")
    OPEN_DATA_RATE_LIMIT = os.environ.get("OPEN_DATA_RATE_LIMIT", "60 per minute")

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("sv", "en")

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; sessions expire anyway
    MAX_CONTENT_LENGTH = 55 * 1024 * 1024

    SESSION_COOKIE_NAME = "sk_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", default=True)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The cookie is written when the session changes (at least once a minute of activity, see
    # _expire_idle_sessions), not on every answer: the absolute timeout ends it anyway.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)

    PASSWORD_RESET_TTL = timedelta(hours=1)
    # Two-factor authentication is required for these roles and optional for the others.
    MFA_REQUIRED_ROLES = ("admin", "process_support")
    # How long the step between a correct password and the second factor may take.
    MFA_PENDING_TTL = timedelta(minutes=5)
    INVITE_TTL = timedelta(days=7)
    # How long the link that confirms a self-service account works (portal/accounts/registration.py).
    REGISTRATION_TTL = timedelta(hours=24)

    # Single sign-on through a party's OpenID Connect provider (portal/accounts/sso.py).
    # Providers are registered on the admin's party pages; OIDC_PROVIDERS (a JSON list, see the
    # README) registers them by configuration instead, and wins over the page for its party.
    OIDC_PROVIDERS = os.environ.get("OIDC_PROVIDERS", "")
    SSO_HTTP_TIMEOUT = 5  # seconds, each request to a provider
    SSO_CACHE_SECONDS = 3600  # discovery document and signing keys
    SSO_LEEWAY_SECONDS = 60  # clock difference allowed on the ID token's exp and iat
    SSO_PENDING_TTL = timedelta(minutes=10)  # from leaving for the provider to coming back
    # `amr` values (RFC 8176) that count as a second factor at the provider: admins and process
    # support then skip the portal's own code.
    SSO_SECOND_FACTOR_AMR = ("mfa", "mca", "otp", "hwk", "swk", "sms", "tel", "sc")

    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(ROOT / "instance" / "uploads"))
    # folder: files in UPLOAD_FOLDER (one every instance mounts); s3: objects in S3_BUCKET of an
    # S3-compatible store (portal/submissions/storage.py).
    UPLOAD_STORAGE = os.environ.get("UPLOAD_STORAGE", "folder").strip().lower()
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_PREFIX = os.environ.get("S3_PREFIX", "uploads/")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_REGION = os.environ.get("S3_REGION", "")

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # The content-hashed, precompressed copies of static/ that scripts/setup builds
    # (portal/assets.py); when missing, static/ is served plain.
    STATIC_BUILD_FOLDER = os.environ.get("STATIC_BUILD_FOLDER", str(ROOT / "build" / "static"))
    # Per-process caches of rendered HTML (portal/fragments.py, portal/pagecache.py); 0 = off.
    FRAGMENT_CACHE_SIZE = int(os.environ.get("FRAGMENT_CACHE_SIZE", "256"))
    PAGE_CACHE_SIZE = int(os.environ.get("PAGE_CACHE_SIZE", "64"))

    # How many proxies in front of the portal set X-Forwarded-For/-Proto/-Host (Werkzeug's
    # ProxyFix). 0: forwarded headers are ignored and the client is the connection's peer.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", default=False)


class ProductionConfig(Config):
    ENV_NAME = "production"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'test.sqlite3'}")
    )
    SESSION_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = ""
    MAIL_SUPPRESS_SEND = False  # tests send through a real SMTP sink (tests/conftest.py: smtp)
    BASE_URL = "http://localhost"
    # Argon2 parameters are lowered in tests only, to keep the suite fast.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8 * 1024


def setting_problems(config: Mapping) -> list[str]:
    """What is wrong with the settings, one sentence per setting; empty when nothing is.
    Outside production only the settings that would break the portal are checked."""
    problems = []
    proxies = config.get("TRUSTED_PROXIES", 0)
    if not isinstance(proxies, int) or not 0 <= proxies <= 5:
        problems.append(f"TRUSTED_PROXIES must be a whole number from 0 to 5, not {proxies!r}")
    where = config.get("UPLOAD_STORAGE", "folder")
    if where not in ("folder", "s3"):
        problems.append(f"UPLOAD_STORAGE must be folder or s3, not {where!r}")
    elif where == "s3" and not config.get("S3_BUCKET"):
        problems.append("UPLOAD_STORAGE=s3 needs S3_BUCKET (the bucket the files go in)")
    jobs = config.get("BACKGROUND_JOBS", "inline")
    if jobs not in ("inline", "worker"):
        problems.append(f"BACKGROUND_JOBS must be inline or worker, not {jobs!r}")
    elif jobs == "worker" and not config.get("REDIS_URL"):
        problems.append("BACKGROUND_JOBS=worker needs REDIS_URL (the queue is on Redis)")
    if config.get("ENV_NAME") != "production":
        return problems
    key = config.get("SECRET_KEY") or ""
    if not key:
        problems.append("SECRET_KEY must be set (at least 32 random characters)")
    elif len(key) < 32 or key in KNOWN_KEYS or len(set(key)) < 12:
        problems.append("SECRET_KEY is weak: use at least 32 random characters")
    if config.get("SQLALCHEMY_DATABASE_URI") == normalise_database_url(DEFAULT_DATABASE_URL):
        problems.append("DATABASE_URL must be set (the database every instance shares)")
    base = config.get("BASE_URL") or ""
    if not base.startswith("https://"):
        problems.append("BASE_URL must be the portal's public https:// address")
    if not config.get("MAIL_SERVER"):
        problems.append("MAIL_SERVER must be set (without it e-mail is only written to the log)")
    if (config.get("MAIL_DEFAULT_SENDER") or DEFAULT_SENDER) == DEFAULT_SENDER:
        problems.append("MAIL_DEFAULT_SENDER must be set to an address the portal may send from")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE must not be turned off (the portal runs on HTTPS)")
    return problems


def config_from_env() -> type[Config]:
    env = os.environ.get("PORTAL_ENV", "development").lower()
    return {"production": ProductionConfig, "test": TestConfig}.get(env, DevelopmentConfig)
