"""Similar ideas (portal/hub/similar.py) and the hub search with compound words, on the test
database's dialect (SQLite FTS5 with bm25, or PostgreSQL tsvector with ts_rank): the same
assertions hold on both. And the benchmark's metric, at small scale."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bench import similar_ideas as bench
from portal.extensions import db as _db
from portal.hub import search, services, similar
from portal.hub.models import SearchDocument
from portal.submissions import services as submission_services
from portal.submissions.models import State
from tests.hub_factories import make_hub_initiative, make_origin


@pytest.fixture
def published(db):
    make_hub_initiative(
        "Digitala besök i äldreomsorgen",
        summary="Surfplattor för videosamtal mellan boende på äldreboenden och anhöriga.",
    )
    make_hub_initiative(
        "Promenadvänner mot ensamhet",
        summary="Volontärer går promenader med äldre som bor ensamma.",
    )
    make_hub_initiative(
        "Grönare skolgårdar", summary="Träd och odlingslådor på skolgårdar för lek och skugga."
    )
    make_hub_initiative(
        "Hemlig omsorg om äldre via video",
        summary="Videosamtal för äldre i omsorgen med anhöriga, inte publicerat.",
        publish=False,
    )


def titles(found) -> list[str]:
    return [s.initiative.title for s in found]


def test_the_same_idea_in_other_words_is_found_through_its_compounds(published):
    found = similar.similar_published(
        "Omsorg om äldre med video\nAnhöriga ringer videosamtal till den som bor på boendet."
    )
    assert titles(found)[0] == "Digitala besök i äldreomsorgen"


def test_unrelated_text_shows_nothing(published):
    assert similar.similar_published("Konstgräsplaner för fotboll\nFler planer att träna på.") == []
    assert similar.similar_published("") == []
    assert similar.similar_published("och i för") == []  # stop words only


def test_one_shared_word_is_not_enough(published):
    assert similar.similar_published("Äldre\nKonstgräs fotboll planer träning") == []


def test_nothing_unpublished_is_ever_shown(published):
    text = "Hemlig omsorg om äldre via video\nVideosamtal för äldre i omsorgen med anhöriga."
    assert "Hemlig omsorg om äldre via video" not in titles(similar.similar_published(text))
    shown = make_hub_initiative("Videosamtal i omsorgen", summary="Videosamtal för äldre.")
    assert "Videosamtal i omsorgen" in titles(similar.similar_published(text))
    services.update_publication(
        shown, published=False, public_fields=(), expected_version=None, actor=None
    )
    _db.session.commit()
    assert "Videosamtal i omsorgen" not in titles(similar.similar_published(text))


def test_at_most_the_limit_best_first(published):
    for n in range(7):
        make_hub_initiative(f"Videosamtal i äldreomsorgen {n}", summary="Anhöriga och äldre.")
    found = similar.similar_published("Videosamtal äldreomsorgen anhöriga äldre")
    assert len(found) == similar.LIMIT
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert all(s.phase_label for s in found)


def test_the_index_holds_the_compound_parts(published):
    stems = _db.session.scalars(select(SearchDocument.compound_stems)).all()
    assert any("äldr omsorg" in s for s in stems)


def test_hub_search_finds_a_compound_by_its_parts_and_back(published):
    assert [i.title for i in search.search("omsorg").rows] == ["Digitala besök i äldreomsorgen"]
    make_hub_initiative("Omsorg om äldre i hemmet", summary="Hemtjänst.")
    found = [i.title for i in search.search("äldreomsorg").rows]
    assert found[0] == "Digitala besök i äldreomsorgen"  # the word itself above its parts
    # Both parts, and one part only ("Volontärer går promenader med äldre"), ranked below
    assert set(found) == {
        "Digitala besök i äldreomsorgen",
        "Omsorg om äldre i hemmet",
        "Promenadvänner mot ensamhet",
    }
    assert found.index("Omsorg om äldre i hemmet") < found.index("Promenadvänner mot ensamhet")


# --- likely duplicates for triage ---------------------------------------------------------------


def sent(title: str, purpose: str, email: str = "kim@example.org"):
    from tests.factories import make_call

    submission, _token = submission_services.submit_resident(
        make_call(),
        {"kind": "idea", "title": title, "purpose": purpose},
        name="Kim Invånare",
        email=email,
    )
    _db.session.commit()
    return submission


def test_likely_duplicates_among_sent_submissions_with_their_initiative(db):
    first = sent("Videosamtal i äldreomsorgen", "Anhöriga ringer äldre på boendet med video.")
    unrelated = sent("Konstgräs för fotboll", "Fler planer att träna på för klubbarna.")
    origin = make_origin(title="Surfplattor på äldreboendet", purpose="Videosamtal med anhöriga.")
    initiative = make_hub_initiative("Surfplattor på äldreboendet", origin=origin, publish=False)
    new = sent("Omsorg om äldre via video", "Äldre på boendet ringer videosamtal till anhöriga.")
    found = similar.likely_duplicates(new)
    ids = [s.submission.id for s in found]
    assert first.id in ids and origin.id in ids
    assert unrelated.id not in ids and new.id not in ids
    [with_initiative] = [s for s in found if s.submission.id == origin.id]
    assert with_initiative.initiative.id == initiative.id
    assert all(s.submission.state != State.DRAFT for s in found)


# --- the benchmark's figures ------------------------------------------------------------------


def test_metric_computation():
    runs = [
        (["a", "x", "b"], {"a", "b"}, {"x"}),  # two right of three shown
        (["y"], {"c"}, set()),  # the duplicate missed, a wrong one shown
        ([], set(), {"z"}),  # a near topic, rightly nothing shown
        (["d", "e", "f", "g", "h", "i"], {"i"}, set()),  # found only sixth: not in the top 5
    ]
    m = bench.metrics(runs, k=5)
    assert (m.duplicates, m.found, m.shown) == (4, 2, 9)
    assert m.recall == pytest.approx(2 / 4)
    assert m.precision == pytest.approx(2 / 9)
    assert bench.metrics([]).recall == 0.0 and bench.metrics([]).precision == 0.0


def test_benchmark_at_small_scale(db):
    data = json.loads(bench.DATA.read_text(encoding="utf-8"))
    assert len(data["pairs"]) >= 60
    assert {p["duplicate"] for p in data["pairs"]} == {True, False}
    small = {"published": data["published"][:8], "pairs": []}
    keys_kept = {p["key"] for p in small["published"]}
    small["pairs"] = [p for p in data["pairs"] if p["target"] in keys_kept]
    keys = bench.load(small)
    with_split = bench.evaluate(small, keys, split=True)
    assert with_split.duplicates == sum(p["duplicate"] for p in small["pairs"])
    assert with_split.recall >= 0.8
    without = bench.evaluate(small, keys, split=False)
    assert 0.0 <= without.recall <= 1.0 and 0.0 <= without.precision <= 1.0
