"""Business time in America/Santiago: working hours, Chile's holidays, municipal closed days."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays


@functools.cache
def _chile_holidays() -> holidays.HolidayBase:
    # Building the holiday table costs about a millisecond; every domain call and every SLA
    # alert needs a calendar, so the table is built once per process (years fill in lazily).
    return holidays.country_holidays("CL")


def _parse_hhmm(value: str | time) -> time:
    if isinstance(value, time):
        return value
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass
class BusinessCalendar:
    timezone: str = "America/Santiago"
    workday_start: time = time(8, 30)
    workday_end: time = time(17, 30)
    workdays: frozenset[int] = frozenset(range(5))  # Monday..Friday
    closed_days: frozenset[date] = frozenset()
    _holidays: holidays.HolidayBase = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.workday_start = _parse_hhmm(self.workday_start)
        self.workday_end = _parse_hhmm(self.workday_end)
        if self.workday_end <= self.workday_start:
            raise ValueError("the working day must end after it starts")
        self.tz = ZoneInfo(self.timezone)
        self._holidays = _chile_holidays()

    @classmethod
    def from_settings(cls, settings: dict, closed_days: Iterable[date] = ()) -> BusinessCalendar:
        return cls(
            timezone=settings.get("TIMEZONE", "America/Santiago"),
            workday_start=_parse_hhmm(settings.get("WORKDAY_START", "08:30")),
            workday_end=_parse_hhmm(settings.get("WORKDAY_END", "17:30")),
            closed_days=frozenset(closed_days),
        )

    @property
    def minutes_per_day(self) -> int:
        start = datetime.combine(date.min, self.workday_start)
        return int((datetime.combine(date.min, self.workday_end) - start).total_seconds() // 60)

    def is_business_day(self, day: date) -> bool:
        return (
            day.weekday() in self.workdays
            and day not in self._holidays
            and day not in self.closed_days
        )

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.workday_start, tzinfo=self.tz),
            datetime.combine(day, self.workday_end, tzinfo=self.tz),
        )

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(self.tz)
        opens, closes = self._window(local.date())
        return self.is_business_day(local.date()) and opens <= local < closes

    def next_opening(self, instant: datetime) -> datetime:
        """The instant itself if the municipality is open then, else when it next opens (UTC)."""
        return self.add_minutes(instant, 0)

    def add_minutes(self, start: datetime, minutes: int) -> datetime:
        """The UTC instant after ``minutes`` of working time from ``start``."""
        if minutes < 0:
            raise ValueError("minutes must be >= 0")
        local = start.astimezone(self.tz)
        day = local.date()
        cursor = local
        for _ in range(3660):  # ten years of days: a target beyond that is a configuration error
            opens, closes = self._window(day)
            if self.is_business_day(day) and cursor < closes:
                cursor = max(cursor, opens)
                available = (closes - cursor).total_seconds() / 60
                if minutes <= available:
                    return (cursor + timedelta(minutes=minutes)).astimezone(UTC)
                minutes -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time.min, tzinfo=self.tz)
        raise ValueError("no business time found within ten years")

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole minutes of working time in [start, end); 0 if end is not after start."""
        if end <= start:
            return 0
        local_start, local_end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = 0.0
        day = local_start.date()
        while day <= local_end.date():
            if self.is_business_day(day):
                opens, closes = self._window(day)
                lo, hi = max(opens, local_start), min(closes, local_end)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 60
            day += timedelta(days=1)
        return int(total)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()
