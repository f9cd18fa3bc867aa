"""Steps of the journeys that more than one e2e test takes, done as a person does them: by the
Swedish labels and buttons of the pages, never by posting to the app directly."""

from __future__ import annotations

import re
from datetime import date
from email.message import EmailMessage
from urllib.parse import urlsplit

from playwright.sync_api import expect

from portal.types import today_in_stockholm

NAV = "nav[aria-label=Huvudmeny]"


def today() -> date:
    """Today in Stockholm: the portal's dates (meetings, decisions) are Stockholm days."""
    return today_in_stockholm()


def nav_link(page, name: str):
    """A link of the main navigation, made visible as a person would: "Meny" opened on a
    phone, its group (Inflöde, Process) opened when it sits in one."""
    menu = page.locator(NAV)
    link = page.locator(f'a:text-is("{name}")')  # relative: `has=` looks inside the group
    toggle = menu.locator("summary.nav-menu-toggle")
    if toggle.is_visible() and not menu.locator("details.nav-menu[open]").count():
        toggle.click()
    group = menu.locator(".nav-group details", has=link)
    if group.count() and not group.locator(link).is_visible():
        group.locator("summary").click()
    return menu.get_by_role("link", name=name, exact=True)


def nav(page, name: str) -> None:
    """Follow a link of the main navigation."""
    nav_link(page, name).click()
    page.wait_for_load_state()


def link_in(smtp, message: EmailMessage, path: str) -> str:
    """The link in the message's plain-text body whose path matches the regular expression
    `path` (anchored at the start of the path), as the address to open."""
    body = smtp.body(message)
    for url in re.findall(r"https?://\S+", body):
        parts = urlsplit(url)
        if re.match(path, parts.path):
            return url
    raise AssertionError(f"no link to {path} in the e-mail:\n{body}")


# --- process support and the Core Team -------------------------------------------------


def request_rating(page, expert_name: str) -> None:
    """Process support asks an expert to rate the concept whose page is open."""
    page.get_by_role("group", name="Experter").get_by_label(expert_name).check()
    page.get_by_role("button", name="Skicka förfrågan").click()
    expect(page.locator(".flash-success")).to_have_text(
        "1 expert är ombedd att bedöma initiativet och har fått e-post."
    )


def plan_meeting(page, *, held_on: date, focus_area: str, title: str) -> str:
    """Process support plans a priority meeting from the list of meetings; its address."""
    nav(page, "Primöten")
    page.get_by_role("link", name="Planera ett primöte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planera ett primöte")
    page.get_by_label("Datum").fill(held_on.isoformat())
    page.get_by_label("Fokusområde").select_option(label=focus_area)
    page.get_by_label("Rubrik").fill(title)
    page.get_by_role("button", name="Planera primötet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url.split("#")[0]


def put_on_agenda(page, meeting_url: str, *titles: str) -> None:
    """Process support puts initiatives on the meeting's agenda, by their names."""
    for title in titles:
        if page.url.split("#")[0] != meeting_url:
            page.goto(meeting_url)
        choose = page.get_by_label("Initiativ", exact=True)
        choose.select_option(label=choose.locator("option", has_text=f"{title} (").inner_text())
        page.get_by_role("button", name="Lägg till").click()
        expect(page.locator(".flash-success")).to_have_text(
            f"”{title}” är tillagt på dagordningen."
        )
        expect(page.locator(".agenda-item h3", has_text=title)).to_have_count(1)


def decide_at_meeting(
    page, meeting_url: str, title: str, outcome: str, rationale: str, to_phase: str | None = None
):
    """The Core Team records its decision on an agenda item; the item afterwards."""
    if page.url.split("#")[0] != meeting_url:
        page.goto(meeting_url)
    item = page.locator(".agenda-item", has=page.get_by_role("heading", name=title, exact=True))
    item.get_by_label(outcome, exact=True).check()
    if to_phase is not None:
        item.get_by_label("Nästa fas").select_option(label=to_phase)
    item.get_by_label("Motivering").fill(rationale)
    item.get_by_role("button", name="Registrera beslutet").click()
    expect(page.locator(".flash-success")).to_have_text(
        f"Beslutet om ”{title}” är registrerat: {outcome}."
    )
    return page.locator(".agenda-item", has=page.get_by_role("heading", name=title, exact=True))
