"""Access control in one place.

Every view declares who may reach it with one of the decorators below; a request hook
refuses any endpoint that declares nothing (default deny), so a new route is never open
by mistake. tests/functional/test_access.py walks app.url_map and checks each declaration.
Object-level rules are `can_<verb>(user, obj)` predicates, used by views and templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role

PUBLIC = "public"
AUTHENTICATED = "authenticated"
ALL_ROLES = frozenset(Role)
# Who may see the board's figures: the dashboard, its exports and the JSON API.
BOARD_FIGURE_ROLES = frozenset({Role.BOARD, Role.CORE_TEAM, Role.PROCESS_SUPPORT, Role.ADMIN})


@dataclass(frozen=True)
class TokenAccess:
    """The declaration of a JSON API view: a personal API token of a user holding one of
    `roles`. Sessions and cookies play no part (portal/api/auth.py)."""

    roles: frozenset[Role]


def public(view: Callable) -> Callable:
    """Anyone, logged in or not."""
    view.access = PUBLIC
    return view


def login_required(view: Callable) -> Callable:
    """Any logged-in user, whatever their roles."""
    view.access = AUTHENTICATED
    return view


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Logged-in users holding at least one of `roles` (admin is not implied)."""

    def decorate(view: Callable) -> Callable:
        view.access = frozenset(roles)
        return view

    return decorate


def api_token_required(*roles: Role) -> Callable[[Callable], Callable]:
    """`Authorization: Bearer <token>` of an active user holding one of `roles`."""

    def decorate(view: Callable) -> Callable:
        view.access = TokenAccess(frozenset(roles))
        return view

    return decorate


def access_of(endpoint: str | None) -> str | frozenset | TokenAccess | None:
    if endpoint is None:
        return None
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


# What a logged-in user whose roles require two-factor authentication may reach before
# enrolling (portal/accounts/mfa.py): enrolment itself, logging out, the language.
BEFORE_ENROLMENT = frozenset(
    {"accounts.mfa_setup", "accounts.mfa_recovery_codes", "accounts.logout", "main.set_language"}
)


def enforce_access():
    """before_request: apply the endpoint's declaration."""
    if request.endpoint is None:  # 404 or 405: let Flask answer
        return None
    access = access_of(request.endpoint)
    if request.endpoint != "static" and not isinstance(access, TokenAccess):
        refused = _second_factor_missing()
        if refused is not None:
            return refused
    if access == PUBLIC:
        return None
    if isinstance(access, TokenAccess):
        from portal.api.auth import authenticate_request

        return authenticate_request(access.roles)
    if not current_user.is_authenticated:
        if request.headers.get("HX-Request"):
            abort(401)
        flash(_("Logga in för att fortsätta."), "info")
        return redirect(url_for("accounts.login", next=_safe_next_path()))
    if access == AUTHENTICATED:
        return None
    if isinstance(access, frozenset) and current_user.has_role(*access):
        return None
    abort(403)


def _second_factor_missing():
    """A user whose roles require a second factor reaches nothing else until it is set up."""
    from portal.accounts.mfa import needs_enrolment

    if (
        request.endpoint in BEFORE_ENROLMENT
        or not current_user.is_authenticated
        or not needs_enrolment(current_user)
    ):
        return None
    if request.headers.get("HX-Request"):
        abort(403)
    flash(_("Aktivera tvåstegsverifiering innan du fortsätter. Din roll kräver det."), "info")
    return redirect(url_for("accounts.mfa_setup"))


def _safe_next_path() -> str:
    path = request.full_path if request.query_string else request.path
    return path if request.method == "GET" else url_for("main.home")


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    return "\\" not in target and not any(ord(c) < 32 for c in target)


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def has_any(user, roles: Iterable[Role]) -> bool:
    return bool(user.is_authenticated and user.has_role(*roles))


# --- predicates -----------------------------------------------------------------------


def can_see_board_figures(user) -> bool:
    return has_any(user, BOARD_FIGURE_ROLES)


def can_administer(user) -> bool:
    return has_any(user, [Role.ADMIN])


def is_employee(user) -> bool:
    return has_any(user, [Role.EMPLOYEE])


def is_process_support(user) -> bool:
    return has_any(user, [Role.PROCESS_SUPPORT, Role.ADMIN])


# --- initiatives and expert ratings -------------------------------------------------------


def can_view_initiatives(user) -> bool:
    """The portfolio list, every initiative, and each expert's individual ratings."""
    return has_any(user, [Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN])


def can_manage_initiatives(user) -> bool:
    """Create initiatives and ask experts to rate them: process support (and admin)."""
    return is_process_support(user)


def is_requested_expert(user, initiative) -> bool:
    """An expert asked to rate this initiative."""
    if not has_any(user, [Role.EXPERT]):
        return False
    from sqlalchemy import select

    from portal.evaluation.models import RatingRequest
    from portal.extensions import db

    return (
        db.session.scalar(
            select(RatingRequest.id).where(
                RatingRequest.initiative_id == initiative.id, RatingRequest.expert_id == user.id
            )
        )
        is not None
    )


def can_view_initiative(user, initiative) -> bool:
    return can_view_initiatives(user) or is_requested_expert(user, initiative)
