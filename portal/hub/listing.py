"""The hub's list: its search, filters, sorting and page read from the address, and back.

The address is the state (hx-push-url): a search can be bookmarked, shared and reloaded, and
the form works the same without JavaScript. Unknown values are ignored and said, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import paging
from portal.evaluation.models import PHASE_LABELS, Phase
from portal.extensions import db
from portal.hub import search
from portal.reference.models import FocusArea, Party
from portal.submissions.models import FUNCTION_LABELS, SkFunction

PATH = "/hubb"
SORT_LABELS = {
    search.RELEVANCE: _l("Bäst träff"),
    search.NEWEST: _l("Senast publicerade"),
    search.NAME: _l("Namn A–Ö"),
    search.PHASE: _l("Fas"),
}


class Option(NamedTuple):
    value: str
    label: str


@dataclass
class Options:
    portfolios: list[Option]
    phases: list[Option]
    functions: list[Option]
    parties: list[Option]


def current_area_names() -> dict[int, str]:
    """Each portfolio's focus area as it is called now (renames are one portfolio)."""
    names: dict[int, str] = {}
    for portfolio_id, name in db.session.execute(
        select(FocusArea.portfolio_id, FocusArea.name).order_by(
            FocusArea.portfolio_id, FocusArea.valid_from, FocusArea.id
        )
    ):
        names[portfolio_id] = name
    return names


def load_options() -> Options:
    areas = sorted(current_area_names().items(), key=lambda kv: kv[1])
    return Options(
        portfolios=[Option(str(pid), name) for pid, name in areas],
        phases=[Option(p.value, str(PHASE_LABELS[p])) for p in Phase],
        functions=[Option(f.value, str(FUNCTION_LABELS[f])) for f in SkFunction],
        parties=[
            Option(str(pid), name)
            for pid, name in db.session.execute(select(Party.id, Party.name).order_by(Party.name))
        ],
    )


@dataclass
class HubQuery:
    q: str = ""
    portfolio: int | None = None
    phase: str | None = None
    function: str | None = None
    party: int | None = None
    sort: str = ""  # empty: relevance when searching, else newest
    page: int = 1
    messages: list[str] = field(default_factory=list)

    # Swedish names in the address, as the rest of the public site.
    NAMES = {
        "portfolio": "fokusomrade",
        "phase": "fas",
        "function": "funktion",
        "party": "part",
        "sort": "sortering",
        "page": "sida",
    }

    @classmethod
    def from_args(cls, args: Mapping[str, str], options: Options) -> HubQuery:
        query = cls()
        query.q = " ".join((args.get("q") or "").split())[: search.MAX_QUERY_LENGTH]
        query.portfolio = query._pick(args, "portfolio", options.portfolios, _("fokusområde"))
        query.phase = query._pick(args, "phase", options.phases, _("fas"))
        query.function = query._pick(args, "function", options.functions, _("funktion"))
        query.party = query._pick(args, "party", options.parties, _("part"))
        sort = (args.get("sortering") or "").strip()
        query.sort = sort if sort in search.SORTS else ""
        query.page = paging.page_from_args(args, "sida")
        for name in ("portfolio", "party"):
            value = getattr(query, name)
            setattr(query, name, int(value) if value is not None else None)
        return query

    def _pick(self, args, name: str, choices: list[Option], what: str) -> str | None:
        raw = (args.get(self.NAMES[name]) or "").strip()
        if not raw:
            return None
        if raw in {c.value for c in choices}:
            return raw
        self.messages.append(
            _("Filtret för %(what)s kändes inte igen och används inte.", what=what)
        )
        return None

    @property
    def filters(self) -> search.Filters:
        return search.Filters(self.portfolio, self.phase, self.function, self.party)

    @property
    def active(self) -> bool:
        return bool(self.q or self.portfolio or self.phase or self.function or self.party)

    def args(self, **override) -> dict[str, str]:
        values = {
            "q": self.q,
            "fokusomrade": self.portfolio,
            "fas": self.phase,
            "funktion": self.function,
            "part": self.party,
            "sortering": self.sort,
            "sida": self.page if self.page > 1 else None,
        }
        values.update(override)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def url(self, **override) -> str:
        query = urlencode(self.args(**override))
        return f"{PATH}?{query}" if query else PATH
