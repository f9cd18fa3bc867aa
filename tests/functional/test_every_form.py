"""Every form of the portal, posted as a browser posts it, as every role that meets it.

The forms come from the app itself (tests/walk.py crawls what each role reaches by links), not
from a list: a new form is walked without anyone adding it here. Each is filled in as a
careful person would, sent with exactly the fields its page renders, on the demo database put
back before each one. The answer must be a success, or the same form again with an error on a
field that form shows (422) — never a 4xx or 5xx, and never an error about a field the page
does not show.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image
from webtest.forms import File

from portal.submissions.models import Submission
from tests.browser import Upload, submitted_fields
from tests.e2e.html_check import check_html, errors
from tests.walk import ACTORS, WalkDatabase, effects, fill, find_again, harvest, prepare

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 60)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    database = WalkDatabase(tmp_path_factory.mktemp("walk"))
    walk = prepare(database)
    walk.database = database
    yield walk
    database.close()


@pytest.fixture(scope="module")
def forms(walk):
    return harvest(walk)


def walk_values(walk) -> dict[str, str]:
    """Values a person would know: an existing registration number for the fields asking one."""
    from sqlalchemy import select

    from portal.extensions import db

    with walk.app.app_context():
        numbers = db.session.scalars(
            select(Submission.reg_number)
            .where(Submission.reg_number.is_not(None))
            .order_by(Submission.id)
        ).all()
        db.session.remove()
    return {"reg_number": numbers[0]}


def test_the_walk_meets_every_role_and_every_form(walk, forms):
    actors = {f.actor for f in forms}
    assert actors == set(ACTORS), set(ACTORS) - actors
    posted = {f.endpoint for f in forms}
    routes = {
        rule.endpoint
        for rule in walk.app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and rule.endpoint != "static"
    }
    missing = routes - posted
    assert not missing, f"POST routes no walked page has a form for: {sorted(missing)}"
    unknown = sorted(e for e in posted if e.startswith("?"))
    assert not unknown, f"forms posting to no route: {unknown}"


def test_every_form_succeeds_or_explains_on_its_own_fields(walk, forms):
    """Each form once as it is filled in, and once more with a file in each file field. The
    pages that explain (422) are valid HTML by the Nu Html Checker, checked in one batch: the
    browser crawl (tests/e2e/test_crawl.py) sees only the pages links lead to."""
    values = walk_values(walk)
    problems = []
    explained: dict[str, str] = {}  # a label -> the page that explains (422), a whole document
    sent = 0
    for found in forms:
        for with_files in (False, True):
            walk.database.restore()
            browser = walk.browser(found.actor)
            with walk.app.app_context():
                page = browser.get(found.page)
                form = find_again(page, found) if page.status_int == 200 else None
                if form is None:
                    problems.append(f"{found.label}: the form is gone ({page.status_int})")
                    break
                files = file_choices(form) if with_files else {}
                if with_files and not files:
                    break
                fill(form, values)
                headers = {"HX-Request": "true"} if found.htmx else None
                response = browser.submit(form, action=found.action, headers=headers, files=files)
                sent += 1
            problem = judge(form, response)
            files_note = " (with files)" if with_files else ""
            if problem:
                problems.append(f"{found.label}{files_note}: {problem}")
            if response.status_int == 422 and response.text.lstrip()[:9].lower() == "<!doctype":
                explained[f"{found.label}{files_note}"] = response.text
    problems += [f"HTML: {error}" for error in errors(check_html(explained))]
    assert sent >= len(forms)
    assert not problems, f"{len(problems)} of {sent} posts:\n" + "\n".join(problems)


def file_choices(form) -> dict[str, Upload]:
    """A small picture in each file field of the form (a PDF in a second one)."""
    names = [name for name, fields in form.fields.items() if isinstance(fields[0], File)]
    chosen = {}
    for n, name in enumerate(names):
        chosen[name] = Upload("bild.png", PNG, "image/png") if n == 0 else Upload("plan.pdf", PDF)
    return chosen


def judge(form, response) -> str | None:
    status = response.status_int
    if status < 400:
        return None
    if status != 422:
        return f"answered {status}"
    html = response.html
    summary_links = [a["href"][1:] for a in html.select(".error-summary a[href^='#']")]
    messages = html.select(".error-summary li, p.error")
    if not messages:
        return "422 without an error message on the page"
    shown = {el.get("id") for el in form.html.find_all(True) if el.get("id")}
    shown |= {el.get("id") for el in response.html.select("form [id]")}
    strangers = [target for target in summary_links if target not in shown]
    if strangers:
        return f"errors on fields the page does not show: {strangers}"
    return None


# --- once per intent: each form repeated, and sent four times at once ---------------------

# Not one intent each (portal/intents.py EXEMPT): logging in and out, the language, autosave,
# searches. They are still posted above.
from portal.intents import EXEMPT  # noqa: E402

pytestmark = pytest.mark.slow  # scripts/test --fast leaves it out


@pytest.fixture(scope="module")
def server(walk):
    from tests.e2e.conftest import LiveServer

    live = LiveServer(walk.app)
    live.start()
    yield live
    live.stop()


def test_every_form_sent_again_or_at_once_has_one_effect(walk, forms, server):
    """Each state-changing form: sent once; sent twice in a row (a double click, Back and
    resend of the same page, a replay); sent four times at once from one browser, over HTTP
    to a threaded server. The second and the parallel ones give the effect of the first —
    the same rows, audit entries and e-mail — and never a 5xx."""
    values = walk_values(walk)
    walk.database.restore()
    baseline = effects(walk.app)
    problems = []
    checked = 0
    for found in forms:
        if found.endpoint in EXEMPT or found.htmx:
            continue
        outcomes = {}
        for mode in ("once", "twice", "parallel"):
            walk.database.restore()
            browser = walk.browser(found.actor)
            with walk.app.app_context():
                page = browser.get(found.page)
                form = find_again(page, found)
            if form is None:
                problems.append(f"{found.label}: the form is gone")
                break
            fill(form, values)
            statuses = send(walk, browser, form, found, mode, server)
            outcomes[mode] = (statuses, difference(baseline, effects(walk.app)))
        if len(outcomes) < 3:
            continue
        checked += 1
        (first, *_), once = outcomes["once"]
        for mode in ("twice", "parallel"):
            statuses, changed = outcomes[mode]
            if any(s >= 500 for s in statuses):
                problems.append(f"{found.label} {mode}: {statuses}")
            elif first < 400 and changed != once:
                problems.append(f"{found.label} {mode}: {statuses}, {describe(once, changed)}")
    assert checked > 100
    assert not problems, f"{len(problems)} of {checked} forms:\n" + "\n".join(problems)


def send(walk, browser, form, found, mode, server) -> list[int]:
    if mode == "once":
        return [browser.submit(form, action=found.action).status_int]
    if mode == "twice":
        return [browser.submit(form, action=found.action).status_int for _ in range(2)]
    fields = [(n, v) for n, v in submitted_fields(form, None) if not isinstance(v, File)]
    cookies = {c.name: c.value for c in browser.cookiejar}
    url = server.url + found.action
    referer = server.url + found.page
    barrier = threading.Barrier(4)

    def post(_n):
        barrier.wait()
        response = requests.post(
            url,
            data=fields,
            files={"_": ("", b"")} if form.enctype == "multipart/form-data" else None,
            cookies=cookies,
            headers={"Referer": referer},
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(post, range(4)))


def difference(before: dict, after: dict) -> dict:
    rows = {t: after["rows"][t] - before["rows"].get(t, 0) for t in after["rows"]}
    return {
        "rows": {t: n for t, n in rows.items() if n},
        "audit": +(after["audit"] - before["audit"]),
        "mail": +(after["mail"] - before["mail"]),
    }


def describe(once: dict, changed: dict) -> str:
    parts = []
    for key in ("rows", "audit", "mail"):
        if once[key] != changed[key]:
            parts.append(f"{key}: once {dict(once[key])}, now {dict(changed[key])}")
    return "; ".join(parts)
