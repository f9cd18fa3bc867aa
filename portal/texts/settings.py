"""Site-wide choices an admin makes from a fixed list, stored in site_settings and audited.

One so far: the licence of the open data (/oppna-data). CC0 unless an admin chooses another;
each licence has the IRI the DCAT-AP-SE catalogue record names it by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from portal import audit
from portal.extensions import db
from portal.texts.models import SiteSetting

OPEN_DATA_LICENCE = "open_data_licence"


@dataclass(frozen=True)
class Licence:
    id: str
    name: str  # its own name, the same in every language
    iri: str  # as DCAT-AP-SE and the data portal know it
    explanation: object  # lazy Swedish text


LICENCES = {
    licence.id: licence
    for licence in (
        Licence(
            "cc0",
            "CC0 1.0",
            "http://creativecommons.org/publicdomain/zero/1.0/",
            _l("Fri att använda till vad som helst, utan krav på att ange källan."),
        ),
        Licence(
            "cc-by-4.0",
            "CC BY 4.0",
            "http://creativecommons.org/licenses/by/4.0/",
            _l("Fri att använda till vad som helst, om källan anges."),
        ),
        Licence(
            "cc-by-sa-4.0",
            "CC BY-SA 4.0",
            "http://creativecommons.org/licenses/by-sa/4.0/",
            _l("Fri att använda om källan anges och det som byggs på data delas med samma licens."),
        ),
    )
}
DEFAULTS = {OPEN_DATA_LICENCE: "cc0"}
CHOICES = {OPEN_DATA_LICENCE: LICENCES}


class SettingConflict(Exception):
    """Someone else saved the setting since the form was shown."""


def setting_row(key: str) -> SiteSetting | None:
    return db.session.get(SiteSetting, key)


def get_setting(key: str) -> str:
    row = setting_row(key)
    value = row.value if row else ""
    return value if value in CHOICES[key] else DEFAULTS[key]


def setting_changed_at(key: str) -> datetime | None:
    row = setting_row(key)
    return row.updated_at if row else None


def setting_version(key: str) -> int:
    row = setting_row(key)
    return row.version if row else 0


def open_data_licence() -> Licence:
    return LICENCES[get_setting(OPEN_DATA_LICENCE)]


def update_setting(key: str, value: str, *, expected_version: int | None, actor) -> bool:
    """Store the admin's choice (one of CHOICES[key]); False if it was the stored one already.
    A version other than `expected_version` (shown in the form) raises SettingConflict."""
    if value not in CHOICES[key]:
        raise ValueError(value)
    row = setting_row(key)
    if expected_version is not None and expected_version != (row.version if row else 0):
        raise SettingConflict
    old = get_setting(key)
    if row is not None and row.value == value:
        return False
    if row is None:
        row = SiteSetting(key=key, value=value, updated_by_id=actor.id)
        db.session.add(row)
    else:
        row.value, row.updated_by_id = value, actor.id
    audit.record("setting_updated", row, actor=actor, changes={key: [old, value]})
    try:
        db.session.flush()
    except StaleDataError:
        raise SettingConflict from None
    return True
