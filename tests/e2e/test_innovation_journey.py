"""The innovation process in the browser, for the case from the board minutes: an accepted
idea in Konceptfas is rated by an expert, put on a priority meeting's agenda, and the Core
Team decides it goes on to Pilotfas."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.calls.forms import STOCKHOLM
from portal.evaluation.models import Decision, Initiative, Phase
from portal.extensions import db as _db
from portal.reference.models import Criterion
from portal.types import utcnow
from tests.e2e.conftest import check_axe, login
from tests.process_factories import make_initiative

pytestmark = pytest.mark.e2e

CASE = "Hur ökar vi välbefinnandet bland äldre i Coronatider?"


def test_concept_is_rated_put_on_the_agenda_and_decided_into_pilot(page_factory):
    initiative = make_initiative(CASE, phase=Phase.CONCEPT)
    expert = _db.session.scalar(select(User).where(User.email == "expert@example.org"))
    criteria = list(_db.session.scalars(select(Criterion).order_by(Criterion.position)))

    # Process support asks the expert to rate the concept.
    support = page_factory()
    login(support, "processtod@example.org")
    support.goto(f"/initiativ/{initiative.id}")
    support.get_by_label(expert.name).check()
    support.get_by_role("button", name="Skicka förfrågan").click()
    support.wait_for_load_state()

    # The expert rates every criterion.
    rater = page_factory()
    login(rater, "expert@example.org")
    rater.goto(f"/initiativ/{initiative.id}/bedomning")
    check_axe(rater)
    for criterion in criteria:
        rater.locator(f"input[name='score_{criterion.id}'][value='4']").check()
    rater.get_by_role("button", name="Spara bedömningen").click()
    rater.wait_for_load_state()

    # Process support plans a meeting and puts the initiative on the agenda; the Core Team
    # decides when the meeting is held (today).
    held_on = utcnow().astimezone(STOCKHOLM).date()
    support.goto("/primoten/nytt")
    support.get_by_label("Datum").fill(held_on.isoformat())
    support.get_by_label("Fokusområde").select_option(str(initiative.focus_area_id))
    support.get_by_label("Rubrik").fill("Primöte om äldres välbefinnande")
    support.get_by_role("button", name="Planera primötet").click()
    support.wait_for_load_state()
    support.get_by_label("Initiativ").select_option(str(initiative.id))
    support.get_by_role("button", name="Lägg till").click()
    support.wait_for_load_state()
    assert support.get_by_role("heading", name=CASE, exact=True).is_visible()
    meeting_url = support.url.split("#")[0]
    check_axe(support)

    # The Core Team decides: on to the next phase.
    core = page_factory()
    login(core, "coreteam@example.org")
    core.goto(meeting_url)
    assert core.locator(".spider-svg").count() == 1  # the expert's rating is shown
    core.get_by_label("Går vidare till nästa fas").check()
    core.get_by_label("Motivering").fill("Stor invånarnytta och flera parter vill delta.")
    core.get_by_role("button", name="Registrera beslutet").click()
    core.wait_for_load_state()
    assert "Beslutet om" in core.locator(".flash-success").inner_text()
    check_axe(core)

    _db.session.expire_all()
    initiative = _db.session.get(Initiative, initiative.id)
    assert initiative.phase == Phase.PILOT
    decision = _db.session.scalar(select(Decision).where(Decision.initiative_id == initiative.id))
    assert (decision.outcome, decision.from_phase, decision.to_phase, decision.decided_on) == (
        "go_on",
        "concept",
        "pilot",
        held_on,
    )

    core.goto(meeting_url + "/protokoll")
    minutes = core.locator("main").inner_text()
    assert CASE in minutes and "Konceptfas → Pilotfas" in minutes
    check_axe(core)


def test_back_and_send_again_registers_the_decision_once(page):
    """Back loads the initiative page anew (a new form key, the phase after the decision) and
    Chromium restores the chosen outcome and the rationale; sending it again must not take
    the initiative on a second phase."""
    initiative = make_initiative("Lånecyklar till äldre", phase=Phase.IDEA)
    login(page, "coreteam@example.org")
    page.goto(f"/initiativ/{initiative.id}")
    page.get_by_label("Går vidare till nästa fas").check()
    page.get_by_label("Motivering").fill("Tydligt behov hos äldre i Västerås.")
    page.get_by_role("button", name="Registrera beslutet").click()
    page.wait_for_load_state()
    assert "Beslutet är registrerat" in page.locator(".flash-success").inner_text()

    page.go_back()
    page.wait_for_load_state()
    assert page.get_by_label("Motivering").input_value() == "Tydligt behov hos äldre i Västerås."
    page.get_by_role("button", name="Registrera beslutet").click()
    page.wait_for_load_state()

    message = page.locator(".flash-info").inner_text()
    assert message.startswith("Det här beslutet är redan registrerat: Går vidare till nästa fas")
    decision = _db.session.scalar(select(Decision).where(Decision.initiative_id == initiative.id))
    assert page.url.endswith(f"/initiativ/{initiative.id}#beslut-{decision.id}")
    _db.session.expire_all()
    assert _db.session.get(Initiative, initiative.id).phase == Phase.CONCEPT
    assert len(_db.session.scalars(select(Decision)).all()) == 1
    check_axe(page)
