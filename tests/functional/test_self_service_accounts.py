"""Self-service accounts: e-mail domains per party, asking for an account, the mailed link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.accounts import registration
from portal.accounts.models import AccountToken, PartyDomain, Role, User
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.types import utcnow
from tests.browser import Browser, error_texts, flashes, path_of
from tests.factories import make_user, party

LINK_RE = re.compile(r"https?://\S+/(skapa-konto|losenord)/[A-Za-z0-9_-]+")
NEW_PASSWORD = "en lång mening som lösenord"


@pytest.fixture
def domains(db):
    admin = make_user(roles={Role.ADMIN})
    registration.add_domain(party("Eskilstuna kommun"), "eskilstuna.se", actor=admin)
    registration.add_domain(party("Mälardalens universitet"), "MDU.se", actor=admin)
    _db.session.commit()
    return admin


def ask(browser: Browser, email: str, name: str = "Karin Ek"):
    page = browser.get("/skapa-konto")
    assert page.status_code == 200
    form = browser.form(page, action="/skapa-konto")
    form["name"] = name
    form["email"] = email
    return browser.submit(form)


def link_in(smtp, to: str, subject: str = "") -> str:
    messages = smtp.wait_for_mail(to, subject)
    assert len(messages) == 1, [m["Subject"] for m in smtp.messages]
    match = LINK_RE.search(smtp.body(messages[0]))
    assert match, smtp.body(messages[0])
    return match.group(0)


def choose_password(browser: Browser, link: str, password: str = NEW_PASSWORD):
    page = browser.get(link)
    assert page.status_code == 200, page.text[:500]
    form = browser.form(page, contains="password")
    form["password"] = password
    form["confirm"] = password
    return browser.submit(form)


# --- domains ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("eskilstuna.se", "eskilstuna.se"),
        (" @Eskilstuna.SE. ", "eskilstuna.se"),
        ("växjö.se", "xn--vxj-qla6g.se"),
        ("sub.region-sormland.se", "sub.region-sormland.se"),
    ],
)
def test_domains_are_stored_lower_case_and_ascii(raw, stored):
    assert registration.normalise_domain(raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["", "se", "namn@eskilstuna.se", "-bad.se", "bad-.se", "a..se", "exa mple.se", "1.2.3.4",
     "x" * 64 + ".se", "under_score.se", "<script>.se"],
)  # fmt: skip
def test_what_is_not_a_domain_is_refused(raw):
    assert registration.normalise_domain(raw) is None


def test_a_domain_belongs_to_one_party_at_a_time_and_keeps_its_history(db, domains):
    admin = domains
    eskilstuna, vasteras = party("Eskilstuna kommun"), party("Västerås stad")
    with pytest.raises(registration.DomainRefused) as refused:
        registration.add_domain(vasteras, "Eskilstuna.se", actor=admin)
    assert "Eskilstuna kommun" in str(refused.value.message)
    with pytest.raises(registration.DomainRefused):
        registration.add_domain(eskilstuna, "eskilstuna.se", actor=admin)
    row = _db.session.scalar(select(PartyDomain).where(PartyDomain.domain == "eskilstuna.se"))
    assert registration.remove_domain(row, actor=admin) is True
    assert registration.remove_domain(row, actor=admin) is False
    registration.add_domain(vasteras, "eskilstuna.se", actor=admin)
    _db.session.commit()
    history = registration.domain_history(eskilstuna)
    assert [(r.domain, r.removed_by_id) for r in history] == [("eskilstuna.se", admin.id)]
    assert registration.party_for_email("a.b@ESKILSTUNA.se").name == "Västerås stad"
    assert registration.party_for_email("a@student.mdu.se") is None
    actions = _db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.action.like("party_domain_%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "party_domain_added",
        "party_domain_added",
        "party_domain_removed",
        "party_domain_added",
    ]


def test_admin_adds_and_removes_a_domain_through_the_pages(app, db):
    admin = make_user(roles={Role.ADMIN})
    browser = Browser(app)
    browser.login(admin)
    sormland = party("Region Sörmland")
    page = browser.get(f"/admin/parter/{sormland.id}")
    page = browser.get(page.html.find(id="e-postdomaner").a["href"])
    assert page.status_code == 200
    form = browser.form(page, contains="domain")
    form["domain"] = "inte en domän"
    refused = browser.submit(form)
    assert refused.status_code == 422
    assert any("Skriv en domän" in e for e in error_texts(refused))
    form = browser.form(refused, contains="domain")
    form["domain"] = "RegionSormland.se"
    done = browser.submit(form).follow()
    assert "Domänen regionsormland.se är tillagd." in flashes(done)
    remove = browser.form(done, action=f"/admin/parter/{sormland.id}/e-postdomaner/1/ta-bort")
    after = browser.submit(remove).follow()
    assert "Domänen regionsormland.se är borttagen." in flashes(after)
    row = _db.session.scalar(select(PartyDomain))
    assert row.removed_at is not None and row.removed_by_id == admin.id
    assert "Borttagen" in after.html.find("table").text
    history = browser.get(f"/admin/parter/{sormland.id}").text
    assert "E-postdomän tillagd" in history and "E-postdomän borttagen" in history


def test_only_an_admin_reaches_the_domain_pages(app, db):
    browser = Browser(app)
    browser.login(make_user(roles={Role.PROCESS_SUPPORT}))
    assert browser.get(f"/admin/parter/{party().id}/e-postdomaner").status_code == 403


# --- asking for an account -------------------------------------------------------------------


def test_an_employee_gets_an_account_without_an_admin(app, db, smtp, domains):
    browser = Browser(app)
    login_page = browser.get("/logga-in")
    register = browser.get(login_page.html.find(id="skapa-konto").a["href"])
    assert "eskilstuna.se" in register.text
    sent = ask(browser, " Karin.Ek@Eskilstuna.se ")
    assert sent.status_code == 200
    assert "Kolla din e-post" in sent.text
    link = link_in(smtp, "karin.ek@eskilstuna.se", "Bekräfta ditt konto")
    assert _db.session.scalar(select(func.count()).select_from(User)) == 1  # just the admin
    done = choose_password(browser, link)
    assert done.status_code == 302 and path_of(done.headers["Location"]) == "/"
    home = done.follow()
    assert "Ditt konto är skapat och du är inloggad." in flashes(home)
    user = _db.session.scalar(select(User).where(User.email == "karin.ek@eskilstuna.se"))
    assert user.name == "Karin Ek"
    assert user.party.name == "Eskilstuna kommun"
    assert user.roles == {Role.EMPLOYEE}
    assert _db.session.scalar(
        select(AuditEntry.action).where(AuditEntry.object_type == "users", AuditEntry.object_id == user.id)
    ) == "user_registered"  # fmt: skip
    # The link works once; then it says so and offers to start over.
    again = browser.get(link)
    assert again.status_code == 410
    assert again.html.find("a", string="Börja om")["href"] == "/skapa-konto"
    # And the new password logs in.
    other = Browser(app)
    assert other.login(user, NEW_PASSWORD).status_code in (200, 302)


def test_the_password_must_meet_the_policy(app, db, smtp, domains):
    browser = Browser(app)
    ask(browser, "kort@mdu.se", name="Kort Lösen")
    refused = choose_password(browser, link_in(smtp, "kort@mdu.se"), "kort")
    assert refused.status_code == 422
    assert "Nytt lösenord: Lösenordet måste ha minst 12 tecken." in error_texts(refused)
    assert _db.session.scalar(select(User).where(User.email == "kort@mdu.se")) is None


def test_an_address_outside_the_domains_gets_the_contact_route(app, db, smtp, domains):
    browser = Browser(app)
    refused = ask(browser, "someone@gmail.com")
    assert refused.status_code == 422
    assert any("gmail.com" in e for e in error_texts(refused))
    contact = refused.html.find(id="kontakt").parent
    assert "samhallskontraktet@mdu.se" in contact.text
    smtp.wait_for(1, timeout=0.5)
    assert smtp.messages == []


def test_known_and_unknown_addresses_get_the_same_page(app, db, smtp, domains):
    make_user(email="finns@eskilstuna.se", name="Finns Redan", party_name="Eskilstuna kommun")
    known = ask(Browser(app), "finns@eskilstuna.se")
    unknown = ask(Browser(app), "ny@eskilstuna.se")
    assert known.status_code == unknown.status_code == 200

    def main(page, email):
        return str(page.html.find("main")).replace(email, "EMAIL")

    assert main(known, "finns@eskilstuna.se") == main(unknown, "ny@eskilstuna.se")
    # The mails differ: the existing account is offered a new password instead.
    exists = smtp.wait_for_mail("finns@eskilstuna.se", "redan ett konto")
    assert len(exists) == 1
    assert "/losenord/" in smtp.body(exists[0])
    assert len(smtp.wait_for_mail("ny@eskilstuna.se", "Bekräfta")) == 1


def test_a_double_submit_sends_one_mail_and_makes_one_account(app, db, smtp, domains):
    browser = Browser(app)
    page = browser.get("/skapa-konto")
    form = browser.form(page, action="/skapa-konto")
    form["name"] = "Dubbel Klick"
    form["email"] = "dubbel@mdu.se"
    first = browser.submit(form)
    second = browser.submit(form)  # the same form, the same one-time key
    assert first.status_code == 200
    assert second.status_code == 303
    assert _db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    link = link_in(smtp, "dubbel@mdu.se")
    assert choose_password(browser, link).status_code == 302
    assert _db.session.scalar(select(func.count()).select_from(User).where(User.email == "dubbel@mdu.se")) == 1  # fmt: skip


def test_two_links_for_one_address_make_one_account(app, db, smtp, domains):
    ask(Browser(app), "tva@mdu.se")
    ask(Browser(app), "tva@mdu.se")
    messages = smtp.wait_for_mail("tva@mdu.se", count=2)
    links = [LINK_RE.search(smtp.body(m)).group(0) for m in messages]
    assert choose_password(Browser(app), links[1]).status_code == 302
    late = Browser(app).get(links[0])
    assert late.status_code == 410
    assert _db.session.scalar(select(func.count()).select_from(User).where(User.email == "tva@mdu.se")) == 1  # fmt: skip


def test_an_expired_link_offers_to_start_over(app, db, smtp, domains):
    ask(Browser(app), "sen@mdu.se")
    link = link_in(smtp, "sen@mdu.se")
    _db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    _db.session.commit()
    page = Browser(app).get(link)
    assert page.status_code == 410
    assert "Länken har slutat gälla." in page.text
    assert page.html.find("a", string="Börja om")["href"] == "/skapa-konto"


def test_a_domain_removed_after_the_mail_opens_no_account(app, db, smtp, domains):
    browser = Browser(app)
    ask(browser, "borta@mdu.se")
    link = link_in(smtp, "borta@mdu.se")
    row = _db.session.scalar(select(PartyDomain).where(PartyDomain.domain == "mdu.se"))
    registration.remove_domain(row, actor=domains)
    _db.session.commit()
    assert choose_password(browser, link).status_code == 410
    assert _db.session.scalar(select(User).where(User.email == "borta@mdu.se")) is None


@pytest.mark.slow
def test_asking_for_accounts_is_throttled_per_address(app, db, smtp, domains):
    browser = Browser(app)
    for _ in range(3):
        assert ask(browser, "manga@mdu.se").status_code == 200
    assert ask(browser, "manga@mdu.se").status_code == 429
    assert ask(browser, "annan@mdu.se").status_code == 200
    assert len(smtp.wait_for(4)) == 4


def test_a_logged_in_person_is_sent_home(app, db):
    browser = Browser(app)
    browser.login(make_user())
    response = browser.get("/skapa-konto")
    assert response.status_code == 302


def test_long_expired_links_are_forgotten(app, db, domains):
    registration.request_account(name="Gammal Länk", email="gammal@mdu.se")
    registration.request_account(name="Ny Länk", email="ny@mdu.se")
    _db.session.commit()
    old, new = _db.session.scalars(select(AccountToken).order_by(AccountToken.id)).all()
    old.expires_at = utcnow() - registration.KEEP_EXPIRED - timedelta(minutes=1)
    _db.session.commit()
    assert registration.purge(dry_run=True) == 1
    assert registration.purge() == 1
    _db.session.commit()
    assert _db.session.scalars(select(AccountToken.email)).all() == ["ny@mdu.se"]


def test_the_database_refuses_a_second_active_row_for_a_domain(db, domains):
    from sqlalchemy.exc import IntegrityError

    _db.session.add(PartyDomain(party=party("Västerås stad"), domain="eskilstuna.se"))
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()
