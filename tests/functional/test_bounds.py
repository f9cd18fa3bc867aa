"""Bounds: whatever value a parameter holds (huge, negative, zero, not a number, empty, very
long, a date far out or impossible, NUL and control characters), no route answers with a
server error, as any role. At worst 4xx (400, 404, 422), or the page with the value ignored.

The walker finds everything in the app itself, so a new route or parameter is covered
without touching this file:
- routes: app.url_map (tests/routes.py, shared with tests/functional/test_access.py);
- path parameters: each rule's converters, as raw URL text (so "-1" reaches the router);
  the rule's other parameters keep a value from a URL the role was shown, so that the view
  gets as far as the one being tried (/inkorg/<a real id>/relaterade/<2**63>/ta-bort).
  POST routes too, with the CSRF token of a page;
- query parameters, found two ways:
  recorded: during one ordinary request per route and role, request.args is a MultiDict that
  notes every key the view asks for (get, getlist, [], in);
  rendered: the fields of the GET forms on the pages the role reaches (the filters) and the
  query keys of their links (pagination).
  Recording finds more: everything the pages render, and what no page shows (the API's and
  the exports' parameters, `next`, `rensa`, the user page's `handelser`, the admin list's
  `sida` while it has one page). The rendered names stay as a net for a view that reads its
  arguments by walking them all rather than by name, which recording cannot name.

Pages are reached by following links from every route without parameters, one page per
endpoint, over the demo content (so lists have pages). One test per role, and one for a
visitor not logged in, lists every failure in one message: URL, status and exception.

Each endpoint's query parameters get every value one at a time (the others as in the page's
own URL) as the first role that may reach it (anonymous, then Role's order); every role that
reaches it sends each value to all its parameters at once. The view reads its parameters the
same way whoever asks, so the one-at-a-time requests are not repeated per role, which keeps
the file well under a minute.

PostgreSQL is stricter than SQLite (integers beyond 64 bits, dates beyond its range, NUL in
text raise DataError there); a DataError answered by the portal's last-resort handler (400,
"could not be stored") counts as a failure too: it is a value no check stopped before the
database, and the answer blames the person for characters they did not send.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.utils import cached_property

from portal.accounts.models import Role
from portal.api import services as api_services
from portal.demo import seed_demo_content, seed_demo_users
from portal.extensions import db, limiter
from portal.reference.seed import seed_reference
from tests.conftest import CSRF_RE, login, wipe
from tests.factories import make_user
from tests.routes import converter_kind, may_reach, rules

pytestmark = pytest.mark.slow  # scripts/test --fast leaves it out

# Values for every query parameter: (label for the report, value).
# 2**31 is one beyond PostgreSQL's integer; 5000 digits is beyond what int() reads.
QUERY_VALUES = [
    ("10**30", str(10**30)),
    ("2**63", str(2**63)),
    ("2**31", str(2**31)),
    ("-1", "-1"),
    ("0", "0"),
    ("abc", "abc"),
    ("1e9", "1e9"),
    ("½", "½"),
    ("²", "²"),  # str.isdigit() says yes, int() says no
    ("１", "１"),  # a full-width digit: int() reads it
    ("empty", ""),
    ("5000 digits", "9" * 5000),
    ("0001-01-01", "0001-01-01"),
    ("9999-12-31", "9999-12-31"),
    ("2026-02-30", "2026-02-30"),
    ("20261301", "20261301"),
    ("NUL", "1\x00"),
    ("control", "a\x01\x1b\x7fb"),
]
# Raw URL text for path parameters (werkzeug's int converter refuses "-1" itself; the raw
# URL checks that it does).
INT_PATH_VALUES = ["0", "-1", str(2**31), str(2**63), str(10**30)]
TEXT_PATH_VALUES = ["%20", "x" * 5000, quote("åäö ½ 😀"), "%00", "a%01%1Fb", "%2E%2E", "%FF"]

PLACEHOLDER = re.compile(r"<(?:[a-zA-Z_][a-zA-Z0-9_]*(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")
ROLES = [None, *Role]
# Not followed while crawling: logging out ends the session the walker needs.
NOT_FOLLOWED = {"accounts.logout", "static"}


# --- recording the query parameters a view reads ------------------------------------------

READ: set[str] = set()


class ReadKeys(ImmutableMultiDict):
    """request.args that notes in READ each key the view asks for."""

    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        READ.add(key)
        return super().getlist(key, type)


class RecordingRequest(Request):
    @cached_property
    def args(self):
        return ReadKeys(Request.args.fget(self))


class ErrorLog(logging.Handler):
    """What the portal's error handlers log during one request (portal/errors.py)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def problem(self) -> str | None:
        for record in self.records:
            if record.exc_info:
                exc = record.exc_info[1]
                return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            if "refused by the database" in record.getMessage():
                return "DataError (answered 400 by the last-resort handler)"
        return None


# --- the walk ---------------------------------------------------------------------------


@dataclass
class Site:
    """What the crawl learnt as one role."""

    # (method, endpoint) -> a URL of that route the role was shown or reached
    samples: dict[tuple[str, str], str] = field(default_factory=dict)
    # path parameter name -> a value seen in a URL (a real id for a route no link led to)
    known: dict[str, object] = field(default_factory=dict)
    recorded: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    rendered: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    csrf_token: str = ""

    def params(self, endpoint: str) -> set[str]:
        return self.recorded.get(endpoint, set()) | self.rendered.get(endpoint, set())


@dataclass
class Walker:
    app: object
    client: object
    role: Role | None
    api_token: str | None = None
    failures: list[str] = field(default_factory=list)
    sent: int = 0

    def __post_init__(self) -> None:
        self.adapter = self.app.url_map.bind("localhost")
        self.errors = ErrorLog()
        self.rules = rules(self.app)
        self.site = Site()
        with self.app.test_request_context():
            self.reachable = {r.endpoint for r in self.rules if may_reach(r.endpoint, self.role)}
            # The endpoints this role is the first of ROLES to reach.
            self.leads = {
                e for e in self.reachable if next(r for r in ROLES if may_reach(e, r)) == self.role
            }

    # one request, checked

    def send(self, method: str, url: str, label: str | None = None):
        """GET, or POST with the CSRF token only; note a 5xx, an exception or a DataError."""
        headers = {}
        if self.api_token and url.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.api_token}"
        data = {"csrf_token": self.site.csrf_token} if method == "POST" else None
        shown = label or (url if len(url) < 200 else url[:200] + "…")
        self.errors.records.clear()
        READ.clear()
        self.sent += 1
        try:
            # Buffered: a streamed export runs to its end inside the request.
            response = self.client.open(
                url, method=method, data=data, headers=headers, buffered=True
            )
        except Exception as exc:  # noqa: BLE001 - an error while streaming is a failure too
            self.failures.append(f"{method} {shown} -> raised {type(exc).__name__}: {exc}")
            return None
        problem = self.errors.problem()
        if response.status_code >= 500 or problem:
            self.failures.append(f"{method} {shown} -> {response.status_code} {problem or ''}")
        return response

    def match(self, url: str, method: str = "GET") -> tuple[Rule, dict] | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        try:
            rule, args = self.adapter.match(unquote(parts.path), method=method, return_rule=True)
        except HTTPException:
            return None
        for name, value in args.items():
            self.site.known.setdefault(name, value)
        return rule, args

    # crawl: one ordinary request per endpoint, learning parameters and real URLs

    def crawl(self) -> Site:
        site = self.site
        queue = deque(
            r.rule
            for r in self.rules
            if "GET" in r.methods and not r.arguments and r.endpoint in self.reachable
        )
        visited: set[str] = set()
        while queue:
            url = queue.popleft()
            found = self.match(url)
            if found is None or found[0].endpoint in visited:
                continue
            endpoint = found[0].endpoint
            visited.add(endpoint)
            response = self.send("GET", url)
            site.recorded[endpoint] |= READ
            if response is None:
                continue
            if response.status_code < 400:
                site.samples[("GET", endpoint)] = url
            if response.mimetype == "text/html":
                queue.extend(self.learn(response.get_data(as_text=True), url))
        # Routes no link led to: once with ids seen elsewhere, to record what they read.
        for rule in self.rules:
            if "GET" in rule.methods and rule.endpoint in self.reachable - visited:
                self.send("GET", self.build(rule, {}))
                site.recorded[rule.endpoint] |= READ
        return site

    def learn(self, html: str, page_url: str) -> list[str]:
        """Note the page's links, GET forms and POST actions; return the links to follow."""
        site = self.site
        if not site.csrf_token and (token := CSRF_RE.search(html)):
            site.csrf_token = token.group(1)
        soup = BeautifulSoup(html, "html.parser")
        follow = []
        for a in soup.find_all("a", href=True):
            found = self.match(a["href"])
            if found is None:
                continue
            endpoint = found[0].endpoint
            site.rendered[endpoint] |= {k for k, _v in parse_qsl(urlsplit(a["href"]).query)}
            if endpoint in self.reachable and endpoint not in NOT_FOLLOWED:
                follow.append(a["href"])
        for form in soup.find_all("form"):
            method = (form.get("method") or "get").upper()
            action = form.get("action") or page_url
            found = self.match(action, method)
            if found is None:
                continue
            endpoint = found[0].endpoint
            if method == "GET":
                site.rendered[endpoint] |= {
                    f["name"]
                    for f in form.find_all(["input", "select", "textarea", "button"])
                    if f.get("name") and f.get("type") != "submit"
                }
            else:
                site.samples.setdefault((method, endpoint), urlsplit(action).path)
        return follow

    # building raw URLs

    def build(self, rule: Rule, raw: dict[str, str]) -> str:
        """The rule's URL with `raw` text for those parameters; the others as in a URL of
        this route the role was shown, else as seen in another route, else "1" or "x"."""
        method = "GET" if "GET" in rule.methods else "POST"
        sample = self.site.samples.get((method, rule.endpoint))
        shown = self.match(sample, method)[1] if sample else {}
        values = {}
        for name, converter in rule._converters.items():
            if name in raw:
                values[name] = raw[name]
            elif name in shown or name in self.site.known:
                values[name] = converter.to_url(shown.get(name, self.site.known.get(name)))
            else:
                values[name] = "1" if converter_kind(converter) == "Integer" else "x"
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], rule.rule)

    # the values

    def try_path_values(self, *, refused_too: bool) -> None:
        """Every path parameter of every route the role may reach; with `refused_too`, of
        the others as well (the converter runs before the refusal: one role is enough)."""
        for rule in self.rules:
            if not refused_too and rule.endpoint not in self.reachable:
                continue
            for name, converter in rule._converters.items():
                kind = converter_kind(converter)
                for value in INT_PATH_VALUES if kind == "Integer" else TEXT_PATH_VALUES:
                    url = self.build(rule, {name: value})
                    label = self.build(rule, {name: f"[{value[:30]}]"})
                    for method in sorted(rule.methods & {"GET", "POST"}):
                        self.send(method, url, label)

    def try_query_values(self) -> None:
        """Every value in all query parameters at once of every route the role reached;
        where the role leads, in each parameter alone too (the others as in the page's URL)."""
        for (method, endpoint), sample in sorted(self.site.samples.items()):
            keys = sorted(self.site.params(endpoint) - {"csrf_token"})
            if method != "GET" or not keys:
                continue
            parts = urlsplit(sample)
            kept = parse_qsl(parts.query, keep_blank_values=True)
            alone = keys if endpoint in self.leads else []
            for label, value in QUERY_VALUES:
                for key in alone:
                    query = [(k, v) for k, v in kept if k != key] + [(key, value)]
                    self.send(
                        "GET", f"{parts.path}?{urlencode(query)}", f"{parts.path}?{key}=[{label}]"
                    )
                every = [(k, v) for k, v in kept if k not in keys] + [(k, value) for k in keys]
                self.send("GET", f"{parts.path}?{urlencode(every)}", f"{parts.path}?*=[{label}]")


# --- fixtures and tests -----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(app):
    """The demo content, seeded once for the module's tests (each role adds its own user);
    the next test elsewhere starts from a wiped database as usual."""
    wipe(app)
    with app.app_context():
        seed_reference()
        seed_demo_users()
        seed_demo_content()
        db.session.commit()


@pytest.fixture
def walker_for(app, demo, monkeypatch):
    monkeypatch.setattr(app, "request_class", RecordingRequest)
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    errors = logging.getLogger("portal.errors")
    limiter.reset()
    client = app.test_client()

    def make(role: Role | None) -> Walker:
        api_token = None
        if role is not None:
            user = make_user(roles={role})
            login(client, user)
            _token, api_token = api_services.create_token(
                user, "Gränsvärden", timedelta(days=1), actor=user
            )
            db.session.commit()
        walker = Walker(app, client, role, api_token)
        errors.addHandler(walker.errors)
        return walker

    with app.app_context():
        yield make
        db.session.rollback()
        db.session.remove()
    for handler in list(errors.handlers):
        if isinstance(handler, ErrorLog):
            errors.removeHandler(handler)


def test_the_walker_finds_routes_and_parameters(walker_for):
    """A guard on the walker itself: were discovery to break, the bounds test would pass
    having tried nothing."""
    walker = walker_for(Role.ADMIN)
    site = walker.crawl()
    assert {"page", "from", "to", "q", "sort", "source"} <= site.recorded["triage.inbox"]
    assert {"sida"} <= site.recorded["admin.users"]
    assert {"handelser"} <= site.recorded["admin.edit_user"]
    assert {"page", "year", "call"} <= site.recorded["privacy.diarium"]
    assert {"from", "to", "portfolio", "source"} <= site.recorded["board.dashboard"]
    assert {"from", "to", "group", "party"} <= site.recorded["api.inflow_figures"]
    assert {"sida", "fokusomrade", "sortering"} <= site.params("hub.index")
    assert {"sida", "q", "fokusomrade"} <= site.rendered["hub.index"]
    assert ("GET", "triage.detail") in site.samples
    assert ("POST", "triage.decline") in site.samples
    assert ("GET", "admin.edit_user") in site.samples
    assert walker.failures == []


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_no_parameter_value_gives_a_server_error(walker_for, role):
    walker = walker_for(role)
    walker.crawl()
    walker.try_path_values(refused_too=role is None)
    walker.try_query_values()
    assert walker.sent > 100
    assert not walker.failures, (
        f"{len(walker.failures)} of {walker.sent} requests failed as "
        f"{role.value if role else 'anonymous'}:\n" + "\n".join(walker.failures)
    )
