"""Uploads in an S3-compatible object store (UPLOAD_STORAGE=s3), over HTTP to a real S3 server
on loopback (moto's server, which speaks the S3 protocol as MinIO or AWS do)."""

from __future__ import annotations

import io
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.submissions import uploads
from portal.submissions.models import Attachment
from portal.types import utcnow
from tests.board_factories import make_submission
from tests.browser import Browser, Upload, error_texts
from tests.conftest import free_port
from tests.factories import make_user

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    yield f"http://127.0.0.1:{server._port}"
    server.stop()


@pytest.fixture
def bucket(app, s3_server, monkeypatch, tmp_path):
    """The (session-wide) app storing uploads in a new bucket for one test; the upload folder
    points at an empty folder, to show nothing lands there."""
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    name = f"portal-{uuid.uuid4().hex[:8]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="eu-north-1")
    client.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
    )
    settings = {
        "UPLOAD_STORAGE": "s3",
        "S3_BUCKET": name,
        "S3_PREFIX": "uploads/",
        "S3_ENDPOINT_URL": s3_server,
        "S3_REGION": "eu-north-1",
        "UPLOAD_FOLDER": str(tmp_path / "unused"),
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.delitem(app.extensions, "portal.storage", raising=False)
    yield client, name
    app.extensions.pop("portal.storage", None)


def png(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


def objects(client, name: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]


def test_an_upload_goes_to_the_bucket_and_downloads_through_the_portal_only(
    app, db, bucket, tmp_path
):
    client, name = bucket
    employee = make_user(roles={Role.EMPLOYEE})
    browser = Browser(app)
    browser.login(employee)
    page = browser.get("/lamna-in")
    form = browser.form(page, action="/lamna-in")
    form["kind"] = "idea"
    form["title"] = "Skiss i molnet"
    form["purpose"] = "En bild som visar idén."
    sent = browser.submit(
        form, button=("action", "submit"), files={"visual_file": Upload("skiss.png", png())}
    )
    assert sent.status_int == 302, error_texts(sent)
    _db.session.expire_all()

    [attachment] = _db.session.scalars(select(Attachment)).all()
    assert objects(client, name) == [f"uploads/{attachment.stored_name}"]
    assert not (tmp_path / "unused").exists()  # nothing on the machine's disk
    stored = client.get_object(Bucket=name, Key=f"uploads/{attachment.stored_name}")
    assert stored["ContentType"] == "image/png"

    link = f"/inlamningar/{attachment.submission_id}/filer/{attachment.id}"
    download = browser.get(link)
    assert download.status_int == 200
    assert download.body == stored["Body"].read()
    assert download.headers["Cache-Control"] == "private, no-store"
    assert not [h for h in download.headers if h.lower().startswith("x-amz")]  # no store's trace
    # Another person gets nothing, whatever the bucket holds.
    stranger = Browser(app)
    stranger.login(make_user())
    assert stranger.get(link, status="*").status_int == 404


def test_a_removed_attachment_leaves_the_bucket_once_the_row_is_gone(app, db, bucket):
    client, name = bucket
    submission = make_submission(utcnow())
    upload = FileStorage(io.BytesIO(png()), filename="karta.png", content_type="image/png")
    attachment = uploads.store(submission, uploads.check_upload(upload, already=0))
    _db.session.commit()
    assert objects(client, name) == [f"uploads/{attachment.stored_name}"]
    assert (
        uploads.read_file(attachment)
        == client.get_object(Bucket=name, Key=f"uploads/{attachment.stored_name}")["Body"].read()
    )

    uploads.delete_file(attachment)
    _db.session.delete(attachment)
    _db.session.rollback()  # rolled back: the file stays
    assert len(objects(client, name)) == 1
    attachment = _db.session.scalars(select(Attachment)).one()
    uploads.delete_file(attachment)
    _db.session.delete(attachment)
    _db.session.commit()
    assert objects(client, name) == []
    assert uploads.read_file(attachment) is None  # a missing file reads as missing


def test_s3_storage_needs_a_bucket():
    from portal import ConfigurationError, create_app
    from portal.config import TestConfig

    with pytest.raises(ConfigurationError, match="UPLOAD_STORAGE=s3 needs S3_BUCKET"):
        create_app(type("NoBucket", (TestConfig,), {"UPLOAD_STORAGE": "s3", "S3_BUCKET": ""}))
