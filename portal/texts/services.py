from __future__ import annotations

from flask_babel import get_locale

from portal import audit
from portal.extensions import db
from portal.texts.defaults import TEXTS
from portal.texts.models import SiteText


def get_text(key: str, locale: str | None = None) -> str:
    """The admin's version of a text in the reader's language, or the built-in one."""
    lang = locale or (get_locale().language if get_locale() else "sv")
    lang = lang if lang in ("sv", "en") else "sv"
    row = db.session.get(SiteText, key)
    stored = getattr(row, f"body_{lang}", "") if row else ""
    return stored or TEXTS[key][lang]


def update_text(key: str, *, body_sv: str, body_en: str, actor) -> SiteText:
    if key not in TEXTS:
        raise KeyError(key)
    row = db.session.get(SiteText, key)
    if row is None:
        row = SiteText(key=key, body_sv="", body_en="")
        db.session.add(row)
    changes = audit.diff(
        row, {"body_sv": body_sv.replace("\r\n", "\n"), "body_en": body_en.replace("\r\n", "\n")}
    )
    row.updated_by_id = actor.id
    audit.record("text_updated", row, actor=actor, changes={k: ["…", "…"] for k in changes})
    return row
