"""Expert ratings through the pages: requests, the rating form, locking, jäv, visibility, e-mail."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.evaluation.initiatives.ratings import criteria
from portal.evaluation.models import (
    ConflictOfInterest,
    Initiative,
    Outcome,
    Phase,
    PriorityMeeting,
    Rating,
    RatingRequest,
)
from portal.evaluation.phases import decide
from portal.extensions import db as _db
from portal.reference.models import FocusArea
from tests.conftest import csrf_from, login
from tests.factories import make_user

AREA = "Välmående och självständiga äldre"


def make_initiative(phase: Phase = Phase.CONCEPT, title: str = "Promenadvänner") -> Initiative:
    area = _db.session.scalar(select(FocusArea).where(FocusArea.name == AREA))
    initiative = Initiative(
        title=title, summary="Äldre går tillsammans.", portfolio=area.portfolio,
        focus_area=area, phase=phase,
    )  # fmt: skip
    _db.session.add(initiative)
    _db.session.commit()
    return initiative


def asked_expert(initiative: Initiative, name: str | None = None):
    expert = make_user(roles={Role.EXPERT}, name=name)
    _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=expert.id))
    _db.session.commit()
    return expert


def score_data(*values, comments: dict[int, str] | None = None) -> dict:
    data = {}
    for n, (criterion, value) in enumerate(zip(criteria(), values, strict=False)):
        if value is not None:
            data[f"score_{criterion.id}"] = str(value)
        data[f"comment_{criterion.id}"] = (comments or {}).get(n, "")
    return data


def token(client) -> str:
    """A CSRF token of the session, from a page that always has a form."""
    return csrf_from(client.get("/konto").get_data(as_text=True))


def switch_to(client, user):
    """Log out, then in as `user`."""
    client.post("/logga-ut", data={"csrf_token": token(client)})
    login(client, user)
    return user


def post_rating(client, initiative, *values, comments=None):
    url = f"/initiativ/{initiative.id}/bedomning"
    data = score_data(*values, comments=comments)
    return client.post(url, data={"csrf_token": token(client), **data})


def stored_scores(initiative, expert) -> list[int]:
    _db.session.expire_all()
    rows = _db.session.scalars(
        select(Rating)
        .where(Rating.initiative_id == initiative.id, Rating.expert_id == expert.id)
        .order_by(Rating.criterion_id)
    ).all()
    return [r.score for r in rows]


def lock_by_meeting(initiative) -> None:
    meeting = PriorityMeeting(held_on=date(2026, 11, 20), portfolio_id=initiative.portfolio_id,
                              title="Primöte november")  # fmt: skip
    _db.session.add(meeting)
    decide(initiative, outcome=Outcome.GO_ON, to_phase=Phase.PILOT, rationale="Bra koncept.",
           decided_on=date(2026, 11, 20), actor=None, meeting=meeting)  # fmt: skip
    _db.session.commit()


def spider_table(html: str) -> list[tuple[str, ...]]:
    """(criterion, average, spread, count) rows of the spider chart's table."""
    body = html.split('class="spider-table"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="num">([^<]*)</td>\s*'
        r'<td class="num">([^<]*)</td>\s*<td class="num">([^<]*)</td>',
        body,
    )


# --- the rating form --------------------------------------------------------------------------


def test_rating_form_shows_five_criteria_with_questions_and_radios(client, login_as):
    initiative = make_initiative()
    expert = asked_expert(initiative)
    login_as(expert)
    html = client.get(f"/initiativ/{initiative.id}/bedomning").get_data(as_text=True)
    names = [c.name for c in criteria()]
    positions = [html.index(f"Betyg för {n.replace('&', '&amp;')}") for n in names]
    assert positions == sorted(positions) and len(names) == 5
    first = criteria()[0]
    assert (
        f'<fieldset class="field " id="score_{first.id}" aria-describedby="score_{first.id}-hint">'
        in html
    )
    assert "Hur stor är den potentiella målgruppen för denna lösning?" in html
    assert html.count('type="radio"') == 25
    assert "1 – lägst" in html and "5 – högst" in html
    assert "Du ser de andra experternas bedömningar när du har lämnat din egen." in html


def test_one_rating_saves_five_rows_and_shows_the_chart(client, login_as):
    initiative = make_initiative()
    expert = asked_expert(initiative)
    login_as(expert)
    response = post_rating(client, initiative, 5, 4, 3, 2, 1, comments={0: "Stort behov."})
    assert response.status_code == 302
    assert stored_scores(initiative, expert) == [5, 4, 3, 2, 1]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Din bedömning är sparad." in html
    rows = spider_table(html)
    assert rows[0] == ("Invånarnytta", "5,0", "5–5", "1")
    assert rows[4] == ("Koppling till fokusområdena", "1,0", "1–1", "1")
    assert "Snitt 3,0 av 5 från 1 bedömning." in html
    assert "Stort behov." in html
    audit = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rated"))
    assert audit.actor_id == expert.id and audit.changes["invanarnytta"] == [None, 5]


def test_several_ratings_average_exactly_on_the_initiative_page(client, login_as):
    initiative = make_initiative()
    for values in ((5, 4, 3, 2, 1), (3, 4, 5, 2, 2), (4, 1, 4, 2, 4)):
        expert = asked_expert(initiative)
        login(client, expert)
        assert post_rating(client, initiative, *values).status_code == 302
        client.post("/logga-ut", data={"csrf_token": token(client)})
    login_as(Role.CORE_TEAM)
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    assert spider_table(html) == [
        ("Invånarnytta", "4,0", "3–5", "3"),
        ("Partnerskap &amp; samproduktion", "3,0", "1–4", "3"),
        ("Innovationshöjd", "4,0", "3–5", "3"),
        ("Hållbarhet", "2,0", "2–2", "3"),
        ("Koppling till fokusområdena", "2,3", "1–4", "3"),
    ]
    # overall = (4 + 3 + 4 + 2 + 7/3) / 5 = 3.0666…
    assert "Snitt 3,1 av 5 från 3 bedömningar." in html
    assert re.search(r"Totalt snitt</th>\s*<td class=\"num\">3,1</td>", html)


def test_no_ratings_shows_no_zeros(client, login_as):
    initiative = make_initiative()
    login_as(Role.PROCESS_SUPPORT)
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    assert "Inga bedömningar ännu." in html
    assert all(avg == "–" and spread == "–" for _n, avg, spread, _c in spider_table(html))
    assert re.search(r"Totalt snitt</th>\s*<td class=\"num\">–</td>", html)


def test_changing_a_rating_replaces_it(client, login_as):
    initiative = make_initiative()
    other = asked_expert(initiative)
    _db.session.add_all(
        Rating(initiative_id=initiative.id, expert_id=other.id, criterion_id=c.id, score=2)
        for c in criteria()
    )
    _db.session.commit()
    expert = asked_expert(initiative)
    login_as(expert)
    post_rating(client, initiative, 4, 4, 4, 4, 4)
    html = client.get(f"/initiativ/{initiative.id}/bedomning").get_data(as_text=True)
    assert spider_table(html)[0][1] == "3,0"
    first = criteria()[0].id
    assert re.search(
        rf'<input checked id="score_{first}-3" name="score_{first}" [^>]*value="4">', html
    )
    assert post_rating(client, initiative, 5, 4, 4, 4, 4).status_code == 302
    assert stored_scores(initiative, expert) == [5, 4, 4, 4, 4]
    html = client.get(f"/initiativ/{initiative.id}/bedomning").get_data(as_text=True)
    assert spider_table(html)[0] == ("Invånarnytta", "3,5", "2–5", "2")
    assert _db.session.query(Rating).filter_by(expert_id=expert.id).count() == 5


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((0, 3, 3, 3, 3), "Välj ett betyg från 1 till 5 för Invånarnytta."),
        ((3, 3, 6, 3, 3), "Välj ett betyg från 1 till 5 för Innovationshöjd."),
        ((3, 3, 3, None, 3), "Välj ett betyg från 1 till 5 för Hållbarhet."),
        (("x", 3, 3, 3, 3), "Välj ett betyg från 1 till 5 för Invånarnytta."),
    ],
)
def test_invalid_scores_are_refused_in_swedish(client, login_as, values, message):
    initiative = make_initiative()
    expert = asked_expert(initiative)
    login_as(expert)
    response = post_rating(client, initiative, *values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns fel i formuläret" in html and message in html
    assert stored_scores(initiative, expert) == []


def test_too_long_comment_is_refused(client, login_as):
    initiative = make_initiative()
    expert = asked_expert(initiative)
    login_as(expert)
    response = post_rating(client, initiative, 3, 3, 3, 3, 3, comments={1: "x" * 2001})
    assert response.status_code == 422
    assert "Kommentaren får vara högst 2000 tecken." in response.get_data(as_text=True)


def test_locked_after_a_meeting_decision_refuses_changes(client, login_as):
    initiative = make_initiative()
    expert = asked_expert(initiative)
    login_as(expert)
    post_rating(client, initiative, 3, 3, 3, 3, 3)
    lock_by_meeting(initiative)
    html = client.get(f"/initiativ/{initiative.id}/bedomning").get_data(as_text=True)
    assert "Bedömningarna är låsta" in html and 'type="radio"' not in html
    response = post_rating(client, initiative, 5, 5, 5, 5, 5)
    assert response.status_code == 409
    assert "Bedömningarna är låsta" in response.get_data(as_text=True)
    assert stored_scores(initiative, expert) == [3, 3, 3, 3, 3]
    assignments = client.get("/mina-bedomningar").get_data(as_text=True)
    assert ">Låst</span>" in assignments


# --- who sees what ----------------------------------------------------------------------------


def test_others_ratings_are_hidden_until_the_expert_has_rated(client, login_as):
    initiative = make_initiative()
    other = asked_expert(initiative, name="Olle Annan")
    _db.session.add_all(
        Rating(
            initiative_id=initiative.id,
            expert_id=other.id,
            criterion_id=c.id,
            score=4,
            comment="Olles kommentar",
        )  # fmt: skip
        for c in criteria()
    )
    _db.session.commit()
    expert = asked_expert(initiative)
    login_as(expert)
    for url in (f"/initiativ/{initiative.id}/bedomning", f"/initiativ/{initiative.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "Olle Annan" not in html and "Olles kommentar" not in html
        assert "spider-table" not in html
    post_rating(client, initiative, 2, 2, 2, 2, 2)
    for url in (f"/initiativ/{initiative.id}/bedomning", f"/initiativ/{initiative.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "Olle Annan" in html and "Olles kommentar" in html
        assert spider_table(html)[0] == ("Invånarnytta", "3,0", "2–4", "2")


def test_an_expert_not_asked_cannot_see_or_rate(client, login_as):
    initiative = make_initiative()
    asked_expert(initiative)
    login_as(Role.EXPERT)
    assert client.get(f"/initiativ/{initiative.id}").status_code == 403
    assert client.get(f"/initiativ/{initiative.id}/bedomning").status_code == 403
    response = post_rating(client, initiative, 3, 3, 3, 3, 3)
    assert response.status_code == 403
    assert _db.session.query(Rating).count() == 0


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.BOARD, Role.CORE_TEAM, Role.PROCESS_SUPPORT])
def test_only_experts_reach_the_rating_form(client, login_as, role):
    initiative = make_initiative()
    login_as(role)
    assert client.get(f"/initiativ/{initiative.id}/bedomning").status_code == 403
    assert client.get("/mina-bedomningar").status_code == 403


# --- jäv ---------------------------------------------------------------------------------------


def declare(client, initiative, reason):
    url = f"/initiativ/{initiative.id}/bedomning"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        f"/initiativ/{initiative.id}/jav",
        data={"conflict-csrf_token": token, "conflict-reason": reason},
    )


def test_conflict_of_interest_excludes_and_is_recorded(client, login_as):
    initiative = make_initiative()
    expert = asked_expert(initiative, name="Jana Jävig")
    login_as(expert)
    post_rating(client, initiative, 5, 5, 5, 5, 5)
    response = declare(client, initiative, "Min bror driver projektet.")
    assert response.status_code == 302
    assert stored_scores(initiative, expert) == []
    conflict = _db.session.scalar(select(ConflictOfInterest))
    assert conflict.expert_id == expert.id and conflict.reason == "Min bror driver projektet."
    actions = [e.action for e in _db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["ratings_deleted_for_conflict", "conflict_declared"]
    html = client.get(f"/initiativ/{initiative.id}/bedomning").get_data(as_text=True)
    assert "Du har anmält jäv" in html and 'type="radio"' not in html
    response = post_rating(client, initiative, 4, 4, 4, 4, 4)
    assert response.status_code == 409
    assert stored_scores(initiative, expert) == []
    assert ">Jäv anmält</span>" in client.get("/mina-bedomningar").get_data(as_text=True)
    switch_to(client, make_user(roles={Role.PROCESS_SUPPORT}))
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    assert "Jana Jävig" in html and "Min bror driver projektet." in html


def test_conflict_needs_a_reason(client, login_as):
    initiative = make_initiative()
    expert = asked_expert(initiative)
    login_as(expert)
    response = declare(client, initiative, "   ")
    assert response.status_code == 422
    assert "Skriv varför du är jävig." in response.get_data(as_text=True)
    assert _db.session.query(ConflictOfInterest).count() == 0


# --- rating requests -----------------------------------------------------------------------------


def request_experts(client, initiative, *experts):
    url = f"/initiativ/{initiative.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        f"{url}/bedomare", data={"csrf_token": token, "experts": [str(e.id) for e in experts]}
    )


def test_process_support_asks_experts_and_they_get_email(client, login_as, smtp):
    initiative = make_initiative()
    one = make_user(roles={Role.EXPERT}, name="Ebba Expert", email="ebba@example.org")
    two = make_user(roles={Role.EXPERT}, name="Sam Sakkunnig", email="sam@example.org")
    login_as(Role.PROCESS_SUPPORT)
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    assert "Ebba Expert" in html and "Be experter bedöma" in html
    response = request_experts(client, initiative, one, two)
    assert response.status_code == 302
    assert {r.expert_id for r in _db.session.scalars(select(RatingRequest))} == {one.id, two.id}
    messages = smtp.wait_for(2)
    to_ebba = [m for m in messages if m["To"] == "ebba@example.org"]
    assert to_ebba and "Promenadvänner" in to_ebba[0]["Subject"]
    base = client.application.config["BASE_URL"]
    assert f"{base}/initiativ/{initiative.id}/bedomning" in smtp.body(to_ebba[0])
    assert "Hej Ebba Expert!" in smtp.body(to_ebba[0])
    # the expert sees it among their assignments
    switch_to(client, one)
    html = client.get("/mina-bedomningar").get_data(as_text=True)
    assert "Promenadvänner" in html and ">Att bedöma</span>" in html


@pytest.mark.parametrize("phase", [p for p in Phase if p != Phase.CONCEPT])
def test_requests_are_refused_outside_concept_phase(client, login_as, phase):
    initiative = make_initiative(phase)
    expert = make_user(roles={Role.EXPERT})
    login_as(Role.PROCESS_SUPPORT)
    response = request_experts(client, initiative, expert)
    assert response.status_code == 422
    assert "Experter kan bara ombes bedöma initiativ i Konceptfas." in response.get_data(
        as_text=True
    )
    assert _db.session.query(RatingRequest).count() == 0


def test_request_needs_an_expert(client, login_as):
    initiative = make_initiative()
    make_user(roles={Role.EXPERT})
    login_as(Role.PROCESS_SUPPORT)
    response = request_experts(client, initiative)
    assert response.status_code == 422
    assert "Välj minst en expert." in response.get_data(as_text=True)


def test_core_team_sees_ratings_but_cannot_ask(client, login_as):
    initiative = make_initiative()
    expert = make_user(roles={Role.EXPERT})
    login_as(Role.CORE_TEAM)
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    assert "Be experter bedöma" not in html
    response = request_experts(client, initiative, expert)
    assert response.status_code == 403


def test_request_removed_only_while_not_rated(client, login_as):
    initiative = make_initiative()
    rated = asked_expert(initiative)
    _db.session.add_all(
        Rating(initiative_id=initiative.id, expert_id=rated.id, criterion_id=c.id, score=3)
        for c in criteria()
    )
    waiting = asked_expert(initiative)
    _db.session.commit()
    login_as(Role.PROCESS_SUPPORT)
    url = f"/initiativ/{initiative.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    by_expert = {r.expert_id: r.id for r in _db.session.scalars(select(RatingRequest))}
    response = client.post(
        f"{url}/bedomare/{by_expert[rated.id]}/ta-bort", data={"csrf_token": token}
    )
    assert response.status_code == 422
    assert "har redan bedömt initiativet" in response.get_data(as_text=True)
    response = client.post(
        f"{url}/bedomare/{by_expert[waiting.id]}/ta-bort", data={"csrf_token": token}
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert {r.expert_id for r in _db.session.scalars(select(RatingRequest))} == {rated.id}
