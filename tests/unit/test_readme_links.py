"""A fresh clone's documentation stands alone: every relative link in the README and docs/ leads
to a file in the repository (and to a heading there, when it names one), and none leaves it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "bench").glob("*.md")]
)

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    return INLINE.findall(body) + REFERENCE.findall(body)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(h) for h in HEADING.findall(prose(path.read_text(encoding="utf-8")))}


def relative_links() -> list[tuple[Path, str]]:
    found = []
    for document in DOCUMENTS:
        for target in links(document.read_text(encoding="utf-8")):
            if not SCHEME.match(target):
                found.append((document, target))
    return found


def test_the_readme_links_the_docs_and_they_exist():
    assert (ROOT / "README.md") in DOCUMENTS
    names = {p.name for p in DOCUMENTS if p.parent.name == "docs"}
    assert {"domain.md", "architecture.md", "process.md"} <= names
    readme_targets = {t for d, t in relative_links() if d.name == "README.md"}
    for name in ("docs/domain.md", "docs/architecture.md", "docs/process.md"):
        assert name in readme_targets, name


@pytest.mark.parametrize(
    ("document", "target"),
    relative_links(),
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_relative_link_leads_to_a_file_in_the_repository(document, target):
    path, _, fragment = target.partition("#")
    assert not path.startswith("/"), f"{document.name}: {target} is absolute"
    file = (document.parent / path).resolve() if path else document
    assert file.is_relative_to(ROOT), f"{document.name}: {target} leaves the repository"
    assert file.exists(), f"{document.name}: {target} does not exist"
    if fragment and file.suffix == ".md":
        assert fragment in anchors(file), f"{document.name}: no heading #{fragment} in {file.name}"


def test_no_document_points_outside_the_repository():
    """Not even as text: a clone has no ../shared beside it."""
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        assert "../shared" not in text and "DOMAIN.md" not in text, document.name


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("See [a](docs/a.md) and [b](../b.md#x).", ["docs/a.md", "../b.md#x"]),
        ("`[not](a link)` and\n```\n[nor](this.md)\n```\n", []),
        ("[ref]: docs/c.md\n", ["docs/c.md"]),
        ("![image](static/logo.png)", ["static/logo.png"]),
    ],
)
def test_links_are_found_outside_code(markdown, expected):
    assert links(markdown) == expected


def test_slugs_are_githubs():
    assert slug("Sent twice, or at the same time") == "sent-twice-or-at-the-same-time"
    assert slug("An initiative's phases") == "an-initiatives-phases"
    assert slug("Dataskydd och gallring") == "dataskydd-och-gallring"
    assert slug("1. A call") == "1-a-call"
