"""The triage page's "Som inkommen": what differs today from the canvas as received, field by
field and word by word, escaped; "Oförändrad sedan inlämningen" when nothing does; the whole
record one click away (a folded <details>)."""

from __future__ import annotations

import re

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.privacy import records
from tests.privacy_factories import resident_submission


def som_inkommen(html: str) -> str:
    """The page's "Som inkommen" section, up to the next section."""
    start = html.index('id="som-inkommen"')
    return html[start : html.index("<h2>Kopplingar</h2>", start)]


def changes(html: str) -> str:
    section = som_inkommen(html)
    return section[section.index("Ändrat sedan inlämningen") : section.index("Hela handlingen")]


def test_changed_field_is_shown_as_its_difference_and_unchanged_fields_are_not(
    client, login_as, db
):
    submission, _token = resident_submission(
        title="Cykelkompisar", purpose="Äldre barn cyklar med yngre."
    )
    submission.purpose = "Äldre barn cyklar varje dag med yngre."
    _db.session.commit()
    login_as(Role.PROCESS_SUPPORT)

    html = client.get(f"/inkorg/{submission.id}").get_data(as_text=True)

    shown = changes(html)
    assert "<dt>Syfte, behov, målgrupp</dt>" in shown
    assert re.search(
        r"<ins><span class=\"visually-hidden\">Tillagt: </span>varje dag </ins>", shown
    )
    assert "<del>" not in shown  # nothing was taken away
    assert "Äldre barn cyklar " in shown and "med yngre." in shown
    assert "Projektnamn" not in shown and "Cykelkompisar" not in shown
    assert "Oförändrad sedan inlämningen" not in html
    # The whole record as received is one click away: folded, with the text as it came.
    record = som_inkommen(html)[som_inkommen(html).index("Hela handlingen") :]
    assert '<details class="record">' in record  # not open
    assert "Äldre barn cyklar med yngre." in record


def test_text_taken_away_and_replaced_is_marked_as_removed_and_added():
    assert records.text_diff("Barn rör sig för lite.", "Barn rör sig alldeles för lite!") == [
        ("same", "Barn rör sig "),
        ("added", "alldeles "),
        ("same", "för lite"),
        ("removed", "."),
        ("added", "!"),
    ]
    assert records.text_diff("Borta.", "") == [("removed", "Borta.")]
    assert records.text_diff("rad ett\nrad två", "rad ett\nrad tre") == [
        ("same", "rad ett\nrad "),
        ("removed", "två"),
        ("added", "tre"),
    ]


def test_long_texts_are_compared_line_by_line():
    before = "ord " * 2000 + "\nslutet"
    after = "ord " * 2000 + "\nnytt slut"
    assert records.text_diff(before, after) == [
        ("same", "ord " * 2000 + "\n"),
        ("removed", "slutet"),
        ("added", "nytt slut"),
    ]


def test_unchanged_submission_says_so(client, login_as, db):
    submission, _token = resident_submission(title="Rörelsebingo", purpose="Varje rast.")
    login_as(Role.PROCESS_SUPPORT)

    html = client.get(f"/inkorg/{submission.id}").get_data(as_text=True)

    section = som_inkommen(html)
    assert "Oförändrad sedan inlämningen." in section
    assert "Ändrat sedan inlämningen" in section and "<ins>" not in section
    assert "<del>" not in section


def test_difference_is_escaped(client, login_as, db):
    submission, _token = resident_submission(title="Säkert", purpose="<b>fet</b> text")
    submission.purpose = '<script>alert("x")</script> text & <b>mer</b>'
    _db.session.commit()
    login_as(Role.PROCESS_SUPPORT)

    html = client.get(f"/inkorg/{submission.id}").get_data(as_text=True)

    shown = changes(html)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in shown
    assert "&lt;/b&gt;" in shown and "Borttaget: </span>fet" in shown
    assert "</b>" not in shown
    assert "&amp;" in shown
    assert "<b>" not in shown
