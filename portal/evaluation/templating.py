"""Template filters of the innovation process (create_app registers them for every template:
the board's pages show money too)."""

from __future__ import annotations

from portal.evaluation.funding.services import format_kr_plain


def format_kr(amount: int | None) -> str:
    """Money the Swedish way: 50 000 kr (no-break spaces)."""
    if amount is None:
        return "–"
    sign = "−" if amount < 0 else ""
    return f"{sign}{format_kr_plain(abs(amount))}\u00a0kr"


FILTERS = {"kr": format_kr}
