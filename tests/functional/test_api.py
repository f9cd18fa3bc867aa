"""The JSON API: bearer tokens, permissions, parameter errors, figures, the OpenAPI document."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from sqlalchemy import event, select

from portal.accounts.models import Role
from portal.api import services
from portal.api.models import ApiToken
from portal.api.openapi import document
from portal.api.params import default_from
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.reference.models import Party, Portfolio
from portal.types import stockholm_day, utcnow
from tests.board_factories import area_named, make_submission, party_named
from tests.conftest import login
from tests.factories import make_call, make_user

SCHOOL = "Alla barn och unga uppnår sin fulla potential"
ELDERLY = "Välmående och självständiga äldre"
ALLOWED = [Role.BOARD, Role.CORE_TEAM, Role.PROCESS_SUPPORT, Role.ADMIN]
REFUSED = [Role.EMPLOYEE, Role.EXPERT, Role.PROJECT_LEADER, Role.PROCESS_LEADER]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def token_for(user, *, lifetime: timedelta | None = timedelta(days=365)) -> str:
    """A token row made directly, whatever the user's roles (as if they had one somehow)."""
    _token, raw = services.create_token(user, "Test", lifetime, actor=user)
    _db.session.commit()
    return raw


def bearer(raw: str, **headers) -> dict:
    return {"Authorization": f"Bearer {raw}", **headers}


@pytest.fixture
def board_token(db):
    return token_for(make_user(roles={Role.BOARD}))


@pytest.fixture
def fixture(db):
    """Seven submissions in 2025; the comments say where each one counts."""
    call = make_call(title="Barn i rörelse")
    make_submission(at(2025, 1, 15, 10), party="Västerås stad", area=SCHOOL, kind="challenge")
    make_submission(at(2025, 1, 20, 10), party="Västerås stad", area=SCHOOL, call=call)
    # 00:30 on 1 February in Stockholm: February. A resident, no focus area yet.
    make_submission(at(2025, 1, 31, 23, 30), kind="challenge")
    make_submission(at(2025, 2, 10, 9), party="Eskilstuna kommun", area=ELDERLY, call=call)
    # Withdrawn later: it came in, so it counts.
    make_submission(at(2025, 2, 11, 9), area=ELDERLY, state="withdrawn", call=call)
    # 23:30 on New Year's Eve in Stockholm: 2024, outside the range below.
    make_submission(at(2024, 12, 31, 22, 30), party="Västerås stad")
    make_submission(None, party="Västerås stad", state="draft")  # never counts
    _db.session.commit()
    return {"call": call.id}


def get(client, raw: str, query: str = "", **headers):
    return client.get(f"/api/v1/inflow{query}", headers=bearer(raw, **headers))


# --- figures ------------------------------------------------------------------------------


def test_inflow_by_party_and_month_matches_the_hand_count(client, fixture, board_token):
    vasteras, eskilstuna = party_named("Västerås stad").id, party_named("Eskilstuna kommun").id
    response = get(client, board_token, "?from=2025-01-01&to=2025-03-31&group=party,month")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "from": "2025-01-01",
        "to": "2025-03-31",
        "group": ["party", "month"],
        "filters": {"focus_area": None, "party": None, "kind": None},
        "rows": [
            {"party": {"id": vasteras, "name": "Västerås stad"}, "period": "2025-01", "count": 2},
            {
                "party": {"id": eskilstuna, "name": "Eskilstuna kommun"},
                "period": "2025-02",
                "count": 1,
            },
            {"party": {"id": "invanare", "name": "Invånare"}, "period": "2025-02", "count": 2},
        ],
        "total": 5,
    }


def test_inflow_by_focus_area_kind_and_call_names_the_groups(client, fixture, board_token):
    school = area_named(SCHOOL).portfolio_id
    elderly = area_named(ELDERLY).portfolio_id
    response = get(client, board_token, "?from=2025-01-01&to=2025-12-31&group=focus_area,kind,call")
    call = {"id": fixture["call"], "name": "Barn i rörelse"}
    outside = {"id": None, "name": "Utanför utlysning"}
    idea = {"id": "idea", "name": "Idé"}
    challenge = {"id": "challenge", "name": "Utmaning eller behov"}
    rows = response.get_json()["rows"]
    assert sorted(rows, key=repr) == sorted(
        [
            {"focus_area": {"id": school, "name": SCHOOL}, "kind": challenge, "call": outside,
             "count": 1},
            {"focus_area": {"id": school, "name": SCHOOL}, "kind": idea, "call": call, "count": 1},
            {"focus_area": {"id": elderly, "name": ELDERLY}, "kind": idea, "call": call,
             "count": 2},
            {"focus_area": {"id": None, "name": "Utan fokusområde"}, "kind": challenge,
             "call": outside, "count": 1},
        ],
        key=repr,
    )  # fmt: skip
    assert response.get_json()["total"] == 5


@pytest.mark.parametrize(
    ("query", "total"),
    [
        ("&party=invanare", 2),
        ("&party={vasteras}", 2),
        ("&focus_area={elderly}", 2),
        ("&kind=challenge", 2),
        ("&party=invanare&kind=idea&focus_area={elderly}", 1),
    ],
)
def test_inflow_filters(client, fixture, board_token, query, total):
    query = query.format(
        vasteras=party_named("Västerås stad").id, elderly=area_named(ELDERLY).portfolio_id
    )
    response = get(client, board_token, f"?from=2025-01-01&to=2025-12-31{query}")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["total"] == total
    assert body["rows"] == [{"count": total}]


def test_inflow_filter_is_echoed(client, fixture, board_token):
    elderly = area_named(ELDERLY).portfolio_id
    body = get(
        client, board_token, f"?from=2025-01-01&party=invanare&kind=idea&focus_area={elderly}"
    ).get_json()
    assert body["filters"] == {"focus_area": elderly, "party": "invanare", "kind": "idea"}


def test_inflow_without_group_is_one_row_with_the_total(client, fixture, board_token):
    body = get(client, board_token, "?from=2024-01-01&to=2025-12-31").get_json()
    assert body["group"] == []
    assert body["rows"] == [{"count": 6}]
    assert body["total"] == 6


def test_inflow_with_nothing_in_range_has_no_groups_and_a_zero_total(client, fixture, board_token):
    body = get(client, board_token, "?from=2020-01-01&to=2020-12-31&group=party").get_json()
    assert body["rows"] == []
    assert body["total"] == 0
    body = get(client, board_token, "?from=2020-01-01&to=2020-12-31").get_json()
    assert body["rows"] == [{"count": 0}]
    assert body["total"] == 0


def test_inflow_defaults_to_the_last_twelve_calendar_months(client, board_token):
    today = stockholm_day(utcnow())
    body = get(client, board_token).get_json()
    assert body["to"] == today.isoformat()
    assert body["from"] == default_from(today).isoformat()
    assert date.fromisoformat(body["from"]).day == 1


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        (date(2026, 11, 24), date(2025, 12, 1)),
        (date(2026, 12, 31), date(2026, 1, 1)),
        (date(2026, 1, 1), date(2025, 2, 1)),
    ],
)
def test_default_from_is_the_first_of_the_twelfth_month_back(to, expected):
    assert default_from(to) == expected


def test_only_to_given_counts_the_twelve_months_before_it(client, board_token):
    body = get(client, board_token, "?to=2025-06-15").get_json()
    assert (body["from"], body["to"]) == ("2024-07-01", "2025-06-15")


def test_ten_years_exactly_is_allowed(client, board_token):
    response = get(client, board_token, "?from=2016-01-01&to=2025-12-31")
    assert response.status_code == 200


# --- parameter errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "parameter"),
    [
        ("?from=2025-13-01", "invalid_date", "from"),
        ("?from=2025-02-30", "invalid_date", "from"),
        ("?from=20250101", "invalid_date", "from"),
        ("?from=2025-W01-1", "invalid_date", "from"),
        ("?to=igår", "invalid_date", "to"),
        # Beyond the years 2000–2099 (the default `from` of to=0001-01-01 was year 0: 500).
        ("?to=0001-01-01", "invalid_date", "to"),
        ("?to=9999-12-31", "invalid_date", "to"),
        ("?from=1999-12-31&to=2000-01-31", "invalid_date", "from"),
        ("?from=2025-03-01&to=2025-02-01", "invalid_range", "from"),
        ("?from=2015-01-01&to=2025-12-31", "range_too_long", "to"),
        ("?group=party,weekday", "unknown_group", "group"),
        ("?group=party,", "unknown_group", "group"),
        ("?group=month,year", "too_many_periods", "group"),
        ("?group=party,party", "repeated_group", "group"),
        ("?party=999", "unknown_party", "party"),
        ("?party=Västerås", "unknown_party", "party"),
        ("?party=-1", "unknown_party", "party"),
        ("?focus_area=999", "unknown_focus_area", "focus_area"),
        ("?focus_area=1.5", "unknown_focus_area", "focus_area"),
        ("?kind=ide", "invalid_kind", "kind"),
        ("?grupp=party", "unknown_parameter", "grupp"),
        ("?group=party&group=month", "repeated_parameter", "group"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(
    client, board_token, query, code, parameter
):
    response = get(client, board_token, query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["parameter"] == parameter
    assert error["message"]
    assert response.headers["Cache-Control"] == "no-store"


def test_error_message_says_what_is_wrong_in_swedish(client, board_token):
    error = get(client, board_token, "?group=party,weekday").get_json()["error"]
    assert error["message"] == (
        "Okänd gruppering weekday. Välj bland: party, focus_area, kind, call, month, quarter, year."
    )


def test_a_date_beyond_the_years_the_api_counts_is_said(client, board_token):
    error = get(client, board_token, "?to=9999-12-31").get_json()["error"]
    assert error["message"] == "to måste vara ett datum från 2000-01-01 till 2099-12-31."


def test_error_language_follows_accept_language(client, board_token):
    response = get(client, board_token, "?kind=x", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert response.headers["Content-Language"] == "en"
    response = get(client, board_token, "?kind=x")
    assert response.headers["Content-Language"] == "sv"


def test_unknown_api_address_and_method_answer_json(client, board_token):
    response = client.get("/api/v1/finns-inte", headers=bearer(board_token))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/inflow", headers=bearer(board_token))
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


# --- authentication and permissions --------------------------------------------------------


@pytest.mark.asvs("13.2.1")
@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_token"),
        ({"Authorization": "Bearer"}, "missing_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "missing_token"),
        ({"Authorization": "Bearer skräp"}, "invalid_token"),
        ({"Authorization": "Bearer skp_" + "A" * 43}, "invalid_token"),
    ],
)
def test_missing_or_unknown_token_gets_401(client, db, headers, code):
    response = client.get("/api/v1/inflow", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api"')


@pytest.mark.asvs("3.5.2")
def test_revoked_token_gets_401(client, db):
    user = make_user(roles={Role.BOARD})
    raw = token_for(user)
    assert get(client, raw).status_code == 200
    token = _db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    services.revoke_token(token, actor=user)
    _db.session.commit()
    response = get(client, raw)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_revoked"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_gets_401(client, db):
    user = make_user(roles={Role.BOARD})
    raw = token_for(user, lifetime=timedelta(days=30))
    token = _db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    token.expires_at = utcnow() - timedelta(seconds=1)
    _db.session.commit()
    response = get(client, raw)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"


def test_token_without_expiry_works(client, db):
    raw = token_for(make_user(roles={Role.BOARD}), lifetime=None)
    assert get(client, raw).status_code == 200


@pytest.mark.asvs("4.1.1")
@pytest.mark.parametrize("role", REFUSED)
def test_users_without_the_board_figures_get_403_even_with_a_token(client, db, role):
    raw = token_for(make_user(roles={role}))
    response = get(client, raw)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", ALLOWED)
def test_roles_that_see_the_board_figures_get_the_figures(client, db, role):
    assert get(client, token_for(make_user(roles={role}))).status_code == 200


def test_token_stops_working_when_its_user_loses_the_role_or_is_deactivated(client, db):
    from portal.accounts.services import set_roles

    user = make_user(roles={Role.BOARD})
    raw = token_for(user)
    set_roles(user, {Role.EMPLOYEE}, actor=None)
    _db.session.commit()
    assert get(client, raw).status_code == 403
    set_roles(user, {Role.BOARD}, actor=None)
    user.active = False
    _db.session.commit()
    assert get(client, raw).status_code == 403


@pytest.mark.asvs("13.1.3")
def test_token_in_the_address_is_not_accepted(client, board_token):
    response = client.get(f"/api/v1/inflow?access_token={board_token}")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "missing_token"


def test_a_logged_in_session_does_not_open_the_api(client, db):
    user = make_user(roles={Role.BOARD})
    login(client, user)
    response = client.get("/api/v1/inflow")
    assert response.status_code == 401


def test_api_sets_no_cookie_and_keeps_the_security_headers(app, db, board_token):
    client = app.test_client()
    response = get(client, board_token)
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_last_use_is_recorded_at_most_once_a_minute(client, db):
    user = make_user(roles={Role.BOARD})
    raw = token_for(user)
    token = _db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.last_used_at is None
    get(client, raw)
    _db.session.refresh(token)
    first = token.last_used_at
    assert first is not None
    get(client, raw)
    _db.session.refresh(token)
    assert token.last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    _db.session.commit()
    get(client, raw)
    _db.session.refresh(token)
    assert token.last_used_at > first - timedelta(minutes=2)


@pytest.mark.slow
@pytest.mark.asvs("11.1.4")
def test_rate_limit_is_per_token(app, client, db):
    first = token_for(make_user(roles={Role.BOARD}))
    second = token_for(make_user(roles={Role.BOARD}))
    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        assert get(client, first).status_code == 200
        assert get(client, first).status_code == 200
        response = get(client, first)
        assert get(client, second).status_code == 200
    finally:
        del app.config["API_RATE_LIMIT"]
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert response.headers["Retry-After"] == "60"


# --- secrets -------------------------------------------------------------------------------


@pytest.mark.asvs("2.10.4")
def test_token_is_never_stored_or_logged_in_plain_text(app, client, db, caplog):
    caplog.set_level(logging.DEBUG)
    user = make_user(roles={Role.BOARD})
    raw = token_for(user)
    get(client, raw)
    refused = token_for(make_user(roles={Role.EMPLOYEE}))
    get(client, refused)
    assert raw.startswith("skp_") and len(raw) == 47
    for secret in (raw, refused):
        assert secret not in caplog.text
        assert secret[4:] not in caplog.text
    token = _db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.token_hash == services.hash_token(raw)
    assert token.prefix == raw[:8]
    stored = [
        repr(tuple(row))
        for table in (ApiToken.__table__, AuditEntry.__table__)
        for row in _db.session.execute(select(table))
    ]
    assert not any(raw[8:] in text or refused[8:] in text for text in stored)


# --- speed: the same queries whatever the data size ------------------------------------------


def _count_queries(app, client, raw: str, query: str) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    get(client, raw, query)  # the first use writes last_used_at; count a steady request
    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        response = get(client, raw, query)
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def _seed(n: int) -> None:
    parties = [None, "Västerås stad", "Eskilstuna kommun", "Mälardalens universitet"]
    areas = [None, SCHOOL, ELDERLY]
    for i in range(n):
        make_submission(
            at(2025, 1 + i % 12, 1 + i % 28, 12),
            party=parties[i % 4],
            area=areas[i % 3],
            kind=("idea", "challenge")[i % 2],
            commit=False,
        )
    _db.session.commit()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The token with its user, the user's roles, the inflow statement.
        ("?from=2025-01-01&to=2025-12-31&group=party,month", 3),
        ("?from=2025-01-01&to=2025-12-31&group=focus_area,kind,call,quarter", 3),
        # And one to check that the focus area exists.
        (
            "?from=2025-01-01&to=2025-12-31&group=party&party=invanare&focus_area={area}&kind=idea",
            4,
        ),
    ],
)
@pytest.mark.slow
def test_inflow_query_count_is_the_same_for_10_and_500_submissions(
    app, client, db, query, expected
):
    query = query.format(area=area_named(SCHOOL).portfolio_id)
    raw = token_for(make_user(roles={Role.BOARD}))
    _seed(10)
    small = _count_queries(app, client, raw, query)
    _seed(490)
    large = _count_queries(app, client, raw, query)
    assert (small, large) == (expected, expected)


# --- the OpenAPI document ------------------------------------------------------------------


def test_openapi_document_is_valid_and_public(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)  # raises if not a valid OpenAPI 3.1 document
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    operation = spec["paths"]["/inflow"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "from", "to", "group", "focus_area", "party", "kind",
    }  # fmt: skip
    assert set(operation["responses"]) == {"200", "400", "401", "403", "429"}


def _validator(name: str) -> Draft202012Validator:
    spec = document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_live_answers_match_the_openapi_schemas(app, client, fixture, board_token):
    inflow_schema, error_schema = _validator("Inflow"), _validator("Error")
    elderly = area_named(ELDERLY).portfolio_id
    for query in (
        "",
        "?from=2025-01-01&to=2025-12-31&group=party,month",
        "?from=2025-01-01&to=2025-12-31&group=focus_area,kind,call,quarter",
        "?from=2025-01-01&to=2025-12-31&group=year,party",
        f"?from=2025-01-01&party=invanare&focus_area={elderly}&kind=idea&group=call",
    ):
        body = get(client, board_token, query).get_json()
        inflow_schema.validate(body)
    errors = [
        get(client, board_token, "?group=x"),
        get(client, "skp_okand-nyckel-som-inte-finns-alls"),
        get(client, token_for(make_user(roles={Role.EMPLOYEE}))),
        client.get("/api/v1/saknas"),
    ]
    app.config["API_RATE_LIMIT"] = "1 per minute"
    try:
        get(client, board_token)
        errors.append(get(client, board_token))
    finally:
        del app.config["API_RATE_LIMIT"]
    assert [r.status_code for r in errors] == [400, 401, 403, 404, 429]
    for response in errors:
        error_schema.validate(response.get_json())


# --- empty parameters, and the values the document lists -------------------------------------


@pytest.mark.parametrize("name", ["from", "to", "group", "focus_area", "party", "kind"])
@pytest.mark.parametrize("value", ["", "%20"])
def test_an_empty_parameter_is_400_not_the_default(client, board_token, name, value):
    response = get(client, board_token, f"?{name}={value}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["parameter"]) == ("empty_parameter", name)
    assert name in error["message"] and "tom" in error["message"]
    english = get(client, board_token, f"?{name}=", **{"Accept-Language": "en"})
    assert english.get_json()["error"]["code"] == "empty_parameter"
    _validator("Error").validate(response.get_json())


def test_openapi_lists_the_party_and_focus_area_ids_and_the_range_rule(client, fixture):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    parameters = {p["name"]: p for p in spec["paths"]["/inflow"]["get"]["parameters"]}
    party_ids = sorted(p.id for p in _db.session.scalars(select(Party)))
    portfolio_ids = sorted(p.id for p in _db.session.scalars(select(Portfolio)))
    assert party_ids and portfolio_ids
    party_schema = parameters["party"]["schema"]["oneOf"]
    assert party_schema == [{"type": "integer", "enum": party_ids}, {"const": "invanare"}]
    assert parameters["focus_area"]["schema"] == {"type": "integer", "enum": portfolio_ids}
    assert "from ≤ to" in parameters["from"]["description"]
    assert "3653 dagar" in parameters["to"]["description"]
    assert "empty_parameter" in parameters["kind"]["description"]
    # A party added later is in the next document.
    newcomer = Party(
        name="Region Testland", short_name="RT", kind="region", joined_on=date(2026, 1, 1)
    )
    _db.session.add(newcomer)
    _db.session.commit()
    again = client.get("/api/v1/openapi.json").get_json()
    party_param = next(
        p for p in again["paths"]["/inflow"]["get"]["parameters"] if p["name"] == "party"
    )
    assert newcomer.id in party_param["schema"]["oneOf"][0]["enum"]


# --- the agreement's figures ----------------------------------------------------------------


@pytest.fixture
def agreement(db):
    """Students and partners on an initiative: Q1 2026 and the same quarter a year earlier."""
    from portal.evaluation.agreement.models import AgreementEntry
    from tests.functional.test_initiatives import make_initiative

    initiative = make_initiative("Läxhjälp", SCHOOL)
    mdu = party_named("Mälardalens universitet").id
    for kind, day, party_id, extra in (
        ("students", date(2026, 2, 1), mdu, {"students": 12}),
        ("students", date(2025, 2, 1), mdu, {"students": 4}),
        ("partner", date(2026, 3, 1), None, {"partner_kind": "company"}),
        ("research", date(2025, 12, 1), mdu, {}),  # only in the previous 90 days
    ):
        _db.session.add(
            AgreementEntry(
                initiative_id=initiative.id,
                kind=kind,
                dated_on=day,
                party_id=party_id,
                title=f"{kind} {day}",
                **extra,
            )  # fmt: skip
        )
    _db.session.commit()
    return {"mdu": mdu}


def agreement_get(client, raw: str, query: str = ""):
    return client.get(f"/api/v1/agreement{query}", headers=bearer(raw))


def test_agreement_figures_beside_the_same_period_a_year_earlier(client, agreement, board_token):
    response = agreement_get(client, board_token, "?from=2026-01-01&to=2026-03-31")
    assert response.status_code == 200
    body = response.get_json()
    _validator("Agreement").validate(body)
    assert body["comparison"] == {"compare": "year", "from": "2025-01-01", "to": "2025-03-31"}
    figures = {f["key"]: (f["period"], f["comparison"]) for f in body["figures"]}
    assert figures["students"] == (12, 4)
    assert figures["partners"] == (1, 0) and figures["partners_company"] == (1, 0)
    assert figures["research"] == (0, 0)
    parties = {(p["party"] or {}).get("name"): p["figures"] for p in body["parties"]}
    assert parties["Mälardalens universitet"]["students"] == {"period": 12, "comparison": 4}
    assert parties[None]["partners"] == {"period": 1, "comparison": 0}


def test_agreement_figures_beside_the_period_just_before(client, agreement, board_token):
    body = agreement_get(
        client, board_token, "?from=2026-01-01&to=2026-03-31&compare=previous"
    ).get_json()
    _validator("Agreement").validate(body)
    assert body["comparison"] == {"compare": "previous", "from": "2025-10-03", "to": "2025-12-31"}
    figures = {f["key"]: (f["period"], f["comparison"]) for f in body["figures"]}
    assert figures["students"] == (12, 0) and figures["research"] == (0, 1)


@pytest.mark.parametrize(
    ("query", "code", "parameter"),
    [
        ("?compare=month", "invalid_compare", "compare"),
        ("?group=party", "unknown_parameter", "group"),
        ("?party=999999", "unknown_party", "party"),
        ("?from=2026-02-30", "invalid_date", "from"),
    ],
)
def test_agreement_bad_parameters_answer_400(client, board_token, query, code, parameter):
    response = agreement_get(client, board_token, query)
    assert response.status_code == 400
    _validator("Error").validate(response.get_json())
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["parameter"] == parameter


def test_agreement_needs_a_token_of_someone_who_sees_the_board_figures(client, db):
    assert client.get("/api/v1/agreement").status_code == 401
    employee = token_for(make_user(roles={Role.EMPLOYEE}))
    assert agreement_get(client, employee).status_code == 403


def test_openapi_documents_the_agreement(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    operation = spec["paths"]["/agreement"]["get"]
    assert [p["name"] for p in operation["parameters"]] == [
        "from", "to", "focus_area", "party", "compare",
    ]  # fmt: skip
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Agreement"
    }
