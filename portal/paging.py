"""Paged lists, one way for all of them (the inbox, the hub, the register, the admin's lists):
the page number read from the address, and the page shown kept within the pages there are.

A page number that is not one (empty, "abc", "-1", "0", "½", "²") is page 1; one beyond the
last page, however large (10**30), shows the last page, and the page says which ("Sida 3 av
3"), so a shared or bookmarked address that outlived its rows still shows something. Nothing
unreadable, nor an OFFSET beyond what the database counts in, reaches the database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.extensions import db

MAX_PAGE = 999_999
PAGE_NUMBER = re.compile(r"[0-9]+")  # ASCII digits only: "²".isdigit(), but int("²") fails


def page_from_args(args: Mapping[str, str], name: str) -> int:
    """The page number `name` of the query string, from 1 to MAX_PAGE (a larger number is
    MAX_PAGE, read without int(), which refuses more than 4 300 digits); anything else 1."""
    raw = (args.get(name) or "").strip()
    if not PAGE_NUMBER.fullmatch(raw):
        return 1
    return max(int(raw), 1) if len(raw) <= len(str(MAX_PAGE)) else MAX_PAGE


def last_page(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def clamp(page: int, total: int, per_page: int) -> int:
    """`page` within 1 and the last page of `total` rows."""
    return min(max(page, 1), last_page(total, per_page))


def paginate(statement: Select, page: int, per_page: int) -> Pagination:
    """Flask-SQLAlchemy's page of `statement`, the last one when `page` is beyond it."""
    pagination = db.paginate(statement, page=max(page, 1), per_page=per_page, error_out=False)
    if pagination.page > 1 and not pagination.items and pagination.total:
        pagination = db.paginate(
            statement,
            page=last_page(pagination.total, per_page),
            per_page=per_page,
            error_out=False,
        )
    return pagination
