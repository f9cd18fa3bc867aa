"""The public hub through the test client: the list, an initiative's page, the showroom and
the feeds, and the publication rules on each (nothing unpublished or private is reachable)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405  (parsing our own feed in a test)
from datetime import date

import pytest
from sqlalchemy import select

from portal.evaluation.models import Insight, Phase
from portal.evaluation.phases import decide
from portal.extensions import db as _db
from portal.hub import services
from portal.hub.models import Publication
from tests.factories import make_call
from tests.hub_factories import make_hub_initiative, make_origin
from tests.process_factories import ELDERLY

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = "Hemlighetsfullt"  # a word that only ever stands in texts that are not public


def html(response) -> str:
    return response.get_data(as_text=True)


def page_of(client, initiative) -> str:
    response = client.get(f"/hubb/{initiative.id}", follow_redirects=True)
    assert response.status_code == 200, response.status_code
    return html(response)


def feed(client, url: str = "/hubb/flode.atom") -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.get_data())  # noqa: S314  (our own output)


def feed_titles(root: ET.Element) -> list[str]:
    return [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]


def everywhere(client, word: str) -> dict[str, bool]:
    """Where a word can be read by anyone: the list, a search, the feed, the showrooms."""
    return {
        "list": word in html(client.get("/hubb")),
        # the search page repeats the query; what counts is whether anything was found
        "search": "hub-card" in html(client.get("/hubb", query_string={"q": word})),
        "feed": word in client.get("/hubb/flode.atom").get_data(as_text=True),
        "showroom": any(
            word in html(client.get(f"/showroom/{pid}", follow_redirects=True)) for pid in (1, 2)
        ),
    }


@pytest.fixture
def private_origin(db):
    """A resident's submission with a text in a field that is not published."""
    return make_origin(
        title="Promenadvänner",
        purpose="Äldre och frivilliga går tillsammans.",
        follow_up=f"{SECRET} uppföljning med namn och telefonnummer.",
        responsible=f"{SECRET} Kim Invånare, 070-123 45 67",
        name="Kim Invånare",
    )


# --- the list ---------------------------------------------------------------------------------


def test_hub_lists_published_initiatives_only(client):
    make_hub_initiative("Promenadvänner", summary="Äldre går tillsammans.")
    make_hub_initiative("Sensorer som larmar", publish=False)
    body = html(client.get("/hubb"))
    assert "Promenadvänner" in body
    assert "Äldre går tillsammans." in body  # the start of its public text
    assert "Sensorer som larmar" not in body
    assert "1 initiativ" in body


def test_list_text_is_cut_at_a_word(client):
    make_hub_initiative("Långt", summary="ord " * 100)
    body = html(client.get("/hubb"))
    assert ("ord " * 44).strip() + " …" in body


def test_search_form_works_without_javascript_and_the_address_holds_it(client):
    make_hub_initiative("Ensamhet bland äldre", summary="Träffar för äldre.")
    make_hub_initiative("Läxhjälp", summary="Hjälp efter skolan.")
    body = html(client.get("/hubb?q=%C3%A4ldres&fas=idea&sortering=namn"))
    # the name shows the word matched marked (portal/hub/search.py: marked_titles)
    assert "Ensamhet bland <mark>äldre</mark>" in body and "Läxhjälp" not in body
    assert 'value="äldres"' in body
    assert '<option value="idea" selected>' in body
    assert '<option value="namn" selected>' in body


def test_htmx_search_gets_the_results_fragment_and_the_status(client):
    make_hub_initiative("Ensamhet bland äldre")
    response = client.get("/hubb?q=ensamhet", headers={"HX-Request": "true"})
    body = html(response)
    assert "<html" not in body and "<form" not in body
    assert body.count('id="hub-status"') == 1 and body.count('id="hub-results"') == 1
    assert "1 initiativ hittades." in body
    assert "HX-Request" in ", ".join(response.headers.get_all("Vary"))


def test_the_address_keeps_only_what_was_chosen(client):
    """A form sends its empty fields too: without JavaScript a redirect drops them; with
    htmx the pushed address is the same clean one."""
    response = client.get("/hubb?q=%C3%A4ldre&fokusomrade=&fas=&part=&sortering=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/hubb?q=%C3%A4ldre"
    assert client.get("/hubb?q=&fas=").headers["Location"] == "/hubb"
    fragment = client.get("/hubb?q=%C3%A4ldre&fas=", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.headers["HX-Push-Url"] == "/hubb?q=%C3%A4ldre"


def test_no_hits_says_so(client):
    make_hub_initiative("Promenadvänner")
    body = html(client.get("/hubb?q=xylofon"))
    assert "Inget publicerat initiativ matchar ”xylofon”." in body
    assert "Inga initiativ hittades." in body


def test_unknown_filters_are_ignored_and_said(client):
    make_hub_initiative("Promenadvänner")
    body = html(client.get("/hubb?fas=galen&part=99999&fokusomrade=x&sortering=kaos&sida=-3"))
    assert "Promenadvänner" in body
    assert body.count("kändes inte igen och används inte.") == 3


@pytest.mark.parametrize("sida", ["²", "-1", "abc", str(10**30)])
def test_a_page_number_that_is_not_one_or_beyond_the_last_shows_a_page(client, sida):
    make_hub_initiative("Promenadvänner")
    response = client.get("/hubb", query_string={"sida": sida})
    assert response.status_code == 200
    assert "Promenadvänner" in html(response)


@pytest.mark.parametrize("q", ['"', "'", "*", "OR", "NEAR(", "-", ":", '"äldre', "x" * 3000])
def test_hostile_queries_answer_200(client, q):
    make_hub_initiative("Promenadvänner", summary="Äldre går.")
    assert client.get("/hubb", query_string={"q": q}).status_code == 200


# --- an initiative's page -------------------------------------------------------------------


def test_page_shows_name_area_phase_decisions_and_parties(client, db):
    origin = make_origin(
        resident=False, party_name="Eskilstuna kommun", call=make_call(), purpose="Syftet."
    )
    initiative = make_hub_initiative(
        "Promenadvänner", summary="Äldre går tillsammans.", origin=origin
    )
    decide(
        initiative,
        outcome="go_on",
        to_phase="concept",
        rationale=f"{SECRET} resonemang om budget.",
        decided_on=date(2026, 3, 12),
        actor=None,
    )
    _db.session.commit()
    body = page_of(client, initiative)
    assert "<h1>Promenadvänner</h1>" in body
    assert ELDERLY in body
    assert 'aria-current="step" class="hub-step-current">Konceptfas' in body
    assert "Går vidare till nästa fas" in body and "Idéfas → Konceptfas" in body
    assert "Eskilstuna kommun" in body  # the submitter's party
    assert "Västerås stad" in body  # the host party of the call
    assert SECRET not in body  # the rationale is not published
    assert origin.submitter.name not in body  # an employee is never named


def test_page_address_carries_the_name(client):
    initiative = make_hub_initiative("Sensorer som larmar vid fall")
    response = client.get(f"/hubb/{initiative.id}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/hubb/{initiative.id}-sensorer-som-larmar-vid-fall"
    wrong = client.get(f"/hubb/{initiative.id}-gammalt-namn")
    assert wrong.status_code == 301
    assert client.get(wrong.headers["Location"]).status_code == 200


def test_unpublished_and_unknown_initiatives_are_404_alike(client):
    hidden = make_hub_initiative("Hemligt", publish=False)
    for url in (f"/hubb/{hidden.id}", f"/hubb/{hidden.id}-hemligt", "/hubb/999999-x"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Hemligt" not in html(response)


def test_private_canvas_fields_never_appear_anywhere(client, private_origin):
    initiative = make_hub_initiative("Promenadvänner", origin=private_origin, fields=("purpose",))
    body = page_of(client, initiative)
    assert "Äldre och frivilliga går tillsammans." in body  # the public field
    assert SECRET not in body
    assert everywhere(client, SECRET) == dict.fromkeys(
        ("list", "search", "feed", "showroom"), False
    )
    assert "Promenadvänner" in html(client.get("/hubb?q=frivilliga"))


def test_responsible_is_never_shown_even_if_stored_as_public(client, private_origin):
    initiative = make_hub_initiative("Promenadvänner", origin=private_origin)
    publication = _db.session.get(Publication, initiative.id)
    publication.public_fields = ["summary", "responsible", "follow_up"]  # not through the form
    _db.session.commit()
    body = page_of(client, initiative)
    assert f"{SECRET} uppföljning" in body  # follow_up was chosen
    assert "070-123 45 67" not in body and "Kim Invånare" not in body
    assert "070-123" not in client.get("/hubb/flode.atom").get_data(as_text=True)
    assert "Promenadvänner" not in html(client.get("/hubb?q=070"))


def test_published_rationale_and_insight_appear_unpublished_ones_do_not(client):
    initiative = make_hub_initiative("Promenadvänner")
    first = decide(
        initiative,
        outcome="go_on",
        to_phase="concept",
        rationale="Stor invånarnytta.",
        decided_on=date(2026, 3, 1),
        actor=None,
    )
    decide(
        initiative,
        outcome="stay",
        to_phase="concept",
        rationale=f"{SECRET} intern motivering.",
        decided_on=date(2026, 4, 1),
        actor=None,
    )
    shown = Insight(initiative_id=initiative.id, noted_on=date(2026, 4, 2), text="Par fungerar.")
    hidden = Insight(
        initiative_id=initiative.id, noted_on=date(2026, 4, 3), text=f"{SECRET} intern insikt."
    )
    _db.session.add_all([shown, hidden])
    _db.session.commit()
    services.update_publication(
        initiative,
        published=True,
        public_fields=["summary"],
        public_rationales=[first.id],
        public_insights=[shown.id],
        expected_version=None,
        actor=None,
    )
    _db.session.commit()
    body = page_of(client, initiative)
    assert "Stor invånarnytta." in body and "Par fungerar." in body
    assert SECRET not in body
    assert "Promenadvänner" in html(client.get("/hubb?q=par+fungerar"))
    assert everywhere(client, SECRET) == dict.fromkeys(
        ("list", "search", "feed", "showroom"), False
    )


@pytest.mark.parametrize(
    ("consent", "show", "named"), [(False, False, False), (True, False, False), (True, True, True)]
)
def test_a_resident_is_named_only_with_consent_and_choice(client, consent, show, named):
    origin = make_origin(name="Johanna Berg", consent=consent, purpose="Idé.")
    initiative = make_hub_initiative("Promenadvänner", origin=origin)
    if show:
        services.update_publication(
            initiative,
            published=True,
            public_fields=["summary"],
            show_submitter_name=True,
            expected_version=None,
            actor=None,
        )
        _db.session.commit()
    body = page_of(client, initiative)
    assert ("Johanna Berg" in body) is named
    assert "Idén kom från" in body


def test_related_initiatives_are_the_published_linked_ones(client):
    from portal.submissions.models import submission_links

    a, b, c = (make_origin(purpose=t) for t in ("A", "B", "C"))
    first = make_hub_initiative("Promenadvänner", origin=a)
    make_hub_initiative("Fallträning", origin=b)
    make_hub_initiative("Hemlig granne", origin=c, publish=False)
    for other in (b, c):
        low, high = sorted((a.id, other.id))
        _db.session.execute(submission_links.insert().values(low_id=low, high_id=high))
    _db.session.commit()
    body = page_of(client, first)
    assert "Fallträning" in body and "Hemlig granne" not in body


# --- unpublishing ---------------------------------------------------------------------------


def test_unpublishing_removes_everywhere_at_once(client, login_as, app):
    initiative = make_hub_initiative("Promenadvänner", summary="Äldre går.")
    assert everywhere(client, "Promenadvänner") == dict.fromkeys(
        ("list", "search", "feed", "showroom"), True
    )
    login_as("process_support")
    from tests.conftest import post_form

    response = post_form(
        client,
        f"/initiativ/{initiative.id}/avpublicera",
        {},
        page=f"/initiativ/{initiative.id}/publicering",
    )
    assert response.status_code == 302
    anonymous = app.test_client()
    assert anonymous.get(f"/hubb/{initiative.id}", follow_redirects=True).status_code == 404
    assert everywhere(anonymous, "Promenadvänner") == dict.fromkeys(
        ("list", "search", "feed", "showroom"), False
    )


# --- the showroom ---------------------------------------------------------------------------


def test_showroom_groups_ongoing_initiatives_by_phase(client):
    make_hub_initiative("Promenadvänner", phase=Phase.PILOT)
    make_hub_initiative("Sensorer", phase=Phase.CONCEPT)
    make_hub_initiative("Avslutat projekt", phase=Phase.CLOSED)
    make_hub_initiative("Opublicerat", phase=Phase.PILOT, publish=False)
    index = html(client.get("/showroom"))
    assert "2 pågående initiativ" in index
    initiative = make_hub_initiative(
        "Läxhjälp", area_name="Alla barn och unga uppnår sin fulla potential"
    )
    response = client.get(f"/showroom/{initiative.portfolio_id}")
    assert response.status_code == 301
    elderly = client.get("/showroom", follow_redirects=True)
    assert elderly.status_code == 200
    from tests.process_factories import area

    body = html(client.get(f"/showroom/{area().portfolio_id}", follow_redirects=True))
    pilot = body.index('id="fas-pilot"')
    concept = body.index('id="fas-concept"')
    assert body.index("Sensorer") > concept and body.index("Sensorer") < pilot
    assert body.index("Promenadvänner") > pilot
    assert "Avslutat projekt" not in body and "Opublicerat" not in body and "Läxhjälp" not in body
    assert 'data-hx-trigger="every 60s"' in body
    assert 'http-equiv="refresh"' not in body


def test_showroom_poll_gets_only_the_board(client):
    from tests.process_factories import area

    make_hub_initiative("Promenadvänner")
    url = html(client.get(f"/showroom/{area().portfolio_id}", follow_redirects=True))
    response = client.get(
        f"/showroom/{area().portfolio_id}-valmaende-och-sjalvstandiga-aldre",
        headers={"HX-Request": "true"},
    )
    body = html(response)
    assert response.status_code == 200 and "Promenadvänner" in url
    assert body.lstrip().startswith('<div id="showroom-board"') and "<html" not in body


def test_showroom_turns_screens_of_a_few_initiatives_per_phase(client, app):
    for n in range(5):
        make_hub_initiative(f"Pilot {n}", phase=Phase.PILOT)
    make_hub_initiative("Idé", phase=Phase.IDEA)
    portfolio = _db.session.scalar(select(Publication)).initiative.portfolio_id
    app.config["HUB_SHOWROOM_ROWS"] = 2
    try:
        first = html(client.get(f"/showroom/{portfolio}", follow_redirects=True))
        last = html(client.get(f"/showroom/{portfolio}?sida=99", follow_redirects=True))
        odd = html(client.get(f"/showroom/{portfolio}?sida=abc", follow_redirects=True))
    finally:
        app.config.pop("HUB_SHOWROOM_ROWS")
    assert "Sida 1 av 3" in first and "Pilot 0" in first and "Pilot 1" in first
    assert "Pilot 2" not in first and "Idé" in first
    assert 'href="/showroom/2-valmaende-och-sjalvstandiga-aldre?sida=2">Nästa sida' in first
    assert 'data-hx-get="/showroom/2-valmaende-och-sjalvstandiga-aldre?sida=2"' in first
    assert 'data-hx-trigger="every 20s"' in first  # turns faster than it refreshes
    assert '<span class="showroom-count">5</span>' in first  # the phase's count, not the page's
    assert "Sida 3 av 3" in last and "Pilot 4" in last and "Pilot 0" not in last
    assert ">Första sidan</a>" in last and "Visas på en annan sida." in last  # Idé was on 1
    assert "Sida 1 av 3" in odd


def test_showroom_kiosk_mode_has_no_login_menu_or_language_and_keeps_kiosk_when_turning(
    client, app
):
    for n in range(7):
        make_hub_initiative(f"Pilot {n}", phase=Phase.PILOT)
    portfolio = _db.session.scalar(select(Publication)).initiative.portfolio_id
    body = html(client.get(f"/showroom/{portfolio}?kiosk=1", follow_redirects=True))
    assert "Logga in" not in body and "Huvudmeny" not in body and "In English" not in body
    assert "Sida 1 av 2" in body
    assert 'href="/showroom/2-valmaende-och-sjalvstandiga-aldre?sida=2&amp;kiosk=1"' in body
    assert "Logga in" in html(client.get(f"/showroom/{portfolio}", follow_redirects=True))


def test_unknown_showroom_is_404(client):
    assert client.get("/showroom/99999").status_code == 404


# --- the feeds --------------------------------------------------------------------------------


def test_initiative_feed_is_valid_atom_of_published_initiatives(client):
    make_hub_initiative("Promenadvänner", summary="Äldre & frivilliga <går> tillsammans.")
    make_hub_initiative("Opublicerat", publish=False)
    make_hub_initiative("Kontroll\x0btecken <script>alert(1)</script>")
    root = feed(client)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    assert sorted(feed_titles(root)) == [
        "Kontrolltecken <script>alert(1)</script>",
        "Promenadvänner",
    ]
    entry = next(
        e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Promenadvänner"
    )
    assert entry.findtext(f"{ATOM}summary") == "Äldre & frivilliga <går> tillsammans."
    assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/hubb/")
    for required in ("id", "updated", "published"):
        assert entry.findtext(f"{ATOM}{required}")


def test_initiative_feed_summary_only_when_the_summary_is_public(client, private_origin):
    make_hub_initiative(
        "Promenadvänner", summary=f"{SECRET} sammanfattning.", origin=private_origin, fields=()
    )
    text = client.get("/hubb/flode.atom").get_data(as_text=True)
    assert "Promenadvänner" in text and SECRET not in text
    assert "Idéfas inom Välmående och självständiga äldre." in text


def test_calls_feed_lists_open_public_calls_only(client):
    make_call(title="Öppen för invånare", slug="oppen")
    make_call(title="Bara personal", slug="personal", audience="staff")
    make_call(title="Utkast", slug="utkast", published=False)
    make_call(title="Stängd", slug="stangd", opens_in_days=-30, closes_in_days=-1)
    make_call(title="Kommande", slug="kommande", opens_in_days=3, closes_in_days=30)
    root = feed(client, "/utlysningar/flode.atom")
    assert feed_titles(root) == ["Öppen för invånare"]
    entry = next(root.iter(f"{ATOM}entry"))
    assert entry.find(f"{ATOM}link").get("href") == "http://localhost/utlysningar/oppen"


def test_call_page_links_to_the_hub(client):
    call = make_call(slug="barn")
    body = html(client.get("/utlysningar/barn"))
    portfolio = call.focus_areas[0].portfolio_id
    assert f'href="/hubb?fokusomrade={portfolio}"' in body
    assert 'href="/utlysningar/flode.atom"' in html(client.get("/utlysningar"))


def test_navigation_has_the_hub_for_everyone(client):
    assert '<a href="/hubb">Hubben</a>' in html(client.get("/utlysningar"))


# --- process support decides what is published -------------------------------------------


@pytest.mark.parametrize("role", ["employee", "core_team", "expert", "board"])
def test_only_process_support_and_admin_reach_the_publication_controls(client, login_as, role):
    initiative = make_hub_initiative("Promenadvänner", publish=False)
    login_as(role)
    assert client.get(f"/initiativ/{initiative.id}/publicering").status_code == 403
    for url in (
        f"/initiativ/{initiative.id}/publicering",
        f"/initiativ/{initiative.id}/avpublicera",
    ):
        token = html(client.get("/konto")).split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post(url, data={"csrf_token": token, "published": "y"}).status_code == 403
    assert _db.session.get(Publication, initiative.id) is None


@pytest.mark.parametrize("role", ["process_support", "admin"])
def test_process_support_publishes_with_chosen_texts_and_an_audit_entry(
    client, login_as, role, app
):
    from portal.audit import AuditEntry
    from tests.conftest import post_form

    origin = make_origin(purpose="Äldre går.", follow_up=f"{SECRET}.")
    initiative = make_hub_initiative("Promenadvänner", origin=origin, publish=False)
    login_as(role)
    form = html(client.get(f"/initiativ/{initiative.id}/publicering"))
    assert "Äldre går." in form and f"{SECRET}." in form  # each text shown before it is chosen
    assert 'value="responsible"' not in form
    response = post_form(
        client,
        f"/initiativ/{initiative.id}/publicering",
        {"published": "y", "public_fields": ["purpose"], "version": "0"},
    )
    assert response.status_code == 302
    publication = _db.session.get(Publication, initiative.id)
    assert publication.published and publication.public_fields == ["purpose"]
    entry = _db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "publication_changed", AuditEntry.object_id == initiative.id
        )
    )
    assert entry.changes["published"] == [False, True]
    assert "Äldre går." in page_of(app.test_client(), initiative)


def test_second_save_gets_conflict_not_overwrite(client, login_as):
    from tests.conftest import post_form

    initiative = make_hub_initiative("Promenadvänner", summary="Äldre går.")
    login_as("process_support")
    stale = {"published": "y", "public_fields": [], "version": "0"}  # loaded before a save
    response = post_form(client, f"/initiativ/{initiative.id}/publicering", stale)
    assert response.status_code == 409
    assert "Publiceringen har ändrats" in html(response)
    assert _db.session.get(Publication, initiative.id).public_fields == ["summary"]


def test_name_needs_consent(client, login_as):
    from tests.conftest import post_form

    origin = make_origin(purpose="Idé.", consent=False)
    initiative = make_hub_initiative("Promenadvänner", origin=origin, publish=False)
    login_as("process_support")
    response = post_form(
        client,
        f"/initiativ/{initiative.id}/publicering",
        {"published": "y", "show_submitter_name": "y", "version": "0"},
    )
    assert response.status_code == 422
    assert "har inte gett sitt samtycke" in html(response)
    assert _db.session.get(Publication, initiative.id) is None


def test_responsible_cannot_be_chosen(client, login_as):
    from tests.conftest import post_form

    origin = make_origin(purpose="Idé.", responsible="Kim, 070-1")
    initiative = make_hub_initiative("Promenadvänner", origin=origin, publish=False)
    login_as("process_support")
    response = post_form(
        client,
        f"/initiativ/{initiative.id}/publicering",
        {"published": "y", "public_fields": ["responsible"], "version": "0"},
    )
    assert response.status_code == 422
    assert _db.session.get(Publication, initiative.id) is None


def test_initiative_page_links_to_the_publication(client, login_as):
    initiative = make_hub_initiative("Promenadvänner")
    login_as("process_support")
    body = html(client.get(f"/initiativ/{initiative.id}"))
    assert f'href="/initiativ/{initiative.id}/publicering"' in body
    assert f'href="/hubb/{initiative.id}-promenadvanner"' in body


def test_the_parties_of_a_page_read_the_duplicates_index_when_none_is_a_duplicate(client, db):
    """Most submissions are no duplicate. After ANALYZE, SQLite once counted their NULLs as
    one key of every row and scanned the table for each page of the hub (0.7 s at 100 000
    submissions): the partial index holds only duplicates, so the plan is a search."""
    from sqlalchemy import text

    from portal.hub import public

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner and statistics")
    initiative = make_hub_initiative("Promenadvänner", origin=make_origin())
    # 400 drafts copied from the origin: none of them a duplicate
    from portal.submissions.models import Submission

    nulls = {"id", "reg_number", "reg_year", "reg_seq", "duplicate_of_id"}
    columns = [c.name for c in Submission.__table__.columns if c.name not in nulls]
    values = ["'draft'" if c == "state" else c for c in columns]
    copy = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) "
    copy += f"INSERT INTO submissions ({', '.join(columns)}) "
    copy += f"SELECT {', '.join(values)} FROM submissions, n WHERE submissions.id = :id"  # noqa: S608
    db.session.execute(text(copy), {"id": initiative.origin_submission_id})
    db.session.execute(text("ANALYZE"))
    statement = public.participant_pairs([initiative.id])
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = [row[3] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))]
    assert not [step for step in plan if step.startswith("SCAN submissions")], plan
    assert any("ix_submissions_duplicate_of_id" in step for step in plan), plan
    db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    db.session.commit()
    assert client.get("/hubb").status_code == 200
