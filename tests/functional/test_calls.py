"""Calls: process support creates, edits and publishes them; everyone sees the public list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.calls import services
from portal.calls.models import Audience, Call
from portal.extensions import db as _db
from portal.reference.canvas import RESIDENT_DEFAULT_RULES, STANDING_RULES
from portal.reference.models import FocusArea
from portal.types import utcnow
from tests.browser import Browser
from tests.conftest import csrf_from, post_form
from tests.factories import party

CHILDREN = "Alla barn och unga uppnår sin fulla potential"
ELDERLY = "Välmående och självständiga äldre"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def text(response) -> str:
    return response.get_data(as_text=True)


def area(name: str) -> FocusArea:
    return _db.session.scalar(select(FocusArea).where(FocusArea.name == name))


def make_call(
    title: str = "Barn i rörelse",
    *,
    question: str = "Hur motiverar vi barn att röra på sig mer?",
    audience: str = Audience.RESIDENTS,
    opens: timedelta = timedelta(days=-7),
    closes: timedelta = timedelta(days=30),
    published: bool = True,
    areas: tuple[str, ...] = (CHILDREN,),
) -> Call:
    now = utcnow()
    call = services.create_call(
        actor=None,
        title=title,
        question=question,
        opens_at=now + opens,
        closes_at=now + closes,
        audience=audience,
        host_party=party("Västerås stad"),
        focus_areas=[area(a) for a in areas],
    )
    if published:
        services.publish_call(call, actor=None)
    _db.session.commit()
    return call


def form_data(**overrides) -> dict:
    data = {
        "title": "Barn i rörelse",
        "question": "Hur motiverar vi barn att röra på sig mer?",
        "background": "Många barn rör sig för lite.",
        "focus_areas": [str(area(CHILDREN).id)],
        "opens_at": "2026-12-01T09:00",
        "closes_at": "2027-01-15T16:00",
        "audience": "residents",
        "host_party": str(party("Västerås stad").id),
        "max_participants": "200",
    }
    data |= {f"rule_{k}": str(v) for k, v in RESIDENT_DEFAULT_RULES.items() if k != "title"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def checked(page: str, name: str) -> list[str]:
    """The values of the checked inputs named `name`."""
    inputs = re.findall(r"<input [^>]*>", page)
    return [
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in inputs
        if f'name="{name}"' in tag and " checked" in tag
    ]


def refresh(call: Call) -> Call:
    _db.session.expire_all()
    return _db.session.get(Call, call.id)


# --- creating, editing, publishing -------------------------------------------------------


def test_new_call_form_shows_every_canvas_field_rule(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    response = client.get("/utlysningar/ny")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Ny utlysning</h1>" in page
    assert 'type="datetime-local"' in page
    assert "Alltid obligatoriskt" in page
    for label in ("Fokusområde", "Tidplan", "Invånarnytta", "Nyckelaktiviteter"):
        assert f"<legend>{label}" in page
    # the staff default: the standing intake's rules
    assert "Syfte, behov, målgrupp <span" not in page  # no "(obligatoriskt)" on the rules
    assert checked(page, "rule_purpose") == ["required"]
    assert checked(page, "rule_timeline") == ["optional"]
    assert checked(page, "audience") == ["staff"]


def test_new_call_for_residents_defaults_to_the_short_canvas(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    page = text(client.get("/utlysningar/ny?malgrupp=residents"))
    assert checked(page, "rule_timeline") == ["hidden"]
    assert checked(page, "rule_effect_residents") == ["optional"]
    assert checked(page, "audience") == ["residents"]


def test_create_call_saves_a_draft_in_utc_with_a_slug(client, login_as):
    user = login_as(Role.PROCESS_SUPPORT)
    response = post_form(client, "/utlysningar/ny", form_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/utlysningar/barn-i-rorelse/redigera"
    call = _db.session.scalar(select(Call))
    assert call.slug == "barn-i-rorelse"
    assert call.title == "Barn i rörelse"
    assert call.question == "Hur motiverar vi barn att röra på sig mer?"
    assert call.opens_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert call.closes_at == datetime(2027, 1, 15, 15, 0, tzinfo=UTC)
    assert call.audience == "residents"
    assert call.max_participants == 200
    assert call.published_at is None
    assert call.created_by_id == user.id
    assert [a.name for a in call.focus_areas] == [CHILDREN]
    assert call.field_rules == {k: str(v) for k, v in RESIDENT_DEFAULT_RULES.items()}
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call_created"))
    assert entry.actor_id == user.id and entry.object_id == call.id


def test_summer_time_round_trip_in_stockholm(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    post_form(
        client,
        "/utlysningar/ny",
        form_data(opens_at="2026-06-01T09:00", closes_at="2026-06-30T23:59"),
    )
    call = _db.session.scalar(select(Call))
    assert call.opens_at == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 CEST
    page = text(client.get("/utlysningar/barn-i-rorelse/redigera"))
    assert 'value="2026-06-01T09:00"' in page
    assert 'value="2026-06-30T23:59"' in page


def test_edit_form_shows_stored_times_in_stockholm(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    post_form(client, "/utlysningar/ny", form_data())
    page = text(client.get("/utlysningar/barn-i-rorelse/redigera"))
    assert 'value="2026-12-01T09:00"' in page
    assert 'value="2027-01-15T16:00"' in page
    assert 'name="version" type="hidden" value="1"' in page


def test_edit_changes_the_call_but_keeps_the_slug(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    post_form(client, "/utlysningar/ny", form_data())
    url = "/utlysningar/barn-i-rorelse/redigera"
    response = post_form(
        client,
        url,
        form_data(
            title="Unga i rörelse", version="1", rule_timeline="required", max_participants=""
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    call = refresh(_db.session.scalar(select(Call)))
    assert call.title == "Unga i rörelse"
    assert call.slug == "barn-i-rorelse"
    assert call.version == 2
    assert call.max_participants is None
    assert call.field_rules["timeline"] == "required"
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call_updated"))
    assert entry.changes["title"] == ["Barn i rörelse", "Unga i rörelse"]
    assert entry.changes["max_participants"] == [200, None]


def test_publish_makes_a_call_public(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    post_form(
        client,
        "/utlysningar/ny",
        form_data(opens_at="2020-01-01T09:00", closes_at="2099-01-01T09:00"),
    )
    response = post_form(
        client, "/utlysningar/barn-i-rorelse/publicera", {}, page="/utlysningar/hantera"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/utlysningar/hantera"
    call = refresh(_db.session.scalar(select(Call)))
    assert call.published_at is not None
    assert call.state == "open"
    client.post("/logga-ut", data={"csrf_token": csrf_from(text(client.get("/konto")))})
    page = text(client.get("/utlysningar"))
    assert "Hur motiverar vi barn att röra på sig mer?" in page
    assert 'href="/utlysningar/barn-i-rorelse"' in page


def test_unpublish_returns_a_call_to_draft(client, login_as):
    call = make_call()
    login_as(Role.PROCESS_SUPPORT)
    response = post_form(
        client, f"/utlysningar/{call.slug}/avpublicera", {}, page="/utlysningar/hantera"
    )
    assert response.status_code == 302
    assert refresh(call).published_at is None
    assert 'href="/utlysningar/barn-i-rorelse"' not in text(client.get("/utlysningar"))


def test_admin_can_manage_calls(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/utlysningar/hantera").status_code == 200
    assert client.get("/utlysningar/ny").status_code == 200


# --- invalid input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Ge utlysningen en titel."),
        (
            {"question": "Hur motiverar vi barn att röra på sig mer"},
            "Skriv problemformuleringen som en fråga som slutar med frågetecken",
        ),
        ({"question": ""}, "Skriv problemformuleringen."),
        ({"closes_at": "2026-11-30T09:00"}, "Utlysningen måste stänga efter att den öppnar."),
        ({"closes_at": "2026-12-01T09:00"}, "Utlysningen måste stänga efter att den öppnar."),
        ({"opens_at": ""}, "Ange när utlysningen öppnar."),
        ({"opens_at": "första december"}, "Skriv datum och tid som 2026-12-01 09:00."),
        ({"max_participants": "0"}, "Högsta antal deltagare måste vara minst 1."),
        ({"max_participants": "-5"}, "Högsta antal deltagare måste vara minst 1."),
        ({"max_participants": "många"}, "Skriv ett heltal, till exempel 200."),
        ({"host_party": ""}, "Välj vilken part som står värd för utlysningen."),
        ({"audience": None}, "Välj vem som kan svara på utlysningen."),
        ({"rule_purpose": "sometimes"}, "Syfte, behov, målgrupp: Inte ett giltigt val"),
    ],
)
def test_invalid_call_is_refused_with_a_swedish_message(client, login_as, overrides, message):
    login_as(Role.PROCESS_SUPPORT)
    response = post_form(client, "/utlysningar/ny", form_data(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert "Det finns fel i formuläret" in page
    assert message in page
    assert _db.session.scalar(select(Call)) is None


def test_invalid_edit_keeps_what_was_typed(client, login_as):
    call = make_call()
    login_as(Role.PROCESS_SUPPORT)
    response = post_form(
        client,
        f"/utlysningar/{call.slug}/redigera",
        form_data(title="Nytt namn", question="Utan fråga", version="1"),
    )
    assert response.status_code == 422
    assert 'value="Nytt namn"' in text(response)
    assert refresh(call).title == "Barn i rörelse"


def test_publish_without_focus_area_is_refused(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    post_form(client, "/utlysningar/ny", form_data(focus_areas=[]))
    assert _db.session.scalar(select(Call)).focus_areas == []
    response = post_form(
        client, "/utlysningar/barn-i-rorelse/publicera", {}, page="/utlysningar/hantera"
    )
    assert response.status_code == 422
    page = text(response)
    assert "Välj minst ett fokusområde innan du publicerar utlysningen." in page
    assert "Det finns fel i formuläret" in page
    assert refresh(_db.session.scalar(select(Call))).published_at is None


def test_published_call_cannot_lose_its_focus_areas(client, login_as):
    call = make_call()
    login_as(Role.PROCESS_SUPPORT)
    response = post_form(
        client,
        f"/utlysningar/{call.slug}/redigera",
        form_data(focus_areas=[], version=str(call.version)),
    )
    assert response.status_code == 422
    assert "En publicerad utlysning måste ha minst ett fokusområde." in text(response)
    assert [a.name for a in refresh(call).focus_areas] == [CHILDREN]


def test_focus_areas_no_longer_in_force_are_not_offered(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    page = text(client.get("/utlysningar/ny"))
    assert CHILDREN in page
    assert ">Skolresultat<" not in page
    old = _db.session.scalar(select(FocusArea).where(FocusArea.name == "Skolresultat"))
    response = post_form(client, "/utlysningar/ny", form_data(focus_areas=[str(old.id)]))
    assert response.status_code == 422


# --- optimistic locking ----------------------------------------------------------------


def test_stale_edit_gets_conflict_not_overwrite(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    post_form(client, "/utlysningar/ny", form_data())
    url = "/utlysningar/barn-i-rorelse/redigera"
    page = text(client.get(url))  # both editors load version 1
    first = client.post(
        url,
        data={"csrf_token": csrf_from(page), **form_data(title="Första ändringen", version="1")},
    )
    assert first.status_code == 302
    second = client.post(
        url, data={"csrf_token": csrf_from(page), **form_data(title="Andra ändringen", version="1")}
    )
    assert second.status_code == 409
    body = text(second)
    assert "Någon annan har ändrat utlysningen medan du redigerade." in body
    assert 'value="Andra ändringen"' in body  # what the second editor typed is not lost
    assert 'name="version" type="hidden" value="2"' in body
    call = refresh(_db.session.scalar(select(Call)))
    assert call.title == "Första ändringen"
    assert call.version == 2


def test_edit_without_version_is_a_conflict(client, login_as):
    call = make_call()
    login_as(Role.PROCESS_SUPPORT)
    response = post_form(client, f"/utlysningar/{call.slug}/redigera", form_data(title="X"))
    assert response.status_code == 409
    assert refresh(call).title == "Barn i rörelse"


# --- slugs -------------------------------------------------------------------------------


def test_same_title_gets_a_numbered_slug(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    for _n in range(3):
        assert post_form(client, "/utlysningar/ny", form_data()).status_code == 302
    slugs = list(_db.session.scalars(select(Call.slug).order_by(Call.id)))
    assert slugs == ["barn-i-rorelse", "barn-i-rorelse-2", "barn-i-rorelse-3"]


def test_a_title_that_would_shadow_a_page_gets_another_slug(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    response = post_form(client, "/utlysningar/ny", form_data(title="Ny"))
    assert response.headers["Location"] == "/utlysningar/ny-2/redigera"


# --- the public list -------------------------------------------------------------------


def test_public_list_hides_drafts_and_staff_calls_from_anonymous(client, db):
    make_call("Barn i rörelse")
    make_call("Utkastet", published=False, question="Hur gör vi utkast?")
    make_call(
        "Välbefinnande bland äldre",
        audience=Audience.STAFF,
        question="Hur ökar vi välbefinnandet bland äldre?",
        areas=(ELDERLY,),
    )
    response = client.get("/utlysningar")
    assert response.status_code == 200
    page = text(response)
    assert "Barn i rörelse" in page
    assert "Öppen för invånare" in page
    assert "Västerås stad" in page
    assert CHILDREN in page
    assert "Utkastet" not in page
    assert "Välbefinnande bland äldre" not in page


def test_start_page_leads_a_resident_to_the_open_calls(app, db):
    make_call("Barn i rörelse")
    browser = Browser(app)
    home = browser.get("/")
    section = home.html.find(id="oppna-utlysningar").parent
    assert [h.get_text() for h in section.select(".call-card h3")] == ["Barn i rörelse"]
    everything = section.find("a", string="Alla utlysningar, även kommande och nyligen stängda")
    calls = browser.get(everything["href"])
    assert [a.get_text() for a in calls.html.select(".call-card h3 a")] == ["Barn i rörelse"]


def test_public_list_hides_staff_calls_from_residents_roles(client, login_as):
    make_call(
        "Välbefinnande bland äldre",
        audience=Audience.STAFF,
        question="Hur ökar vi välbefinnandet bland äldre?",
        areas=(ELDERLY,),
    )
    login_as(Role.BOARD)
    assert "Välbefinnande bland äldre" not in text(client.get("/utlysningar"))


def test_public_list_shows_staff_calls_to_an_employee(client, login_as):
    make_call("Utkastet", published=False, question="Hur gör vi utkast?")
    make_call(
        "Välbefinnande bland äldre",
        audience=Audience.STAFF,
        question="Hur ökar vi välbefinnandet bland äldre?",
        areas=(ELDERLY,),
    )
    login_as(Role.EMPLOYEE)
    page = text(client.get("/utlysningar"))
    assert "Välbefinnande bland äldre" in page
    assert "Hur ökar vi välbefinnandet bland äldre?" in page
    assert "För parternas medarbetare" in page
    assert "Utkastet" not in page


def test_closed_call_is_marked_closed_and_old_ones_drop_off(client, db):
    make_call(
        "Äldre i Coronatider",
        question="Hur ökar vi välbefinnandet bland äldre i Coronatider?",
        opens=timedelta(days=-120),
        closes=timedelta(days=-60),
    )
    make_call(
        "Mycket gammal",
        question="Hur var det förr?",
        opens=timedelta(days=-400),
        closes=timedelta(days=-91),
    )
    page = text(client.get("/utlysningar"))
    assert "Nyligen stängda utlysningar" in page
    assert "Äldre i Coronatider" in page
    assert "<strong>Stängd</strong>" in page
    assert "Mycket gammal" not in page
    assert "Just nu finns ingen öppen utlysning." in page


def test_open_call_says_when_it_closes(client, db):
    # noon, Swedish time, three calendar days from today in Sweden
    today = utcnow().astimezone(STOCKHOLM).date()
    noon = datetime.combine(today + timedelta(days=3), time(12), STOCKHOLM)
    make_call(closes=noon - utcnow())
    page = text(client.get("/utlysningar"))
    assert "<strong>Stänger om 3 dagar</strong>" in page


def test_upcoming_call_says_when_it_opens(client, db):
    call = make_call(opens=timedelta(days=20), closes=timedelta(days=50))
    page = text(client.get("/utlysningar"))
    assert "Kommande utlysningar" in page
    assert "Öppnar " in page
    day = call.opens_at.astimezone(STOCKHOLM).day
    assert f"<strong>Öppnar {day} " in page


def test_list_orders_open_calls_by_closing(client, db):
    make_call("Stänger sent", question="Sent?", closes=timedelta(days=60))
    make_call("Stänger tidigt", question="Tidigt?", closes=timedelta(days=5))
    page = text(client.get("/utlysningar"))
    assert page.index("Stänger tidigt") < page.index("Stänger sent")


def test_manage_lists_drafts_with_their_state(client, login_as):
    make_call("Utkastet", published=False, question="Hur gör vi utkast?")
    make_call("Kommande", question="Sen?", opens=timedelta(days=10), closes=timedelta(days=40))
    make_call("Pågående", question="Nu?")
    make_call("Avslutad", question="Då?", opens=timedelta(days=-60), closes=timedelta(days=-1))
    login_as(Role.PROCESS_SUPPORT)
    page = text(client.get("/utlysningar/hantera"))
    assert "<td>Utkast</td>" in page
    assert "<td>Publicerad, öppnar " in page
    assert "<td>Öppen</td>" in page
    assert "<td>Stängd</td>" in page


# --- access ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/utlysningar/hantera"),
        ("get", "/utlysningar/ny"),
        ("get", "/utlysningar/barn-i-rorelse/redigera"),
        ("post", "/utlysningar/barn-i-rorelse/publicera"),
        ("post", "/utlysningar/barn-i-rorelse/avpublicera"),
    ],
)
def test_employee_cannot_manage_calls(client, login_as, method, url):
    make_call(published=False)
    login_as(Role.EMPLOYEE)
    token = csrf_from(text(client.get("/konto")))
    response = client.get(url) if method == "get" else client.post(url, data={"csrf_token": token})
    assert response.status_code == 403
    assert refresh(_db.session.scalar(select(Call))).published_at is None


@pytest.mark.parametrize(
    "url", ["/utlysningar/hantera", "/utlysningar/ny", "/utlysningar/barn-i-rorelse/redigera"]
)
def test_anonymous_is_sent_to_login_from_manage_pages(client, db, url):
    make_call(published=False)
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in")


def test_unknown_call_is_404(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    assert client.get("/utlysningar/finns-inte/redigera").status_code == 404


def test_staff_default_rules_are_the_standing_ones(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    data = form_data(audience="staff")
    data |= {f"rule_{k}": str(v) for k, v in STANDING_RULES.items() if k != "title"}
    post_form(client, "/utlysningar/ny", data)
    assert _db.session.scalar(select(Call)).field_rules == {
        k: str(v) for k, v in STANDING_RULES.items()
    }
