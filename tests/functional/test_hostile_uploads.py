"""The malicious-upload set, sent through the canvas form as an attacker would: each is refused
on the attachments field with a clear Swedish message, the text already written stays in the
form, and nothing is saved (no submission, no attachment row, no file on disk)."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.submissions.models import Attachment, Submission
from tests.factories import make_call
from tests.functional.test_submissions import open_form, resident_data

pytestmark = pytest.mark.usefixtures("upload_folder")  # tests/conftest.py


def png_bomb() -> bytes:
    """A valid PNG header claiming 20 000 × 20 000 pixels (400 megapixels) over a small body."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


UNSUPPORTED = "Filtypen stöds inte. Du kan bifoga bilder (PNG, JPEG, WebP) och PDF."
HOSTILE = [
    pytest.param(
        b"<!doctype html><html><script>alert(document.cookie)</script></html>",
        "rapport.pdf",
        UNSUPPORTED,
        id="html-renamed-pdf",
    ),
    pytest.param(
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script>'
        b"</svg>",
        "bild.svg",
        UNSUPPORTED,
        id="svg-with-script",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n" + zlib.compress(b"\0" * 1_000_000),
        "trasig.png",
        "Bilden ”trasig.png” kunde inte läsas. Filen kan vara skadad.",
        id="png-header-then-garbage",
    ),
    pytest.param(
        None,  # png_bomb(), built lazily
        "bomb.png",
        "Bilden ”bomb.png” har för många bildpunkter. Den får vara högst 40 megapixlar.",
        id="decompression-bomb",
    ),
    pytest.param(
        b"MZ\x90\x00\x03" + b"\0" * 200,
        "../../../etc/cron.d/program.exe",
        UNSUPPORTED,
        id="path-traversal-executable",
    ),
    pytest.param(
        pdf_bytes() + b"\0" * (10 * 1024 * 1024),
        "stor.pdf",
        "Filen ”stor.pdf” är större än 10 MB. Välj en mindre fil.",
        id="over-10-mb",
    ),
    pytest.param(b"", "tom.pdf", "Filen ”tom.pdf” är tom.", id="empty"),
]


@pytest.mark.parametrize("content, filename, message", HOSTILE)
def test_hostile_upload_is_refused_on_its_field_and_nothing_is_saved(
    client, upload_folder, content, filename, message
):
    call = make_call(rules={"title": "required", "purpose": "required"})
    url = f"/utlysningar/{call.slug}"
    data = {
        **open_form(client, url),
        **resident_data(title="Trygg skolväg för alla barn"),
        "more_files": [(io.BytesIO(png_bomb() if content is None else content), filename)],
    }
    response = client.post(url, data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'id="more_files-error"' in html
    assert 'value="Trygg skolväg för alla barn"' in html  # what was written is kept
    assert "<script>alert" not in html
    assert _db.session.scalar(select(func.count()).select_from(Submission)) == 0
    assert _db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert [p for p in upload_folder.rglob("*") if p.is_file()] == []


def test_a_path_in_a_good_files_name_never_reaches_the_disk(client, upload_folder):
    call = make_call(rules={"title": "required", "purpose": "required"})
    url = f"/utlysningar/{call.slug}"
    data = {
        **open_form(client, url),
        **resident_data(),
        "more_files": [(io.BytesIO(pdf_bytes()), "..\\..\\..\\windows\\bilaga.pdf")],
    }
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 302
    [attachment] = _db.session.scalars(select(Attachment)).all()
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    assert ".." not in attachment.original_name
    [stored] = [p for p in upload_folder.rglob("*") if p.is_file()]
    assert stored.resolve().is_relative_to(upload_folder.resolve())
    assert stored.name == attachment.stored_name
