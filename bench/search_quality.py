"""Measure the quality of the hub's search (/hubb) on queries as residents type them.

    .venv/bin/python bench/search_quality.py                   # a temporary SQLite file
    .venv/bin/python bench/search_quality.py --database-url postgresql://127.0.0.1:5432/scratch

With a PostgreSQL URL the database is EMPTIED first (its public schema is dropped and
rebuilt): give it a scratch database. The script builds the schema, loads the reference and
demo data (portal/demo.py, whose hub part publishes most demo initiatives), publishes the
initiatives of tests/data/search_queries.json through the hub's own service, then asks GET
/hubb?q=… as an anonymous visitor for each of its queries and reads the result links off the
page (so it measures what a resident sees, and runs against older code too). Each query
lists the titles a person judged relevant. It prints, overall and per kind of query:

- recall@10: of the relevant initiatives, the share among the first ten shown;
- nDCG@10: the same with the rank counted (binary relevance, log2 discount), 1.0 when every
  relevant initiative is shown first.

`--verbose` prints each query's misses and first results.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub import make_app, reset  # noqa: E402  (an empty database, the reference data)
from portal.extensions import db  # noqa: E402

DATA = ROOT / "tests" / "data" / "search_queries.json"
K = 10
RESULT = re.compile(r'<li class="card hub-card">\s*<h3><a href="[^"]*">(.*?)</a></h3>', re.S)


def shown_titles(page: str) -> list[str]:
    """The titles of the results on a /hubb page, in order."""
    return [html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in RESULT.findall(page)]


def recall(shown: list[str], relevant: set[str], k: int = K) -> float:
    return len(set(shown[:k]) & relevant) / len(relevant) if relevant else 1.0


def ndcg(shown: list[str], relevant: set[str], k: int = K) -> float:
    dcg = sum(1 / math.log2(n + 2) for n, t in enumerate(shown[:k]) if t in relevant)
    ideal = sum(1 / math.log2(n + 2) for n in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 1.0


def load(data: dict) -> None:
    """The demo, then the data's initiatives published through the hub's service."""
    from bench.similar_ideas import load as publish
    from portal.demo import seed_demo_content, seed_demo_users

    seed_demo_users()
    seed_demo_content()
    db.session.commit()
    publish({"published": [{**item, "key": item["title"]} for item in data["published"]]})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL (EMPTIED first) or SQLite URL")
    parser.add_argument("--data", default=str(DATA), help="the judged queries (JSON)")
    parser.add_argument("--verbose", action="store_true", help="each query's misses")
    args = parser.parse_args(argv)
    data = json.loads(Path(args.data).read_text(encoding="utf-8"))
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/search-quality.sqlite3"
    reset(url)
    app = make_app(url)
    with app.app_context():
        load(data)
        dialect = db.engine.dialect.name
    client = app.test_client()
    by_kind = defaultdict(list)
    for item in data["queries"]:
        response = client.get("/hubb", query_string={"q": item["q"]})
        assert response.status_code == 200, (item["q"], response.status_code)
        shown = shown_titles(response.get_data(as_text=True))
        relevant = set(item["relevant"])
        scores = (recall(shown, relevant), ndcg(shown, relevant))
        by_kind[item["kind"]].append(scores)
        by_kind["(alla)"].append(scores)
        if args.verbose:
            missed = sorted(relevant - set(shown[:K]))
            print(
                f"{item['q']!r:24} recall {scores[0]:.2f} nDCG {scores[1]:.2f} "
                f"missed {missed} shown {shown[:5]}"
            )
    print(
        f"{dialect}: {len(data['queries'])} queries, {len(data['published'])} initiatives "
        "added to the demo's"
    )
    print(f"{'kind':16} {'queries':>7} {'recall@10':>10} {'nDCG@10':>8}")
    for kind, scores in sorted(by_kind.items()):
        r = sum(s[0] for s in scores) / len(scores)
        n = sum(s[1] for s in scores) / len(scores)
        print(f"{kind:16} {len(scores):7} {r:10.3f} {n:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
