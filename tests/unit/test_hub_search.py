"""The hub's search: Swedish stemming, åäö, phrases, no hits, hostile input, only public text.

Runs on the test database's dialect: SQLite (FTS5 over Python-stemmed text) or PostgreSQL
(the Swedish text search configuration); the same assertions hold on both.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.evaluation.models import Insight, Phase
from portal.extensions import db as _db
from portal.hub import search, services
from portal.hub.models import SearchDocument
from portal.hub.search import Filters, fts5_match, parse, pg_tsquery, variants
from tests.factories import party
from tests.hub_factories import make_hub_initiative, make_origin

SCHOOL = "Alla barn och unga uppnår sin fulla potential"


def titles(query: str, **kwargs) -> list[str]:
    return sorted(i.title for i in search.search(query, **kwargs).rows)


# --- the query language, without a database -------------------------------------------------


def test_definite_forms_also_try_the_indefinite():
    assert variants("skolan") == ("skolan", "skola")
    assert variants("huset") == ("huset", "huse")
    assert variants("skolans") == ("skolans", "skola")
    assert variants("äldre") == ("äldre",)
    assert variants("plan") == ("plan",)  # too short to be a definite form


def test_parse_reads_words_and_phrases_and_drops_stop_words():
    query = parse('Äldre "i glesbygd" och skolan')
    assert query.phrases == (("i", "glesbygd"),)
    assert query.terms == (("äldre",), ("skolan", "skola"))


FTS5_PART = re.compile(r'\("[^\W_]+"\*( OR "[^\W_]+"\*)*\)|"[^\W_]+( [^\W_]+)*"')
PG_PART = re.compile(r"\('[^\W_]+':\*( \| '[^\W_]+':\*)*\)")


@pytest.mark.parametrize(
    "raw",
    ['"', "'", "*", "OR", "NEAR(", "-", ":", "^", "(", ")", "\\", "{", "}", '""', "AND NOT"],
)
def test_operators_and_quotes_never_reach_the_database_as_syntax(raw):
    query = parse(f'äldre {raw} skolan {raw} "i glesbygd"')
    # FTS5 sees quoted stems only, joined by AND and OR.
    for part in fts5_match(query).split(" AND "):
        assert FTS5_PART.fullmatch(part), part
    # PostgreSQL sees 'word':* groups; the phrase goes as a parameter of phraseto_tsquery.
    sql, params = pg_tsquery(query)
    assert sql == "to_tsquery('swedish', :hub_terms) && phraseto_tsquery('swedish', :hub_phrase_0)"
    for part in params["hub_terms"].split(" & "):
        assert PG_PART.fullmatch(part), part
    assert params["hub_phrase_0"] == "i glesbygd"
    strict, strict_params = pg_tsquery(query, strict=True)  # in the same statement
    assert not set(params) & set(strict_params)
    assert strict_params["hub_strict_phrase_0"] == "i glesbygd"


def test_neuter_adjectives_also_try_their_base():
    assert variants("digitalt") == ("digitalt", "digital")
    assert variants("svårt") == ("svårt", "svår")
    assert variants("kort") == ("kort",)  # too short to tell
    assert variants("konst") == ("konst",)  # -st is not a neuter ending


def test_words_that_may_have_lost_their_swedish_letters():
    assert search.foldable("aldre") and search.foldable("forskola")
    assert not search.foldable("äldre")  # typed with them: matched as typed
    assert not search.foldable("far")  # too short: "far", "får", "får"
    assert not search.foldable("digitit")  # no a or o to lose its dots or ring


def test_strict_match_leaves_out_compound_parts_and_the_parts_column():
    query = parse("äldreomsorg")
    assert fts5_match(query) == '("äldreomsorg"* OR "äldr"* OR "omsorg"*)'
    assert fts5_match(query, strict=True) == '{title_stems body_stems} : (("äldreomsorg"*))'
    sql, params = pg_tsquery(query, strict=True)
    assert sql == "to_tsquery('swedish', :hub_strict)"
    assert params == {"hub_strict": "('äldreomsorg':*AB)"}
    assert pg_tsquery(query)[1] == {"hub_terms": "('äldreomsorg':* | 'äldre':* | 'omsorg':*)"}


def test_a_word_typed_without_swedish_letters_matches_what_it_folds_to():
    query = search.Query(terms=(("aldre",),), folded=(("äldre",),), unseen=frozenset({0}))
    assert fts5_match(query) == '("aldr"* OR "äldr"*)'
    assert fts5_match(query, strict=True) == '{title_stems body_stems} : (("äldr"*))'


def test_snippet_marks_the_words_matched_around_the_first():
    body = (
        "Inledning om projektet som handlar om mycket annat först och sedan ännu mer text "
        "innan det viktiga kommer. Unga får sommarjobb i äldreomsorgen och mycket annat."
    )
    pieces = search.snippet(body, search.matcher(parse("jobb")))
    assert pieces[0][0].startswith("… ")  # the start is left out: the match is further on
    assert ("sommarjobb", True) in pieces
    assert [p for p, m in pieces if m] == ["sommarjobb"]
    text = "".join(p for p, _ in pieces)
    assert "Unga får sommarjobb i äldreomsorgen" in text
    assert len(text) <= search.SNIPPET_LENGTH + 4


def test_snippet_without_a_match_in_the_text_is_its_start():
    pieces = search.snippet("Första stycket.\n\nAndra stycket.", search.matcher(parse("cykel")))
    assert pieces == [("Första stycket.", False)]


def test_snippet_marks_inflections_parts_and_folded_words():
    match = search.matcher(search.Query(terms=(("aldre",),), folded=(("äldre",),)))
    assert match("Äldre") and match("äldreomsorgen")
    match = search.matcher(parse("digitalt"))
    assert match("Digitala") and not match("dig")
    match = search.matcher(parse("äldreomsorg"))
    assert match("omsorgen") and match("äldre") and not match("vård")


def test_very_long_queries_are_cut():
    query = parse(" ".join(f"ord{n}" for n in range(500)) + " " + "x" * 5000)
    assert len(query.terms) == search.MAX_TERMS


# --- the search on the database ---------------------------------------------------------------


@pytest.fixture
def corpus(db):
    """Published initiatives with Swedish text, one unpublished, one with a private field."""
    make_hub_initiative("Läxhjälp på skolan", summary="Studenter hjälper elever efter skoldagen.")
    make_hub_initiative(
        "Ensamhet bland äldre i glesbygd", summary="Äldres ensamhet på landsbygden."
    )
    make_hub_initiative("Sommarjobb i äldreomsorgen", summary="Unga får sommarjobb.")
    make_hub_initiative("Välmående för alla", summary="Öppna träffpunkter med fika.")
    make_hub_initiative(
        "Glesbygd och teknik", summary="Teknik i glesbygd gör livet enklare för äldre."
    )
    make_hub_initiative("Hemlig skola", summary="En skola som inte är publicerad.", publish=False)
    origin = make_origin(
        purpose="Cykelkök för unga.", follow_up="Vi mäter med frågeformulär hos zebrafinkar."
    )
    make_hub_initiative(
        "Cykelkök", summary="Laga cyklar tillsammans.", origin=origin, fields=("summary",)
    )


def test_stemming_finds_the_indefinite_from_the_definite_and_back(corpus):
    make_hub_initiative("En skola för alla", summary="Skola med öppna dörrar.")
    assert "En skola för alla" in titles("skolan")
    assert "Läxhjälp på skolan" in titles("skola")


def test_stemming_finds_inflections_and_compounds(corpus):
    found = titles("äldres")
    assert "Ensamhet bland äldre i glesbygd" in found
    assert "Sommarjobb i äldreomsorgen" in found  # a word start: äldre- in the compound


def test_swedish_letters_are_letters_of_their_own(corpus):
    assert titles("VÄLMÅENDE") == ["Välmående för alla"]
    assert titles("öppna") == ["Välmående för alla"]
    # Typed with å, ä or ö, a word matches those letters only; typed without them, a word
    # of four letters or more also finds what it folds to, but a short one does not ("far"
    # is not "får": "Unga får sommarjobb").
    make_hub_initiative("Far och barn", summary="Pappor läser högt.")
    assert titles("får") == ["Sommarjobb i äldreomsorgen"]
    assert titles("far") == ["Far och barn"]
    assert titles("valmaende") == ["Välmående för alla"]
    assert titles("oppna") == ["Välmående för alla"]


def test_phrase_matches_words_in_order_only(corpus):
    assert titles('"äldre i glesbygd"') == ["Ensamhet bland äldre i glesbygd"]
    assert titles("glesbygd äldre") == ["Ensamhet bland äldre i glesbygd", "Glesbygd och teknik"]


def test_every_word_must_match(corpus):
    assert titles("sommarjobb unga") == ["Sommarjobb i äldreomsorgen"]
    assert titles("sommarjobb skolan") == []


def test_no_hits_is_an_empty_page_not_an_error(corpus):
    results = search.search("xylofonorkester")
    assert (results.total, results.rows, results.pages, results.searched) == (0, [], 1, True)


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        "'",
        "*",
        "OR",
        "NEAR(",
        "-",
        ":",
        '"äldre',
        "äldre OR",
        "äldre -skola",
        "äldre:*",
        "äldre & skola | !x <-> y",
        "NEAR(äldre glesbygd, 2)",
        "'; DROP TABLE initiatives; --",
        "%_\\",
        "\x00\x1b",
        "å" * 5000,
        "äldre " * 1000,
    ],
)
def test_hostile_input_never_errors_and_stays_within_the_published(corpus, hostile):
    results = search.search(hostile)
    assert "Hemlig skola" not in [i.title for i in results.rows]
    assert results.total == len(results.rows) or results.total > len(results.rows)


def test_quoted_word_and_stray_quote_still_search_the_word(corpus):
    assert titles('"skolan') == titles("skolan") == titles('"skolan"')


def test_only_stop_words_or_signs_lists_everything_and_says_so(corpus):
    for raw in ("och i på", '" * -'):
        results = search.search(raw)
        assert results.ignored_query and not results.searched
        assert results.total == 6


def test_unpublished_initiative_is_never_found(corpus):
    assert "Hemlig skola" not in titles("hemlig")
    assert titles("hemlig") == []
    assert (
        _db.session.scalar(
            select(SearchDocument.title).where(SearchDocument.title == "Hemlig skola")
        )
        is None
    )


def test_word_only_in_a_private_field_finds_nothing(corpus):
    assert titles("zebrafinkar") == []
    assert titles("cykelkök") == ["Cykelkök"]


def test_name_ranks_above_text(corpus):
    make_hub_initiative("Mötesplatser", summary="Mötesplatser mot ensamhet.")
    rows = search.search("ensamhet").rows
    assert [i.title for i in rows] == ["Ensamhet bland äldre i glesbygd", "Mötesplatser"]


def test_filters_narrow_the_list(corpus):
    make_hub_initiative("Pilot i skolan", phase=Phase.PILOT, area_name=SCHOOL)
    school = search.search(filters=Filters(portfolio=_portfolio(SCHOOL)))
    assert [i.title for i in school.rows] == ["Pilot i skolan"]
    assert titles("", filters=Filters(phase="pilot")) == ["Pilot i skolan"]
    assert titles("skolan", filters=Filters(phase="idea")) == ["Läxhjälp på skolan"]


def test_party_filter_reads_the_organisations_taking_part(db):
    origin = make_origin(resident=False, party_name="Region Sörmland", purpose="Vård hemma.")
    make_hub_initiative("Vård hemma", origin=origin)
    make_hub_initiative("Utan part")
    sormland = party("Region Sörmland").id
    assert titles("", filters=Filters(party=sormland)) == ["Vård hemma"]
    assert titles("", filters=Filters(party=party("Västerås stad").id)) == []


def test_sorting_and_pages(corpus):
    first = search.search(sort=search.NAME, per_page=2)
    assert [i.title for i in first.rows] == ["Cykelkök", "Ensamhet bland äldre i glesbygd"]
    assert (first.total, first.pages) == (6, 3)
    last = search.search(sort=search.NAME, per_page=2, page=99)  # clamped to the last page
    assert last.page == 3
    assert [i.title for i in last.rows] == ["Sommarjobb i äldreomsorgen", "Välmående för alla"]


def _portfolio(name):
    from tests.process_factories import area

    return area(name).portfolio_id


# --- the index follows publishing and the public text ---------------------------------------


def test_index_follows_renames_insights_and_unpublishing(db):
    initiative = make_hub_initiative("Digitala fika-träffar", summary="Surfplattor.")
    assert titles("fika") == ["Digitala fika-träffar"]

    initiative.title = "Fika på video för äldre"  # changed elsewhere in the portal
    _db.session.commit()
    assert titles("fika") == ["Fika på video för äldre"]
    assert titles("digitala") == []

    insight = Insight(
        initiative_id=initiative.id, noted_on=initiative.created_at.date(), text="Kaffekoppar"
    )
    _db.session.add(insight)
    _db.session.commit()
    assert titles("kaffekoppar") == []  # not published
    services.update_publication(
        initiative,
        published=True,
        public_fields=["summary"],
        public_insights=[insight.id],
        expected_version=None,
        actor=None,
    )
    _db.session.commit()
    assert titles("kaffekoppar") == ["Fika på video för äldre"]

    services.unpublish(initiative, actor=None)
    _db.session.commit()
    assert titles("fika") == []
    assert _db.session.get(SearchDocument, initiative.id) is None


def test_origin_canvas_change_reaches_the_index_only_for_public_fields(db):
    origin = make_origin(purpose="Balansträning i grupp.", follow_up="Enkät.")
    make_hub_initiative("Balans", origin=origin, fields=("purpose",))
    origin.purpose = "Balansträning med pensionärsföreningar."
    origin.follow_up = "Stegräknare."
    _db.session.commit()
    assert titles("pensionärsföreningar") == ["Balans"]
    assert titles("stegräknare") == []
