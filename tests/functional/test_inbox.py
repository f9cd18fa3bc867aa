"""The inbox: filters, sorting, pages, counts, fragments, bulk changes, and a flat query count."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.reference.models import FocusArea, Party
from portal.submissions.models import Submission
from tests.conftest import csrf_from
from tests.factories import make_call, make_user

ROW_RE = re.compile(r'<a href="/inkorg/(\d+)">(SK-\d{4}-\d{4,})</a>')
BASE_TIME = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
_seq = itertools.count(1)


@pytest.fixture
def staff(db):
    return make_user(roles={Role.EMPLOYEE}, party_name="Eskilstuna kommun")


def row(n: int | None = None, *, staff=None, **values) -> dict:
    """Column values for one registered submission (a resident's unless `staff` is given)."""
    n = n or next(_seq) + 1000
    data = {
        "reg_year": 2026,
        "reg_seq": n,
        "reg_number": f"SK-2026-{n:04d}",
        "kind": "idea",
        "state": "received",
        "title": f"Inlämning {n}",
        "purpose": "",
        "submitted_at": BASE_TIME + timedelta(hours=n),
        "resident_email": None if staff else f"invanare{n}@example.org",
        "submitter_id": staff.id if staff else None,
        "party_id": staff.party_id if staff else None,
    }
    if values.get("state") == "draft":
        data.update(reg_year=None, reg_seq=None, reg_number=None, submitted_at=None)
    data.update(values)
    return data


def add(*rows: dict) -> None:
    _db.session.execute(insert(Submission), list(rows))
    _db.session.commit()


def listed(response) -> list[str]:
    """The registration numbers in the results table, in order."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return [number for _id, number in ROW_RE.findall(response.get_data(as_text=True))]


def area(name: str) -> FocusArea:
    return _db.session.scalar(select(FocusArea).where(FocusArea.name == name))


def party_id(name: str) -> int:
    return _db.session.scalar(select(Party.id).where(Party.name == name))


@pytest.fixture
def triager(login_as):
    return login_as(Role.PROCESS_SUPPORT, name="Petra Processtöd")


# --- what is listed -----------------------------------------------------------------------


def test_inbox_default_lists_open_submissions_and_never_drafts(client, triager):
    add(
        row(1, state="received"),
        row(2, state="awaiting_info"),
        row(3, state="declined"),
        row(4, state="draft", title="Mitt utkast"),
    )
    response = client.get("/inkorg")
    assert listed(response) == ["SK-2026-0002", "SK-2026-0001"]
    assert "Mitt utkast" not in response.get_data(as_text=True)
    assert listed(client.get("/inkorg?state=all")) == [
        "SK-2026-0003",
        "SK-2026-0002",
        "SK-2026-0001",
    ]
    assert "Mitt utkast" not in client.get("/inkorg?state=all").get_data(as_text=True)


def test_inbox_drafts_cannot_be_asked_for(client, triager):
    add(row(1, state="draft", title="Mitt utkast"), row(2))
    response = client.get("/inkorg?state=draft")
    assert listed(response) == ["SK-2026-0002"]
    assert "Filtret för status kändes inte igen" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("received", ["SK-2026-0001"]),
        ("awaiting_info", ["SK-2026-0002"]),
        ("in_portfolio", ["SK-2026-0003"]),
        ("duplicate", ["SK-2026-0004"]),
        ("declined", ["SK-2026-0005"]),
        ("withdrawn", ["SK-2026-0006"]),
    ],
)
def test_inbox_state_filter(client, triager, state, expected):
    add(
        *(
            row(n, state=s)
            for n, s in enumerate(
                ["received", "awaiting_info", "in_portfolio", "duplicate", "declined", "withdrawn"],
                start=1,
            )
        )
    )
    assert listed(client.get(f"/inkorg?state={state}")) == expected


def test_inbox_call_filter(client, triager):
    call = make_call(title="Barn i rörelse")
    add(row(1, call_id=call.id), row(2))
    assert listed(client.get(f"/inkorg?call={call.id}")) == ["SK-2026-0001"]


def test_inbox_kind_filter(client, triager):
    add(row(1, kind="challenge"), row(2, kind="idea"))
    assert listed(client.get("/inkorg?kind=challenge")) == ["SK-2026-0001"]
    assert listed(client.get("/inkorg?kind=idea")) == ["SK-2026-0002"]


def test_inbox_source_filter_party_and_residents(client, triager, staff):
    add(row(1, staff=staff), row(2))
    assert listed(client.get(f"/inkorg?source={staff.party_id}")) == ["SK-2026-0001"]
    assert listed(client.get("/inkorg?source=invanare")) == ["SK-2026-0002"]
    other = party_id("Region Sörmland")
    assert listed(client.get(f"/inkorg?source={other}")) == []


def test_inbox_focus_area_filter_finds_a_renamed_area_through_its_portfolio(client, triager):
    old, new = area("Skolresultat"), area("Alla barn och unga uppnår sin fulla potential")
    elderly = area("Välmående och självständiga äldre")
    assert old.portfolio_id == new.portfolio_id
    add(
        row(1, focus_area_id=old.id),
        row(2, focus_area_id=new.id),
        row(3, focus_area_id=elderly.id),
        row(4),
    )
    assert listed(client.get(f"/inkorg?portfolio={new.portfolio_id}")) == [
        "SK-2026-0002",
        "SK-2026-0001",
    ]
    assert listed(client.get(f"/inkorg?portfolio={elderly.portfolio_id}")) == ["SK-2026-0003"]
    assert listed(client.get("/inkorg?portfolio=ingen")) == ["SK-2026-0004"]
    html = client.get("/inkorg").get_data(as_text=True)
    assert "Alla barn och unga uppnår sin fulla potential (tidigare Skolresultat)" in html


def test_inbox_handler_filter_person_and_unassigned(client, triager):
    add(row(1, handler_id=triager.id), row(2))
    assert listed(client.get(f"/inkorg?handler={triager.id}")) == ["SK-2026-0001"]
    assert listed(client.get("/inkorg?handler=ingen")) == ["SK-2026-0002"]


def test_inbox_date_range_uses_stockholm_days(client, triager):
    add(
        # 2026-03-01 23:30 UTC is 2026-03-02 00:30 in Stockholm.
        row(1, submitted_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)),
        # 2026-03-01 22:30 UTC is 2026-03-01 23:30 in Stockholm.
        row(2, submitted_at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC)),
        row(3, submitted_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC)),
    )
    assert listed(client.get("/inkorg?from=2026-03-02")) == ["SK-2026-0003", "SK-2026-0001"]
    assert listed(client.get("/inkorg?to=2026-03-01")) == ["SK-2026-0002"]
    assert listed(client.get("/inkorg?from=2026-03-02&to=2026-03-02")) == ["SK-2026-0001"]
    # Reversed dates are put the right way round, and said so.
    response = client.get("/inkorg?from=2026-03-10&to=2026-03-02")
    assert listed(response) == ["SK-2026-0003", "SK-2026-0001"]
    assert "bytt plats" in response.get_data(as_text=True)


def test_inbox_free_text_swedish_words_and_prefixes(client, triager):
    add(
        row(1, title="Ensamhet bland äldre", purpose="Äldre i glesbygd träffar sällan andra."),
        row(2, title="Barn i rörelse", purpose="Skolgården blir en plats för lek."),
        row(3, title="Läxhjälp", purpose="Studenter hjälper elever i åk 8."),
    )
    assert listed(client.get("/inkorg?q=äldre")) == ["SK-2026-0001"]
    assert listed(client.get("/inkorg?q=rör")) == ["SK-2026-0002"]  # a prefix
    assert listed(client.get("/inkorg?q=läxhjälp+studenter")) == ["SK-2026-0003"]
    assert listed(client.get("/inkorg?q=barn+glesbygd")) == []  # every word must match
    assert listed(client.get("/inkorg?q=%22%27*%29(")) != []  # only punctuation: no filter


def test_inbox_free_text_registration_number_matches_exactly(client, triager):
    add(row(42), row(420), row(4200, title="SK-2026-0042 nämns i texten"))
    assert listed(client.get("/inkorg?q=SK-2026-0042")) == ["SK-2026-0042"]
    assert listed(client.get("/inkorg?q=+sk-2026-42+")) == ["SK-2026-0042"]


def test_inbox_free_text_combines_with_filters(client, triager, staff):
    add(
        row(1, staff=staff, purpose="Trygghet för äldre"),
        row(2, purpose="Trygghet för äldre"),
        row(3, staff=staff, purpose="Trygghet för barn"),
    )
    assert listed(client.get(f"/inkorg?q=äldre&source={staff.party_id}")) == ["SK-2026-0001"]


# --- order, pages, counts -----------------------------------------------------------------


def test_inbox_sorting(client, triager):
    add(
        row(1, title="Cykelbibliotek", state="awaiting_info", submitted_at=BASE_TIME),
        row(2, title="Aktiva raster", state="received", submitted_at=BASE_TIME + timedelta(days=2)),
        row(3, title="Bokcirkel", state="received", submitted_at=BASE_TIME + timedelta(days=1)),
    )
    assert listed(client.get("/inkorg")) == ["SK-2026-0002", "SK-2026-0003", "SK-2026-0001"]
    assert listed(client.get("/inkorg?order=asc")) == [
        "SK-2026-0001",
        "SK-2026-0003",
        "SK-2026-0002",
    ]
    assert listed(client.get("/inkorg?sort=title")) == [
        "SK-2026-0002",
        "SK-2026-0003",
        "SK-2026-0001",
    ]
    assert listed(client.get("/inkorg?sort=title&order=desc")) == [
        "SK-2026-0001",
        "SK-2026-0003",
        "SK-2026-0002",
    ]
    assert listed(client.get("/inkorg?sort=reg_number&order=asc")) == [
        "SK-2026-0001",
        "SK-2026-0002",
        "SK-2026-0003",
    ]
    # By state in the order of the process (received before awaiting info), then by id.
    assert listed(client.get("/inkorg?sort=state")) == [
        "SK-2026-0002",
        "SK-2026-0003",
        "SK-2026-0001",
    ]


def test_inbox_sort_links_carry_the_filters_and_flip_the_order(client, triager):
    add(row(1, kind="challenge"))
    html = client.get("/inkorg?kind=challenge&sort=title").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    assert 'href="/inkorg?kind=challenge&amp;sort=title&amp;order=desc"' in html
    assert 'href="/inkorg?kind=challenge&amp;sort=reg_number"' in html


def test_inbox_pagination(client, triager):
    add(*(row(n) for n in range(1, 31)))
    first = client.get("/inkorg")
    html = first.get_data(as_text=True)
    assert listed(first) == [f"SK-2026-{n:04d}" for n in range(30, 5, -1)]
    assert "30 inlämningar" in html
    assert "Sida 1 av 2" in html
    assert 'href="/inkorg?page=2"' in html and "Nästa" in html
    second = client.get("/inkorg?page=2")
    assert listed(second) == [f"SK-2026-{n:04d}" for n in range(5, 0, -1)]
    assert "Föregående" in second.get_data(as_text=True)
    # Past the last page: the last page.
    assert listed(client.get("/inkorg?page=99")) == listed(second)


def test_inbox_counts_per_state_follow_the_other_filters(client, triager):
    add(
        row(1, kind="idea", state="received"),
        row(2, kind="idea", state="received"),
        row(3, kind="idea", state="declined"),
        row(4, kind="challenge", state="received"),
        row(5, kind="idea", state="draft"),
    )
    html = client.get("/inkorg?kind=idea&state=declined").get_data(as_text=True)
    assert re.search(r'Inkommen <span class="badge">2</span>', html)
    assert re.search(r'Avslagen <span class="badge">1</span>', html)
    assert re.search(r'Öppna <span class="badge">2</span>', html)
    assert re.search(r'Alla <span class="badge">3</span>', html)
    # The tabs keep the other filters.
    assert 'href="/inkorg?state=received&amp;kind=idea"' in html


# --- page and fragment --------------------------------------------------------------------


def test_inbox_htmx_request_gets_only_the_results_block(client, triager):
    add(row(1))
    page = client.get("/inkorg")
    fragment = client.get("/inkorg?q=inl", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="inbox-filters"' not in body
    assert body.lstrip().startswith('<div id="inbox-results"')
    assert "SK-2026-0001" in body
    assert "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    assert "HX-Request" in fragment.headers["Vary"]


def test_inbox_history_restore_gets_the_whole_page(client, triager):
    response = client.get(
        "/inkorg", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.get_data(as_text=True)


def test_inbox_filter_form_works_without_javascript(client, triager):
    html = client.get("/inkorg").get_data(as_text=True)
    assert '<form id="inbox-filters"' in html and 'method="get" action="/inkorg"' in html
    assert "Filtrera</button>" in html
    for name in ("q", "call", "kind", "source", "portfolio", "handler", "from", "to"):
        assert f'<label for="filter-{name}">' in html


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page=abc",
        "page=99999999999999999999",
        "page=²",
        "from=2026-13-45",
        "to=nonsense",
        "from=0001-01-01",  # midnight in UTC of the day was before year 1: 500
        "to=9999-12-31",  # and the day after was beyond year 9999
        "state=nonsense",
        "call=abc",
        "call=999999",
        "call=²",
        f"call={10**30}",
        "handler=" + "9" * 5000,
        "portfolio=²",
        "source=999",
        "portfolio=-3",
        "handler=x",
        "kind=robot",
        "sort=password&order=sideways",
        "q=%00%01",
    ],
)
def test_inbox_bad_parameters_give_the_default_view(client, triager, query):
    add(row(1))
    response = client.get(f"/inkorg?{query}")
    assert listed(response) == ["SK-2026-0001"]


def test_inbox_very_long_search_is_cut_not_refused(client, triager):
    add(row(1))
    response = client.get("/inkorg?q=" + "å" * 5000)
    assert response.status_code == 200
    assert 'value="' + "å" * 200 + '"' in response.get_data(as_text=True)


def test_inbox_bad_date_is_explained(client, triager):
    html = client.get("/inkorg?from=2026-13-45").get_data(as_text=True)
    assert "Datumet 2026-13-45 kunde inte läsas" in html


def test_inbox_far_out_date_is_ignored_and_explained(client, triager):
    add(row(1))
    response = client.get("/inkorg?from=0001-01-01&to=9999-12-31")
    assert listed(response) == ["SK-2026-0001"]
    html = response.get_data(as_text=True)
    assert "Datumet 0001-01-01 ligger utanför åren 2000–2099 och används inte." in html
    assert "Datumet 9999-12-31 ligger utanför åren 2000–2099 och används inte." in html


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.EXPERT, Role.BOARD, Role.CORE_TEAM])
def test_inbox_refuses_other_roles(client, login_as, role):
    login_as(role)
    assert client.get("/inkorg").status_code == 403
    assert client.post("/inkorg/massandring", data={}).status_code in (400, 403)


def test_inbox_open_to_admin(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/inkorg").status_code == 200


# --- bulk changes -------------------------------------------------------------------------


def bulk_post(client, data: dict, page: str = "/inkorg"):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post("/inkorg/massandring", data={"csrf_token": token, **data})


def audit_actions() -> list[tuple[str, int]]:
    _db.session.expire_all()
    return [
        (e.action, e.object_id)
        for e in _db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        if e.action in ("focus_area_set", "handler_set")
    ]


def test_bulk_sets_focus_area_and_handler_writes_audit_and_keeps_filters(client, triager):
    other = make_user(roles={Role.PROCESS_SUPPORT}, name="Olle Processtöd")
    add(row(1, kind="idea"), row(2, kind="idea"), row(3, kind="idea"), row(4, kind="idea"))
    ids = _db.session.scalars(select(Submission.id).order_by(Submission.id)).all()
    elderly = area("Välmående och självständiga äldre")
    response = bulk_post(
        client,
        {
            "ids": [str(i) for i in ids[:3]],
            "focus_area": str(elderly.id),
            "handler": str(other.id),
            "next": "/inkorg?kind=idea&sort=title",
        },
        page="/inkorg?kind=idea&sort=title",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/inkorg?kind=idea&sort=title"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 inlämningar uppdaterades." in html
    _db.session.expire_all()
    rows = _db.session.scalars(select(Submission).order_by(Submission.id)).all()
    assert [s.focus_area_id for s in rows] == [elderly.id] * 3 + [None]
    assert [s.handler_id for s in rows] == [other.id] * 3 + [None]
    assert sorted(audit_actions()) == sorted(
        [("focus_area_set", i) for i in ids[:3]] + [("handler_set", i) for i in ids[:3]]
    )
    actors = {e.actor_id for e in _db.session.scalars(select(AuditEntry))}
    assert triager.id in actors


def test_bulk_clears_handler_and_leaves_focus_area(client, triager):
    elderly = area("Välmående och självständiga äldre")
    add(row(1, handler_id=triager.id, focus_area_id=elderly.id))
    sid = _db.session.scalar(select(Submission.id))
    response = bulk_post(
        client, {"ids": [str(sid)], "focus_area": "", "handler": "ingen", "next": "/inkorg"}
    )
    assert response.status_code == 302
    _db.session.expire_all()
    s = _db.session.get(Submission, sid)
    assert (s.handler_id, s.focus_area_id) == (None, elderly.id)
    assert audit_actions() == [("handler_set", sid)]
    assert "1 inlämning uppdaterades." in client.get("/inkorg").get_data(as_text=True)


def test_bulk_with_nothing_ticked_is_refused(client, triager):
    add(row(1))
    elderly = area("Välmående och självständiga äldre")
    response = bulk_post(client, {"focus_area": str(elderly.id), "next": "/inkorg?kind=idea"})
    assert response.headers["Location"] == "/inkorg?kind=idea"
    assert "Markera minst en inlämning" in client.get("/inkorg").get_data(as_text=True)
    assert audit_actions() == []


@pytest.mark.parametrize("ticked", ["²", "9" * 30, "0", "abc"])
def test_bulk_with_ids_that_are_no_ids_is_refused_as_nothing_ticked(client, triager, ticked):
    """Nothing ticked: "²" passed str.isdigit() and raised in int() (500)."""
    add(row(1))
    elderly = area("Välmående och självständiga äldre")
    response = bulk_post(client, {"ids": [ticked], "focus_area": str(elderly.id)})
    assert response.status_code == 302
    assert "Markera minst en inlämning" in client.get("/inkorg").get_data(as_text=True)
    assert audit_actions() == []


def test_bulk_with_no_choice_or_invalid_choice_is_refused(client, triager):
    employee = make_user(roles={Role.EMPLOYEE})
    add(row(1))
    sid = str(_db.session.scalar(select(Submission.id)))
    bulk_post(client, {"ids": [sid], "focus_area": "", "handler": ""})
    assert "Välj ett fokusområde eller en handläggare" in client.get("/inkorg").get_data(
        as_text=True
    )
    bulk_post(client, {"ids": [sid], "handler": str(employee.id)})
    assert "bland alternativen" in client.get("/inkorg").get_data(as_text=True)
    bulk_post(client, {"ids": [sid], "focus_area": "999999"})
    assert "bland alternativen" in client.get("/inkorg").get_data(as_text=True)
    assert audit_actions() == []


def test_bulk_ignores_drafts(client, triager):
    add(row(1, state="draft"))
    sid = str(_db.session.scalar(select(Submission.id)))
    bulk_post(client, {"ids": [sid], "handler": str(triager.id)})
    assert audit_actions() == []


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/inkorg", "//evil.example/inkorg", "/konto", "/inkorg/../konto", ""],
)
def test_bulk_returns_only_to_the_inbox(client, triager, target):
    add(row(1))
    sid = str(_db.session.scalar(select(Submission.id)))
    response = bulk_post(client, {"ids": [sid], "handler": str(triager.id), "next": target})
    assert response.headers["Location"] == "/inkorg"


# --- the number of statements does not grow with the data ---------------------------------


def count_statements(app, client, url: str) -> int:
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


def seed_bulk(start: int, count: int, staff, call_id: int, areas: list[int], handler_id: int):
    words = ["äldre", "barn", "skola", "trygghet", "rörelse", "digital", "hälsa", "lek"]
    states = ["received", "awaiting_info", "in_portfolio", "declined", "duplicate", "withdrawn"]
    rows = []
    for n in range(start, start + count):
        rows.append(
            row(
                n,
                staff=staff if n % 3 else None,
                state=states[n % len(states)],
                kind="challenge" if n % 2 else "idea",
                title=f"{words[n % 8].capitalize()} {words[(n // 8) % 8]} {n}",
                purpose=" ".join(words[(n + k) % 8] for k in range(4)),
                call_id=call_id if n % 4 == 0 else None,
                focus_area_id=areas[n % len(areas)] if n % 5 else None,
                handler_id=handler_id if n % 2 else None,
            )
        )
    for chunk in range(0, len(rows), 1000):
        _db.session.execute(insert(Submission), rows[chunk : chunk + 1000])
    _db.session.commit()


@pytest.mark.slow
def test_inbox_statement_count_is_the_same_for_10_and_5000_submissions(app, client, triager, staff):
    call = make_call()
    areas = list(_db.session.scalars(select(FocusArea.id)))
    urls = [
        "/inkorg",
        "/inkorg?state=all",
        "/inkorg?state=all&sort=title",
        f"/inkorg?state=all&portfolio={area('Skolresultat').portfolio_id}&source=invanare",
        f"/inkorg?handler={triager.id}&call={call.id}&kind=idea",
        "/inkorg?q=äldre",
        "/inkorg?state=all&q=äldre+barn&source=invanare",
        "/inkorg?q=SK-2026-0007",
        "/inkorg?state=all&page=3",
    ]
    seed_bulk(1, 10, staff, call.id, areas, triager.id)
    client.get("/inkorg")  # warm-up: first-request work is not the inbox's
    small = {url: count_statements(app, client, url) for url in urls}
    seed_bulk(11, 4990, staff, call.id, areas, triager.id)
    large = {url: count_statements(app, client, url) for url in urls}
    assert large == small
    assert max(small.values()) <= 12, small


def test_inbox_free_text_matching_more_than_the_cap_counts_the_newest(client, triager, monkeypatch):
    """Common words stay cheap: the newest TEXT_CAP matches are counted, and the page says so."""
    from portal.triage import inbox as inbox_module

    monkeypatch.setattr(inbox_module, "TEXT_CAP", 2)
    add(*(row(n, title=f"Trygghet nummer {n}") for n in (1, 2, 3)), row(4, title="Annat"))
    html = client.get("/inkorg?q=trygghet").get_data(as_text=True)
    assert "Sökningen passar fler än 2 inlämningar." in html
    assert listed(client.get("/inkorg?q=trygghet")) == ["SK-2026-0003", "SK-2026-0002"]
    assert "Sökningen passar" not in client.get("/inkorg?q=annat").get_data(as_text=True)
