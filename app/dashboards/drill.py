"""Drill-down filters the staff queue accepts besides its own, so that every dashboard figure
links to exactly the tickets behind it. Same date convention: Santiago dates, both included."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select

from app.dashboards.periods import AGING_BUCKETS, aging_boundaries, day_boundaries
from app.dashboards.rollups import RESOLUTION_TARGET
from app.inputs import bounded_date, bounded_int
from app.models import Category, Ticket
from app.tickets.calendar import BusinessCalendar

DRILL_KEYS = (
    "direccion",
    "respondidas_desde",
    "respondidas_hasta",
    "resueltas_desde",
    "resueltas_hasta",
    "antiguedad",
    "incumplidas",
)
BREACHED = {
    "primera_respuesta": (Ticket.first_response_business_minutes, Category.first_response_minutes),
    "resolucion": (Ticket.resolution_business_minutes, RESOLUTION_TARGET),
}


def _dated(statement: Select, column, args, prefix: str, timezone: str) -> Select:
    first = bounded_date(args.get(f"{prefix}_desde"))
    last = bounded_date(args.get(f"{prefix}_hasta"))
    if first:
        statement = statement.where(column >= day_boundaries([first], timezone)[0])
    if last:
        statement = statement.where(
            column < day_boundaries([last + timedelta(days=1)], timezone)[0]
        )
    return statement


def _aged(statement: Select, label: str, calendar: BusinessCalendar, now: datetime) -> Select:
    labels = [bucket[0] for bucket in AGING_BUCKETS]
    if label not in labels:
        return statement
    index = labels.index(label)
    boundaries = aging_boundaries(calendar, now)  # 3, 6, 11, 21 business days back
    if index < len(boundaries):
        statement = statement.where(Ticket.created_at > boundaries[index])
    if index > 0:
        statement = statement.where(Ticket.created_at <= boundaries[index - 1])
    return statement


def apply_drill_filters(
    statement: Select, args, now: datetime, calendar: BusinessCalendar
) -> Select:
    if (department := bounded_int(args.get("direccion"))) is not None:
        statement = statement.where(Ticket.department_id == department)
    tz = calendar.timezone
    statement = _dated(statement, Ticket.first_responded_at, args, "respondidas", tz)
    statement = _dated(statement, Ticket.resolved_at, args, "resueltas", tz)
    if label := args.get("antiguedad"):
        statement = _aged(statement, label, calendar, now)
    if (clock := args.get("incumplidas")) in BREACHED:
        minutes, target = BREACHED[clock]
        statement = statement.join(Category, Category.id == Ticket.category_id).where(
            minutes > target
        )
    return statement


def is_drill_down(args) -> bool:
    return any(args.get(key) for key in DRILL_KEYS)
