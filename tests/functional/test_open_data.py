"""Open data (/oppna-data): the published initiatives as JSON and CSV without a token, the
DCAT-AP-SE catalogue record (expanded by a JSON-LD processor), caching and conditional
requests, the rate limit, the admin's licence, and the Atom feeds' conditional requests."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openapi_spec_validator import validate
from pyld import jsonld
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.evaluation.goals import InitiativeGoal
from portal.evaluation.models import Decision, Phase
from portal.extensions import db as _db
from portal.hub import services
from portal.texts.models import SiteSetting
from tests.conftest import csrf_from, post_form
from tests.factories import make_call
from tests.functional.test_goals import make_goal
from tests.hub_factories import make_hub_initiative, make_origin

SECRET = "Hemlighetsfullt"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
FOAF = "http://xmlns.com/foaf/0.1/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
CC_BY = "http://creativecommons.org/licenses/by/4.0/"
FILES = ("/oppna-data/initiativ.json", "/oppna-data/initiativ.csv", "/oppna-data/katalog.jsonld")


@pytest.fixture
def published(db):
    """Two published initiatives (one with its summary public, one without) and one not."""
    origin = make_origin(
        resident=False,
        party_name="Västerås stad",
        follow_up=f"{SECRET} uppföljning",
        responsible=f"{SECRET} Kim, 070-123 45 67",
    )
    walking = make_hub_initiative(
        "Promenadvänner i Västerås", summary="Äldre och frivilliga går tillsammans.", origin=origin
    )
    _db.session.add(
        Decision(
            initiative=walking,
            decided_on=date(2026, 3, 10),
            outcome="go_on",
            from_phase="idea",
            to_phase="concept",
        )
    )
    walking.phase = Phase.CONCEPT
    _db.session.flush()
    goal = make_goal("Fler äldre bor tryggt hemma")
    _db.session.add(InitiativeGoal(initiative_id=walking.id, goal_id=goal.id))
    quiet = make_hub_initiative("Tyst initiativ", summary=f"{SECRET} sammanfattning", fields=())
    hidden = make_hub_initiative(f"{SECRET} opublicerat", publish=False)
    _db.session.commit()
    return {"walking": walking.id, "quiet": quiet.id, "hidden": hidden.id, "goal": goal.id}


def rows_of(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


# --- the files -------------------------------------------------------------------------------


def test_json_has_the_published_initiatives_and_only_public_fields(client, published):
    response = client.get("/oppna-data/initiativ.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["license"] == CC0
    assert body["catalog"] == "http://localhost/oppna-data/katalog.jsonld"
    items = {i["id"]: i for i in body["initiatives"]}
    assert set(items) == {published["walking"], published["quiet"]}
    walking = items[published["walking"]]
    assert walking["title"] == "Promenadvänner i Västerås"
    assert walking["focus_area"]["name"] == "Välmående och självständiga äldre"
    assert (walking["phase"], walking["phase_label"]) == ("concept", "Konceptfas")
    assert walking["parties"] == ["Västerås stad"]
    assert walking["goals"] == [
        {"id": published["goal"], "kind": "societal", "title": "Fler äldre bor tryggt hemma"}
    ]
    assert items[published["quiet"]]["goals"] == []
    assert walking["summary"] == "Äldre och frivilliga går tillsammans."
    assert walking["phase_since"] == "2026-03-10"
    assert date.fromisoformat(walking["first_published"])
    assert walking["url"] == f"http://localhost/hubb/{walking['id']}-promenadvanner-i-vasteras"
    assert client.get(walking["url"].removeprefix("http://localhost")).status_code == 200
    assert items[published["quiet"]]["summary"] is None  # its summary is not published
    assert set(walking) == {
        "id", "title", "focus_area", "phase", "phase_label", "goals", "parties", "first_published",
        "last_published", "phase_since", "summary", "url",
    }  # fmt: skip
    assert SECRET not in response.get_data(as_text=True)


def test_no_token_no_cookie_needed_and_english_readers_get_the_same_file(client, published):
    swedish = client.get("/oppna-data/initiativ.json")
    post_form(client, "/sprak", {"lang": "en"}, page="/")
    english = client.get("/oppna-data/initiativ.json")
    assert english.get_data() == swedish.get_data()
    assert english.headers["ETag"] == swedish.headers["ETag"]


def test_csv_is_utf8_with_bom_crlf_and_neutralises_formulas(client, published):
    make_hub_initiative('=HYPERLINK("http://example.org","klicka")', summary="\n=1+1")
    response = client.get("/oppna-data/initiativ.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = rows_of(response)
    assert rows[0] == [
        "id", "title", "focus_area_id", "focus_area", "phase", "phase_label", "goals", "parties",
        "first_published", "last_published", "phase_since", "summary", "url",
    ]  # fmt: skip
    by_title = {r[1]: r for r in rows[1:]}
    walking = by_title["Promenadvänner i Västerås"]
    assert walking[3] == "Välmående och självständiga äldre"  # åäö intact
    assert walking[6] == "Fler äldre bor tryggt hemma"
    assert walking[7] == "Västerås stad" and walking[10] == "2026-03-10"
    assert by_title["Tyst initiativ"][11] == ""
    formula = by_title['\'=HYPERLINK("http://example.org","klicka")']
    assert formula[11] == "'=1+1"  # the summary is trimmed, then neutralised
    assert len(rows) == 1 + 3
    assert SECRET not in response.get_data(as_text=True)


def test_an_unpublished_initiative_leaves_the_files(client, published, login_as):
    from portal.evaluation.models import Initiative

    services.unpublish(_db.session.get(Initiative, published["walking"]), actor=None)
    _db.session.commit()
    ids = [i["id"] for i in client.get("/oppna-data/initiativ.json").get_json()["initiatives"]]
    assert ids == [published["quiet"]]
    assert "Promenadvänner" not in client.get("/oppna-data/initiativ.csv").get_data(as_text=True)


# --- the catalogue record --------------------------------------------------------------------


def _expanded(client) -> list[dict]:
    response = client.get("/oppna-data/katalog.jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    document = response.get_json()
    # Expanded by a JSON-LD processor, with no remote context to load (our own @context),
    # then flattened: every node at the top, its properties full IRIs.
    options = {"documentLoader": _no_remote_documents}
    expanded = jsonld.expand(document, options)
    assert expanded and all("@id" in node for node in expanded)
    return jsonld.flatten(expanded, None, options)


def _no_remote_documents(url, options=None):
    raise AssertionError(f"the record must not need {url}")


def _of_type(nodes: list[dict], iri: str) -> list[dict]:
    return [n for n in nodes if iri in n.get("@type", [])]


def _ids(node: dict, prop: str) -> list[str]:
    return [v["@id"] for v in node.get(prop, [])]


def _values(node: dict, prop: str) -> dict[str, str]:
    return {v.get("@language"): v["@value"] for v in node.get(prop, [])}


def test_catalogue_record_expands_to_dcat_ap_se_terms(client, published):
    nodes = _expanded(client)
    [catalog] = _of_type(nodes, DCAT + "Catalog")
    [dataset] = _of_type(nodes, DCAT + "Dataset")
    distributions = _of_type(nodes, DCAT + "Distribution")
    assert _ids(catalog, DCAT + "dataset") == [dataset["@id"]]
    assert set(_values(catalog, DCT + "title")) == {"sv", "en"}
    titles = _values(dataset, DCT + "title")
    assert titles == {
        "sv": "Samhällskontraktets initiativ",
        "en": "Initiatives of Samhällskontraktet",
    }
    assert set(_values(dataset, DCT + "description")) == {"sv", "en"}
    assert _ids(dataset, DCAT + "theme") == [
        "http://publications.europa.eu/resource/authority/data-theme/GOVE"
    ]
    assert _ids(dataset, DCT + "license") == [CC0]
    assert dataset[DCT + "issued"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#date"
    assert dataset[DCT + "modified"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
    # The publisher and the contact point (a vcard with an e-mail address).
    [publisher] = [n for n in nodes if n["@id"] == _ids(dataset, DCT + "publisher")[0]]
    assert FOAF + "Agent" in publisher["@type"] and _values(publisher, FOAF + "name")["sv"]
    [contact] = [n for n in nodes if n["@id"] == _ids(dataset, DCAT + "contactPoint")[0]]
    assert VCARD + "Organization" in contact["@type"]
    assert _ids(contact, VCARD + "hasEmail")[0].startswith("mailto:")
    # Two distributions, each with its address, format, media type and licence.
    assert set(_ids(dataset, DCAT + "distribution")) == {d["@id"] for d in distributions}
    by_type = {_ids(d, DCAT + "mediaType")[0].rsplit("/", 2)[-2:][1]: d for d in distributions}
    assert set(by_type) == {"json", "csv"}
    for name, distribution in by_type.items():
        url = _ids(distribution, DCAT + "downloadURL")[0]
        assert _ids(distribution, DCAT + "accessURL") == [url]
        assert url == f"http://localhost/oppna-data/initiativ.{name}"
        assert _ids(distribution, DCT + "format")[0].endswith(f"/file-type/{name.upper()}")
        assert _ids(distribution, DCT + "license") == [CC0]
        assert set(_values(distribution, DCT + "title")) == {"sv", "en"}
        assert client.get(url.removeprefix("http://localhost")).status_code == 200


# --- caching ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", FILES)
def test_files_are_cacheable_and_answer_conditional_requests(client, published, url):
    response = client.get(url)
    assert response.status_code == 200
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    unchanged = client.get(url, headers={"If-None-Match": etag})
    assert unchanged.get_data() == b"" and unchanged.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # A newly published initiative is a new version, by ETag and by date.
    make_hub_initiative("Nytt initiativ", summary="Nytt.")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert client.get(url, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304


def test_a_renamed_initiative_is_a_new_version(client, published):
    from portal.evaluation.models import Initiative

    etag = client.get("/oppna-data/initiativ.json").headers["ETag"]
    _db.session.get(Initiative, published["quiet"]).title = "Nytt namn"
    _db.session.commit()
    response = client.get("/oppna-data/initiativ.json", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Nytt namn" in response.get_data(as_text=True)


def test_a_renamed_goal_is_a_new_version(client, published):
    from portal.admin import goals as goal_admin
    from portal.reference.goals import Goal

    etag = client.get("/oppna-data/initiativ.json").headers["ETag"]
    goal = _db.session.get(Goal, published["goal"])
    goal_admin.rename_goal(
        goal,
        new_title="Fler äldre bor tryggt och självständigt hemma",
        description="",
        measure="",
        valid_from=date(2026, 1, 1),
        expected_version=goal.version,
        actor=None,
    )
    _db.session.commit()
    response = client.get("/oppna-data/initiativ.json", headers={"If-None-Match": etag})
    assert response.status_code == 200
    walking = next(i for i in response.get_json()["initiatives"] if i["id"] == published["walking"])
    assert walking["goals"][0]["title"] == "Fler äldre bor tryggt och självständigt hemma"


def test_files_are_rate_limited_with_retry_after(app, client, published, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_RATE_LIMIT", "2 per minute")
    assert client.get("/oppna-data/initiativ.json").status_code == 200
    assert client.get("/oppna-data/initiativ.csv").status_code == 200
    response = client.get("/oppna-data/katalog.jsonld")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert client.get("/oppna-data").status_code == 200  # the page itself is not limited


# --- the page, the licence -------------------------------------------------------------------


def test_page_explains_the_data_and_links_the_files(client, published):
    html = client.get("/oppna-data").get_data(as_text=True)
    assert "<h1>Öppna data</h1>" in html
    for url in FILES:
        assert f'href="{url}"' in html
    assert "CC0 1.0" in html
    home = client.get("/").get_data(as_text=True)
    assert 'href="/oppna-data"' in home  # the footer
    post_form(client, "/sprak", {"lang": "en"}, page="/")
    english = client.get("/oppna-data").get_data(as_text=True)
    assert '<html lang="en">' in english


def test_admin_chooses_the_licence_audited_and_the_files_say_it(client, published, login_as):
    assert client.get("/admin/oppna-data").status_code in (302, 401, 403)
    admin = login_as(Role.ADMIN)
    html = client.get("/admin/oppna-data").get_data(as_text=True)
    assert re.search(r'<input checked[^>]* value="cc0"', html)
    version = html.split('name="version" type="hidden" value="')[1].split('"')[0]
    etag = client.get("/oppna-data/katalog.jsonld").headers["ETag"]
    response = client.post(
        "/admin/oppna-data",
        data={"csrf_token": csrf_from(html), "licence": "cc-by-4.0", "version": version},
    )
    assert response.status_code == 302
    assert client.get("/oppna-data/initiativ.json").get_json()["license"] == CC_BY
    nodes = _expanded(client)
    [dataset] = _of_type(nodes, DCAT + "Dataset")
    assert _ids(dataset, DCT + "license") == [CC_BY]
    assert (
        client.get("/oppna-data/katalog.jsonld", headers={"If-None-Match": etag}).status_code == 200
    )
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "setting_updated"))
    assert entry.actor_id == admin.id
    assert entry.changes == {"open_data_licence": ["cc0", "cc-by-4.0"]}
    assert "CC BY 4.0" in client.get("/oppna-data").get_data(as_text=True)
    # A save from a page shown before that change is refused, not applied.
    stale = client.post(
        "/admin/oppna-data",
        data={"csrf_token": csrf_from(html), "licence": "cc-by-sa-4.0", "version": version},
    )
    assert stale.status_code == 409
    assert _db.session.get(SiteSetting, "open_data_licence").value == "cc-by-4.0"
    # Not a licence from the list: refused on the field.
    odd = client.post(
        "/admin/oppna-data",
        data={"csrf_token": csrf_from(html), "licence": "gpl", "version": "1"},
    )
    assert odd.status_code == 422


@pytest.mark.parametrize("role", [Role.PROCESS_SUPPORT, Role.BOARD])
def test_only_an_admin_reaches_the_licence(client, login_as, role):
    login_as(role)
    assert client.get("/admin/oppna-data").status_code == 403


# --- the OpenAPI document --------------------------------------------------------------------


def test_openapi_documents_the_open_data(client, published):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    for url in FILES:
        operation = spec["paths"][url]["get"]
        assert operation["security"] == []
        assert {"200", "304", "429"} <= set(operation["responses"])
        assert spec["paths"][url]["servers"] == [{"url": "/"}]
    headers = spec["paths"]["/oppna-data/initiativ.json"]["get"]["responses"]["200"]["headers"]
    assert {"ETag", "Last-Modified", "Cache-Control"} <= set(headers)


# --- the Atom feeds answer conditional requests ----------------------------------------------


@pytest.mark.parametrize("url", ["/hubb/flode.atom", "/utlysningar/flode.atom"])
def test_feeds_answer_conditional_requests(client, published, url):
    make_call(title="Barn i rörelse")
    response = client.get(url)
    assert response.status_code == 200
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"old"'}).status_code == 200


def test_initiative_feed_changes_when_an_initiative_is_published(client, published):
    etag = client.get("/hubb/flode.atom").headers["ETag"]
    make_hub_initiative("Nytt i flödet", summary="Nytt.")
    response = client.get("/hubb/flode.atom", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Nytt i flödet" in response.get_data(as_text=True)
