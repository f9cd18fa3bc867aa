"""The board's portfolio per goal (portal/board/goals.py): initiatives per phase for each goal,
by focus area, under the dashboard's filters, in a fixed number of statements."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select

from portal.accounts.models import Role
from portal.board import version
from portal.evaluation.goals import InitiativeGoal
from portal.evaluation.models import Initiative, Phase
from portal.extensions import db as _db
from portal.reference.goals import GoalKind
from tests.board_factories import make_submission, party_named
from tests.browser import Browser
from tests.conftest import login
from tests.factories import make_user
from tests.functional.test_goals import SCHOOL, make_goal
from tests.functional.test_inbox import count_statements
from tests.process_factories import ELDERLY, area, make_initiative

PERIOD = "from=2026-01-01&to=2026-12-31"


def link(initiative: Initiative, *goals) -> None:
    for goal in goals:
        _db.session.add(InitiativeGoal(initiative_id=initiative.id, goal_id=goal.id))
    _db.session.commit()


@pytest.fixture
def known(db):
    """Two focus areas' goals and initiatives in known phases, linked in a known way."""
    lonely = make_goal("Ingen äldre ska känna sig ofrivilligt ensam")
    meetings = make_goal("Fler träffpunkter", kind=GoalKind.EFFECT, parent=lonely)
    home = make_goal("Äldre lever självständigt hemma")
    ended = make_goal("Ett mål som upphörde 2024", valid_to=date(2024, 12, 31))
    school = make_goal("Alla elever blir behöriga", area_name=SCHOOL)
    a = make_initiative("Promenadvänner", Phase.IDEA)
    b = make_initiative("Digitala fikastunder", Phase.IDEA)
    c = make_initiative("Trygg hemma", Phase.PILOT)
    d = make_initiative("Avslutat försök", Phase.CLOSED)
    e = make_initiative("Läxhjälp", Phase.CONCEPT, area_name=SCHOOL)
    make_initiative("Utan mål", Phase.PILOT)
    link(a, lonely, meetings)
    link(b, lonely)
    link(c, home, lonely)
    link(d, home, ended)
    link(e, school)
    # c comes from a submission from Eskilstuna kommun's staff, the others have none.
    origin = make_submission(
        datetime(2026, 3, 1, tzinfo=UTC), party="Eskilstuna kommun", area=ELDERLY
    )
    c.origin_submission = origin
    _db.session.commit()
    return {"lonely": lonely, "meetings": meetings, "home": home, "school": school}


@pytest.fixture
def board(app, db):
    browser = Browser(app)
    browser.login(make_user(roles={Role.BOARD}))
    return browser


def goal_tables(page) -> dict[str, dict[str, list[int]]]:
    """{focus area caption: {goal title: [count per phase…, total]}}."""
    section = page.html.find(id="mal")
    tables = {}
    for table in section.select("table"):
        caption = table.caption.get_text(strip=True)
        rows = {}
        for tr in table.select("tbody tr"):
            th = tr.th
            for hidden in th.select(".visually-hidden, .badge"):
                hidden.extract()
            rows[th.get_text(" ", strip=True)] = [int(td.get_text()) for td in tr.select("td")]
        tables[caption] = rows
    return tables


def test_the_board_sees_initiatives_per_phase_for_each_goal(board, known):
    page = board.get(f"/styrelsen?{PERIOD}")
    assert page.status_int == 200
    heads = [
        th.get_text(strip=True) for th in page.html.select(f"#goals-{area().portfolio_id} thead th")
    ]
    assert heads == [
        "Mål",
        "Idéfas",
        "Konceptfas",
        "Pilotfas",
        "Implementeringsfas",
        "Uppföljning",
        "Avslutad",
        "Totalt",
    ]
    tables = goal_tables(page)
    assert tables == {
        f"{ELDERLY}: initiativ per mål och fas": {
            # idea, concept, pilot, implementation, follow-up, closed, total
            "Ingen äldre ska känna sig ofrivilligt ensam": [2, 0, 1, 0, 0, 0, 3],
            "Fler träffpunkter": [1, 0, 0, 0, 0, 0, 1],
            "Äldre lever självständigt hemma": [0, 0, 1, 0, 0, 1, 2],
        },
        f"{SCHOOL}: initiativ per mål och fas": {
            "Alla elever blir behöriga": [0, 1, 0, 0, 0, 0, 1],
        },
    }


def test_the_period_shows_the_goals_in_force_during_it(board, known):
    tables = goal_tables(board.get("/styrelsen?from=2024-01-01&to=2024-12-31"))
    assert "Ett mål som upphörde 2024" in tables[f"{ELDERLY}: initiativ per mål och fas"]
    tables = goal_tables(board.get("/styrelsen?from=2022-01-01&to=2022-12-31"))
    assert tables == {}
    assert (
        "Inga mål gällde under perioden"
        in board.get("/styrelsen?from=2022-01-01&to=2022-12-31").html.find(id="mal").get_text()
    )


def test_the_focus_area_and_source_filters_apply(board, known):
    school = area(SCHOOL).portfolio_id
    tables = goal_tables(board.get(f"/styrelsen?{PERIOD}&portfolio={school}"))
    assert list(tables) == [f"{SCHOOL}: initiativ per mål och fas"]
    party = party_named("Eskilstuna kommun").id
    tables = goal_tables(board.get(f"/styrelsen?{PERIOD}&source={party}"))
    assert tables[f"{ELDERLY}: initiativ per mål och fas"] == {
        "Ingen äldre ska känna sig ofrivilligt ensam": [0, 0, 1, 0, 0, 0, 1],
        "Fler träffpunkter": [0, 0, 0, 0, 0, 0, 0],
        "Äldre lever självständigt hemma": [0, 0, 1, 0, 0, 0, 1],
    }


def test_the_report_shows_the_portfolio_per_goal_too(board, known):
    report = board.get(f"/styrelsen/rapport?{PERIOD}")
    assert (
        "Ingen äldre ska känna sig ofrivilligt ensam"
        in goal_tables(report)[f"{ELDERLY}: initiativ per mål och fas"]
    )


def seed_links(start: int, count: int, goal_ids: list[int], portfolio_id: int, area_id: int):
    rows = [
        {
            "title": f"Initiativ {n}",
            "summary": "",
            "portfolio_id": portfolio_id,
            "focus_area_id": area_id,
            "phase": list(Phase)[n % len(Phase)].value,
            "created_at": datetime(2026, 1, 1, tzinfo=UTC),
            "version": 1,
        }
        for n in range(start, start + count)
    ]
    _db.session.execute(insert(Initiative), rows)
    ids = list(_db.session.scalars(select(Initiative.id).order_by(Initiative.id)))[start:]
    _db.session.execute(
        insert(InitiativeGoal),
        [{"initiative_id": i, "goal_id": goal_ids[k % len(goal_ids)]} for k, i in enumerate(ids)],
    )
    _db.session.commit()


def test_statement_count_is_the_same_for_few_and_many_goals_and_links(app, client, db):
    login(client, make_user(roles={Role.BOARD}))
    elderly = area()
    goals = [make_goal("Mål 0").id]
    seed_links(0, 5, goals, elderly.portfolio_id, elderly.id)
    client.get(f"/styrelsen?{PERIOD}")  # warm-up
    version.forget()  # the figures counted, not taken from the cache
    small = count_statements(app, client, f"/styrelsen?{PERIOD}")
    goals += [
        make_goal(f"Mål {n}", area_name=SCHOOL if n % 2 else ELDERLY).id for n in range(1, 30)
    ]
    seed_links(5, 300, goals, elderly.portfolio_id, elderly.id)
    version.forget()
    large = count_statements(app, client, f"/styrelsen?{PERIOD}")
    assert large == small
    page = client.get(f"/styrelsen?{PERIOD}").get_data(as_text=True)
    assert "Mål 29" in page
