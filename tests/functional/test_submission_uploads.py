"""Uploads through the canvas form: refused with a message on the field, served only to those
allowed, as downloads."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.submissions.models import Attachment, Submission
from tests.factories import make_call, make_user
from tests.functional.test_submissions import open_form, resident_data

pytestmark = pytest.mark.usefixtures("upload_folder")  # tests/conftest.py


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x010F] = "Kameratillverkare"
    exif[0x8825] = {1: "N", 2: (59.0, 36.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_resident_upload_is_stored_clean_and_served_as_download(client, smtp):
    call = make_call(
        rules={"title": "required", "purpose": "required", "visual_description": "optional"}
    )
    url = f"/utlysningar/{call.slug}"
    data = {
        **open_form(client, url),
        **resident_data(),
        "visual_file": (io.BytesIO(jpeg_with_location()), "min idé.jpg"),
    }
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    [attachment] = _db.session.scalars(select(Attachment)).all()
    assert attachment.original_name == "min idé.jpg"
    assert attachment.content_type == "image/jpeg"
    assert attachment.purpose == "visual"

    [message] = smtp.wait_for(1)
    link = re.search(r"http://localhost(/mitt-bidrag/\S+)", smtp.body(message)).group(1)
    download = client.get(f"{link}/filer/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "image/jpeg"
    stored = Image.open(io.BytesIO(download.data))
    assert dict(stored.getexif()) == {}


@pytest.mark.asvs("12.2.1")
def test_svg_upload_is_refused_on_its_field_and_text_kept(client):
    call = make_call(
        rules={"title": "required", "purpose": "required", "visual_description": "optional"}
    )
    url = f"/utlysningar/{call.slug}"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    data = {
        **open_form(client, url),
        **resident_data(),
        "visual_file": (io.BytesIO(svg), "bild.png"),
    }
    response = client.post(url, data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Filtypen stöds inte." in html
    assert 'id="visual_file-error"' in html
    assert "Rörelsebingo på rasten" in html
    assert _db.session.scalars(select(Submission)).all() == []


def test_sixth_file_is_refused(client, login_as):
    login_as(Role.EMPLOYEE)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    files = [(io.BytesIO(pdf), f"bilaga{i}.pdf") for i in range(6)]
    data = {
        **open_form(client, "/lamna-in"),
        "kind": "idea",
        "title": "Med bilagor",
        "purpose": "p",
        "action": "submit",
        "more_files": files,
    }
    response = client.post("/lamna-in", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Du kan bifoga högst 5 filer." in response.get_data(as_text=True)
    # The five accepted are kept with a draft (never sent), the sixth is not.
    kept = _db.session.scalars(select(Attachment)).all()
    assert sorted(a.original_name for a in kept) == [f"bilaga{i}.pdf" for i in range(5)]
    assert {a.submission.state for a in kept} == {"draft"}


def test_employee_file_is_served_to_owner_only(client, login_as, app):
    owner = login_as(Role.EMPLOYEE)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    data = {
        **open_form(client, "/lamna-in"),
        "kind": "idea",
        "title": "Med bilaga",
        "purpose": "p",
        "action": "submit",
        "more_files": [(io.BytesIO(pdf), "plan.pdf")],
    }
    assert (
        client.post("/lamna-in", data=data, content_type="multipart/form-data").status_code == 302
    )
    [attachment] = _db.session.scalars(select(Attachment)).all()
    url = f"/inlamningar/{attachment.submission_id}/filer/{attachment.id}"
    own = client.get(url)
    assert own.status_code == 200 and own.data == pdf
    assert own.headers["Content-Disposition"].startswith("attachment")
    assert owner.id == attachment.submission.submitter_id

    from tests.conftest import login

    other = app.test_client()
    login(other, make_user(roles={Role.EMPLOYEE}))
    assert other.get(url).status_code == 404
    board = app.test_client()
    login(board, make_user(roles={Role.BOARD}))
    assert board.get(url).status_code == 403
