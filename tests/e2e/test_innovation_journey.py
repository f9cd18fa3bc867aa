"""The innovation process in the browser, for the case from the board minutes: an accepted
idea in Konceptfas is rated by an expert, put on a priority meeting's agenda, and the Core
Team decides it goes on to Pilotfas."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.evaluation.models import Decision, Initiative, Phase
from portal.extensions import db as _db
from portal.reference.models import Criterion
from tests.e2e.conftest import check_axe, login
from tests.e2e.steps import decide_at_meeting, plan_meeting, put_on_agenda, request_rating, today
from tests.process_factories import ELDERLY, make_initiative

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
    request_rating(support, expert.name)

    # The expert rates every criterion.
    rater = page_factory()
    login(rater, "expert@example.org")
    rater.goto(f"/initiativ/{initiative.id}/bedomning")
    check_axe(rater)
    for criterion in criteria:
        rater.locator(f"input[name='score_{criterion.id}'][value='4']").check()
    rater.get_by_role("button", name="Spara bedömningen").click()
    rater.wait_for_load_state()

    # Process support plans a meeting today and puts the initiative on the agenda.
    held_on = today()
    meeting_url = plan_meeting(
        support, held_on=held_on, focus_area=ELDERLY, title="Primöte om äldres välbefinnande"
    )
    put_on_agenda(support, meeting_url, CASE)
    check_axe(support)

    # The Core Team decides: on to the next phase.
    core = page_factory()
    login(core, "coreteam@example.org")
    core.goto(meeting_url)
    assert core.locator(".spider-svg").count() == 1  # the expert's rating is shown
    decide_at_meeting(
        core,
        meeting_url,
        CASE,
        "Går vidare till nästa fas",
        "Stor invånarnytta och flera parter vill delta.",
    )
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
