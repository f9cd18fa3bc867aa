"""Crawl the portal as every role (and anonymously), as the outside check does: every page a
person can reach by following links answers without a server error, carries the strict
headers, passes axe-core, and is valid HTML by the W3C's Nu Html Checker (vnu).

The HTML checked is the page as served (not the DOM after scripts), all of a crawl's pages in
one run of vnu. The fragments htmx swaps in are not documents and are not checked alone: each
is a block of its page's template (portal/htmx.py), checked as part of the page."""

from __future__ import annotations

import json
import os
import re
from collections import deque
from datetime import UTC, datetime
from urllib.parse import urldefrag, urlsplit

import pytest

from portal.accessibility.services import record_check
from portal.demo import DEMO_USERS, seed_demo_content
from tests.e2e.conftest import AXE_JS, AXE_TAGS, check_axe, login
from tests.e2e.html_check import check_html, errors

pytestmark = pytest.mark.e2e

MAX_PAGES = 90  # the admin reaches about 65 kinds of page (goals, open data, the parties)
CRAWLED: dict[str, int] = {}  # who crawled (an e-mail, or "anonymous") -> pages checked
# Not pages: static files, logging out, attachments and downloads (exports, data files).
SKIP = re.compile(r"^/(static/|logga-ut)|/filer/|\.(csv|xlsx|json)(\?|$)")


def _pattern(path: str) -> str:
    """One page per shape of address: /inkorg/12 and /inkorg/13 are the same page, and so are
    /hubb/12-namn and /hubb/13-annat-namn (an id with its name)."""
    return re.sub(r"\d+(-[^/]*)?", "N", urlsplit(path).path)


def crawl(page, base_url: str, html: dict[str, str] | None = None) -> list[str]:
    """The paths visited; with `html`, each HTML page's source as served goes into it."""
    seen_patterns: set[str] = set()
    queue = deque(["/"])
    visited: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        pattern = _pattern(path)
        if pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        response = page.goto(path)
        assert response is not None
        assert response.status < 500, f"{path} answered {response.status}"
        is_html = "text/html" in response.headers.get("content-type", "")
        if is_html and html is not None:
            served = urlsplit(response.url)  # after any redirect
            html[served.path + (f"?{served.query}" if served.query else "")] = response.text()
        if response.status == 200 and is_html:
            headers = response.headers
            assert "default-src 'self'" in headers.get("content-security-policy", ""), path
            assert headers.get("x-content-type-options") == "nosniff", path
            check_axe(page)
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                href = urldefrag(href)[0]
                if not href.startswith(base_url):
                    continue
                local = href[len(base_url) :] or "/"
                if not SKIP.search(local) and _pattern(local) not in seen_patterns:
                    queue.append(local)
        visited.append(path)
    unseen = sorted({_pattern(path) for path in queue} - seen_patterns)
    assert not unseen, f"the crawl stopped at MAX_PAGES = {MAX_PAGES} before {unseen}"
    return visited


@pytest.fixture
def demo_site(base_url, db):
    seed_demo_content()
    db.session.commit()
    return base_url


@pytest.mark.parametrize("email", [None] + [email for email, *_rest in DEMO_USERS[:8]])
def test_every_reachable_page_works_and_passes_axe_and_vnu(page, demo_site, email):
    if email:
        login(page, email)
    sources: dict[str, str] = {}
    visited = crawl(page, demo_site, sources)
    assert len(visited) >= 3, visited
    invalid = errors(check_html(sources))
    if invalid:
        pytest.fail(
            f"The Nu Html Checker found {len(invalid)} error(s) on {len(sources)} pages:\n"
            + "\n".join(map(str, invalid)),
            pytrace=False,
        )
    CRAWLED[email or "anonymous"] = len(visited)


def axe_version() -> str:
    match = re.search(r"axe v([\d.]+)", AXE_JS.read_text(encoding="utf-8")[:500])
    return match.group(1) if match else "?"


def test_the_crawl_feeds_the_accessibility_statement(page, base_url, db):
    """What the crawl above checked becomes the statement's latest automated check; with
    ACCESSIBILITY_REPORT set, it is also written there for `flask accessibility record-check`."""
    if not CRAWLED:
        pytest.skip("the crawl did not run in this session")
    roles = {
        email: sorted(str(r.value) for r in role_set) for email, _n, _p, role_set in DEMO_USERS
    }
    report = {
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool": f"axe-core {axe_version()}",
        "standard": "WCAG 2.1 A/AA (" + ", ".join(AXE_TAGS) + ")",
        "pages": sum(CRAWLED.values()),
        "roles": sorted({r for who in CRAWLED for r in roles.get(who, ["anonymous"])}),
        "violations": 0,  # any violation would have failed the crawl
    }
    if os.environ.get("ACCESSIBILITY_REPORT"):
        with open(os.environ["ACCESSIBILITY_REPORT"], "w", encoding="utf-8") as out:
            json.dump(report, out, ensure_ascii=False, indent=2)
    record_check(report)
    db.session.commit()
    page.goto("/tillganglighet")
    latest = page.locator("#latest-check")
    assert f"{report['pages']} sidor" in latest.inner_text()
    assert "Den hittade inga brister." in latest.inner_text()
    check_axe(page)
