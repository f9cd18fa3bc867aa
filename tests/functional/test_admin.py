"""Administration through the test client: users and roles, parties, focus areas, perspectives."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AccountToken, Role, TokenPurpose, User
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.reference.models import FocusArea, Party, Perspective, Portfolio
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_user, party

LINK_RE = re.compile(r"http://localhost(/valkommen/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "grön-cykel-över-mälarbron"
SKOLA = "Skolresultat"
SKOLA_NOW = "Alla barn och unga uppnår sin fulla potential"


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(obj):
    _db.session.expire_all()
    return _db.session.get(type(obj), obj.id)


def audit_actions(obj) -> list[str]:
    return list(
        _db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == obj.id)
            .order_by(AuditEntry.id)
        )
    )


def last_audit(action: str) -> AuditEntry:
    return _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def area(name: str) -> FocusArea:
    return _db.session.scalar(select(FocusArea).where(FocusArea.name == name))


def user_by_email(email: str) -> User | None:
    return _db.session.scalar(select(User).where(User.email == email))


def field_error(html: str, field_id: str) -> str:
    match = re.search(
        rf'<p class="error" id="{field_id}-error"><span class="visually-hidden">Fel:</span> '
        r"([^<]*)</p>",
        html,
    )
    assert match, f"no error on {field_id}"
    return match.group(1)


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN, name="Ada Admin", email="ada@example.org")


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/anvandare",
        "/admin/anvandare/ny",
        "/admin/parter",
        "/admin/parter/ny",
        "/admin/fokusomraden",
        "/admin/fokusomraden/ny",
        "/admin/perspektiv",
        "/admin/perspektiv/ny",
    ],
)
def test_admin_pages_non_admin_gets_403(client, login_as, url):
    login_as(Role.PROCESS_SUPPORT)
    response = client.get(url)
    assert response.status_code == 403
    assert "Du har inte behörighet" in text(response)


def test_admin_post_non_admin_gets_403_and_changes_nothing(client, login_as):
    target = make_user(name="Bo Berg")
    login_as(Role.CORE_TEAM)
    token_page = client.get("/konto")
    response = client.post(
        f"/admin/anvandare/{target.id}",
        data={
            "csrf_token": csrf_from(text(token_page)),
            "name": "Hackad",
            "roles": ["admin"],
        },
    )
    assert response.status_code == 403
    assert fresh(target).name == "Bo Berg"
    assert fresh(target).roles == frozenset({Role.EMPLOYEE})


def test_admin_index_links_to_every_section(client, admin):
    html = text(client.get("/admin/"))
    for href in ("/admin/anvandare", "/admin/parter", "/admin/fokusomraden", "/admin/perspektiv"):
        assert f'href="{href}"' in html


# --- users: list ------------------------------------------------------------------------


def test_users_list_shows_roles_party_and_status(client, admin):
    make_user(name="Cecilia Ceder", email="cecilia@example.org", roles={Role.EXPERT, Role.EMPLOYEE})
    make_user(name="Dan Dal", email="dan@example.org", password=None)
    make_user(name="Eva Ek", email="eva@example.org", active=False)
    response = client.get("/admin/anvandare")
    html = text(response)
    assert response.status_code == 200
    assert '<h2 id="users-heading">4 användare</h2>' in html
    assert '<th scope="col">Roller</th>' in html
    row = re.search(r"<tr>\s*<td><a[^>]*>Cecilia Ceder</a></td>(.*?)</tr>", html, re.S).group(1)
    assert "<td>cecilia@example.org</td>" in row
    assert "<td>Västerås</td>" in row
    assert "<td>Medarbetare, Expert</td>" in row
    assert '<span class="badge badge-ok">Aktiv</span>' in row
    dan = re.search(r"Dan Dal</a></td>(.*?)</tr>", html, re.S).group(1)
    assert '<span class="badge badge-off">Inbjuden</span>' in dan
    eva = re.search(r"Eva Ek</a></td>(.*?)</tr>", html, re.S).group(1)
    assert '<span class="badge badge-off">Avstängd</span>' in eva


def names_listed(html: str) -> list[str]:
    return re.findall(r'<td><a href="/admin/anvandare/\d+">([^<]+)</a></td>', html)


def search_users(client, q: str, **args):
    """Search as the form does: the text posted (never in the address), then the list."""
    response = post_form(client, "/admin/anvandare", {"q": q, **args})
    assert response.status_code == 303
    assert q not in response.headers["Location"] or not q
    return client.get(response.headers["Location"])


def test_users_search_matches_name_or_email_case_insensitively(client, admin):
    make_user(name="Greta Gran", email="greta@example.org")
    make_user(name="Hugo Hök", email="hugo.granlund@example.org")
    make_user(name="Ida Ivarsson", email="ida@example.org")
    assert names_listed(text(search_users(client, "GRAN"))) == [
        "Greta Gran",
        "Hugo Hök",
    ]
    assert names_listed(text(search_users(client, "ida@"))) == ["Ida Ivarsson"]
    # The search stays while the admin moves about, until "Visa alla".
    assert names_listed(text(client.get("/admin/anvandare"))) == ["Ida Ivarsson"]
    assert "Ida Ivarsson" in text(client.get("/admin/anvandare?rensa=1"))
    assert len(names_listed(text(client.get("/admin/anvandare")))) == 4  # with the admin


def test_users_search_treats_percent_literally(client, admin):
    make_user(name="Jon Jern", email="jon@example.org")
    assert names_listed(text(search_users(client, "%"))) == []


def test_users_filter_by_role_and_status(client, admin):
    make_user(name="Karl Kvist", roles={Role.EXPERT})
    make_user(name="Lena Lind", roles={Role.EXPERT}, password=None)
    make_user(name="Mia Mo", roles={Role.BOARD})
    assert names_listed(text(client.get("/admin/anvandare?role=expert"))) == [
        "Karl Kvist",
        "Lena Lind",
    ]
    assert names_listed(text(client.get("/admin/anvandare?role=expert&status=invited"))) == [
        "Lena Lind"
    ]


def test_users_unknown_filter_value_shows_everyone(client, admin):
    make_user(name="Nils Nord")
    assert names_listed(text(client.get("/admin/anvandare?role=kung"))) == [
        "Ada Admin",
        "Nils Nord",
    ]


def test_users_list_paginates_25_per_page_keeping_the_filter(client, admin):
    for n in range(30):
        make_user(name=f"Person {n:02d}", email=f"person{n:02d}@example.org", password=None)
    first = text(search_users(client, "person"))
    assert names_listed(first) == [f"Person {n:02d}" for n in range(25)]
    assert "Sida 1 av 2" in first
    assert 'href="/admin/anvandare?sida=2" rel="next"' in first
    second = text(client.get("/admin/anvandare?sida=2"))
    assert names_listed(second) == [f"Person {n:02d}" for n in range(25, 30)]
    assert "Sida 2 av 2" in second


@pytest.mark.parametrize("sida", [str(10**30), str(2**63), "3", "-1", "0", "abc", "²", ""])
def test_users_list_page_number_out_of_range_shows_a_page_that_exists(client, admin, sida):
    """A page number beyond the list is its last page; one that is not a number, the first.
    10**30 used to reach the database as an OFFSET: 500 (SQLite), 400 (PostgreSQL)."""
    for n in range(30):
        make_user(name=f"Person {n:02d}", email=f"person{n:02d}@example.org", password=None)
    response = client.get(f"/admin/anvandare?sida={sida}")
    assert response.status_code == 200
    if sida.isascii() and sida.isdigit() and int(sida) > 1:  # beyond the last page
        assert names_listed(text(response)) == [f"Person {n:02d}" for n in range(24, 30)]
        assert "Sida 2 av 2" in text(response)
    else:
        assert names_listed(text(response))[:2] == ["Ada Admin", "Person 00"]
        assert "Sida 1 av 2" in text(response)


def test_users_list_as_htmx_returns_only_the_results(client, admin):
    make_user(name="Olle Ost")
    response = post_form(
        client, "/admin/anvandare", {"q": "olle", "role": ""}, headers={"HX-Request": "true"}
    )
    html = text(response)
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/admin/anvandare"  # no name in the address
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html
    assert names_listed(html) == ["Olle Ost"]
    assert "HX-Request" in response.headers["Vary"]


# --- users: invite ----------------------------------------------------------------------


def test_invite_form_shows_parties_and_roles_as_checkboxes(client, admin):
    html = text(client.get("/admin/anvandare/ny"))
    assert '<form method="post" action="/admin/anvandare/ny" novalidate>' in html
    assert "<legend>Roller</legend>" in html
    assert (
        '<p class="hint" id="roles-hint">Välj minst en. En person kan ha flera roller.</p>' in html
    )
    assert '<input checked id="roles-0" name="roles" type="checkbox" value="employee">' in html
    assert '<input id="roles-5" name="roles" type="checkbox" value="admin">' in html
    assert '<label for="roles-5">Administratör</label>' in html
    assert '<option selected value="">Ingen part</option>' in html
    assert f'<option value="{party("Eskilstuna kommun").id}">Eskilstuna kommun</option>' in html


def test_invite_user_valid_sends_email_whose_link_sets_a_password(app, client, admin, smtp):
    eskilstuna = party("Eskilstuna kommun")
    response = post_form(
        client,
        "/admin/anvandare/ny",
        {
            "name": "Petra Palm",
            "email": " Petra.Palm@Example.org ",
            "party": str(eskilstuna.id),
            "roles": ["employee", "expert"],
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/anvandare"
    invited = user_by_email("petra.palm@example.org")
    assert invited.name == "Petra Palm"
    assert invited.party_id == eskilstuna.id
    assert invited.roles == frozenset({Role.EMPLOYEE, Role.EXPERT})
    assert invited.password_hash is None
    assert audit_actions(invited) == ["roles_changed", "user_invited"]
    assert last_audit("user_invited").actor_id == admin.id
    assert "Petra Palm är inbjuden. Inbjudan skickas till petra.palm@example.org." in text(
        client.get("/admin/anvandare")
    )

    messages = smtp.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"] == "petra.palm@example.org"
    assert messages[0]["Subject"] == "Du är inbjuden till Samhällskontraktets idéportal"
    body = smtp.body(messages[0])
    assert "Ada Admin har bjudit in dig" in body
    link = LINK_RE.search(body).group(1)

    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 200
    answer = post_form(newcomer, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert answer.status_code == 302
    assert newcomer.get("/konto").status_code == 200
    assert fresh(invited).password_hash is not None


def test_invite_user_duplicate_email_is_refused_on_the_field(client, admin, smtp):
    make_user(name="Rut Rask", email="rut@example.org")
    response = post_form(
        client,
        "/admin/anvandare/ny",
        {"name": "Rut Rask igen", "email": "RUT@example.org", "party": "", "roles": ["board"]},
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "email") == "Det finns redan en användare med den e-postadressen."
    assert (
        '<a href="#email">E-post: Det finns redan en användare med den e-postadressen.</a>' in html
    )
    assert _db.session.scalar(select(func.count(User.id))) == 2
    assert smtp.wait_for(1, timeout=0.5) == []


def test_invite_user_invalid_form_shows_every_error(client, admin):
    response = post_form(client, "/admin/anvandare/ny", {"name": "", "email": "inte-epost"})
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "name") == "Fyll i namnet."
    assert field_error(html, "email") == "Skriv en e-postadress i formen namn@exempel.se."
    assert field_error(html, "roles") == "Välj minst en roll."
    assert 'id="error-summary-title">Det finns fel i formuläret</h2>' in html
    assert 'value="inte-epost"' in html
    assert user_by_email("inte-epost") is None


def test_invite_user_employee_without_party_is_refused(client, admin):
    response = post_form(
        client,
        "/admin/anvandare/ny",
        {"name": "Siv Sand", "email": "siv@example.org", "party": "", "roles": ["employee"]},
    )
    assert response.status_code == 422
    assert (
        field_error(text(response), "party") == "En medarbetare måste höra till en part. Välj part."
    )
    assert user_by_email("siv@example.org") is None


def test_invite_user_unknown_party_or_role_is_refused(client, admin):
    response = post_form(
        client,
        "/admin/anvandare/ny",
        {"name": "Tor Tall", "email": "tor@example.org", "party": "99999", "roles": ["king"]},
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "party") == "Välj bland alternativen."
    assert field_error(html, "roles") == "Välj bland alternativen."
    assert user_by_email("tor@example.org") is None


# --- users: edit ------------------------------------------------------------------------


def test_edit_user_form_is_filled_in(client, admin):
    user = make_user(name="Ulla Uv", roles={Role.EMPLOYEE, Role.CORE_TEAM})
    html = text(client.get(f"/admin/anvandare/{user.id}"))
    assert "<h1>Ulla Uv</h1>" in html
    assert 'id="name" maxlength="120" name="name" required type="text" value="Ulla Uv"' in html
    assert f'<option selected value="{party("Västerås stad").id}">Västerås stad</option>' in html
    assert '<input checked id="roles-0" name="roles" type="checkbox" value="employee">' in html
    assert '<input checked id="roles-3" name="roles" type="checkbox" value="core_team">' in html
    assert '<input id="roles-1" name="roles" type="checkbox" value="process_support">' in html
    assert 'checked id="active" name="active" type="checkbox" value="y"' in html
    assert "Skicka inbjudan igen" not in html


def test_edit_user_changes_name_party_and_roles_with_audit(client, admin):
    user = make_user(name="Vera Vik", roles={Role.EMPLOYEE})
    region = party("Region Sörmland")
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}",
        {
            "name": "Vera Vikström",
            "email": user.email,
            "party": str(region.id),
            "roles": ["employee", "process_support"],
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/anvandare"
    user = fresh(user)
    assert user.name == "Vera Vikström"
    assert user.party_id == region.id
    assert user.roles == frozenset({Role.EMPLOYEE, Role.PROCESS_SUPPORT})
    assert user.active is True
    updated = last_audit("user_updated")
    assert updated.actor_id == admin.id
    assert updated.changes == {
        "name": ["Vera Vik", "Vera Vikström"],
        "party": ["Västerås stad", "Region Sörmland"],
    }
    assert last_audit("roles_changed").changes == {
        "roles": [["employee"], ["employee", "process_support"]]
    }
    page = text(client.get(f"/admin/anvandare/{user.id}"))
    assert "<td>Uppgifter ändrade</td>" in page
    assert "<td>Roller ändrade</td>" in page


def test_edit_user_without_changes_writes_no_audit(client, admin):
    user = make_user(name="Wilma Wall", roles={Role.BOARD}, party_name=None)
    before = _db.session.scalar(select(func.count(AuditEntry.id)))
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}",
        {"name": "Wilma Wall", "email": user.email, "party": "", "roles": ["board"], "active": "y"},
    )
    assert response.status_code == 302
    assert _db.session.scalar(select(func.count(AuditEntry.id))) == before


def test_edit_user_invalid_keeps_the_input_and_changes_nothing(client, admin):
    user = make_user(name="Yngve Yxa")
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}",
        {"name": "", "email": user.email, "party": str(party().id), "roles": [], "active": "y"},
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "name") == "Fyll i namnet."
    assert field_error(html, "roles") == "Välj minst en roll."
    assert fresh(user).name == "Yngve Yxa"
    assert fresh(user).roles == frozenset({Role.EMPLOYEE})


def test_edit_user_new_email_is_used_to_log_in_and_old_links_stop(app, client, admin, smtp):
    user = make_user(name="Gun Gren", email="gun@example.org")
    post_form(app.test_client(), "/glomt-losenord", {"email": "gun@example.org"})
    reset = re.search(r"http://localhost(/losenord/\S+)", smtp.body(smtp.wait_for(1)[0])).group(1)
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}",
        {
            "name": "Gun Gren",
            "email": " Gun.Gren@Example.org",
            "party": str(party().id),
            "roles": ["employee"],
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert fresh(user).email == "gun.gren@example.org"
    assert last_audit("user_updated").changes == {
        "email": ["gun@example.org", "gun.gren@example.org"]
    }
    theirs = app.test_client()
    assert theirs.get(reset).status_code == 410
    login(theirs, fresh(user))


def test_edit_user_email_of_someone_else_is_refused(client, admin):
    make_user(name="Hans Hed", email="hans@example.org")
    user = make_user(name="Iris Ilg", email="iris@example.org")
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}",
        {
            "name": "Iris Ilg",
            "email": "HANS@example.org",
            "party": str(party().id),
            "roles": ["employee"],
            "active": "y",
        },
    )
    assert response.status_code == 422
    assert (
        field_error(text(response), "email")
        == "Det finns redan en användare med den e-postadressen."
    )
    assert fresh(user).email == "iris@example.org"


def test_edit_user_unknown_id_is_404(client, admin):
    assert client.get("/admin/anvandare/999999").status_code == 404


def test_admin_cannot_remove_own_admin_role(client, admin):
    response = post_form(
        client,
        f"/admin/anvandare/{admin.id}",
        {
            "name": "Ada Admin",
            "email": admin.email,
            "party": str(party().id),
            "roles": ["employee"],
            "active": "y",
        },
    )
    assert response.status_code == 422
    assert (
        field_error(text(response), "roles") == "Du kan inte ta bort din egen administratörsroll."
    )
    assert fresh(admin).roles == frozenset({Role.ADMIN})
    assert client.get("/admin/").status_code == 200


def test_admin_cannot_deactivate_themself(client, admin):
    response = post_form(
        client,
        f"/admin/anvandare/{admin.id}",
        {"name": "Ada Admin", "email": admin.email, "party": str(party().id), "roles": ["admin"]},
    )
    assert response.status_code == 422
    assert field_error(text(response), "active") == "Du kan inte stänga av ditt eget konto."
    assert fresh(admin).active is True
    assert client.get("/admin/").status_code == 200


def test_admin_can_demote_another_admin(client, admin):
    other = make_user(name="Bert Bok", roles={Role.ADMIN})
    response = post_form(
        client,
        f"/admin/anvandare/{other.id}",
        {
            "name": "Bert Bok",
            "email": other.email,
            "party": str(party().id),
            "roles": ["board"],
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert fresh(other).roles == frozenset({Role.BOARD})


def test_deactivated_user_is_logged_out_and_cannot_log_in(app, client, admin):
    user = make_user(name="Carin Carlsson", email="carin@example.org", roles={Role.EXPERT})
    theirs = app.test_client()
    login(theirs, user)
    assert theirs.get("/konto").status_code == 200

    response = post_form(
        client,
        f"/admin/anvandare/{user.id}",
        {
            "name": "Carin Carlsson",
            "email": user.email,
            "party": str(party().id),
            "roles": ["expert"],
        },
    )
    assert response.status_code == 302
    assert fresh(user).active is False
    assert last_audit("user_deactivated").changes == {"active": [True, False]}

    ended = theirs.get("/konto")
    assert ended.status_code == 302
    assert ended.headers["Location"].startswith("/logga-in")
    again = post_form(theirs, "/logga-in", {"email": "carin@example.org", "password": PASSWORD})
    assert again.status_code == 422
    assert "Fel e-postadress eller lösenord." in text(again)
    listed = text(client.get("/admin/anvandare?status=deactivated"))
    assert names_listed(listed) == ["Carin Carlsson"]


def test_reactivated_user_can_log_in_again(app, client, admin):
    user = make_user(name="Dora Dahl", email="dora@example.org", active=False)
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}",
        {
            "name": "Dora Dahl",
            "email": user.email,
            "party": str(party().id),
            "roles": ["employee"],
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert fresh(user).active is True
    assert last_audit("user_reactivated").actor_id == admin.id
    theirs = app.test_client()
    login(theirs, fresh(user))


# --- users: resend invitation -----------------------------------------------------------


def test_resend_invitation_sends_a_new_link_and_the_old_one_stops(app, client, admin, smtp):
    post_form(
        client,
        "/admin/anvandare/ny",
        {"name": "Elin Ekdahl", "email": "elin@example.org", "party": "", "roles": ["board"]},
    )
    invited = user_by_email("elin@example.org")
    first = LINK_RE.search(smtp.body(smtp.wait_for(1)[0])).group(1)

    page = text(client.get(f"/admin/anvandare/{invited.id}"))
    assert '<span class="badge badge-off">Inbjuden</span>' in page
    assert f'action="/admin/anvandare/{invited.id}/skicka-inbjudan"' in page
    response = post_form(
        client,
        f"/admin/anvandare/{invited.id}/skicka-inbjudan",
        {},
        page=f"/admin/anvandare/{invited.id}",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/anvandare/{invited.id}"
    messages = smtp.wait_for(2)
    assert len(messages) == 2
    second = LINK_RE.search(smtp.body(messages[1])).group(1)
    assert second != first
    assert audit_actions(invited)[-1] == "invitation_resent"

    newcomer = app.test_client()
    assert newcomer.get(first).status_code == 410
    assert newcomer.get(second).status_code == 200
    flashed = text(client.get(f"/admin/anvandare/{invited.id}"))
    assert "En ny inbjudan skickas till elin@example.org. Tidigare länkar slutar gälla." in flashed


def test_resend_invitation_refused_when_a_password_is_set(client, admin, smtp):
    user = make_user(name="Filip Fors")
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}/skicka-inbjudan",
        {},
        page=f"/admin/anvandare/{user.id}",
    )
    assert response.status_code == 302
    assert "Filip Fors har redan valt ett lösenord." in text(
        client.get(f"/admin/anvandare/{user.id}")
    )
    tokens = _db.session.scalar(
        select(func.count(AccountToken.id)).where(AccountToken.purpose == TokenPurpose.INVITE)
    )
    assert tokens == 0
    assert smtp.wait_for(1, timeout=0.5) == []


# --- parties ----------------------------------------------------------------------------


def party_data(**overrides) -> dict:
    data = {
        "name": "Köpings kommun",
        "short_name": "Köping",
        "kind": "municipality",
        "joined_on": "2026-01-01",
        "left_on": "",
        "note": "Gick med enligt avtalet § 8.",
    }
    return {**data, **overrides}


def test_parties_list_shows_dates_kind_and_left_badge(client, admin):
    region = party("Region Sörmland")
    region.left_on = date(2021, 12, 31)
    _db.session.commit()
    html = text(client.get("/admin/parter"))
    assert "<caption>Parter i Samhällskontraktet</caption>" in html
    row = re.search(r"Region Sörmland</a>(.*?)</tr>", html, re.S).group(1)
    assert '<span class="badge badge-off">Har lämnat</span>' in row
    assert "<td>Region</td>" in row
    assert "<td>2014-01-01</td>" in row
    assert "<td>2021-12-31</td>" in row
    mdu = re.search(r"Mälardalens universitet</a>(.*?)</tr>", html, re.S).group(1)
    assert "Har lämnat" not in mdu
    assert "<td>Universitet eller högskola</td>" in mdu
    assert '<td class="num">1</td>' in re.search(r"Västerås stad</a>(.*?)</tr>", html, re.S).group(
        1
    )
    assert "Ta bort" not in html


def test_party_create_valid(client, admin):
    response = post_form(client, "/admin/parter/ny", party_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/parter"
    created = _db.session.scalar(select(Party).where(Party.short_name == "Köping"))
    assert created.name == "Köpings kommun"
    assert created.kind == "municipality"
    assert created.joined_on == date(2026, 1, 1)
    assert created.left_on is None
    assert created.note == "Gick med enligt avtalet § 8."
    entry = last_audit("party_created")
    assert entry.actor_id == admin.id
    assert entry.object_id == created.id
    assert entry.changes["joined_on"] == [None, "2026-01-01"]
    assert "Parten Köpings kommun är tillagd." in text(client.get("/admin/parter"))


def test_party_create_invalid_shows_errors(client, admin):
    response = post_form(
        client,
        "/admin/parter/ny",
        party_data(name="", short_name="", kind="kungarike", joined_on="1 jan"),
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "name") == "Fyll i partens namn."
    assert field_error(html, "short_name") == "Fyll i ett kort namn."
    assert field_error(html, "kind") == "Välj bland alternativen."
    assert field_error(html, "joined_on") == "Skriv datumet som ÅÅÅÅ-MM-DD."
    assert _db.session.scalar(select(func.count(Party.id))) == 5


def test_party_left_before_joined_is_refused(client, admin):
    response = post_form(
        client, "/admin/parter/ny", party_data(joined_on="2026-01-01", left_on="2025-12-31")
    )
    assert response.status_code == 422
    assert (
        field_error(text(response), "left_on")
        == "Datumet då parten lämnade kan inte vara före datumet då den gick med."
    )
    assert _db.session.scalar(select(Party).where(Party.short_name == "Köping")) is None


def test_party_duplicate_name_or_short_name_is_refused(client, admin):
    response = post_form(client, "/admin/parter/ny", party_data(name="västerås stad"))
    assert response.status_code == 422
    assert field_error(text(response), "name") == "Det finns redan en part med det namnet."
    response = post_form(client, "/admin/parter/ny", party_data(short_name="MDU"))
    assert response.status_code == 422
    assert (
        field_error(text(response), "short_name")
        == "Det finns redan en part med den förkortningen."
    )


def test_party_edit_marks_it_as_left_and_keeps_it(client, admin):
    region = party("Region Västmanland")
    page = text(client.get(f"/admin/parter/{region.id}"))
    assert 'name="joined_on" required type="date" value="2014-01-01"' in page
    assert '<option selected value="region">Region</option>' in page
    response = post_form(
        client,
        f"/admin/parter/{region.id}",
        party_data(
            name="Region Västmanland",
            short_name="Region Vm",
            kind="region",
            joined_on="2014-01-01",
            left_on="2021-12-31",
            note="",
        ),
    )
    assert response.status_code == 302
    region = fresh(region)
    assert region.left_on == date(2021, 12, 31)
    assert region.has_left is True
    assert last_audit("party_updated").changes == {"left_on": [None, "2021-12-31"]}
    page = text(client.get(f"/admin/parter/{region.id}"))
    assert '<h1>Region Västmanland <span class="badge badge-off">Har lämnat</span></h1>' in page
    assert "<td>Parten ändrad</td>" in page


def test_party_edit_left_before_joined_is_refused(client, admin):
    region = party("Region Västmanland")
    response = post_form(
        client,
        f"/admin/parter/{region.id}",
        party_data(
            name="Region Västmanland",
            short_name="Region Vm",
            joined_on="2014-01-01",
            left_on="2013-01-01",
        ),
    )
    assert response.status_code == 422
    assert fresh(region).left_on is None


def test_party_cannot_be_deleted(client, admin):
    region = party("Region Sörmland")
    assert client.post(f"/admin/parter/{region.id}/ta-bort").status_code == 404
    assert client.delete(f"/admin/parter/{region.id}").status_code == 405


# --- focus areas ------------------------------------------------------------------------


def test_focus_areas_list_shows_rename_chain_and_periods(client, admin):
    html = text(client.get("/admin/fokusomraden"))
    assert f"Namnbyten: {SKOLA} → {SKOLA_NOW}" in html
    assert (
        "Namnbyten: Nära vård inklusive välfärdsteknik → Välmående och självständiga äldre" in html
    )
    assert "<td>2021-01-01 – 2022-12-31</td>" in html
    assert "<td>2023-01-01 – tills vidare</td>" in html
    assert f'{SKOLA_NOW}</a> <span class="muted">(tidigare {SKOLA})</span>' in html
    # only the current name can be renamed
    assert f'href="/admin/fokusomraden/{area(SKOLA_NOW).id}/byt-namn"' in html
    assert f'href="/admin/fokusomraden/{area(SKOLA).id}/byt-namn"' not in html


def test_focus_area_create_starts_a_new_portfolio(client, admin):
    portfolios_before = _db.session.scalar(select(func.count(Portfolio.id)))
    response = post_form(
        client,
        "/admin/fokusomraden/ny",
        {
            "name": "Hållbar energi",
            "effect_goal": "Lägre energianvändning.",
            "valid_from": "2026-01-01",
            "valid_to": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/fokusomraden"
    created = area("Hållbar energi")
    assert created.effect_goal == "Lägre energianvändning."
    assert created.valid_from == date(2026, 1, 1)
    assert created.valid_to is None
    assert created.renamed_from_id is None
    assert _db.session.scalar(select(func.count(Portfolio.id))) == portfolios_before + 1
    assert created.portfolio.focus_areas == [created]
    assert audit_actions(created) == ["focus_area_created"]


def test_focus_area_create_invalid_is_refused(client, admin):
    response = post_form(
        client,
        "/admin/fokusomraden/ny",
        {"name": SKOLA, "effect_goal": "", "valid_from": "2026-01-01", "valid_to": "2025-01-01"},
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "valid_to") == "Slutdatumet kan inte vara före startdatumet."
    response = post_form(
        client,
        "/admin/fokusomraden/ny",
        {"name": SKOLA.upper(), "effect_goal": "", "valid_from": "2026-01-01", "valid_to": ""},
    )
    assert response.status_code == 422
    assert field_error(text(response), "name") == "Det finns redan ett fokusområde med det namnet."
    response = post_form(client, "/admin/fokusomraden/ny", {"name": "", "valid_from": ""})
    html = text(response)
    assert field_error(html, "name") == "Fyll i namnet."
    assert field_error(html, "valid_from") == "Fyll i datumet då fokusområdet börjar gälla."


def test_focus_area_edit_fixes_a_typo_in_place(client, admin):
    old = area("Välmående och självständiga äldre")
    page = text(client.get(f"/admin/fokusomraden/{old.id}"))
    assert 'name="valid_from" required type="date" value="2023-01-01"' in page
    response = post_form(
        client,
        f"/admin/fokusomraden/{old.id}",
        {
            "name": "Välmående och självständiga äldre invånare",
            "effect_goal": "Nytt effektmål.",
            "valid_from": "2023-01-01",
            "valid_to": "",
        },
    )
    assert response.status_code == 302
    fixed = fresh(old)
    assert fixed.name == "Välmående och självständiga äldre invånare"
    assert fixed.effect_goal == "Nytt effektmål."
    assert len(fixed.portfolio.focus_areas) == 2
    assert last_audit("focus_area_updated").changes["name"] == [
        "Välmående och självständiga äldre",
        "Välmående och självständiga äldre invånare",
    ]


def test_focus_area_edit_overlapping_its_predecessor_is_refused(client, admin):
    current = area(SKOLA_NOW)
    response = post_form(
        client,
        f"/admin/fokusomraden/{current.id}",
        {"name": SKOLA_NOW, "effect_goal": "", "valid_from": "2022-06-01", "valid_to": ""},
    )
    assert response.status_code == 422
    assert field_error(text(response), "valid_from") == (
        "Perioden överlappar Skolresultat i samma portfölj. "
        "Ändra datumen så att namnen följer på varandra."
    )
    assert fresh(current).valid_from == date(2023, 1, 1)


def test_focus_area_rename_keeps_the_portfolio(client, admin):
    current = area(SKOLA_NOW)
    page = text(client.get(f"/admin/fokusomraden/{current.id}/byt-namn"))
    assert f"<h1>Byt namn på {SKOLA_NOW}</h1>" in page
    assert "Samhällskontraktet ska bidra till förbättrade skolresultat genom" in page
    response = post_form(
        client,
        f"/admin/fokusomraden/{current.id}/byt-namn",
        {"new_name": "Barn och unga", "effect_goal": "Kortare mål.", "valid_from": "2026-07-01"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/fokusomraden"
    renamed = area("Barn och unga")
    old = fresh(current)
    assert renamed.portfolio_id == old.portfolio_id
    assert renamed.renamed_from_id == old.id
    assert renamed.valid_from == date(2026, 7, 1)
    assert renamed.valid_to is None
    assert renamed.effect_goal == "Kortare mål."
    assert old.valid_to == date(2026, 6, 30)
    assert [a.name for a in renamed.portfolio.focus_areas] == [SKOLA, SKOLA_NOW, "Barn och unga"]
    assert last_audit("focus_area_renamed").changes["name"] == [SKOLA_NOW, "Barn och unga"]
    assert last_audit("focus_area_updated").changes == {"valid_to": [None, "2026-06-30"]}
    html = text(client.get("/admin/fokusomraden"))
    assert f"Namnbyten: {SKOLA} → {SKOLA_NOW} → Barn och unga" in html
    assert f"{SKOLA_NOW} heter nu Barn och unga. Historiken finns kvar i samma portfölj." in html


def test_focus_area_rename_not_after_the_start_is_refused(client, admin):
    current = area(SKOLA_NOW)
    response = post_form(
        client,
        f"/admin/fokusomraden/{current.id}/byt-namn",
        {"new_name": "Barn och unga", "effect_goal": "", "valid_from": "2023-01-01"},
    )
    assert response.status_code == 422
    assert field_error(text(response), "valid_from") == (
        f"Det nya namnet måste gälla från en dag efter att {SKOLA_NOW} började gälla."
    )
    assert area("Barn och unga") is None
    assert fresh(current).valid_to is None


def test_focus_area_rename_to_an_existing_name_is_refused(client, admin):
    current = area(SKOLA_NOW)
    response = post_form(
        client,
        f"/admin/fokusomraden/{current.id}/byt-namn",
        {"new_name": SKOLA, "effect_goal": "", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 422
    assert (
        field_error(text(response), "new_name") == "Det finns redan ett fokusområde med det namnet."
    )


def test_focus_area_rename_of_an_old_name_is_refused(client, admin):
    old = area(SKOLA)
    response = client.get(f"/admin/fokusomraden/{old.id}/byt-namn")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/fokusomraden"
    assert "Bara det senaste namnet i en portfölj kan bytas." in text(
        client.get("/admin/fokusomraden")
    )


# --- perspectives -----------------------------------------------------------------------


def perspective(name: str) -> Perspective:
    return _db.session.scalar(select(Perspective).where(Perspective.name == name))


def test_perspectives_list_in_order(client, admin):
    html = text(client.get("/admin/perspektiv"))
    listed = re.findall(r'<a href="/admin/perspektiv/\d+">([^<]+)</a>', html)
    assert listed[:3] == [
        "Partnerskap och samproduktion",
        "Innovation i offentlig sektor",
        "Tvärvetenskaplighet",
    ]
    assert len(listed) == 9
    assert "<caption>Perspektiv i den ordning de visas</caption>" in html


def test_perspective_create_gets_the_next_position(client, admin):
    last = max(p.position for p in _db.session.scalars(select(Perspective)))
    page = text(client.get("/admin/perspektiv/ny"))
    assert f'name="position" required type="number" value="{last + 1}"' in page
    assert 'name="active"' not in page
    response = post_form(
        client, "/admin/perspektiv/ny", {"name": "Jämställdhet", "position": str(last + 1)}
    )
    assert response.status_code == 302
    created = perspective("Jämställdhet")
    assert created.position == last + 1
    assert created.active is True
    assert audit_actions(created) == ["perspective_created"]
    html = text(client.get("/admin/perspektiv"))
    listed = re.findall(r'<a href="/admin/perspektiv/\d+">([^<]+)</a>', html)
    assert listed[-1] == "Jämställdhet"


def test_perspective_create_invalid_is_refused(client, admin):
    response = post_form(client, "/admin/perspektiv/ny", {"name": "", "position": "-1"})
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "name") == "Fyll i perspektivets namn."
    assert field_error(html, "position") == "Skriv ett heltal mellan 0 och 999."
    response = post_form(client, "/admin/perspektiv/ny", {"name": "Trygghet", "position": "3"})
    assert response.status_code == 422
    assert field_error(text(response), "name") == "Det finns redan ett perspektiv med det namnet."


def test_perspective_edit_deactivates_it(client, admin):
    target = perspective("Digital teknik")
    response = post_form(
        client,
        f"/admin/perspektiv/{target.id}",
        {"name": "Digital teknik", "position": "1"},
    )
    assert response.status_code == 302
    target = fresh(target)
    assert target.active is False
    assert target.position == 1
    assert last_audit("perspective_updated").changes == {
        "position": [8, 1],
        "active": [True, False],
    }
    row = re.search(
        r"Digital teknik</a></td>(.*?)</tr>", text(client.get("/admin/perspektiv")), re.S
    )
    assert '<span class="badge badge-off">Avstängt</span>' in row.group(1)
