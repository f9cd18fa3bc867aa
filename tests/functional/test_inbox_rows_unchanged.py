"""The inbox's rows read exactly as before their words were translated once per page
(portal/triage/inbox.py row_text): the old row markup, kept here, rendered for the same rows."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.reference.models import FocusArea
from portal.submissions.models import KIND_LABELS, STATE_LABELS, Submission
from tests.factories import make_call, make_user
from tests.functional.test_inbox import add, row

# templates/triage/inbox.html's row loop before row_text (one gettext and one Babel date per row).
OLD_ROWS = """\
          {% for s in rows %}
          <tr>
            <td><input type="checkbox" name="ids" value="{{ s.id }}" id="tick-{{ s.id }}"><label for="tick-{{ s.id }}" class="visually-hidden">{{ _("Markera %(number)s", number=s.reg_number) }}</label></td>
            <td class="nowrap"><a href="/inkorg/{{ s.id }}">{{ s.reg_number }}</a></td>
            <td>{{ s.title or _("(utan namn)") }}</td>
            <td>{{ kind_labels[s.kind] }}</td>
            <td>{% if s.party %}<abbr title="{{ s.party.name }}">{{ s.party.short_name }}</abbr>{% else %}{{ _("Invånare") }}{% endif %}</td>
            <td>{{ s.call.title if s.call else _("Löpande") }}</td>
            <td>{{ s.focus_area.name if s.focus_area else "–" }}</td>
            <td><span class="badge badge-state-{{ s.state }}">{{ state_labels[s.state] }}</span></td>
            <td>{{ s.handler.name if s.handler else "–" }}</td>
            <td class="nowrap">{{ s.submitted_at|date("short") }}</td>
          </tr>
          {% endfor %}
"""


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_rows_render_as_the_old_row_markup_did(client, login_as, lang):
    staff = make_user(roles={Role.EMPLOYEE}, party_name="Eskilstuna kommun")
    handler = make_user(roles={Role.PROCESS_SUPPORT}, email="handlaggare@example.org")
    call = make_call(title="Trygg & <säker> vardag")
    area = _db.session.scalars(select(FocusArea).order_by(FocusArea.id)).first()
    add(
        row(9101, title="Äldre & <ensamhet>"),
        row(9102, title=None, kind="challenge", state="in_portfolio", staff=staff),
        row(9103, call_id=call.id, focus_area_id=area.id, handler_id=handler.id),
        # Late on New Year's Eve in UTC: the next day in Stockholm.
        row(
            9104,
            state="declined",
            submitted_at=row(9104)["submitted_at"].replace(
                year=2025, month=12, day=31, hour=23, minute=30
            ),
        ),
    )
    login_as(Role.PROCESS_SUPPORT)
    with client.session_transaction() as session:
        session["lang"] = lang
    response = client.get("/inkorg?state=all&sort=reg_number")
    html = response.get_data(as_text=True)
    body = re.search(r"<tbody>\n(.*?)        </tbody>", html, re.S).group(1)
    ids = [int(i) for i in re.findall(r'<a href="/inkorg/(\d+)">', body)]
    assert len(ids) == 4
    by_id = {s.id: s for s in _db.session.scalars(select(Submission).where(Submission.id.in_(ids)))}
    with client.application.test_request_context("/inkorg"):
        from flask import session as request_session

        request_session["lang"] = lang
        old = render_template_string(
            OLD_ROWS,
            rows=[by_id[i] for i in ids],
            kind_labels=KIND_LABELS,
            state_labels=STATE_LABELS,
        )
    assert body == old
    # The words that the rows share are there, in the chosen language.
    assert ("Invånare" if lang == "sv" else "Residents") in body
    assert "Äldre &amp; &lt;ensamhet&gt;" in body


def test_free_text_prefixes_up_to_eight_characters_are_indexed(db):
    """SQLite: submissions_fts keeps prefix indexes (2 to 8 characters), so that a whole word
    matched as a prefix reads one doclist newest first; PostgreSQL's GIN needs none."""
    if _db.engine.dialect.name != "sqlite":
        pytest.skip("FTS5 is SQLite's")
    sql = _db.session.scalar(
        select(_db.text("sql"))
        .select_from(_db.text("sqlite_master"))
        .where(_db.text("name = 'submissions_fts'"))
    )
    assert "prefix='2 3 4 5 6 7 8'" in sql
    add(row(9201, title="Trygghet för äldre"), row(9202, title="Äldreomsorg"))
    from portal.triage import search

    found = search.hit_ids("äldre trygg", limit=10)
    assert found and all("äldre" in _db.session.get(Submission, i).title.casefold() for i in found)
    assert len(search.hit_ids("äldreo", limit=10)) == 1
