"""Two instances behind a load balancer, as a deployment on two machines runs the portal.

The test starts what production runs, on loopback: two gunicorn instances of the portal with
the repository's gunicorn.conf.py (PORTAL_ENV=production, one database, Redis for the queue and
the throttles, one shared upload folder, TRUSTED_PROXIES=1), and Debian's HAProxy in front of
them terminating TLS. HAProxy has three doors: round robin over both instances, and one to each
instance alone, so a step can name the instance it goes through. A person's client keeps the
session cookie and posts the forms as the pages render them.

On the database of TEST_DATABASE_URL's server when it is PostgreSQL (as in CI), otherwise on
a SQLite file that both instances open.
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from collections import Counter

import pytest
import redis
import requests
from bs4 import BeautifulSoup
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select

from portal.extensions import db as _db
from tests.processes import Databases, Deployment, portal_on, run_flask

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("haproxy"), reason="HAProxy (Debian's haproxy) is needed"),
]

REDIS_DB = 13  # a database of Redis for this test alone: emptied before it starts
PASSWORD = "ett-långt-lösenord-för-testet"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


# --- the deployment -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("instances")
    redis.Redis(port=6379, db=REDIS_DB).flushdb()
    databases = Databases(folder)
    url = databases.new()
    for command in (("db", "upgrade"), ("seed",)):
        result = run_flask(url, *command, home=folder)
        assert result.returncode == 0, result.stderr
    running = Deployment(
        folder,
        url,
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        BACKGROUND_JOBS="worker",
        WORKER_QUEUE_NAME=f"test-{uuid.uuid4().hex[:8]}",
        UPLOAD_FOLDER=str(folder / "shared-uploads"),
    )
    running.start()
    yield running
    running.stop()
    databases.drop(url)


# --- a person's client ----------------------------------------------------------------------


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (127.0.0.N), as from a computer of its own."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


class Person:
    """One browser: its cookies, and the forms of the pages it gets; `address`: the computer
    it connects from (HAProxy passes it on in X-Forwarded-For)."""

    def __init__(self, deployment: Deployment, address: str = "127.0.0.1") -> None:
        self.deployment = deployment
        self.http = requests.Session()
        self.http.mount("https://", FromAddress(address))

    def get(self, door: str, path: str, **kwargs) -> requests.Response:
        return self.http.get(
            self.deployment.url(door, path), verify=self.deployment.trusted, timeout=30, **kwargs
        )

    def submit(self, door: str, page: requests.Response, action: str, values: dict, files=None):
        """Post the form whose action is `action` on `page`, as rendered, with `values` typed
        into fields it shows."""
        soup = BeautifulSoup(page.text, "html.parser")
        form = next(
            f for f in soup.find_all("form") if (f.get("action") or "").split("?")[0] == action
        )
        data: dict[str, str] = {}
        for field in form.find_all(["input", "textarea", "select"]):
            name = field.get("name")
            kind = field.get("type", "text")
            if not name or kind in {"submit", "file", "button"}:
                continue
            if kind in {"checkbox", "radio"} and not field.has_attr("checked"):
                continue
            if field.name == "textarea":
                data[name] = field.text
            elif field.name == "select":
                chosen = field.find("option", selected=True) or field.find("option")
                data[name] = chosen.get("value", "") if chosen else ""
            else:
                data[name] = field.get("value", "")
        named = {f.get("name") for f in form.find_all(["input", "textarea", "select"])}
        assert set(values) <= named, set(values) - named  # only what the page shows
        assert not files or set(files) <= named
        data.update(values)
        # The Referer a browser sends on a same-origin POST (the CSRF check over HTTPS needs it).
        policy = page.headers.get("Referrer-Policy", "strict-origin-when-cross-origin")
        referer = {} if policy == "no-referrer" else {"Referer": page.url}
        return self.http.post(
            self.deployment.url(door, action),
            data=data,
            files=files,
            headers=referer,
            allow_redirects=False,
            verify=self.deployment.trusted,
            timeout=60,
        )

    def log_in(self, door: str, email: str, password: str = PASSWORD) -> requests.Response:
        page = self.get(door, "/logga-in")
        return self.submit(door, page, "/logga-in", {"email": email, "password": password})


def make_employee(deployment: Deployment, email: str) -> None:
    from tests.factories import make_user

    with portal_on(deployment.database_url, deployment.folder):
        make_user(email=email, password=PASSWORD)


# --- the journeys across instances ----------------------------------------------------------


def test_a_session_begun_on_one_instance_goes_on_and_ends_on_the_other(deployment):
    email = f"anna-{uuid.uuid4().hex[:6]}@example.org"
    make_employee(deployment, email)
    person = Person(deployment)
    assert person.log_in("only_a", email).status_code == 302
    account = person.get("only_b", "/konto", allow_redirects=False)
    assert account.status_code == 200
    assert email in account.text
    page = person.get("only_b", "/konto")
    assert person.submit("only_b", page, "/logga-ut", {}).status_code == 302
    after = person.get("only_a", "/konto", allow_redirects=False)
    assert after.status_code == 302
    assert "/logga-in" in after.headers["Location"]


def test_a_file_uploaded_through_one_instance_downloads_through_the_other(deployment):
    email = f"erik-{uuid.uuid4().hex[:6]}@example.org"
    make_employee(deployment, email)
    person = Person(deployment)
    assert person.log_in("only_a", email).status_code == 302
    form = person.get("only_a", "/lamna-in")
    sent = person.submit(
        "only_a",
        form,
        "/lamna-in",
        {"kind": "idea", "title": "Skiss på cykelbuss", "purpose": "Barn cyklar ihop."},
        files={"visual_file": ("skiss.png", PNG, "image/png")},
    )
    assert sent.status_code in {302, 303}, sent.text[:2000]
    mine = person.get("only_b", "/mina-inlamningar")
    detail = re.search(r'href="(/mina-inlamningar/\d+)"', mine.text).group(1)
    page = person.get("only_b", detail)
    link = re.search(r'href="(/inlamningar/\d+/filer/\d+)"', page.text).group(1)
    download = person.get("only_b", link)
    assert download.status_code == 200
    assert download.content == PNG


def test_the_login_throttle_counts_across_both_instances(deployment):
    email = f"sara-{uuid.uuid4().hex[:6]}@example.org"
    make_employee(deployment, email)
    guesser = Person(deployment)
    for attempt in range(10):
        door = ("only_a", "only_b")[attempt % 2]
        assert guesser.log_in(door, email, "fel-lösenord-1234").status_code == 422
    for door in ("only_a", "only_b"):
        assert guesser.log_in(door, email).status_code == 429


def test_an_instance_killed_mid_burst_loses_no_submission_and_saves_nothing_by_half(deployment):
    from portal.submissions.models import Submission
    from tests.factories import make_call

    with portal_on(deployment.database_url, deployment.folder):
        call = make_call(title="Sista dagen")
        slug = call.slug
    path = f"/utlysningar/{slug}"
    receipts: list[str] = []
    errors: Counter = Counter()
    lock = threading.Lock()

    def resident(n: int) -> None:
        person = Person(deployment, address=f"127.0.1.{n + 1}")  # each from a home of its own
        values = {
            "kind": "idea",
            "title": f"Idé nummer {n}",
            "purpose": f"Invånare {n} föreslår något.",
            "name": f"Invånare {n}",
            "email": f"invanare{n}@example.org",
        }
        for _ in range(5):  # a person who gets an error page sends again
            try:
                page = person.get("both", path)
                if page.status_code != 200:  # an error page: the person loads it again
                    with lock:
                        errors[f"GET {page.status_code}"] += 1
                    continue
                answer = person.submit("both", page, path, values)
            except requests.RequestException as error:
                with lock:
                    errors[type(error).__name__] += 1
                continue
            if answer.status_code in {302, 303}:
                with lock:
                    receipts.append(answer.headers["Location"])
                return
            with lock:
                errors[answer.status_code] += 1

    people = [threading.Thread(target=resident, args=(n,)) for n in range(40)]
    for i, person in enumerate(people):
        person.start()
        if i == 15:
            deployment.kill("b")  # mid-burst, with requests in flight
    for person in people:
        person.join(timeout=120)

    assert deployment.processes["b"].poll() is not None  # b is gone; a served the rest
    assert len(receipts) == 40, errors  # every resident got a receipt (some after a retry)
    with portal_on(deployment.database_url, deployment.folder):
        saved = _db.session.execute(
            select(Submission.title, Submission.reg_number).where(Submission.call_id == call.id)
        ).all()
        titles = Counter(title for title, _ in saved)
        assert titles == Counter(f"Idé nummer {n}" for n in range(40))  # each once
        # Consecutive numbers: no number taken by a transaction the killed instance lost.
        every = _db.session.scalars(select(Submission.reg_number)).all()
        numbers = sorted(int(number.rsplit("-", 1)[1]) for number in every)
        assert numbers == list(range(1, len(every) + 1))
        assert _db.session.scalar(select(func.count()).select_from(Submission)) == len(every)
