"""Answering a call, the standing intake, drafts, my submissions, residents' private pages."""

from __future__ import annotations

import functools
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from portal import intents, pagecache
from portal.accounts.models import Role
from portal.calls import services as call_services
from portal.calls.models import Call
from portal.calls.permissions import can_see_call
from portal.extensions import db, limiter
from portal.forms import id_from_text
from portal.htmx import render_block, render_page_or_block
from portal.permissions import (
    is_employee,
    is_process_support,
    public,
    roles_required,
)
from portal.reference.canvas import STANDING_RULES, normalise_rules
from portal.reference.models import FocusArea
from portal.submissions import services, signals, uploads
from portal.submissions.forms import canvas_form_class, new_form_key
from portal.submissions.models import Attachment, AttachmentPurpose, State, Submission
from portal.submissions.permissions import can_view_submission
from portal.submissions.states import COMPLETABLE
from portal.texts.services import get_text
from portal.types import utcnow

bp = Blueprint("submissions", __name__)

RECEIPTS_KEY = "receipts"
HELD_KEY = "held_uploads"  # the hashes of this browser's tokens for files held (uploads.hold)


# --- helpers ---------------------------------------------------------------------------


def _focus_choices(call: Call | None) -> list[tuple[int, str]]:
    if call is not None and call.focus_areas:
        areas = call.focus_areas
    else:
        today = utcnow().date()
        areas = [
            a
            for a in db.session.scalars(select(FocusArea).order_by(FocusArea.name))
            if a.in_force_on(today)
        ]
    return [(a.id, a.name) for a in areas]


def _rules(call: Call | None) -> dict:
    return normalise_rules(call.field_rules if call else None, STANDING_RULES)


def _form(
    call: Call | None,
    *,
    resident: bool,
    draft: bool = False,
    completing: bool = False,
    answering: bool = False,
    obj=None,
    **kwargs,
):
    form_class = _form_class(
        tuple(_rules(call).items()),
        tuple(_focus_choices(call)),
        resident=resident,
        draft=draft,
        completing=completing,
        answering=answering,
    )
    form = form_class(obj=obj, **kwargs)
    if obj is not None and request.method == "GET" and "focus_area" in form:
        form.focus_area.data = obj.focus_area_id
    if answering and request.method == "GET":
        form.info_answer.data = ""  # a new question: not the answer to an earlier one
    return form


@functools.lru_cache(maxsize=256)
def _form_class(rules: tuple, focus_choices: tuple, **flags) -> type:
    """The form class of these rules and choices, built once (its labels are lazy: each
    request's language still applies)."""
    return canvas_form_class(dict(rules), focus_choices=list(focus_choices), **flags)


def _remember_receipt(submission: Submission) -> None:
    ids = [i for i in session.get(RECEIPTS_KEY, []) if i != submission.id][-9:]
    session[RECEIPTS_KEY] = [*ids, submission.id]


def _chosen_files(form) -> list[tuple[object, FileStorage, str]]:
    """(field, file, purpose) for each file the person chose in this request."""
    pairs = []
    if "visual_file" in form and _is_file(form.visual_file.data):
        pairs.append((form.visual_file, form.visual_file.data, AttachmentPurpose.VISUAL))
    if "more_files" in form:
        pairs += [
            (form.more_files, f, AttachmentPurpose.ATTACHMENT)
            for f in (form.more_files.data or [])
            if _is_file(f)
        ]
    return pairs


def _is_file(value) -> bool:
    return isinstance(value, FileStorage) and bool(value.filename)


def _check_files(form, *, already: int) -> tuple[list[tuple[uploads.CheckedUpload, str]], bool]:
    """Check every file chosen in this round, whatever else is wrong with the form: the
    accepted ones with their purpose, and whether all were. A refused file's error is put
    on its field."""
    accepted = []
    all_ok = True
    for field, storage, purpose in _chosen_files(form):
        try:
            accepted.append((uploads.check_upload(storage, already=already), purpose))
            already += 1
        except uploads.UploadRejected as exc:
            field.errors = [*field.errors, str(exc.message)]
            all_ok = False
    return accepted, all_ok


def _guard_passed(form) -> bool:
    """Whether the form's CSRF token held: only then is anything kept or removed."""
    return "csrf_token" not in form or not form.csrf_token.errors


def _ticked_for_removal() -> set[int]:
    """The ids of the kept files the person ticked "Ta bort" for."""
    ids = (id_from_text(v) for v in request.form.getlist("remove_file")[:20])
    return {i for i in ids if i is not None}


def _posted_hold_token(form) -> str | None:
    """The token of the files held for this form: posted, and held by this browser's session
    (a token copied into another browser finds nothing)."""
    token = (form.upload_token.data or "").strip() if "upload_token" in form else ""
    if not token or len(token) > 100 or uploads.hold_key(token) not in session.get(HELD_KEY, []):
        form.upload_token.data = ""
        return None
    return token


def _hold(form, token: str | None, accepted) -> list:
    """Hold the accepted files of a failed round under the form's token (a new one when it has
    none, remembered by the session), and commit; the files now held."""
    if accepted and _guard_passed(form):
        if token is None:
            token = uploads.new_hold_token()
            session[HELD_KEY] = [*session.get(HELD_KEY, [])[-9:], uploads.hold_key(token)]
        for checked, purpose in accepted:
            uploads.hold(token, checked, purpose=purpose)
        form.upload_token.data = token
    db.session.commit()
    return uploads.held(token)


def _remove_held(token: str | None) -> None:
    ticked = _ticked_for_removal()
    for item in uploads.held(token):
        if item.id in ticked:
            uploads.drop_held(item)


def _send_held(submission: Submission, accepted, token: str | None) -> list[str]:
    """Store this round's files and attach those held from earlier rounds; their names."""
    names = [checked.original_name for checked, _purpose in accepted]
    for checked, purpose in accepted:
        uploads.store(submission, checked, purpose=purpose)
    names += [a.original_name for a in uploads.attach_held(submission, token)]
    if token is not None:
        key = uploads.hold_key(token)
        session[HELD_KEY] = [k for k in session.get(HELD_KEY, []) if k != key]
    return names


PRIVACY_TEXT = "privacy_resident"  # shown to residents above the sending


def _render_form(call, form, *, submission=None, status=200, resident=False, held=(), similar=None):
    _ask_similar_as_typed(form)
    privacy_text = get_text(PRIVACY_TEXT) if resident else None
    pristine = request.method == "GET" and submission is None and not held and similar is None
    return render_template(
        "submissions/form.html",
        call=call,
        form=form,
        submission=submission,
        resident=resident,
        held=held,
        privacy_text=privacy_text,
        similar=similar or [],
        similar_asked=similar is not None,
        fragment_key=_fragment_key(call, form, resident, privacy_text) if pristine else None,
    ), status


_NOT_TYPED = (None, "", False, [])
_UNIQUE_PER_REQUEST = ("CSRFTokenField", "HiddenField")  # rendered outside the fragment


def _fragment_key(call, form, resident: bool, privacy_text: str | None) -> tuple | None:
    """The key of the form's fields as every visitor first sees them (portal/fragments.py):
    what they are built from — each field's name, kind, whether required, attributes and
    choices (a focus area's name as the database has it), the language, the address prefix,
    the privacy text — and the call's id and version. None when anything was typed, chosen
    or refused: that render is the person's own, never kept. Labels and help texts are the
    code's (the same in a process) in the language of the key."""
    if form.form_errors:
        return None
    shape = []
    for f in form:
        if f.type in _UNIQUE_PER_REQUEST:
            if f.name == "upload_token" and f.data:
                return None
            continue
        if f.errors or f.data not in _NOT_TYPED:
            return None
        choices = getattr(f, "choices", None)
        shape.append(
            (
                f.name,
                f.type,
                f.flags.required,
                tuple((f.render_kw or {}).items()),
                tuple((v, t if type(t) is str else None) for v, t in choices) if choices else None,
            )
        )
    return (
        "submissions/form.html",
        str(get_locale()),
        request.script_root,
        resident,
        privacy_text,
        call.id if call else None,
        call.version if call else None,
        tuple(shape),
    )


# --- similar ideas while writing (portal/hub/similar.py answers through signals) ----------

SIMILAR = "similar"  # the value of the "Visa liknande" button (intents.SHOW_ONLY_ACTIONS)
SIMILAR_FIELDS = ("title", "purpose")  # the name and the need: what the list compares
SIMILAR_LIMIT = 5


def _asks_similar() -> bool:
    return request.method == "POST" and request.form.get("action") == SIMILAR


def _similar_text(values) -> str:
    return "\n".join((values.get(k) or "")[:4000] for k in SIMILAR_FIELDS)


def _similar_ideas(value: str) -> list:
    """Up to five published initiatives like the text (never anything unpublished)."""
    return signals.collect(signals.similar_wanted, value, SIMILAR_LIMIT)


def _ask_similar_as_typed(form) -> None:
    """With htmx, the name and the need ask for the list as they are typed (debounced)."""
    for key in SIMILAR_FIELDS:
        if key in form:
            form[key].render_kw = {
                **(form[key].render_kw or {}),
                "data-hx-post": url_for("submissions.similar"),
                "data-hx-trigger": "keyup changed delay:600ms",
                "data-hx-target": "#similar-ideas",
                "data-hx-swap": "innerHTML",
                "data-hx-params": ",".join(["csrf_token", *SIMILAR_FIELDS]),
                "data-hx-sync": "this:replace",
            }


def _show_similar(call, form, *, resident: bool, draft=None, already: int = 0):
    """ "Visa liknande" without JavaScript: the same form again with the list, nothing sent
    or saved; files chosen this round are held for the form as after an error (uploads)."""
    token = _posted_hold_token(form)
    _remove_held(token)
    accepted, _files_ok = _check_files(form, already=already + len(uploads.held(token)))
    held = _hold(form, token, accepted)
    found = _similar_ideas(_similar_text({k: form[k].data for k in SIMILAR_FIELDS if k in form}))
    return _render_form(call, form, submission=draft, resident=resident, held=held, similar=found)


@bp.post("/liknande-ideer")
@public
@limiter.limit("60 per minute", scope="similar-ideas")
def similar():
    """The list alone, for htmx as the name and the need are typed."""
    found = _similar_ideas(_similar_text(request.form))
    response = current_app.make_response(
        render_block("submissions/form.html", "similar", similar=found, similar_asked=True)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _load_own(submission_id: int) -> Submission:
    submission = db.get_or_404(Submission, submission_id)
    if submission.submitter_id != current_user.id:
        abort(404)  # someone else's id shows nothing, not even that it exists
    return submission


def _load_visible_call(slug: str):
    """The call, a redirect to log in (staff-only call, anonymous visitor), or 404/403."""
    # The page shows the host and the focus areas: loaded with the call, not one by one.
    call = db.session.scalar(
        select(Call)
        .where(Call.slug == slug)
        .options(joinedload(Call.host_party), selectinload(Call.focus_areas))
    )
    if call is None or (call.published_at is None and not is_process_support(current_user)):
        abort(404)
    if not can_see_call(current_user, call):
        if not current_user.is_authenticated:
            flash(
                _("Utlysningen är öppen för parternas medarbetare. Logga in för att se den."),
                "info",
            )
            return redirect(url_for("accounts.login", next=request.path))
        abort(403)
    return call


# --- answering a call and the standing intake ------------------------------------------


def _resident_client_key() -> str:
    return "resident-email:" + (request.form.get("email") or "").strip().lower()[:254]


def _is_staff_request() -> bool:
    return is_employee(current_user)


@bp.route("/utlysningar/<slug>", methods=["GET", "POST"])
@public
# Above the limiter: its limits are for sending, a kept page skips its per-request checks.
@pagecache.whole_page(lambda slug: call_services.call_page_stamp(slug, PRIVACY_TEXT))
@limiter.limit(
    "20 per hour", methods=["POST"], exempt_when=_is_staff_request, scope="resident-client"
)
@limiter.limit(
    "5 per day",
    methods=["POST"],
    key_func=_resident_client_key,
    exempt_when=_is_staff_request,
    deduct_when=lambda r: r.status_code == 302,
    scope="resident-email",
)
def call_page(slug: str):
    call = _load_visible_call(slug)
    if not isinstance(call, Call):
        return call
    if is_employee(current_user):
        return _employee_canvas(call, None)
    if not call.open_to_residents:
        abort(403)
    return _resident_canvas(call)


@bp.route("/lamna-in", methods=["GET", "POST"])
@roles_required(Role.EMPLOYEE)
def new():
    return _employee_canvas(None, None)


@bp.route("/mina-inlamningar/<int:submission_id>/redigera", methods=["GET", "POST"])
@roles_required(Role.EMPLOYEE)
def edit(submission_id: int):
    submission = _load_own(submission_id)
    if submission.state == State.DRAFT:
        return _employee_canvas(submission.call, submission)
    if submission.state in COMPLETABLE:
        return _complete(submission, resident=False)
    flash(_("Inlämningen kan inte ändras längre."), "info")
    return redirect(url_for("submissions.detail", submission_id=submission.id))


def _employee_canvas(call: Call | None, draft: Submission | None):
    action = request.form.get("action", "submit")
    as_draft = request.method == "POST" and action == "draft"
    form = _form(call, resident=False, draft=as_draft, obj=draft)
    if request.method == "GET":
        form.form_key.data = draft.form_key if draft and draft.form_key else new_form_key()
        if draft is not None:
            form.draft_id.data = str(draft.id)
        elif not form.kind.data:
            form.kind.data = None
        refusal = services.refusal_for(call, resident=False)
        if refusal:
            flash(refusal, "warning")
        return _render_form(call, form, submission=draft)

    draft = draft or _draft_from_form(form)
    if draft is not None and draft.state != State.DRAFT:
        # The same form sent again after it was submitted: show what exists, create nothing.
        return _already_sent(draft)
    if _asks_similar():
        already = len(draft.attachments) if draft else 0
        return _show_similar(call, form, resident=False, draft=draft, already=already)
    hold_token = _posted_hold_token(form)  # files held by "Visa liknande"
    fields_ok = form.validate_on_submit()
    removed = _remove_from_draft(draft) if draft is not None and _guard_passed(form) else False
    if _guard_passed(form):
        _remove_held(hold_token)
    already = (len(draft.attachments) if draft else 0) + len(uploads.held(hold_token))
    accepted, files_ok = _check_files(form, already=already)
    if not (fields_ok and files_ok):
        if (accepted or removed) and _guard_passed(form):
            draft = _keep_in_draft(form, draft, call, accepted)
        return _render_form(call, form, submission=draft, status=422, held=uploads.held(hold_token))
    if not as_draft:
        sent = services.find_resend(call, form.canvas_data(), submitter=current_user)
        if sent is not None:  # Back, then "Skicka in" again: the same submission
            return _already_sent(sent)

    draft = services.save_draft(
        draft, form.canvas_data(), actor=current_user, call=call, form_key=form.form_key.data
    )
    _send_held(draft, accepted, hold_token)
    db.session.flush()
    if as_draft:
        db.session.commit()
        flash(_("Utkastet är sparat. Du hittar det under Mina inlämningar."), "success")
        return redirect(url_for("submissions.edit", submission_id=draft.id))
    try:
        services.submit(draft, actor=current_user)
    except services.SubmissionRefused as exc:
        db.session.commit()  # keep what was typed as a draft
        form.form_errors.append(
            _(
                "%(reason)s Din text är sparad som utkast under Mina inlämningar.",
                reason=exc.message,
            )
        )
        form.draft_id.data = str(draft.id)
        return _render_form(call, form, submission=draft, status=422)
    try:
        db.session.commit()
    except IntegrityError:  # the same form committed in parallel (its form_key is unique)
        db.session.rollback()
        existing = services.find_by_form_key(form.form_key.data)
        if existing is None or existing.submitter_id != current_user.id:
            raise
        return _already_sent(existing)
    _remember_receipt(draft)
    return redirect(url_for("submissions.receipt", submission_id=draft.id))


def _remove_from_draft(draft: Submission) -> bool:
    """Remove the draft's files ticked "Ta bort"; whether any was."""
    ticked = _ticked_for_removal()
    removed = [a for a in draft.attachments if a.id in ticked]
    for attachment in removed:
        uploads.delete_file(attachment)
        draft.attachments.remove(attachment)
    return bool(removed)


def _keep_in_draft(form, draft: Submission | None, call: Call | None, accepted) -> Submission:
    """A round that failed keeps its accepted files with the draft (made now if there is
    none), with the fields that had no error, and commits."""
    data = {k: v for k, v in form.canvas_data().items() if k not in form or not form[k].errors}
    draft = services.save_draft(
        draft, data, actor=current_user, call=call, form_key=form.form_key.data or None
    )
    for checked, purpose in accepted:
        uploads.store(draft, checked, purpose=purpose)
    db.session.commit()
    form.draft_id.data = str(draft.id)
    return draft


def _already_sent(submission: Submission):
    flash(_("Inlämningen %(number)s är redan inskickad.", number=submission.reg_number), "info")
    return redirect(url_for("submissions.detail", submission_id=submission.id))


def _draft_from_form(form) -> Submission | None:
    """The draft this form already saved (autosave or an earlier send), if any."""
    draft_id = (form.draft_id.data or "").strip()
    if draft_id.isascii() and draft_id.isdigit():
        submission_id = id_from_text(draft_id)
        if submission_id is None:
            abort(404)  # beyond any id: it names no draft
        return _load_own(submission_id)
    found = services.find_by_form_key(form.form_key.data)
    if found is not None and found.submitter_id != current_user.id:
        abort(404)
    return found


@bp.post("/utkast")
@roles_required(Role.EMPLOYEE)
def autosave():
    """htmx autosave of the employee canvas (debounced); the page's button does the same."""
    call = None
    if request.form.get("call_id"):
        call_id = id_from_text(request.form.get("call_id"))
        call = db.session.get(Call, call_id) if call_id else None
        if call is None or call.published_at is None or not can_see_call(current_user, call):
            abort(404)  # the same as for a call that does not exist
    form = _form(call, resident=False, draft=True)
    draft = _draft_from_form(form)
    if draft is not None and draft.state != State.DRAFT:
        return render_page_or_block(
            "submissions/form.html",
            "autosave",
            form=form,
            submission=draft,
            call=call,
            autosave_message=_("Inlämningen är redan inskickad."),
        )
    form.validate()  # length limits only; errors are shown when the person saves or submits
    data = {k: v for k, v in form.canvas_data().items() if k not in form.errors}
    skipped = [
        _("”%(label)s” sparades inte: %(error)s", label=form[k].label.text, error=form[k].errors[0])
        for k in form.canvas_data()
        if k in form.errors
    ]
    try:
        draft = services.save_draft(
            draft, data, actor=current_user, call=call, form_key=form.form_key.data or None
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        draft = services.find_by_form_key(form.form_key.data)
    message = " ".join(
        [_("Utkastet sparades %(time)s.", time=format_time(utcnow(), "short")), *skipped]
    )
    response = render_page_or_block(
        "submissions/form.html",
        "autosave",
        form=form,
        submission=draft,
        call=call,
        autosave_message=message,
    )
    if draft is not None:
        response.headers["HX-Replace-Url"] = url_for("submissions.edit", submission_id=draft.id)
    return response


def _resident_canvas(call: Call):
    form = _form(call, resident=True)
    if request.method == "GET":
        form.form_key.data = new_form_key()
        refusal = services.refusal_for(call, resident=True)
        if refusal:
            flash(refusal, "warning")
        return _render_form(call, form, resident=True)

    existing = services.find_by_form_key(form.form_key.data)
    if existing is not None and (
        existing.id in session.get(RECEIPTS_KEY, []) or _same_resident_canvas(existing, form)
    ):  # a double click or a resent form: one submission, not two
        return _resident_already_sent(existing)
    if _asks_similar():
        return _show_similar(call, form, resident=True)
    token = _posted_hold_token(form)
    fields_ok = form.validate_on_submit()
    if _guard_passed(form):
        _remove_held(token)
    accepted, files_ok = _check_files(form, already=len(uploads.held(token)))
    if not (fields_ok and files_ok):
        held = _hold(form, token, accepted)
        return _render_form(call, form, status=422, resident=True, held=held)
    if existing is not None:  # someone else's form key: never show their receipt
        form.form_errors.append(
            _("Formuläret har redan använts. Ladda om sidan och skicka ditt bidrag igen.")
        )
        held = _hold(form, token, accepted)
        return _render_form(call, form, status=422, resident=True, held=held)
    sent = services.find_resend(call, form.canvas_data(), email=form.email.data)
    if sent is not None:  # Back, then "Skicka in" again: the same submission
        return _resident_already_sent(sent)
    if form.website.data:
        form.form_errors.append(
            _("Formuläret kunde inte skickas. Lämna fältet ”Lämna det här fältet tomt” tomt.")
        )
        return _render_form(call, form, status=422, resident=True)
    try:
        submission, _token = services.submit_resident(
            call,
            form.canvas_data(),
            name=form.name.data,
            email=form.email.data,
            phone=form.phone.data or "",
            consent_named_publicly=form.consent_named_publicly.data,
            consent_news=form.consent_news.data,
            consent_milestones=form.consent_milestones.data,
            form_key=form.form_key.data or None,
            locale=session.get("lang", "sv"),
        )
    except services.SubmissionRefused as exc:
        db.session.rollback()
        form.form_errors.append(
            _(
                "%(reason)s Din text finns kvar nedan så att du kan spara den på annat sätt.",
                reason=exc.message,
            )
        )
        return _render_form(call, form, status=422, resident=True)
    _send_held(submission, accepted, token)
    try:
        db.session.commit()
    except IntegrityError:  # the same form_key committed in parallel
        db.session.rollback()
        existing = services.find_by_form_key(form.form_key.data)
        if existing is None or not _same_resident_canvas(existing, form):
            raise
        return _resident_already_sent(existing)
    _remember_receipt(submission)
    return redirect(url_for("submissions.receipt", submission_id=submission.id))


def _same_resident_canvas(submission: Submission, form) -> bool:
    """Whether this form is the one that made `submission`: the same address and canvas."""
    email = (request.form.get("email") or "").strip().lower()
    return (
        submission.is_resident
        and bool(email)
        and (submission.resident_email or "").lower() == email
        and services.same_canvas(submission, form.canvas_data())
    )


def _resident_already_sent(submission: Submission):
    _remember_receipt(submission)
    flash(
        _(
            "Ditt bidrag %(number)s är redan inskickat. Du har fått ett kvitto med e-post.",
            number=submission.reg_number,
        ),
        "info",
    )
    return redirect(url_for("submissions.receipt", submission_id=submission.id))


@intents.on_repeat("submissions.call_page")
def _receipt_for_a_repeat(result_url: str | None) -> None:
    """The same resident form sent again after the first one registered (two quick clicks):
    this browser may see the receipt the first sending led to, as when the view finds a
    resend itself (the same address and canvas), even if the first answer never reached it."""
    match = re.fullmatch(r"/kvitto/(\d+)", result_url or "")
    submission = db.session.get(Submission, int(match.group(1))) if match else None
    if submission is None or submission.id in session.get(RECEIPTS_KEY, []):
        return
    if _same_resident_canvas(submission, _form(submission.call, resident=True)):
        _remember_receipt(submission)


@bp.get("/kvitto/<int:submission_id>")
@public
def receipt(submission_id: int):
    submission = db.session.get(Submission, submission_id)
    allowed = submission is not None and (
        submission.id in session.get(RECEIPTS_KEY, [])
        or (current_user.is_authenticated and submission.submitter_id == current_user.id)
    )
    if not allowed or submission.state == State.DRAFT:
        abort(404)
    response = render_template("submissions/receipt.html", submission=submission)
    return response


# --- my submissions (employees) ----------------------------------------------------------


@bp.get("/mina-inlamningar")
@roles_required(Role.EMPLOYEE)
def mine():
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.submitter_id == current_user.id)
        .order_by(Submission.updated_at.desc())
    ).all()
    # Newest first: drafts by when they were last saved, the sent ones by when they were sent.
    drafts = [s for s in submissions if s.state == State.DRAFT]
    sent = sorted(
        (s for s in submissions if s.state != State.DRAFT),
        key=lambda s: (s.submitted_at, s.id),
        reverse=True,
    )
    return render_template("submissions/mine.html", drafts=drafts, sent=sent)


@bp.get("/mina-inlamningar/<int:submission_id>")
@roles_required(Role.EMPLOYEE)
def detail(submission_id: int):
    submission = _load_own(submission_id)
    return render_template("submissions/detail.html", submission=submission, token=None)


@bp.post("/mina-inlamningar/<int:submission_id>/aterkalla")
@roles_required(Role.EMPLOYEE)
def withdraw(submission_id: int):
    submission = _load_own(submission_id)
    try:
        services.withdraw(submission, actor=current_user)
    except services.SubmissionRefused as exc:
        flash(exc.message, "error")
        return redirect(url_for("submissions.detail", submission_id=submission.id))
    db.session.commit()
    flash(_("Inlämningen %(number)s är återkallad.", number=submission.reg_number), "success")
    return redirect(url_for("submissions.mine"))


@bp.post("/mina-inlamningar/<int:submission_id>/ta-bort")
@roles_required(Role.EMPLOYEE)
def delete(submission_id: int):
    submission = _load_own(submission_id)
    try:
        services.delete_draft(submission, actor=current_user)
    except services.SubmissionRefused as exc:
        flash(exc.message, "error")
        return redirect(url_for("submissions.detail", submission_id=submission.id))
    db.session.commit()
    flash(_("Utkastet är borttaget."), "success")
    return redirect(url_for("submissions.mine"))


@bp.get("/inlamningar/<int:submission_id>/filer/<int:attachment_id>")
@roles_required(Role.EMPLOYEE, Role.PROCESS_SUPPORT, Role.ADMIN)
def attachment(submission_id: int, attachment_id: int):
    submission = db.session.get(Submission, submission_id)
    if submission is None or not can_view_submission(current_user, submission):
        abort(404)
    return _send_attachment(submission, attachment_id)


def _send_attachment(submission: Submission, attachment_id: int):
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.submission_id != submission.id:
        abort(404)
    return uploads.download(found)


# --- residents' private link -------------------------------------------------------------


def _by_token(token: str) -> Submission:
    submission = services.find_by_token(token)
    if submission is None:
        abort(404)
    return submission


def _private_headers(response):
    # The address holds the private link's key: no other site may see it in a Referer.
    # "same-origin", not "no-referrer": on HTTPS, the CSRF check (Flask-WTF's strict
    # referrer check) needs the page's own Referer on its forms' POSTs.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.get("/mitt-bidrag/<token>")
@public
def private(token: str):
    submission = _by_token(token)
    body = render_template("submissions/detail.html", submission=submission, token=token)
    return _private_headers(current_app.make_response(body))


@bp.route("/mitt-bidrag/<token>/komplettera", methods=["GET", "POST"])
@public
def private_complete(token: str):
    submission = _by_token(token)
    return _complete(submission, resident=True, token=token)


@bp.route("/mitt-bidrag/<token>/aterkalla", methods=["GET", "POST"])
@public
def private_withdraw(token: str):
    submission = _by_token(token)
    if request.method == "POST":
        try:
            services.withdraw(submission, actor=None)
        except services.SubmissionRefused as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(
                _("Ditt bidrag %(number)s är återkallat.", number=submission.reg_number), "success"
            )
        return redirect(url_for("submissions.private", token=token))
    body = render_template("submissions/withdraw.html", submission=submission, token=token)
    return _private_headers(current_app.make_response(body))


@bp.get("/mitt-bidrag/<token>/filer/<int:attachment_id>")
@public
def private_attachment(token: str, attachment_id: int):
    return _send_attachment(_by_token(token), attachment_id)


def _complete(submission: Submission, *, resident: bool, token: str | None = None):
    """Add to a submitted entry while it awaits triage."""
    if submission.state not in COMPLETABLE:
        flash(_("Inlämningen kan inte ändras längre."), "info")
        target = (
            url_for("submissions.private", token=token)
            if token
            else url_for("submissions.detail", submission_id=submission.id)
        )
        return redirect(target)
    # The answer field while a question is open; and for an answer sent from a page loaded
    # while it was (another tab answered first), so that what was typed is kept.
    answering = submission.state == State.AWAITING_INFO or (
        request.method == "POST" and bool(submission.info_request) and "info_answer" in request.form
    )
    form = _form(
        submission.call, resident=False, obj=submission, completing=True, answering=answering
    )
    held = []
    if request.method == "POST":
        hold_token = _posted_hold_token(form)
        fields_ok = form.validate_on_submit()
        if _guard_passed(form):
            _remove_held(hold_token)
        already = len(submission.attachments) + len(uploads.held(hold_token))
        accepted, files_ok = _check_files(form, already=already)
        if fields_ok and files_ok:
            names = _send_held(submission, accepted, hold_token)
            services.complete(
                submission,
                form.canvas_data(),
                actor=None if resident else current_user,
                new_files=names,
                answer=form.info_answer.data if answering else "",
            )
            db.session.commit()
            flash(_("Tack! Dina ändringar är sparade."), "success")
            target = (
                url_for("submissions.private", token=token)
                if token
                else url_for("submissions.detail", submission_id=submission.id)
            )
            return redirect(target)
        held = _hold(form, hold_token, accepted)
    status = 422 if request.method == "POST" else 200
    body = render_template(
        "submissions/form.html",
        call=submission.call,
        form=form,
        submission=submission,
        resident=False,
        completing=True,
        token=token,
        held=held,
    )
    return _private_headers(current_app.make_response((body, status)))
