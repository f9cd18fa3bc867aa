"""Priority meetings: the agenda, decisions through phases.decide(), the minutes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.evaluation.models import AgendaItem, Decision, Phase, PriorityMeeting
from portal.extensions import db as _db
from tests.conftest import csrf_from, post_form
from tests.factories import make_user
from tests.process_factories import (
    area,
    make_initiative,
    make_meeting,
    put_on_agenda,
    rate_all,
    write_pilot_report,
)


def _decide(client, meeting, item, **data):
    prefix = f"punkt{item.id}-"
    return post_form(
        client,
        f"/primoten/{meeting.id}/dagordning/{item.id}/beslut",
        {prefix + k: v for k, v in data.items()},
        page=f"/primoten/{meeting.id}",
    )


def test_process_support_plans_a_meeting_for_a_focus_areas_portfolio(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    a = area()
    response = post_form(
        client,
        "/primoten/nytt",
        {"held_on": "2026-03-12", "focus_area": str(a.id), "title": "Primöte mars"},
    )
    assert response.status_code == 302
    meeting = _db.session.scalar(select(PriorityMeeting))
    assert (meeting.held_on, meeting.portfolio_id, meeting.title) == (
        date(2026, 3, 12),
        a.portfolio_id,
        "Primöte mars",
    )
    assert response.headers["Location"] == f"/primoten/{meeting.id}"
    listing = client.get("/primoten").get_data(as_text=True)
    assert "Primöte mars" in listing


def test_planning_without_date_or_focus_area_is_422_with_summary(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    response = post_form(client, "/primoten/nytt", {"held_on": "", "focus_area": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns fel i formuläret" in html
    assert "Skriv mötets datum." in html and "Välj ett fokusområde." in html


def test_agenda_add_keeps_order_and_refuses_closed_and_other_portfolio(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    meeting = make_meeting()
    first, second = make_initiative("Första"), make_initiative("Andra")
    closed = make_initiative("Stängd", phase=Phase.CLOSED)
    other = make_initiative(
        "Annan portfölj", area_name="Alla barn och unga uppnår sin fulla potential"
    )
    url = f"/primoten/{meeting.id}/dagordning"
    page = f"/primoten/{meeting.id}"
    assert post_form(client, url, {"initiative": str(second.id)}, page=page).status_code == 302
    assert post_form(client, url, {"initiative": str(first.id)}, page=page).status_code == 302
    items = _db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
    ).all()
    assert [i.initiative_id for i in items] == [second.id, first.id]
    html = client.get(page).get_data(as_text=True)
    assert html.index(">Andra</a></h3>") < html.index(">Första</a></h3>")
    # Not offered, and refused when sent anyway.
    assert f'value="{closed.id}"' not in html and f'value="{other.id}"' not in html
    for refused in (closed, other):
        assert post_form(client, url, {"initiative": str(refused.id)}, page=page).status_code == 422
    # Sent again (from an older page): it is on the agenda once, and the page says so.
    again = post_form(client, url, {"initiative": str(first.id)}, page=page)
    assert again.status_code == 303
    assert "”Första” står redan på dagordningen." in client.get(page).get_data(as_text=True)
    assert (
        _db.session.scalar(select(AgendaItem.id).where(AgendaItem.initiative_id == closed.id))
        is None
    )


def test_agenda_remove_only_while_undecided(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    meeting = make_meeting()
    a, b = make_initiative("A"), make_initiative("B")
    item_a, item_b = put_on_agenda(meeting, a, b)
    page = f"/primoten/{meeting.id}"
    response = post_form(client, f"{page}/dagordning/{item_a.id}/ta-bort", {}, page=page)
    assert response.status_code == 302
    assert _db.session.scalar(select(AgendaItem.id).where(AgendaItem.id == item_a.id)) is None
    assert _decide(client, meeting, item_b, outcome="go_on", rationale="Bra.").status_code == 302
    response = post_form(client, f"{page}/dagordning/{item_b.id}/ta-bort", {}, page=page)
    assert response.status_code == 302
    assert _db.session.scalar(select(AgendaItem.id).where(AgendaItem.id == item_b.id))
    assert "punkten står kvar" in client.get(page).get_data(as_text=True)


def test_core_team_decision_moves_the_initiative_and_is_kept_with_date_and_meeting(
    client, login_as
):
    core = login_as(Role.CORE_TEAM)
    meeting = make_meeting(held_on=date(2026, 3, 12))
    initiative = make_initiative()
    (item,) = put_on_agenda(meeting, initiative)
    response = _decide(
        client, meeting, item, outcome="go_on", to_phase="", rationale="Stor invånarnytta."
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert initiative.phase == Phase.PILOT
    decision = _db.session.scalar(select(Decision))
    assert (
        decision.meeting_id,
        decision.decided_on,
        decision.from_phase,
        decision.to_phase,
        decision.outcome,
        decision.rationale,
        decision.recorded_by_id,
    ) == (meeting.id, date(2026, 3, 12), "concept", "pilot", "go_on", "Stor invånarnytta.", core.id)
    assert _db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "decision"))
    html = client.get(f"/primoten/{meeting.id}").get_data(as_text=True)
    assert "Stor invånarnytta." in html
    assert f'action="/primoten/{meeting.id}/dagordning/{item.id}/beslut"' not in html


def test_outcome_not_allowed_from_the_phase_is_422_and_phase_unchanged(client, login_as):
    login_as(Role.CORE_TEAM)
    meeting = make_meeting()
    initiative = make_initiative(phase=Phase.IDEA)
    (item,) = put_on_agenda(meeting, initiative)
    html = client.get(f"/primoten/{meeting.id}").get_data(as_text=True)
    assert 'value="pilot_success"' not in html  # only what DECISIONS allows is offered
    response = _decide(client, meeting, item, outcome="pilot_success", rationale="Klart.")
    assert response.status_code == 422
    assert "går inte att fatta för ett initiativ i Idéfas" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert initiative.phase == Phase.IDEA
    assert _db.session.scalar(select(Decision.id)) is None


def test_pilot_failure_needs_the_next_phase_and_can_go_back_to_concept(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    meeting = make_meeting()
    initiative = make_initiative(phase=Phase.PILOT)
    write_pilot_report(initiative, "pilot_failure")
    _db.session.commit()
    (item,) = put_on_agenda(meeting, initiative)
    response = _decide(client, meeting, item, outcome="pilot_failure", rationale="Lärdomar.")
    assert response.status_code == 422
    assert "Välj vilken fas initiativet ska gå till." in response.get_data(as_text=True)
    response = _decide(
        client, meeting, item, outcome="pilot_failure", to_phase="idea", rationale="Lärdomar."
    )
    assert response.status_code == 422
    assert "kan inte leda till Idéfas" in response.get_data(as_text=True)
    response = _decide(
        client, meeting, item, outcome="pilot_failure", to_phase="concept", rationale="Lärdomar."
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert initiative.phase == Phase.CONCEPT


def test_decision_without_rationale_is_422(client, login_as):
    login_as(Role.CORE_TEAM)
    meeting = make_meeting()
    initiative = make_initiative()
    (item,) = put_on_agenda(meeting, initiative)
    response = _decide(client, meeting, item, outcome="go_on", rationale="   ")
    assert response.status_code == 422
    assert "Skriv en motivering till beslutet." in response.get_data(as_text=True)
    _db.session.expire_all()
    assert initiative.phase == Phase.CONCEPT


def test_decision_outside_a_meeting_from_the_initiative(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    initiative = make_initiative(phase=Phase.IDEA)
    response = post_form(
        client,
        f"/initiativ/{initiative.id}/beslut",
        {
            "outcome": "go_on",
            "decided_on": "2026-02-01",
            "rationale": "Processledaren beslutade.",
            "next": f"/initiativ/{initiative.id}",
        },
        page="/primoten",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/initiativ/{initiative.id}#beslut"
    decision = _db.session.scalar(select(Decision))
    assert (decision.meeting_id, decision.decided_on, decision.to_phase) == (
        None,
        date(2026, 2, 1),
        "concept",
    )
    response = post_form(
        client,
        f"/initiativ/{initiative.id}/beslut",
        {
            "outcome": "pilot_success",
            "decided_on": "2026-02-02",
            "rationale": "Nej.",
            "latest": str(decision.id),  # the page shows the decision just taken
        },
        page="/primoten",
    )
    assert response.status_code == 422
    assert "går inte att fatta" in response.get_data(as_text=True)


def test_minutes_list_every_decision_of_the_meeting(client, login_as):
    login_as(Role.CORE_TEAM)
    meeting = make_meeting(title="Primöte mars")
    a, b, c = make_initiative("Alfa"), make_initiative("Beta"), make_initiative("Gamma")
    items = put_on_agenda(meeting, a, b, c)
    assert (
        _decide(client, meeting, items[0], outcome="go_on", rationale="Vidare.").status_code == 302
    )
    assert (
        _decide(client, meeting, items[1], outcome="stop", rationale="Avslutas.").status_code == 302
    )
    html = client.get(f"/primoten/{meeting.id}/protokoll").get_data(as_text=True)
    assert "Protokoll: Primöte mars" in html
    for text in ("Alfa", "Konceptfas → Pilotfas", "Vidare.", "Beta", "Konceptfas → Avslutad"):
        assert text in html
    assert html.index("<h3>Alfa</h3>") < html.index("<h3>Beta</h3>")
    assert "Utan beslut" in html and "Gamma" in html


@pytest.mark.parametrize(
    ("role", "agenda", "new", "decide"),
    [
        (Role.PROCESS_SUPPORT, 200, 200, 302),
        (Role.CORE_TEAM, 200, 403, 302),
        (Role.ADMIN, 200, 200, 403),
        (Role.EMPLOYEE, 403, 403, 403),
        (Role.EXPERT, 403, 403, 403),
        (Role.BOARD, 403, 403, 403),
    ],
)
def test_meeting_permissions_per_role(client, login_as, role, agenda, new, decide):
    meeting = make_meeting()
    (item,) = put_on_agenda(meeting, make_initiative())
    login_as(role)
    assert client.get("/primoten").status_code == agenda
    assert client.get(f"/primoten/{meeting.id}").status_code == agenda
    assert client.get(f"/primoten/{meeting.id}/protokoll").status_code == agenda
    assert client.get("/primoten/nytt").status_code == new
    token = csrf_from(client.get("/konto").get_data(as_text=True))
    response = client.post(
        f"/primoten/{meeting.id}/dagordning/{item.id}/beslut",
        data={
            "csrf_token": token,
            f"punkt{item.id}-outcome": "go_on",
            f"punkt{item.id}-rationale": "Ja.",
        },
    )
    assert response.status_code == decide


def _count_queries(client, url: str) -> int:
    engine = _db.engine
    count = 0

    def before(*args, **kwargs):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count


def test_agenda_page_query_count_is_the_same_for_2_and_10_items(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    expert = make_user(roles={Role.EXPERT})
    small, large = make_meeting(), make_meeting(held_on=date(2026, 4, 1))
    for n in range(10):
        initiative = make_initiative(f"Initiativ {n}")
        rate_all(initiative, expert, score=3)
        if n < 2:
            put_on_agenda(small, initiative)
        put_on_agenda(large, initiative)
    _db.session.expire_all()
    client.get(f"/primoten/{small.id}")  # warm up (translations, templates)
    assert _count_queries(client, f"/primoten/{small.id}") == _count_queries(
        client, f"/primoten/{large.id}"
    )
