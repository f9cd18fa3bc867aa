"""The inbox and the triage of one submission (process support and admin only)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal import paging
from portal.accounts.models import Role, User, UserRole
from portal.evaluation.models import Initiative
from portal.extensions import db
from portal.forms import id_from_text
from portal.htmx import render_page_or_block
from portal.permissions import roles_required
from portal.reference.models import Agenda2030Goal, FocusArea, Perspective
from portal.submissions import signals
from portal.submissions.models import (
    FUNCTION_LABELS,
    KIND_LABELS,
    TYPE_LABELS,
    State,
    Submission,
)
from portal.submissions.queries import duplicates_of, related_to
from portal.submissions.states import OPEN, REOPENABLE, TransitionNotAllowed, can_transition
from portal.triage import inbox as inbox_query
from portal.triage import services, timeline
from portal.triage.forms import (
    CLEAR,
    KEEP,
    AcceptForm,
    BulkForm,
    ClassifyForm,
    DeclineForm,
    DuplicateForm,
    InfoRequestForm,
    RelatedForm,
    ReopenForm,
    UnlinkForm,
)
from portal.types import today_in_stockholm

bp = Blueprint("triage", __name__, url_prefix="/inkorg")

# --- the inbox -----------------------------------------------------------------------

INBOX_PATH = "/inkorg"
BULK_LIMIT = 200  # more ids than a page holds is not a person ticking boxes


def _bulk_form(options: inbox_query.InboxOptions, **kwargs) -> BulkForm:
    return BulkForm(
        focus_areas=[(a.id, a.name) for a in options.focus_areas if a.current],
        handlers=[(u.id, u.name) for u in options.handlers],
        **kwargs,
    )


def _filter_choices(options: inbox_query.InboxOptions) -> dict[str, list[tuple]]:
    return {
        "call": [(c.id, c.title) for c in options.calls],
        "kind": [(k.value, label) for k, label in KIND_LABELS.items()],
        "source": [(inbox_query.RESIDENTS, _("Invånare"))]
        + [(p.id, p.name) for p in options.parties],
        "portfolio": [(p.id, p.label) for p in options.portfolios]
        + [(inbox_query.NOBODY, _("Inte sorterad ännu"))],
        "handler": [(inbox_query.NOBODY, _("Ingen handläggare"))]
        + [(u.id, u.name) for u in options.handlers],
    }


@bp.get("")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def inbox():
    options = inbox_query.load_options()
    filters = inbox_query.InboxFilters.from_args(request.args, options)
    page = inbox_query.inbox_page(filters, paging.page_from_args(request.args, "page"))
    here = filters.url(page=page.page if page.page > 1 else None)
    bulk_form = _bulk_form(options, next=here)
    choices = _filter_choices(options)
    context = {
        "options": options,
        "filters": filters,
        "result": page,
        "tabs": inbox_query.state_tabs(filters, page.counts),
        "bulk_form": bulk_form,
        "choices": choices,
        "text_cap": inbox_query.TEXT_CAP,
        "row_text": inbox_query.row_text(page.rows),
        **_inbox_fragment_keys(filters, choices, bulk_form),
    }
    return render_page_or_block("triage/inbox.html", "results", **context)


def _inbox_fragment_keys(filters, choices: dict, bulk_form: BulkForm) -> dict:
    """The keys of the inbox's select lists, rendered once per key and process
    (portal/fragments.py): everything they show — the choices as the database has them, the
    selected filters, the language. The bulk form's lists only while untouched (a GET: no
    values, no errors); tests/functional/test_inbox_fragments.py compares them uncached."""
    language = str(get_locale())
    listed = tuple((name, tuple((v, str(t)) for v, t in pairs)) for name, pairs in choices.items())
    selected = (filters.call, filters.kind, filters.source, filters.portfolio, filters.handler)
    pristine = request.method == "GET" and not bulk_form.errors
    bulk = tuple(
        (f.name, f.data, tuple((c.value, str(c.label)) for c in f.choices))
        for f in (bulk_form.focus_area, bulk_form.handler)
    )
    return {
        "filters_key": ("inbox-filters", language, selected, listed),
        "bulk_key": ("inbox-bulk", language, bulk) if pristine else None,
    }


def _inbox_target(raw: str | None) -> str:
    """Back to the inbox with the filters the triager had; anything else is the plain inbox."""
    raw = (raw or "").strip()
    parts = urlsplit(raw)
    if (
        parts.scheme
        or parts.netloc
        or parts.path != INBOX_PATH
        or parts.fragment
        or any(ord(c) < 32 for c in raw)
        or "\\" in raw
    ):
        return INBOX_PATH
    return raw


def _ticked_ids() -> list[int]:
    ids = {id_from_text(v) for v in request.form.getlist("ids")} - {None}
    return sorted(ids)[:BULK_LIMIT]


@bp.post("/massandring")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def bulk():
    options = inbox_query.load_options()
    form = _bulk_form(options)
    target = _inbox_target(form.next.data)
    ids = _ticked_ids()
    if not form.validate():
        flash(_("Välj fokusområde och handläggare bland alternativen i listorna."), "error")
        return redirect(target)
    if not ids:
        flash(_("Markera minst en inlämning i tabellen först."), "error")
        return redirect(target)
    if form.focus_area.data == KEEP and form.handler.data == KEEP:
        flash(_("Välj ett fokusområde eller en handläggare att sätta."), "error")
        return redirect(target)
    area = (
        db.session.get(FocusArea, int(form.focus_area.data))
        if form.focus_area.data not in (KEEP, CLEAR)
        else None
    )
    handler = (
        db.session.get(User, int(form.handler.data))
        if form.handler.data not in (KEEP, CLEAR)
        else None
    )
    actor = current_user._get_current_object()
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.id.in_(ids), Submission.state != State.DRAFT.value)
        .order_by(Submission.id)
    ).all()
    changed = 0
    try:
        for submission in submissions:
            did = False
            if form.focus_area.data != KEEP:
                did = services.set_focus_area(submission, area, actor=actor) or did
            if form.handler.data != KEEP:
                did = services.set_handler(submission, handler, actor=actor) or did
            changed += did
        db.session.commit()
    except services.TriageRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(target)
    except StaleDataError:
        db.session.rollback()
        flash(
            _(
                "Någon annan ändrade en av inlämningarna samtidigt. Ingenting sparades; försök igen."
            ),
            "error",
        )
        return redirect(target)
    if changed:
        flash(
            ngettext(
                "%(num)d inlämning uppdaterades.", "%(num)d inlämningar uppdaterades.", changed
            ),
            "success",
        )
    else:
        flash(_("Inget ändrades: de markerade inlämningarna hade redan de valen."), "info")
    return redirect(target)


# --- one submission --------------------------------------------------------------------


@dataclass
class _Posted:
    """The form the triager sent, to show again with what they typed."""

    name: str
    form: object


def _load(submission_id: int) -> Submission:
    submission = db.get_or_404(Submission, submission_id)
    if submission.state == State.DRAFT:
        abort(404)  # drafts are never in triage
    return submission


def _choices(submission: Submission) -> dict:
    """Options of the classification form: current focus areas, active perspectives, all
    goals, process-support people; a value already chosen stays listed even if retired."""
    today = today_in_stockholm()
    areas = [
        a
        for a in db.session.scalars(select(FocusArea).order_by(FocusArea.name))
        if a.in_force_on(today)
    ]
    focus = [(a.id, a.name) for a in areas]
    current = submission.focus_area
    if current is not None and current not in areas:
        focus.append(
            (
                current.id,
                _(
                    "%(old)s (heter nu %(new)s)",
                    old=current.name,
                    new=current.portfolio.current.name,
                )
                if current.portfolio.current.id != current.id
                else current.name,
            )
        )
    chosen = {p.id for p in submission.perspectives}
    perspectives = [
        (p.id, p.name)
        for p in db.session.scalars(select(Perspective).order_by(Perspective.position))
        if p.active or p.id in chosen
    ]
    goals = [
        (g.number, str(g))
        for g in db.session.scalars(select(Agenda2030Goal).order_by(Agenda2030Goal.number))
    ]
    staff = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_([Role.PROCESS_SUPPORT.value, Role.ADMIN.value]))
        .where(User.active.is_(True))
        .distinct()
        .order_by(User.name)
    ).all()
    handlers = [(u.id, u.name) for u in staff]
    if submission.handler is not None and submission.handler not in staff:
        handlers.append((submission.handler.id, submission.handler.name))
    return {
        "focus_areas": focus,
        "perspectives": perspectives,
        "goals": goals,
        "handlers": handlers,
    }


def _fresh_forms(submission: Submission) -> dict:
    version = str(submission.version)
    return {
        "classify": ClassifyForm(
            formdata=None,
            prefix="classify",
            data={
                "version": version,
                "focus_area": submission.focus_area_id,
                "sk_function": submission.sk_function,
                "initiative_type": submission.initiative_type,
                "perspectives": [p.id for p in submission.perspectives],
                "goals": [g.number for g in submission.goals],
                "handler": submission.handler_id,
            },
            **_choices(submission),
        ),
        "duplicate": DuplicateForm(formdata=None, prefix="duplicate", data={"version": version}),
        "related": RelatedForm(formdata=None, prefix="related", data={"version": version}),
        "info": InfoRequestForm(formdata=None, prefix="info", data={"version": version}),
        "decline": DeclineForm(formdata=None, prefix="decline", data={"version": version}),
        "accept": AcceptForm(formdata=None, prefix="accept", data={"version": version}),
        "reopen": ReopenForm(formdata=None, prefix="reopen", data={"version": version}),
        "unlink": UnlinkForm(formdata=None, prefix="unlink", data={"version": version}),
    }


def _offered(submission: Submission) -> set[str]:
    """The actions the page offers: those the state machine permits from here."""
    state = State(submission.state)
    offered = {"related"}
    if state in OPEN:
        offered.add("classify")
    for name, target in (
        ("duplicate", State.DUPLICATE),
        ("info", State.AWAITING_INFO),
        ("decline", State.DECLINED),
        ("accept", State.IN_PORTFOLIO),
    ):
        if can_transition(submission, target):
            offered.add(name)
    if state in REOPENABLE and can_transition(submission, State.RECEIVED):
        offered.add("reopen")
    return offered


def _page(
    submission: Submission,
    *,
    posted: _Posted | None = None,
    conflict: bool = False,
    status: int = 200,
):
    forms = _fresh_forms(submission)
    offered = _offered(submission)
    if posted is not None:
        posted.form.version.data = str(submission.version)  # a second save is deliberate
        forms[posted.name] = posted.form
    events = timeline.events_for(submission)
    body = render_template(
        "triage/detail.html",
        submission=submission,
        forms=forms,
        offered=offered,
        posted=posted,
        conflict=conflict,
        events=events,
        duplicates=duplicates_of(submission),
        related=related_to(submission),
        likely_duplicates=likely_duplicates(submission),
        initiative=db.session.scalar(
            select(Initiative).where(Initiative.origin_submission_id == submission.id)
        ),
        function_labels=FUNCTION_LABELS,
        type_labels=TYPE_LABELS,
    )
    return body, status


LIKELY_DUPLICATES = 5


def likely_duplicates(submission: Submission) -> list:
    """Other submissions (and the initiatives they became) like this one, best first: asked of
    portal/hub/similar.py through a signal, in a fixed number of queries."""
    return signals.collect(signals.duplicates_wanted, submission, LIKELY_DUPLICATES)


def _not_allowed_message(submission: Submission) -> str:
    return _(
        "Det går inte när inlämningen har status ”%(state)s”. Sidan visar vad som går att göra nu.",
        state=submission.state_label,
    )


def _act(submission_id: int, name: str, form, apply):
    """load → check version → validate → one service → commit → PRG; 422 and 409 re-render."""
    submission = _load(submission_id)
    posted = _Posted(name, form)
    try:
        services.check_version(submission, form.posted_version())
    except services.TriageConflict:
        return _page(submission, posted=posted, conflict=True, status=409)
    if not form.validate():
        return _page(submission, posted=posted, status=422)
    try:
        message = apply(submission, form)
        db.session.commit()
    except services.TriageRefused as refused:
        db.session.rollback()
        if "reg_number" in form:
            form.reg_number.errors.append(str(refused.message))
        else:
            form.form_errors.append(str(refused.message))
        return _page(_load(submission_id), posted=posted, status=422)
    except TransitionNotAllowed:
        db.session.rollback()
        submission = _load(submission_id)
        form.form_errors.append(_not_allowed_message(submission))
        return _page(submission, posted=posted, status=422)
    except StaleDataError:  # saved by someone else between our read and our write
        db.session.rollback()
        return _page(_load(submission_id), posted=posted, conflict=True, status=409)
    flash(message, "success")
    return redirect(url_for("triage.detail", submission_id=submission_id))


@bp.get("/<int:submission_id>")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def detail(submission_id: int):
    return _page(_load(submission_id))


@bp.post("/<int:submission_id>/klassning")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def classify(submission_id: int):
    submission = _load(submission_id)
    form = ClassifyForm(prefix="classify", **_choices(submission))

    def apply(submission, form):
        changed = services.classify(
            submission,
            actor=current_user,
            focus_area=db.session.get(FocusArea, form.focus_area.data)
            if form.focus_area.data
            else None,
            sk_function=form.sk_function.data,
            initiative_type=form.initiative_type.data,
            perspectives=_by_ids(Perspective, Perspective.id, form.perspectives.data),
            goals=_by_ids(Agenda2030Goal, Agenda2030Goal.number, form.goals.data),
            handler=db.session.get(User, form.handler.data) if form.handler.data else None,
        )
        return _("Klassningen är sparad.") if changed else _("Inget ändrades.")

    return _act(submission_id, "classify", form, apply)


def _by_ids(model, column, ids) -> list:
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(column.in_(ids))))


@bp.post("/<int:submission_id>/dubblett")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def duplicate(submission_id: int):
    def apply(submission, form):
        original = services.mark_duplicate(submission, form.reg_number.data, actor=current_user)
        return _(
            "%(number)s är markerad som dubblett av %(original)s. Inlämnaren har fått e-post.",
            number=submission.reg_number,
            original=original.reg_number,
        )

    return _act(submission_id, "duplicate", DuplicateForm(prefix="duplicate"), apply)


@bp.post("/<int:submission_id>/relaterade")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def link(submission_id: int):
    def apply(submission, form):
        other = services.link_related(submission, form.reg_number.data, actor=current_user)
        return _("Inlämningen är kopplad till %(number)s.", number=other.reg_number)

    return _act(submission_id, "related", RelatedForm(prefix="related"), apply)


@bp.post("/<int:submission_id>/relaterade/<int:other_id>/ta-bort")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def unlink(submission_id: int, other_id: int):
    def apply(submission, form):
        other = _load(other_id)
        services.unlink_related(submission, other, actor=current_user)
        return _("Kopplingen till %(number)s är borttagen.", number=other.reg_number)

    return _act(submission_id, "unlink", UnlinkForm(prefix="unlink"), apply)


@bp.post("/<int:submission_id>/komplettering")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def request_info(submission_id: int):
    def apply(submission, form):
        services.request_info(submission, form.question.data, actor=current_user)
        return _("Frågan är skickad till inlämnaren.")

    return _act(submission_id, "info", InfoRequestForm(prefix="info"), apply)


@bp.post("/<int:submission_id>/avsla")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def decline(submission_id: int):
    def apply(submission, form):
        services.decline(submission, form.reason.data, actor=current_user)
        return _("Inlämningen är avslagen. Inlämnaren har fått skälet med e-post.")

    return _act(submission_id, "decline", DeclineForm(prefix="decline"), apply)


@bp.post("/<int:submission_id>/portfolj")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def accept(submission_id: int):
    def apply(submission, form):
        initiative = services.accept(submission, actor=current_user)
        return _(
            "Inlämningen är tagen in i portföljen för %(area)s som ett initiativ i idéfas.",
            area=initiative.focus_area.name,
        )

    return _act(submission_id, "accept", AcceptForm(prefix="accept"), apply)


@bp.post("/<int:submission_id>/ateroppna")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def reopen(submission_id: int):
    def apply(submission, form):
        services.reopen(submission, actor=current_user)
        return _("Inlämningen är återöppnad och ligger i inkorgen igen.")

    return _act(submission_id, "reopen", ReopenForm(prefix="reopen"), apply)
