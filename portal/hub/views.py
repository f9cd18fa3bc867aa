"""The public hub, the initiative pages, the showroom and the feeds; and process support's
page for what is published."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask_babel import format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal import paging
from portal.accounts.models import Role
from portal.calls.models import Audience, Call
from portal.calls.services import slugify
from portal.evaluation import goals as initiative_goals
from portal.evaluation.models import PHASE_LABELS, Decision, Initiative, Insight, Phase
from portal.evaluation.signals import initiative_page_shown
from portal.extensions import db, htmx
from portal.forms import int_or_none
from portal.htmx import render_page_or_block
from portal.hub import feeds, listing, progress, public, search, services, similar
from portal.hub.forms import PublicationForm
from portal.hub.models import Publication
from portal.links import external_url
from portal.permissions import public as public_view
from portal.permissions import roles_required
from portal.reference.goals import GoalKind
from portal.reference.models import Portfolio
from portal.submissions import signals as submission_signals
from portal.submissions.models import FUNCTION_LABELS, TYPE_LABELS
from portal.types import utcnow

bp = Blueprint("hub", __name__)

MANAGERS = (Role.PROCESS_SUPPORT, Role.ADMIN)
SHOWROOM_REFRESH_SECONDS = 60  # one screen: fetched again to stay current
SHOWROOM_ROTATE_SECONDS = 20  # more than one screen: the next one after this long
# Initiatives per phase column on one screen: the cards have a fixed height (two lines of
# title, one of parties), so this many fit a 1920×1080 screen with the site's header and
# footer, and more in kiosk mode, which has neither menu nor login (tests/e2e/test_layout.py).
SHOWROOM_ROWS = 4
SHOWROOM_ROWS_KIOSK = 6
FEED_MAX_AGE = 300  # seconds a feed reader or cache may keep a feed without asking again


def initiative_url(initiative: Initiative) -> str:
    return url_for("hub.initiative", initiative_id=initiative.id, slug=slugify(initiative.title))


def showroom_url(portfolio_id: int, name: str, *, page: int = 1, kiosk: bool = False) -> str:
    args = {"sida": page} if page > 1 else {}
    if kiosk:
        args["kiosk"] = 1
    return url_for("hub.showroom", portfolio_id=portfolio_id, slug=slugify(name), **args)


@bp.app_context_processor
def _urls() -> dict:
    return {"hub_initiative_url": initiative_url, "hub_showroom_url": showroom_url}


@bp.app_context_processor
def _progress() -> dict:
    """The submitter's timeline, for the submissions' own pages (which sit below the hub)."""
    return {"progress_of": progress.milestones_for}


# --- the hub ---------------------------------------------------------------------------------


@bp.get("/hubb")
@public_view
def index():
    # A form sends its empty fields too; the address keeps only what was chosen, so it can be
    # read, shared and bookmarked (a redirect without JavaScript, HX-Push-Url with it).
    chosen = [(k, v) for k, v in request.args.items(multi=True) if v.strip()]
    address = f"{listing.PATH}?{urlencode(chosen)}" if chosen else listing.PATH
    if len(chosen) != len(list(request.args.items(multi=True))) and not htmx:
        return redirect(address)
    options = listing.load_options()
    query = listing.HubQuery.from_args(request.args, options)
    results = search.search(query.q, query.filters, query.sort, query.page)
    query.page = results.page
    context = {
        "query": query,
        "options": options,
        "results": results,
        "sort_labels": listing.SORT_LABELS,
        "phase_labels": PHASE_LABELS,
        "area_names": listing.current_area_names(),
    }
    response = render_page_or_block("hub/index.html", "results", **context)
    if htmx and not htmx.history_restore_request:
        response.headers["HX-Push-Url"] = address
    return response


@bp.get("/hubb/<int:initiative_id>")
@bp.get("/hubb/<int:initiative_id>-<slug>")
@public_view
def initiative(initiative_id: int, slug: str | None = None):
    found = public.published_initiative(initiative_id)
    if found is None:
        abort(404)  # unpublished or unknown alike: nothing says it exists
    if slug != slugify(found.title):
        return redirect(initiative_url(found), 301)
    shown = public.public_initiative(found)
    return render_page_or_block(
        "hub/initiative.html",
        "content",
        shown=shown,
        initiative=found,
        area_name=listing.current_area_names().get(found.portfolio_id, found.focus_area.name),
        goals=initiative_goals.linked_goals([found.id]).get(found.id, []),
        phase_labels=PHASE_LABELS,
        function_labels=FUNCTION_LABELS,
        type_labels=TYPE_LABELS,
        steps=[p for p in Phase if p != Phase.CLOSED],
    )


# --- the showroom ----------------------------------------------------------------------------


@bp.get("/showroom")
@public_view
def showrooms():
    names = listing.current_area_names()
    phase = public.phase_as_of(public.today())
    counts = dict(
        db.session.execute(
            select(Initiative.portfolio_id, db.func.count())
            .where(public.published_clause(), phase.in_(list(public.ONGOING)))
            .group_by(Initiative.portfolio_id)
        ).all()
    )
    areas = sorted(names.items(), key=lambda kv: kv[1])
    return render_page_or_block("hub/showrooms.html", "content", areas=areas, counts=counts)


@bp.get("/showroom/<int:portfolio_id>")
@bp.get("/showroom/<int:portfolio_id>-<slug>")
@public_view
def showroom(portfolio_id: int, slug: str | None = None):
    if db.session.get(Portfolio, portfolio_id) is None:
        abort(404)
    name = listing.current_area_names()[portfolio_id]
    kiosk = request.args.get("kiosk") == "1"
    asked = paging.page_from_args(request.args, "sida")
    if slug != slugify(name):
        return redirect(showroom_url(portfolio_id, name, page=asked, kiosk=kiosk), 301)
    phase_today = public.phase_as_of(public.today())
    found = db.session.execute(
        select(Initiative, phase_today)
        .where(
            public.published_clause(),
            Initiative.portfolio_id == portfolio_id,
            phase_today.in_(list(public.ONGOING)),
        )
        .order_by(Initiative.title, Initiative.id)
    ).all()
    ongoing = [i for i, _phase in found]
    by_phase = [(phase, [i for i, shown in found if shown == phase]) for phase in public.ONGOING]
    # One screen holds `rows` initiatives of each phase; the screens are turned like pages.
    config = current_app.config
    rows = config.get("HUB_SHOWROOM_ROWS_KIOSK" if kiosk else "HUB_SHOWROOM_ROWS") or (
        SHOWROOM_ROWS_KIOSK if kiosk else SHOWROOM_ROWS
    )
    longest = max((len(items) for _phase, items in by_phase), default=0)
    pages = paging.last_page(longest, rows)
    page = paging.clamp(asked, longest, rows)
    start = (page - 1) * rows
    columns = [(phase, items[start : start + rows], len(items)) for phase, items in by_phase]
    next_page = page % pages + 1
    refresh = config.get("HUB_SHOWROOM_REFRESH_SECONDS", SHOWROOM_REFRESH_SECONDS)
    # Each turn fetches the board anew, so a turning board is never older than a refresh.
    rotate = min(refresh, config.get("HUB_SHOWROOM_ROTATE_SECONDS", SHOWROOM_ROTATE_SECONDS))
    return render_page_or_block(
        "hub/showroom.html",
        "board",
        name=name,
        portfolio_id=portfolio_id,
        # the focus area's societal goals in force: what its portfolio works towards
        missions=[
            g
            for g in initiative_goals.goals_in_force(portfolio_id, public.today())
            if g.kind == GoalKind.SOCIETAL
        ],
        columns=columns,
        total=len(ongoing),
        page=page,
        pages=pages,
        kiosk=kiosk,
        this_url=showroom_url(portfolio_id, name, page=page, kiosk=kiosk),
        next_url=showroom_url(portfolio_id, name, page=next_page, kiosk=kiosk),
        phase_labels=PHASE_LABELS,
        parties=search.party_names([i.id for _phase, items, _n in columns for i in items]),
        updated=format_time(utcnow(), "HH:mm"),
        refresh_seconds=refresh,
        rotate_seconds=rotate,
    )


# --- feeds -----------------------------------------------------------------------------------


def _feed(
    endpoint: str,
    alternate: str,
    title: str,
    subtitle: str,
    entries: list[feeds.Entry],
    changed: datetime | None = None,
):
    """The feed, with an ETag (its body's hash) and Last-Modified (the newest entry, or
    `changed`: when one last left it); 304 to a conditional request that has this version."""
    body = feeds.atom(
        feed_id=external_url(endpoint),
        title=title,
        subtitle=subtitle,
        self_url=external_url(endpoint),
        alternate_url=external_url(alternate),
        author="Samhällskontraktet",
        language=get_locale().language if get_locale() else "sv",
        entries=entries,
    )
    response = make_response(body)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    times = [feeds.EPOCH, *(e.updated for e in entries), *([changed] if changed else [])]
    response.last_modified = max(times).replace(microsecond=0)
    return response.make_conditional(request)


@bp.get("/hubb/flode.atom")
@public_view
def initiatives_feed():
    names = listing.current_area_names()
    rows = db.session.execute(
        select(Initiative, Publication)
        .join(Publication, Publication.initiative_id == Initiative.id)
        .where(Publication.published.is_(True))
        .order_by(Publication.published_at.desc(), Initiative.id.desc())
        .limit(feeds.FEED_SIZE)
    ).all()
    entries = []
    phases = public.public_phases(initiative for initiative, _publication in rows)
    for initiative, publication in rows:
        fields = {f.key: f.text for f in public.public_fields(initiative, publication)}
        area = names.get(initiative.portfolio_id, "")
        entries.append(
            feeds.Entry(
                id=external_url("hub.initiative", initiative_id=initiative.id),
                title=initiative.title,
                link=external_url(
                    "hub.initiative", initiative_id=initiative.id, slug=slugify(initiative.title)
                ),
                published=publication.first_published_at or publication.published_at,
                updated=publication.published_at,
                summary=fields.get(public.SUMMARY)
                or _(
                    "%(phase)s inom %(area)s.",
                    phase=PHASE_LABELS[Phase(phases[initiative.id])],
                    area=area,
                ),
                categories=(area,) if area else (),
            )
        )
    return _feed(
        "hub.initiatives_feed",
        "hub.index",
        _("Samhällskontraktet: nya initiativ i hubben"),
        _("Initiativ som har publicerats i Samhällskontraktets öppna hubb."),
        entries,
        # An unpublished initiative leaves the feed: its publication's time says when.
        db.session.scalar(select(func.max(Publication.updated_at))),
    )


@bp.get("/utlysningar/flode.atom")
@public_view
def calls_feed():
    """Open calls that anyone may answer: published, open now, open to residents."""
    now = utcnow()
    calls = db.session.scalars(
        select(Call)
        .where(
            Call.published_at.is_not(None),
            Call.audience == Audience.RESIDENTS.value,
            Call.opens_at <= now,
            Call.closes_at > now,
        )
        .options(joinedload(Call.host_party))
        .order_by(Call.opens_at.desc(), Call.id.desc())
        .limit(feeds.FEED_SIZE)
    ).unique()
    entries = [
        feeds.Entry(
            id=external_url("submissions.call_page", slug=call.slug),
            title=call.title,
            link=external_url("submissions.call_page", slug=call.slug),
            published=max(call.opens_at, call.published_at),
            updated=max(call.opens_at, call.published_at),
            summary=call.question,
            categories=tuple(a.name for a in call.focus_areas),
        )
        for call in calls
    ]
    # A call leaves the feed when it closes: the latest such moment is a change too.
    closed = db.session.scalar(
        select(func.max(Call.closes_at)).where(
            Call.published_at.is_not(None),
            Call.audience == Audience.RESIDENTS.value,
            Call.closes_at <= now,
        )
    )
    return _feed(
        "hub.calls_feed",
        "calls.index",
        _("Samhällskontraktet: öppna utlysningar"),
        _("Utlysningar som just nu är öppna för invånare och medarbetare."),
        entries,
        closed,
    )


# --- process support: what is published ------------------------------------------------------


def _field_choices(initiative: Initiative) -> list[tuple[str, object, str]]:
    """(key, label, text) of each text that can be published and is not empty."""
    origin = initiative.origin_submission
    choices = []
    for key in public.PUBLISHABLE:
        text = initiative.summary if key == public.SUMMARY else getattr(origin, key, "")
        if (text or "").strip():
            choices.append((key, public.field_label(key), text.strip()))
    return choices


def _publication_page(initiative: Initiative, form=None, *, conflict=False, status=200):
    publication = db.session.get(Publication, initiative.id)
    decisions = list(
        db.session.scalars(
            select(Decision)
            .where(Decision.initiative_id == initiative.id)
            .order_by(Decision.decided_on, Decision.id)
        )
    )
    insights = list(
        db.session.scalars(
            select(Insight)
            .where(Insight.initiative_id == initiative.id)
            .order_by(Insight.noted_on.desc(), Insight.id.desc())
        )
    )
    fields = _field_choices(initiative)
    if form is None:
        form = PublicationForm(
            formdata=None,
            fields=[(k, label) for k, label, _text in fields],
            decisions=decisions,
            insights=insights,
            data={
                "published": bool(publication and publication.published),
                "public_fields": list(publication.public_fields) if publication else [],
                "show_submitter_name": bool(publication and publication.show_submitter_name),
                "public_rationales": [d.id for d in decisions if d.rationale_public],
                "public_insights": [i.id for i in insights if i.public],
                "version": str(publication.version if publication else 0),
            },
        )
    origin = initiative.origin_submission
    return render_page_or_block(
        "hub/publication.html",
        "content",
        status=status,
        initiative=initiative,
        publication=publication,
        form=form,
        fields=fields,
        decisions=decisions,
        insights=insights,
        consent=bool(origin and origin.consent_named_publicly),
        origin=origin,
        conflict=conflict,
        phase_labels=PHASE_LABELS,
    )


@bp.get("/initiativ/<int:initiative_id>/publicering")
@roles_required(*MANAGERS)
def publication(initiative_id: int):
    return _publication_page(db.get_or_404(Initiative, initiative_id))


@bp.post("/initiativ/<int:initiative_id>/publicering")
@roles_required(*MANAGERS)
def save_publication(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    decisions = db.session.scalars(
        select(Decision).where(Decision.initiative_id == initiative.id)
    ).all()
    insights = db.session.scalars(
        select(Insight).where(Insight.initiative_id == initiative.id)
    ).all()
    form = PublicationForm(
        fields=[(k, label) for k, label, _text in _field_choices(initiative)],
        decisions=decisions,
        insights=insights,
    )
    if not form.validate_on_submit():
        return _publication_page(initiative, form, status=422)
    try:
        services.update_publication(
            initiative,
            published=form.published.data,
            public_fields=form.public_fields.data or [],
            show_submitter_name=form.show_submitter_name.data,
            public_rationales=form.public_rationales.data or [],
            public_insights=form.public_insights.data or [],
            expected_version=int_or_none(form.version.data),
            actor=current_user,
        )
        db.session.commit()
    except services.PublicationRefused as refused:
        db.session.rollback()
        form.form_errors.append(refused.message)
        return _publication_page(db.get_or_404(Initiative, initiative_id), form, status=422)
    except (services.PublicationConflict, StaleDataError):
        db.session.rollback()
        initiative = db.get_or_404(Initiative, initiative_id)
        form.version.data = str(services.current_version(initiative))
        return _publication_page(initiative, form, conflict=True, status=409)
    if form.published.data:
        flash(_("Publiceringen är sparad. Initiativet syns i hubben."), "success")
    else:
        flash(_("Publiceringen är sparad. Initiativet syns inte i hubben."), "success")
    return redirect(url_for("hub.publication", initiative_id=initiative.id))


@bp.post("/initiativ/<int:initiative_id>/avpublicera")
@roles_required(*MANAGERS)
def unpublish(initiative_id: int):
    initiative = db.get_or_404(
        Initiative, initiative_id
    )  # the CSRF token is checked for every POST (CSRFProtect)
    if services.unpublish(initiative, actor=current_user):
        db.session.commit()
        flash(_("Initiativet är borttaget ur hubben."), "success")
    return redirect(url_for("hub.publication", initiative_id=initiative.id))


@initiative_page_shown.connect
def _initiative_page_extra(initiative: Initiative, *, user) -> dict:
    """The initiative page (portal/evaluation) says whether the hub shows it, with a link."""
    publication = db.session.get(Publication, initiative.id)
    return {"hub_publication": publication, "hub_public_url": initiative_url(initiative)}


# --- similar ideas (the canvas form and triage ask through portal/submissions/signals.py) ---


@submission_signals.similar_wanted.connect
def _similar_published(value: str) -> list:
    return similar.similar_published(value)


@submission_signals.duplicates_wanted.connect
def _likely_duplicates(submission) -> list:
    return similar.likely_duplicates(submission)
