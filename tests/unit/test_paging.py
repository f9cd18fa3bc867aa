"""Page numbers from the address: one reader for every paged list, and the page kept within
the pages there are."""

from __future__ import annotations

import pytest

from portal import paging


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        ("7", 7),
        (" 3 ", 3),
        ("999999", 999999),
        ("1000000", paging.MAX_PAGE),  # then the list's last page
        (str(2**63), paging.MAX_PAGE),
        (str(10**30), paging.MAX_PAGE),
        ("9" * 5000, paging.MAX_PAGE),  # int() would refuse it (more than 4 300 digits)
        ("0", 1),
        ("-1", 1),
        ("", 1),
        ("abc", 1),
        ("1e9", 1),
        ("½", 1),
        ("²", 1),  # str.isdigit() says yes, int() raises
        ("１", 1),  # a full-width digit
        ("1\x00", 1),
    ],
)
def test_page_from_args_reads_only_a_page_number(raw, page):
    assert paging.page_from_args({"sida": raw}, "sida") == page


def test_page_from_args_without_the_parameter_is_page_one():
    assert paging.page_from_args({}, "sida") == 1


@pytest.mark.parametrize(
    ("page", "total", "expected"),
    [(1, 0, 1), (5, 0, 1), (2, 26, 2), (3, 26, 2), (999999, 26, 2), (0, 26, 1), (-4, 26, 1)],
)
def test_clamp_keeps_the_page_within_the_pages_there_are(page, total, expected):
    assert paging.clamp(page, total, per_page=25) == expected
