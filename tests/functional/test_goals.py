"""Societal goals and effect goals: the admin keeps them (add, correct, rename keeping the old
wording, end), process support and the Core Team link initiatives to them, and the hub names
them. Every form is rendered, read and sent as a browser sends it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.admin import goals as goal_admin
from portal.audit import AuditEntry
from portal.evaluation import goals as initiative_goals
from portal.evaluation.goals import InitiativeGoal
from portal.extensions import db as _db
from portal.reference.goals import Goal, GoalKind
from portal.types import today_in_stockholm
from tests.browser import Browser, error_texts, flashes
from tests.factories import make_user
from tests.hub_factories import make_hub_initiative
from tests.process_factories import ELDERLY, area, make_initiative

SCHOOL = "Alla barn och unga uppnår sin fulla potential"


@pytest.fixture
def admin(db):
    return make_user(roles={Role.ADMIN}, name="Ada Admin", email="ada@example.org")


@pytest.fixture
def as_admin(app, admin):
    browser = Browser(app)
    browser.login(admin)
    return browser


def as_user(app, *roles: Role) -> Browser:
    browser = Browser(app)
    browser.login(make_user(roles=set(roles)))
    return browser


def make_goal(
    title: str,
    *,
    area_name: str = ELDERLY,
    kind: GoalKind = GoalKind.SOCIETAL,
    parent: Goal | None = None,
    valid_from: date = date(2023, 1, 1),
    valid_to: date | None = None,
    actor=None,
) -> Goal:
    goal = goal_admin.create_goal(
        portfolio=area(area_name).portfolio,
        kind=kind,
        parent=parent,
        title=title,
        description=f"Beskrivning av {title}.",
        measure="Andel invånare 80+ som bor hemma.",
        valid_from=valid_from,
        valid_to=valid_to,
        actor=actor,
    )
    _db.session.commit()
    return goal


def fresh(goal: Goal) -> Goal:
    _db.session.expire_all()
    return _db.session.get(Goal, goal.id)


def actions(goal: Goal) -> list[str]:
    return list(
        _db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "goals", AuditEntry.object_id == goal.id)
            .order_by(AuditEntry.id)
        )
    )


def section_rows(page, portfolio_id: int) -> list[str]:
    section = page.html.find(id=f"portfolj-{portfolio_id}").parent
    return [th.get_text(" ", strip=True) for th in section.select("tbody th")]


# --- the admin ----------------------------------------------------------------------------


def test_goal_pages_are_for_admins_only(app, db):
    goal = make_goal("Ingen äldre ska känna sig ensam")
    browser = as_user(app, Role.PROCESS_SUPPORT)
    for url in ("/admin/mal", "/admin/mal/ny", f"/admin/mal/{goal.id}"):
        assert browser.get(url).status_int == 403, url
    assert browser.post(f"/admin/mal/{goal.id}/avsluta", expect_errors=True).status_int in (
        400,
        403,
    )
    assert fresh(goal).current.valid_to is None


def test_admin_index_and_list_lead_to_adding_a_goal(app, as_admin, admin):
    index = as_admin.get("/admin/")
    listing = as_admin.get(index.html.find("a", string="Samhällsmål och effektmål")["href"])
    assert listing.status_int == 200
    elderly = area().portfolio_id
    add = listing.html.find("a", string=f"Lägg till mål i {ELDERLY}")
    page = as_admin.get(add["href"])
    form = as_admin.form(page, action="/admin/mal/ny")
    assert form["portfolio"].value == str(elderly)  # the focus area it came from
    assert form["kind"].value == "societal"
    form["title"] = "Äldre lever självständigt hemma så länge de vill"
    form["description"] = "Trygghet och stöd i det egna hemmet."
    form["measure"] = "Andel invånare 80 år och äldre i ordinärt boende (Kolada)."
    form["valid_from"] = "2023-01-01"
    done = as_admin.submit(form)
    assert done.status_int == 302, error_texts(done)
    shown = done.follow()
    assert "Samhällsmål Äldre lever självständigt hemma så länge de vill är tillagt." in flashes(
        shown
    )
    assert section_rows(shown, elderly) == ["Äldre lever självständigt hemma så länge de vill"]
    goal = _db.session.scalar(select(Goal))
    assert (goal.kind, goal.portfolio_id, goal.current.valid_from) == (
        "societal",
        elderly,
        date(2023, 1, 1),
    )
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "goal_created"))
    assert entry.actor_id == admin.id
    assert entry.changes["title"] == [None, "Äldre lever självständigt hemma så länge de vill"]


def test_an_effect_goal_stands_under_a_societal_goal_of_its_focus_area(app, as_admin):
    mission = make_goal("Ingen äldre ska känna sig ofrivilligt ensam")
    make_goal("Alla elever blir behöriga till gymnasiet", area_name=SCHOOL)
    page = as_admin.get(f"/admin/mal/ny?portfolj={area().portfolio_id}")
    form = as_admin.form(page, action="/admin/mal/ny")
    offered = [label for _value, _selected, label in form["parent"].options]
    assert offered == ["Inget samhällsmål", "Ingen äldre ska känna sig ofrivilligt ensam"]
    form["kind"] = "effect"
    form["parent"] = str(mission.id)
    form["title"] = "Fler äldre deltar i träffpunkter varje vecka"
    form["valid_from"] = "2024-01-01"
    assert as_admin.submit(form).status_int == 302
    effect = _db.session.scalar(select(Goal).where(Goal.kind == "effect"))
    assert effect.parent_id == mission.id
    listing = as_admin.get("/admin/mal")
    assert section_rows(listing, area().portfolio_id) == [
        "Ingen äldre ska känna sig ofrivilligt ensam",
        "Fler äldre deltar i träffpunkter varje vecka",
    ]


def test_empty_form_gets_swedish_errors_and_nothing_is_saved(app, as_admin):
    page = as_admin.get("/admin/mal/ny")
    form = as_admin.form(page, action="/admin/mal/ny")
    form["valid_from"] = ""
    response = as_admin.submit(form)
    assert response.status_int == 422
    errors = error_texts(response)
    for message in (
        "Välj fokusområde.",
        "Fyll i målets namn.",
        "Fyll i datumet då målet börjar gälla.",
    ):
        assert message in " ".join(errors), errors
    assert _db.session.scalar(select(Goal)) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Ett mål\x00 med nolltecken", "Texten innehåller otillåtna tecken."),
        ("title", "x" * 201, "Namnet får vara högst 200 tecken."),
        ("measure", "m" * 5001, "Måttet får vara högst 5000 tecken."),
        ("valid_from", "2023-02-30", "Skriv datumet som ÅÅÅÅ-MM-DD."),
        ("valid_to", "2022-01-01", "Slutdatumet kan inte vara före startdatumet."),
        ("kind", "mission", "Välj bland alternativen."),
        ("portfolio", "999999", "Välj bland alternativen."),
        ("parent", "999999", "Välj bland alternativen."),
    ],
)
def test_hostile_input_is_refused_on_its_field(app, as_admin, field, value, message):
    page = as_admin.get(f"/admin/mal/ny?portfolj={area().portfolio_id}")
    form = as_admin.form(page, action="/admin/mal/ny")
    form["title"] = "Ett giltigt mål"
    form["valid_from"] = "2023-01-01"
    fields = dict(form.submit_fields())
    fields[field] = value
    response = as_admin.post("/admin/mal/ny", params=fields, expect_errors=True)
    assert response.status_int == 422
    assert message in " ".join(error_texts(response)), error_texts(response)
    assert _db.session.scalar(select(Goal)) is None


def test_a_goal_of_another_focus_area_cannot_be_the_parent(app, as_admin):
    other = make_goal("Alla elever blir behöriga till gymnasiet", area_name=SCHOOL)
    mission = make_goal("Ingen äldre ska känna sig ofrivilligt ensam")
    effect = make_goal("Fler träffpunkter", kind=GoalKind.EFFECT, parent=mission)
    page = as_admin.get(f"/admin/mal/{effect.id}")
    form = as_admin.form(page, action=f"/admin/mal/{effect.id}")
    fields = dict(form.submit_fields())
    fields["parent"] = str(other.id)  # not offered: another focus area's
    response = as_admin.post(f"/admin/mal/{effect.id}", params=fields, expect_errors=True)
    assert response.status_int == 422
    assert "Välj bland alternativen." in " ".join(error_texts(response))
    assert fresh(effect).parent_id == mission.id


def test_markup_in_a_title_is_shown_as_text(app, as_admin):
    make_goal("<script>alert(1)</script> Trygga äldre")
    listing = as_admin.get("/admin/mal")
    assert "<script>alert(1)</script>" not in listing.text
    assert "&lt;script&gt;" in listing.text


def test_correcting_a_goal_keeps_its_wording_in_place_and_audits(app, as_admin):
    goal = make_goal("Ingen äldre ska känna sig ensam")
    page = as_admin.get(f"/admin/mal/{goal.id}")
    form = as_admin.form(page, action=f"/admin/mal/{goal.id}")
    assert form["title"].value == "Ingen äldre ska känna sig ensam"
    form["title"] = "Ingen äldre ska känna sig ofrivilligt ensam"
    assert as_admin.submit(form).status_int == 302
    goal = fresh(goal)
    assert [n.title for n in goal.names] == ["Ingen äldre ska känna sig ofrivilligt ensam"]
    assert actions(goal) == ["goal_created", "goal_updated"]
    history = as_admin.get(f"/admin/mal/{goal.id}")
    assert "Målet ändrat" in history.html.find(id="historik").parent.get_text()


def test_rename_keeps_the_old_wording_and_the_initiatives_links(app, as_admin, admin):
    goal = make_goal("Invånarna upplever ökad självständighet", valid_from=date(2021, 1, 1))
    initiative = make_initiative("Trygg hemma")
    _db.session.add(InitiativeGoal(initiative_id=initiative.id, goal_id=goal.id))
    _db.session.commit()
    listing = as_admin.get("/admin/mal")
    page = as_admin.get(
        listing.html.find("a", attrs={"aria-label": f"Byt namn på {goal.title}"})["href"]
    )
    form = as_admin.form(page, action=f"/admin/mal/{goal.id}/byt-namn")
    assert form["measure"].value == "Andel invånare 80+ som bor hemma."  # carried over
    form["new_title"] = "Äldre lever självständigt hemma så länge de vill"
    form["valid_from"] = "2023-01-01"
    done = as_admin.submit(form)
    assert done.status_int == 302, error_texts(done)
    goal = fresh(goal)
    assert [(n.title, n.valid_from, n.valid_to) for n in goal.names] == [
        ("Invånarna upplever ökad självständighet", date(2021, 1, 1), date(2022, 12, 31)),
        ("Äldre lever självständigt hemma så länge de vill", date(2023, 1, 1), None),
    ]
    assert goal.names[1].renamed_from_id == goal.names[0].id
    assert goal.name_on(date(2022, 6, 1)).title == "Invånarna upplever ökad självständighet"
    assert _db.session.scalar(select(InitiativeGoal.goal_id)) == goal.id
    assert actions(goal) == ["goal_created", "goal_renamed"]
    shown = done.follow()
    row = shown.html.find("a", string="Äldre lever självständigt hemma så länge de vill")
    assert "Tidigare: Invånarna upplever ökad självständighet" in row.parent.get_text(" ")


def test_rename_must_start_after_the_current_wording(app, as_admin):
    goal = make_goal("Trygga äldre", valid_from=date(2023, 1, 1))
    page = as_admin.get(f"/admin/mal/{goal.id}/byt-namn")
    form = as_admin.form(page, action=f"/admin/mal/{goal.id}/byt-namn")
    form["new_title"] = "Tryggare äldre"
    form["valid_from"] = "2023-01-01"
    response = as_admin.submit(form)
    assert response.status_int == 422
    assert (
        "Det nya namnet måste gälla från en dag efter att Trygga äldre började gälla."
        in error_texts(response)[0]
    )
    assert len(fresh(goal).names) == 1


def test_ending_a_goal_stops_it_being_offered_but_keeps_links(app, as_admin):
    goal = make_goal("Färre fallolyckor", kind=GoalKind.EFFECT)
    initiative = make_initiative("Fallprevention hemma")
    _db.session.add(InitiativeGoal(initiative_id=initiative.id, goal_id=goal.id))
    _db.session.commit()
    yesterday = today_in_stockholm() - timedelta(days=1)
    page = as_admin.get(f"/admin/mal/{goal.id}/avsluta")
    form = as_admin.form(page, action=f"/admin/mal/{goal.id}/avsluta")
    form["valid_to"] = yesterday.isoformat()
    assert as_admin.submit(form).status_int == 302
    goal = fresh(goal)
    assert goal.current.valid_to == yesterday
    assert actions(goal) == ["goal_created", "goal_ended"]
    assert initiative_goals.goals_in_force(goal.portfolio_id, today_in_stockholm()) == []
    assert initiative_goals.linked_goals([initiative.id])[initiative.id] == [goal]
    browser = as_user(app, Role.PROCESS_SUPPORT)
    shown = browser.get(f"/initiativ/{initiative.id}")
    section = shown.html.find(id="mal").find_next("ul")
    assert "Färre fallolyckor (har upphört)" in section.get_text(" ", strip=True)


def test_ending_before_the_start_is_refused(app, as_admin):
    goal = make_goal("Trygga äldre", valid_from=date(2023, 1, 1))
    page = as_admin.get(f"/admin/mal/{goal.id}/avsluta")
    form = as_admin.form(page, action=f"/admin/mal/{goal.id}/avsluta")
    form["valid_to"] = "2022-12-31"
    response = as_admin.submit(form)
    assert response.status_int == 422
    assert "Målet kan inte upphöra före den dag det började gälla (2023-01-01)." in " ".join(
        error_texts(response)
    )
    assert fresh(goal).current.valid_to is None


@pytest.mark.parametrize("page_path", ["", "/byt-namn", "/avsluta"])
def test_a_stale_edit_is_refused_and_shows_the_saved_goal(app, as_admin, admin, page_path):
    goal = make_goal("Trygga äldre")
    url = f"/admin/mal/{goal.id}{page_path}"
    page = as_admin.get(url)
    form = as_admin.form(page, action=url)
    # Another admin corrects the goal meanwhile.
    goal_admin.update_goal(
        goal,
        kind="societal",
        parent=None,
        title="Trygga och självständiga äldre",
        description="",
        measure="Ny indikator",
        valid_from=date(2023, 1, 1),
        valid_to=None,
        expected_version=goal.version,
        actor=admin,
    )
    _db.session.commit()
    if page_path == "":
        form["title"] = "Mitt namn"
    elif page_path == "/byt-namn":
        form["new_title"] = "Mitt namn"
        form["valid_from"] = "2025-01-01"
    else:
        form["valid_to"] = "2030-12-31"
    response = as_admin.submit(form)
    assert response.status_int == 409
    assert "Någon annan ändrade målet medan du skrev." in " ".join(error_texts(response))
    goal = fresh(goal)
    assert [n.title for n in goal.names] == ["Trygga och självständiga äldre"]
    assert goal.current.valid_to is None
    again = as_admin.form(response, action=url)
    assert again["version"].value == str(goal.version)  # sent again, it goes through
    if page_path == "":
        assert again["title"].value == "Trygga och självständiga äldre"


# --- an initiative's goals ------------------------------------------------------------------


def goal_form(browser, initiative):
    page = browser.get(f"/initiativ/{initiative.id}")
    assert page.status_int == 200
    return page, browser.form(page, action=f"/initiativ/{initiative.id}/mal")


@pytest.mark.parametrize("role", [Role.PROCESS_SUPPORT, Role.CORE_TEAM])
def test_process_support_and_core_team_link_goals_in_force_of_the_focus_area(app, db, role):
    mission = make_goal("Ingen äldre ska känna sig ofrivilligt ensam")
    effect = make_goal("Fler träffpunkter", kind=GoalKind.EFFECT, parent=mission)
    make_goal("Gammalt mål", valid_from=date(2021, 1, 1), valid_to=date(2022, 12, 31))
    make_goal("Kommande mål", valid_from=today_in_stockholm() + timedelta(days=30))
    make_goal("Alla elever blir behöriga", area_name=SCHOOL)
    initiative = make_initiative("Promenadvänner")
    browser = as_user(app, role)
    page, form = goal_form(browser, initiative)
    labels = [el.get_text(" ", strip=True) for el in page.html.select("#goals label")]
    assert labels == [
        "Samhällsmål: Ingen äldre ska känna sig ofrivilligt ensam",
        "Effektmål: Fler träffpunkter (under Ingen äldre ska känna sig ofrivilligt ensam)",
    ]
    for checkbox in form.fields["goals"]:
        checkbox.checked = True
    done = browser.submit(form)
    assert done.status_int == 302
    shown = done.follow()
    assert "Målen för initiativet är sparade." in flashes(shown)
    linked = shown.html.find(id="mal").find_next("ul").get_text(" ", strip=True)
    assert "Ingen äldre ska känna sig ofrivilligt ensam" in linked
    assert "Fler träffpunkter" in linked
    assert set(_db.session.scalars(select(InitiativeGoal.goal_id))) == {mission.id, effect.id}
    entry = _db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "initiative_goals_changed")
    )
    assert entry.object_id == initiative.id
    assert entry.changes["goals"] == [
        [],
        ["Fler träffpunkter", "Ingen äldre ska känna sig ofrivilligt ensam"],
    ]
    # Unticking one removes only that one.
    page, form = goal_form(browser, initiative)
    form.fields["goals"][1].checked = False
    assert browser.submit(form).status_int == 302
    assert set(_db.session.scalars(select(InitiativeGoal.goal_id))) == {mission.id}


def test_a_goal_not_offered_is_refused(app, db):
    make_goal("Ingen äldre ska känna sig ofrivilligt ensam")
    other = make_goal("Alla elever blir behöriga", area_name=SCHOOL)
    initiative = make_initiative()
    browser = as_user(app, Role.PROCESS_SUPPORT)
    _page, form = goal_form(browser, initiative)
    fields = dict(form.submit_fields())
    fields["goals"] = str(other.id)
    response = browser.post(f"/initiativ/{initiative.id}/mal", params=fields, expect_errors=True)
    assert response.status_int == 422
    assert "Välj bland alternativen." in " ".join(error_texts(response))
    assert _db.session.scalar(select(InitiativeGoal)) is None


def test_a_stale_goal_edit_on_an_initiative_is_refused(app, db):
    first = make_goal("Ingen äldre ska känna sig ofrivilligt ensam")
    second = make_goal("Äldre lever självständigt hemma")
    initiative = make_initiative()
    browser = as_user(app, Role.PROCESS_SUPPORT)
    _page, form = goal_form(browser, initiative)
    # A Core Team member links the second goal meanwhile.
    core = make_user(roles={Role.CORE_TEAM})
    initiative_goals.set_goals(
        initiative,
        {second.id},
        expected_version=initiative.version,
        actor=core,
        today=today_in_stockholm(),
    )
    _db.session.commit()
    form.fields["goals"][0].checked = True  # the first (by title: "Ingen …")
    response = browser.submit(form)
    assert response.status_int == 409
    assert "Någon annan ändrade initiativet medan du valde mål." in " ".join(error_texts(response))
    assert set(_db.session.scalars(select(InitiativeGoal.goal_id))) == {second.id}
    again = browser.form(response, action=f"/initiativ/{initiative.id}/mal")
    assert [c.checked for c in again.fields["goals"]] == [False, True]  # the saved links
    again.fields["goals"][0].checked = True
    assert browser.submit(again).status_int == 302
    assert set(_db.session.scalars(select(InitiativeGoal.goal_id))) == {first.id, second.id}


def test_experts_and_the_board_cannot_link_goals(app, db):
    goal = make_goal("Ingen äldre ska känna sig ofrivilligt ensam")
    initiative = make_initiative()
    for role in (Role.EXPERT, Role.BOARD, Role.EMPLOYEE):
        browser = as_user(app, role)
        response = browser.post(
            f"/initiativ/{initiative.id}/mal", params={"goals": str(goal.id)}, expect_errors=True
        )
        assert response.status_int in (400, 403), role
    assert _db.session.scalar(select(InitiativeGoal)) is None


# --- the hub --------------------------------------------------------------------------------


def test_the_public_page_and_the_showroom_name_the_goals(app, db):
    mission = make_goal("Ingen äldre ska känna sig ofrivilligt ensam")
    effect = make_goal("Fler träffpunkter", kind=GoalKind.EFFECT, parent=mission)
    make_goal("Ett avslutat samhällsmål", valid_from=date(2021, 1, 1), valid_to=date(2022, 1, 1))
    initiative = make_hub_initiative("Promenadvänner")
    _db.session.add(InitiativeGoal(initiative_id=initiative.id, goal_id=effect.id))
    _db.session.commit()
    browser = Browser(app)
    page = browser.get(f"/hubb/{initiative.id}").maybe_follow()
    facts = page.html.select_one(".hub-facts").get_text(" ", strip=True)
    assert "Arbetar mot Effektmål: Fler träffpunkter" in facts
    showroom = browser.get(f"/showroom/{initiative.portfolio_id}").maybe_follow()
    goals = showroom.html.select_one(".showroom-goals").get_text(" ", strip=True)
    assert goals == "Samhällsmål: Ingen äldre ska känna sig ofrivilligt ensam"
