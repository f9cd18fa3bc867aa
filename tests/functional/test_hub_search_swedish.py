"""Searching the hub as a resident does, in Swedish (issue 17): compound words by their parts
and back, a neuter adjective, a word typed without å, ä and ö, a typo answered with "Menade
du …?", the words matched marked in the results, and hostile input. Through the search form
on /hubb (the browser fills what the page renders); runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import html as html_module
import re

import pytest

from tests.browser import Browser
from tests.functional.test_following import count_queries
from tests.hub_factories import make_hub_initiative

RESULT = re.compile(r'<li class="card hub-card">\s*<h3><a href="[^"]*">(.*?)</a></h3>', re.S)
SNIPPET = re.compile(r'<p class="hub-snippet">(.*?)</p>', re.S)


@pytest.fixture
def browser(app, db):
    return Browser(app)


@pytest.fixture
def hub(db):
    """Published initiatives in the words of the demo and residents' ideas, and one kept back."""
    for title, summary in [
        (
            "Anhöriga till äldre är utmattade",
            "Anhöriga som vårdar äldre har svårt att få avlastning.",
        ),
        ("Sommarjobb i äldreomsorgen", "Unga får sommarjobb som värdar på äldreboenden."),
        ("Digitala fika-träffar", "Surfplattor så att äldre kan fika tillsammans på distans."),
        ("Svårt att boka tid digitalt", "Många klarar inte bokningstjänsterna i vården."),
        ("Elever tappar motivationen i åk 8", "Många elever slutar göra läxor."),
        ("Utomhusklassrum", "Varje skola får ett klassrum ute med enkel utrustning."),
        ("Cykelbibliotek", "Låna cyklar och hjälmar gratis, som böcker på biblioteket."),
    ]:
        make_hub_initiative(title, summary=summary)
    make_hub_initiative("Zebrafinkar i skolan", summary="Fåglar i klassrummet.", publish=False)


def searched(browser, words: str):
    """The search form filled with `words` and sent, as a browser without JavaScript does."""
    page = browser.get("/hubb")
    form = browser.form(page, action="/hubb")
    form["q"] = words
    response = browser.submit(form)
    if response.status_int == 302:  # the empty filters dropped from the address
        response = browser.get(response.headers["Location"])
    assert response.status_int == 200, response.status_int
    return response


def shown(response) -> list[str]:
    return [html_module.unescape(re.sub(r"<[^>]+>", "", t)) for t in RESULT.findall(response.text)]


def marked(response) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", response.text)


def test_a_compound_finds_its_parts_written_apart_the_whole_word_first(browser, hub):
    found = shown(searched(browser, "äldreomsorg"))
    assert found[0] == "Sommarjobb i äldreomsorgen"  # the word itself above its parts
    assert "Anhöriga till äldre är utmattade" in found  # "vårdar äldre": a part
    assert "Elever tappar motivationen i åk 8" not in found


def test_the_parts_written_apart_find_the_compound(browser, hub):
    response = searched(browser, "äldre omsorg")
    assert shown(response) == ["Sommarjobb i äldreomsorgen"]
    assert "äldreomsorgen" in marked(response)


def test_a_part_finds_the_compound_and_shows_it_marked(browser, hub):
    response = searched(browser, "jobb")
    assert shown(response) == ["Sommarjobb i äldreomsorgen"]
    assert "sommarjobb" in marked(response) and "Sommarjobb" in marked(response)


def test_a_neuter_adjective_finds_the_other_forms(browser, hub):
    response = searched(browser, "digitalt")
    assert set(shown(response)) == {"Digitala fika-träffar", "Svårt att boka tid digitalt"}
    assert "Digitala" in marked(response)


def test_a_word_typed_without_swedish_letters_finds_them(browser, hub):
    response = searched(browser, "aldre")
    found = shown(response)
    assert "Anhöriga till äldre är utmattade" in found
    assert "Sommarjobb i äldreomsorgen" in found
    assert "Utomhusklassrum" not in found
    assert "äldre" in marked(response)


def test_a_typo_gets_menade_du_with_a_link_to_the_corrected_search(browser, hub):
    response = searched(browser, "motivatoin")
    assert "Menade du" in response.text
    assert shown(response) == ["Elever tappar motivationen i åk 8"]
    link = response.html.select_one("#hub-suggestion a")
    assert link.text == "motivationen"
    followed = browser.get(link["href"])
    assert shown(followed) == ["Elever tappar motivationen i åk 8"]
    assert "Menade du" not in followed.text  # the corrected word matches as it stands


def test_nothing_near_says_nothing_found_without_a_suggestion(browser, hub):
    response = searched(browser, "xylofonorkester")
    assert shown(response) == [] and "Menade du" not in response.text
    assert "Inget publicerat initiativ matchar ”xylofonorkester”." in response.text


def test_words_of_an_unpublished_initiative_are_never_suggested(browser, hub):
    response = searched(browser, "zebrafinkr")
    assert "zebrafink" not in response.text.replace("zebrafinkr", "")
    assert shown(response) == []


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)> äldre',
        '"äldre',
        "äldre*",
        "äldre NEAR omsorg",
        "äldre OR jobb",
        "-äldre",
        "'; DROP TABLE initiatives; --",
        "ä" * 300,
        "äldreomsorg " * 40,
    ],
)
def test_hostile_input_is_no_error_and_only_marks_are_markup(browser, hub, hostile):
    response = searched(browser, hostile)
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    for snippet in SNIPPET.findall(response.text) + RESULT.findall(response.text):
        assert set(re.findall(r"</?(\w+)", snippet)) <= {"mark"}, snippet


def test_a_snippet_of_text_with_markup_shows_it_as_text(browser, db):
    make_hub_initiative(
        "Kodklubb", summary='Vi lär unga skriva <script>alert("x")</script> för äldre.'
    )
    response = searched(browser, "äldre")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; för <mark>äldre</mark>" in response.text


@pytest.mark.parametrize("words", ["aldre", "äldreomsorg", "motivatoin"])
def test_the_query_count_does_not_grow_with_the_hub(browser, hub, words):
    browser.get("/hubb", params={"q": words})  # warm up
    few = count_queries(lambda: browser.get("/hubb", params={"q": words}))
    for n in range(12):
        make_hub_initiative(f"Äldreomsorg nummer {n}", summary="Motivationen hos äldre i omsorgen.")
    many = count_queries(lambda: browser.get("/hubb", params={"q": words}))
    assert few == many
