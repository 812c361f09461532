"""What a dashboard shows: a period of Santiago dates and optional department, category and
channel, read from the query string (the same names as the staff queue's filters)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement

from app.dashboards.periods import Period, period
from app.inputs import bounded_date, bounded_int
from app.models import CHANNELS, Ticket

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Scope:
    span: Period
    department_id: int | None = None
    category_id: int | None = None
    channel: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """Department, category and channel (the period depends on the figure)."""
        found: list[ColumnElement[bool]] = []
        if self.department_id is not None:
            found.append(Ticket.department_id == self.department_id)
        if self.category_id is not None:
            found.append(Ticket.category_id == self.category_id)
        if self.channel is not None:
            found.append(Ticket.channel == self.channel)
        return found

    def for_department(self, department_id: int | None) -> Scope:
        return replace(self, department_id=department_id)

    def query_args(self) -> dict[str, str]:
        """The scope as query-string arguments (dashboard links, CSV, queue drill-downs)."""
        args = {"desde": self.span.first.isoformat(), "hasta": self.span.last.isoformat()}
        if self.department_id is not None:
            args["direccion"] = str(self.department_id)
        if self.category_id is not None:
            args["categoria"] = str(self.category_id)
        if self.channel is not None:
            args["canal"] = self.channel
        return args


def scope_from_args(args, today: date, timezone: str) -> Scope:
    """Defaults: the last 30 days up to today; dates out of order are swapped; at most 3 years."""
    last = bounded_date(args.get("hasta")) or today
    first = bounded_date(args.get("desde")) or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        first, last = last, first
    first = max(first, last - timedelta(days=MAX_DAYS))
    channel = args.get("canal")
    return Scope(
        span=period(first, last, timezone),
        department_id=bounded_int(args.get("direccion")),
        category_id=bounded_int(args.get("categoria")),
        channel=channel if channel in CHANNELS else None,
    )


def in_span(column, span: Period) -> list[ColumnElement[bool]]:
    return [column >= span.start, column < span.end]


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()
