"""The start page: open calls and how it works for everyone; what waits for you after login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from portal.accounts.models import Role
from portal.evaluation.models import RatingRequest
from portal.extensions import db as _db
from portal.submissions.models import Submission
from portal.types import today_in_stockholm
from tests.browser import Browser, path_of
from tests.factories import make_call, make_user
from tests.functional.test_inbox import row
from tests.process_factories import make_funding, make_initiative, make_meeting, put_on_agenda


def cards(page) -> dict[str, str]:
    """The start page's "waiting for you" cards by id, as text."""
    section = page.html.find(id="det-har-vantar")
    if section is None:
        return {}
    return {li["id"]: " ".join(li.text.split()) for li in section.select("li.card[id]")}


def test_a_resident_reaches_a_call_in_one_click(app, db):
    make_call(slug="barn-i-rorelse", title="Barn i rörelse")
    make_call(slug="for-personal", title="Bara för personal", audience="staff")
    make_call(slug="stangd", title="Stängd", opens_in_days=-30, closes_in_days=-1)
    browser = Browser(app)
    home = browser.get("/")
    assert home.status_code == 200
    titles = [h.text for h in home.html.select(".call-card h3")]
    assert titles == ["Barn i rörelse"]
    card = home.html.select_one(".call-card")
    assert "Hur motiverar vi barn att röra på sig mer?" in card.text
    assert card.find("time") is not None
    answer = card.find("a", class_="button")
    assert " ".join(answer.text.split()) == "Svara – Barn i rörelse"
    page = browser.get(answer["href"])
    assert page.status_code == 200
    assert path_of(page.request.url) == "/utlysningar/barn-i-rorelse"
    assert page.html.find("form") is not None
    how = home.html.find(id="sa-gar-det-till").parent
    assert "registreringsnummer" in how.text and "Core Team" in how.text
    employees = home.html.find(id="medarbetare").parent
    links = {a.text: a["href"] for a in employees.find_all("a")}
    assert links == {"Logga in": "/logga-in", "Skapa konto": "/skapa-konto"}
    assert cards(home) == {}


def test_without_open_calls_the_page_says_so(app, db):
    home = Browser(app).get("/")
    assert "Just nu finns ingen öppen utlysning." in home.text


def test_each_role_sees_only_its_own_work(app, db):
    employee = make_user(roles={Role.EMPLOYEE})
    other = make_user(roles={Role.EMPLOYEE})
    expert = make_user(roles={Role.EXPERT})
    triager = make_user(roles={Role.PROCESS_SUPPORT})
    core = make_user(roles={Role.CORE_TEAM})
    leader = make_user(roles={Role.PROJECT_LEADER})
    _db.session.execute(
        insert(Submission),
        [
            row(1, staff=employee, state="draft", title="Mitt utkast"),
            row(2, staff=employee, state="awaiting_info", title="Fråga till mig"),
            row(3, staff=other, state="draft", title="Någon annans utkast"),
            row(4, state="received"),
            row(5, state="received"),
        ],
    )
    initiative = make_initiative("Promenadvänner")
    _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=expert.id))
    meeting = make_meeting(held_on=today_in_stockholm() + timedelta(days=3), title="Äldre")
    put_on_agenda(meeting, initiative)
    make_funding(initiative, 40_000)
    make_funding(initiative, 150_000)  # the process leader's, not the project leader's
    _db.session.commit()

    def seen(user) -> dict[str, str]:
        browser = Browser(app)
        browser.login(user)
        return cards(browser.get("/"))

    mine = seen(employee)
    assert set(mine) == {"utkast", "kompletteringar"}
    assert "Mitt utkast" in mine["utkast"] and "Någon annans" not in mine["utkast"]
    assert "Fråga till mig" in mine["kompletteringar"]
    assert set(seen(other)) == {"utkast"}
    assert seen(triager).keys() == {"att-sortera", "nasta-primote"}
    assert seen(triager)["att-sortera"].startswith("2 inlämningar att sortera")
    assert seen(expert) == {
        "att-bedoma": "1 initiativ att bedöma Promenadvänner Alla dina bedömningar"
    }
    core_cards = seen(core)
    assert core_cards.keys() == {"nasta-primote"}
    assert "Promenadvänner" in core_cards["nasta-primote"]
    assert seen(leader) == {"att-besluta": "1 ansökan om medel att besluta om Till finansieringen"}


def test_nothing_waiting_is_said_plainly(app, db):
    browser = Browser(app)
    browser.login(make_user(roles={Role.CORE_TEAM}))
    home = browser.get("/")
    assert "Inget väntar på dig just nu. Inget primöte är inplanerat." in " ".join(
        home.html.find(id="det-har-vantar").text.split()
    )


def count_statements(browser: Browser, url: str) -> int:
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        response = browser.get(url)
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.slow
def test_the_start_page_costs_the_same_with_more_data(app, db):
    everyone = make_user(
        roles={
            Role.EMPLOYEE,
            Role.EXPERT,
            Role.CORE_TEAM,
            Role.PROCESS_LEADER,
        }
    )
    triager = make_user(roles={Role.PROCESS_SUPPORT})
    browsers = {}
    for user in (everyone, triager):
        browsers[user.id] = Browser(app)
        browsers[user.id].login(user)
    anonymous = Browser(app)

    def seed(start: int, count: int) -> None:
        states = ["draft", "awaiting_info", "received"]
        _db.session.execute(
            insert(Submission),
            [
                row(n, staff=everyone if n % 2 else None, state=states[n % 3])
                for n in range(start, start + count)
                if not (n % 2 == 0 and states[n % 3] == "draft")
            ],
        )
        meeting = make_meeting(held_on=today_in_stockholm() + timedelta(days=start % 50 + 1))
        for k in range(count // 20):
            initiative = make_initiative(f"Initiativ {start + k}")
            _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=everyone.id))
            put_on_agenda(meeting, initiative)
            make_funding(initiative, 30_000 + k)
            make_call(slug=f"u-{start + k}")
        _db.session.commit()

    def costs() -> list[int]:
        return [
            count_statements(browsers[everyone.id], "/"),
            count_statements(browsers[triager.id], "/"),
            count_statements(anonymous, "/"),
        ]

    seed(1, 20)
    small = costs()
    seed(1000, 400)
    assert costs() == small


def test_an_expert_is_not_asked_for_what_is_rated_declined_or_closed(app, db):
    from portal.evaluation.models import ConflictOfInterest, Decision, Outcome, Phase
    from portal.main.dashboard import waiting_for
    from tests.process_factories import rate_all

    expert = make_user(roles={Role.EXPERT})
    todo, rated, conflicted, decided = (
        make_initiative(title) for title in ("Att göra", "Bedömd", "Jäv", "Beslutad")
    )
    for initiative in (todo, rated, conflicted, decided):
        _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=expert.id))
    rate_all(rated, expert)
    _db.session.add(
        ConflictOfInterest(initiative_id=conflicted.id, expert_id=expert.id, reason="Min bror.")
    )
    meeting = make_meeting()
    _db.session.add(
        Decision(
            initiative_id=decided.id,
            meeting_id=meeting.id,
            from_phase=Phase.CONCEPT.value,
            to_phase=Phase.PILOT.value,
            outcome=Outcome.GO_ON.value,
            decided_on=meeting.held_on,
            rationale="Vidare till pilot.",
        )
    )
    _db.session.commit()
    waiting = waiting_for(expert, today_in_stockholm())
    assert waiting.to_rate.count == 1
    assert [i.title for i in waiting.to_rate.items] == ["Att göra"]
