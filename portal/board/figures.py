"""The portfolio funnel and SK's follow-up figures, each counted in SQL in a fixed number of
statements (whatever the number of submissions).

Definitions (shown on the page too, next to each figure):

Funnel — the submissions submitted in the period (a cohort), and how far each has come now:
  received        every submission submitted in the period (drafts never count);
  in portfolio    of those, taken into a focus area's portfolio (an initiative took over);
  Konceptfas      of those, initiatives that have reached Konceptfas (now or earlier, by a
                  recorded decision), Pilotfas and Implementering likewise ("reached", so a
                  pilot that was later stopped still counts as having reached Pilotfas);
  beside it       still open in the inbox, declined, duplicates, withdrawn, and initiatives
                  stopped (Avslutad).
  Initiatives made directly in a portfolio, with no submission behind them, are not in it.

Follow-up (docs/domain.md, "What the board follows"), for the period and its comparison period
(Scope.previous: the period of the same length just before; the board's filters choose the
same dates a year earlier by default, portal/board/filters.py's ComparedScope):
  innovation ideas     submissions of the kind idea submitted in the period;
  needs collected      submissions of the kind challenge/need submitted in the period;
  ideas evaluated      initiatives in Idéfas or Konceptfas that got a Core Team decision
                       dated in the period; of them rejected (stopped) and piloted (from
                       Konceptfas on to Pilotfas);
  prototypes           initiatives that went into Konceptfas (where prototypes are made);
  pilots               initiatives that started a pilot (into Pilotfas, a re-test included);
  employees involved   distinct employees per party who submitted or rated an initiative;
  insights             insights ("Halleluja moments") noted in the period;
  funding granted      kronor granted (decision date in the period); beside it each
                       calendar year's innovation budget and what has been granted of it.
  The focus-area filter applies to all; the source filter to submissions, to initiatives
  through the submission they came from, and to employees by their party.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    extract,
    false,
    func,
    literal,
    or_,
    select,
    text,
    union,
    union_all,
)

from portal.accounts.models import User
from portal.board.inflow import RESIDENTS
from portal.board.monthly import MONTHS, SUBMITTERS, Summary, counted
from portal.evaluation.models import (
    Decision,
    FundingRequest,
    FundingStatus,
    Initiative,
    InnovationBudget,
    Insight,
    Phase,
    Rating,
)
from portal.extensions import db
from portal.reference.models import FocusArea
from portal.submissions.models import Kind, State, Submission
from portal.types import STOCKHOLM

# How far along the process a phase is; Avslutad is not a step.
PHASE_RANK = {
    Phase.IDEA.value: 1,
    Phase.CONCEPT.value: 2,
    Phase.PILOT.value: 3,
    Phase.IMPLEMENTATION.value: 4,
    Phase.FOLLOW_UP.value: 5,
}


@dataclass(frozen=True)
class Scope:
    """The period and the filters every figure is counted in."""

    date_from: date
    date_to: date
    portfolio: int | None = None
    source: int | str | None = None  # a party id, or RESIDENTS

    @property
    def previous(self) -> Scope:
        days = (self.date_to - self.date_from).days + 1
        end = self.date_from - timedelta(days=1)
        return Scope(end - timedelta(days=days - 1), end, self.portfolio, self.source)

    def submission_filters(self) -> list[ColumnElement[bool]]:
        clauses = []
        if self.portfolio is not None:
            clauses.append(
                Submission.focus_area_id.in_(
                    select(FocusArea.id).where(FocusArea.portfolio_id == self.portfolio)
                )
            )
        if self.source == RESIDENTS:
            clauses.append(Submission.party_id.is_(None))
        elif self.source is not None:
            clauses.append(Submission.party_id == self.source)
        return clauses

    def counted(self, names=(), *, kind: str | None = None, summary: Summary = MONTHS):
        """Submissions in the scope counted per `names` (portal.board.monthly.counted)."""
        return counted(
            self.date_from,
            self.date_to,
            names,
            portfolio_id=self.portfolio,
            source=self.source,
            kind=kind,
            summary=summary,
        )

    def initiative_filters(self, initiative_id) -> list[ColumnElement[bool]]:
        """For figures about initiatives: in the portfolio; from the source's submission."""
        clauses = []
        if self.portfolio is not None:
            clauses.append(
                initiative_id.in_(
                    select(Initiative.id).where(Initiative.portfolio_id == self.portfolio)
                )
            )
        if self.source is not None:
            origin = (
                Submission.party_id.is_(None)
                if self.source == RESIDENTS
                else Submission.party_id == self.source
            )
            clauses.append(
                initiative_id.in_(
                    select(Initiative.id)
                    .join(Submission, Submission.id == Initiative.origin_submission_id)
                    .where(origin)
                )
            )
        return clauses


def plan_for_these_dates() -> None:
    """PostgreSQL: plan the rest of this transaction's statements for the values they are run
    with. psycopg prepares a statement run five times on a connection, and PostgreSQL may
    then keep one plan for any dates; the board runs the same statements over a quarter and
    over five years, and a plan chosen for the one took up to 10 ms longer for the other
    (bench/board.py --uncached, the scenarios in a row: median 42-49 -> 28-38 ms). Other
    pages keep the saved plans, which spare them the planning."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _between(column, scope: Scope) -> ColumnElement[bool]:
    return and_(column >= scope.date_from, column <= scope.date_to)


def _moment_between(column, scope: Scope) -> ColumnElement[bool]:
    """A UTC timestamp within the scope's Stockholm days."""
    start = datetime.combine(scope.date_from, time(), STOCKHOLM).astimezone(UTC)
    end = datetime.combine(scope.date_to + timedelta(days=1), time(), STOCKHOLM).astimezone(UTC)
    return and_(column >= start, column < end)


def _count_if(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- the funnel ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    received: int
    in_portfolio: int
    concept: int
    pilot: int
    implementation: int
    still_open: int
    declined: int
    duplicate: int
    withdrawn: int
    stopped: int


FUNNEL_STEPS = (
    ("received", _l("Inkomna"), _l("Alla inlämningar som skickades in under perioden.")),
    (
        "in_portfolio",
        _l("I portfölj"),
        _l("Av dem: tagna in i ett fokusområdes portfölj, där ett initiativ tog över."),
    ),
    (
        "concept",
        _l("Konceptfas"),
        _l(
            "Av dem: initiativ som har nått Konceptfas, nu eller tidigare, genom Core Teams beslut."
        ),
    ),
    ("pilot", _l("Pilotfas"), _l("Av dem: initiativ som har nått Pilotfas.")),
    (
        "implementation",
        _l("Implementering"),
        _l("Av dem: initiativ som har nått Implementeringsfas eller Uppföljning."),
    ),
)
FUNNEL_ASIDE = (
    ("still_open", _l("Inte sorterade ännu"), _l("Inkomna eller väntar på komplettering.")),
    ("declined", _l("Avslagna"), _l("Ligger utanför Samhällskontraktets uppdrag.")),
    ("duplicate", _l("Dubbletter"), _l("Sammanslagna med något som redan fanns.")),
    ("withdrawn", _l("Återkallade"), _l("Återkallade av den som skickade in.")),
    (
        "stopped",
        _l("Avslutade initiativ"),
        _l("Initiativ i portföljen som Core Team har beslutat att avsluta."),
    ),
)


def _rank(phase_column):
    return case(PHASE_RANK, value=phase_column, else_=0)


def kind_state_counts(*periods: Scope) -> list[dict[tuple[str, str], int]]:
    """Submissions per (kind, state) in each period, one dict per period, in one statement:
    each period read once from the monthly summary (whole months) and the index (the
    partial months at its edges). The funnel's states and the ideas and needs of both
    periods come from this one read instead of five (five years: a read of about 11 000
    summary rows each)."""
    parts = []
    for n, period in enumerate(periods):
        part = period.counted(("kind", "state")).subquery()
        parts.append(select(literal(n).label("period"), part.c.kind, part.c.state, part.c.n))
    every = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    statement = select(every.c.period, every.c.kind, every.c.state, func.sum(every.c.n)).group_by(
        every.c.period, every.c.kind, every.c.state
    )
    counts: list[dict[tuple[str, str], int]] = [{} for _ in periods]
    for period, kind, state, n in db.session.execute(statement):
        counts[int(period)][(kind, state)] = int(n)
    return counts


def funnel(scope: Scope, states: dict[tuple[str, str], int] | None = None) -> Funnel:
    """Where the period's submissions are now (module docstring). `states`: the period's
    submissions per (kind, state) as `kind_state_counts` gives them, when the caller has
    them already (the dashboard reads them with the follow-up figures); else read here.
    Then one statement for the phases, from the initiatives of those submissions (each
    one's furthest phase by its decisions)."""
    if states is None:
        states = kind_state_counts(scope)[0]
    per_state: dict[str, int] = {}
    for (_kind, state), n in states.items():
        per_state[state] = per_state.get(state, 0) + n
    by_state = {
        "received": sum(per_state.values()),
        "in_portfolio": per_state.get(State.IN_PORTFOLIO.value, 0),
        "still_open": per_state.get(State.RECEIVED.value, 0)
        + per_state.get(State.AWAITING_INFO.value, 0),
        "declined": per_state.get(State.DECLINED.value, 0),
        "duplicate": per_state.get(State.DUPLICATE.value, 0),
        "withdrawn": per_state.get(State.WITHDRAWN.value, 0),
    }
    # Every phase a decision left or entered was reached; with no decision, the current one.
    # The decisions are aggregated once per initiative and joined (PostgreSQL hashes them:
    # 14 -> 10 ms over five years, instead of a subquery per initiative).
    came_from, went_to = _rank(Decision.from_phase), _rank(Decision.to_phase)
    furthest_decided = (
        select(
            Decision.initiative_id,
            func.max(case((came_from > went_to, came_from), else_=went_to)).label("rank"),
        )
        .group_by(Decision.initiative_id)
        .subquery("furthest_decided")
    )
    # Grouped first, so that SQLite does not fold it into the sums below (which would work
    # out the phase once per sum).
    reached = func.coalesce(furthest_decided.c.rank, _rank(Initiative.phase))
    stopped = case((Initiative.phase == Phase.CLOSED.value, 1), else_=0)
    # The initiatives of the period's submissions in a portfolio, by the day the database keeps
    # on each (portal/board/origin_day.py); a filter on the source or focus area looks each
    # one's submission up (five years on PostgreSQL: 8.7 -> 2.7 ms without).
    from_scope = [_between(Initiative.origin_submitted_on, scope)]
    if filters := scope.submission_filters():
        from_scope.append(
            select(Submission.id)
            .where(Submission.id == Initiative.origin_submission_id, *filters)
            .exists()
        )
    per_reach = (
        select(reached.label("reached"), stopped.label("stopped"), func.count().label("n"))
        .select_from(Initiative)
        .outerjoin(furthest_decided, furthest_decided.c.initiative_id == Initiative.id)
        .where(*from_scope)
        .group_by(reached, stopped)
        .subquery("per_reach")
    )

    def initiatives_where(condition):
        return func.coalesce(func.sum(case((condition, per_reach.c.n), else_=0)), 0)

    by_phase = select(
        initiatives_where(per_reach.c.reached >= PHASE_RANK[Phase.CONCEPT.value]).label("concept"),
        initiatives_where(per_reach.c.reached >= PHASE_RANK[Phase.PILOT.value]).label("pilot"),
        initiatives_where(per_reach.c.reached >= PHASE_RANK[Phase.IMPLEMENTATION.value]).label(
            "implementation"
        ),
        initiatives_where(per_reach.c.stopped == 1).label("stopped"),
    ).subquery("by_phase")
    phases = db.session.execute(select(by_phase)).one()._mapping
    return Funnel(
        *(int(by_state[f.name] if f.name in by_state else phases[f.name]) for f in fields(Funnel))
    )


# --- follow-up figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    explanation: str
    current: int
    previous: int
    kronor: bool = False
    part_of: str | None = None  # the key of the figure this one is a part of ("varav")

    @property
    def change(self) -> int:
        return self.current - self.previous


@dataclass(frozen=True)
class PartyEmployees:
    party_id: int | None
    current: int
    previous: int


@dataclass(frozen=True)
class BudgetLine:
    year: int
    budget_kr: int | None
    granted_kr: int

    @property
    def left_kr(self) -> int | None:
        return None if self.budget_kr is None else self.budget_kr - self.granted_kr


@dataclass(frozen=True)
class FollowUp:
    scope: Scope
    previous: Scope
    figures: list[Figure]
    employees: list[PartyEmployees]  # one per party with anyone involved in either period
    budgets: list[BudgetLine]  # each calendar year the period touches
    # The submissions per (kind, state) of the period and the previous one, for funnel().
    states: list[dict[tuple[str, str], int]] = field(default_factory=list, compare=False)


def follow_up(scope: Scope) -> FollowUp:
    """SK's follow-up figures for the scope and the period before it. Seven statements."""
    previous = scope.previous
    states = kind_state_counts(scope, previous)
    figures = [
        *_submission_figures(scope, previous, states),
        *_decision_figures(scope, previous),
        _insight_figure(scope, previous),
        _funding_figure(scope, previous),
    ]
    return FollowUp(
        scope,
        previous,
        figures,
        _employees(scope, previous),
        _budgets(scope.date_from, scope.date_to),
        states,
    )


def _two(statement) -> list[int]:
    return [int(v or 0) for v in db.session.execute(statement).one()]


def _submission_figures(
    scope: Scope, previous: Scope, states: list[dict[tuple[str, str], int]] | None = None
) -> list[Figure]:
    """Ideas and needs in each period, from `kind_state_counts(scope, previous)`."""
    if states is None:
        states = kind_state_counts(scope, previous)

    def of_kind(counts: dict[tuple[str, str], int], kind: Kind) -> int:
        return sum(n for (k, _state), n in counts.items() if k == kind.value)

    values = [of_kind(c, k) for k in (Kind.IDEA, Kind.CHALLENGE) for c in states]
    return [
        Figure(
            "ideas",
            _l("Innovationsidéer"),
            _l("Inlämningar av typen idé som skickades in under perioden."),
            values[0],
            values[1],
        ),
        Figure(
            "needs",
            _l("Insamlade behov"),
            _l("Inlämningar av typen utmaning eller behov som skickades in under perioden."),
            values[2],
            values[3],
        ),
    ]


def _decision_figures(scope: Scope, previous: Scope) -> list[Figure]:
    d = Decision
    on_idea = d.from_phase.in_([Phase.IDEA.value, Phase.CONCEPT.value])
    rejected = and_(on_idea, d.to_phase == Phase.CLOSED.value)
    piloted = and_(d.from_phase == Phase.CONCEPT.value, d.to_phase == Phase.PILOT.value)
    prototype = and_(d.to_phase == Phase.CONCEPT.value, d.from_phase != Phase.CONCEPT.value)
    pilot = d.to_phase == Phase.PILOT.value
    # Per initiative first (did it have such a decision in the period: 0 or 1), then summed:
    # one grouping instead of ten COUNT(DISTINCT)s, each of which sorts on its own.
    flags = []
    for condition in (on_idea, rejected, piloted, prototype, pilot):
        for period in (scope, previous):
            flags.append(
                func.max(case((and_(_between(d.decided_on, period), condition), 1), else_=0))
            )
    per_initiative = (
        select(*(flag.label(f"f{n}") for n, flag in enumerate(flags)))
        .where(
            d.decided_on >= min(previous.date_from, scope.date_from),
            d.decided_on <= max(previous.date_to, scope.date_to),
            *scope.initiative_filters(d.initiative_id),
        )
        .group_by(d.initiative_id)
        .subquery()
    )
    values = _two(select(*(func.sum(c) for c in per_initiative.c)))
    pairs = [values[i : i + 2] for i in range(0, len(values), 2)]
    return [
        Figure(
            "evaluated",
            _l("Utvärderade idéer"),
            _l(
                "Initiativ i Idéfas eller Konceptfas som Core Team fattade beslut om under "
                "perioden."
            ),
            *pairs[0],
        ),
        Figure(
            "rejected",
            _l("varav förkastade"),
            _l("Av de utvärderade: beslut att avsluta initiativet."),
            *pairs[1],
            part_of="evaluated",
        ),
        Figure(
            "piloted",
            _l("varav gick till pilot"),
            _l("Av de utvärderade: beslut att gå från Konceptfas till Pilotfas."),
            *pairs[2],
            part_of="evaluated",
        ),
        Figure(
            "prototypes",
            _l("Prototyper"),
            _l("Initiativ som gick in i Konceptfas, där prototyper tas fram, under perioden."),
            *pairs[3],
        ),
        Figure(
            "pilots",
            _l("Piloter"),
            _l("Initiativ som startade en pilot under perioden (nya piloter och omtester)."),
            *pairs[4],
        ),
    ]


def _insight_figure(scope: Scope, previous: Scope) -> Figure:
    values = _two(
        select(
            _count_if(_between(Insight.noted_on, scope)),
            _count_if(_between(Insight.noted_on, previous)),
        ).where(
            Insight.noted_on >= previous.date_from,
            Insight.noted_on <= scope.date_to,
            *scope.initiative_filters(Insight.initiative_id),
        )
    )
    return Figure(
        "insights",
        _l("Insikter"),
        _l("Insikter och lärdomar (”Halleluja moments”) som antecknades under perioden."),
        *values,
    )


def _granted_sum(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, FundingRequest.amount_kr), else_=0)), 0)


def _funding_figure(scope: Scope, previous: Scope) -> Figure:
    f = FundingRequest
    values = _two(
        select(
            _granted_sum(_between(f.decided_on, scope)),
            _granted_sum(_between(f.decided_on, previous)),
        ).where(
            f.status == FundingStatus.GRANTED.value,
            f.decided_on >= previous.date_from,
            f.decided_on <= scope.date_to,
            *scope.initiative_filters(f.initiative_id),
        )
    )
    return Figure(
        "granted",
        _l("Beviljade medel"),
        _l("Kronor ur innovationsbudgeten som beviljades till piloter under perioden."),
        *values,
        kronor=True,
    )


def _employees(scope: Scope, previous: Scope) -> list[PartyEmployees]:
    """Distinct employees per party who submitted, or rated an initiative, in each period.

    Each source gives its distinct (person, party, in the current period or not) first, a few
    rows however many submissions there are (those who submitted come from the summary of
    who submitted per month, portal/board/monthly.py); the UNION removes a person counted
    twice.
    """

    def submitted(period: Scope, current: int):
        part = period.counted(("submitter_id", "party_id"), summary=SUBMITTERS).subquery()
        return select(
            part.c.submitter_id.label("user_id"),
            part.c.party_id.label("party_id"),
            literal(current).label("cur"),
        ).distinct()

    rated = (
        select(
            Rating.expert_id.label("user_id"),
            User.party_id.label("party_id"),
            case((_moment_between(Rating.updated_at, scope), 1), else_=0).label("cur"),
        )
        .distinct()
        .join(User, User.id == Rating.expert_id)
        .where(
            User.party_id.is_not(None),
            # the two periods, not the days between them (a comparison a year earlier)
            or_(
                _moment_between(Rating.updated_at, scope),
                _moment_between(Rating.updated_at, previous),
            ),
            *scope.initiative_filters(Rating.initiative_id),
        )
    )
    if scope.source == RESIDENTS:
        rated = rated.where(false())  # residents are not employees
    elif scope.source is not None:
        rated = rated.where(User.party_id == scope.source)
    involved = union(submitted(scope, 1), submitted(previous, 0), rated).subquery()
    statement = select(
        involved.c.party_id,
        func.sum(involved.c.cur),
        func.sum(1 - involved.c.cur),
    ).group_by(involved.c.party_id)
    return [PartyEmployees(p, int(c), int(v)) for p, c, v in db.session.execute(statement)]


def _budgets(date_from: date, date_to: date) -> list[BudgetLine]:
    """Each calendar year of the period: its budget and what was granted that year (all of
    SK: the budget is not split by focus area or party). Two statements."""
    years = range(date_from.year, date_to.year + 1)
    budgets = dict(
        db.session.execute(
            select(InnovationBudget.year, InnovationBudget.amount_kr).where(
                InnovationBudget.year.between(years[0], years[-1])
            )
        ).all()
    )
    year = extract("year", FundingRequest.decided_on)
    granted = {
        int(y): int(total)
        for y, total in db.session.execute(
            select(year, func.sum(FundingRequest.amount_kr))
            .where(
                FundingRequest.status == FundingStatus.GRANTED.value,
                FundingRequest.decided_on >= date(years[0], 1, 1),
                FundingRequest.decided_on <= date(years[-1], 12, 31),
            )
            .group_by(year)
        )
    }
    return [BudgetLine(y, budgets.get(y), granted.get(y, 0)) for y in years]
