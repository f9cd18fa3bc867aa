"""Swedish compound words split with a lexicon (portal/swedish.py), pure functions."""

from __future__ import annotations

import pytest

from portal.swedish import compound_stems, fold, parts, significant_stems, stem, vocabulary


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("äldreomsorg", ("äldre", "omsorg")),
        ("hemtjänst", ("hem", "tjänst")),
        ("cykelbana", ("cykel", "bana")),
        ("barnomsorg", ("barn", "omsorg")),
        ("demensvård", ("demens", "vård")),
        ("fritidsgård", ("fritid", "gård")),  # a linking s, and not fri|tid|gård
        ("skolgård", ("skola", "gård")),  # the combining form skol- of skola
        ("gatubelysning", ("gata", "belysning")),  # gatu- of gata
        ("trygghetsvandring", ("trygghet", "vandring")),
        ("Äldreomsorgen", ("äldre", "omsorgen")),  # any case, an inflected last part
    ],
)
def test_compounds_split_into_known_words(word, expected):
    assert parts(word) == expected


@pytest.mark.parametrize(
    "word",
    [
        "ensamhet",  # ensam + the suffix -het: a derivation, not a compound
        "hemlig",  # hem + -lig
        "biblioteket",  # a word of its own
        "digitalisering",
        "äldre",  # too short to be a compound
        "bussar",
        "covid19",  # digits
        "xyzqwvbnmk",  # not Swedish
        "a" * 5000,  # not a word at all
        "äldreomsorg" * 5,  # too long to be one
    ],
)
def test_words_that_are_not_compounds_stay_whole(word):
    assert parts(word) == ()


def test_significant_stems_hold_the_words_and_their_parts_without_stop_words():
    terms = significant_stems("Mer omsorg för äldreomsorgen i hemtjänst")
    assert stem("äldreomsorgen") in terms
    assert {stem("äldre"), stem("omsorg"), stem("hem"), stem("tjänst")} <= set(terms)
    assert stem("för") not in terms and "i" not in terms  # stop words
    assert len(terms) == len(set(terms))


def test_without_splitting_only_the_words_themselves():
    terms = significant_stems("Äldreomsorg i hemtjänst", split=False)
    assert terms == [stem("äldreomsorg"), stem("hemtjänst")]


def test_compound_stems_are_the_parts_only_each_once():
    assert compound_stems("äldreomsorg och barnomsorg, äldreomsorg") == "äldr omsorg barn"
    assert compound_stems("omsorg om äldre") == ""


def test_fold_drops_the_dots_and_rings_only():
    assert fold("äldreomsorg") == "aldreomsorg"
    assert fold("förskolan") == "forskolan"
    assert fold("vårdnadshavare") == "vardnadshavare"
    assert fold("kafé") == "kafe"
    assert fold("digital") == "digital"


def test_vocabulary_holds_the_words_and_the_parts_of_compounds_without_stop_words():
    found = vocabulary("Unga får sommarjobb i äldreomsorgen, 2026!")
    assert {"sommarjobb", "sommar", "jobb", "äldreomsorgen", "äldre", "omsorgen"} <= found
    assert "unga" in found and "får" in found
    assert not found & {"i", "2026"}  # a stop word, a number
    assert vocabulary("x" * 5000) == set()  # not a word
