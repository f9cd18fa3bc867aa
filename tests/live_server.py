"""The app served over HTTP by werkzeug from a background thread, one thread per request:
for the end-to-end tests (Chromium) and for the tests that send requests truly at once.

`send()` posts a form a Browser (tests/browser.py) rendered, over HTTP with that browser's
cookies, and reads where the answer led; `at_once()` runs such sends in threads that start
together, so the requests overlap in the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser import path_of, submitted_fields


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request is only noise here
        pass


class LiveServer:
    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@dataclass
class Sent:
    """The answer to a POST, and the page a person reads next (the answer itself, or the page
    it redirected to, with its flashed messages)."""

    status: int
    location: str | None
    page: str


def send(base_url: str, browser, form, *, button: tuple[str, str] | None = None) -> Sent:
    """POST the form as the browser would, over HTTP, with the browser's own session cookie;
    follow one redirect with the cookie the answer set (where the flashed message is)."""
    import requests

    session = requests.Session()
    host = base_url.split("://", 1)[1].split(":", 1)[0]
    for name, value in browser.cookies.items():
        session.cookies.set(name, value, domain=host, path="/")
    action = path_of(form.action or form.response.request.path)
    referrer = base_url + path_of(form.response.request.url)
    response = session.post(
        base_url + action,
        data=submitted_fields(form, button),
        headers={"Referer": referrer},
        allow_redirects=False,
        timeout=60,
    )
    location = response.headers.get("Location")
    page = response.text
    if response.status_code in (301, 302, 303) and location:
        page = session.get(urljoin(base_url + action, location), timeout=60).text
    return Sent(response.status_code, location, page)


def at_once(calls: list[Callable[[], Sent]], timeout: float = 60) -> list[Sent]:
    """Run each call in its own thread; they start together (a barrier). Any exception in a
    thread fails the test."""
    barrier = threading.Barrier(len(calls))
    results: list[Sent | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[n] = calls[n]()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert errors == [], errors
    assert all(r is not None for r in results), "a request did not finish in time"
    return results  # type: ignore[return-value]
