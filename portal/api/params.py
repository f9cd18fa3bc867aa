"""The parameters of /api/v1/inflow and /api/v1/agreement, read strictly: anything wrong is a 400 naming it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.api.responses import ApiError
from portal.board.filters import COMPARE_LABELS, DEFAULT_COMPARE
from portal.board.inflow import DIMENSIONS, PERIODS, RESIDENTS
from portal.extensions import db
from portal.forms import EARLIEST, LATEST
from portal.reference.models import Party, Portfolio
from portal.submissions.models import Kind

PARAMETERS = ("from", "to", "group", "focus_area", "party", "kind")
MAX_DAYS = 3653  # ten years, leap days included
DEFAULT_MONTHS = 12
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
POSITIVE_INT = re.compile(r"[1-9][0-9]{0,8}")
KINDS = tuple(k.value for k in Kind)
AGREEMENT_PARAMETERS = ("from", "to", "focus_area", "party", "compare")
COMPARISONS = tuple(COMPARE_LABELS)  # as the dashboard: year (the default) or previous


@dataclass(frozen=True)
class InflowQuery:
    date_from: date
    date_to: date
    group: tuple[str, ...]
    portfolio_id: int | None
    source: int | str | None  # a party id or RESIDENTS
    kind: str | None


def default_from(date_to: date) -> date:
    """The first day of the twelfth month back: the last twelve calendar months, this one
    included."""
    months = date_to.year * 12 + date_to.month - 1 - (DEFAULT_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1)


def parse_inflow_query(args: MultiDict, today: date) -> InflowQuery:
    value = _read(args, PARAMETERS)
    date_from, date_to = _range(value, today)
    return InflowQuery(
        date_from=date_from,
        date_to=date_to,
        group=_group(value["group"]),
        portfolio_id=_portfolio(value["focus_area"]) if value["focus_area"] else None,
        source=_source(value["party"]) if value["party"] else None,
        kind=_kind(value["kind"]) if value["kind"] else None,
    )


@dataclass(frozen=True)
class AgreementQuery:
    date_from: date
    date_to: date
    portfolio_id: int | None
    source: int | str | None
    compare: str


def parse_agreement_query(args: MultiDict, today: date) -> AgreementQuery:
    """/api/v1/agreement: the period (as /inflow), the filters, and what it is compared with."""
    value = _read(args, AGREEMENT_PARAMETERS)
    date_from, date_to = _range(value, today)
    compare = value["compare"] or DEFAULT_COMPARE
    if compare not in COMPARISONS:
        raise ApiError(
            400,
            "invalid_compare",
            _l(
                "compare måste vara year (samma period ett år tidigare) eller previous (lika "
                "lång period närmast före)."
            ),
            "compare",
        )
    return AgreementQuery(
        date_from=date_from,
        date_to=date_to,
        portfolio_id=_portfolio(value["focus_area"]) if value["focus_area"] else None,
        source=_source(value["party"]) if value["party"] else None,
        compare=compare,
    )


def _read(args: MultiDict, parameters: tuple[str, ...]) -> dict[str, str]:
    """Each known parameter's value ("" when absent); an unknown or repeated one is a 400."""
    for name in args:
        if name not in parameters:
            raise ApiError(
                400,
                "unknown_parameter",
                _l(
                    "Okänd parameter %(name)s. Giltiga parametrar: %(valid)s.",
                    name=name,
                    valid=", ".join(parameters),
                ),
                name,
            )
        if len(args.getlist(name)) > 1:
            raise ApiError(
                400,
                "repeated_parameter",
                _l("Parametern %(name)s får bara anges en gång.", name=name),
                name,
            )
    value = {name: args.get(name, "").strip() for name in parameters}
    for name in parameters:
        # `to=` is a mistake (a script's empty variable), not a wish for the default.
        if name in args and not value[name]:
            raise ApiError(
                400,
                "empty_parameter",
                _l(
                    "Parametern %(name)s är tom. Ange ett värde eller utelämna parametern.",
                    name=name,
                ),
                name,
            )
    return value


def _range(value: dict[str, str], today: date) -> tuple[date, date]:
    date_to = _date(value["to"], "to") if value["to"] else today
    date_from = _date(value["from"], "from") if value["from"] else default_from(date_to)
    if date_from > date_to:
        raise ApiError(
            400,
            "invalid_range",
            _l("from (%(start)s) ligger efter to (%(end)s).", start=date_from, end=date_to),
            "from",
        )
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ApiError(
            400,
            "range_too_long",
            _l("Perioden från from till to får vara högst tio år."),
            "to",
        )
    return date_from, date_to


def _date(text: str, name: str) -> date:
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise ApiError(
            400,
            "invalid_date",
            _l(
                "%(name)s måste vara ett datum i formen ÅÅÅÅ-MM-DD, till exempel 2026-01-31.",
                name=name,
            ),
            name,
        ) from None
    if not EARLIEST <= day <= LATEST:
        # As the dashboard's filters; beyond, the default `from` and the day after `to` would
        # leave the years `date` can hold.
        raise ApiError(
            400,
            "invalid_date",
            _l(
                "%(name)s måste vara ett datum från %(first)s till %(last)s.",
                name=name,
                first=EARLIEST.isoformat(),
                last=LATEST.isoformat(),
            ),
            name,
        )
    return day


def _group(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    chosen = tuple(part.strip() for part in text.split(","))
    valid = ", ".join(DIMENSIONS + PERIODS)
    for part in chosen:
        if part not in DIMENSIONS and part not in PERIODS:
            raise ApiError(
                400,
                "unknown_group",
                _l(
                    "Okänd gruppering %(part)s. Välj bland: %(valid)s.",
                    part=part or "''",
                    valid=valid,
                ),
                "group",
            )
    if len(set(chosen)) < len(chosen):
        raise ApiError(
            400, "repeated_group", _l("Varje gruppering får bara anges en gång."), "group"
        )
    if sum(part in PERIODS for part in chosen) > 1:
        raise ApiError(
            400,
            "too_many_periods",
            _l("Gruppera på högst en period: month, quarter eller year."),
            "group",
        )
    return chosen


def _portfolio(text: str) -> int:
    portfolio_id = int(text) if POSITIVE_INT.fullmatch(text) else None
    if portfolio_id is None or db.session.get(Portfolio, portfolio_id) is None:
        raise ApiError(
            400,
            "unknown_focus_area",
            _l("Fokusområdet %(value)s finns inte.", value=text),
            "focus_area",
        )
    return portfolio_id


def _source(text: str) -> int | str:
    if text == RESIDENTS:
        return RESIDENTS
    party_id = int(text) if POSITIVE_INT.fullmatch(text) else None
    if party_id is None or db.session.get(Party, party_id) is None:
        raise ApiError(
            400,
            "unknown_party",
            _l(
                "Parten %(value)s finns inte. Ange en parts id eller %(residents)s.",
                value=text,
                residents=RESIDENTS,
            ),
            "party",
        )
    return party_id


def _kind(text: str) -> str:
    if text not in KINDS:
        raise ApiError(
            400,
            "invalid_kind",
            _l("kind måste vara challenge (utmaning eller behov) eller idea (idé)."),
            "kind",
        )
    return text
