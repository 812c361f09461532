"""Periods and buckets as UTC instants, computed in Python with the calendar (a handful of
values), so the SQL compares indexed timestamp columns and never converts time zones per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.tickets.calendar import BusinessCalendar

# Backlog aging buckets, in whole business days since creation: (label, first day, last day).
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-2", 0, 2),
    ("3-5", 3, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    (">20", 21, None),
)


@dataclass(frozen=True)
class Period:
    """Santiago dates ``first`` .. ``last`` (both included) as the UTC range [start, end)."""

    first: date
    last: date
    start: datetime
    end: datetime


def period(first: date, last: date, timezone: str) -> Period:
    tz = ZoneInfo(timezone)
    start = datetime.combine(first, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return Period(first, last, start, end)


def month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def week_starts(span: Period) -> list[date]:
    """The first day of each weekly bucket: the period's first day, then each Monday after it."""
    starts = [span.first]
    day = span.first + timedelta(days=7 - span.first.weekday())
    while day <= span.last:
        starts.append(day)
        day += timedelta(days=7)
    return starts


def day_boundaries(days: list[date], timezone: str) -> list[datetime]:
    tz = ZoneInfo(timezone)
    return [datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC) for day in days]


def business_days_before(calendar: BusinessCalendar, now: datetime, days: int) -> datetime:
    """The latest instant from which ``days`` full business days of working time reach ``now``.

    A ticket created at or before it is at least ``days`` business days old
    (``calendar.minutes_between(created_at, now) >= days * calendar.minutes_per_day``).
    """
    remaining = days * calendar.minutes_per_day
    local = now.astimezone(calendar.tz)
    day, cursor = local.date(), local
    for _ in range(3660):
        if calendar.is_business_day(day):
            opens = datetime.combine(day, calendar.workday_start, tzinfo=calendar.tz)
            closes = datetime.combine(day, calendar.workday_end, tzinfo=calendar.tz)
            until = min(closes, cursor)
            available = max(0.0, (until - opens).total_seconds() / 60)
            if remaining <= available:
                return (until - timedelta(minutes=remaining)).astimezone(UTC)
            remaining -= available
        day -= timedelta(days=1)
        cursor = datetime.combine(day + timedelta(days=1), time.min, tzinfo=calendar.tz)
    raise ValueError("no business time found within ten years")


def aging_boundaries(calendar: BusinessCalendar, now: datetime) -> list[datetime]:
    """The instants at 3, 6, 11 and 21 business days before ``now`` (newest first)."""
    return [business_days_before(calendar, now, low) for _, low, _ in AGING_BUCKETS[1:]]
