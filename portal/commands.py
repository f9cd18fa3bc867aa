"""How every `flask …` command of the portal runs: as cron runs it, with no request.

A `@portal_command` renders its text in Swedish (`force_locale`), does its work in one
transaction (rolled back when anything fails, so nothing half-done is committed), and a
failure is one Swedish line on stderr ("Fel: …") with exit code 1, never a traceback
(LOG_LEVEL=DEBUG logs it). The commands themselves are in portal/cli.py (and `retention run`
in portal/privacy/views.py).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import click
from flask_babel import force_locale

from portal.extensions import db

log = logging.getLogger(__name__)

COMMAND_LOCALE = "sv"  # a command has nobody to ask for a language


class CommandError(click.ClickException):
    """A command's failure: "Fel: <message>" on stderr and exit code 1."""

    def show(self, file=None) -> None:
        click.echo(f"Fel: {self.format_message()}", file=file, err=file is None)


def portal_command(f: Callable) -> Callable:
    """Run a command without a request: Swedish text, one transaction, one line on failure."""

    @functools.wraps(f)
    def run(*args, **kwargs):
        with force_locale(COMMAND_LOCALE):
            try:
                return f(*args, **kwargs)
            except (CommandError, click.exceptions.Exit, click.Abort):
                roll_back()
                raise
            except click.ClickException as error:
                roll_back()
                raise CommandError(error.format_message()) from None
            except Exception as error:
                roll_back()
                log.debug("command %s failed", f.__name__, exc_info=True)
                raise CommandError(f"Kommandot avbröts ({describe(error)}).") from None

    run.portal_command = True
    return run


def is_portal_command(callback: Callable) -> bool:
    return getattr(callback, "portal_command", False)


def describe(error: Exception) -> str:
    """An error in one line: its class and its first line. For a database error, the driver's
    (never the statement or its values)."""
    cause = getattr(error, "orig", None) or error
    first = next((line.strip() for line in str(cause).splitlines() if line.strip()), "")
    return f"{type(cause).__name__}: {first}"[:300] if first else type(cause).__name__


def roll_back() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database may be what failed
        log.debug("rollback after a failed command failed", exc_info=True)
