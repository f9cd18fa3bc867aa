"""Static files as a production site serves them (portal/assets.py): the hashed URLs the pages
render are served for a year, brotli or gzip as the browser accepts, revalidated by ETag, with
the security headers; old unhashed links and a missing build still work; Chart.js only where
a chart is, within the JavaScript budget."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from pathlib import Path

import brotli
import pytest

from portal import create_app
from portal.accounts.models import Role
from portal.assets import IMMUTABLE, build, built_names, hashed_name
from portal.config import ROOT, TestConfig
from tests.conftest import RequestContextClient, login
from tests.factories import make_user

STATIC = ROOT / "static"
SCRIPT_RE = re.compile(r'<script src="([^"]+)"')
STYLESHEET_RE = re.compile(r'<link rel="stylesheet" href="(/static/css/portal\.[^"]+)"')
JS_BUDGET_CHARTS = 80 * 1024  # gzipped JavaScript on the board's page
JS_BUDGET_OTHERS = 20 * 1024  # and on a page without a chart


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("static-build")
    build(STATIC, folder)
    return folder


@pytest.fixture(scope="module")
def assets_app(built):
    app = create_app(type("BuiltStatic", (TestConfig,), {"STATIC_BUILD_FOLDER": str(built)}))
    app.test_client_class = RequestContextClient
    return app


@pytest.fixture
def browser(assets_app, db):
    return assets_app.test_client()


def stylesheet_url(client) -> str:
    page = client.get("/")
    assert page.status_code == 200
    match = STYLESHEET_RE.search(page.get_data(as_text=True))
    assert match, "no portal.css on the home page"
    return match.group(1)


def test_a_rendered_page_links_the_hashed_file_served_for_a_year(browser):
    url = stylesheet_url(browser)
    content = (STATIC / "css" / "portal.css").read_bytes()
    assert url == "/static/" + hashed_name("css/portal.css", content)
    assert hashlib.sha256(content).hexdigest()[:12] in url

    response = browser.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "Content-Encoding" not in response.headers  # no Accept-Encoding: the plain file
    assert response.get_data() == content
    assert response.headers["Content-Length"] == str(len(content))
    assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    ("accept", "encoding", "decompress"),
    [
        ("br", "br", brotli.decompress),
        ("gzip, deflate, br, zstd", "br", brotli.decompress),  # what Chromium sends
        ("gzip", "gzip", gzip.decompress),
        ("identity", None, lambda body: body),
    ],
)
def test_the_encoding_the_browser_accepts(browser, accept, encoding, decompress):
    script = next(
        src for src in SCRIPT_RE.findall(browser.get("/").get_data(as_text=True)) if "htmx" in src
    )
    content = (STATIC / "vendor" / "htmx" / "htmx.min.js").read_bytes()
    response = browser.get(script, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["Content-Type"].startswith("text/javascript")
    body = response.get_data()
    assert response.headers["Content-Length"] == str(len(body))
    assert decompress(body) == content
    if encoding:
        assert len(body) < len(content) / 2
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == IMMUTABLE


def test_revalidation_answers_not_modified(browser):
    url = stylesheet_url(browser)
    etag = browser.get(url).headers["ETag"]
    again = browser.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert browser.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_hashed_files_keep_the_security_headers(browser):
    headers = browser.get(stylesheet_url(browser)).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in headers


def test_an_old_unhashed_link_still_works_with_a_short_cache(browser):
    response = browser.get("/static/css/portal.css")
    assert response.status_code == 200
    assert response.get_data() == (STATIC / "css" / "portal.css").read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=600"
    assert "Content-Security-Policy" in response.headers
    assert browser.get("/static/css/portal.000000000000.css").status_code == 404


def test_without_a_build_the_plain_files_are_served(db, tmp_path):
    app = create_app(
        type("Unbuilt", (TestConfig,), {"STATIC_BUILD_FOLDER": str(tmp_path / "missing")})
    )
    app.test_client_class = RequestContextClient
    client = app.test_client()
    assert stylesheet_url(client) == "/static/css/portal.css"
    response = client.get("/static/css/portal.css", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


def test_a_file_changed_since_the_build_is_not_hashed(tmp_path):
    static, folder = tmp_path / "static", tmp_path / "build"
    shutil.copytree(STATIC / "css", static / "css")
    build(static, folder)
    assert set(built_names(static, folder)) == {f"css/{p.name}" for p in (STATIC / "css").iterdir()}
    (static / "css" / "hub.css").write_text("main { color: black; }")
    names = built_names(static, folder)
    assert "css/hub.css" not in names and "css/portal.css" in names
    assert build(static, folder)  # the changed file is built again ...
    assert build(static, folder) == []  # ... once
    assert "css/hub.css" in built_names(static, folder)


def js_gzipped(client, path: str) -> tuple[list[str], int]:
    """The page's scripts and their gzipped bytes, as served."""
    page = client.get(path)
    assert page.status_code == 200, path
    scripts = SCRIPT_RE.findall(page.get_data(as_text=True))
    total = 0
    for src in scripts:
        response = client.get(src, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, src
        assert response.headers["Content-Encoding"] == "gzip", src
        total += len(response.get_data())
    return scripts, total


def test_chart_js_only_where_a_chart_is_and_within_the_budget(browser):
    for path in ("/", "/utlysningar", "/hubb"):
        scripts, size = js_gzipped(browser, path)
        assert not [src for src in scripts if "chart" in src], path
        assert size <= JS_BUDGET_OTHERS, (path, size)

    login(browser, make_user(roles={Role.BOARD}))
    scripts, size = js_gzipped(browser, "/styrelsen")
    assert [src for src in scripts if "vendor/chartjs/chart.board.min." in src]
    assert size <= JS_BUDGET_CHARTS, size
