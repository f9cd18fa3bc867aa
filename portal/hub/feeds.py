"""Atom 1.0 feeds (RFC 4287): newly published initiatives, and newly opened public calls.

Built with ElementTree, which escapes text and attributes; characters XML 1.0 does not allow
(control characters pasted into a text) are dropped first, so the feed always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405  (we write XML, we never parse input)
from dataclasses import dataclass
from datetime import UTC, datetime

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FEED_SIZE = 30
# An empty feed's `updated`: a fixed moment, so an unchanged empty feed never looks new.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def clean(value: str) -> str:
    return NOT_XML.sub("", value or "")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    updated: datetime
    published: datetime
    summary: str
    categories: tuple[str, ...] = ()


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _time(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def atom(
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    self_url: str,
    alternate_url: str,
    author: str,
    language: str,
    entries: list[Entry],
) -> bytes:
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("xml:lang", language)
    _el(feed, "id", feed_id)
    _el(feed, "title", title)
    _el(feed, "subtitle", subtitle)
    _el(feed, "updated", _time(max([EPOCH, *(e.updated for e in entries)])))
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    _el(_el(feed, "author"), "name", author)
    for entry in entries:
        item = _el(feed, "entry")
        _el(item, "id", entry.id)
        _el(item, "title", entry.title)
        _el(item, "link", rel="alternate", type="text/html", href=entry.link)
        _el(item, "published", _time(entry.published))
        _el(item, "updated", _time(entry.updated))
        for category in entry.categories:
            _el(item, "category", term=category)
        _el(item, "summary", entry.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
