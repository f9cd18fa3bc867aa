"""What every template can use."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from babel import dates as babel_dates
from flask import Flask, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from flask_login import current_user

from portal import navigation, permissions
from portal.accounts.models import role_labels
from portal.evaluation.initiatives.ratings import axis_end, label_lines, radar_points
from portal.evaluation.templating import FILTERS as evaluation_filters
from portal.forms import required_attributes
from portal.reference.canvas import CANVAS_FIELDS


def time_datetime(value: datetime | date | str | None) -> str:
    """The `datetime` attribute of a <time> element: to the second (HTML allows at most three
    decimals), with its offset; a naive time is UTC, as the portal stores times."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def language() -> str:
    """The reader's language ("sv", "en"), whatever territory its locale has (en_GB)."""
    locale = get_locale()
    return locale.language if locale else "sv"


# English in the portal's short formats is unambiguous, day before month ("3 Oct 2026, 17:00");
# Swedish short is ISO already ("2026-10-03 17:00").
SHORT_PATTERNS = {"en": {"datetime": "d MMM y, HH:mm", "date": "d MMM y"}}


def _pattern(kind: str, fmt: str) -> str:
    if fmt == "short":
        return SHORT_PATTERNS.get(language(), {}).get(kind, fmt)
    return fmt


def date_formatter(fmt: str = "medium"):
    """A function formatting as the `date` filter does, with the locale, time zone and pattern
    looked up once (for a table formatting a date per row: the filter looks them up per call),
    and each day's text kept (a page of the inbox shows a few days, 25 times)."""
    locale, zone, pattern = get_locale(), get_timezone(), _pattern("date", fmt)

    def formatted(value: datetime | date | None) -> str:
        if not value:
            return ""
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = zone.normalize(value.astimezone(zone)).date()
        return _day_text(value, pattern, locale)

    return formatted


@lru_cache(maxsize=4096)
def _day_text(day: date, pattern: str, locale) -> str:
    return babel_dates.format_date(day, pattern, locale=locale)


def register(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject():

        if not has_request_context():  # e-mail rendered from the CLI or a service
            return {"canvas_fields": CANVAS_FIELDS, "current_locale": language()}
        items = navigation.items_for(current_user)
        current = navigation.current_endpoint(items, request.path)
        lang = language()
        return {
            "nav_items": items,
            "nav_menu": navigation.menu_for(items),
            "nav_current": current,
            "nav_key": navigation.fragment_key(items, current, lang),
            "footer_key": ("footer", lang, request.script_root),
            "can_administer": permissions.can_administer,
            "can_see_board_figures": permissions.can_see_board_figures,
            "role_labels": role_labels,
            "canvas_fields": CANVAS_FIELDS,
            "current_locale": lang,
            "current_path": request.full_path if request.query_string else request.path,
        }

    app.jinja_env.globals.update(
        radar_points=radar_points,
        axis_end=axis_end,
        label_lines=label_lines,
        format_decimal=format_decimal,
        required_attributes=required_attributes,
    )
    app.jinja_env.filters.update(evaluation_filters)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, _pattern("datetime", fmt)) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, _pattern("date", fmt)) if value else ""
    )
    app.jinja_env.filters["time_datetime"] = time_datetime
