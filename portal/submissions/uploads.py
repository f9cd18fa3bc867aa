"""Uploaded files: check them, strip their metadata, store them outside static/.

A pure service module: the views hand over a werkzeug ``FileStorage`` and get back either a
``CheckedUpload`` or an ``UploadRejected`` carrying a message for the form field.

What a file is, is decided from its content (magic bytes), never from its name or the
Content-Type the browser sent. Images must decode with Pillow and are re-encoded, so that no
EXIF (GPS position), XMP, ICC profile or text chunk survives. Files are stored under a random
name with no extension; the original name is kept, cleaned, for display only.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.submissions.models import Attachment, AttachmentPurpose, HeldUpload
from portal.submissions.storage import storage
from portal.types import utcnow

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_SUBMISSION = 5
MAX_PIXELS = 40_000_000  # 40 megapixels; more is refused as a possible decompression bomb
MAX_NAME_CHARS = 255
ALLOWED = {"image/png", "image/jpeg", "image/webp", "application/pdf"}
FILES_TO_DELETE = "uploads_to_delete"  # db.session.info: stored names removed on commit
# Files held for a form not yet sent are removed by `flask retention run` after this long.
HELD_FOR = timedelta(hours=24)

log = logging.getLogger(__name__)

# Content type -> the Pillow formats that may decode it (a camera JPEG may open as MPO).
_IMAGE_FORMATS = {
    "image/png": ("PNG",),
    "image/jpeg": ("JPEG", "MPO"),
    "image/webp": ("WEBP",),
}
_STORED_NAME = re.compile(r"[0-9a-f]{32}")


class UploadRejected(Exception):
    """The file cannot be accepted; ``message`` is for the form field (str() it)."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        # Rendered when read, not when raised: the locale is the one of the request then.
        return str(self.message)


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    content_type: str
    original_name: str
    size: int


# --- checking ------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The allowed content type the bytes start with, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def clean_name(filename: str | None) -> str:
    """The name to show: last path component, NFC, no control characters, 255 at most."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    # Cc: control characters (NUL, newline, ...); Cf: format characters such as the
    # right-to-left override that can disguise an extension; Cs/Co/Cn: not real text.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "fil"
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            name = stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME_CHARS]
    return name


def _read(storage: FileStorage) -> bytes:
    stream = storage.stream
    with contextlib.suppress(AttributeError, OSError, ValueError):
        stream.seek(0)  # not seekable: read from where it stands
    return stream.read(MAX_FILE_BYTES + 1)


def _open_image(data: bytes, content_type: str, name: str) -> Image.Image:
    """Open and fully decode an image of the given type, or raise UploadRejected."""
    broken = _l("Bilden ”%(name)s” kunde inte läsas. Filen kan vara skadad.", name=name)
    too_large = _l(
        "Bilden ”%(name)s” har för många bildpunkter. Den får vara högst 40 megapixlar.",
        name=name,
    )
    formats = _IMAGE_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(formats))
            if image.width * image.height > MAX_PIXELS:
                raise UploadRejected(too_large)
            image.load()
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(too_large) from exc
    except Exception as exc:  # anything Pillow cannot decode is refused
        raise UploadRejected(broken) from exc
    if image.format not in formats:
        raise UploadRejected(broken)
    return image


def check_upload(storage: FileStorage, *, already: int) -> CheckedUpload:
    """Read and validate one upload; ``already`` is how many files the submission has now."""
    if already >= MAX_FILES_PER_SUBMISSION:
        raise UploadRejected(_l("Du kan bifoga högst 5 filer."))
    name = clean_name(storage.filename)
    data = _read(storage)
    if not data:
        raise UploadRejected(_l("Filen ”%(name)s” är tom.", name=name))
    if len(data) > MAX_FILE_BYTES:
        raise UploadRejected(
            _l("Filen ”%(name)s” är större än 10 MB. Välj en mindre fil.", name=name)
        )
    content_type = sniff(data)
    if content_type is None:
        raise UploadRejected(
            _l("Filtypen stöds inte. Du kan bifoga bilder (PNG, JPEG, WebP) och PDF.")
        )
    if content_type in _IMAGE_FORMATS:
        _open_image(data, content_type, name).close()
    return CheckedUpload(data=data, content_type=content_type, original_name=name, size=len(data))


# --- re-encoding ---------------------------------------------------------------------


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert to sRGB when the image carries an ICC profile, so dropping it keeps colours."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
    except Exception:  # a broken or unusual profile: keep the pixels as they are
        return image
    return converted if converted is not None else image


def sanitise_image(data: bytes, content_type: str) -> bytes:
    """Re-encode an image with no metadata, upright; PDFs are returned unchanged."""
    if content_type == "application/pdf":
        return data
    if content_type not in _IMAGE_FORMATS:
        raise ValueError(f"not an allowed content type: {content_type!r}")
    with _open_image(data, content_type, "") as opened:
        upright = ImageOps.exif_transpose(opened)
    upright = _to_srgb(upright)
    # A copy with an empty info dict: nothing of the original's metadata (EXIF, XMP, ICC,
    # text chunks, comments, dpi) is passed on to the encoder. PNG transparency is pixels.
    clean = upright.copy()
    clean.info = {}
    if "transparency" in upright.info and clean.mode in ("P", "L", "RGB", "1"):
        clean.info["transparency"] = upright.info["transparency"]

    out = io.BytesIO()
    if content_type == "image/jpeg":
        if clean.mode not in ("L", "RGB", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(out, "JPEG", quality=90)
    elif content_type == "image/png":
        clean.save(out, "PNG", optimize=False)
    else:
        if clean.mode not in ("RGB", "RGBA"):
            clean = clean.convert("RGBA" if "A" in clean.getbands() else "RGB")
        clean.save(out, "WEBP", quality=90)
    return out.getvalue()


# --- storing -------------------------------------------------------------------------


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def store(submission, checked: CheckedUpload, *, purpose: str = "attachment") -> Attachment:
    """Sanitise, write under a random name, and add the Attachment row (no commit)."""
    purpose = AttachmentPurpose(purpose).value
    stored_name, size = _write(checked)
    attachment = Attachment(
        submission=submission,
        purpose=purpose,
        stored_name=stored_name,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=size,
    )
    db.session.add(attachment)
    return attachment


def write(checked: CheckedUpload) -> tuple[str, int]:
    """Sanitise and write a checked file for another capability's own file rows (a pilot
    report's attachments): its stored name and size."""
    return _write(checked)


def _write(checked: CheckedUpload) -> tuple[str, int]:
    """Sanitise and write the file under a new random name; its name and size."""
    data = sanitise_image(checked.data, checked.content_type)
    stored_name = secrets.token_hex(16)
    storage().save(stored_name, data, checked.content_type)
    return stored_name, len(data)


# --- held for a form not yet sent ----------------------------------------------------------


def new_hold_token() -> str:
    """An unguessable token for files held across a form's rounds (only its hash is kept)."""
    return secrets.token_urlsafe(32)


def hold_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hold(token: str, checked: CheckedUpload, *, purpose: str = "attachment") -> HeldUpload:
    """Sanitise and write an accepted file, held under `token` until the form is sent."""
    stored_name, size = _write(checked)
    held_upload = HeldUpload(
        token_hash=hold_key(token),
        purpose=AttachmentPurpose(purpose).value,
        stored_name=stored_name,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=size,
    )
    db.session.add(held_upload)
    return held_upload


def held(token: str | None) -> list[HeldUpload]:
    """The files held under this token, oldest first (none for no token)."""
    if not token:
        return []
    return list(
        db.session.scalars(
            select(HeldUpload)
            .where(HeldUpload.token_hash == hold_key(token))
            .order_by(HeldUpload.id)
        )
    )


def attach_held(submission, token: str | None) -> list[Attachment]:
    """The held files become the submission's attachments (the same files, not copies)."""
    attached = []
    for item in held(token):
        attachment = Attachment(submission=submission, **item.stored_file())
        db.session.delete(item)
        db.session.add(attachment)
        attached.append(attachment)
    return attached


def drop_held(item: HeldUpload) -> None:
    """Remove a held file (its row now, its file once that commits)."""
    delete_file(item)
    db.session.delete(item)


def purge_held(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Remove the files held longer than HELD_FOR for forms never sent; how many."""
    before = (now or utcnow()) - HELD_FOR
    old = list(db.session.scalars(select(HeldUpload).where(HeldUpload.created_at < before)))
    if not dry_run:
        for item in old:
            drop_held(item)
        db.session.flush()
    return len(old)


def purge_report(count: int, applied: bool) -> str:
    """The retention command's line for files held for forms never sent."""
    done = "borttagna" if applied else "skulle tas bort"
    hours = int(HELD_FOR.total_seconds() // 3600)
    return f"- Filer till formulär som aldrig skickades, äldre än {hours} timmar: {count} {done}"


def stored_name_of(attachment) -> str:
    """The file's name in storage; refuses any stored name that is not 32 hex digits."""
    name = attachment.stored_name
    if not isinstance(name, str) or not _STORED_NAME.fullmatch(name):
        raise ValueError("invalid stored name")
    return name


def path_of(attachment) -> Path:
    """Where the attachment's file is in the upload folder (UPLOAD_STORAGE=folder)."""
    return _folder() / stored_name_of(attachment)


def read_file(attachment) -> bytes | None:
    """The attachment's file, wherever it is stored; None when it is missing."""
    return storage().read(stored_name_of(attachment))


def delete_file(attachment) -> None:
    """Remove the file from storage once the transaction commits (a missing file is fine);
    the caller deletes the row. A rolled back transaction keeps the file, so a row that stays
    never points at a removed file (e.g. `flask retention run --apply` failing half-way)."""
    db.session.info.setdefault(FILES_TO_DELETE, set()).add(stored_name_of(attachment))


def delete_files(session: Session) -> None:
    """Session hook (after_commit, portal/submissions/database.py): remove what
    delete_file noted, now that the rows are gone for good."""
    names = session.info.pop(FILES_TO_DELETE, ())
    if not names:
        return
    store = storage()
    for name in names:
        try:
            store.delete(name)
        except Exception as error:  # committed already: note it, do not fail the caller
            log.warning("uploaded file %s not removed: %s", name, type(error).__name__)


def keep_files(session: Session, previous_transaction) -> None:
    """Session hook (after_soft_rollback): a rolled back deletion keeps its files."""
    session.info.pop(FILES_TO_DELETE, None)


def download(stored_file):
    """The answer that sends a stored file (after the caller's permission check): always as
    a download, never run or shown by the browser; 404 when the file is missing."""
    from flask import abort, send_file  # noqa: PLC0415 - only the download views use them

    data = read_file(stored_file)  # from the folder or the object store, never a link to it
    if data is None:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=stored_file.content_type,
        as_attachment=True,
        download_name=stored_file.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
