"""Nothing a person typed is ever marked safe: no template uses the `safe` filter or turns
autoescaping off, and Python builds Markup only where the allow-list says why it is safe."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_RISKS = re.compile(r"\|\s*safe\b|autoescape\s+false|\bMarkup\s*\(", re.IGNORECASE)
PYTHON_RISKS = re.compile(r"\bMarkup\s*\(|\|\s*safe\b|autoescape\s*=\s*False")
# file -> why its Markup is not user data
ALLOWED_PYTHON = {
    "portal/accounts/mfa.py": "the QR code SVG made by the qrcode library from the TOTP URI; "
    "the only text put into it, the label, is escaped first",
    "portal/intents.py": "form_guard's two hidden inputs; Markup.format escapes the values put "
    "in (a field name, the CSRF token and a random key)",
    "portal/evaluation/meetings/views.py": "the missing pilot report's message with a link to "
    "write it; Markup.format escapes the message, the address and the link text",
}


def risky_lines(text: str, pattern: re.Pattern) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]


def test_the_scanner_finds_what_it_looks_for():
    sample = "{{ name }}\n{{ bio|safe }}\n{{ x | safe }}\n{% autoescape false %}\n"
    assert risky_lines(sample, TEMPLATE_RISKS) == [2, 3, 4]
    assert risky_lines("x = Markup(user_text)\ny = escape(z)\n", PYTHON_RISKS) == [1]


def test_no_template_marks_anything_safe():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.is_file() and (lines := risky_lines(path.read_text("utf-8"), TEMPLATE_RISKS))
    }
    assert found == {}


def test_python_builds_markup_only_where_allowed():
    found = {
        rel: lines
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if (rel := str(path.relative_to(ROOT))) not in ALLOWED_PYTHON
        and (lines := risky_lines(path.read_text("utf-8"), PYTHON_RISKS))
    }
    assert found == {}


def test_autoescaping_is_on_for_every_template(app):
    assert app.jinja_env.autoescape("x.html") is True
    assert app.jinja_env.from_string("{{ v }}").render(v="<script>") == "&lt;script&gt;"
