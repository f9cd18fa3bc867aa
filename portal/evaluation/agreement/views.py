"""The agreement's entries on an initiative's page: the section (through the page's signal),
adding one, editing one from the version seen, deleting one."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.evaluation.agreement import services
from portal.evaluation.agreement.forms import FIELDS, FORMS, EntryDeleteForm, EntryForm
from portal.evaluation.agreement.models import KIND_LABELS, AgreementEntry, EntryKind
from portal.evaluation.blueprint import bp
from portal.evaluation.models import Initiative
from portal.evaluation.permissions import MANAGERS, can_manage_initiatives, can_view_initiatives
from portal.evaluation.responses import actor, already_done, load_initiative, once
from portal.evaluation.rules import AlreadyDone, EvaluationRefused
from portal.evaluation.signals import initiative_page_shown
from portal.extensions import db
from portal.forms import int_or_none
from portal.permissions import roles_required
from portal.reference.models import Party
from portal.types import today_in_stockholm

# The address's name of each kind (Swedish, as the portal's other addresses).
SLUGS = {
    "studenter": EntryKind.STUDENTS,
    "samarbeten": EntryKind.COLLABORATION,
    "partner": EntryKind.PARTNER,
    "forskning": EntryKind.RESEARCH,
}
SLUG_OF = {kind: slug for slug, kind in SLUGS.items()}
ADD_LABELS = {
    EntryKind.STUDENTS: _l("Lägg till studenter"),
    EntryKind.COLLABORATION: _l("Lägg till ett nytt samarbete"),
    EntryKind.PARTNER: _l("Lägg till en extern partner"),
    EntryKind.RESEARCH: _l("Lägg till ett forskningsprojekt"),
}
EDIT_LABELS = {
    EntryKind.STUDENTS: _l("Ändra uppgiften om studenter"),
    EntryKind.COLLABORATION: _l("Ändra samarbetet"),
    EntryKind.PARTNER: _l("Ändra den externa partnern"),
    EntryKind.RESEARCH: _l("Ändra forskningsprojektet"),
}
ANCHOR = "#studenter-samarbeten"


@dataclass
class AgreementPanel:
    initiative: Initiative
    entries: dict[str, list[AgreementEntry]]
    forms: dict[str, EntryForm]  # empty when the person may not add
    slugs: dict[str, str]
    kind_labels: dict
    add_labels: dict

    @property
    def count(self) -> int:
        return sum(len(e) for e in self.entries.values())


def party_choices() -> list[tuple[int, str]]:
    return [(p.id, p.name) for p in db.session.scalars(select(Party).order_by(Party.name))]


def blank_form(kind: str, parties) -> EntryForm:
    return FORMS[kind](
        formdata=None, parties=parties, data={"dated_on": today_in_stockholm()}, prefix=kind
    )


def agreement_panel(initiative: Initiative, posted: dict | None = None) -> AgreementPanel:
    posted = posted or {}
    entries: dict[str, list[AgreementEntry]] = {k.value: [] for k in EntryKind}
    for entry in services.entries_of(initiative):
        entries[entry.kind].append(entry)
    forms = {}
    if can_manage_initiatives(current_user):
        parties = party_choices()
        forms = {k.value: posted.get(k.value) or blank_form(k.value, parties) for k in EntryKind}
    return AgreementPanel(initiative, entries, forms, SLUG_OF, KIND_LABELS, ADD_LABELS)


@initiative_page_shown.connect
def _initiative_page_extra(initiative: Initiative, *, user) -> dict:
    """Staff see the section on the initiative page; process support may add and edit."""
    if not can_view_initiatives(user):
        return {}
    return {"agreement": agreement_panel(initiative)}


def _kind(slug: str) -> str:
    kind = SLUGS.get(slug)
    if kind is None:
        abort(404)
    return kind.value


def _values(form: EntryForm, kind: str) -> dict:
    values = {"dated_on": form.dated_on.data, "party_id": form.party.data}
    for name in FIELDS[kind]:
        values[name] = getattr(form, name).data
    return values


def _here(initiative_id: int) -> str:
    return f"/initiativ/{initiative_id}{ANCHOR}"


@bp.post("/initiativ/<int:initiative_id>/avtalet/<slug>")
@roles_required(*MANAGERS)
def add_agreement_entry(initiative_id: int, slug: str):
    kind = _kind(slug)
    initiative = load_initiative(initiative_id)
    form = FORMS[kind](parties=party_choices(), prefix=kind)
    if not form.validate():
        return _form_page(initiative, {kind: form})
    try:
        once(lambda: services.record_entry(initiative, kind, _values(form, kind), actor=actor()))
    except AlreadyDone as done:
        return already_done(done.message, f"/initiativ/{initiative_id}#avtal-{done.done.id}")
    except EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _form_page(load_initiative(initiative_id), {kind: form})
    flash(_("Uppgiften är sparad."), "success")
    return redirect(_here(initiative_id))


def _form_page(initiative: Initiative, posted: dict, status: int = 422):
    """The section again, with the form that had errors."""
    return (
        render_template(
            "evaluation/agreement_form.html",
            initiative=initiative,
            agreement=agreement_panel(initiative, posted),
        ),
        status,
    )


def _load_entry(initiative_id: int, entry_id: int) -> AgreementEntry | None:
    entry = db.session.get(AgreementEntry, entry_id)
    if entry is not None and entry.initiative_id != initiative_id:
        abort(404)
    return entry


def _edit_form(entry: AgreementEntry) -> EntryForm:
    """The entry's form filled in as stored, with the version it was read at."""
    return FORMS[entry.kind](
        formdata=None,
        parties=party_choices(),
        data={
            "dated_on": entry.dated_on,
            "party": entry.party_id,
            "version": str(entry.version),
            **{name: getattr(entry, name) for name in FIELDS[entry.kind]},
        },
    )


def _edit_page(initiative, entry, form, *, conflict=False, status=200):
    return (
        render_template(
            "evaluation/agreement_edit.html",
            initiative=initiative,
            entry=entry,
            form=form,
            delete_form=EntryDeleteForm(formdata=None, data={"version": str(entry.version)}),
            edit_label=EDIT_LABELS[EntryKind(entry.kind)],
            conflict=conflict,
        ),
        status,
    )


def _stale(initiative_id: int, entry_id: int, gone: str):
    """Someone else changed or deleted the entry since the page was loaded: nothing is saved;
    the edit page again with what is stored now (409), or the initiative if it is gone."""
    db.session.rollback()
    entry = _load_entry(initiative_id, entry_id)
    if entry is None:
        return already_done(gone, _here(initiative_id))
    return _edit_page(
        load_initiative(initiative_id), entry, _edit_form(entry), conflict=True, status=409
    )


@bp.get("/initiativ/<int:initiative_id>/avtalet/<int:entry_id>")
@roles_required(*MANAGERS)
def edit_agreement_entry(initiative_id: int, entry_id: int):
    initiative = load_initiative(initiative_id)
    entry = _load_entry(initiative_id, entry_id)
    if entry is None:
        abort(404)
    return _edit_page(initiative, entry, _edit_form(entry))


@bp.post("/initiativ/<int:initiative_id>/avtalet/<int:entry_id>")
@roles_required(*MANAGERS)
def save_agreement_entry(initiative_id: int, entry_id: int):
    initiative = load_initiative(initiative_id)
    entry = _load_entry(initiative_id, entry_id)
    if entry is None:
        return already_done(_("Uppgiften har tagits bort av någon annan."), _here(initiative_id))
    form = FORMS[entry.kind](parties=party_choices())
    if not form.validate():
        return _edit_page(initiative, entry, form, status=422)
    try:
        changes = services.update_entry(
            entry,
            _values(form, entry.kind),
            expected_version=int_or_none(form.version.data),
            actor=actor(),
        )
        db.session.commit()
    except (services.EntryConflict, StaleDataError):
        return _stale(initiative_id, entry_id, _("Uppgiften har tagits bort av någon annan."))
    except EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _edit_page(load_initiative(initiative_id), entry, form, status=422)
    flash(_("Ändringen är sparad.") if changes else _("Inget ändrades."), "success")
    return redirect(f"/initiativ/{initiative_id}#avtal-{entry_id}")


@bp.post("/initiativ/<int:initiative_id>/avtalet/<int:entry_id>/ta-bort")
@roles_required(*MANAGERS)
def delete_agreement_entry(initiative_id: int, entry_id: int):
    initiative = load_initiative(initiative_id)
    entry = _load_entry(initiative_id, entry_id)
    if entry is None:
        return already_done(_("Uppgiften är redan borttagen."), _here(initiative_id))
    form = EntryDeleteForm()
    if not form.validate():  # the CSRF token had expired
        form = _edit_form(entry)
        form.form_errors.append(_("Formuläret hade gått ut. Skicka det igen."))
        return _edit_page(initiative, entry, form, status=422)
    try:
        services.delete_entry(entry, expected_version=int_or_none(form.version.data), actor=actor())
        db.session.commit()
    except (services.EntryConflict, StaleDataError):
        return _stale(initiative_id, entry_id, _("Uppgiften är redan borttagen."))
    flash(_("Uppgiften är borttagen."), "success")
    return redirect(_here(initiative_id))
