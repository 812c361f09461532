"""The dashboard figures, computed by aggregate SQL over indexed columns. The one source for
both the staff dashboard and the public transparency page, so both always show the same numbers.

Definitions (see README, "Dashboards and transparency"):
- received: tickets created in the period; resolved: tickets whose resolution was recorded in
  the period (``resolved_at``; a reopened ticket counts again when it is resolved again);
- backlog now: tickets open now (new, in progress, waiting for the resident); overdue now: open,
  not paused, and past the due instant that matters now (the staff queue's "fuera de plazo");
- first response / resolution figures cover the clocks that stopped in the period, from the
  minutes stored when they stopped; "within target": stored business minutes <= the category's
  target minutes; percentiles are continuous (``percentile_cont``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from app.dashboards.percentiles import percentiles
from app.dashboards.periods import AGING_BUCKETS, aging_boundaries
from app.dashboards.rollups import RESOLUTION_TARGET, histogram_percentiles, tally
from app.dashboards.scope import Scope, in_span
from app.models import Category, DailyHistogram, Department, Ticket
from app.models.practice import in_practice
from app.tickets import open_hours
from app.tickets.calendar import BusinessCalendar
from app.tickets.lifecycle import OPEN_STATUSES

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * 60


def ratio(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Summary:
    received: int
    resolved: int
    backlog: int
    overdue: int
    # Received in the period and found to be duplicates: counted apart, never as resolved
    # (they have no resolution clock, so "resueltos dentro de plazo" leaves them out).
    duplicates: int = 0


def maintained(scope: Scope) -> bool:
    """Whether the "now" figures can come from the open tickets' hour rows
    (app/tickets/open_hours.py): they are kept per unit and category, never for practice
    tickets. A channel filter, or a practice session, counts the open tickets themselves."""
    return scope.channel is None and not in_practice()


def summary(session: Session, scope: Scope, now: datetime) -> Summary:
    """Received, resolved and duplicates from the daily rollups and today's delta (exact: see
    app/dashboards/rollups.py); the backlog and overdue now from the open tickets' hour rows
    (exact, see ``open_hours.now_figures``)."""
    received, resolved, duplicates = tally(
        session, scope, ["received", "resolved", "duplicates"]
    ).get(None, [0, 0, 0])
    if maintained(scope):
        backlog, overdue, _ = open_hours.now_figures(session, scope, now, [])
    else:
        backlog, overdue = counted_backlog(session, scope, now)
    return Summary(
        received=received,
        resolved=resolved,
        duplicates=duplicates,
        backlog=backlog,
        overdue=overdue,
    )


def counted_backlog(session: Session, scope: Scope, now: datetime) -> tuple[int, int]:
    """Backlog and overdue now counted over the open tickets (the definition the hour rows
    must equal)."""
    overdue = case((and_(Ticket.next_due_at < now, Ticket.sla_paused_at.is_(None)), 1), else_=0)
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(overdue), 0)).where(
            *scope.conditions(), Ticket.status.in_(OPEN_STATUSES)
        )
    ).one()
    return int(row[0]), int(row[1])


def aging(
    session: Session, scope: Scope, calendar: BusinessCalendar, now: datetime
) -> list[tuple[str, int]]:
    """Open tickets by whole business days since creation: four boundary instants computed with
    the calendar, then the open tickets filed at or before each from the hour rows."""
    boundaries = aging_boundaries(calendar, now)  # 3, 6, 11, 21 business days back
    if not maintained(scope):
        return counted_aging(session, scope, boundaries)
    backlog, _, filed_by = open_hours.now_figures(session, scope, now, boundaries)
    # filed_by: at or before 3, 6, 11, 21 business days back; each bucket is a difference.
    cumulative = [backlog, *filed_by, 0]
    return [
        (label, cumulative[index] - cumulative[index + 1])
        for index, (label, _, _) in enumerate(AGING_BUCKETS)
    ]


def counted_aging(
    session: Session, scope: Scope, boundaries: list[datetime]
) -> list[tuple[str, int]]:
    """Aging with one CASE and count over the open tickets (the definition)."""
    whens = [
        (Ticket.created_at <= boundary, index)
        for index, boundary in reversed(list(enumerate(boundaries, start=1)))
    ]
    bucketed = (
        select(case(*whens, else_=0).label("bucket"))
        .where(*scope.conditions(), Ticket.status.in_(OPEN_STATUSES))
        .subquery()
    )
    counts = dict(
        session.execute(select(bucketed.c.bucket, func.count()).group_by(bucketed.c.bucket)).all()
    )
    return [(label, int(counts.get(index, 0))) for index, (label, _, _) in enumerate(AGING_BUCKETS)]


@dataclass(frozen=True)
class Clock:
    """One SLA clock (first response or resolution) over the clocks stopped in the period."""

    stopped: int
    within_target: int
    median_hours: float | None  # business hours
    p90_hours: float | None
    median_days: float | None  # calendar days
    p90_days: float | None

    @property
    def compliance(self) -> float | None:
        return ratio(self.within_target, self.stopped)


CLOCKS = {  # (stopped at, business minutes, calendar minutes, target, rollup measures)
    "first_response": (
        Ticket.first_responded_at,
        Ticket.first_response_business_minutes,
        Ticket.first_response_calendar_minutes,
        Category.first_response_minutes,
        ["first_responded", "first_within"],
    ),
    "resolution": (
        Ticket.resolved_at,
        Ticket.resolution_business_minutes,
        Ticket.resolution_calendar_minutes,
        RESOLUTION_TARGET,
        ["resolved", "resolved_within"],
    ),
}


def clock(session: Session, scope: Scope, name: str, *, exact: bool = False) -> Clock:
    """Counts from the rollups (exact); median and p90 from the daily histograms (within
    ``rollups.ERROR``) unless ``exact`` or the scope names a category or channel."""
    stopped_at, business, calendar_minutes, _, measures = CLOCKS[name]
    conditions = [*scope.conditions(), *in_span(stopped_at, scope.span)]
    stopped, within_target = tally(session, scope, measures).get(None, [0, 0])
    codes = ["rb", "rc"] if name == "resolution" else ["fb", "fc"]
    found = None if exact else histogram_percentiles(session, scope, codes, [0.5, 0.9])
    if found is None:
        source = select(
            literal(0).label("group"),
            business.label("business"),
            calendar_minutes.label("calendar"),
        ).where(*conditions)
        found = percentiles(session, source, ["business", "calendar"], [0.5, 0.9])
    found = found.get(0, found.get(None))
    p50_b, p90_b, p50_c, p90_c = found or [None] * 4
    return Clock(
        stopped=int(stopped),
        within_target=int(within_target),
        median_hours=_scaled(p50_b, MINUTES_PER_HOUR),
        p90_hours=_scaled(p90_b, MINUTES_PER_HOUR),
        median_days=_scaled(p50_c, MINUTES_PER_DAY),
        p90_days=_scaled(p90_c, MINUTES_PER_DAY),
    )


def _scaled(minutes: float | None, unit: int) -> float | None:
    return None if minutes is None else round(minutes / unit, 1)


@dataclass(frozen=True)
class DepartmentRow:
    """One line of the comparison table (staff) and of the transparency page (public)."""

    department_id: int
    name: str
    highlighted: bool
    received: int
    resolved: int
    within_target: int
    median_days: float | None  # calendar days to resolve
    median_hours: float | None  # business hours to resolve
    rating: float | None
    ratings: int
    code: str = ""

    @property
    def compliance(self) -> float | None:
        return ratio(self.within_target, self.resolved)


def departments(session: Session, scope: Scope, *, exact: bool = False) -> list[DepartmentRow]:
    """Per active department: received, resolved, within target, median time, satisfaction.
    Highlighted departments first, then by name."""
    conditions = scope.conditions()
    resolved_in = [*conditions, *in_span(Ticket.resolved_at, scope.span)]
    received = {
        key: values[0]
        for key, values in tally(session, scope, ["received"], "department_id").items()
    }
    resolved = tally(session, scope, ["resolved", "resolved_within"], "department_id")
    medians = None
    if not exact:
        medians = histogram_percentiles(
            session,
            scope,
            ["rc", "rb"],
            [0.5],
            rolled_group=DailyHistogram.department_id,
            live_group=Ticket.department_id,
        )
    if medians is None:
        medians = percentiles(
            session,
            select(
                Ticket.department_id.label("group"),
                Ticket.resolution_calendar_minutes.label("calendar"),
                Ticket.resolution_business_minutes.label("business"),
            ).where(*resolved_in),
            ["calendar", "business"],
            [0.5],
        )
    ratings = {
        key: (total / rated, rated)
        for key, (rated, total) in tally(
            session, scope, ["rated", "rating_sum"], "department_id"
        ).items()
        if rated
    }
    listed = select(Department).where(Department.active.is_(True))
    if scope.department_id is not None:
        listed = listed.where(Department.id == scope.department_id)
    rows = []
    for department in session.scalars(
        listed.order_by(Department.highlighted.desc(), Department.name)
    ):
        count, within_target = resolved.get(department.id, (0, 0))
        median_c, median_b = medians.get(department.id, (None, None))
        average, rated = ratings.get(department.id, (None, 0))
        rows.append(
            DepartmentRow(
                department_id=department.id,
                name=department.name,
                highlighted=department.highlighted,
                received=int(received.get(department.id, 0)),
                resolved=int(count),
                within_target=int(within_target),
                median_days=_scaled(median_c, MINUTES_PER_DAY),
                median_hours=_scaled(median_b, MINUTES_PER_HOUR),
                rating=None if average is None else round(float(average), 1),
                ratings=int(rated),
                code=department.code,
            )
        )
    return rows
