"""Throughput of the portal's busiest pages under gunicorn, against a bare Flask app.

    .venv/bin/python bench/pages.py                          # a temporary SQLite file
    .venv/bin/python bench/pages.py --database-url postgresql://127.0.0.1:5432/pages_scratch
    .venv/bin/python bench/pages.py --rows 20000 --requests 500   # quicker
    .venv/bin/python bench/pages.py --profile                # in process only: ms per request

With a PostgreSQL URL the database is EMPTIED first: give it a scratch database. The script
seeds `--rows` submissions with bench/inbox.py's functions, a board member (bench/board.py's),
`--initiatives` hub initiatives (bench/hub.py's) and a call open to residents, then starts two
gunicorns with the repository's gunicorn.conf.py (2 workers, production settings): the portal,
and a bare Flask "hello" under the same settings. For each page it runs `ab -c 8` against
"hello" and then the page (alternating, so that a change of load hits both) and prints req/s,
p50 and p95, and the page's req/s as a share of "hello"'s. `/inkorg` and `/styrelsen` are
fetched logged in (process support with password and app code; a board member). It also times
each page in process (the Flask test client, CPU time per request: less sensitive to other
processes on the machine), and prints the load average before and after. Last it prints the
figures as a Markdown table for the README's Benchmarks section. Needs `ab` (Debian's
apache2-utils).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pyotp
import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import board  # noqa: E402  (bench/board.py: the board member)
import hub  # noqa: E402  (bench/hub.py: published initiatives)
import inbox  # noqa: E402  (bench/inbox.py: the shared seeding)
from flask import Flask  # noqa: E402

from portal.accounts import mfa  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.types import utcnow  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.processes import SECRET_KEY, cron_environment  # noqa: E402

CALL_SLUG = "sista-dagen"
SUPPORT_EMAIL = "processtod1@example.org"
FIELD = re.compile(r'<input[^>]*name="(csrf_token|intent|next)"[^>]*value="([^"]*)"')

HELLO = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""
# The repository's settings for both servers; "hello" has no database to reconnect after fork.
HELLO_CONF = """exec(open({conf!r}).read())
wsgi_app = "hello:app"
pythonpath = {folder!r}
del post_fork
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = inbox.data_arguments(__doc__)
    parser.add_argument("--initiatives", type=int, default=3_000, help="hub initiatives to seed")
    parser.add_argument("--requests", type=int, default=2_000, help="ab requests per page")
    parser.add_argument("--concurrency", type=int, default=8, help="ab -c")
    parser.add_argument("--profile-requests", type=int, default=200, help="in-process requests")
    parser.add_argument(
        "--profile", action="store_true", help="only the in-process timing (no gunicorn, no ab)"
    )
    parser.add_argument(
        "--cprofile", metavar="PATH", help="print cProfile's top functions for this page"
    )
    parser.add_argument("--only", nargs="*", help="only these pages (names as printed)")
    return parser.parse_args(argv)


# --- the data ---------------------------------------------------------------------------


def seed(app, args) -> dict:
    """Submissions, people, hub initiatives and the open call; the accounts' secrets."""
    from tests.factories import make_call

    rng = random.Random(args.seed)
    with app.app_context():
        inbox.build_schema()
        people = inbox.seed_people(rng)
        inbox.seed_submissions(rng, people, args.rows)
        board.seed_board_people(people)
        hub.seed(args.initiatives, random.Random(args.seed))
        # The page every resident opens on closing day: the residents' rules, a focus area.
        make_call(slug=CALL_SLUG, title="Sista dagen", closes_in_days=0.5)
        secret = pyotp.random_base32()
        support = db.session.query(User).filter_by(email=SUPPORT_EMAIL).one()
        support.totp_secret = mfa.seal(secret)  # production asks process support for a code
        support.totp_enabled_at = utcnow()
        db.session.commit()
        inbox.analyse()
    return {"totp": secret}


def pages() -> list[tuple[str, str, str | None]]:
    """(name, path, who): who is None (anonymous), "support" or "board"."""
    return [
        ("/", "/", None),
        ("/utlysningar", "/utlysningar", None),
        ("call page", f"/utlysningar/{CALL_SLUG}", None),
        ("/hubb", "/hubb", None),
        ("/hubb?q=äldre", "/hubb?q=" + quote("äldre"), None),
        ("/inkorg", "/inkorg", "support"),
        ("/styrelsen", "/styrelsen", "board"),
    ]


# --- in process -------------------------------------------------------------------------


def hello_app() -> Flask:
    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "Hello, World!")
    return app


def cpu_ms(client, path: str, count: int) -> float:
    """Median CPU time of the process per request, in ms (after warm-ups)."""
    for _ in range(10):
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(count):
        began = time.process_time()
        response = client.get(path)
        times.append((time.process_time() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def in_process(app, args) -> dict[str, float]:
    clients = {None: app.test_client(), "support": app.test_client(), "board": app.test_client()}
    inbox.login(clients["board"], board.BOARD_EMAIL)
    # Another process-support account, without an app code: in process none is required.
    inbox.login(clients["support"], "processtod2@example.org")
    times = {"bare Flask": cpu_ms(hello_app().test_client(), "/", args.profile_requests)}
    for name, path, who in pages():
        times[name] = cpu_ms(clients[who], path, args.profile_requests)
        if args.cprofile and path == args.cprofile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.profile_requests):
                clients[who].get(path)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    return times


# --- under gunicorn ---------------------------------------------------------------------


class Server:
    def __init__(self, folder: Path, env: dict[str, str], config: Path | None = None) -> None:
        self.port = free_port()
        command = [str(ROOT / ".venv/bin/gunicorn")]
        if config is not None:
            command += ["-c", str(config)]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env={**env, "PORT": str(self.port), "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "1"},
            stdout=subprocess.DEVNULL,
            stderr=(folder / f"gunicorn-{self.port}.log").open("w"),
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"gunicorn-{self.port}.log"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/", timeout=5).status_code < 500:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise SystemExit(f"gunicorn on {self.port} was not ready in 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Browser:
    """A browser speaking plain HTTP to gunicorn: production's session cookie is Secure, which
    `requests` would not send back over HTTP, so the cookies are kept here."""

    def __init__(self, base: str) -> None:
        self.base, self.cookies = base, {}

    def go(self, method: str, path: str, **kwargs) -> requests.Response:
        while True:
            answer = requests.request(
                method, self.base + path, cookies=self.cookies, allow_redirects=False,
                timeout=30, **kwargs,
            )  # fmt: skip
            self.cookies.update({c.name: c.value for c in answer.cookies})
            if answer.status_code not in (301, 302, 303):
                return answer
            method, path, kwargs = "GET", answer.headers["Location"].removeprefix(self.base), {}

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


def cookie_after_login(base: str, email: str, secret: str | None = None) -> str:
    """The session cookie ("name=value") of a logged-in browser, for ab -C."""
    browser = Browser(base)
    page = browser.go("GET", "/logga-in")
    form = {**dict(FIELD.findall(page.text)), "email": email, "password": inbox.PASSWORD}
    answer = browser.go("POST", "/logga-in", data=form)
    if secret is not None:
        code = {**dict(FIELD.findall(answer.text)), "code": pyotp.TOTP(secret).now()}
        done = browser.go("POST", "/logga-in/kod", data=code)
        if done.url.endswith("/logga-in/kod"):
            raise SystemExit(f"the app code was refused: {done.status_code} {done.text[:3000]}")
    return browser.header()


AB_RPS = re.compile(r"Requests per second:\s+([\d.]+)")
AB_PERCENT = re.compile(r"^\s+(\d+)%\s+(\d+)", re.MULTILINE)


def ab(url: str, requests_: int, concurrency: int, cookie: str | None = None) -> dict:
    command = ["ab", "-q", "-n", str(requests_), "-c", str(concurrency)]
    if cookie:
        command += ["-C", cookie]
    out = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    failed = re.search(r"Non-2xx responses:\s+(\d+)", out)
    if failed:
        raise SystemExit(f"{url}: {failed.group(1)} responses were not 200\n{out}")
    percent = {int(p): float(ms) for p, ms in AB_PERCENT.findall(out)}
    return {"rps": float(AB_RPS.search(out).group(1)), "p50": percent[50], "p95": percent[95]}


def under_gunicorn(url: str, folder: Path, secrets: dict, args) -> list[dict]:
    (folder / "hello.py").write_text(HELLO)
    hello_conf = folder / "hello_conf.py"
    hello_conf.write_text(
        HELLO_CONF.format(conf=str(ROOT / "gunicorn.conf.py"), folder=str(folder))
    )
    env = cron_environment(url, folder, LOG_LEVEL="WARNING")
    portal, hello = Server(folder, env), Server(folder, env, hello_conf)
    rows = []
    try:
        cookies = {
            None: None,
            "support": cookie_after_login(portal.url, SUPPORT_EMAIL, secrets["totp"]),
            "board": cookie_after_login(portal.url, board.BOARD_EMAIL),
        }
        for name, path, who in pages():
            if args.only and name not in args.only:
                continue
            page_url = portal.url + path
            probe = requests.get(
                page_url, headers={"Cookie": cookies[who] or ""}, allow_redirects=False, timeout=30
            )
            if probe.status_code != 200:
                raise SystemExit(f"{name}: {probe.status_code} {probe.headers.get('Location')}")
            ab(page_url, min(200, args.requests), args.concurrency, cookies[who])  # warm-up
            bare = ab(hello.url + "/", args.requests, args.concurrency)
            measured = ab(page_url, args.requests, args.concurrency, cookies[who])
            row = {"page": name, **measured, "bare": bare["rps"]}
            row["share"] = measured["rps"] / bare["rps"]
            rows.append(row)
            print(
                f"{name:<16} {measured['rps']:>8.0f} {measured['p50']:>6.0f} "
                f"{measured['p95']:>6.0f} {bare['rps']:>9.0f} {row['share']:>7.1%}",
                flush=True,
            )
    finally:
        portal.stop()
        hello.stop()
    return rows


def markdown(rows: list[dict], times: dict[str, float], args, loads) -> str:
    served = (
        "in process only (`--profile`)"
        if args.profile
        else f"gunicorn 2 workers, `ab -c {args.concurrency} -n {args.requests}`"
    )
    lines = [
        f"`bench/pages.py`: {args.rows} submissions, {served}; load average "
        f"{loads[0]:.1f} before, {loads[1]:.1f} after.",
        "",
        "| page | req/s | p50 ms | p95 ms | bare Flask req/s | share of bare Flask "
        "| in process, CPU ms/request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    if rows:
        lines.append(
            f"| bare Flask | {rows[0]['bare']:.0f} | | | | 100 % | {times['bare Flask']:.2f} |"
        )
    else:
        lines.append(f"| bare Flask | | | | | | {times['bare Flask']:.2f} |")
    by_page = {r["page"]: r for r in rows}
    for name, _path, _who in pages():
        r = by_page.get(name)
        if r:
            lines.append(
                f"| {name} | {r['rps']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['bare']:.0f} "
                f"| {r['share'] * 100:.1f} % | {times[name]:.2f} |"
            )
        else:
            lines.append(f"| {name} | | | | | | {times[name]:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.profile and shutil.which("ab") is None:
        sys.exit("ab is missing: apt-get install -y apache2-utils (or run with --profile)")
    folder = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'pages.sqlite3'}"
    app = inbox.make_app(url)
    app.config["SECRET_KEY"] = SECRET_KEY  # the servers' key: the app codes are sealed with it
    try:
        began = time.perf_counter()
        secrets = seed(app, args)
        print(f"{args.rows} submissions seeded in {time.perf_counter() - began:.0f} s", flush=True)
        before = os.getloadavg()[0]
        print(f"load average before: {os.getloadavg()}", flush=True)
        times = in_process(app, args)
        print("\nin process (Flask test client), median CPU ms per request:")
        for name, ms in times.items():
            print(f"  {name:<16} {ms:>7.2f}  ({ms / times['bare Flask']:.0f}× bare Flask)")
        rows = []
        if not args.profile:
            print(
                f"\n{'page':<16} {'req/s':>8} {'p50':>6} {'p95':>6} {'bare req/s':>9} {'share':>7}"
            )
            rows = under_gunicorn(url, folder, secrets, args)
        after = os.getloadavg()[0]
        print(f"load average after: {os.getloadavg()}", flush=True)
        print("\n" + markdown(rows, times, args, (before, after)))
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
