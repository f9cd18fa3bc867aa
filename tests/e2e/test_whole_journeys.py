"""Whole journeys across the portal's capabilities, in Chromium, through the pages only.

Each capability has its own tests; these follow one story across the hand-overs between them,
as the people involved would: a resident, an employee, process support, an expert, the Core
Team and the board, each in a browser of their own, clicking and typing, and opening the links
in the e-mails the portal sent (caught by a real SMTP server). Accounts and a call are set up
with factories before a journey starts; nothing after that is posted or called directly. The
database is read only to prove an effect (one submission, one decision).
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.evaluation.models import Decision, Initiative, Phase
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.reference.models import Criterion
from portal.submissions.models import Submission
from tests.e2e.conftest import log_in_here, login, screenshot
from tests.e2e.steps import (
    decide_at_meeting,
    link_in,
    nav,
    plan_meeting,
    put_on_agenda,
    request_rating,
    today,
)
from tests.factories import make_call
from tests.process_factories import make_initiative, set_budget

pytestmark = pytest.mark.e2e

SUPPORT = "processtod@example.org"
CORE_TEAM = "coreteam@example.org"
CHILDREN = "Alla barn och unga uppnår sin fulla potential"
GO_ON = "Går vidare till nästa fas"


def png(path: Path, colour: tuple[int, int, int]) -> Path:
    """A small PNG, as a person's photo of a sketch would be (smaller)."""
    out = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


@contextlib.contextmanager
def answer_held(app, path: str) -> Iterator[threading.Event]:
    """The first POST to `path` is handled (and committed) as usual, but its answer is held
    back, as on a slow line, until the block ends; the event is set once it is held."""
    inner = app.wsgi_app
    held, release, lock, first = threading.Event(), threading.Event(), threading.Lock(), [True]

    def holding(environ, start_response):
        with lock:
            hold = first[0] and environ["REQUEST_METHOD"] == "POST"
            hold = hold and environ["PATH_INFO"] == path
            first[0] = first[0] and not hold
        answer = inner(environ, start_response)
        if not hold:
            return answer
        body = b"".join(answer)  # the view has run and committed
        if hasattr(answer, "close"):
            answer.close()
        held.set()
        release.wait(timeout=30)
        return [body]

    app.wsgi_app = holding
    try:
        yield held
    finally:
        release.set()
        app.wsgi_app = inner


def count(model, *where) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- 1. a resident's idea to the hub ----------------------------------------------------------

RESIDENT = "Maja Lindqvist"
RESIDENT_EMAIL = "maja.lindqvist@example.org"
IDEA = "Cykelbuss till Skiljeboskolan"
QUESTION = "Hur många barn tror du vill vara med, och vilken sträcka tänker du på?"


def test_residents_idea_goes_through_triage_and_a_priority_meeting_to_the_hub(
    app, page_factory, smtp, tmp_path
):
    call = make_call(title="Barn i rörelse", question="Hur motiverar vi barn att röra på sig mer?")

    # A resident finds the call on the start page and answers it with a sketch: one click.
    resident = page_factory()
    resident.goto("/")
    card = resident.locator(".call-card", has=resident.get_by_role("heading", name=call.title))
    card.get_by_role("link", name=f"Svara – {call.title}").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text(call.title)

    resident.get_by_label("Idé", exact=True).check()
    resident.get_by_label("Projektnamn").fill(IDEA)
    resident.get_by_label("Syfte, behov, målgrupp").fill(
        "Barnen i Skiljebo åker bil de sista 800 metrarna. En vuxen cyklar före, barnen hakar på."
    )
    resident.get_by_label("Bild eller dokument som visar idén").set_input_files(
        png(tmp_path / "karta.png", (30, 120, 200))
    )
    resident.get_by_label("Ditt namn").fill(RESIDENT)
    resident.get_by_label("Din e-postadress").fill(RESIDENT_EMAIL)
    # An impatient person on a slow line: the first sending is registered but its answer is
    # slow to come, so they click again. The browser drops the first answer, and the session
    # cookie in it, and shows the second's.
    posts = []
    resident.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    send = resident.get_by_role("button", name="Skicka in")
    send.scroll_into_view_if_needed()
    box = send.bounding_box()
    with answer_held(app, f"/utlysningar/{call.slug}") as first_registered:
        send.click(no_wait_after=True)
        assert first_registered.wait(timeout=10)
        # The page waits for its answer: the same button, clicked again with the mouse.
        resident.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(resident).to_have_url(re.compile(r"/kvitto/\d+$"))

    expect(resident.get_by_role("heading", level=1)).to_have_text(
        "Tack! Vi har tagit emot ditt bidrag"
    )
    assert len(posts) == 2, posts  # both reached the portal
    expect(resident.locator(".flash-info")).to_have_text(
        "Ditt bidrag är redan inskickat. Här är kvittot."
    )
    number = resident.locator(".reg-number").inner_text()
    assert re.fullmatch(rf"SK-{today().year}-\d{{4}}", number)
    assert count(Submission, Submission.title == IDEA) == 1
    screenshot(resident, "journey-1a-receipt")

    receipts = smtp.wait_for_mail(RESIDENT_EMAIL, f"Vi har tagit emot ditt bidrag {number}")
    assert len(receipts) == 1
    private = link_in(smtp, receipts[0], r"/mitt-bidrag/[^/]+$")
    resident.goto(private)
    expect(resident.get_by_role("heading", level=1)).to_have_text(IDEA)
    expect(resident.locator(".panel .badge")).to_have_text("Inkommen")

    # Process support finds it in the inbox and asks for more.
    support = page_factory()
    login(support, SUPPORT)
    nav(support, "Inkorg")
    row = support.locator(".inbox-table tbody tr", has_text=IDEA)
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Inkommen")
    row.get_by_role("link", name=number).click()
    expect(support.get_by_role("heading", level=1)).to_have_text(f"{number} {IDEA}")
    support.locator("summary", has_text="Be om komplettering").click()  # the decision's form
    support.get_by_label("Fråga till inlämnaren").fill(QUESTION)
    support.get_by_role("button", name="Skicka frågan").click()
    expect(support.locator(".flash-success")).to_have_text("Frågan är skickad till inlämnaren.")
    expect(support.locator(".panel .badge")).to_have_text("Väntar på komplettering")

    # The resident answers through the link in the question's e-mail.
    asked = smtp.wait_for_mail(RESIDENT_EMAIL, f"Processtödet har en fråga om ditt bidrag {number}")
    assert len(asked) == 1
    assert QUESTION in smtp.body(asked[0])
    resident.goto(link_in(smtp, asked[0], r"/mitt-bidrag/[^/]+/komplettera$"))
    expect(resident.get_by_role("heading", level=1)).to_have_text(f"Komplettera {number}")
    question = resident.get_by_role("region", name="Processtödets fråga")
    expect(question).to_contain_text(QUESTION)
    resident.get_by_label("Invånarnytta").fill(
        "Ett tjugotal barn i årskurs 2–4, sträckan Skiljebo–skolan längs Kopparbergsvägen."
    )
    resident.get_by_label("Fler bilagor").set_input_files(
        png(tmp_path / "sträcka.png", (40, 160, 60))
    )
    screenshot(resident, "journey-1b-komplettera")
    resident.get_by_role("button", name="Spara ändringarna").click()
    expect(resident.locator(".flash-success")).to_have_text("Tack! Dina ändringar är sparade.")
    expect(resident.locator(".panel .badge")).to_have_text("Inkommen")

    # One submission and one receipt, however often the button was pressed.
    assert count(Submission, Submission.title == IDEA) == 1
    assert count(OutboxMessage, OutboxMessage.template == "submission_receipt") == 1
    assert len(smtp.wait_for_mail(RESIDENT_EMAIL, "Vi har tagit emot ditt bidrag")) == 1

    # Back in the inbox with the completion; classified and taken into the portfolio.
    nav(support, "Inkorg")
    row = support.locator(".inbox-table tbody tr", has_text=IDEA)
    expect(row.locator(".badge")).to_have_text("Inkommen")
    row.get_by_role("link", name=number).click()
    expect(support.locator("details.record summary")).to_have_count(2)
    expect(support.locator("details.record summary").nth(1)).to_contain_text("Komplettering")
    files = support.locator("h2:has-text('Bifogade filer') + ul li")
    expect(files).to_have_count(2)
    expect(support.locator(".timeline")).to_contain_text("Bifogade filer: – → sträcka.png")
    screenshot(support, "journey-1c-triage")
    support.locator("summary", has_text="Klassning").click()
    support.get_by_label("Fokusområde").select_option(label=CHILDREN)
    support.get_by_role("button", name="Spara klassningen").click()
    expect(support.locator(".flash-success")).to_have_text("Klassningen är sparad.")
    support.get_by_role("button", name="Ta in i portfölj").click()
    expect(support.locator(".flash-success")).to_have_text(
        f"Inlämningen är tagen in i portföljen för {CHILDREN} som ett initiativ i idéfas."
    )
    [accepted] = smtp.wait_for_mail(RESIDENT_EMAIL, f"Ditt bidrag {number} går vidare")
    resident.goto(link_in(smtp, accepted, r"/mitt-bidrag/[^/]+$"))
    expect(resident.locator(".panel .badge")).to_have_text("I portfölj")

    # A priority meeting today; the Core Team decides it goes on to Konceptfas.
    meeting = plan_meeting(
        support, held_on=today(), focus_area=CHILDREN, title="Primöte barn och unga"
    )
    put_on_agenda(support, meeting, IDEA)

    core = page_factory()
    login(core, CORE_TEAM)
    nav(core, "Primöten")
    core.get_by_role("link", name="Primöte barn och unga").click()
    item = decide_at_meeting(
        core, meeting, IDEA, GO_ON, "Enkel att pröva och flera skolor har frågat efter det."
    )
    expect(item.locator(".decision")).to_contain_text("Idéfas → Konceptfas")
    initiative = _db.session.scalar(select(Initiative).where(Initiative.title == IDEA))
    assert initiative.phase == Phase.CONCEPT
    decisions = _db.session.scalars(
        select(Decision).where(Decision.initiative_id == initiative.id)
    ).all()
    assert [(d.from_phase, d.to_phase, d.decided_on) for d in decisions] == [
        ("idea", "concept", today())
    ]

    # Process support publishes it, from the submission's page; anyone finds it in the hub.
    nav(support, "Inkorg")
    support.get_by_role("link", name="I portfölj").click()
    support.locator(".inbox-table").get_by_role("link", name=number).click()
    support.get_by_role("link", name=IDEA, exact=True).click()
    expect(support.get_by_role("heading", level=1)).to_have_text(IDEA)
    support.get_by_role("link", name="Publicering i hubben").click()
    support.get_by_label("Visa initiativet i den öppna hubben").check()
    support.get_by_label("Syfte, behov, målgrupp").check()
    support.get_by_role("button", name="Spara publiceringen").click()
    expect(support.locator(".flash-success")).to_have_text(
        "Publiceringen är sparad. Initiativet syns i hubben."
    )

    visitor = page_factory()
    visitor.goto("/")
    nav(visitor, "Hubben")
    visitor.get_by_role("searchbox", name="Sök").fill("cykelbuss")
    card = visitor.locator(".hub-card", has_text=IDEA)
    expect(card).to_have_count(1)
    card.get_by_role("link", name=IDEA).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(IDEA)
    expect(visitor.locator(".hub-facts .badge")).to_have_text("Konceptfas")
    screenshot(visitor, "journey-1-hub")


# --- 2. an employee's draft to a pilot --------------------------------------------------------

EMPLOYEE = "anna.eskilstuna@example.org"
ELDERLY = "Välmående och självständiga äldre"
DRAFT = "Trygghetsringning för äldre som bor ensamma"


def test_employees_draft_is_submitted_once_and_decided_into_a_pilot(page_factory, smtp, tmp_path):
    # An employee starts on a draft with a photo and saves it.
    employee = page_factory()
    login(employee, EMPLOYEE)
    nav(employee, "Lämna in")
    employee.get_by_label("Utmaning eller behov").check()
    employee.get_by_label("Projektnamn").fill(DRAFT)
    employee.get_by_label("Syfte, behov, målgrupp").fill(
        "Äldre som bor ensamma i Eskilstuna hör ibland inte av sig på flera dagar."
    )
    employee.get_by_label("Bild eller dokument som visar idén").set_input_files(
        png(tmp_path / "telefonlista.png", (200, 120, 30))
    )
    employee.get_by_role("button", name="Spara utkast").click()
    expect(employee.locator(".flash-success")).to_have_text(
        "Utkastet är sparat. Du hittar det under Mina inlämningar."
    )

    # Later: back to it from "Mina inlämningar", and sent.
    nav(employee, "Mina inlämningar")
    drafts = employee.locator("table", has=employee.locator("caption", has_text="Dina utkast"))
    drafts.get_by_role("link", name=DRAFT).click()
    expect(employee.get_by_label("Projektnamn")).to_have_value(DRAFT)
    expect(employee.locator("main form")).to_contain_text("telefonlista.png")
    employee.get_by_label("Fokusområde").select_option(label=ELDERLY)
    employee.get_by_role("button", name="Skicka in").click()
    expect(employee.get_by_role("heading", level=1)).to_have_text(
        "Tack! Vi har tagit emot ditt bidrag"
    )
    number = employee.locator(".reg-number").inner_text()

    # Back: the same address is now the form to complete the sent submission. It says it is
    # sent and has no "Skicka in"; there is one submission and one receipt.
    employee.go_back()
    expect(employee.get_by_role("heading", level=1)).to_have_text(f"Komplettera {number}")
    expect(employee.locator("p.lead")).to_contain_text("Inlämningen är redan inskickad.")
    expect(employee.get_by_role("button", name="Skicka in")).to_have_count(0)
    assert count(Submission, Submission.title == DRAFT) == 1
    assert len(smtp.wait_for_mail(EMPLOYEE, f"Vi har tagit emot ditt bidrag {number}")) == 1

    # Process support takes it into the portfolio the employee chose.
    support = page_factory()
    login(support, SUPPORT)
    nav(support, "Inkorg")
    support.locator(".inbox-table").get_by_role("link", name=number).click()
    expect(support.get_by_role("heading", level=1)).to_have_text(f"{number} {DRAFT}")
    support.get_by_role("button", name="Ta in i portfölj").click()
    expect(support.locator(".flash-success")).to_have_text(
        f"Inlämningen är tagen in i portföljen för {ELDERLY} som ett initiativ i idéfas."
    )
    [accepted] = smtp.wait_for_mail(EMPLOYEE, f"Ditt bidrag {number} går vidare")

    # The Core Team: Idéfas → Konceptfas at today's priority meeting, then Konceptfas →
    # Pilotfas on the initiative page, a decision outside a meeting dated today.
    meeting = plan_meeting(support, held_on=today(), focus_area=ELDERLY, title="Primöte äldre")
    put_on_agenda(support, meeting, DRAFT)
    core = page_factory()
    login(core, CORE_TEAM)
    nav(core, "Primöten")
    core.get_by_role("link", name="Primöte äldre").click()
    item = decide_at_meeting(core, meeting, DRAFT, GO_ON, "Stort behov i alla kommuner.")
    expect(item.locator(".decision")).to_contain_text("Idéfas → Konceptfas")

    item.get_by_role("link", name=DRAFT).click()
    expect(core.get_by_role("heading", level=1)).to_have_text(DRAFT)
    outside = core.locator("form[action$='/beslut']")
    outside.get_by_label(GO_ON, exact=True).check()
    expect(outside.get_by_label("Beslutsdatum")).to_have_value(today().isoformat())
    outside.get_by_label("Motivering").fill("Prototypen testad med tio hushåll, pilot i höst.")
    outside.get_by_role("button", name="Registrera beslutet").click()
    expect(core.locator(".flash-success")).to_have_text(
        f"Beslutet är registrerat: {GO_ON}. Initiativet är nu i Pilotfas."
    )
    expect(core.locator(".panel .badge")).to_have_text("Pilotfas")
    decisions = core.locator("#beslut + .table-wrap tbody tr")
    expect(decisions).to_have_count(2)
    expect(decisions.nth(1)).to_contain_text("Utanför primöte")

    initiative = _db.session.scalar(select(Initiative).where(Initiative.title == DRAFT))
    assert initiative.phase == Phase.PILOT
    made = _db.session.scalars(
        select(Decision).where(Decision.initiative_id == initiative.id).order_by(Decision.id)
    ).all()
    assert [(d.from_phase, d.to_phase, d.decided_on, d.meeting_id is None) for d in made] == [
        ("idea", "concept", today(), False),
        ("concept", "pilot", today(), True),
    ]

    # The employee follows it through the link in the e-mail: the submission's state, the
    # initiative's phase, and both decisions on the way there.
    employee.goto(link_in(smtp, accepted, r"/mina-inlamningar/\d+$"))
    expect(employee.get_by_role("heading", level=1)).to_have_text(DRAFT)
    expect(employee.locator(".panel .badge")).to_have_text("I portfölj")
    expect(employee.locator(".panel")).to_contain_text("Initiativet är nu i Pilotfas.")
    timeline = employee.get_by_role("region", name="Så har det gått")
    expect(timeline).to_contain_text("Idéfas till Konceptfas")
    expect(timeline).to_contain_text("Konceptfas till Pilotfas")
    screenshot(employee, "journey-2-mina-inlamningar")


# --- 3. the process around a concept, across roles --------------------------------------------

EXPERT = "expert@example.org"
EXPERT_NAME = "Emil Expertsson"
BOARD = "styrelsen@example.org"
CONCEPT = "Promenadvänner i Västerås"
OTHER = "Digital fika för äldre"
FOLLOW_UP = "Uppföljningstal, perioden och jämförelseperioden"
FIGURES = (
    "Utvärderade idéer",
    "varav förkastade",
    "varav gick till pilot",
    "Piloter",
    "Insikter",
    "Beviljade medel",
)


def follow_up_figures(page) -> dict[str, str]:
    """The board's follow-up figures for the period, as the page shows them."""
    table = page.locator("table", has=page.locator("caption", has_text=FOLLOW_UP))
    return table.locator("tbody tr").evaluate_all(
        "rows => Object.fromEntries(rows.map(r => [r.querySelector('th').innerText.trim(),"
        " r.querySelector('td').innerText.trim()]))"
    )


def test_concept_is_rated_decided_and_funded_and_the_board_sees_it(page_factory, smtp):
    concept = make_initiative(CONCEPT, phase=Phase.CONCEPT)
    other = make_initiative(OTHER, phase=Phase.CONCEPT)
    set_budget(today().year, 500_000)
    criteria = [c.name for c in _db.session.scalars(select(Criterion).order_by(Criterion.position))]

    # The board member looks at the figures before anything happens.
    board = page_factory()
    login(board, BOARD)
    nav(board, "Styrelsens uppföljning")
    before = follow_up_figures(board)
    assert {name: before[name] for name in FIGURES} == {
        "Utvärderade idéer": "0",
        "varav förkastade": "0",
        "varav gick till pilot": "0",
        "Piloter": "0",
        "Insikter": "0",
        "Beviljade medel": "0\u00a0kr",
    }

    # Process support asks the expert to rate both concepts.
    support = page_factory()
    login(support, SUPPORT)
    for title in (CONCEPT, OTHER):
        nav(support, "Initiativ")
        support.get_by_role("link", name=title, exact=True).click()
        request_rating(support, EXPERT_NAME)

    # The expert follows the link in the first e-mail, logs in and rates the concept.
    [asked] = smtp.wait_for_mail(EXPERT, f"Bedöm initiativet ”{CONCEPT}”")
    expert = page_factory()
    expert.goto(link_in(smtp, asked, rf"/initiativ/{concept.id}/bedomning$"))
    log_in_here(expert, EXPERT)
    expect(expert.get_by_role("heading", level=1)).to_have_text(f"Bedöm: {CONCEPT}")
    scores = ("5 – högst", "4", "3", "4", "5 – högst")
    for criterion, score in zip(criteria, scores, strict=True):
        group = expert.get_by_role("group", name=f"Betyg för {criterion}")
        group.get_by_label(score, exact=True).check()
    expert.get_by_label(f"Kommentar om {criteria[0]}").fill("Många äldre bor ensamma.")
    expert.get_by_role("button", name="Spara bedömningen").click()
    expect(expert.locator(".flash-success")).to_have_text("Din bedömning är sparad.")

    # ... notes an insight on it, and declares a conflict of interest on the other.
    expert.get_by_role("link", name="Hela initiativet med inlämningar och beslut").click()
    expert.get_by_label("Insikt", exact=True).fill(
        "Promenaderna blev ett skäl att gå ut även i regn."
    )
    expert.get_by_role("button", name="Spara insikten").click()
    expect(expert.locator(".flash-success")).to_have_text("Insikten är sparad.")
    [asked_other] = smtp.wait_for_mail(EXPERT, f"Bedöm initiativet ”{OTHER}”")
    expert.goto(link_in(smtp, asked_other, rf"/initiativ/{other.id}/bedomning$"))
    expert.get_by_label("Skäl till jävet").fill("Min syster driver fikat i Köping.")
    expert.get_by_role("button", name="Anmäl jäv").click()
    expect(expert.locator(".flash-success")).to_have_text(
        "Ditt jäv är anmält. Du bedömer inte initiativet, och processtödet ser anmälan."
    )

    # A priority meeting today with both; the Core Team decides: one to pilot, one stops.
    meeting = plan_meeting(support, held_on=today(), focus_area=ELDERLY, title="Primöte koncept")
    put_on_agenda(support, meeting, CONCEPT, OTHER)
    core = page_factory()
    login(core, CORE_TEAM)
    nav(core, "Primöten")
    core.get_by_role("link", name="Primöte koncept").click()
    rated = core.locator(".agenda-item", has=core.get_by_role("heading", name=CONCEPT))
    expect(rated.locator(".spider-svg")).to_have_count(1)
    item = decide_at_meeting(
        core, meeting, CONCEPT, GO_ON, "Höga betyg och tre parter vill vara med."
    )
    expect(item.locator(".decision")).to_contain_text("Konceptfas → Pilotfas")
    item = decide_at_meeting(core, meeting, OTHER, "Avslutas", "Finns redan i kommunernas regi.")
    expect(item.locator(".decision")).to_contain_text("Konceptfas → Avslutad")
    screenshot(core, "journey-3a-primote")

    # The Core Team member asks for pilot money; process support, the process leader, decides.
    core.locator(".agenda-item").get_by_role("link", name=CONCEPT).click()
    core.get_by_label("Belopp (kr)").fill("120 000")
    core.get_by_label("Syfte", exact=True).fill("Pilot med tre promenadgrupper under ett halvår.")
    core.get_by_label("Periodens början").fill(today().isoformat())
    core.get_by_label("Periodens slut").fill((today() + timedelta(days=180)).isoformat())
    core.get_by_role("button", name="Skicka ansökan").click()
    expect(core.locator(".flash-success")).to_have_text(
        "Ansökan om 120\u00a0000\u00a0kr är registrerad. "
        "Beslutet fattas av: Processledare (upp till 200 000 kr)."
    )

    nav(support, "Finansiering")
    request = support.locator(".funding-request", has_text=CONCEPT)
    request.get_by_label("Bevilja").check()
    request.get_by_label("Kommentar till beslutet").fill("Ryms i årets budget.")
    request.get_by_role("button", name="Spara beslutet").click()
    expect(support.locator(".flash-success")).to_have_text("120\u00a0000\u00a0kr är beviljat.")

    # The board member sees the journey in the figures.
    board.reload()
    after = follow_up_figures(board)
    assert {name: after[name] for name in FIGURES} == {
        "Utvärderade idéer": "2",
        "varav förkastade": "1",
        "varav gick till pilot": "1",
        "Piloter": "1",
        "Insikter": "1",
        "Beviljade medel": "120\u00a0000\u00a0kr",
    }
    screenshot(board, "journey-3-styrelsen")
