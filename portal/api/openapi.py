"""The OpenAPI 3.1 document of the API, written by hand; served at /api/v1/openapi.json.

The parameter names, groupings and error codes come from the code that reads them, so the
document cannot drift from it; tests/functional/test_api.py validates the document and checks
live answers against its schemas.
"""

from __future__ import annotations

from portal.api.params import AGREEMENT_PARAMETERS, COMPARISONS, DEFAULT_MONTHS, KINDS, MAX_DAYS
from portal.api.services import TOKEN_PREFIX
from portal.board.agreement import FIGURES, PARTNER_FIGURES
from portal.board.inflow import DIMENSIONS, PERIODS, RESIDENTS
from portal.forms import EARLIEST, LATEST

ERROR_CODES = (
    # 400
    "unknown_parameter", "repeated_parameter", "invalid_date", "invalid_range", "range_too_long",
    "unknown_group", "repeated_group", "too_many_periods", "unknown_focus_area", "unknown_party",
    "invalid_kind", "invalid_compare", "empty_parameter", "bad_request",
    # 401, 403
    "missing_token", "invalid_token", "token_revoked", "token_expired", "unauthorized", "forbidden",
    # others
    "not_found", "method_not_allowed", "too_large", "rate_limited", "server_error", "unavailable",
)  # fmt: skip


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str, **extra) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
        **extra,
    }


def _reference(id_schema: dict, description: str) -> dict:
    return {
        "type": "object",
        "description": description,
        "properties": {"id": id_schema, "name": {"type": "string"}},
        "required": ["id", "name"],
        "additionalProperties": False,
    }


EMPTY_RULE = (
    " En parameter som anges måste ha ett värde: `to=` utan datum är fel (400 "
    "empty_parameter), utelämna parametern för standardvärdet."
)


def parameters(
    party_ids: list[int] | None = None, focus_area_ids: list[int] | None = None
) -> list[dict]:
    """The inflow's parameters; with the parties' and focus areas' ids, as the database holds
    them when the document is served, each as the enum of its values."""
    found = [dict(p) for p in PARAMETERS]
    by_name = {p["name"]: p for p in found}
    if focus_area_ids is not None:
        by_name["focus_area"]["schema"] = {"type": "integer", "enum": focus_area_ids}
    if party_ids is not None:
        by_name["party"]["schema"] = {
            "oneOf": [{"type": "integer", "enum": party_ids}, {"const": RESIDENTS}]
        }
    return found


PARAMETERS = [
    {
        "name": "from",
        "in": "query",
        "description": (
            "Första dagen (Europe/Stockholm) som räknas, ÅÅÅÅ-MM-DD. Standard: den första dagen "
            f"i månaden {DEFAULT_MONTHS - 1} månader före `to`, alltså de senaste "
            f"{DEFAULT_MONTHS} kalendermånaderna. Från {EARLIEST} till {LATEST}, liksom `to`. "
            "Regel: from ≤ to (annars 400 invalid_range)." + EMPTY_RULE
        ),
        "schema": {"type": "string", "format": "date"},
        "example": "2026-01-01",
    },
    {
        "name": "to",
        "in": "query",
        "description": (
            "Sista dagen som räknas, ÅÅÅÅ-MM-DD. Standard: i dag. Regel: from ≤ to, och "
            f"perioden from–to är högst tio år ({MAX_DAYS} dagar, båda dagarna räknade; "
            "annars 400 range_too_long)." + EMPTY_RULE
        ),
        "schema": {"type": "string", "format": "date"},
        "example": "2026-12-31",
    },
    {
        "name": "group",
        "in": "query",
        "description": (
            "Vad siffrorna delas upp på, kommaseparerat: valfria av "
            f"{', '.join(DIMENSIONS)} och högst en period av {', '.join(PERIODS)}. "
            "Utan group: en rad med summan." + EMPTY_RULE
        ),
        "schema": {"type": "string"},
        "example": "party,month",
    },
    {
        "name": "focus_area",
        "in": "query",
        "description": (
            "Bara ett fokusområde: dess id (en portfölj, så att tidigare namn räknas med). "
            "Värdena som finns står i schemats enum." + EMPTY_RULE
        ),
        "schema": {"type": "integer", "minimum": 1},
    },
    {
        "name": "party",
        "in": "query",
        "description": (
            f"Bara en källa: en parts id, eller `{RESIDENTS}` för invånare. Parternas id står "
            "i schemats enum." + EMPTY_RULE
        ),
        "schema": {"oneOf": [{"type": "integer", "minimum": 1}, {"const": RESIDENTS}]},
    },
    {
        "name": "kind",
        "in": "query",
        "description": (
            "Bara en sort: challenge (utmaning eller behov) eller idea (idé)." + EMPTY_RULE
        ),
        "schema": {"enum": list(KINDS)},
    },
]


def _agreement_parameters(
    party_ids: list[int] | None = None, focus_area_ids: list[int] | None = None
) -> list[dict]:
    by_name = {p["name"]: p for p in parameters(party_ids, focus_area_ids)}
    party = {  # here a filter on the submission an initiative came from
        **by_name["party"],
        "description": (
            "Bara initiativ som kom från en källas inlämning: en parts id, eller "
            f"`{RESIDENTS}` för invånare (som för styrelsens andra tal om initiativ). Parternas "
            "id står i schemats enum." + EMPTY_RULE
        ),
    }
    found = [by_name["from"], by_name["to"], by_name["focus_area"], party]
    found.append(
        {
            "name": "compare",
            "in": "query",
            "description": (
                "Jämförelseperioden: `year` (standard) samma datum ett år tidigare (fler år "
                "när perioden är längre än ett år, så att de inte överlappar), eller "
                "`previous` en lika lång period närmast före." + EMPTY_RULE
            ),
            "schema": {"enum": list(COMPARISONS)},
        }
    )
    assert [p["name"] for p in found] == list(AGREEMENT_PARAMETERS)
    return found


AGREEMENT_KEYS = [key for key, _kind, _label, _text in FIGURES]
AGREEMENT_FIGURE_KEYS = AGREEMENT_KEYS + [f"partners_{kind.value}" for kind in PARTNER_FIGURES]
_PAIR = {
    "type": "object",
    "properties": {
        "period": {"type": "integer", "minimum": 0},
        "comparison": {"type": "integer", "minimum": 0},
    },
    "required": ["period", "comparison"],
    "additionalProperties": False,
}

SCHEMAS = {
    "Agreement": {
        "type": "object",
        "description": (
            "Avtalets uppföljningstal: studenter (antal), nya samarbeten, externa partner "
            "(och av dem per slag) och forskningsprojekt som processtödet registrerat på "
            "initiativ, med datum i perioden respektive jämförelseperioden."
        ),
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "comparison": {
                "type": "object",
                "properties": {
                    "compare": {"enum": list(COMPARISONS)},
                    "from": {"type": "string", "format": "date"},
                    "to": {"type": "string", "format": "date"},
                },
                "required": ["compare", "from", "to"],
                "additionalProperties": False,
            },
            "filters": {
                "type": "object",
                "properties": {
                    "focus_area": {"type": ["integer", "null"]},
                    "party": {"oneOf": [{"type": ["integer", "null"]}, {"const": RESIDENTS}]},
                },
                "required": ["focus_area", "party"],
                "additionalProperties": False,
            },
            "figures": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"enum": AGREEMENT_FIGURE_KEYS},
                        "name": {"type": "string"},
                        "part_of": {
                            "type": ["string", "null"],
                            "description": "Talet som det här är en del av (”varav”).",
                        },
                        "period": {"type": "integer", "minimum": 0},
                        "comparison": {"type": "integer", "minimum": 0},
                    },
                    "required": ["key", "name", "part_of", "period", "comparison"],
                    "additionalProperties": False,
                },
            },
            "parties": {
                "type": "array",
                "description": (
                    "Per part som uppgifterna anger; party null: utan part (en extern partner "
                    "behöver inte ange någon). Bara parter med något i någon av perioderna."
                ),
                "items": {
                    "type": "object",
                    "properties": {
                        "party": {
                            "oneOf": [
                                {"type": "null"},
                                _reference({"type": "integer"}, "Parten."),
                            ]
                        },
                        "figures": {
                            "type": "object",
                            "properties": {key: _PAIR for key in AGREEMENT_KEYS},
                            "required": AGREEMENT_KEYS,
                            "additionalProperties": False,
                        },
                    },
                    "required": ["party", "figures"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["from", "to", "comparison", "filters", "figures", "parties"],
        "additionalProperties": False,
    },
    "Inflow": {
        "type": "object",
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "group": {"type": "array", "items": {"enum": list(DIMENSIONS + PERIODS)}},
            "filters": {
                "type": "object",
                "properties": {
                    "focus_area": {"type": ["integer", "null"]},
                    "party": {"oneOf": [{"type": ["integer", "null"]}, {"const": RESIDENTS}]},
                    "kind": {"enum": [*KINDS, None]},
                },
                "required": ["focus_area", "party", "kind"],
                "additionalProperties": False,
            },
            "rows": {"type": "array", "items": _ref("InflowRow")},
            "total": {"type": "integer", "minimum": 0},
        },
        "required": ["from", "to", "group", "filters", "rows", "total"],
        "additionalProperties": False,
    },
    "InflowRow": {
        "type": "object",
        "description": (
            "En grupp. Bara de fält som grupperingen nämner finns med, och count. Grupper "
            "utan inlämningar utelämnas; utan group är det alltid en rad, med summan (0 om "
            "inget kom in)."
        ),
        "properties": {
            "period": {
                "type": "string",
                "description": "2026-03 (month), 2026-Q1 (quarter) eller 2026 (year).",
                "pattern": "^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$",
            },
            "party": _reference(
                {"oneOf": [{"type": "integer"}, {"const": RESIDENTS}]},
                f"Källan: en part, eller invånare (id `{RESIDENTS}`).",
            ),
            "focus_area": _reference(
                {"type": ["integer", "null"]},
                "Fokusområdet (portföljen) med sitt nuvarande namn; id null: inte sorterad ännu.",
            ),
            "kind": _reference({"enum": list(KINDS)}, "Utmaning/behov eller idé."),
            "call": _reference(
                {"type": ["integer", "null"]}, "Utlysningen; id null: utanför utlysning."
            ),
            "count": {"type": "integer", "minimum": 0},
        },
        "required": ["count"],
        "additionalProperties": False,
    },
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"enum": list(ERROR_CODES)},
                    "message": {"type": "string"},
                    "parameter": {"type": "string", "description": "Parametern som är fel."},
                },
                "required": ["code", "message"],
                "additionalProperties": False,
            }
        },
        "required": ["error"],
        "additionalProperties": False,
    },
}


# --- open data: public, no token (portal/hub/opendata_views.py) -------------------------------

OPEN_DATA_PHASES = ["idea", "concept", "pilot", "implementation", "follow_up", "closed"]
OPEN_DATA_SCHEMAS = {
    "OpenDataInitiatives": {
        "type": "object",
        "description": "De initiativ som är publicerade i hubben, ordnade efter id.",
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "license": {"type": "string", "format": "uri", "description": "Licensens IRI."},
            "modified": {"type": "string", "format": "date-time"},
            "catalog": {"type": "string", "format": "uri"},
            "initiatives": {"type": "array", "items": _ref("OpenDataInitiative")},
        },
        "required": ["title", "description", "license", "modified", "catalog", "initiatives"],
        "additionalProperties": False,
    },
    "OpenDataInitiative": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "focus_area": _reference(
                {"type": "integer"}, "Fokusområdet (portföljen) med sitt nuvarande namn."
            ),
            "phase": {"enum": OPEN_DATA_PHASES, "description": "Fasen som allmänheten ser i dag."},
            "phase_label": {"type": "string", "description": "Fasens svenska namn."},
            "goals": {
                "type": "array",
                "description": "Samhällsmål och effektmål som initiativet arbetar mot.",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "kind": {"enum": ["societal", "effect"]},
                        "title": {"type": "string", "description": "Målets nuvarande namn."},
                    },
                    "required": ["id", "kind", "title"],
                    "additionalProperties": False,
                },
            },
            "parties": {"type": "array", "items": {"type": "string"}},
            "first_published": {"type": ["string", "null"], "format": "date"},
            "last_published": {"type": ["string", "null"], "format": "date"},
            "phase_since": {
                "type": ["string", "null"],
                "format": "date",
                "description": "Dagen för det senaste publicerade fasbeslutet.",
            },
            "summary": {
                "type": ["string", "null"],
                "description": "Sammanfattningen, bara om den är publicerad.",
            },
            "url": {"type": "string", "format": "uri", "description": "Sidan i hubben."},
        },
        "required": [
            "id", "title", "focus_area", "phase", "phase_label", "goals", "parties", "first_published",
            "last_published", "phase_since", "summary", "url",
        ],
        "additionalProperties": False,
    },
}  # fmt: skip
RETRY_AFTER = {"Retry-After": {"description": "Sekunder att vänta.", "schema": {"type": "integer"}}}
CACHE_HEADERS = {
    "ETag": {"description": "Versionen; skicka den i If-None-Match.", "schema": {"type": "string"}},
    "Last-Modified": {
        "description": "När data senast ändrades; skicka den i If-Modified-Since.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "public, max-age=300.", "schema": {"type": "string"}},
}


def _open_data_path(operation_id: str, summary: str, media_type: str, schema: dict) -> dict:
    return {
        "servers": [{"url": "/"}],
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": (
                "Öppna data utan API-nyckel. Svarar 304 utan innehåll på If-None-Match med "
                "aktuell ETag, eller If-Modified-Since som inte är äldre än Last-Modified. "
                "Begränsat per adress (429 med Retry-After)."
            ),
            "security": [],
            "responses": {
                "200": {
                    "description": "Filen.",
                    "headers": CACHE_HEADERS,
                    "content": {media_type: {"schema": schema}},
                },
                "304": {
                    "description": "Oförändrad sedan den version du har.",
                    "headers": CACHE_HEADERS,
                },
                "429": _error(
                    "För många anrop från samma adress; vänta och försök igen.",
                    headers=RETRY_AFTER,
                ),
            },
        },
    }


OPEN_DATA_PATHS = {
    "/oppna-data/initiativ.json": _open_data_path(
        "getOpenDataInitiativesJson",
        "De publicerade initiativen som JSON",
        "application/json",
        _ref("OpenDataInitiatives"),
    ),
    "/oppna-data/initiativ.csv": _open_data_path(
        "getOpenDataInitiativesCsv",
        "De publicerade initiativen som CSV (UTF-8 med BOM, CRLF, komma)",
        "text/csv",
        {
            "type": "string",
            "description": (
                "Kolumner: id, title, focus_area_id, focus_area, phase, phase_label, parties "
                "(åtskilda av '; '), first_published, last_published, phase_since, summary, url. "
                "Text som ett kalkylprogram skulle köra som formel börjar med en apostrof."
            ),
        },
    ),
    "/oppna-data/katalog.jsonld": _open_data_path(
        "getOpenDataCatalogue",
        "Beskrivningen av datamängden enligt DCAT-AP-SE (JSON-LD)",
        "application/ld+json",
        {
            "type": "object",
            "description": "dcat:Catalog med en dcat:Dataset och två dcat:Distribution.",
        },
    ),
}


def _responses(schema: str) -> dict:
    unauthorized_header = {
        "WWW-Authenticate": {
            "description": 'Bearer, med error="invalid_token" när en nyckel skickades.',
            "schema": {"type": "string"},
        }
    }
    return {
        "200": {
            "description": "Siffrorna.",
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        "400": _error("En parameter är fel, tom eller okänd; `parameter` säger vilken."),
        "401": _error(
            "Ingen, okänd, återkallad eller utgången API-nyckel.",
            headers=unauthorized_header,
        ),
        "403": _error("Nyckelns användare saknar behörighet eller är avstängd."),
        "429": _error(
            "För många anrop med samma nyckel; vänta och försök igen.",
            headers=RETRY_AFTER,
        ),
    }


def document(
    party_ids: list[int] | None = None,
    focus_area_ids: list[int] | None = None,
) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Samhällskontraktets idéportal – API för uppföljning",
            "version": "1.0.0",
            "description": (
                "Läs-API för parternas egen uppföljning av inflödet av utmaningar och idéer, "
                "och av avtalets tal om studenter, samarbeten, partner och forskning. "
                "Samma siffror som styrelsens uppföljning; inga personuppgifter. Skapa en "
                "personlig API-nyckel under Mitt konto → API-nycklar (styrelsen, Core Team, "
                "processtöd och administratörer) och skicka den i huvudet "
                "`Authorization: Bearer <nyckel>`. Fel svarar med JSON "
                '`{"error": {"code", "message", "parameter"}}`; meddelandet är på svenska, '
                "eller engelska med `Accept-Language: en`."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/inflow": {
                "get": {
                    "operationId": "getInflow",
                    "summary": "Inflödet av inlämningar per period, källa, fokusområde, sort",
                    "description": (
                        "Antal inlämningar som lämnats in (utkast räknas inte) under dagarna "
                        "from–to, i Europe/Stockholm, grupperade enligt group."
                    ),
                    "parameters": parameters(party_ids, focus_area_ids),
                    "responses": _responses("Inflow"),
                }
            },
            "/agreement": {
                "get": {
                    "operationId": "getAgreement",
                    "summary": "Studenter, nya samarbeten, externa partner och forskningsprojekt",
                    "description": (
                        "Avtalets uppföljningstal för dagarna from–to bredvid "
                        "jämförelseperioden, totalt och per part. Samma tal som styrelsens "
                        "uppföljning."
                    ),
                    "parameters": _agreement_parameters(party_ids, focus_area_ids),
                    "responses": _responses("Agreement"),
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "Det här dokumentet",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            **OPEN_DATA_PATHS,
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        f"En personlig API-nyckel som börjar med `{TOKEN_PREFIX}`. Den skickas "
                        "bara i huvudet Authorization, aldrig i adressen."
                    ),
                }
            },
            "schemas": {**SCHEMAS, **OPEN_DATA_SCHEMAS},
        },
    }
