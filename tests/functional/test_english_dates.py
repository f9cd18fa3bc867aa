"""English pages write dates as in Britain or ISO ("3 Oct 2026, 17:00"), never as in the
United States ("10/3/26, 5:00 PM"); the texts still come from translations/en."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import force_locale, format_date

from portal.accounts.models import Role
from portal.api import services
from portal.config import babel_locale
from portal.evaluation.models import Decision
from portal.extensions import db as _db
from portal.templating import language
from tests.conftest import post_form
from tests.factories import make_user
from tests.hub_factories import make_hub_initiative

# 15:00 UTC on 3 October 2026 is 17:00 in Stockholm (summer time).
MOMENT = datetime(2026, 10, 3, 15, 0, tzinfo=UTC)


def _tokens_page(client, login_as, lang: str | None) -> str:
    user = make_user(roles={Role.BOARD})
    token, _raw = services.create_token(user, "Månadsrapport", None, actor=user)
    token.created_at = token.last_used_at = MOMENT
    _db.session.commit()
    login_as(user)
    if lang:
        post_form(client, "/sprak", {"lang": lang}, page="/")
    return client.get("/konto/api-nycklar").get_data(as_text=True)


def test_english_page_has_british_dates_and_english_texts(client, login_as):
    html = _tokens_page(client, login_as, "en")
    assert '<html lang="en">' in html
    assert "API keys" in html and "Last used" in html  # translations/en
    assert "3 Oct 2026, 17:00" in html
    assert "10/3/26" not in html and "5:00 PM" not in html and "PM" not in html


def test_swedish_page_keeps_iso_dates(client, login_as):
    html = _tokens_page(client, login_as, None)
    assert '<html lang="sv">' in html
    assert "2026-10-03 17:00" in html and "API-nycklar" in html


def test_english_hub_page_dates_decisions_day_first(client, db):
    initiative = make_hub_initiative("Promenadvänner", summary="Äldre går tillsammans.")
    _db.session.add(
        Decision(
            initiative=initiative,
            decided_on=date(2026, 3, 10),
            outcome="go_on",
            from_phase="idea",
            to_phase="concept",
        )
    )
    _db.session.commit()
    post_form(client, "/sprak", {"lang": "en"}, page="/")
    html = client.get(f"/hubb/{initiative.id}", follow_redirects=True).get_data(as_text=True)
    assert "10 Mar 2026" in html
    assert "3/10/26" not in html


def test_english_formatting_locale_is_british_and_the_language_stays_en(app):
    assert babel_locale("en") == "en_GB" and babel_locale("sv") == "sv"
    with app.test_request_context(), force_locale(babel_locale("en")):
        assert language() == "en"
        assert format_date(date(2026, 10, 3), "long") == "3 October 2026"
