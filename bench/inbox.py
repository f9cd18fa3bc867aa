"""Time the triage inbox's first page with many submissions.

    .venv/bin/python bench/inbox.py                        # a temporary SQLite file
    .venv/bin/python bench/inbox.py --database-url postgresql://127.0.0.1:5432/scratch
    .venv/bin/python bench/inbox.py --rows 20000 --requests 20

With a PostgreSQL URL the database is EMPTIED first (its public schema is dropped and
rebuilt): give it a scratch database. The script builds the schema, loads the reference data,
seeds `--rows` submissions spread over five years (every party and residents, calls, focus
areas of both portfolios before and after their renames, every state, handlers, Swedish
canvas text from a small vocabulary so that free text has hits), logs in as process support
through the Flask test client and times GET /inkorg for a few scenarios: warm-ups first,
then `--requests` timed requests each. It prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.accounts.models import Role, User, UserRole  # noqa: E402
from portal.accounts.passwords import hash_password  # noqa: E402
from portal.calls.models import Call  # noqa: E402
from portal.config import TestConfig, normalise_database_url  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.reference.models import FocusArea, Party  # noqa: E402
from portal.reference.seed import seed_reference  # noqa: E402
from portal.submissions.models import RegistrationCounter, Submission  # noqa: E402

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PASSWORD = "bench-password-not-secret-1"
YEARS = 5
CHUNK = 5000

VOCABULARY = (
    "äldre barn unga skola elever lärare hälsa trygghet ensamhet rörelse lek idrott digital "
    "teknik vård omsorg hemtjänst anhöriga föräldrar fritid bibliotek läxhjälp motivation "
    "mötesplats samverkan invånare stadsdel kollektivtrafik mat kost sömn psykisk fysisk "
    "aktivitet promenad natur kultur musik språk integration arbete praktik studenter "
    "forskning utbildning pilot prototyp behov lösning tjänst app sensor larm boende "
    "tillgänglighet delaktighet självständighet förebyggande nätverk volontärer"
)
WORDS = VOCABULARY.split()
TITLE_VOCABULARY = (
    "Trygga äldre Aktiva barn Digital vård Läxhjälp Mötesplats Promenadvänner Fika "
    "Skolgården Nattvandring Sömn Motivation Rörelse Kulturkompis Matglädje Larm Hemma"
)
TITLE_WORDS = TITLE_VOCABULARY.split()


def data_arguments(description: str) -> argparse.ArgumentParser:
    """The options every bench that seeds with this module's functions takes."""
    parser = argparse.ArgumentParser(description=description.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL (EMPTIED first) or a SQLite URL; default: a temporary SQLite file",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="submissions to seed")
    parser.add_argument("--seed", type=int, default=2026, help="random seed")
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    parser = data_arguments(__doc__)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per scenario")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: time a database an earlier run seeded instead of seeding it",
    )
    parser.add_argument(
        "--only", help="time only the scenarios whose name or path contains this text"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="after timing, profile N more requests of each scenario in-process (cProfile)",
    )
    return parser.parse_args(argv)


def make_app(url: str):
    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = normalise_database_url(url)
        LOG_LEVEL = "WARNING"
        # The timed requests are the inbox, not the login: no second factor for the bench.
        MFA_REQUIRED_ROLES = ()

    app = create_app(BenchConfig)
    # As under gunicorn (gunicorn.conf.py, pre_fork): the loaded app out of the garbage
    # collector's sight, so a full collection does not walk it in the middle of a timing.
    gc.freeze()
    return app


def build_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.drop_all()
    db.create_all()


def refresh_schema() -> None:
    """For --reuse: make the tables a newer version added, and refill the board's summaries
    (what the migrations' backfills do)."""
    db.create_all()
    import random as _random

    from portal.board.monthly import refill
    from portal.board.version import BoardVersion

    refill()
    db.session.merge(BoardVersion(id=1, version=_random.getrandbits(62)))
    db.session.commit()


def seed_people(rng: random.Random) -> dict:
    seed_reference()
    db.session.flush()
    parties = list(db.session.scalars(select(Party).order_by(Party.id)))
    password = hash_password(PASSWORD)
    triagers = []
    for n, name in enumerate(["Petra Processtöd", "Pelle Portfölj", "Pia Prioritet"], start=1):
        user = User(email=f"processtod{n}@example.org", name=name, password_hash=password)
        user.role_rows = [UserRole(role=Role.PROCESS_SUPPORT.value)]
        triagers.append(user)
    staff: dict[int, list[User]] = {}
    for party in parties:
        for n in range(8):
            user = User(
                email=f"medarbetare{party.id}-{n}@example.org",
                name=f"Medarbetare {party.short_name} {n}",
                party=party,
                password_hash=None,
            )
            user.role_rows = [UserRole(role=Role.EMPLOYEE.value)]
            staff.setdefault(party.id, []).append(user)
    db.session.add_all(triagers + [u for users in staff.values() for u in users])
    db.session.flush()

    now = datetime.now(UTC)
    areas = list(db.session.scalars(select(FocusArea).order_by(FocusArea.id)))
    calls = []
    for n in range(YEARS * 4):  # a call a quarter
        opens = now - timedelta(days=365 * YEARS) + timedelta(days=91 * n)
        call = Call(
            slug=f"utlysning-{n}",
            title=f"Utlysning {n + 1}: {rng.choice(TITLE_WORDS)} {rng.choice(WORDS)}",
            question="Hur kan vi göra det bättre tillsammans?",
            opens_at=opens,
            closes_at=opens + timedelta(days=60),
            audience=rng.choice(["staff", "residents"]),
            host_party=rng.choice(parties),
            field_rules={},
            published_at=opens,
        )
        call.focus_areas = [rng.choice(areas)]
        calls.append(call)
    db.session.add_all(calls)
    db.session.commit()
    return {
        "parties": [p.id for p in parties],
        "staff": {pid: [(u.id, pid) for u in users] for pid, users in staff.items()},
        "triagers": [u.id for u in triagers],
        "calls": [(c.id, c.opens_at, c.closes_at) for c in calls],
        "areas": [(a.id, a.valid_from, a.valid_to) for a in areas],
    }


OLD_STATES = (
    ["in_portfolio"] * 60
    + ["declined"] * 25
    + ["duplicate"] * 8
    + ["withdrawn"] * 5
    + ["received"] * 1
    + ["awaiting_info"] * 1
)
RECENT_STATES = (
    ["received"] * 50
    + ["awaiting_info"] * 15
    + ["in_portfolio"] * 20
    + ["declined"] * 10
    + ["duplicate"] * 3
    + ["withdrawn"] * 2
)


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def seed_submissions(rng: random.Random, people: dict, rows: int) -> None:
    now = datetime.now(UTC)
    start = now - timedelta(days=365 * YEARS)
    span = (now - start).total_seconds()
    stamps = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(rows))
    seq_by_year: dict[int, int] = {}
    batch: list[dict] = []
    for at in stamps:
        day = at.astimezone(STOCKHOLM).date()
        recent = (now - at).days < 60
        draft = rng.random() < 0.03
        state = "draft" if draft else rng.choice(RECENT_STATES if recent else OLD_STATES)
        resident = rng.random() < 0.3
        if resident:
            submitter_id = party_id = None
        else:
            submitter_id, party_id = rng.choice(people["staff"][rng.choice(people["parties"])])
        areas = [
            a for a in people["areas"] if a[1] <= day and (a[2] is None or day <= a[2])
        ] or people["areas"]
        sorted_yet = state not in ("received", "awaiting_info", "draft") or rng.random() < 0.5
        in_call = [c for c in people["calls"] if c[1] <= at < c[2]]
        values = {
            "kind": rng.choice(["challenge", "idea"]),
            "state": state,
            "title": f"{rng.choice(TITLE_WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}",
            "purpose": sentence(rng, 14),
            "effect_residents": sentence(rng, 10),
            "key_activities": sentence(rng, 8),
            "submitter_id": submitter_id,
            "party_id": party_id,
            "resident_name": "Invånare" if resident else None,
            "resident_email": f"invanare{len(batch)}@example.org" if resident else None,
            "call_id": in_call[0][0] if in_call and rng.random() < 0.6 else None,
            "focus_area_id": rng.choice(areas)[0] if sorted_yet else None,
            "handler_id": rng.choice(people["triagers"])
            if sorted_yet or rng.random() < 0.5
            else None,
            "created_at": at,
            "updated_at": at,
            "submitted_at": None if draft else at,
            "reg_year": None,
            "reg_seq": None,
            "reg_number": None,
        }
        if not draft:
            year = day.year
            seq_by_year[year] = seq_by_year.get(year, 0) + 1
            values.update(
                reg_year=year,
                reg_seq=seq_by_year[year],
                reg_number=f"SK-{year}-{seq_by_year[year]:04d}",
            )
        batch.append(values)
        if len(batch) == CHUNK:
            db.session.execute(insert(Submission), batch)
            batch = []
    if batch:
        db.session.execute(insert(Submission), batch)
    for year, last in seq_by_year.items():
        db.session.add(RegistrationCounter(year=year, last=last))
    db.session.commit()


def analyse() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def login(client, email: str = "processtod1@example.org") -> None:
    import re

    html = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)
    response = client.post(
        "/logga-in", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code


def scenarios(people: dict) -> list[tuple[str, str]]:
    elderly = db.session.scalar(
        select(FocusArea.portfolio_id).where(FocusArea.name == "Välmående och självständiga äldre")
    )
    party = people["parties"][1]
    return [
        ("inga filter (öppna)", "/inkorg"),
        ("status: i portfölj", "/inkorg?state=in_portfolio"),
        ("fokusområde + källa (alla)", f"/inkorg?state=all&portfolio={elderly}&source={party}"),
        ("fritext äldre (alla)", "/inkorg?state=all&q=%C3%A4ldre"),
        (
            "fritext + filter",
            f"/inkorg?q=%C3%A4ldre+tr&portfolio={elderly}&source=invanare&kind=idea&state=all",
        ),
        ("sorterat på namn (alla)", "/inkorg?state=all&sort=title"),
        ("sorterat på namn (öppna)", "/inkorg?sort=title"),
    ]


def measure(
    client, url: str, warmup: int, requests: int, headers: dict | None = None
) -> tuple[float, float]:
    for _ in range(warmup):
        assert client.get(url, headers=headers).status_code == 200
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95


def chosen(only: str | None, *texts: str) -> bool:
    return only is None or any(only in t for t in texts)


def print_markdown(dialect: str, rows: int, results: list[tuple[str, float, float]]) -> None:
    """The results as a Markdown table for README's Benchmarks section, with the load."""
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = ["?"]
    print(f"\n{dialect}, {rows} submissions, load average {' '.join(load)}, median / p95 in ms:\n")
    print(f"| scenario | {dialect} |")
    print("|---|---|")
    for name, median, p95 in results:
        print(f"| {name} | {median:.0f} / {p95:.0f} |")
    print(flush=True)


def profile(name: str, client, url: str, requests: int, headers: dict | None = None) -> None:
    """cProfile over `requests` more requests, the top 25 functions by cumulative time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url, headers=headers)
    profiler.disable()
    print(f"\n--- profile: {name} ({requests} requests) ---")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = None
    url = args.database_url
    if not url:
        handle, tmp = tempfile.mkstemp(prefix="inbox-bench-", suffix=".sqlite3")
        os.close(handle)
        url = f"sqlite:///{tmp}"
    app = make_app(url)
    rng = random.Random(args.seed)
    try:
        with app.app_context():
            dialect = db.engine.dialect.name
            began = time.perf_counter()
            if args.reuse and args.database_url:
                refresh_schema()
                analyse()
                people = {"parties": list(db.session.scalars(select(Party.id).order_by(Party.id)))}
                rows, what = (
                    db.session.scalar(select(func.count()).select_from(Submission)),
                    "reused",
                )
            else:
                build_schema()
                people = seed_people(rng)
                seed_submissions(rng, people, args.rows)
                analyse()
                rows, what = args.rows, "seeded"
            seeded = time.perf_counter() - began
            cases = [c for c in scenarios(people) if chosen(args.only, *c)]
        print(f"{dialect}: {rows} submissions {what} in {seeded:.0f} s", flush=True)
        client = app.test_client()
        login(client)
        print(f"\n{'database':<11} {'scenario':<30} {'median ms':>10} {'p95 ms':>8}")
        results = []
        for name, path in cases:
            median, p95 = measure(client, path, args.warmup, args.requests)
            results.append((name, median, p95))
            print(f"{dialect:<11} {name:<30} {median:>10.1f} {p95:>8.1f}", flush=True)
        print_markdown(dialect, rows, results)
        for name, path in cases if args.profile else ():
            profile(name, client, path, args.profile)
    finally:
        if tmp is not None:
            with app.app_context():
                db.engine.dispose()
            os.unlink(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
