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
stemming ("äldres" and "äldreomsorg" find "äldre"), or a compound word by all its parts
("äldreomsorg" finds "omsorg om äldre"; the documents hold the stems of their compounds'
parts too, so "omsorg" finds "äldreomsorg": portal/swedish.py splits them); Swedish definite forms the stemmer keeps
whole ("skolan", "huset") also try their indefinite form. Phrases match as phrases. Every other
character is ignored, so quotes, FTS operators and stray syntax never reach the database as
syntax. Stop words are the PostgreSQL/Snowball Swedish list on both dialects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Float, Integer, case, func, inspect, select, text
from sqlalchemy.orm import joinedload

from portal import paging
from portal.evaluation.models import Initiative, Insight, Phase
from portal.extensions import db
from portal.hub import public
from portal.hub.models import Publication, SearchDocument
from portal.reference.models import Party
from portal.submissions.models import CANVAS_COLUMNS, Submission
from portal.swedish import STOP_WORDS, compound_stems, stem, words
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
]

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8  # words and phrases together
PER_PAGE = 20


# --- the search objects ------------------------------------------------------------------


SQLITE_DROP = [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
POSTGRES_DROP = [
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
    (stemmed "hus") and "skola". Stop words drop out, as PostgreSQL drops them."""
    forms = [word]
    base = word[:-1] if len(word) > 5 and word.endswith("s") else word
    if len(base) > 4 and base[-1] in "nt" and base[-2] in VOWELS:
        forms.append(base[:-1])
    return tuple(dict.fromkeys(f for f in forms if f not in STOP_WORDS))


@dataclass(frozen=True)
class Query:
    """A parsed query: words (each with its variants) and phrases (their words)."""

    terms: tuple[tuple[str, ...], ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.terms and not self.phrases


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


def fts5_match(query: Query) -> str:
    """The FTS5 MATCH expression: quoted stems only, so no input is read as FTS syntax."""
    parts = []
    for phrase in query.phrases:
        parts.append('"' + " ".join(stem(w) for w in phrase if w not in STOP_WORDS) + '"')
    for forms in query.terms:
        alternatives = [f'"{s}"*' for s in dict.fromkeys(stem(f) for f in forms)]
        split = compound_parts(forms[0])
        if split:  # "äldreomsorg" also finds "omsorg om äldre"
            alternatives.append("(" + " AND ".join(f'"{stem(p)}"*' for p in split) + ")")
        parts.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(parts)


def pg_tsquery(query: Query) -> tuple[str, dict[str, str]]:
    """The tsquery SQL expression and its parameters. Words go to to_tsquery as quoted
    prefixes (they hold letters and digits only); phrases go to phraseto_tsquery as text."""
    parts, params = [], {}
    if query.terms:
        params["hub_terms"] = " & ".join(
            "(" + " | ".join(_pg_alternatives(forms)) + ")" for forms in query.terms
        )
        parts.append("to_tsquery('swedish', :hub_terms)")
    for n, phrase in enumerate(query.phrases):
        params[f"hub_phrase_{n}"] = " ".join(phrase)
        parts.append(f"phraseto_tsquery('swedish', :hub_phrase_{n})")
    return " && ".join(parts), params


def _pg_alternatives(forms: tuple[str, ...]) -> list[str]:
    alternatives = [f"'{f}':*" for f in forms]
    split = compound_parts(forms[0])
    if split:
        alternatives.append("(" + " & ".join(f"'{p}':*" for p in split) + ")")
    return alternatives


def _hits(query: Query):
    """A subquery of (id, rank) for the published initiatives matching; higher rank first."""
    if db.session.get_bind().dialect.name == "sqlite":
        statement = text(
            "SELECT rowid AS id, -bm25(ix_search_hub_fts, 4.0, 1.0, 0.5) AS rank "
            "FROM ix_search_hub_fts WHERE ix_search_hub_fts MATCH :hub_match"
        ).bindparams(hub_match=fts5_match(query))
    else:
        # The SQL is constants and bind-parameter names only; the words are parameters.
        tsquery, params = pg_tsquery(query)
        sql = f"SELECT initiative_id AS id, ts_rank(search_vector, q) AS rank FROM hub_search_documents CROSS JOIN (SELECT {tsquery} AS q) AS query WHERE search_vector @@ q"  # noqa: S608
        statement = text(sql).bindparams(**params)
    # Materialised: the full-text match runs once, whatever order the planner picks for
    # the joins (SQLite would otherwise scan the index again for every filtered row).
    return statement.columns(id=Integer, rank=Float).cte("hits").prefix_with("MATERIALIZED")


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
    snippets: dict[int, str] = field(default_factory=dict)  # initiative id → public text
    phases: dict[int, str] = field(default_factory=dict)  # initiative id → phase as of today

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
) -> Results:
    """One page of published initiatives matching the query and filters, in `sort` order.

    The sort defaults to relevance when there is something to search for, else newest first.
    """
    filters = filters or Filters()
    parsed = parse(query)
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
        snippets=snippets(ids),
        phases=public.public_phases(rows),
    )


SNIPPET_LENGTH = 180


def snippets(initiative_ids: list[int]) -> dict[int, str]:
    """The start of each initiative's public text, from its search document (so only what
    is published), cut at a word."""
    out = {}
    for initiative_id, body in db.session.execute(
        select(SearchDocument.initiative_id, SearchDocument.body).where(
            SearchDocument.initiative_id.in_(initiative_ids)
        )
    ):
        first = " ".join(body.split("\n\n", 1)[0].split())
        if len(first) > SNIPPET_LENGTH:
            first = first[:SNIPPET_LENGTH].rsplit(" ", 1)[0] + " …"
        if first:
            out[initiative_id] = first
    return out


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


def refresh(initiative: Initiative) -> None:
    """Write the initiative's search document from its public text; none unless published."""
    publication = db.session.get(Publication, initiative.id)
    document = db.session.get(SearchDocument, initiative.id)
    if publication is None or not publication.published:
        if document is not None:
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
    for name, value in values.items():
        if getattr(document, name) != value:
            setattr(document, name, value)


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
        refresh(initiative)
        count += 1
    return count
