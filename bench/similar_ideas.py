"""Measure the similar ideas (portal/hub/similar.py) on labelled pairs.

    .venv/bin/python bench/similar_ideas.py                   # a temporary SQLite file
    .venv/bin/python bench/similar_ideas.py --database-url postgresql://127.0.0.1:5432/scratch

With a PostgreSQL URL the database is EMPTIED first (its public schema is dropped and
rebuilt): give it a scratch database. The script builds the schema, publishes the initiatives
of tests/data/similar_ideas.json through the hub's own service (so the search documents are
written as the hub writes them), asks `similar_published` with each pair's canvas (title and
purpose, as the form does) and prints recall@5 and precision@5, with compound splitting and
without it (the same stems, no parts on either side).

- recall@5: of the pairs labelled duplicate, the share whose initiative is among the (at
  most five) shown;
- precision@5: of all the initiatives shown for all the pairs' canvases, the share that is a
  labelled duplicate of that canvas (a near topic shown counts against it).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub import make_app, reset  # noqa: E402  (an empty database, the reference data)
from portal.evaluation.models import Initiative, Phase  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.reference.models import FocusArea  # noqa: E402

DATA = ROOT / "tests" / "data" / "similar_ideas.json"
K = 5


@dataclass(frozen=True)
class Metrics:
    recall: float  # recall@K over the pairs labelled duplicate
    precision: float  # precision@K over everything shown
    duplicates: int  # pairs labelled duplicate
    found: int  # of those, shown in the top K
    shown: int  # initiatives shown, all canvases together
    right: int  # of those, labelled duplicates of their canvas


def metrics(runs: list[tuple[list[str], set[str], set[str]]], k: int = K) -> Metrics:
    """From (keys shown best first, keys labelled duplicate, keys labelled not duplicate) per
    canvas. Only the first k shown count."""
    duplicates = sum(len(relevant) for _shown, relevant, _near in runs)
    found = sum(len(set(shown[:k]) & relevant) for shown, relevant, _near in runs)
    shown_total = sum(len(shown[:k]) for shown, _relevant, _near in runs)
    return Metrics(
        recall=found / duplicates if duplicates else 0.0,
        precision=found / shown_total if shown_total else 0.0,
        duplicates=duplicates,
        found=found,
        shown=shown_total,
        right=found,
    )


def load(data: dict) -> dict[int, str]:
    """Publish the data's initiatives through the hub's service; {initiative id: key}."""
    from portal.hub import services

    areas = [a for a in db.session.scalars(select(FocusArea)) if a.valid_to is None]
    keys = {}
    for n, item in enumerate(data["published"]):
        area = areas[n % len(areas)]
        initiative = Initiative(
            title=item["title"],
            summary=item["summary"],
            portfolio_id=area.portfolio_id,
            focus_area_id=area.id,
            phase=list(Phase)[n % len(Phase)].value,
        )
        db.session.add(initiative)
        db.session.flush()
        services.update_publication(
            initiative,
            published=True,
            public_fields=("summary",),
            expected_version=None,
            actor=None,
        )
        keys[initiative.id] = item["key"]
    db.session.commit()
    return keys


def canvases(data: dict) -> dict[str, tuple[set[str], set[str]]]:
    """{canvas text: (keys labelled duplicate, keys labelled not)}; a canvas may have several."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    for pair in data["pairs"]:
        value = pair["title"] + "\n" + pair["purpose"]
        relevant, near = out.setdefault(value, (set(), set()))
        (relevant if pair["duplicate"] else near).add(pair["target"])
    return out


def evaluate(data: dict, keys: dict[int, str], *, split: bool) -> Metrics:
    from portal.hub.similar import similar_published

    runs = []
    for value, (relevant, near) in canvases(data).items():
        shown = [keys[s.initiative.id] for s in similar_published(value, limit=K, split=split)]
        runs.append((shown, relevant, near))
    return metrics(runs)


def report(name: str, m: Metrics) -> str:
    return (
        f"{name:24} recall@{K} {m.recall:.3f} ({m.found}/{m.duplicates})   "
        f"precision@{K} {m.precision:.3f} ({m.right}/{m.shown})"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL (EMPTIED first) or SQLite URL")
    parser.add_argument("--data", default=str(DATA), help="the labelled pairs (JSON)")
    args = parser.parse_args(argv)
    data = json.loads(Path(args.data).read_text(encoding="utf-8"))
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/similar-bench.sqlite3"
    reset(url)
    app = make_app(url)
    with app.app_context():
        keys = load(data)
        print(
            f"{db.engine.dialect.name}: {len(data['published'])} published initiatives, "
            f"{len(data['pairs'])} labelled pairs"
        )
        print(report("with compound splitting", evaluate(data, keys, split=True)))
        print(report("without", evaluate(data, keys, split=False)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
