"""Time the board's dashboard, the JSON API and the inbox with many submissions.

    .venv/bin/python bench/board.py                        # a temporary SQLite file
    .venv/bin/python bench/board.py --database-url postgresql://127.0.0.1:5432/scratch
    .venv/bin/python bench/board.py --rows 20000 --requests 20

With a PostgreSQL URL the database is EMPTIED first (its public schema is dropped and
rebuilt): give it a scratch database. The submissions are seeded by bench/inbox.py's functions
(five years, every party and residents, calls, focus areas before and after their renames,
every state); on top of them this script adds the innovation process the board follows up:
`--initiatives` initiatives taken from submissions in portfolios, with the Core Team's
decisions through the phases, expert ratings, funding requests and the yearly budgets, and
insights. Then it times, through the Flask test client, warm-ups first and then `--requests`
timed requests each: the dashboard /styrelsen as a board member (when the app serves it), the
API /api/v1/inflow with a personal API token, and the inbox's first page as process support.
It prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inbox  # noqa: E402  (bench/inbox.py: the shared seeding and timing)

from portal.accounts.models import Role, User, UserRole  # noqa: E402
from portal.api.services import create_token  # noqa: E402
from portal.evaluation.models import (  # noqa: E402
    Decision,
    FundingRequest,
    Initiative,
    InnovationBudget,
    Insight,
    Rating,
)
from portal.extensions import db  # noqa: E402
from portal.reference.models import Criterion, FocusArea, Party  # noqa: E402
from portal.submissions.models import Submission  # noqa: E402
from portal.types import stockholm_day  # noqa: E402

BOARD_EMAIL = "styrelsen@example.org"
EXPERTS = 12

# How an initiative moves on from each phase: (outcome, next phase, weight); the rest of the
# weight (up to 1) stays where it is without a decision.
NEXT = {
    "idea": [("go_on", "concept", 0.45), ("stop", "closed", 0.2)],
    "concept": [("go_on", "pilot", 0.45), ("stop", "closed", 0.15), ("back", "idea", 0.05)],
    "pilot": [
        ("pilot_success", "implementation", 0.4),
        ("pilot_partial", "pilot", 0.15),
        ("pilot_failure", "concept", 0.1),
        ("stop", "closed", 0.1),
    ],
    "implementation": [("go_on", "follow_up", 0.5), ("stop", "closed", 0.1)],
    "follow_up": [("stop", "closed", 0.2)],
    "closed": [],
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL (EMPTIED first) or a SQLite URL; default: a temporary SQLite file",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="submissions to seed")
    parser.add_argument("--initiatives", type=int, default=3_000, help="initiatives to seed")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per scenario")
    parser.add_argument("--seed", type=int, default=2026, help="random seed")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: time a database an earlier run seeded (new tables are "
        "made and the board's summaries refilled) instead of seeding it again",
    )
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="count the dashboard's figures on every request, as on the first look after a "
        "change (by default a repeated look takes them from portal/board/version.py's cache)",
    )
    parser.add_argument(
        "--only", help="time only the scenarios whose name or path contains this text"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="after timing, profile N more requests of each scenario in-process (cProfile) "
        "and print the top functions by cumulative time",
    )
    return parser.parse_args(argv)


def seed_board_people(people: dict) -> dict:
    """A board member, a Core Team member and experts from every party."""
    password = db.session.scalar(select(User.password_hash).where(User.password_hash.isnot(None)))
    board = User(email=BOARD_EMAIL, name="Stig Styrelseledamot", password_hash=password)
    board.role_rows = [UserRole(role=Role.BOARD.value)]
    core = User(email="coreteam@example.org", name="Cecilia Core Team", password_hash=None)
    core.role_rows = [UserRole(role=Role.CORE_TEAM.value)]
    experts = []
    for n in range(EXPERTS):
        expert = User(
            email=f"expert{n}@example.org",
            name=f"Expert {n}",
            party_id=people["parties"][n % len(people["parties"])],
            password_hash=None,
        )
        expert.role_rows = [UserRole(role=Role.EXPERT.value)]
        experts.append(expert)
    db.session.add_all([board, core, *experts])
    db.session.commit()
    return {"board": board, "core": core.id, "experts": [e.id for e in experts]}


def seed_process(rng: random.Random, people: dict, staff: dict, count: int) -> None:
    """Initiatives from submissions in portfolios, moved through the phases by decisions dated
    after the submission (none in the future), with ratings, funding and insights."""
    today = datetime.now(UTC).date()
    portfolio_of = dict(db.session.execute(select(FocusArea.id, FocusArea.portfolio_id)).all())
    criteria = list(db.session.scalars(select(Criterion.id)))
    sources = db.session.execute(
        select(Submission.id, Submission.submitted_at, Submission.focus_area_id, Submission.title)
        .where(Submission.state == "in_portfolio", Submission.focus_area_id.isnot(None))
        .order_by(Submission.id)
    ).all()
    chosen = sorted(rng.sample(sources, min(count, len(sources))), key=lambda s: s.id)

    initiatives = []
    for sub_id, submitted_at, area_id, title in chosen:
        created = submitted_at + timedelta(days=rng.randint(3, 30))
        initiatives.append(
            {
                "title": title,
                "summary": inbox.sentence(rng, 12),
                "portfolio_id": portfolio_of[area_id],
                "focus_area_id": area_id,
                "phase": "idea",
                "origin_submission_id": sub_id,
                "created_by_id": rng.choice(people["triagers"]),
                "created_at": created,
                "version": 1,
            }
        )
    db.session.execute(insert(Initiative), initiatives)
    rows = db.session.execute(
        select(Initiative.id, Initiative.created_at).order_by(Initiative.id)
    ).all()

    decisions, ratings, funding, insights, phases = [], [], [], [], {}
    for initiative_id, created in rows:
        phase, day = "idea", stockholm_day(created)
        rated = False
        while True:
            day = day + timedelta(days=rng.randint(30, 150))
            pick, outcome, to_phase = rng.random(), None, None
            for option, target, weight in NEXT[phase]:
                if pick < weight:
                    outcome, to_phase = option, target
                    break
                pick -= weight
            if outcome is None or day > today:
                break
            if phase == "concept" and not rated:
                rated = True
                for expert in rng.sample(staff["experts"], rng.randint(2, 3)):
                    for criterion in criteria:
                        ratings.append(
                            {
                                "initiative_id": initiative_id,
                                "expert_id": expert,
                                "criterion_id": criterion,
                                "score": rng.randint(1, 5),
                                "comment": "",
                                "updated_at": _moment(day - timedelta(days=7)),
                            }
                        )
            decisions.append(
                {
                    "initiative_id": initiative_id,
                    "decided_on": day,
                    "from_phase": phase,
                    "to_phase": to_phase,
                    "outcome": outcome,
                    "rationale": inbox.sentence(rng, 10),
                    "recorded_by_id": staff["core"],
                    "recorded_at": _moment(day),
                }
            )
            if to_phase == "pilot":
                amount = rng.choice([30_000, 45_000, 80_000, 150_000, 250_000])
                mandate = (
                    "project_leader"
                    if amount <= 50_000
                    else "process_leader"
                    if amount <= 200_000
                    else "board"
                )
                granted = rng.random() < 0.8
                funding.append(
                    {
                        "initiative_id": initiative_id,
                        "amount_kr": amount,
                        "purpose": inbox.sentence(rng, 8),
                        "period_start": day,
                        "period_end": day + timedelta(days=180),
                        "mandate": mandate,
                        "status": "granted" if granted else "rejected",
                        "requested_by_id": rng.choice(people["triagers"]),
                        "requested_at": _moment(day - timedelta(days=14)),
                        "decided_by_id": staff["core"],
                        "decided_on": day,
                        "decision_note": "",
                    }
                )
            if to_phase in ("implementation", "follow_up") or outcome.startswith("pilot_"):
                insights.append(
                    {
                        "initiative_id": initiative_id,
                        "noted_on": day,
                        "text": inbox.sentence(rng, 16),
                        "author_id": rng.choice(people["triagers"]),
                        "created_at": _moment(day),
                    }
                )
            phase = to_phase
        phases[initiative_id] = phase

    for table, values in ((Decision, decisions), (Rating, ratings), (FundingRequest, funding),
                          (Insight, insights)):  # fmt: skip
        for start in range(0, len(values), inbox.CHUNK):
            db.session.execute(insert(table), values[start : start + inbox.CHUNK])
    by_phase: dict[str, list[int]] = {}
    for initiative_id, phase in phases.items():
        by_phase.setdefault(phase, []).append(initiative_id)
    for phase, ids in by_phase.items():
        if phase != "idea":
            db.session.execute(
                Initiative.__table__.update()
                .where(Initiative.__table__.c.id.in_(ids))
                .values(phase=phase)
            )
    for year in range(today.year - inbox.YEARS, today.year + 1):
        db.session.add(InnovationBudget(year=year, amount_kr=2_000_000))
    db.session.commit()
    print(
        f"  {len(rows)} initiatives, {len(decisions)} decisions, {len(ratings)} ratings, "
        f"{len(funding)} funding requests, {len(insights)} insights",
        flush=True,
    )


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def scenarios(app) -> list[tuple[str, str, str]]:
    """(what, name, path) for the dashboard, the API and the inbox."""
    today = datetime.now(UTC).date()
    five_years = f"from={today.year - inbox.YEARS}-{today.month:02d}-01&to={today.isoformat()}"
    elderly = db.session.scalar(
        select(FocusArea.portfolio_id).where(FocusArea.name == "Välmående och självständiga äldre")
    )
    party = db.session.scalar(select(Party.id).where(Party.name == "Västerås stad"))
    cases = []
    if "board.dashboard" in app.view_functions:
        cases += [
            ("dashboard", "standard (fyra kvartal)", "/styrelsen"),
            ("dashboard", "per månad", "/styrelsen?period=month"),
            ("dashboard", "per månad, fem år", f"/styrelsen?period=month&{five_years}"),
            (
                "dashboard",
                "kvartal per fokusområde, fem år",
                f"/styrelsen?per=focus_area&{five_years}",
            ),
            (
                "dashboard",
                "år per utlysning, fem år",
                f"/styrelsen?period=year&per=call&{five_years}",
            ),
            (
                "dashboard",
                "fokusområde + part",
                f"/styrelsen?portfolio={elderly}&source={party}&period=month",
            ),
        ]
    cases += [
        ("api", "party,month (12 mån)", "/api/v1/inflow?group=party,month"),
        ("api", "party,quarter, fem år", f"/api/v1/inflow?group=party,quarter&{five_years}"),
        (
            "api",
            "area,kind,call,year, fem år",
            f"/api/v1/inflow?group=focus_area,kind,call,year&{five_years}",
        ),
        (
            "api",
            "part + fokusområde, month",
            f"/api/v1/inflow?group=month&party={party}&focus_area={elderly}&{five_years}",
        ),
        ("inbox", "första sidan (öppna)", "/inkorg"),
    ]
    return cases


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = None
    url = args.database_url
    if not url:
        handle, tmp = tempfile.mkstemp(prefix="board-bench-", suffix=".sqlite3")
        os.close(handle)
        url = f"sqlite:///{tmp}"
    app = inbox.make_app(url)
    # The bench times the work, not the per-token rate limit (which still runs), nor the
    # second factor that process support must set up before reaching the inbox.
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    app.config["MFA_REQUIRED_ROLES"] = ()
    rng = random.Random(args.seed)
    if args.uncached:
        from portal.board import version

        version.cached = lambda key, compute: compute()
    try:
        with app.app_context():
            dialect = db.engine.dialect.name
            began = time.perf_counter()
            if args.reuse and args.database_url:
                inbox.refresh_schema()
                board = db.session.scalar(select(User).where(User.email == BOARD_EMAIL))
                _token, raw = create_token(board, "Bench", None, actor=board)
                db.session.commit()
                inbox.analyse()
                rows = db.session.scalar(select(func.count()).select_from(Submission))
                what = "reused"
            else:
                inbox.build_schema()
                people = inbox.seed_people(rng)
                inbox.seed_submissions(rng, people, args.rows)
                staff = seed_board_people(people)
                seed_process(rng, people, staff, args.initiatives)
                _token, raw = create_token(staff["board"], "Bench", None, actor=staff["board"])
                db.session.commit()
                inbox.analyse()
                rows, what = args.rows, "seeded"
            seeded = time.perf_counter() - began
            cases = [c for c in scenarios(app) if inbox.chosen(args.only, c[1], c[2])]
        print(f"{dialect}: {rows} submissions {what} in {seeded:.0f} s", flush=True)
        if "board.dashboard" not in app.view_functions:
            print("(the app serves no /styrelsen yet: dashboard scenarios left out)")
        board, staff_client = app.test_client(), app.test_client()
        inbox.login(board, BOARD_EMAIL)
        inbox.login(staff_client)
        api = {"Authorization": f"Bearer {raw}"}
        print(f"\n{'database':<11} {'what':<10} {'scenario':<30} {'median ms':>10} {'p95 ms':>8}")
        results = []
        for what, name, path in cases:
            client = staff_client if what == "inbox" else board
            headers = api if what == "api" else None
            median, p95 = inbox.measure(client, path, args.warmup, args.requests, headers)
            results.append((f"{what}, {name}", median, p95))
            print(f"{dialect:<11} {what:<10} {name:<30} {median:>10.1f} {p95:>8.1f}", flush=True)
        inbox.print_markdown(dialect, rows, results)
        for what, name, path in cases if args.profile else ():
            client = staff_client if what == "inbox" else board
            headers = api if what == "api" else None
            inbox.profile(f"{what}, {name}", client, path, args.profile, headers)
    finally:
        if tmp is not None:
            with app.app_context():
                db.engine.dispose()
            os.unlink(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
