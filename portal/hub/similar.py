"""Similar ideas: what is already published like the canvas being written, and which
submissions a submission may duplicate. The one place that says what "similar" means.

A text's terms are the Snowball stems of its words that are not stop words, with the stems of
the parts of its compound words (portal/swedish.py: "äldreomsorg" gives "äldr", "omsorg").
The database is asked for any of them (an OR-query, not the search's AND), ranked by its own
relevance: FTS5's bm25 on SQLite, ts_rank on PostgreSQL. The best few are then scored the
same way on both dialects, from the stems stored beside each text: the share of the query's
terms the candidate holds, weighted by how rare each term is among the candidates. A
candidate with fewer than MIN_SHARED terms in common or a score under MIN_SCORE is not shown,
so an unrelated text gets no list at all.

- `similar_published(text)`: the published initiatives of the hub only (a submitter's form);
  it reads `hub_search_documents`, which holds nothing unpublished.
- `likely_duplicates(submission)`: for process support, every other sent submission, and the
  initiative each became, through the inbox's index (portal/triage/search.py), whose words
  are matched as prefixes, so a stem finds its inflections and a compound's first part finds
  the compound; the compound parts of the candidates are added before scoring. Judged by the
  name and the need (title, purpose), at most MAX_DUPLICATE_TERMS terms: about 25–40 ms at
  3 000 submissions on either dialect (the inbox's index is not decompounded when written, so
  a compound whose *last* part is the only word in common is not found).

Measured by bench/similar_ideas.py on the labelled pairs in tests/data/similar_ideas.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Integer, select, text
from sqlalchemy.orm import joinedload

from portal.evaluation.models import PHASE_LABELS, Initiative, Phase
from portal.extensions import db
from portal.hub import public
from portal.hub.models import Publication, SearchDocument
from portal.submissions.models import State, Submission
from portal.swedish import significant_stems

LIMIT = 5
CANDIDATES = 30  # the database's best, scored again here
MAX_TERMS = 40  # a long canvas: its first this many distinct terms
MIN_SHARED = 2  # terms in common, at least
MIN_SCORE = 0.3  # weighted share of the query's terms (bench/similar_ideas.py)
MIN_QUERY_TERMS = 2  # fewer typed: nothing to compare yet


@dataclass(frozen=True)
class Similar:
    """One similar initiative or submission, best first."""

    score: float
    initiative: Initiative | None = None
    submission: Submission | None = None
    phase: str | None = None  # the initiative's phase as the public knows it (hub)

    @property
    def phase_label(self) -> str:
        phase = self.phase or (self.initiative.phase if self.initiative else None)
        return str(PHASE_LABELS[Phase(phase)]) if phase else ""


def query_terms(value: str, *, split: bool = True) -> list[str]:
    return significant_stems(value or "", split=split)[:MAX_TERMS]


def _best(terms: list[str], held: dict[int, set[str]], ranked: list[int], limit: int):
    """(scores, the best `limit` ids): by score, then in the database's order."""
    scores = _score(terms, held)
    return scores, sorted(scores, key=lambda i: (-scores[i], ranked.index(i)))[:limit]


def _initiatives(where) -> list[Initiative]:
    return list(
        db.session.scalars(
            select(Initiative).where(where).options(joinedload(Initiative.focus_area))
        )
    )


def _score(terms: list[str], candidates: dict[int, set[str]]) -> dict[int, float]:
    """Per candidate: the share of the query's terms it holds, each weighted by its rarity
    among the candidates (a term every candidate holds says little)."""
    n = len(candidates)
    weight = {
        t: math.log(1 + n / (1 + sum(t in held for held in candidates.values()))) for t in terms
    }
    total = sum(weight.values()) or 1.0
    out = {}
    for key, held in candidates.items():
        shared = [t for t in terms if t in held]
        if len(shared) >= MIN_SHARED:
            out[key] = sum(weight[t] for t in shared) / total
    return {k: s for k, s in out.items() if s >= MIN_SCORE}


# --- the hub's published initiatives ---------------------------------------------------------


def _hub_candidates(terms: list[str], limit: int, *, split: bool = True) -> list[int]:
    """Ids of published initiatives holding any of the stems, best ranked first. Without
    `split`, the compound parts' column is not read (the benchmark's comparison)."""
    if db.session.get_bind().dialect.name == "sqlite":
        match = " OR ".join(f'"{t}"' for t in terms)
        if not split:
            match = "{title_stems body_stems} : (" + match + ")"
        statement = text(
            "SELECT rowid AS id FROM ix_search_hub_fts WHERE ix_search_hub_fts MATCH :m "
            "ORDER BY bm25(ix_search_hub_fts, 4.0, 1.0, 0.5) LIMIT :n"
        ).bindparams(m=match, n=limit)
    else:
        # The stems are letters and digits only (portal/swedish.py: words()), quoted.
        statement = text(
            "SELECT initiative_id AS id FROM hub_search_documents, "
            "to_tsquery('simple', :q) AS q WHERE search_vector @@ q "
            "ORDER BY ts_rank(search_vector, q) DESC, initiative_id DESC LIMIT :n"
        ).bindparams(q=" | ".join(f"'{t}'" + ("" if split else ":AB") for t in terms), n=limit)
    return list(db.session.scalars(statement.columns(id=Integer)))


def similar_published(value: str, *, limit: int = LIMIT, split: bool = True) -> list[Similar]:
    """Up to `limit` published initiatives like the text, best first (three queries)."""
    terms = query_terms(value, split=split)
    if len(terms) < MIN_QUERY_TERMS:
        return []
    ids = _hub_candidates(terms, CANDIDATES, split=split)
    if not ids:
        return []
    rows = db.session.execute(
        select(
            SearchDocument.initiative_id,
            SearchDocument.title_stems,
            SearchDocument.body_stems,
            SearchDocument.compound_stems,
        )
        .join(Publication, Publication.initiative_id == SearchDocument.initiative_id)
        .where(SearchDocument.initiative_id.in_(ids), Publication.published.is_(True))
    )
    held = {r[0]: set(f"{r[1]} {r[2]} {r[3] if split else ''}".split()) for r in rows}
    scores, best = _best(terms, held, ids, limit)
    if not best:
        return []
    initiatives = {i.id: i for i in _initiatives(Initiative.id.in_(best))}
    phases = public.public_phases(initiatives.values())
    return [
        Similar(scores[i], initiative=initiatives[i], phase=phases.get(i))
        for i in best
        if i in initiatives
    ]


# --- every submission, for triage --------------------------------------------------------------


# What a duplicate is judged by: the name and the need, as on the canvas form (the other
# fields repeat common words and cost the full-text match time on a large inbox).
DUPLICATE_FIELDS = ("title", "purpose")
MAX_DUPLICATE_TERMS = 20


def canvas_text(submission: Submission) -> str:
    return "\n".join(getattr(submission, c) or "" for c in DUPLICATE_FIELDS)


def _submission_candidates(terms: list[str], exclude: int | None, limit: int) -> list[int]:
    """Ids of sent submissions whose canvas holds a word starting with any of the stems. The
    full-text match runs once, on its own (materialised), then drafts and this one go."""
    if db.session.get_bind().dialect.name == "sqlite":
        statement = text(
            "WITH hits AS MATERIALIZED (SELECT rowid AS id, bm25(submissions_fts) AS r "
            "FROM submissions_fts WHERE submissions_fts MATCH :m ORDER BY r LIMIT :wide) "
            "SELECT hits.id FROM hits JOIN submissions ON submissions.id = hits.id "
            "WHERE submissions.state != 'draft' AND submissions.id != :x "
            "ORDER BY hits.r LIMIT :n"
        ).bindparams(m=" OR ".join(f'"{t}"*' for t in terms), x=exclude or 0, n=limit)
    else:
        statement = text(
            "WITH hits AS MATERIALIZED (SELECT id, ts_rank(search_vector, q) AS r "
            "FROM submissions, to_tsquery('simple', :q) AS q WHERE search_vector @@ q "
            "ORDER BY r DESC LIMIT :wide) "
            "SELECT hits.id FROM hits JOIN submissions ON submissions.id = hits.id "
            "WHERE submissions.state != 'draft' AND submissions.id != :x "
            "ORDER BY hits.r DESC, hits.id DESC LIMIT :n"
        ).bindparams(q=" | ".join(f"'{t}':*" for t in terms), x=exclude or 0, n=limit)
    statement = statement.bindparams(wide=limit * 4)
    return list(db.session.scalars(statement.columns(id=Integer)))


def _prefix_held(terms: list[str], text_terms: set[str]) -> set[str]:
    """The query terms that start one of the candidate's terms (as the index matched them)."""
    return {t for t in terms if any(w.startswith(t) for w in text_terms)}


def likely_duplicates(
    submission: Submission, *, limit: int = LIMIT, split: bool = True
) -> list[Similar]:
    """Up to `limit` other sent submissions like this one, best first, each with the
    initiative it became (if any). A fixed number of queries, whatever the data."""
    value = canvas_text(submission)
    terms = query_terms(value, split=split)[:MAX_DUPLICATE_TERMS]
    if len(terms) < MIN_QUERY_TERMS:
        return []
    ids = _submission_candidates(terms, submission.id, CANDIDATES)
    if not ids:
        return []
    found = {
        s.id: s
        for s in db.session.scalars(
            select(Submission)
            .where(Submission.id.in_(ids))
            .options(joinedload(Submission.duplicate_of))
        )
    }
    held = {
        i: _prefix_held(terms, set(query_terms(canvas_text(s), split=split)))
        for i, s in found.items()
    }
    scores, best = _best(terms, held, ids, limit)
    if not best:
        return []
    initiatives = {
        i.origin_submission_id: i for i in _initiatives(Initiative.origin_submission_id.in_(best))
    }
    return [
        Similar(scores[i], submission=found[i], initiative=initiatives.get(i))
        for i in best
        if found[i].state != State.DRAFT
    ]
