"""Time the public hub's search with many published initiatives.

    .venv/bin/python bench/hub.py                        # a temporary SQLite file
    .venv/bin/python bench/hub.py --database-url postgresql://127.0.0.1:5432/scratch
    .venv/bin/python bench/hub.py --initiatives 20000 --requests 20

With a PostgreSQL URL the database is EMPTIED first (its public schema is dropped and
rebuilt): give it a scratch database. The script builds the schema, loads the reference data,
seeds `--initiatives` initiatives with Swedish text from a small vocabulary, publishes nine in
ten of them (search documents written as the hub writes them), and times GET /hubb as an
anonymous visitor for a few searches: warm-ups first, then `--requests` timed requests each.
It prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.config import TestConfig, normalise_database_url  # noqa: E402
from portal.evaluation.models import Initiative, Phase  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.hub.models import Publication, SearchDocument, SearchWord  # noqa: E402
from portal.hub.search import stemmed  # noqa: E402
from portal.reference.models import FocusArea  # noqa: E402
from portal.reference.seed import seed_reference  # noqa: E402
from portal.swedish import compound_stems, fold, vocabulary  # noqa: E402
from portal.types import utcnow  # noqa: E402

VOCABULARY = (
    "äldre barn unga skolan elever lärare hälsa trygghet ensamhet rörelse lek idrott digital "
    "teknik vård omsorg hemtjänsten anhöriga föräldrar fritid biblioteket läxhjälp motivation "
    "mötesplats samverkan invånare stadsdelen mat sömn psykisk fysisk aktivitet promenad natur "
    "kultur musik språk integration arbete praktik studenter forskning pilot prototyp behov "
    "lösning tjänst sensor larm boendet tillgänglighet delaktighet självständighet glesbygd"
)
WORDS = VOCABULARY.split()
SCENARIOS = {
    "no query, newest first": "/hubb",
    "common word (äldre)": "/hubb?q=" + quote("äldre"),
    "definite form (skolan)": "/hubb?q=" + quote("skolan"),
    "two words": "/hubb?q=" + quote("ensamhet glesbygd"),
    "phrase": "/hubb?q=" + quote('"äldre ensamhet"'),
    "typing a prefix (äld)": "/hubb?q=" + quote("äld"),
    "word and filter": "/hubb?q=" + quote("sensor") + "&fas=pilot",
    "no hits": "/hubb?q=" + quote("xylofonorkester"),
    "without åäö (aldre)": "/hubb?q=" + quote("aldre"),
    "a typo, Menade du (ensamhett)": "/hubb?q=" + quote("ensamhett"),
    "hostile": "/hubb?q=" + quote("NEAR( \"äldre * OR -: 'skola"),
}


def make_app(url: str):
    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = normalise_database_url(url)
        LOG_LEVEL = "WARNING"

    return create_app(BenchConfig)


def seed(count: int, rng: random.Random) -> int:
    areas = [a for a in db.session.scalars(select(FocusArea)) if a.valid_to is None]
    phases = [p.value for p in Phase]
    now = utcnow()
    initiatives, publications, documents, words = [], [], [], []
    for n in range(1, count + 1):
        area = areas[n % len(areas)]
        title = " ".join(rng.sample(WORDS, 3)).capitalize()
        summary = " ".join(rng.choices(WORDS, k=rng.randint(20, 80))) + "."
        initiatives.append(
            {
                "id": n,
                "title": title,
                "summary": summary,
                "portfolio_id": area.portfolio_id,
                "focus_area_id": area.id,
                "phase": rng.choice(phases),
                "created_at": now,
                "version": 1,
            }
        )
        if n % 10:
            publications.append(
                {
                    "initiative_id": n,
                    "published": True,
                    "first_published_at": now,
                    "published_at": now,
                    "public_fields": ["summary"],
                    "show_submitter_name": False,
                    "updated_at": now,
                    "version": 1,
                }
            )
            documents.append(
                {
                    "initiative_id": n,
                    "title": title,
                    "body": summary,
                    "title_stems": stemmed(title),
                    "body_stems": stemmed(summary),
                    "compound_stems": compound_stems(title + "\n" + summary),
                    "updated_at": now,
                }
            )
            words.extend(
                {"initiative_id": n, "word": w, "folded": fold(w)}
                for w in sorted(vocabulary(title + "\n" + summary))
            )
    for model, rows in (
        (Initiative, initiatives),
        (Publication, publications),
        (SearchDocument, documents),
        (SearchWord, words),
    ):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start : start + 5000])
    db.session.commit()
    return len(publications)


def reset(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.drop_all()
        else:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        seed_reference()
        db.session.commit()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL (EMPTIED first) or SQLite URL")
    parser.add_argument("--initiatives", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/hub-bench.sqlite3"
    reset(url)
    app = make_app(url)
    with app.app_context():
        published = seed(args.initiatives, random.Random(2026))
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        dialect = db.engine.dialect.name
    print(f"{dialect}: {args.initiatives} initiatives, {published} published")
    client = app.test_client()
    for name, path in SCENARIOS.items():
        for _ in range(args.warmup):
            client.get(path)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{name:28} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
