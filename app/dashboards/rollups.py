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

import math
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    and_,
    case,
    cast,
    delete,
    event,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.dashboards.periods import Period, period
from app.dashboards.scope import Scope
from app.models import (
    Category,
    DailyHistogram,
    DailyRollup,
    RollupDay,
    SatisfactionRating,
    Ticket,
)
from app.models.tickets import DUPLICATE
from config.settings import settings

# A rights request's target may be extended once (app/tickets/rights.py): compliance is measured
# against the target in force, the category's plus the extension.
RESOLUTION_TARGET = Category.resolution_minutes + func.coalesce(
    Ticket.resolution_extension_minutes, 0
)

ROLLED, DIRTY = "rolled", "dirty"
KEY = ("department_id", "category_id", "channel")


def _within(value, target):
    return func.coalesce(func.sum(case((value <= target, 1), else_=0)), 0)


def _breached(value, target):
    return func.coalesce(func.sum(case((value > target, 1), else_=0)), 0)


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
            RESOLUTION_TARGET,
            (
                "resolved",
                "resolved_within",
                "resolved_breached",
                "resolution_business_sum",
                "resolution_calendar_sum",
            ),
        ),
        (
            Ticket.first_responded_at,
            Ticket.first_response_business_minutes,
            Ticket.first_response_calendar_minutes,
            Category.first_response_minutes,
            (
                "first_responded",
                "first_within",
                "first_breached",
                "first_business_sum",
                "first_calendar_sum",
            ),
        ),
    ):
        collect(
            select(
                *keys,
                func.count(),
                _within(business, target),
                _breached(business, target),
                func.sum(business),
                func.sum(calendar),
            )
            .select_from(Ticket)
            .join(Category, Category.id == Ticket.category_id)
            .where(stopped_at >= day.start, stopped_at < day.end),
            names,
        )
    collect(
        select(*keys, func.count(SatisfactionRating.id), func.sum(SatisfactionRating.rating))
        .select_from(Ticket)
        .join(SatisfactionRating, SatisfactionRating.ticket_id == Ticket.id)
        .where(Ticket.resolved_at >= day.start, Ticket.resolved_at < day.end),
        ("rated", "rating_sum"),
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
    span = period(day, day, timezone)
    rows = _day_rows(session, span)
    if rows:
        session.execute(DailyRollup.__table__.insert(), rows)
    roll_histograms(session, span)
    return len(rows)


def rolled_through(session: Session) -> date | None:
    return session.scalar(select(func.max(RollupDay.day)).where(RollupDay.kind == ROLLED))


MAX_DAYS_PER_RUN = 400  # a first run over years of history takes several runs, each short


def refresh(session: Session, today: date, timezone: str, limit: int = MAX_DAYS_PER_RUN) -> int:
    """Roll up the dirty days and the whole days not rolled yet, oldest first, at most
    ``limit`` of those per run (the rest are read live until the next run); answers the days
    rolled. Flushes, never commits (the job's boundary does)."""
    last = rolled_through(session)
    yesterday = today - timedelta(days=1)
    if last is None:
        first_instant = session.scalar(select(func.min(Ticket.created_at)))
        first = today if first_instant is None else local_date(first_instant, timezone)
        first = min(first, today)
        session.execute(delete(DailyRollup).where(DailyRollup.day < first))
        session.execute(delete(DailyHistogram).where(DailyHistogram.day < first))
    else:
        first = last + timedelta(days=1)
    missing = [first + timedelta(days=n) for n in range(max(0, (yesterday - first).days + 1))]
    missing = missing[: max(0, limit)]
    # Taken before the days are counted: a change committed meanwhile marks its day again
    # (its insert waits for this transaction's delete), so the next run counts it.
    dirty = set(
        session.scalars(
            delete(RollupDay)
            .where(RollupDay.kind == DIRTY, RollupDay.day < today)
            .returning(RollupDay.day)
        )
    )
    for day in sorted(dirty | set(missing)):
        roll_day(session, day, timezone)
    through = missing[-1] if missing else (last or first - timedelta(days=1))
    if through != last:
        session.execute(delete(RollupDay).where(RollupDay.kind == ROLLED))
        session.add(RollupDay(day=through, kind=ROLLED))
    session.flush()
    return len(dirty | set(missing))


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
    "resolved_breached": (DailyRollup.resolved_breached, Ticket.resolved_at, "breached"),
    "first_breached": (DailyRollup.first_breached, Ticket.first_responded_at, "breached"),
    "rated": (DailyRollup.rated, Ticket.resolved_at, "rated"),
    "rating_sum": (DailyRollup.rating_sum, Ticket.resolved_at, "rating_sum"),
}
TARGETS = {
    Ticket.resolved_at: (Ticket.resolution_business_minutes, RESOLUTION_TARGET),
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
    if kind == "rated":
        return func.count(SatisfactionRating.id)
    if kind == "rating_sum":
        return func.coalesce(func.sum(SatisfactionRating.rating), 0)
    business, target = TARGETS[instant]
    return (_within if kind == "within" else _breached)(business, target)


def _group(by, table, day, instant):
    if callable(by):
        return by(day, instant)
    return getattr(table, by) if by else literal(None)


def tally(session: Session, scope: Scope, measures: list[str], by=None) -> dict[object, list[int]]:
    """Sums of ``measures`` over the scope's period, per ``by`` (a rollup key column name, or a
    function of (rollup day column, ticket instant column) giving both group expressions) or
    under the key None: rolled days from the rollups, the rest from the tickets table."""
    where = split(session, scope.span)
    answer: dict[object, list[int]] = defaultdict(lambda: [0] * len(measures))

    def add(rows, positions) -> None:
        for row in rows:
            found = answer[row[0]]
            for position, value in zip(positions, row[1:], strict=True):
                found[position] += int(value or 0)

    rolled_group = _group(by, DailyRollup, DailyRollup.day, None)
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
    by_instant: dict = defaultdict(list)
    for position, name in enumerate(measures):
        by_instant[MEASURES[name][1]].append(position)
    for instant, positions in by_instant.items():
        live_group = _group(by, Ticket, None, instant)
        kinds = [MEASURES[measures[p]][2] for p in positions]
        statement = select(live_group, *(_live(instant, kind) for kind in kinds)).where(
            *scope.conditions(), where.live_where(instant)
        )
        statement = statement.select_from(Ticket)
        if "within" in kinds or "breached" in kinds:
            statement = statement.join(Category, Category.id == Ticket.category_id)
        if "rated" in kinds or "rating_sum" in kinds:  # at most one rating per ticket
            statement = statement.outerjoin(
                SatisfactionRating, SatisfactionRating.ticket_id == Ticket.id
            )
        add(session.execute(statement.group_by(live_group)), positions)
    return dict(answer)


# --- durations: log-scale histograms, percentiles within 2 % -----------------------------------

RATIO = 1.04  # bucket width: the geometric middle of a bucket is within 2 % of any value in it
ERROR = math.sqrt(RATIO) - 1  # the bound (1.98 %), stated in README
HISTOGRAMS = {  # measure code -> (the instant the clock stopped, its minutes)
    "rb": (Ticket.resolved_at, Ticket.resolution_business_minutes),
    "rc": (Ticket.resolved_at, Ticket.resolution_calendar_minutes),
    "fb": (Ticket.first_responded_at, Ticket.first_response_business_minutes),
    "fc": (Ticket.first_responded_at, Ticket.first_response_calendar_minutes),
}


@event.listens_for(Engine, "connect")
def _sqlite_ln(dbapi_connection, _record) -> None:
    """SQLite builds may lack ln(); the buckets are computed in SQL on both databases."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "ln", 1, lambda v: math.log(v) if v and v > 0 else None, deterministic=True
        )


def bucket_of(value, dialect: str):
    position = func.ln(value) / math.log(RATIO)
    # Postgres' integer cast rounds; SQLite's truncates (a floor for positions >= 0).
    floor = func.floor(position) if dialect == "postgresql" else cast(position, Integer)
    return case((value <= 0, 0), else_=1 + cast(floor, Integer))


def bucket_value(bucket: int) -> float:
    return 0.0 if bucket <= 0 else RATIO ** (bucket - 0.5)


def roll_histograms(session: Session, day: Period) -> None:
    session.execute(delete(DailyHistogram).where(DailyHistogram.day == day.first))
    dialect = session.get_bind().dialect.name
    rows = []
    for code, (stopped_at, minutes) in HISTOGRAMS.items():
        bucket = bucket_of(minutes, dialect)
        for department_id, found, count in session.execute(
            select(Ticket.department_id, bucket, func.count())
            .where(stopped_at >= day.start, stopped_at < day.end, minutes.is_not(None))
            .group_by(Ticket.department_id, bucket)
        ):
            rows.append(
                {
                    "day": day.first,
                    "department_id": department_id,
                    "measure": code,
                    "bucket": int(found),
                    "tickets": int(count),
                }
            )
    if rows:
        session.execute(DailyHistogram.__table__.insert(), rows)


def from_histogram(counts: dict[int, int], fractions: Sequence[float]) -> list[float | None]:
    """``percentile_cont`` over the buckets' middles: ranks interpolated like Postgres does."""
    total = sum(counts.values())
    if not total:
        return [None] * len(fractions)
    ordered = sorted(counts.items())

    def at(rank: int) -> float:
        seen = 0
        for bucket, count in ordered:
            seen += count
            if rank < seen:
                return bucket_value(bucket)
        return bucket_value(ordered[-1][0])

    answer = []
    for fraction in fractions:
        position = fraction * (total - 1)
        low = int(position)
        weight = position - low
        value = at(low)
        if weight:
            value = value * (1 - weight) + at(low + 1) * weight
        answer.append(value)
    return answer


def approximate(scope: Scope) -> bool:
    """The histograms are kept per unit: a category or channel filter reads exact values."""
    return scope.category_id is None and scope.channel is None


def _rolled_buckets(session: Session, scope: Scope, where: Split, measures, group):
    conditions = [
        DailyHistogram.day >= where.span.first,
        DailyHistogram.day <= min(where.through, where.span.last),
        DailyHistogram.measure.in_(measures),
    ]
    if where.dirty:
        conditions.append(DailyHistogram.day.not_in(sorted(where.dirty)))
    if scope.department_id is not None:
        conditions.append(DailyHistogram.department_id == scope.department_id)
    return session.execute(
        select(
            group, DailyHistogram.measure, DailyHistogram.bucket, func.sum(DailyHistogram.tickets)
        )
        .where(*conditions)
        .group_by(group, DailyHistogram.measure, DailyHistogram.bucket)
    )


def histogram_percentiles(
    session: Session,
    scope: Scope,
    measures: Sequence[str],
    fractions: Sequence[float],
    *,
    rolled_group=None,
    live_group=None,
) -> dict[object, list[float | None]] | None:
    """Percentiles like ``percentiles.percentiles`` (value by value, then fraction), from the
    histograms of rolled days plus today's (and dirty days') values bucketed live.
    ``rolled_group`` groups DailyHistogram rows, ``live_group`` the tickets alike. None when
    no day of the period is rolled up (the caller then reads the exact values: as cheap)."""
    if not approximate(scope):
        return None
    where = split(session, scope.span)
    if not where.has_rolled:
        return None
    rolled_group = literal(None) if rolled_group is None else rolled_group
    live_group = literal(None) if live_group is None else live_group
    counts: dict[object, dict[str, dict[int, int]]] = defaultdict(
        lambda: {m: defaultdict(int) for m in measures}
    )
    for group, measure, bucket, count in _rolled_buckets(
        session, scope, where, measures, rolled_group
    ):
        counts[group][measure][int(bucket)] += int(count)
    for measure in measures if where.live else ():
        stopped_at, minutes = HISTOGRAMS[measure]
        bucket = bucket_of(minutes, session.get_bind().dialect.name)
        for group, found, count in session.execute(
            select(live_group, bucket, func.count())
            .where(*scope.conditions(), where.live_where(stopped_at), minutes.is_not(None))
            .group_by(live_group, bucket)
        ):
            counts[group][measure][int(found)] += int(count)
    answer = {}
    for group, by_measure in counts.items():
        values = [v for m in measures for v in from_histogram(by_measure[m], fractions)]
        if any(v is not None for v in values):
            answer[group] = values
    return answer
