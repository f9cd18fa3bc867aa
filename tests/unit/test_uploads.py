"""Uploads: content-based type checks, limits, metadata stripping, safe storage."""

from __future__ import annotations

import io
import stat
import unicodedata

import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from werkzeug.datastructures import FileStorage

from portal.submissions import uploads
from portal.submissions.models import Attachment, Submission
from portal.submissions.uploads import (
    MAX_FILE_BYTES,
    CheckedUpload,
    UploadRejected,
    check_upload,
    clean_name,
    delete_file,
    path_of,
    sanitise_image,
    store,
)

UNSUPPORTED = "Filtypen stöds inte. Du kan bifoga bilder (PNG, JPEG, WebP) och PDF."

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n"
    b"0000000058 00000 n \n0000000115 00000 n \n"
    b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)


# --- helpers -------------------------------------------------------------------------


def upload(data: bytes, filename: str = "fil.bin", content_type: str = "") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def image_bytes(fmt: str, size=(40, 20), mode="RGB", **save) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 0)
    # A left half in another colour, so a rotation is visible in the pixels too.
    if mode == "RGB":
        image.paste((20, 40, 220), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "Kamera AB"  # Make
    gps = exif.get_ifd(0x8825)  # GPSInfo
    gps.update({1: "N", 2: (59.0, 36.0, 30.0), 3: "E", 4: (16.0, 32.0, 45.0)})
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def rejected(storage: FileStorage, *, already: int = 0) -> str:
    with pytest.raises(UploadRejected) as info:
        check_upload(storage, already=already)
    message = str(info.value.message)
    assert "%" not in message
    assert str(info.value) == message
    return message


@pytest.fixture(autouse=True)
def request_context(app):
    """Messages are rendered in the request's language, as in the views."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def folder(app, monkeypatch, tmp_path):
    path = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(path))
    return path


@pytest.fixture
def submission(db):
    entry = Submission(resident_email="a@example.org", kind="idea")
    db.session.add(entry)
    db.session.flush()
    return entry


def checked_store(submission, data: bytes, filename: str, content_type: str = ""):
    checked = check_upload(upload(data, filename, content_type), already=0)
    attachment = store(submission, checked)
    return checked, attachment, path_of(attachment).read_bytes()


# --- accepted types ------------------------------------------------------------------


@pytest.mark.asvs("12.2.1")
def test_type_is_decided_by_content_not_name_or_browser(db):
    data = image_bytes("JPEG")
    checked = check_upload(upload(data, "bild.pdf", "application/pdf"), already=0)
    assert checked.content_type == "image/jpeg"
    assert checked.original_name == "bild.pdf"
    assert checked.data == data
    assert checked.size == len(data)


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_images_are_accepted(db, fmt, content_type):
    checked = check_upload(upload(image_bytes(fmt), "bild"), already=4)
    assert checked.content_type == content_type


def test_pdf_is_accepted_and_stored_unchanged(db, folder, submission):
    checked, attachment, stored = checked_store(submission, MINIMAL_PDF, "underlag.pdf")
    assert checked.content_type == "application/pdf"
    assert stored == MINIMAL_PDF
    assert attachment.size == len(MINIMAL_PDF)
    assert sanitise_image(MINIMAL_PDF, "application/pdf") is MINIMAL_PDF


# --- refused -------------------------------------------------------------------------


@pytest.mark.asvs("12.2.1")
@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>',
            "bild.svg",
            "image/svg+xml",
        ),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "b.png", "image/png"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "sida.html", "text/html"),
        (b"<html><body>hej</body></html>", "sida.pdf", "application/pdf"),
        (b"Detta ar bara text, ingen bild.\n", "bild.png", "image/png"),
        (b"GIF89a" + b"\x00" * 32, "bild.gif", "image/gif"),
        (b"PK\x03\x04" + b"\x00" * 32, "dokument.docx", "application/octet-stream"),
        (b"MZ\x90\x00" + b"\x00" * 32, "program.exe", "application/pdf"),
    ],
    ids=["svg", "svg-named-png", "html", "html-named-pdf", "text-named-png", "gif", "zip", "exe"],
)
def test_types_not_allowed_are_refused(db, data, filename, content_type):
    assert rejected(upload(data, filename, content_type)) == UNSUPPORTED


@pytest.mark.asvs("12.2.1")
@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"skrap" * 100,
        image_bytes("PNG")[:60],
        b"\xff\xd8\xff\xe0" + b"\x00" * 200,
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 40,
    ],
    ids=["png-garbage", "png-truncated", "jpeg-garbage", "webp-garbage"],
)
def test_image_header_followed_by_garbage_is_refused(db, data):
    message = rejected(upload(data, "bild.png", "image/png"))
    assert message == "Bilden ”bild.png” kunde inte läsas. Filen kan vara skadad."


def test_empty_file_is_refused(db):
    assert rejected(upload(b"", "tom.pdf", "application/pdf")) == "Filen ”tom.pdf” är tom."


@pytest.mark.asvs("12.1.1")
def test_file_over_10_mb_is_refused_with_its_name(db):
    data = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024)
    message = rejected(upload(data, "stor rapport.pdf", "application/pdf"))
    assert message == "Filen ”stor rapport.pdf” är större än 10 MB. Välj en mindre fil."


def test_exactly_10_mb_is_accepted(db):
    data = b"%PDF-1.4\n" + b"0" * (MAX_FILE_BYTES - 9)
    assert len(data) == MAX_FILE_BYTES
    assert check_upload(upload(data, "max.pdf"), already=0).size == MAX_FILE_BYTES


@pytest.mark.asvs("12.1.3")
def test_sixth_file_is_refused(db):
    data = image_bytes("PNG")
    check_upload(upload(data, "femte.png"), already=4)
    assert rejected(upload(data, "sjatte.png"), already=5) == "Du kan bifoga högst 5 filer."


@pytest.mark.asvs("12.1.2")
def test_decompression_bomb_is_refused(db):
    # 8000 × 5001 = 40.008 megapixels, a few kilobytes as PNG.
    data = image_bytes("PNG", size=(8000, 5001), mode="1")
    assert len(data) < MAX_FILE_BYTES
    message = rejected(upload(data, "bomb.png"))
    assert message == (
        "Bilden ”bomb.png” har för många bildpunkter. Den får vara högst 40 megapixlar."
    )


def test_image_with_a_huge_declared_size_is_refused_before_decoding(db, monkeypatch):
    # Above Pillow's own limit as well: refused through its DecompressionBombError/Warning.
    data = image_bytes("PNG", size=(8, 8), mode="1")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20)
    assert "40 megapixlar" in rejected(upload(data, "bomb.png"))


# --- metadata ------------------------------------------------------------------------


def test_jpeg_loses_exif_and_gps_and_is_turned_upright(db, folder, submission):
    data = image_bytes("JPEG", size=(40, 20), exif=gps_exif(), icc_profile=srgb_icc())
    original = open_image(data)
    assert original.getexif().get_ifd(0x8825)  # the test image really carries GPS
    assert "icc_profile" in original.info

    checked, attachment, stored = checked_store(submission, data, "semester.jpg")

    image = open_image(stored)
    assert image.format == "JPEG"
    assert image.size == (20, 40)  # orientation 6 applied: width and height swapped
    # The blue left half of the landscape is the top half once turned upright.
    assert image.getpixel((10, 5))[2] > 150
    assert image.getpixel((10, 35))[0] > 150
    assert len(image.getexif()) == 0
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    assert b"Exif\x00\x00" not in stored
    assert b"Kamera AB" not in stored
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == len(stored) != checked.size


def test_png_loses_text_chunks_xmp_and_exif(db, folder, submission):
    info = PngInfo()
    info.add_text("Comment", "Hemadress: Storgatan 1, Västerås")
    info.add_text("Author", "Anna Andersson", zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>Anna Andersson</x:xmpmeta>")
    exif = Image.Exif()
    exif[0x010F] = "Kamera AB"
    data = image_bytes("PNG", pnginfo=info, exif=exif)
    assert open_image(data).text  # the test image really carries text chunks

    _, attachment, stored = checked_store(submission, data, "karta.png")

    image = open_image(stored)
    assert image.format == "PNG"
    assert image.size == (40, 20)
    assert image.text == {}
    assert len(image.getexif()) == 0
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"):
        assert chunk not in stored
    assert b"Storgatan" not in stored
    assert attachment.content_type == "image/png"


def test_png_transparency_is_kept(db):
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.putpixel((1, 1), (255, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    clean = open_image(sanitise_image(out.getvalue(), "image/png"))
    assert clean.mode == "RGBA"
    assert clean.getpixel((0, 0))[3] == 0
    assert clean.getpixel((1, 1)) == (255, 0, 0, 255)


def test_webp_is_accepted_and_loses_exif(db, folder, submission):
    data = image_bytes("WEBP", exif=gps_exif())
    assert open_image(data).getexif()

    _, attachment, stored = checked_store(submission, data, "foto.webp", "image/webp")

    image = open_image(stored)
    assert image.format == "WEBP"
    assert image.size == (20, 40)
    assert len(image.getexif()) == 0
    assert b"EXIF" not in stored
    assert b"Kamera AB" not in stored
    assert attachment.content_type == "image/webp"


def test_sanitise_refuses_types_that_are_not_allowed(db):
    with pytest.raises(ValueError):
        sanitise_image(b"<svg/>", "image/svg+xml")


# --- names and storage ---------------------------------------------------------------


@pytest.mark.asvs("12.3.1")
def test_path_in_file_name_is_dropped(db, folder, submission):
    data = image_bytes("PNG")
    checked, attachment, _ = checked_store(submission, data, "../../etc/passwd.png")
    assert checked.original_name == "passwd.png"
    assert attachment.original_name == "passwd.png"
    assert len(attachment.stored_name) == 32
    int(attachment.stored_name, 16)
    assert path_of(attachment).parent == folder
    assert [p.name for p in folder.iterdir()] == [attachment.stored_name]
    assert not (folder.parent / "etc").exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\Åsa\\Bilder\\bild.jpg", "bild.jpg"),
        ("/", "fil"),
        ("..", "fil"),
        ("", "fil"),
        (None, "fil"),
        ("Förslag på ändrad öppettid.pdf", "Förslag på ändrad öppettid.pdf"),
        (unicodedata.normalize("NFD", "Älvsjö.png"), "Älvsjö.png"),
        ("rad\nbrytning\x00\x1b[31m.png", "radbrytning[31m.png"),
        ("faktura\u202egnp.exe", "fakturagnp.exe"),
        ("  mellanslag   här .pdf ", "mellanslag här .pdf"),
    ],
)
def test_clean_name(given, expected):
    assert clean_name(given) == expected


def test_long_name_is_cut_to_255_keeping_the_extension():
    name = clean_name("å" * 300 + ".jpeg")
    assert len(name) == 255
    assert name.endswith("å.jpeg")


@pytest.mark.asvs("12.4.1")
def test_store_creates_the_folder_and_writes_a_private_file(db, folder, submission):
    assert not folder.exists()
    _, attachment, stored = checked_store(submission, MINIMAL_PDF, "a.pdf")
    path = path_of(attachment)
    assert path == folder / attachment.stored_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stored == MINIMAL_PDF
    assert attachment in db.session.new  # added, not committed
    assert attachment.submission is submission
    assert attachment.purpose == "attachment"
    db.session.flush()
    assert db.session.get(Attachment, attachment.id).original_name == "a.pdf"
    assert submission.attachments == [attachment]


def test_store_with_visual_purpose_and_random_names(db, folder, submission):
    checked = CheckedUpload(MINIMAL_PDF, "application/pdf", "a.pdf", len(MINIMAL_PDF))
    first = store(submission, checked, purpose="visual")
    second = store(submission, checked)
    assert first.purpose == "visual"
    assert first.stored_name != second.stored_name
    with pytest.raises(ValueError):
        store(submission, checked, purpose="../x")


@pytest.mark.asvs("12.3.1")
@pytest.mark.parametrize(
    "stored_name",
    ["../x", "../" + "a" * 29, "/etc/passwd", "A" * 32, "g" * 32, "a" * 31, "a" * 33, "", None],
)
def test_path_of_refuses_names_that_are_not_32_hex(app, folder, stored_name):
    with pytest.raises(ValueError):
        path_of(Attachment(stored_name=stored_name))


def test_delete_file_removes_it_when_the_transaction_commits(db, folder, submission):
    _, attachment, _ = checked_store(submission, MINIMAL_PDF, "a.pdf")
    db.session.commit()
    delete_file(attachment)
    db.session.delete(attachment)
    assert path_of(attachment).exists()
    db.session.commit()
    assert not path_of(attachment).exists()
    delete_file(attachment)  # already gone: fine
    db.session.commit()


def test_delete_file_keeps_it_when_the_transaction_rolls_back(db, folder, submission):
    _, attachment, _ = checked_store(submission, MINIMAL_PDF, "a.pdf")
    db.session.commit()
    delete_file(attachment)
    db.session.delete(attachment)
    db.session.rollback()
    assert path_of(attachment).exists()
    db.session.commit()  # a later transaction does not remove it either
    assert path_of(attachment).exists()


def test_stream_is_read_from_the_start(db):
    stream = io.BytesIO(MINIMAL_PDF)
    stream.seek(20)
    storage = FileStorage(stream=stream, filename="a.pdf")
    assert check_upload(storage, already=0).data == MINIMAL_PDF


def test_limits_and_types():
    assert uploads.MAX_FILES_PER_SUBMISSION == 5
    assert {"image/png", "image/jpeg", "image/webp", "application/pdf"} == uploads.ALLOWED


def test_percent_sign_in_file_name_is_shown_as_is(db):
    with pytest.raises(UploadRejected) as info:
        check_upload(upload(b"", "100% klart.pdf"), already=0)
    assert str(info.value) == "Filen ”100% klart.pdf” är tom."
