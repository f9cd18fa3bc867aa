"""The main navigation: one list, filtered by role and by what the app actually serves.

Staff links sit in a few groups (`GROUPS`): a group with two or more links for the user is a
disclosure menu (<details>, works without JavaScript), one with a single link is that link, so
every role's menu fits one line at 1280 px (tests/e2e/test_layout.py measures it)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from portal.accounts.models import Role

ANYONE = None


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    roles: frozenset[Role] | None  # None: everybody; empty: any logged-in user
    group: str | None = None  # a key of GROUPS


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: object
    items: list[NavItem]


GROUPS = {
    "intake": _l("Inflöde"),
    "process": _l("Process"),
}


NAV = [
    NavItem(_l("Utlysningar"), "calls.index", ANYONE),
    NavItem(_l("Hubben"), "hub.index", ANYONE),
    NavItem(_l("Lämna in"), "submissions.new", frozenset({Role.EMPLOYEE})),
    NavItem(_l("Mina inlämningar"), "submissions.mine", frozenset({Role.EMPLOYEE})),
    NavItem(_l("Inkorg"), "triage.inbox", frozenset({Role.PROCESS_SUPPORT, Role.ADMIN}), "intake"),
    NavItem(
        _l("Diarium"), "privacy.diarium", frozenset({Role.PROCESS_SUPPORT, Role.ADMIN}), "intake"
    ),
    NavItem(_l("Hantera utlysningar"), "calls.manage", frozenset({Role.PROCESS_SUPPORT}), "intake"),
    NavItem(
        _l("Initiativ"),
        "evaluation.initiatives",
        frozenset({Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN}),
        "process",
    ),
    NavItem(_l("Mina bedömningar"), "evaluation.assignments", frozenset({Role.EXPERT}), "process"),
    NavItem(
        _l("Insikter"),
        "evaluation.insights",
        frozenset({Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.EXPERT, Role.ADMIN}),
        "process",
    ),
    NavItem(
        _l("Finansiering"),
        "evaluation.funding",
        frozenset(
            {
                Role.PROCESS_SUPPORT,
                Role.PROJECT_LEADER,
                Role.PROCESS_LEADER,
                Role.BOARD,
                Role.ADMIN,
            }
        ),
        "process",
    ),
    NavItem(
        _l("Primöten"),
        "evaluation.meetings",
        frozenset({Role.PROCESS_SUPPORT, Role.CORE_TEAM}),
        "process",
    ),
    NavItem(
        _l("Styrelsens uppföljning"),
        "board.dashboard",
        frozenset({Role.BOARD, Role.CORE_TEAM, Role.PROCESS_SUPPORT, Role.ADMIN}),
    ),
    NavItem(_l("Administration"), "admin.index", frozenset({Role.ADMIN})),
    NavItem(_l("Mitt konto"), "accounts.account", frozenset()),
]


def items_for(user) -> list[NavItem]:
    served = current_app.view_functions
    mine = user.roles if user.is_authenticated else None  # worked out once, not per item
    visible = []
    for item in NAV:
        if item.endpoint not in served:
            continue
        if item.roles is None or mine is not None and (not item.roles or mine & item.roles):
            visible.append(item)
    return visible


def menu_for(items: list[NavItem]) -> list[NavItem | NavGroup]:
    """The visible items as the menu shows them: each group where its first item stands, as a
    group when it holds two or more of the user's links, else as its one link."""
    menu: list[NavItem | NavGroup] = []
    groups: dict[str, NavGroup] = {}
    for item in items:
        if item.group is None:
            menu.append(item)
        elif item.group in groups:
            groups[item.group].items.append(item)
        else:
            groups[item.group] = NavGroup(item.group, GROUPS[item.group], [item])
            menu.append(groups[item.group])
    return [e.items[0] if isinstance(e, NavGroup) and len(e.items) == 1 else e for e in menu]


def current_endpoint(items: list[NavItem], path: str) -> str | None:
    """The item the page belongs to: the longest nav address that is the path or a prefix."""

    best, best_len = None, -1
    for item in items:
        href = address(item.endpoint)
        matches = path == href or (href != "/" and path.startswith(href.rstrip("/") + "/"))
        if matches and len(href) > best_len:
            best, best_len = item.endpoint, len(href)
    return best


_addresses: dict[tuple[str, str], str] = {}


def address(endpoint: str) -> str:
    """url_for(endpoint) of a navigation item (none takes arguments), worked out once per
    application root and process."""
    key = (request.script_root, endpoint)
    found = _addresses.get(key)
    if found is None:
        found = _addresses[key] = url_for(endpoint)
    return found


def fragment_key(items: list[NavItem], current: str | None, language: str) -> tuple:
    """The key of the rendered menu (portal/fragments.py): the user's items, the page's item,
    the language and the application root are all it shows."""
    return ("nav", language, request.script_root, current, tuple(i.endpoint for i in items))
