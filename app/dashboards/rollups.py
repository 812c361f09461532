"""Daily rollups of the dashboards' counts, and reading them with a live delta.

The periodic job (``refresh``, workers/jobs.py ``refresh_rollups``) writes one row per Santiago
day × unit × category × channel for every whole past day: tickets received (and of those, now
duplicates), resolution and first-response clocks stopped that day (how many, how many within
the category's target, the sums of their business and calendar minutes). It is idempotent: a
day is deleted and recounted from the tickets table, so running it twice changes nothing, and it
catches up every day after the last one it rolled (the first run rolls all history).

Reading (``Split``): the days of a period up to the last rolled one come from the rollups,
except days a ticket change marked dirty since (app/tickets/counts.py); those, and today, are
counted from the tickets table over their UTC ranges (indexed). So the counts equal counting the
tickets at any moment. Percentiles (medians, p90) are not rolled up: they stay exact, from the
tickets table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, delete, false, func, literal, or_, select
from sqlalchemy.orm import Session

from app.dashboards.periods import Period, period
from app.dashboards.scope import Scope
from app.models import Category, DailyRollup, RollupDay, Ticket
from app.models.tickets import DUPLICATE
from config.settings import settings

ROLLED, DIRTY = "rolled", "dirty"
KEY = ("department_id", "category_id", "channel")


def _within(value, target):
    return func.coalesce(func.sum(case((value <= target, 1), else_=0)), 0)


def _day_rows(session: Session, day: Period) -> list[dict]:
    """One day's rows, counted from the tickets table."""
    rows: dict[tuple, dict] = defaultdict(dict)
    keys = [Ticket.department_id, Ticket.category_id, Ticket.channel]

    def collect(statement, names) -> None:
        for row in session.execute(statement.group_by(*keys)):
            rows[tuple(row[:3])].update(zip(names, (int(v or 0) for v in row[3:]), strict=True))

    collect(
        select(
            *keys,
            func.count(),
            func.coalesce(func.sum(case((Ticket.status == DUPLICATE, 1), else_=0)), 0),
        ).where(Ticket.created_at >= day.start, Ticket.created_at < day.end),
        ("received", "duplicates"),
    )
    for stopped_at, business, calendar, target, names in (
        (
            Ticket.resolved_at,
            Ticket.resolution_business_minutes,
            Ticket.resolution_calendar_minutes,
            Category.resolution_minutes,
            ("resolved", "resolved_within", "resolution_business_sum", "resolution_calendar_sum"),
        ),
        (
            Ticket.first_responded_at,
            Ticket.first_response_business_minutes,
            Ticket.first_response_calendar_minutes,
            Category.first_response_minutes,
            ("first_responded", "first_within", "first_business_sum", "first_calendar_sum"),
        ),
    ):
        collect(
            select(
                *keys,
                func.count(),
                _within(business, target),
                func.sum(business),
                func.sum(calendar),
            )
            .select_from(Ticket)
            .join(Category, Category.id == Ticket.category_id)
            .where(stopped_at >= day.start, stopped_at < day.end),
            names,
        )
    return [
        {"day": day.first, **dict(zip(KEY, key, strict=True)), **_zeros(), **values}
        for key, values in rows.items()
    ]


def _zeros() -> dict[str, int]:
    return {
        column.key: 0 for column in DailyRollup.__table__.columns if column.key not in ("day", *KEY)
    }


def roll_day(session: Session, day: date, timezone: str) -> int:
    session.execute(delete(DailyRollup).where(DailyRollup.day == day))
    rows = _day_rows(session, period(day, day, timezone))
    if rows:
        session.execute(DailyRollup.__table__.insert(), rows)
    return len(rows)


def rolled_through(session: Session) -> date | None:
    return session.scalar(select(func.max(RollupDay.day)).where(RollupDay.kind == ROLLED))


def refresh(session: Session, today: date, timezone: str) -> int:
    """Roll up every whole day not rolled yet and every dirty one; answers the days rolled.
    Flushes, never commits (the job's boundary does)."""
    last = rolled_through(session)
    yesterday = today - timedelta(days=1)
    if last is None:
        first_instant = session.scalar(select(func.min(Ticket.created_at)))
        first = today if first_instant is None else local_date(first_instant, timezone)
    else:
        first = last + timedelta(days=1)
    days = set()
    day = first
    while day <= yesterday:
        days.add(day)
        day += timedelta(days=1)
    dirty = set(
        session.scalars(select(RollupDay.day).where(RollupDay.kind == DIRTY, RollupDay.day < today))
    )
    if last is None:
        session.execute(delete(DailyRollup).where(DailyRollup.day < first))
    for day in sorted(days | dirty):
        roll_day(session, day, timezone)
    session.execute(delete(RollupDay).where(RollupDay.kind == DIRTY, RollupDay.day.in_(dirty)))
    if yesterday >= first or last is None:
        session.execute(delete(RollupDay).where(RollupDay.kind == ROLLED))
        session.add(RollupDay(day=max(yesterday, last or yesterday), kind=ROLLED))
    session.flush()
    return len(days | dirty)


def local_date(instant: datetime, timezone: str) -> date:
    return instant.astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class Split:
    """A period as rolled-up days (``first``..``through`` but ``dirty``) and live UTC ranges."""

    span: Period
    through: date | None
    dirty: frozenset[date]
    live: tuple[tuple[datetime, datetime], ...]

    @property
    def has_rolled(self) -> bool:
        return self.through is not None and self.through >= self.span.first

    def rolled_where(self) -> list[ColumnElement[bool]]:
        if not self.has_rolled:
            return [false()]
        found = [
            DailyRollup.day >= self.span.first,
            DailyRollup.day <= min(self.through, self.span.last),
        ]
        if self.dirty:
            found.append(DailyRollup.day.not_in(sorted(self.dirty)))
        return found

    def live_where(self, column) -> ColumnElement[bool]:
        if not self.live:
            return false()
        return or_(*(and_(column >= start, column < end) for start, end in self.live))


def split(session: Session, span: Period, timezone: str | None = None) -> Split:
    timezone = timezone or settings().timezone
    through = rolled_through(session)
    if through is None:
        return Split(span, None, frozenset(), ((span.start, span.end),))
    dirty = frozenset(
        session.scalars(
            select(RollupDay.day).where(
                RollupDay.kind == DIRTY,
                RollupDay.day >= span.first,
                RollupDay.day <= min(through, span.last),
            )
        )
    )
    live = [(p.start, p.end) for p in (period(d, d, timezone) for d in sorted(dirty))]
    if through < span.last:
        after = period(max(span.first, through + timedelta(days=1)), span.last, timezone)
        live.append((after.start, after.end))
    return Split(span, through, dirty, tuple(live))


# Each measure: its rollup column, the instant that places it in a day, and what it counts
# live ("count", "duplicates" or "within": business minutes within the category's target).
MEASURES = {
    "received": (DailyRollup.received, Ticket.created_at, "count"),
    "duplicates": (DailyRollup.duplicates, Ticket.created_at, "duplicates"),
    "resolved": (DailyRollup.resolved, Ticket.resolved_at, "count"),
    "resolved_within": (DailyRollup.resolved_within, Ticket.resolved_at, "within"),
    "first_responded": (DailyRollup.first_responded, Ticket.first_responded_at, "count"),
    "first_within": (DailyRollup.first_within, Ticket.first_responded_at, "within"),
}
TARGETS = {
    Ticket.resolved_at: (Ticket.resolution_business_minutes, Category.resolution_minutes),
    Ticket.first_responded_at: (
        Ticket.first_response_business_minutes,
        Category.first_response_minutes,
    ),
}


def _live(instant, kind: str):
    if kind == "count":
        return func.count()
    if kind == "duplicates":
        return func.coalesce(func.sum(case((Ticket.status == DUPLICATE, 1), else_=0)), 0)
    business, target = TARGETS[instant]
    return _within(business, target)


def tally(
    session: Session, scope: Scope, measures: list[str], by: str | None = None
) -> dict[object, list[int]]:
    """Sums of ``measures`` over the scope's period, per ``by`` (a rollup key column name) or
    under the key None: rolled days from the rollups, the rest from the tickets table."""
    where = split(session, scope.span)
    answer: dict[object, list[int]] = defaultdict(lambda: [0] * len(measures))

    def add(rows, positions) -> None:
        for row in rows:
            found = answer[row[0]]
            for position, value in zip(positions, row[1:], strict=True):
                found[position] += int(value or 0)

    rolled_group = getattr(DailyRollup, by) if by else literal(None)
    rolled = [
        getattr(DailyRollup, name) == value
        for name, value in (
            ("department_id", scope.department_id),
            ("category_id", scope.category_id),
            ("channel", scope.channel),
        )
        if value is not None
    ]
    if where.has_rolled:
        add(
            session.execute(
                select(rolled_group, *(func.sum(MEASURES[m][0]) for m in measures))
                .where(*where.rolled_where(), *rolled)
                .group_by(rolled_group)
            ),
            range(len(measures)),
        )
    if not where.live:
        return dict(answer)
    live_group = getattr(Ticket, by) if by else literal(None)
    by_instant: dict = defaultdict(list)
    for position, name in enumerate(measures):
        by_instant[MEASURES[name][1]].append(position)
    for instant, positions in by_instant.items():
        kinds = [MEASURES[measures[p]][2] for p in positions]
        statement = select(live_group, *(_live(instant, kind) for kind in kinds)).where(
            *scope.conditions(), where.live_where(instant)
        )
        if "within" in kinds:
            statement = statement.select_from(Ticket).join(
                Category, Category.id == Ticket.category_id
            )
        add(session.execute(statement.group_by(live_group)), positions)
    return dict(answer)
