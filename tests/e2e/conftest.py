"""End-to-end fixtures: the test app served over HTTP, Debian's Chromium, axe-core.

The e2e tests get their own app object (this file overrides `app`), served by werkzeug from a
background thread. On SQLite it has its own database file in a temporary directory, so the
e2e tests never share a file with the functional tests (nor with another test run). With
TEST_DATABASE_URL (PostgreSQL) it uses that database, like the functional tests: tests run
one after another, and each e2e test starts from the `db` fixture's emptied database (it
depends on this `app`) plus the demo accounts, so neither kind of test sees the other's rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from portal import create_app
from portal.config import TestConfig
from portal.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo_users
from portal.extensions import db as _db
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "static" / "vendor" / "axe" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app the live server serves (overrides tests/conftest.py's `app` for e2e tests)."""
    config = TestConfig
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"

        class E2EConfig(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

        config = E2EConfig
    app = create_app(config)
    with app.app_context():
        if _db.engine.dialect.name == "sqlite":
            _db.drop_all()
        else:
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        _db.create_all()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def base_url(app, live_server, db) -> str:
    """The live server's address, with a clean database holding the demo accounts. Links in
    the e-mail the app sends lead to it (BASE_URL), so a test can follow them."""
    app.config["BASE_URL"] = live_server.url
    seed_demo_users()
    db.session.commit()
    return live_server.url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# axe-core on every page a test opens and again after every htmx swap, without the test
# asking: an init script (evaluated through the DevTools protocol, so the page's CSP does
# not apply) runs axe at each page load and each htmx:afterSettle, one run at a time, and
# keeps the violations in sessionStorage, which outlives the tab's navigations. The `page`
# fixtures read them when the test ends and fail it listing each page and swap.
AXE_WATCH_JS = """
(() => {
  const KEY = "__axe_watch";
  const TAGS = __TAGS__;
  let chain = Promise.resolve();
  window.__axePending = 0;
  function keep(entry) {
    try {
      const all = JSON.parse(sessionStorage.getItem(KEY) || "[]");
      all.push(entry);
      sessionStorage.setItem(KEY, JSON.stringify(all));
    } catch (e) { /* a page without storage (about:blank) */ }
  }
  // Only HTML pages: feeds and JSON are shown by the browser's own viewers.
  const html = () => document.contentType === "text/html";
  window.__axeCheck = (trigger, record) => {
    window.__axePending++;
    const run = chain.then(() => axe.run(document, {runOnly: {type: "tag", values: TAGS}}));
    chain = run.catch(() => null);
    return run.then((result) => {
      if (record) {
        keep({url: location.href, trigger: trigger, violations: result.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.html.slice(0, 160)),
        }))});
      }
      return result;
    }).finally(() => { window.__axePending--; });
  };
  window.addEventListener("load", () => {
    if (html()) window.__axeCheck("sidladdning", true).catch(() => null);
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail && event.detail.target && event.detail.target.id;
    window.__axeCheck("htmx-byte" + (target ? " #" + target : ""), true).catch(() => null);
  });
})();
""".replace("__TAGS__", json.dumps(AXE_TAGS))


def axe_source() -> str:
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_JS.read_text(encoding="utf-8")
    return _axe_source


def new_page(browser, base_url: str, **context_options):
    options = {"locale": "sv-SE", "base_url": base_url, **context_options}
    context = browser.new_context(**options)
    context.set_default_timeout(5000)
    if options.get("java_script_enabled", True):
        context.add_init_script(script=axe_source() + "\n" + AXE_WATCH_JS)
    return context.new_page()


def watched_violations(page) -> tuple[int, list[str]]:
    """(runs, problems): what the automatic axe runs on this page's tab found."""
    if page.is_closed():
        return 0, []
    with contextlib.suppress(Exception):  # mid-navigation: read what was kept
        page.wait_for_function("() => !window.__axePending", timeout=15000)
    try:
        entries = page.evaluate(
            "() => { try { return JSON.parse(sessionStorage.getItem('__axe_watch') || '[]') }"
            " catch (e) { return [] } }"
        )
    except Exception:
        return 0, []
    problems = []
    for entry in entries:
        for v in entry["violations"]:
            problems.append(
                f"{entry['url']} ({entry['trigger']}): {v['id']} ({v['impact']}) {v['help']}"
            )
            problems += [f"    {node}" for node in v["nodes"]]
    return len(entries), problems


def fail_on_watched_violations(pages) -> None:
    problems = []
    for page in pages:
        problems += watched_violations(page)[1]
    if problems:
        pytest.fail("axe-core found violations:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(browser, base_url) -> Iterator:
    """A page in a fresh browser context (no cookies), Swedish locale, JavaScript on; axe-core
    checks every page it loads and every htmx swap (see AXE_WATCH_JS)."""
    page = new_page(browser, base_url)
    yield page
    try:
        fail_on_watched_violations(page.context.pages)
    finally:
        page.context.close()


@pytest.fixture
def page_factory(browser, base_url) -> Iterator:
    """page_factory(java_script_enabled=False, viewport=…): pages with other context options."""
    contexts = []

    def _make(**options):
        page = new_page(browser, base_url, **options)
        contexts.append(page.context)
        return page

    yield _make
    try:
        fail_on_watched_violations([p for context in contexts for p in context.pages])
    finally:
        for context in contexts:
            context.close()


# --- helpers ----------------------------------------------------------------------------


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form, as a person would: by the Swedish labels. Admin and process
    support are asked for the code of their authenticator app, computed here from the demo
    accounts' secret (portal/demo.py, documented in the README)."""
    page.goto("/logga-in")
    log_in_here(page, email, password)


def log_in_here(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in the login form the page shows (where a link led someone who was not logged in)
    and the code when asked; the portal then takes the person where the link pointed."""
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    if page.url.split("?")[0].endswith("/logga-in/kod"):
        enter_totp_code(page, DEMO_TOTP_SECRET)


def enter_totp_code(page, secret: str) -> None:
    """Type the app's current code. A code works once: if this time step's code was spent
    (the same account logged in moments ago), wait for the next one."""
    import pyotp

    totp = pyotp.TOTP(secret)
    for _attempt in range(2):
        page.get_by_label("Kod från appen").fill(totp.now())
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()
        if not page.url.split("?")[0].endswith("/logga-in/kod"):
            return
        time.sleep(30 - time.time() % 30 + 0.5)
    pytest.fail("the code from the authenticator app was refused")


def screenshot(page, name: str, directory: Path = ROOT / "test-artifacts") -> Path:
    """A full-page screenshot, to look at by hand (test-artifacts/ is git-ignored)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_axe_source: str | None = None


def check_axe(page) -> None:
    """Run axe-core (WCAG 2.1 A and AA) on the current page; fail listing every violation.

    The script is evaluated through the DevTools protocol, which the page's CSP
    (script-src 'self') does not apply to, so the page is tested with its real CSP.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(f"() => {{ {axe_source()}\n }}")
        page.wait_for_function("() => typeof window.axe !== 'undefined'")
    result = page.evaluate(
        "tags => window.__axeCheck ? window.__axeCheck('test', false)"
        " : axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = result["violations"]
    if violations:
        lines = [f"axe found {len(violations)} violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"]:
                lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
                if node.get("failureSummary"):
                    summary = " ".join(node["failureSummary"].split())
                    lines.append(f"      {summary[:300]}")
        message = "\n".join(lines)
        print(message)
        pytest.fail(message, pytrace=False)


def resize(page, width: int, height: int) -> None:
    """Set the window's size and wait for static/js/portal.js to fold or unfold the main menu
    for it (it does so on the media query's change event, after the resize): a position
    measured before that is off by the menu's height."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function(
        "() => { const menu = document.querySelector('[data-nav-menu]');"
        " return !menu || menu.open === !matchMedia('(max-width: 47.99rem)').matches; }"
    )


def assert_no_horizontal_scroll(page, width: int = 320) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width > width:
        wide = page.evaluate(
            """w => Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getBoundingClientRect().right > w + 0.5
                             || e.scrollWidth > e.clientWidth + 1)
                .slice(0, 8)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                     + (e.className && typeof e.className === 'string'
                        ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                     + ' right=' + Math.round(e.getBoundingClientRect().right)
                     + ' scrollWidth=' + e.scrollWidth)""",
            width,
        )
        pytest.fail(
            f"{page.url} scrolls sideways at {width} px: scrollWidth {scroll_width}; "
            f"too wide: {wide}",
            pytrace=False,
        )
