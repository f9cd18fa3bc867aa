"""The board's dashboard (/styrelsen), its printable report and the exports.

The dashboard costs the same number of SQL statements whatever the data size: two for the
filter options, one for the data version, and then, unless the same filters were counted at
that version already (portal/board/version.py), one for the inflow table, one for the
funnel, seven for the follow-up figures (and on PostgreSQL the SET of
figures.plan_for_these_dates); always one for the agreement's figures
(portal/board/agreement.py) and two for the portfolio per goal (tests/functional/
test_board.py counts them).
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.board import exports, goals, version
from portal.board.agreement import agreement_figures
from portal.board.dashboard import inflow_table
from portal.board.figures import (
    FUNNEL_ASIDE,
    FUNNEL_STEPS,
    Scope,
    follow_up,
    funnel,
    plan_for_these_dates,
)
from portal.board.filters import (
    COMPARE_LABELS,
    PER_LABELS,
    PERIOD_LABELS,
    BoardFilters,
    load_options,
)
from portal.htmx import render_page_or_block
from portal.permissions import BOARD_FIGURE_ROLES, roles_required
from portal.submissions.models import Submission
from portal.triage import inbox as inbox_query
from portal.types import today_in_stockholm

log = logging.getLogger(__name__)
bp = Blueprint("board", __name__)


def _today():
    return today_in_stockholm()


def _read_filters():
    options = load_options()
    return options, BoardFilters.from_args(request.args, options, _today())


def _figures(filters, options, party_names) -> tuple:
    plan_for_these_dates()
    follow = follow_up(filters.scope)
    follow.employees.sort(key=lambda e: party_names.get(e.party_id, "\uffff"))
    return inflow_table(filters, options), funnel(filters.scope, follow.states[0]), follow


def _context() -> dict:
    options, filters = _read_filters()
    party_names = {p.id: p.name for p in options.parties}
    # Counted once per data version and filters (portal/board/version.py); the labels
    # counted with them are in the reader's language.
    key = ("dashboard", filters.query(), filters.today, str(get_locale()))
    table, funnel_now, follow = version.cached(key, lambda: _figures(filters, options, party_names))
    agreement = agreement_figures(filters.scope)
    agreement.parties.sort(key=lambda p: party_names.get(p.party_id, "\uffff"))
    return {
        "options": options,
        "filters": filters,
        "table": table,
        "funnel": funnel_now,
        "funnel_steps": FUNNEL_STEPS,
        "funnel_aside": FUNNEL_ASIDE,
        "follow": follow,
        "agreement": agreement,
        "compare_labels": COMPARE_LABELS,
        "party_names": party_names,
        "today": filters.today,
        "period_labels": PERIOD_LABELS,
        "per_labels": PER_LABELS,
        # the portfolio per goal (portal/board/goals.py, templates/board/_goals.html)
        "goal_areas": goals.per_goal(filters.scope, {p.id: p.name for p in options.portfolios}),
        "goal_phases": goals.PHASES,
        "goal_phase_labels": goals.PHASE_LABELS,
        "choices": {
            "portfolio": [(p.id, p.label) for p in options.portfolios],
            "source": [(inbox_query.RESIDENTS, _("Invånare"))]
            + [(p.id, p.name) for p in options.parties],
        },
    }


@bp.get("/styrelsen")
@roles_required(*BOARD_FIGURE_ROLES)
def dashboard():
    context = _context()
    response = render_page_or_block("board/dashboard.html", "results", **context)
    if request.headers.get("HX-Request"):
        # The address bar shows the filters as the server read them, not the raw form.
        response.headers["HX-Push-Url"] = _dashboard_url(context["filters"])
    return response


def _dashboard_url(filters) -> str:
    return f"{url_for('board.dashboard')}?{filters.query()}"


@bp.get("/styrelsen/rapport")
@roles_required(*BOARD_FIGURE_ROLES)
def report():
    return render_template("board/report.html", **_context())


# --- exports -------------------------------------------------------------------------------


def _format(fmt: str) -> str:
    if fmt not in exports.FORMATS:
        abort(404)
    return fmt


def _portfolio_names(options) -> dict[int, str]:
    return {p.id: p.name for p in options.portfolios}


@bp.get("/styrelsen/export/inflode.<fmt>")
@roles_required(*BOARD_FIGURE_ROLES)
def export_inflow(fmt: str):
    fmt = _format(fmt)
    options, filters = _read_filters()
    table = inflow_table(filters, options)
    header = [_("Period"), _("Från"), _("Till"), *(s.label for s in table.series), _("Totalt")]
    rows = [[p.label, p.start, p.end, *counts, total] for p, counts, total in table.rows()]
    sheet = exports.Sheet(
        title=_("Inflöde"),
        filename=f"inflode-{filters.date_from}-{filters.date_to}",
        header=header,
        rows=rows,
    )
    return exports.respond(sheet, fmt)


@bp.get("/styrelsen/export/avtalet.<fmt>")
@roles_required(*BOARD_FIGURE_ROLES)
def export_agreement(fmt: str):
    """The agreement's figures: in total, then per party, for the period and its comparison."""
    fmt = _format(fmt)
    options, filters = _read_filters()
    figures = agreement_figures(filters.scope)
    party_names = {p.id: p.name for p in options.parties}
    figures.parties.sort(key=lambda p: party_names.get(p.party_id, "\uffff"))
    previous = figures.previous
    rows = [[_("Alla parter"), f.key, str(f.label), f.current, f.previous] for f in figures.figures]
    for party in figures.parties:
        name = party_names.get(party.party_id, _("Utan part"))
        rows += [[name, key, label, *party.get(key)] for key, label in figures.keys]
    sheet = exports.Sheet(
        title=_("Studenter och partner"),
        filename=f"avtalet-{filters.date_from}-{filters.date_to}",
        header=[
            _("Part"),
            _("Nyckel"),
            _("Mått"),
            _("Perioden %(from)s – %(to)s", **{"from": filters.date_from, "to": filters.date_to}),
            _(
                "Jämförelseperioden %(from)s – %(to)s",
                **{"from": previous.date_from, "to": previous.date_to},
            ),
        ],
        rows=rows,
    )
    return exports.respond(sheet, fmt)


@bp.get("/styrelsen/export/inlamningar.<fmt>")
@roles_required(*BOARD_FIGURE_ROLES)
def export_submissions(fmt: str):
    """The period's submissions without personal data, for the board."""
    fmt = _format(fmt)
    options, filters = _read_filters()
    scope: Scope = filters.scope
    where = [
        Submission.submitted_on >= scope.date_from,
        Submission.submitted_on <= scope.date_to,
        *scope.submission_filters(),
    ]
    header, rows = exports.submission_rows(
        where,
        [Submission.submitted_at, Submission.id],
        _portfolio_names(options),
        contacts=False,
    )
    sheet = exports.Sheet(
        title=_("Inlämningar"),
        filename=f"inlamningar-{filters.date_from}-{filters.date_to}",
        header=header,
        rows=rows,
    )
    return exports.respond(sheet, fmt)


@bp.get("/inkorg/export/inlamningar.<fmt>")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def export_contacts(fmt: str):
    """The inbox's submissions under its filters, with contact details, for process support."""
    fmt = _format(fmt)
    inbox_options = inbox_query.load_options()
    filters = inbox_query.InboxFilters.from_args(request.args, inbox_options)
    header, rows = exports.submission_rows(
        filters.where(),
        filters.order_by(),
        {p.id: p.name for p in inbox_options.portfolios},
        contacts=True,
    )
    log.info("submissions exported with contact details by user %s", current_user.id)
    sheet = exports.Sheet(
        title=_("Med personuppgifter"),
        filename=f"inlamningar-med-personuppgifter-{_today()}",
        header=header,
        rows=rows,
        heading=[
            _(
                "Innehåller personuppgifter: invånares och medarbetares namn, e-post och "
                "telefon. Hantera filen enligt dataskyddsförordningen och radera den när den "
                "inte längre behövs."
            )
        ],
    )
    return exports.respond(sheet, fmt)
