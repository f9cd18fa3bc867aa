"""Walking the portal as its users do: every page each role reaches by links, and every form
on those pages, on a database full of demo data that is put back after each form.

Used by tests/functional/test_every_form.py (each form posted as a browser posts it) and
tests/functional/test_once_per_intent.py (each form repeated and sent in parallel).

- `WalkDatabase` gives the walk an app with a database of its own (a SQLite file in a
  temporary folder, or a PostgreSQL database beside TEST_DATABASE_URL's), seeded once with
  the demo data and the actors' logins, and restores that state in a fraction of a second
  (SQLite's backup API; on PostgreSQL every table is copied to a schema of its own and put
  back with one TRUNCATE and INSERT … SELECT per table).
- `harvest()` crawls the pages each actor reaches by following links from the start page,
  and returns each distinct form that sends POST (per actor, action endpoint and field names),
  so a new form is walked without anyone listing it.
- `fill()` completes a form the way a careful person would: it keeps what the page filled in
  and puts a plausible value in each empty text, date, number, choice and required box.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from sqlalchemy import func, literal, select, text, union_all
from sqlalchemy.engine import make_url
from webtest.forms import Checkbox, File, Hidden, MultipleSelect, Radio, Select, Submit
from werkzeug.exceptions import HTTPException

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db, limiter
from tests.browser import Browser, path_of

# Who walks: the demo accounts (portal/demo.py), a project leader made for the walk, a
# resident with a private link, and an anonymous visitor.
ACTORS = {
    "anonym": None,
    "invånare": None,  # with the private links of the walk's residents
    "halvvägs": None,  # an admin between the password and the code
    "medarbetare": "anna.eskilstuna@example.org",
    "processtöd": "processtod@example.org",
    "expert": "expert@example.org",
    "core team": "coreteam@example.org",
    "styrelsen": "styrelsen@example.org",
    "projektledare": "projektledare@example.org",
    "admin": "admin@example.org",
}
# Not pages to walk into: files and feeds, and links that act (none should, but a GET that
# changed something would be walked away from here rather than hidden).
SKIP_PATHS = re.compile(r"^/static/|\.(csv|xlsx|json|atom)$|/filer/|/export")
PAGES_PER_ENDPOINT = 25  # enough to meet every state a page shows forms for
QUIET = 8
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # enough to meet every state a page shows forms for


@dataclass(frozen=True)
class FoundForm:
    actor: str
    page: str  # where the form was found
    action: str  # the path it posts to (or its data-hx-post target)
    endpoint: str
    names: tuple[str, ...]  # its field names, numbers masked: the form's identity
    index: int  # its position among the page's forms
    htmx: bool = False  # posted by htmx to data-hx-post, with HX-Request

    @property
    def label(self) -> str:
        return f"{self.actor}: {self.endpoint} on {self.page}"


@dataclass
class Walk:
    app: object
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)
    token_pages: list[str] = field(default_factory=list)  # links people get by e-mail

    def browser(self, actor: str) -> Browser:
        """A browser logged in as the actor (the login is part of the restored database)."""
        browser = Browser(self.app)
        for name, value in self.cookies.get(actor, {}).items():
            browser.set_cookie(name, value)
        return browser


class WalkDatabase:
    """The walk's own database: seeded once, restored before each form."""

    def __init__(self, tmp_path: Path) -> None:
        base = os.environ.get("TEST_DATABASE_URL")
        self.postgres = bool(base) and base.startswith("postgresql")
        if self.postgres:
            url = make_url(base)
            self.name = f"{url.database}_walk_{os.getpid()}"
            self.server = url.set(database="postgres")
            uri = url.set(database=self.name).render_as_string(hide_password=False)
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
        else:
            self.path = tmp_path / "walk.sqlite3"
            uri = f"sqlite:///{self.path}"
            self.memory: sqlite3.Connection | None = None

        class WalkConfig(TestConfig):
            SQLALCHEMY_DATABASE_URI = uri
            UPLOAD_FOLDER = str(tmp_path / "uploads")
            # The half-way admin stays half-way for the whole walk, however long the machine
            # takes: its five minutes are tested in test_mfa.
            MFA_PENDING_TTL = timedelta(hours=3)

        self.app = create_app(WalkConfig)
        with self.app.app_context():
            db.create_all()

    def _admin(self, statement: str) -> None:
        url = self.server
        with psycopg.connect(
            host=url.host, port=url.port, user=url.username, password=url.password,
            dbname="postgres", autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute(statement)

    def snapshot(self) -> None:
        with self.app.app_context():
            db.session.remove()
            if self.postgres:
                self._pg_snapshot()
            db.engine.dispose()
        if not self.postgres:
            self.memory = sqlite3.connect(":memory:", check_same_thread=False)
            with contextlib.closing(sqlite3.connect(self.path)) as live:
                live.backup(self.memory)

    def restore(self) -> None:
        limiter.reset()
        with self.app.app_context():
            db.session.remove()
            if self.postgres:
                with db.engine.begin() as conn:
                    conn.execute(text(self.restore_sql))
                return
            db.engine.dispose()
        with contextlib.closing(sqlite3.connect(self.path)) as live:
            self.memory.backup(live)

    def _pg_snapshot(self) -> None:
        """A copy of every table in the schema `walk_snapshot`, and one statement that puts
        them back (triggers and foreign keys off while it runs, sequences reset)."""
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS walk_snapshot CASCADE"))
            conn.execute(text("CREATE SCHEMA walk_snapshot"))
            columns = {}
            for table in tables:
                columns[table] = [
                    row[0]
                    for row in conn.execute(
                        text(
                            "SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = 'public' AND table_name = :t "
                            "AND is_generated = 'NEVER' ORDER BY ordinal_position"
                        ),
                        {"t": table},
                    )
                ]
                conn.execute(
                    text(f'CREATE TABLE walk_snapshot."{table}" AS TABLE public."{table}"')
                )
            sequences = conn.execute(
                text(
                    "SELECT s.relname, t.relname, a.attname FROM pg_class s "
                    "JOIN pg_depend d ON d.objid = s.oid "
                    "JOIN pg_class t ON t.oid = d.refobjid "
                    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
                    "WHERE s.relkind = 'S'"
                )
            ).all()
        parts = ["SET LOCAL session_replication_role = replica"]
        parts += [f'DELETE FROM public."{t}"' for t in reversed(tables)]
        for table in tables:
            names = ", ".join(f'"{c}"' for c in columns[table])
            parts.append(
                f'INSERT INTO public."{table}" ({names}) '
                f'SELECT {names} FROM walk_snapshot."{table}"'
            )
        for sequence, table, column in sequences:
            parts.append(
                f"SELECT setval('\"{sequence}\"', "
                f'COALESCE((SELECT MAX("{column}") FROM public."{table}"), 0) + 1, false)'
            )
        self.restore_sql = ";\n".join(parts)

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def prepare(database: WalkDatabase) -> Walk:
    """Demo data, and what the demo lacks for a form to show: a project leader, an invited
    user, a password-reset link, a board member's API key, links that stop milestone e-mail, an unpublished call, an open funding request asked for by the
    Core Team, two related submissions, a resident waiting to complete and one who consented,
    an employee with two-factor authentication and a second logged-in browser, and someone
    half-way through logging in. Every actor logged in; then the snapshot."""
    from portal.accounts.models import Role, TokenPurpose, User, UserRole
    from portal.accounts.passwords import hash_password
    from portal.accounts.services import invite_user, issue_token
    from portal.api.services import create_token
    from portal.demo import (
        DEMO_PASSWORD,
        DEMO_TOTP_SECRET,
        demo_token,
        seed_demo_content,
        seed_demo_users,
    )
    from portal.evaluation.funding.services import request_funding
    from portal.evaluation.meetings.services import add_to_agenda, plan_meeting
    from portal.evaluation.models import Initiative, Phase
    from portal.notifications.services import unsubscribe_token
    from portal.reference.seed import seed_reference
    from portal.submissions.models import PrivateLink, State, Submission
    from portal.submissions.services import (
        hash_token,
        issue_private_link,
        save_draft,
        submit_resident,
    )
    from portal.submissions.uploads import CheckedUpload, store
    from portal.triage.services import link_related, request_info
    from portal.types import today_in_stockholm, utcnow
    from tests.factories import make_call

    app = database.app
    walk = Walk(app)
    with app.app_context():
        seed_reference()
        seed_demo_users()
        users = {u.email: u for u in db.session.scalars(select(User))}
        leader = User(
            email=ACTORS["projektledare"],
            name="Pia Projektledare",
            password_hash=hash_password(DEMO_PASSWORD),
        )
        leader.role_rows = [UserRole(role=Role.PROJECT_LEADER.value)]
        db.session.add(leader)
        seed_demo_content()
        admin = users[ACTORS["admin"]]
        support = users[ACTORS["processtöd"]]
        invite_user(
            email="inbjuden@example.org", name="Ida Inbjuden", party=None,
            roles={Role.EMPLOYEE}, actor=admin,
        )  # fmt: skip
        invited = db.session.scalar(select(User).where(User.email == "inbjuden@example.org"))
        walk.token_pages.append(f"/valkommen/{issue_token(invited, TokenPurpose.INVITE)}")
        employee = users[ACTORS["medarbetare"]]
        walk.token_pages.append(f"/losenord/{issue_token(employee, TokenPurpose.RESET)}")
        registering = issue_token(
            None, TokenPurpose.REGISTER, email="ny.medarbetare@mdu.se", name="Nils Ny"
        )  # a self-service account's link (the demo ties mdu.se to its party)
        walk.token_pages.append(f"/skapa-konto/{registering}")
        from portal.accounts import mfa

        employee.totp_secret = mfa.seal(DEMO_TOTP_SECRET)  # optional for employees: on here
        employee.totp_enabled_at = utcnow()
        make_call(slug="ej-publicerad", title="Ännu inte publicerad", published=False)
        initiative = db.session.scalar(
            select(Initiative).where(Initiative.phase == Phase.PILOT.value).limit(1)
        ) or db.session.scalar(select(Initiative).limit(1))
        # A priority meeting held today with an initiative still to decide on.
        meeting = plan_meeting(
            held_on=today_in_stockholm(), portfolio=initiative.portfolio,
            title="Dagens primöte", actor=support,
        )  # fmt: skip
        add_to_agenda(meeting, initiative, actor=support)
        request_funding(
            initiative, amount_kr=40_000, purpose="Material till piloten.",
            period_start=utcnow().date(), period_end=utcnow().date(),
            actor=users[ACTORS["core team"]],
        )  # fmt: skip
        received = db.session.scalars(
            select(Submission).where(Submission.state == State.RECEIVED).order_by(Submission.id)
        ).all()
        link_related(received[0], received[1].reg_number, actor=support)
        call = make_call(slug="for-invanare", title="Öppen för invånare")
        waiting, consenting = (
            submit_resident(
                call, {"kind": "idea", "title": title, "purpose": "Fler träffas."},
                name="Walt Invånare", email=f"walt{n}@example.net",
            )[0]
            for n, title in enumerate(("Träffpunkt i parken", "Läsfadder på biblioteket"))
        )  # fmt: skip
        request_info(waiting, "Hur många vill vara med?", actor=support)
        draft = save_draft(
            None, {"kind": "idea", "title": "Utkast med bilaga"}, actor=employee, call=None
        )
        db.session.flush()
        for holder in (draft, waiting):  # forms on entries that already hold a file
            store(holder, CheckedUpload(PDF, "application/pdf", "bilaga.pdf", len(PDF)))
        consenting.consent_news = True
        consenting.consent_milestones = True
        # The links in milestone e-mail that stop them (no login): a resident's, an employee's.
        walk.token_pages += [
            f"/e-post/sluta/{unsubscribe_token(submission=consenting)}",
            f"/e-post/sluta/{unsubscribe_token(user=employee)}",
        ]
        for submission in (waiting, consenting):
            walk.token_pages.append(f"/mitt-bidrag/{issue_private_link(submission)}")
        board = users[ACTORS["styrelsen"]]
        create_token(board, "Kalkylarket", None, actor=board)  # its page shows "Återkalla"
        db.session.commit()
        # The demo's residents have known private links besides their receipts' (demo.py).
        known = {hash_token(demo_token(n)): demo_token(n) for n in range(200)}
        hashes = db.session.scalars(select(PrivateLink.token_hash).order_by(PrivateLink.id))
        first = next(h for h in hashes if h in known)
        walk.token_pages.append(f"/mitt-bidrag/{known[first]}")

        for actor, email in ACTORS.items():
            if email is None:
                continue
            user = db.session.scalar(select(User).where(User.email == email))
            for _browser in range(2):  # a second browser: the account page lists it
                walk.cookies[actor] = log_in(app, user, DEMO_PASSWORD)
        walk.cookies["halvvägs"] = log_in(app, admin, DEMO_PASSWORD, code=False)
        db.session.remove()
    database.snapshot()
    return walk


def log_in(app, user, password: str, *, code: bool = True) -> dict[str, str]:
    """Log in through the pages; the browser's cookies (without the code: half-way)."""
    from tests.conftest import next_totp_code

    browser = Browser(app)
    form = browser.form(browser.get("/logga-in"), action="/logga-in")
    form["email"], form["password"] = user.email, password
    response = browser.submit(form)
    assert response.status_int == 302, (user.email, response.text[:500])
    if code and path_of(response.headers["Location"]) == "/logga-in/kod":
        form = browser.form(browser.get("/logga-in/kod"), action="/logga-in/kod")
        form["code"] = next_totp_code(user)
        assert browser.submit(form).status_int == 302
    return {c.name: c.value for c in browser.cookiejar}


# --- crawling ------------------------------------------------------------------------------


def endpoint_of(app, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method="GET")
    except HTTPException:
        return None
    return endpoint


def post_endpoint_of(app, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method="POST")
    except HTTPException:
        return None
    return endpoint


def start_pages(walk: Walk, actor: str) -> list[str]:
    if actor == "invånare":
        return [p for p in walk.token_pages if p.startswith("/mitt-bidrag/")]
    if actor == "anonym":
        return ["/", *(p for p in walk.token_pages if not p.startswith("/mitt-bidrag/"))]
    if actor == "halvvägs":
        return ["/logga-in/kod"]
    return ["/"]


def crawl(walk: Walk, actor: str) -> list[tuple[str, object]]:
    """The HTML pages the actor reaches by following links: (path, response). Pages of one
    endpoint are walked until PAGES_PER_ENDPOINT, or after QUIET of them when none had a form
    that posts (an initiative's public page has none)."""
    browser = walk.browser(actor)
    queue = start_pages(walk, actor)
    seen: set[str] = set()
    per_endpoint: Counter = Counter()
    quiet: Counter = Counter()
    with_forms: set[str] = set()
    pages = []
    with walk.app.app_context():
        while queue:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            endpoint = endpoint_of(walk.app, path)
            if endpoint is None or per_endpoint[endpoint] >= PAGES_PER_ENDPOINT:
                continue
            if quiet[endpoint] >= QUIET:
                continue
            per_endpoint[endpoint] += 1
            response = browser.get(path)
            if response.status_int != 200 or "text/html" not in response.content_type:
                continue
            pages.append((path, response))
            posting = [f for f in response.forms.values() if f.method.upper() == "POST"]
            with_forms.update({endpoint} if posting else set())
            quiet[endpoint] = 0 if endpoint in with_forms else quiet[endpoint] + 1
            for link in response.html.select("a[href]"):
                href = link["href"].split("#")[0]
                if not href.startswith("/") or href.startswith("//"):
                    continue
                if SKIP_PATHS.search(urlsplit(href).path) or href in seen:
                    continue
                queue.append(href)
        db.session.remove()
    return pages


def form_names(form) -> tuple[str, ...]:
    names = {re.sub(r"\d+", "#", name) for name in form.fields if name}
    return tuple(sorted(names - {"intent"}))


def harvest(walk: Walk) -> list[FoundForm]:
    """Each distinct POST form each actor meets (one per actor, endpoint and field names)."""
    found: dict[tuple, FoundForm] = {}
    for actor in ACTORS:
        for path, page in crawl(walk, actor):
            for index, form in sorted(page.forms.items(), key=lambda kv: str(kv[0])):
                if not isinstance(index, int) or form.method.upper() != "POST":
                    continue
                action = path_of(form.action or path)
                element = form.html.find("form")
                # htmx targets of the form itself and of its fields (a field posting the form's
                # values elsewhere as it is typed in, like the canvas's similar ideas)
                hx_posts = [element.get("data-hx-post")] + [
                    e.get("data-hx-post") for e in element.select("[data-hx-post]")
                ]
                targets = [(action, False)]
                for hx_post in dict.fromkeys(p for p in hx_posts if p):
                    if path_of(hx_post) != action:
                        targets.append((path_of(hx_post), True))
                for target, htmx in targets:
                    endpoint = post_endpoint_of(walk.app, target) or f"? {target}"
                    key = (actor, endpoint, form_names(form), htmx)
                    if key not in found:
                        found[key] = FoundForm(
                            actor, path, target, endpoint, form_names(form), index, htmx
                        )
    return sorted(found.values(), key=lambda f: (f.endpoint, f.actor, f.page))


def find_again(page, found: FoundForm):
    """The same form on a fresh copy of its page (its index, checked by its field names)."""
    form = page.forms.get(found.index)
    if form is not None and form_names(form) == found.names:
        return form
    for candidate in page.forms.values():
        if form_names(candidate) == found.names:
            return candidate
    return None


# --- filling in ------------------------------------------------------------------------------

SAMPLES = {
    "email": "formular.test@example.org",
    "tel": "070-123 45 67",
    "url": "https://example.org/",
    "number": "1000",
    "password": "Ett-langt-nytt-losenord-2026!",
}


def sample_text(name: str, walk_values: dict[str, str]) -> str:
    lowered = name.lower()
    for key, value in walk_values.items():
        if key in lowered:
            return value
    if "email" in lowered:
        return "ny.person@example.org"
    if lowered.endswith(("year", "ar")):
        return str(date.today().year)
    if "amount" in lowered or "belopp" in lowered:
        return "20000"
    return "Text från formulärgenomgången: åäö ÅÄÖ."


def fill(form, values: dict[str, str] | None = None) -> None:
    """Keep what the page filled in; put a plausible value in each empty field a person would
    fill (hidden fields, buttons and files are left as the page has them)."""
    values = values or {}
    for name, fields in form.fields.items():
        if not name or name.endswith("csrf_token") or name == "intent":
            continue
        first = fields[0]
        if isinstance(first, Hidden | Submit | File):
            continue
        if isinstance(first, Radio):
            if first.value is None and first.options:
                first.value = first.options[0][0]
            continue
        if isinstance(first, MultipleSelect):
            if not first.value and first.options and "required" in first.attrs:
                first.value = [first.options[0][0]]
            continue
        if isinstance(first, Select):
            if not first.value:
                choices = [value for value, _selected, *_ in first.options if value]
                if choices:
                    first.value = choices[0]
            continue
        if isinstance(first, Checkbox):
            group_required = any("required" in f.attrs for f in fields)
            if group_required and not any(f.checked for f in fields):
                fields[0].checked = True
            continue
        for f in fields:
            if f.value:
                continue
            kind = (f.attrs.get("type") or "text").lower()
            if kind == "date":
                f.value = date.today().isoformat()
            elif kind in SAMPLES:
                f.value = SAMPLES[kind] if kind != "email" else sample_text(name, values)

            else:
                f.value = sample_text(name, values)


# --- what a form did ---------------------------------------------------------------------------


def effects(app) -> dict[str, object]:
    """What the database holds that a form's effect changes: rows per table, audit entries by
    action, e-mail by template and recipient."""
    from portal.audit import AuditEntry
    from portal.mail.models import OutboxMessage

    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables if t.name != "intents"]
        counted = union_all(
            *(select(literal(t.name).label("t"), func.count().label("n")).select_from(t)
              for t in tables)
        )  # fmt: skip
        counts = dict(db.session.execute(counted).all())
        audit = Counter(db.session.scalars(select(AuditEntry.action)))
        mail = Counter(
            f"{template} → {recipient}"
            for template, recipient in db.session.execute(
                select(OutboxMessage.template, OutboxMessage.recipient)
            )
        )
        db.session.remove()
    return {"rows": counts, "audit": audit, "mail": mail}


def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def execute(app, statement: str):
    with app.app_context():
        result = db.session.execute(text(statement)).all()
        db.session.remove()
        return result
