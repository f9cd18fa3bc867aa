"""What every template can use."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale

from portal import navigation, permissions
from portal.accounts.models import role_labels
from portal.reference.canvas import CANVAS_FIELDS


def register(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject():
        from flask_login import current_user

        if not has_request_context():  # e-mail rendered from the CLI or a service
            return {"canvas_fields": CANVAS_FIELDS, "current_locale": str(get_locale() or "sv")}
        return {
            "nav_items": (items := navigation.items_for(current_user)),
            "nav_current": navigation.current_endpoint(items, request.path),
            "can_administer": permissions.can_administer,
            "can_see_board_figures": permissions.can_see_board_figures,
            "role_labels": role_labels,
            "canvas_fields": CANVAS_FIELDS,
            "current_locale": str(get_locale()),
            "current_path": request.full_path if request.query_string else request.path,
        }

    from flask_babel import format_decimal

    from portal.evaluation.ratings import axis_end, label_lines, radar_points

    app.jinja_env.globals.update(
        radar_points=radar_points,
        axis_end=axis_end,
        label_lines=label_lines,
        format_decimal=format_decimal,
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
