"""Nothing public shows a decision dated after today, whatever is in the database: a decision
stored for a meeting that had not been held (as the portal once allowed) is not shown on the
hub, the initiative's public page, the showroom or the feed until its day, and the initiative
is shown in the phase it had before it."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405  (parsing our own feed in a test)
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from portal.calls.forms import STOCKHOLM
from portal.demo import seed_demo_content, seed_demo_users
from portal.evaluation.models import Decision, Phase
from portal.extensions import db as _db
from portal.types import utcnow
from tests.hub_factories import make_hub_initiative
from tests.process_factories import area

ATOM = "{http://www.w3.org/2005/Atom}"


def today():
    return utcnow().astimezone(STOCKHOLM).date()


def decided(initiative, days, outcome, from_phase, to_phase, rationale=""):
    _db.session.add(
        Decision(
            initiative_id=initiative.id,
            decided_on=today() + timedelta(days=days),
            from_phase=from_phase,
            to_phase=to_phase,
            outcome=outcome,
            rationale=rationale,
            rationale_public=bool(rationale),
        )
    )
    _db.session.commit()


@pytest.fixture
def stored_ahead(db):
    """Into Konceptfas ten days ago; "into Pilotfas" stored for a meeting a week from now."""
    initiative = make_hub_initiative("Promenadvänner", phase=Phase.PILOT, fields=())
    decided(initiative, -10, "go_on", "idea", "concept", rationale="Bra koncept.")
    decided(initiative, 7, "go_on", "concept", "pilot", rationale="Framtida motivering.")
    return initiative


def text(client, url) -> str:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_public_page_leaves_out_a_decision_dated_after_today(client, stored_ahead):
    html = text(client, f"/hubb/{stored_ahead.id}")
    ahead = format_date(today() + timedelta(days=7), "short", locale="sv")
    past = format_date(today() - timedelta(days=10), "short", locale="sv")
    assert past in html and "Bra koncept." in html
    assert ahead not in html and "Framtida motivering." not in html
    assert "Idéfas → Konceptfas" in html and "Konceptfas → Pilotfas" not in html
    assert 'aria-current="step" class="hub-step-current">Konceptfas' in html
    assert "badge-phase-pilot" not in html


def test_hub_list_and_its_phase_filter_show_the_phase_as_of_today(client, stored_ahead):
    listing = text(client, "/hubb")
    assert "badge-phase-concept" in listing and "badge-phase-pilot" not in listing
    assert "Promenadvänner" in text(client, "/hubb?fas=concept")
    assert "Promenadvänner" not in text(client, "/hubb?fas=pilot")


def test_showroom_shows_the_initiative_in_the_phase_it_has_today(client, stored_ahead):
    html = text(client, f"/showroom/{area().portfolio_id}")
    concept = html.split('aria-labelledby="fas-concept"')[1].split("</section>")[0]
    pilot = html.split('aria-labelledby="fas-pilot"')[1].split("</section>")[0]
    assert "Promenadvänner" in concept and "Promenadvänner" not in pilot


def test_showroom_keeps_an_initiative_closed_by_a_decision_dated_after_today(client, db):
    initiative = make_hub_initiative("Läxhjälp", phase=Phase.CLOSED, fields=())
    decided(initiative, 3, "stop", "idea", "closed")
    html = text(client, f"/showroom/{area().portfolio_id}")
    idea = html.split('aria-labelledby="fas-idea"')[1].split("</section>")[0]
    assert "Läxhjälp" in idea
    assert "1 pågående initiativ" in text(client, "/showroom")
    assert "Initiativet är avslutat." not in text(client, f"/hubb/{initiative.id}")


def test_feed_gives_the_phase_as_of_today(client, stored_ahead):
    root = ET.fromstring(client.get("/hubb/flode.atom").get_data())  # noqa: S314
    [entry] = root.iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}summary").startswith("Konceptfas inom ")


def test_demo_data_has_no_decision_dated_after_today(db):
    seed_demo_users()
    seed_demo_content()
    _db.session.commit()
    dates = _db.session.scalars(select(Decision.decided_on)).all()
    assert dates and max(dates) <= today()
