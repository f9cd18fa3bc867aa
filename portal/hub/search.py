"""Full-text search in Swedish over what the hub publishes, behind one function.

The index reads `hub_search_documents` (portal/hub/models.py): one row per *published*
initiative holding its public text only, written here from Python and deleted on
unpublishing. PostgreSQL: a stored, generated column holding the Swedish `tsvector` of the
document (the name weighted above the rest), with a GIN index. SQLite: an FTS5 table over the
same text stemmed in Python with Snowball's Swedish stemmer (`snowballstemmer`), since SQLite
has none; triggers keep it in step with the document table. These objects live outside the
ORM metadata like the inbox's (portal/triage/search.py: `is_search_object` keeps them out of
Alembic's comparison), and the migration creates them with the same SQL.

A query is words and "quoted phrases". Words must all match, each as a word start after
stemming ("äldres" and "äldreomsorg" find "äldre"), or a compound word by any of its parts
("äldreomsorg" finds "vårdar äldre"; the documents hold the stems of their compounds' parts
too, so "omsorg" finds "äldreomsorg": portal/swedish.py splits them), a document matching
every word itself ranking above one matching by parts. Swedish definite forms the stemmer
keeps whole ("skolan", "huset") also try their indefinite form, neuter adjectives their base
("digitalt" → "digital"). A word typed without å, ä and ö also matches the index's words that
fold to it ("aldre" → "äldre", from the vocabulary `hub_search_words`); a search that finds
nothing is answered with the results of the nearest published words ("Menade du …?").
Phrases match as phrases. Every other character is ignored, so quotes, FTS operators and
stray syntax never reach the database as syntax. Stop words are the PostgreSQL/Snowball
Swedish list on both dialects. Results carry their name and a snippet as (text, matched)
pieces: the template marks the matched words and escapes all text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from sqlalchemy import Float, Integer, case, delete, func, insert, inspect, select, text
from sqlalchemy.orm import joinedload

from portal import paging
from portal.evaluation.models import Initiative, Insight, Phase
from portal.extensions import db
from portal.hub import public
from portal.hub.models import Publication, SearchDocument, SearchWord
from portal.reference.models import Party
from portal.submissions.models import CANVAS_COLUMNS, Submission
from portal.swedish import STOP_WORDS, compound_stems, fold, stem, vocabulary, words
from portal.swedish import parts as compound_parts
from portal.swedish import stemmed as stemmed  # the benchmark and tests import it from here

PHRASE = re.compile(r'"([^"]*)"')

FTS_TABLE = "ix_search_hub_fts"  # the "ix_search_" prefix keeps it out of Alembic's comparison
PG_INDEX = "ix_search_hub_vector"
# The name weighs more than the rest (A above B) when results are ranked; the stems of the
# compound parts (written from Python, portal/swedish.py) weigh least, already stemmed.
PG_DOCUMENT = (
    "(setweight(to_tsvector('swedish', title), 'A') || "
    "setweight(to_tsvector('swedish', body), 'B') || "
    "setweight(to_tsvector('simple', compound_stems), 'C'))"
)
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ix_search_hub_fts USING fts5(title_stems, body_stems, "
    "compound_stems, "
    "content='hub_search_documents', content_rowid='initiative_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_ai AFTER INSERT ON hub_search_documents "
    "BEGIN INSERT INTO ix_search_hub_fts(rowid, title_stems, body_stems, compound_stems) "
    "VALUES (new.initiative_id, new.title_stems, new.body_stems, new.compound_stems); END",
    "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_ad AFTER DELETE ON hub_search_documents "
    "BEGIN INSERT INTO ix_search_hub_fts(ix_search_hub_fts, rowid, title_stems, body_stems, "
    "compound_stems) "
    "VALUES ('delete', old.initiative_id, old.title_stems, old.body_stems, old.compound_stems); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS ix_search_hub_fts_au AFTER UPDATE ON hub_search_documents "
    "BEGIN INSERT INTO ix_search_hub_fts(ix_search_hub_fts, rowid, title_stems, body_stems, "
    "compound_stems) "
    "VALUES ('delete', old.initiative_id, old.title_stems, old.body_stems, old.compound_stems); "
    "INSERT INTO ix_search_hub_fts(rowid, title_stems, body_stems, compound_stems) "
    "VALUES (new.initiative_id, new.title_stems, new.body_stems, new.compound_stems); END",
]
# A stored, generated column (the inbox's too is named search_vector, which `is_search_object`
# keeps out of Alembic's comparison): ranking and the index's recheck then read the vector
# instead of parsing and stemming every matching document again.
PG_COLUMN = "search_vector"
POSTGRES_DDL = [
    "ALTER TABLE hub_search_documents ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS " + PG_DOCUMENT + " STORED",
    "CREATE INDEX IF NOT EXISTS ix_search_hub_vector ON hub_search_documents "
    "USING gin (search_vector)",
    # The vocabulary's trigrams: "Menade du …?" and folded prefixes (hub_search_words).
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_search_hub_words_trgm ON hub_search_words "
    "USING gin (folded gin_trgm_ops)",
]

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8  # words and phrases together
PER_PAGE = 20


# --- the search objects ------------------------------------------------------------------


SQLITE_DROP = [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_search_hub_words_trgm",
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE hub_search_documents DROP COLUMN IF EXISTS {PG_COLUMN}",
]


# --- Swedish text --------------------------------------------------------------------------

# Words, stop words, stems and compound parts live in portal/swedish.py (the similarity of
# ideas uses them too).
VOWELS = set("aeiouyåäö")


def variants(word: str) -> tuple[str, ...]:
    """The word, and its indefinite form when it looks definite or genitive: the Snowball
    stemmer leaves "skolan", "huset" and "skolans" whole, so they also try "skola", "huse"
    (stemmed "hus") and "skola"; a neuter adjective also tries its base ("digitalt" →
    "digital"). Stop words drop out, as PostgreSQL drops them."""
    forms = [word]
    base = word[:-1] if len(word) > 5 and word.endswith("s") else word
    if len(base) > 4 and base[-1] in "nt" and base[-2] in VOWELS:
        forms.append(base[:-1])
    adjective = adjective_base(word)
    if adjective:
        forms.append(adjective)
    return tuple(dict.fromkeys(f for f in forms if f not in STOP_WORDS))


def adjective_base(word: str) -> str | None:
    """The base of a neuter adjective the stemmer keeps whole: "digitalt" → "digital",
    "svårt" → "svår", "allmänt" → "allmän" (so "digitalt" finds "Digitala")."""
    if len(word) >= 5 and word.endswith("t") and word[-2] in "lnr":
        return word[:-1]
    return None


@dataclass(frozen=True)
class Query:
    """A parsed query: words (each with its variants) and phrases (their words).

    `folded` holds, per word, the words of the index it folds to when it was typed without
    å, ä and ö ("aldre": "äldre", "äldreboendet"), filled by `with_folded` from the index's
    vocabulary; `parse` leaves it empty."""

    terms: tuple[tuple[str, ...], ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    folded: tuple[tuple[str, ...], ...] = ()
    # The words whose typed form is in no document (only what they fold to is): a match of
    # their stem alone ("aldre" → "aldr", as in "aldrig") does not rank as a match of the word.
    unseen: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.terms and not self.phrases

    def folds(self, n: int) -> tuple[str, ...]:
        return self.folded[n] if n < len(self.folded) else ()


def parse(raw: str) -> Query:
    """Words and quoted phrases; everything else (operators, stray quotes) is ignored."""
    raw = (raw or "")[:MAX_QUERY_LENGTH]
    phrases = []
    for inner in PHRASE.findall(raw):
        phrase = tuple(words(inner))
        if len(phrase) == 1:
            raw += " " + phrase[0]  # one quoted word is a word
        elif any(w not in STOP_WORDS for w in phrase) and phrase not in phrases:
            phrases.append(phrase)
    rest = PHRASE.sub(" ", raw)
    terms = []
    for word in words(rest):
        forms = variants(word)
        if forms and forms not in terms:
            terms.append(forms)
    phrases = phrases[:MAX_TERMS]
    return Query(tuple(terms[: MAX_TERMS - len(phrases)]), tuple(phrases))


MAX_FOLDED = 6  # index words a word typed without åäö may stand for


def foldable(word: str) -> bool:
    """A word that may have lost its å, ä or ö: four letters or more (short words fold into
    other words too easily: "far" and "får"), none of them Swedish, an a or an o among them."""
    return len(word) >= 4 and word.isalpha() and fold(word) == word and bool(set(word) & {"a", "o"})


def _prefixes(forms: tuple[str, ...], folded: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The stems a word matches as a word start, and the stems of its compound parts."""
    own = list(dict.fromkeys([stem(f) for f in forms] + [stem(w) for w in folded]))
    split = [stem(p) for w in (forms[0], *folded) for p in compound_parts(w)]
    split = [p for p in dict.fromkeys(split) if p not in own]
    return own, split


def fts5_match(query: Query, *, strict: bool = False) -> str:
    """The FTS5 MATCH expression: quoted stems only, so no input is read as FTS syntax.

    Each word matches as a word start after stemming (its variants, the words it folds to),
    or by any of its compound parts ("äldreomsorg" finds "vårdar äldre"). `strict` leaves
    the parts and the compound column out: what ranks a document above part matches."""
    parts = []
    for phrase in query.phrases:
        parts.append('"' + " ".join(stem(w) for w in phrase if w not in STOP_WORDS) + '"')
    for n, forms in enumerate(query.terms):
        own, split = _prefixes(forms, query.folds(n))
        if strict and n in query.unseen:
            own = list(dict.fromkeys(stem(w) for w in query.folds(n)))
        alternatives = [f'"{s}"*' for s in own]
        if not strict:
            alternatives += [f'"{p}"*' for p in split]
        parts.append("(" + " OR ".join(alternatives) + ")")
    expression = " AND ".join(parts)
    return "{title_stems body_stems} : (" + expression + ")" if strict else expression


def pg_tsquery(query: Query, *, strict: bool = False) -> tuple[str, dict[str, str]]:
    """The tsquery SQL expression and its parameters. Words go to to_tsquery as quoted
    prefixes (they hold letters and digits only); phrases go to phraseto_tsquery as text.
    `strict` as for fts5_match: the name and text (weights A and B), no compound parts."""
    parts, params = [], {}
    key = "hub_strict" if strict else "hub_terms"
    if query.terms:
        params[key] = " & ".join(
            "("
            + " | ".join(_pg_alternatives(forms, query.folds(n), strict, n in query.unseen))
            + ")"
            for n, forms in enumerate(query.terms)
        )
        parts.append(f"to_tsquery('swedish', :{key})")
    for n, phrase in enumerate(query.phrases):
        name = f"hub_strict_phrase_{n}" if strict else f"hub_phrase_{n}"
        params[name] = " ".join(phrase)
        parts.append(f"phraseto_tsquery('swedish', :{name})")
    return " && ".join(parts), params


def _pg_alternatives(
    forms: tuple[str, ...], folded: tuple[str, ...], strict: bool, unseen: bool = False
) -> list[str]:
    if strict and unseen:
        forms = ()
    alternatives = [f"'{f}':*AB" if strict else f"'{f}':*" for f in (*forms, *folded)]
    if not strict:
        alternatives += [f"'{p}':*" for w in (forms[0], *folded) for p in compound_parts(w)]
    return list(dict.fromkeys(alternatives))


def _hits(query: Query):
    """A subquery of (id, rank) for the published initiatives matching; higher rank first.
    A document matching every word itself (not only by a compound part) ranks above one
    that does not, whatever else its score."""
    if db.session.get_bind().dialect.name == "sqlite":
        statement = text(
            "SELECT rowid AS id, -bm25(ix_search_hub_fts, 4.0, 1.0, 0.5) + CASE WHEN rowid IN "
            "(SELECT rowid FROM ix_search_hub_fts WHERE ix_search_hub_fts MATCH :hub_strict) "
            "THEN 100.0 ELSE 0.0 END AS rank "
            "FROM ix_search_hub_fts WHERE ix_search_hub_fts MATCH :hub_match"
        ).bindparams(hub_match=fts5_match(query), hub_strict=fts5_match(query, strict=True))
    else:
        # The SQL is constants and bind-parameter names only; the words are parameters.
        tsquery, params = pg_tsquery(query)
        strict, strict_params = pg_tsquery(query, strict=True)
        sql = f"SELECT initiative_id AS id, ts_rank(search_vector, q) + CASE WHEN search_vector @@ s THEN 10.0 ELSE 0.0 END AS rank FROM hub_search_documents CROSS JOIN (SELECT {tsquery} AS q, {strict} AS s) AS query WHERE search_vector @@ q"  # noqa: S608
        statement = text(sql).bindparams(**params, **strict_params)
    # Materialised: the full-text match runs once, whatever order the planner picks for
    # the joins (SQLite would otherwise scan the index again for every filtered row).
    return statement.columns(id=Integer, rank=Float).cte("hits").prefix_with("MATERIALIZED")


# --- the vocabulary: words typed without åäö, and "Menade du …?" ------------------------------


def with_folded(query: Query) -> Query:
    """The query with, for each word typed without å, ä and ö, the index's words that fold
    to a word starting with its stem ("aldre" → "äldre", "äldreomsorgen"): one query."""
    wanted = {n: fold(stem(forms[0])) for n, forms in enumerate(query.terms) if foldable(forms[0])}
    if not wanted:
        return query
    prefixes = sorted(set(wanted.values()))
    if db.session.get_bind().dialect.name == "sqlite":  # a range on the folded column's index
        where = " OR ".join(f"(folded >= :p{n} AND folded < :q{n})" for n in range(len(prefixes)))
        params = {f"p{n}": p for n, p in enumerate(prefixes)}
        params |= {f"q{n}": p[:-1] + chr(ord(p[-1]) + 1) for n, p in enumerate(prefixes)}
    else:  # the trigram index serves LIKE 'prefix%' (the prefix is letters only)
        where = " OR ".join(f"folded LIKE :p{n}" for n in range(len(prefixes)))
        params = {f"p{n}": p + "%" for n, p in enumerate(prefixes)}
    found = db.session.execute(
        text(
            f"SELECT DISTINCT word FROM hub_search_words WHERE {where} "  # noqa: S608
            "ORDER BY word LIMIT 500"
        ).bindparams(**params)
    ).scalars()
    found = list(found)
    typed = {w for w in found if fold(w) == w}  # words as typed, without Swedish letters
    unseen = frozenset(
        n for n in wanted if not any(t.startswith(f) for t in typed for f in query.terms[n])
    )
    by_prefix: dict[str, list[str]] = {}
    for word in sorted(set(found) - typed, key=len):
        for prefix in prefixes:
            if fold(word).startswith(prefix):
                by_prefix.setdefault(prefix, []).append(word)
    folded = []
    for n in range(len(query.terms)):
        matches = by_prefix.get(wanted.get(n, ""), []) if n in wanted else []
        # Shortest first; a longer word whose stem starts with a shorter's adds nothing.
        kept: list[str] = []
        for word in matches:
            if not any(stem(word).startswith(stem(k)) for k in kept):
                kept.append(word)
        folded.append(tuple(kept[:MAX_FOLDED]))
    unseen = frozenset(n for n in unseen if folded[n])
    return Query(query.terms, query.phrases, tuple(folded), unseen)


SUGGEST_SIMILARITY = 0.75  # difflib's ratio between the typed word and an index word, folded


def suggestion(query: Query) -> str | None:
    """A query of the index's own words near the words typed, for a search that found
    nothing ("motivatoin" → "motivationen"), or None. One query per word, only then."""
    if not query.terms:
        return None
    changed, out = False, []
    for forms in query.terms:
        word = forms[0]
        best = _nearest(word)
        if best is None or fold(best).startswith(fold(stem(word))):
            out.append(word)  # the word itself is in the index (or nothing is near it)
        else:
            out.append(best)
            changed = True
    if not changed:
        return None
    phrases = ['"' + " ".join(p) + '"' for p in query.phrases]
    return " ".join([*phrases, *out])


def _nearest(word: str) -> str | None:
    typed = fold(word)
    if len(typed) < 3:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        statement = text(
            "SELECT word, folded, count(*) AS n FROM hub_search_words "
            "WHERE folded >= :first AND folded < :next AND length(folded) BETWEEN :lo AND :hi "
            "GROUP BY word, folded"
        ).bindparams(
            first=typed[0],
            next=chr(ord(typed[0]) + 1),
            lo=len(typed) - 3,
            hi=len(typed) + 4,
        )
    else:  # pg_trgm: the GIN trigram index finds the words sharing trigrams with it
        statement = text(
            "SELECT word, folded, count(*) AS n FROM hub_search_words WHERE folded % :typed "
            "GROUP BY word, folded ORDER BY similarity(folded, :typed) DESC LIMIT 50"
        ).bindparams(typed=typed)
    best, best_score = None, SUGGEST_SIMILARITY
    for candidate, folded, count in db.session.execute(statement):
        score = SequenceMatcher(None, typed, folded).ratio() + min(count, 20) / 1000
        if score > best_score:
            best, best_score = candidate, score
    return best


# --- the search ----------------------------------------------------------------------------

RELEVANCE, NEWEST, NAME, PHASE = "relevans", "nyast", "namn", "fas"
SORTS = (RELEVANCE, NEWEST, NAME, PHASE)
PHASE_ORDER = {p.value: n for n, p in enumerate(Phase)}


@dataclass
class Filters:
    portfolio: int | None = None
    phase: str | None = None
    function: str | None = None
    party: int | None = None


@dataclass
class Results:
    rows: list[Initiative]
    total: int
    page: int
    per_page: int
    searched: bool  # the query held words to search for
    ignored_query: bool = False  # the query held only stop words or signs
    parties: dict[int, list[str]] = field(default_factory=dict)  # initiative id → names
    # initiative id → the public text around the words matched: (text, matched) pieces
    snippets: dict[int, list[tuple[str, bool]]] = field(default_factory=dict)
    phases: dict[int, str] = field(default_factory=dict)  # initiative id → phase as of today
    # initiative id → its name as (text, matched) pieces, the words the query matched marked
    titles: dict[int, list[tuple[str, bool]]] = field(default_factory=dict)
    # Nothing matched the query typed; these are the results of `suggestion` ("Menade du …?")
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return paging.last_page(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search(
    query: str = "",
    filters: Filters | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    *,
    suggest: bool = True,
) -> Results:
    """One page of published initiatives matching the query and filters, in `sort` order.

    The sort defaults to relevance when there is something to search for, else newest first.
    When nothing matches and the index holds words near those typed, the page is that of
    the nearer words, with `suggestion` saying which ("Menade du …?").
    """
    filters = filters or Filters()
    parsed = with_folded(parse(query))
    statement = (
        select(Initiative.id)
        .join(Publication, Publication.initiative_id == Initiative.id)
        .where(Publication.published.is_(True))
    )
    rank = None
    if not parsed.empty:
        hits = _hits(parsed)
        statement = statement.add_columns(hits.c.rank).join(hits, hits.c.id == Initiative.id)
        rank = hits.c.rank
    statement = statement.where(*_filter_clauses(filters))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    if not total and suggest and not parsed.empty:
        corrected = suggestion(parsed)
        if corrected is not None:
            found = search(corrected, filters, sort, page, per_page, suggest=False)
            if found.total:
                found.suggestion = corrected
                return found
    page = paging.clamp(page, total, per_page)
    sort = sort if sort in SORTS else (RELEVANCE if rank is not None else NEWEST)
    if sort == RELEVANCE and rank is None:
        sort = NEWEST
    ordered = statement.order_by(*_order(sort, rank)).limit(per_page).offset((page - 1) * per_page)
    ids = [row[0] for row in db.session.execute(ordered)]
    by_id = {
        i.id: i
        for i in db.session.scalars(
            select(Initiative)
            .where(Initiative.id.in_(ids))
            .options(joinedload(Initiative.portfolio), joinedload(Initiative.focus_area))
        ).unique()
    }
    rows = [by_id[i] for i in ids]
    return Results(
        rows=rows,
        total=total,
        page=page,
        per_page=per_page,
        searched=not parsed.empty,
        ignored_query=parsed.empty and bool((query or "").strip()),
        parties=party_names(ids),
        snippets=snippets(ids, parsed),
        titles=marked_titles(rows, parsed),
        phases=public.public_phases(rows),
    )


SNIPPET_LENGTH = 180
SNIPPET_BEFORE = 60  # characters shown before the first word matched
TOKEN = re.compile(r"[^\W_]+|[\W_]+")


def snippets(initiative_ids: list[int], query: Query | None = None) -> dict[int, list]:
    """Each initiative's public text from its search document (so only what is published):
    around the first word the query matched, else its start; cut at words, as (text,
    matched) pieces so the template marks the words matched and escapes everything."""
    match = matcher(query) if query is not None and not query.empty else None
    out = {}
    for initiative_id, body in db.session.execute(
        select(SearchDocument.initiative_id, SearchDocument.body).where(
            SearchDocument.initiative_id.in_(initiative_ids)
        )
    ):
        pieces = snippet(body, match)
        if pieces:
            out[initiative_id] = pieces
    return out


def snippet(body: str, match=None) -> list[tuple[str, bool]]:
    """The pieces of one snippet: (text, True) for each word `match` accepts."""
    text_ = " ".join(body.split())
    tokens = TOKEN.findall(text_)
    first = next((n for n, t in enumerate(tokens) if match and t[0].isalnum() and match(t)), None)
    if first is None:  # no word matched in the text (the name did): its first paragraph
        tokens = TOKEN.findall(" ".join(body.split("\n\n", 1)[0].split()))
        first = 0
    start = first
    before = 0
    while start > 0 and before + len(tokens[start - 1]) <= SNIPPET_BEFORE:
        start -= 1
        before += len(tokens[start])
    while start < first and not tokens[start][0].isalnum():
        start += 1
    pieces: list[tuple[str, bool]] = [("… ", False)] if start > 0 else []
    length = 0
    for token in tokens[start:]:
        if length + len(token) > SNIPPET_LENGTH:
            pieces.append((" …", False))
            break
        length += len(token)
        pieces.append((token, bool(match and token[0].isalnum() and match(token))))
    # Neighbouring plain pieces joined; a trailing space or sign before "…" dropped.
    joined: list[tuple[str, bool]] = []
    for piece, marked in pieces:
        if joined and not marked and not joined[-1][1]:
            joined[-1] = (joined[-1][0] + piece, False)
        else:
            joined.append((piece, marked))
    return [(p.replace("  …", " …"), m) for p, m in joined if p.strip()] if joined else []


def marked_titles(rows: list[Initiative], query: Query) -> dict[int, list[tuple[str, bool]]]:
    """The names with the words the query matched marked; none when nothing was searched."""
    if query.empty:
        return {}
    match = matcher(query)
    return {
        i.id: [(t, bool(t[0].isalnum() and match(t))) for t in TOKEN.findall(i.title)] for i in rows
    }


def matcher(query: Query):
    """Whether a word of a text is one the query matched: its stem starts with a stem the
    query searched for (the word's variants, the words it folded to, its compound parts),
    or one of its own compound parts does ("Sommarjobb" for "jobb")."""
    prefixes: set[str] = set()
    for n, forms in enumerate(query.terms):
        own, split = _prefixes(forms, query.folds(n))
        if n in query.unseen:  # "aldre": "äldre", not "aldrig"
            own = [stem(w) for w in query.folds(n)]
        prefixes.update(own)
        prefixes.update(split)
    for phrase in query.phrases:
        prefixes.update(stem(w) for w in phrase if w not in STOP_WORDS)
    prefixes = {p for p in prefixes if p}

    def match(token: str) -> bool:
        word = token.casefold()
        stems = [stem(word), *(stem(p) for p in compound_parts(word))]
        return any(s.startswith(p) for s in stems for p in prefixes)

    return match


def _filter_clauses(filters: Filters) -> list:
    clauses = []
    if filters.portfolio is not None:
        clauses.append(Initiative.portfolio_id == filters.portfolio)
    if filters.phase is not None:
        clauses.append(public.phase_as_of(public.today()) == filters.phase)
    if filters.function is not None:
        clauses.append(Initiative.sk_function == filters.function)
    if filters.party is not None:
        pairs = public.participant_pairs(public.published_ids()).subquery()
        clauses.append(
            Initiative.id.in_(
                select(pairs.c.initiative_id).where(pairs.c.party_id == filters.party)
            )
        )
    return clauses


def _order(sort: str, rank) -> list:
    published_at = Publication.published_at
    if sort == RELEVANCE:
        return [rank.desc(), published_at.desc(), Initiative.id.desc()]
    if sort == NAME:
        return [func.lower(Initiative.title), Initiative.id]
    if sort == PHASE:
        phase = public.phase_as_of(public.today())
        return [case(PHASE_ORDER, value=phase), func.lower(Initiative.title)]
    return [published_at.desc(), Initiative.id.desc()]


def party_names(initiative_ids: list[int]) -> dict[int, list[str]]:
    """The participating organisations' short names per initiative, in one query."""
    if not initiative_ids:
        return {}
    pairs = public.participant_pairs(initiative_ids).subquery()
    names: dict[int, list[str]] = {}
    for initiative_id, name in db.session.execute(
        select(pairs.c.initiative_id, Party.name)
        .join(Party, Party.id == pairs.c.party_id)
        .order_by(Party.name)
    ):
        names.setdefault(initiative_id, []).append(name)
    return names


# --- keeping the documents in step ---------------------------------------------------------


def refresh(initiative: Initiative, *, rewrite_words: bool = False) -> None:
    """Write the initiative's search document from its public text; none unless published.
    Its vocabulary rows are rewritten when its text changed (or `rewrite_words`)."""
    publication = db.session.get(Publication, initiative.id)
    document = db.session.get(SearchDocument, initiative.id)
    if publication is None or not publication.published:
        if document is not None:
            db.session.execute(delete(SearchWord).where(SearchWord.initiative_id == initiative.id))
            db.session.delete(document)
        return
    title, body = public.searchable_text(initiative, publication)
    if document is None:
        document = SearchDocument(initiative_id=initiative.id)
        db.session.add(document)
    values = {
        "title": title,
        "body": body,
        "title_stems": stemmed(title),
        "body_stems": stemmed(body),
        "compound_stems": compound_stems(title + "\n" + body),
    }
    changed = document.title != title or document.body != body
    for name, value in values.items():
        if getattr(document, name) != value:
            setattr(document, name, value)
    if changed or rewrite_words:
        _write_words(initiative.id, title + "\n" + body)


def _write_words(initiative_id: int, value: str) -> None:
    """The vocabulary rows of one document: its words and their parts, each with its fold."""
    db.session.execute(delete(SearchWord).where(SearchWord.initiative_id == initiative_id))
    db.session.flush()  # the document first: the words refer to it
    rows = [
        {"initiative_id": initiative_id, "word": w, "folded": fold(w)}
        for w in sorted(vocabulary(value))
    ]
    if rows:
        db.session.execute(insert(SearchWord), rows)


STALE = "hub_search_stale"


def note_changes(session, flush_context) -> None:
    """Remember which initiatives' public text may have changed in this flush: their own
    name or summary, their insights, their publication, or the canvas of their origin
    submission (changed anywhere in the portal, not only in the hub)."""
    initiatives, submissions = set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Initiative):
            initiatives.add(obj.id)
        elif isinstance(obj, Insight | Publication):
            initiatives.add(obj.initiative_id)
        elif isinstance(obj, Submission) and obj in session.dirty and _canvas_changed(obj):
            submissions.add(obj.id)
    if initiatives or submissions:
        stale = session.info.setdefault(STALE, (set(), set()))
        stale[0].update(i for i in initiatives if i is not None)
        stale[1].update(submissions)


def _canvas_changed(submission: Submission) -> bool:
    state = inspect(submission)
    return any(state.attrs[c].history.has_changes() for c in CANVAS_COLUMNS)


def refresh_stale(session) -> None:
    """Session hook (before_commit): rewrite the documents note_changes found stale."""
    session.flush()  # commit would flush next anyway; flushing first notes what is pending
    if not session.info.get(STALE):
        return
    initiative_ids, submission_ids = session.info.pop(STALE, (set(), set()))
    if submission_ids:
        initiative_ids |= set(
            session.scalars(
                select(Initiative.id).where(Initiative.origin_submission_id.in_(submission_ids))
            )
        )
    if not initiative_ids:
        return
    touched = set(
        session.scalars(
            select(Publication.initiative_id).where(Publication.initiative_id.in_(initiative_ids))
        )
    )
    for initiative in session.scalars(select(Initiative).where(Initiative.id.in_(touched))):
        refresh(initiative)
    session.info.pop(STALE, None)  # the documents just written need no second look


def forget_stale(session) -> None:
    """Session hook (after_rollback): nothing noted outlives its transaction."""
    session.info.pop(STALE, None)


def rebuild_all() -> int:
    """Rewrite every search document from the publications (after a change of the rules)."""
    count = 0
    for initiative in db.session.scalars(
        select(Initiative).where(Initiative.id.in_(select(Publication.initiative_id)))
    ):
        refresh(initiative, rewrite_words=True)
        count += 1
    return count
