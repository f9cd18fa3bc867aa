"""Open data: the initiatives published in the hub, as JSON and CSV, and the DCAT-AP-SE record
that describes them (/oppna-data, portal/hub/opendata_views.py).

Only what the hub shows anyone: the name, the focus area, the phase as the public knows it
today, the taking-part organisations, the dates, the summary when it is published, the
address of the hub page. The same publication rules as the hub (portal/hub/public.py): an
unpublished initiative is in none of them. Labels are Swedish, whatever the reader's
language, so that one address always gives the same file.

The ETag and Last-Modified come from one aggregate query (counts, version sums and latest
times of what the files are made of), so that a conditional request is answered without
building the files.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import force_locale
from sqlalchemy import func, select

from portal.board.exports import safe_text
from portal.calls.services import slugify
from portal.evaluation import goals as initiative_goals
from portal.evaluation.models import PHASE_LABELS, Decision, Initiative, Phase
from portal.extensions import db
from portal.hub import listing, public
from portal.hub.models import Publication
from portal.links import external_url
from portal.reference.goals import Goal
from portal.reference.models import FocusArea, Party
from portal.texts import settings
from portal.texts.models import SiteSetting
from portal.types import STOCKHOLM

# The columns of the CSV, and the keys of each initiative in the JSON (flat there too, except
# the focus area and the parties, which are lists/objects in JSON and text in CSV).
COLUMNS = (
    "id",
    "title",
    "focus_area_id",
    "focus_area",
    "phase",
    "phase_label",
    "goals",
    "parties",
    "first_published",
    "last_published",
    "phase_since",
    "summary",
    "url",
)
PARTY_SEPARATOR = "; "  # parties and goals in a CSV cell
# The theme the data portal files the dataset under (EU data theme vocabulary): government
# and public sector.
THEME = "http://publications.europa.eu/resource/authority/data-theme/GOVE"
LANGUAGE_SV = "http://publications.europa.eu/resource/authority/language/SWE"
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/Academia-ScientificOrganisation"
# The day the dataset was first offered: dcterms:issued of the catalogue record.
ISSUED = date(2026, 12, 4)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # Last-Modified of a dataset nothing has touched


@dataclass(frozen=True)
class Version:
    """What a conditional request is compared with."""

    etag: str
    last_modified: datetime  # whole seconds, UTC


def version(kind: str) -> Version:
    """The ETag of `kind` (json, csv, jsonld) and the time the data last changed, from one
    aggregate query: nothing of the files is built."""
    today = public.today()
    published = public.published_ids().scalar_subquery()
    in_published = Decision.initiative_id.in_(published)
    row = db.session.execute(
        select(
            select(func.count())
            .select_from(Publication)
            .where(Publication.published.is_(True))
            .scalar_subquery(),
            select(func.coalesce(func.sum(Publication.version), 0)).scalar_subquery(),
            select(func.max(Publication.updated_at)).scalar_subquery(),
            select(func.coalesce(func.sum(Initiative.version), 0))
            .where(Initiative.id.in_(published))
            .scalar_subquery(),
            select(func.count()).select_from(Decision).where(in_published).scalar_subquery(),
            select(func.max(Decision.recorded_at)).where(in_published).scalar_subquery(),
            select(func.max(Decision.decided_on))
            .where(in_published, Decision.decided_on <= today)
            .scalar_subquery(),
            select(func.max(FocusArea.id)).scalar_subquery(),
            select(func.coalesce(func.sum(func.length(FocusArea.name)), 0)).scalar_subquery(),
            select(func.max(Party.id)).scalar_subquery(),
            select(func.coalesce(func.sum(func.length(Party.name)), 0)).scalar_subquery(),
            select(SiteSetting.updated_at)
            .where(SiteSetting.key == settings.OPEN_DATA_LICENCE)
            .scalar_subquery(),
            # a goal's rename; its links move the initiative's version
            select(func.coalesce(func.sum(Goal.version), 0)).scalar_subquery(),
            select(func.max(Goal.updated_at)).scalar_subquery(),
        )
    ).one()
    (
        count,
        publication_versions,
        publication_changed,
        initiative_versions,
        decisions,
        decision_recorded,
        last_decided,
        focus_area_max,
        focus_area_names,
        party_max,
        party_names,
        licence_changed,
        goal_versions,
        goal_changed,
    ) = row
    times = [EPOCH, publication_changed, decision_recorded, licence_changed, goal_changed]
    if last_decided is not None:  # a decision becomes public on its day
        times.append(datetime.combine(last_decided, time(), STOCKHOLM))
    changed = max(_utc(t) for t in times if t is not None).replace(microsecond=0)
    fingerprint = repr(
        (
            kind,
            count,
            int(publication_versions),
            int(initiative_versions),
            decision_recorded.isoformat() if decision_recorded else None,
            decisions,
            focus_area_max,
            int(focus_area_names),
            party_max,
            int(party_names),
            int(goal_versions),
            settings.get_setting(settings.OPEN_DATA_LICENCE),
            today.isoformat(),
            changed.isoformat(),
        )
    )
    return Version(hashlib.sha256(fingerprint.encode()).hexdigest()[:32], changed)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- the rows --------------------------------------------------------------------------------


def initiatives() -> list[dict]:
    """Every published initiative as the open data gives it, by id; Swedish labels."""
    rows = db.session.execute(
        select(Initiative, Publication)
        .join(Publication, Publication.initiative_id == Initiative.id)
        .where(Publication.published.is_(True))
        .order_by(Initiative.id)
    ).all()
    if not rows:
        return []
    ids = [initiative.id for initiative, _publication in rows]
    names = listing.current_area_names()
    phases = public.public_phases((initiative for initiative, _publication in rows))
    pairs = public.participant_pairs(public.published_ids()).subquery()
    parties: dict[int, list[str]] = defaultdict(list)
    for initiative_id, name in db.session.execute(
        select(pairs.c.initiative_id, Party.name)
        .join(Party, Party.id == pairs.c.party_id)
        .order_by(pairs.c.initiative_id, Party.name)
    ):
        parties[initiative_id].append(name)
    since = dict(
        db.session.execute(
            select(Decision.initiative_id, func.max(Decision.decided_on))
            .where(Decision.initiative_id.in_(ids), Decision.decided_on <= public.today())
            .group_by(Decision.initiative_id)
        ).all()
    )
    goals = initiative_goals.linked_goals(ids)
    out = []
    with force_locale("sv"):
        for initiative, publication in rows:
            summary = (initiative.summary or "").strip()
            phase = phases[initiative.id]
            out.append(
                {
                    "id": initiative.id,
                    "title": initiative.title,
                    "focus_area": {
                        "id": initiative.portfolio_id,
                        "name": names.get(initiative.portfolio_id, ""),
                    },
                    "phase": phase,
                    "phase_label": str(PHASE_LABELS[Phase(phase)]),
                    "goals": [
                        {"id": g.id, "kind": g.kind, "title": g.title}
                        for g in goals.get(initiative.id, [])
                    ],
                    "parties": parties.get(initiative.id, []),
                    "first_published": _day(
                        publication.first_published_at or publication.published_at
                    ),
                    "last_published": _day(publication.published_at),
                    "phase_since": since[initiative.id].isoformat()
                    if initiative.id in since
                    else None,
                    "summary": summary
                    if summary and public.SUMMARY in (publication.public_fields or ())
                    else None,
                    "url": external_url(
                        "hub.initiative",
                        initiative_id=initiative.id,
                        slug=slugify(initiative.title),
                    ),
                }
            )
    return out


def _day(moment: datetime | None) -> str | None:
    return _utc(moment).astimezone(STOCKHOLM).date().isoformat() if moment else None


def as_json(items: list[dict], changed: datetime) -> dict:
    licence = settings.open_data_licence()
    return {
        "title": "Samhällskontraktets initiativ",
        "description": (
            "Initiativ som är publicerade i Samhällskontraktets öppna hubb: namn, "
            "fokusområde, mål, fas, parter, datum, sammanfattning och länk."
        ),
        "license": licence.iri,
        "modified": changed.isoformat(),
        "catalog": external_url("opendata.catalogue"),
        "initiatives": items,
    }


def as_csv(items: list[dict]) -> str:
    """UTF-8 with a byte-order mark (Excel and LibreOffice read åäö right), CRLF, commas
    (RFC 4180), a header row; text a spreadsheet would run as a formula is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        flat = {
            **item,
            "focus_area_id": item["focus_area"]["id"],
            "focus_area": item["focus_area"]["name"],
            "goals": PARTY_SEPARATOR.join(g["title"] for g in item["goals"]),
            "parties": PARTY_SEPARATOR.join(item["parties"]),
        }
        writer.writerow([safe_text(flat[c]) for c in COLUMNS])
    return "\ufeff" + buffer.getvalue()


# --- the DCAT-AP-SE catalogue record ---------------------------------------------------------

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _text(sv: str, en: str) -> list[dict]:
    return [{"@value": sv, "@language": "sv"}, {"@value": en, "@language": "en"}]


def _iri(value: str) -> dict:
    return {"@id": value}


def _typed(value: str, kind: str) -> dict:
    return {"@value": value, "@type": f"xsd:{kind}"}


def catalogue(changed: datetime, contact_email: str) -> dict:
    """dcat:Catalog with one dcat:Dataset and its two dcat:Distributions, as JSON-LD."""
    licence = settings.open_data_licence()
    hub = external_url("hub.index")
    page = external_url("opendata.index")
    modified = _typed(changed.isoformat(), "dateTime")
    issued = _typed(ISSUED.isoformat(), "date")
    publisher = {
        "@id": f"{page}#utgivare",
        "@type": "foaf:Agent",
        "foaf:name": _text("Samhällskontraktet", "Samhällskontraktet (the Social Contract)"),
        "dcterms:type": _iri(PUBLISHER_TYPE),
    }
    contact = {
        "@id": f"{page}#kontakt",
        "@type": "vcard:Organization",
        "vcard:fn": "Samhällskontraktets processtöd",
        "vcard:hasEmail": _iri(f"mailto:{contact_email}"),
    }

    def distribution(endpoint: str, name: str, media_type: str, fmt: str, sv: str, en: str):
        url = external_url(endpoint)
        return {
            "@id": f"{url}#distribution",
            "@type": "dcat:Distribution",
            "dcterms:title": _text(f"Initiativ som {name}", f"Initiatives as {name}"),
            "dcterms:description": _text(sv, en),
            "dcat:accessURL": _iri(url),
            "dcat:downloadURL": _iri(url),
            "dcat:mediaType": _iri(f"http://www.iana.org/assignments/media-types/{media_type}"),
            "dcterms:format": _iri(
                f"http://publications.europa.eu/resource/authority/file-type/{fmt}"
            ),
            "dcterms:license": _iri(licence.iri),
            "dcterms:issued": issued,
            "dcterms:modified": modified,
        }

    dataset = {
        "@id": f"{page}#initiativ",
        "@type": "dcat:Dataset",
        "dcterms:identifier": f"{page}#initiativ",
        "dcterms:title": _text(
            "Samhällskontraktets initiativ", "Initiatives of Samhällskontraktet"
        ),
        "dcterms:description": _text(
            "Initiativ som parterna i Samhällskontraktet driver och som är publicerade i den "
            "öppna hubben: namn, fokusområde, mål, fas, deltagande organisationer, datum, "
            "sammanfattning och länk till initiativets sida. Uppdateras när ett initiativ "
            "publiceras, byter fas eller avpubliceras.",
            "Initiatives run by the parties of Samhällskontraktet and published in its open "
            "hub: name, focus area, goals, phase, participating organisations, dates, summary and a "
            "link to the initiative's page. Updated when an initiative is published, changes "
            "phase or is unpublished.",
        ),
        "dcat:keyword": [
            {"@value": "innovation", "@language": "sv"},
            {"@value": "samverkan", "@language": "sv"},
            {"@value": "offentlig sektor", "@language": "sv"},
            {"@value": "innovation", "@language": "en"},
            {"@value": "public sector", "@language": "en"},
        ],
        "dcat:theme": _iri(THEME),
        "dcterms:language": _iri(LANGUAGE_SV),
        "dcterms:publisher": _iri(publisher["@id"]),
        "dcat:contactPoint": _iri(contact["@id"]),
        "dcat:landingPage": _iri(page),
        "foaf:page": _iri(hub),
        "dcterms:license": _iri(licence.iri),
        "dcterms:accrualPeriodicity": _iri(
            "http://publications.europa.eu/resource/authority/frequency/CONT"
        ),
        "dcterms:issued": issued,
        "dcterms:modified": modified,
        "dcat:distribution": [
            distribution(
                "opendata.initiatives_json",
                "JSON",
                "application/json",
                "JSON",
                "Alla publicerade initiativ i en JSON-fil.",
                "All published initiatives in one JSON file.",
            ),
            distribution(
                "opendata.initiatives_csv",
                "CSV",
                "text/csv",
                "CSV",
                "Alla publicerade initiativ i en CSV-fil (UTF-8 med BOM, kommaseparerad).",
                "All published initiatives in one CSV file (UTF-8 with BOM, comma-separated).",
            ),
        ],
    }
    return {
        "@context": CONTEXT,
        "@graph": [
            {
                "@id": f"{page}#katalog",
                "@type": "dcat:Catalog",
                "dcterms:title": _text(
                    "Samhällskontraktets öppna data", "Open data of Samhällskontraktet"
                ),
                "dcterms:description": _text(
                    "Öppna data från Samhällskontraktets idéportal.",
                    "Open data from the idea portal of Samhällskontraktet.",
                ),
                "dcterms:publisher": _iri(publisher["@id"]),
                "dcterms:license": _iri(licence.iri),
                "dcterms:language": _iri(LANGUAGE_SV),
                "foaf:homepage": _iri(page),
                "dcterms:issued": issued,
                "dcterms:modified": modified,
                "dcat:dataset": _iri(dataset["@id"]),
            },
            dataset,
            publisher,
            contact,
        ],
    }
