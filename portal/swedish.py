"""Swedish words for full-text search: words, stop words, Snowball stems and compound parts.

Below every capability (the hub's search and the similarity of ideas both use it), pure
functions of text, no database.

**Compound words.** Swedish writes compounds as one word: "äldreomsorg" is "äldre" + "omsorg",
"fritidsgård" is "fritid" + (s) + "gård". A stemmer leaves them whole, so "omsorg om äldre"
and "äldreomsorg" share no term. `parts()` splits a word with a lexicon: the Swedish word
list of `wordfreq` (pinned in requirements.txt), the empirical method of Koehn & Knight
(2003): a word is split where every part is a known word and the parts are, on average, more
frequent than the whole (so "ensamhet" or "hemlig" are not split into rare pieces), with the
Swedish linking forms (-s-, and "gatu-"/"skol-" for "gata"/"skola") and no part shorter than
three letters, a stop word or a derivational suffix ("-het", "-ning", "-lig").

Why `wordfreq` rather than a dedicated decompounder: the maintained Swedish splitters on PyPI
are either trained models far larger than this need (a neural tokenizer) or unmaintained
rule sets without a lexicon; `wordfreq` is maintained, pure Python, has a Swedish list of
some 340 000 words with frequencies (which is what the frequency test needs), and runs the
same on SQLite and PostgreSQL since the split happens in Python before anything is indexed or
queried. Its weakness: a rare compound that is in the list as a word is only split when its
parts are commoner — the usual case for the words ideas are written in.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from wordfreq import zipf_frequency

WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset(
    (Path(__file__).with_name("swedish.stop")).read_text(encoding="utf-8").split()
)
_stemmer = snowballstemmer.stemmer("swedish")

MIN_COMPOUND = 7  # shorter words are not split ("hemma", "bussar")
MAX_COMPOUND = 40  # longer "words" are not words (and would cost a deep recursion)
MIN_PART = 3
MIN_PART_ZIPF = 3.0  # a part must be a reasonably common word (zipf 3 = once per million words)
LINK_COST = 0.3
PART_COST = 1.5
# Endings that are words of their own but, after a stem, derive a word instead of compounding.
SUFFIXES = frozenset(
    [
        "het",
        "heten",
        "heter",
        "ning",
        "ningen",
        "ningar",
        "lig",
        "liga",
        "ligt",
        "else",
        "skap",
        "dom",
        "are",
        "aren",
        "isk",
        "iska",
        "bar",
        "sam",
        "samt",
        "ande",
        "ende",
        "tion",
        "ism",
        "ist",
        "ör",
    ]
)


FOLD = str.maketrans("åäöéèüæø", "aaoeeuao")


def fold(word: str) -> str:
    """The word as typed without Swedish letters: "äldre" → "aldre", "förskola" → "forskola"
    (a phone without a Swedish keyboard, a visitor abroad)."""
    return word.translate(FOLD)


def words(value: str) -> list[str]:
    """Lower-cased words (letters and digits, åäö included) in order."""
    return WORD.findall(value.casefold())


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def _zipf(word: str) -> float:
    return zipf_frequency(word, "sv", wordlist="best")


def _left_forms(left: str) -> list[str]:
    """The word a first part may stand for: itself, without a linking s ("fritids"), or its
    combining form ("skol" → "skola", "gatu" → "gata", "pojk" → "pojke")."""
    forms = [left]
    if left.endswith("s") and len(left) > MIN_PART:
        forms.append(left[:-1])
    if left.endswith("u"):
        forms.append(left[:-1] + "a")
    forms += [left + "a", left + "e"]
    return forms


def _known(word: str) -> float:
    """The word's frequency if it may be a part, else 0."""
    if len(word) < MIN_PART or word in STOP_WORDS or word in SUFFIXES:
        return 0.0
    zipf = _zipf(word)
    return zipf if zipf >= MIN_PART_ZIPF else 0.0


@lru_cache(maxsize=20000)
def _best_split(word: str) -> tuple[tuple[str, ...], float]:
    """The parts of `word` with the best mean frequency, ((), 0) when it has no split."""
    best: tuple[tuple[str, ...], float] = ((), 0.0)
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        left, right = word[:cut], word[cut:]
        # The form as written first; a linking or combining form costs a little.
        left_part = max(
            ((f, _known(f) - (LINK_COST if n else 0.0)) for n, f in enumerate(_left_forms(left))),
            key=lambda p: p[1],
        )
        if left_part[1] <= 0:
            continue
        options = []
        if _known(right):
            options.append(((right,), _known(right)))
        if len(right) >= 2 * MIN_PART:
            rest, score = _best_split(right)
            if rest:  # a part more costs: "fritids|gård", not "fri|tids|gård"
                options.append((rest, score - PART_COST))
        for rest, score in options:
            mean = (left_part[1] + score * len(rest)) / (1 + len(rest))
            if mean > best[1]:
                best = ((left_part[0], *rest), mean)
    return best


@lru_cache(maxsize=20000)
def parts(word: str) -> tuple[str, ...]:
    """The parts of a compound word, () when it is not one: "äldreomsorg" → ("äldre",
    "omsorg"). Split when the parts are on average commoner than the whole word."""
    word = word.casefold()
    if not MIN_COMPOUND <= len(word) <= MAX_COMPOUND or not word.isalpha():
        return ()
    split, score = _best_split(word)
    if len(split) < 2 or score <= _zipf(word):
        return ()
    return split


def stemmed(value: str) -> str:
    """The words that are not stop words, stemmed, in order."""
    return " ".join(stem(w) for w in words(value) if w not in STOP_WORDS)


def compound_stems(value: str) -> str:
    """The stems of the compound parts of the text's words (not the words themselves), in
    order, each once: what an index holds beside the stems so that "omsorg" and "äldre" find
    "äldreomsorg"."""
    found = dict.fromkeys(stem(p) for w in words(value) if w not in STOP_WORDS for p in parts(w))
    return " ".join(found)


def significant_stems(value: str, *, split: bool = True) -> list[str]:
    """The distinct stems of a text's words that are not stop words, with the stems of their
    compound parts (unless `split` is False): the terms a similarity query is made of."""
    out: dict[str, None] = {}
    for w in words(value):
        if w in STOP_WORDS or len(w) < 2 or w.isdigit():
            continue
        out[stem(w)] = None
        if split:
            for p in parts(w):
                part = stem(p)
                if len(part) >= MIN_PART and part not in STOP_WORDS:  # "före" stems to "för"
                    out[part] = None
    return list(out)


def vocabulary(value: str) -> set[str]:
    """The distinct words of a text a search may suggest or fold to: letters only, three to
    MAX_COMPOUND long, no stop words, with the parts of its compounds ("sommarjobb" gives
    "sommarjobb", "sommar" and "jobb")."""
    out = set()
    for w in words(value):
        if MIN_PART <= len(w) <= MAX_COMPOUND and w.isalpha() and w not in STOP_WORDS:
            out.add(w)
            out.update(parts(w))
    return out
