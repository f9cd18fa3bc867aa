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

import pytest
from PIL import Image
from webtest.forms import File

from portal.submissions.models import Submission
from tests.browser import Upload
from tests.walk import ACTORS, WalkDatabase, fill, find_again, harvest, prepare

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 60)).save(out, "PNG")
    return out.getvalue()


PNG = _png()

# POST routes no page shows a form for, and why.
NO_FORM = {
    "api_tokens.revoke": "shown only for a live API token; the demo has none (tests/functional/test_api_tokens.py)",
}


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
    missing = routes - posted - set(NO_FORM)
    assert not missing, f"POST routes no walked page has a form for: {sorted(missing)}"
    unknown = sorted(e for e in posted if e.startswith("?"))
    assert not unknown, f"forms posting to no route: {unknown}"


def test_every_form_succeeds_or_explains_on_its_own_fields(walk, forms):
    """Each form once as it is filled in, and once more with a file in each file field."""
    values = walk_values(walk)
    problems = []
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
                response = browser.submit(
                    form, action=found.action, headers=headers, files=files
                )
                sent += 1
            problem = judge(form, response)
            if problem:
                files_note = " (with files)" if with_files else ""
                problems.append(f"{found.label}{files_note}: {problem}")
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
