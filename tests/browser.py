"""Post what the page sends: a browser-like client for functional tests.

WebTest parses each page with a real HTML parser (BeautifulSoup) and knows what a browser
sends for a form: the fields it renders, with their current values, the checked boxes and
radios, the selected options, the one button that was clicked. A test sets values only on
fields the page shows (setting any other name fails the test) and submits. So a form that
needs a field it does not render fails here as it fails for a person.

    browser = Browser(app)
    browser.login(user)
    page = browser.get("/lamna-in")
    form = browser.form(page, action="/lamna-in")
    form["title"] = "Rörelsebingo"
    response = browser.submit(form, button=("action", "draft"))
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from webtest import TestApp
from webtest.forms import Checkbox, File, Form, Radio, Select
from webtest.response import TestResponse

from tests.factories import PASSWORD


class _OwnAppContext:
    """Each request in its own app context (own `g` and database session), as in production,
    even while the test holds one to query the database."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return list(self.app(environ, start_response))


@dataclass(frozen=True)
class Upload:
    """A file the person chooses for an <input type=file>."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


class Browser(TestApp):
    """A WebTest app over the Flask app, keeping cookies like one browser."""

    def __init__(self, app, **kwargs) -> None:
        super().__init__(_OwnAppContext(app), extra_environ={"HTTP_HOST": "localhost"}, **kwargs)
        self.flask_app = app

    # --- pages and forms ---------------------------------------------------------------

    def get(self, url, *args, **kwargs) -> TestResponse:  # noqa: D102 - expect_errors default
        kwargs.setdefault("expect_errors", True)
        return super().get(path_of(url), *args, **kwargs)

    def form(
        self, page: TestResponse, *, action: str | None = None, contains: str | None = None
    ) -> Form:
        """The one form on the page posting to `action` (a path) and, with `contains`, holding
        a field or button of that name. Fails when none or several match."""
        found = [
            f
            for f in page.forms.values()
            if (action is None or path_of(f.action or page.request.path) == action)
            and (contains is None or contains in f.fields)
        ]
        unique = list({id(f): f for f in found}.values())
        assert len(unique) == 1, (
            f"{len(unique)} forms match action={action!r} contains={contains!r} on "
            f"{page.request.path}: {[f.action for f in page.forms.values()]}"
        )
        return unique[0]

    def submit(
        self,
        form: Form,
        *,
        button: tuple[str, str] | None = None,
        files: dict[str, Upload | Iterable[Upload]] | None = None,
        headers: dict[str, str] | None = None,
        action: str | None = None,
    ) -> TestResponse:
        """Send the form as a browser does: its fields, the clicked `button` (name, value) or
        none, and the chosen files (a list for <input multiple>). `action` overrides the
        form's action (a data-hx-post target)."""
        fields = [
            (name, value)
            for name, value in submitted_fields(form, button)
            if not isinstance(value, File)
        ]
        uploads = []
        for name, chosen in (files or {}).items():
            inputs = form.fields.get(name)
            assert inputs and isinstance(inputs[0], File), f"no file field {name!r} on the form"
            chosen = [chosen] if isinstance(chosen, Upload) else list(chosen)
            if len(chosen) > 1:
                assert "multiple" in inputs[0].attrs, f"{name!r} takes one file"
            uploads += [(name, u.filename, u.content, u.content_type) for u in chosen]
        for name, inputs in form.fields.items():  # a file field left empty sends an empty part
            if isinstance(inputs[0], File) and name not in (files or {}):
                uploads.append((name, "", b"", "application/octet-stream"))
        method = form.method.upper()
        target = path_of(action or form.action or form.response.request.path)
        if method == "GET":
            return self.get(target, params=fields, headers=headers or {})
        return self.post(
            target,
            params=fields,
            upload_files=uploads or None,
            content_type=form.enctype,
            headers={"Referer": str(form.response.request.url), **(headers or {})},
            expect_errors=True,
        )

    # --- people -------------------------------------------------------------------------

    def login(self, user, password: str = PASSWORD) -> TestResponse:
        """Log in through the login page, with the authenticator code when it is asked for."""
        from tests.conftest import next_totp_code

        page = self.get("/logga-in")
        form = self.form(page, action="/logga-in")
        form["email"] = user.email
        form["password"] = password
        response = self.submit(form)
        assert response.status_int == 302, response.text[:2000]
        if path_of(response.headers["Location"]) == "/logga-in/kod":
            page = self.get("/logga-in/kod")
            form = self.form(page, action="/logga-in/kod")
            form["code"] = next_totp_code(user)
            response = self.submit(form)
            assert response.status_int == 302, response.text[:2000]
        return response


def submitted_fields(form: Form, button: tuple[str, str] | None) -> list[tuple[str, object]]:
    """The (name, value) pairs a browser sends: no disabled control, only the clicked button
    (WebTest sends no button unless one is named)."""
    if button is None:
        pairs = form.submit_fields()
    else:
        pairs = form.submit_fields(button[0], submit_value=button[1])
        assert (button[0], button[1]) in pairs, f"no button {button!r} on the form"
    disabled = {
        name
        for name, field in form.field_order
        if name and "disabled" in field.attrs and not isinstance(field, Radio | Checkbox | Select)
    }
    return [(n, v) for n, v in pairs if n not in disabled]


def path_of(url: str) -> str:
    """The path and query of an absolute or relative address (e-mail links are absolute)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_in(text: str) -> list[str]:
    """Every http(s) address in a text (an e-mail's plain part)."""
    return re.findall(r"https?://\S+", text)


def error_texts(page: TestResponse) -> list[str]:
    """The messages of the page's error summary and of its fields, as a person reads them."""
    html = page.html
    found = [li.get_text(" ", strip=True) for li in html.select(".error-summary li")]
    found += [p.get_text(" ", strip=True) for p in html.select("p.error")]
    return found


def flashes(page: TestResponse) -> list[str]:
    """The messages shown after an action (Flask's flashed messages)."""
    return [el.get_text(" ", strip=True) for el in page.html.select("p.flash")]
