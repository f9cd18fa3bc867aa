"""The closing-day burst: residents sending to one call within a minute, process support
working the inbox meanwhile, against the portal as production runs it.

    .venv/bin/python bench/burst.py                 # both setups, one after the other
    .venv/bin/python bench/burst.py --setup two     # two instances on PostgreSQL and Redis
    .venv/bin/python bench/burst.py --setup one     # one instance on the SQLite default
    .venv/bin/python bench/burst.py --residents 60 --support 5   # quicker

Setups (each on a database of its own, made and dropped by the script):
- two: two gunicorn instances (2 workers each) behind HAProxy with TLS, PostgreSQL
  (TEST_DATABASE_URL's server, default 127.0.0.1:5432), Redis, BACKGROUND_JOBS=worker with
  two `flask worker` processes sending the mail;
- one: one gunicorn instance (2 workers) behind the same HAProxy, a SQLite file, mail sent by
  the requests themselves (BACKGROUND_JOBS=inline), as one machine runs it.

The load is Locust (headless; bench/burst_locustfile.py): `--residents` residents arrive over
`--ramp` seconds, each opens the call and sends one answer (every third with a 1–5 MB PDF),
while `--support` process-support users log in (password and app code) and page and search
the inbox. Locust runs from a virtual environment of its own (.venv-bench, made on first use:
Locust pins its own Flask and gevent, which the portal's environment must not take).

Printed: requests, failures, throughput and p50/p95/p99 per request kind; submissions
registered vs receipts at the SMTP sink (an aiosmtpd server in this process), duplicates, and
whether the registration numbers are consecutive; the machine's load before, during and after.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from portal.extensions import db  # noqa: E402
from tests.processes import Databases, Deployment, free_port, portal_on, run_flask  # noqa: E402

LOCUST_VERSION = "2.47.0"
BENCH_VENV = ROOT / ".venv-bench"
PASSWORD = "bench-password-not-secret-1"
REDIS_DB = 12


# --- the parts around the portal --------------------------------------------------------------


class Sink:
    """An SMTP server counting what arrives: (recipient, subject) of each message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                from email import message_from_bytes

                message = message_from_bytes(envelope.content)
                with sink.lock:
                    for to in envelope.rcpt_tos:
                        sink.received.append((to, str(message["Subject"])))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def locust() -> Path:
    """Locust in .venv-bench, installed on first use."""
    binary = BENCH_VENV / "bin" / "locust"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(BENCH_VENV / "bin/pip"), "install", "-q", f"locust=={LOCUST_VERSION}",
             "pyotp==2.12.0"],
            check=True,
        )  # fmt: skip
    return binary


class Load:
    """/proc/loadavg, read every second while the run lasts."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    @staticmethod
    def now() -> float:
        return float(Path("/proc/loadavg").read_text().split()[0])

    def _watch(self) -> None:
        while not self.stop.is_set():
            self.samples.append(self.now())
            time.sleep(1)

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


# --- one run ----------------------------------------------------------------------------------


def arrange(database_url: str, folder: Path, support: int) -> tuple[str, list[list[str]], int]:
    """The call and the process-support accounts (password, and an app code of their own:
    a code is good once per account and 30 s step). Returns the call's path, the accounts as
    Locust needs them, and the call's id."""
    from portal.accounts import mfa
    from portal.accounts.models import Role
    from tests.factories import make_call, make_user

    with portal_on(database_url, folder):
        call = make_call(title="Sista dagen", closes_in_days=0.5)
        accounts = []
        for n in range(support):
            email, secret = f"processtod{n}@example.org", pyotp.random_base32()
            user = make_user(email=email, password=PASSWORD, roles={Role.PROCESS_SUPPORT})
            user.totp_secret = mfa.seal(secret)
            accounts.append([email, PASSWORD, secret])
        db.session.commit()
        return f"/utlysningar/{call.slug}", accounts, call.id


def stats(csv_file: Path) -> list[dict[str, str]]:
    with csv_file.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def run(setup: str, args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"burst-{setup}-"))
    if setup == "two":
        os.environ.setdefault("TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
        databases = Databases(folder)
    else:
        saved = os.environ.pop("TEST_DATABASE_URL", None)
        databases = Databases(folder)  # a SQLite file
        if saved:
            os.environ["TEST_DATABASE_URL"] = saved
    url = databases.new()
    for command in (("db", "upgrade"), ("seed",)):
        result = run_flask(url, *command, home=folder)
        if result.returncode:
            sys.exit(result.stderr)
    path, accounts, call_id = arrange(url, folder, args.support)

    with Sink() as sink:
        settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.port)}
        if setup == "two":
            redis.Redis(port=6379, db=REDIS_DB).flushdb()
            settings |= {
                "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
                "BACKGROUND_JOBS": "worker",
                "WORKER_QUEUE_NAME": "burst",
            }
            deployment = Deployment(
                folder, url, instances=("a", "b"), workers=2, UPLOAD_FOLDER=str(folder / "up"),
                **settings,
            )  # fmt: skip
        else:
            deployment = Deployment(
                folder, url, instances=("a",), UPLOAD_FOLDER=str(folder / "up"), **settings
            )
        deployment.start()
        try:
            before = Load.now()
            env = {
                **os.environ,
                "BURST_CALL_PATH": path,
                "BURST_SUPPORT": json.dumps(accounts),
                "BURST_CA": deployment.trusted,
                "BURST_RESIDENTS": str(args.residents),
            }
            users = args.residents + args.support
            with Load() as load:
                started = time.monotonic()
                subprocess.run(  # noqa: S603
                    [str(locust()), "-f", str(ROOT / "bench/burst_locustfile.py"), "--headless",
                     "-u", str(users), "-r", str(users / args.ramp), "-t", f"{args.duration}s",
                     "--host", deployment.url("both"), "--csv", str(folder / "locust"),
                     "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "30"],
                    env=env, check=False, cwd=ROOT, stdout=subprocess.DEVNULL,
                )  # fmt: skip
                took = time.monotonic() - started
                # Mail still on its way (workers, retries): wait until it stops growing.
                last, quiet = -1, 0
                while quiet < 5:
                    with sink.lock:
                        now = len(sink.received)
                    quiet = quiet + 1 if now == last else 0
                    last = now
                    time.sleep(1)
            after = Load.now()
        finally:
            deployment.stop()

        from portal.submissions.models import Submission

        with portal_on(url, folder):
            titles = db.session.scalars(
                select(Submission.title).where(Submission.call_id == call_id)
            ).all()
            numbers = sorted(
                int(n.rsplit("-", 1)[1]) for n in db.session.scalars(select(Submission.reg_number))
            )
            total = db.session.scalar(select(func.count()).select_from(Submission))
        receipts = [(to, s) for to, s in sink.received if "Vi har tagit emot" in s]

    rows = stats(folder / "locust_stats.csv")
    print(
        f"\n== {setup}: {'two instances, PostgreSQL, Redis, two workers' if setup == 'two' else 'one instance, SQLite, mail sent by the requests'}"
    )
    print(
        f"{args.residents} residents over {args.ramp} s, {args.support} process-support users, run {took:.0f} s"
    )
    print(
        f"{'request':34} {'n':>6} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)"
    )
    for row in rows:
        print(
            f"{row['Name']:34} {row['Request Count']:>6} {row['Failure Count']:>5} "
            f"{float(row['Requests/s']):7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    duplicates = sum(n - 1 for n in Counter(titles).values() if n > 1)
    mailed = Counter(to for to, _ in receipts)
    print(
        f"submissions registered: {len(titles)}, receipts at the SMTP sink: {len(receipts)}, "
        f"duplicate submissions: {duplicates}, residents with two receipts: "
        f"{sum(1 for n in mailed.values() if n > 1)}"
    )
    print(
        f"registration numbers consecutive: {numbers == list(range(1, total + 1))} (1 to {total})"
    )
    print(
        f"load average: {before:.2f} before, {max(load.samples, default=0):.2f} at most and "
        f"{sum(load.samples) / max(len(load.samples), 1):.2f} on average during, {after:.2f} after "
        f"({os.cpu_count()} cores)"
    )
    databases.drop(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=("two", "one", "both"), default="both")
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--support", type=int, default=20)
    parser.add_argument("--ramp", type=float, default=60, help="seconds over which they arrive")
    parser.add_argument("--duration", type=int, default=90, help="seconds the run lasts")
    args = parser.parse_args()
    for setup in ("two", "one") if args.setup == "both" else (args.setup,):
        run(setup, args)


if __name__ == "__main__":
    main()
