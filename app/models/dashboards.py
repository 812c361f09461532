"""Indexes the dashboards' range aggregates need (declared here so the tickets model stays as
the tickets domain owns it). Each leads with the period column (or the department, then the
period) and carries the columns the figures group and measure by, so Postgres answers from the
index alone (index-only scans) instead of visiting one table page per ticket."""

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.tickets import Ticket

_RESOLUTION = (
    Ticket.category_id,
    Ticket.channel,
    Ticket.resolution_business_minutes,
    Ticket.resolution_calendar_minutes,
    Ticket.id,
)
DASHBOARD_INDEXES = (
    Index(
        "ix_tickets_department_created",
        Ticket.department_id,
        Ticket.created_at,
        Ticket.category_id,
        Ticket.channel,
    ),
    Index("ix_tickets_resolved_at", Ticket.resolved_at, Ticket.department_id, *_RESOLUTION),
    Index("ix_tickets_department_resolved", Ticket.department_id, Ticket.resolved_at, *_RESOLUTION),
    Index(
        "ix_tickets_first_responded_at",
        Ticket.first_responded_at,
        Ticket.department_id,
        Ticket.category_id,
        Ticket.channel,
        Ticket.first_response_business_minutes,
        Ticket.first_response_calendar_minutes,
    ),
)


class DailyRollup(Base):
    """One Santiago day's counts per unit × category × channel, written by the periodic job
    (app/dashboards/rollups.py) for whole past days; the dashboards read them instead of the
    tickets and add today (and any day changed since its rollup) from the tickets table.
    The clock counts and sums are of the clocks that stopped that day; "within" compares the
    stored business minutes with the category's target when the day was rolled up."""

    __tablename__ = "daily_rollups"

    day: Mapped[date] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    received: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)  # received that day, now duplicates
    resolved: Mapped[int] = mapped_column(default=0)
    resolved_within: Mapped[int] = mapped_column(default=0)
    resolved_breached: Mapped[int] = mapped_column(default=0)  # business minutes > target
    resolution_business_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    resolution_calendar_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    first_responded: Mapped[int] = mapped_column(default=0)
    first_within: Mapped[int] = mapped_column(default=0)
    first_breached: Mapped[int] = mapped_column(default=0)
    first_business_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    first_calendar_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    # Satisfaction ratings of the tickets resolved that day: how many, and their sum.
    rated: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)


class RollupDay(Base):
    """Days whose rollup is missing or stale: ``rolled`` — the last day the job rolled up
    (one row, ``day`` NULL means none yet); ``dirty`` — a past day a ticket change touched after
    it was rolled up (written in the change's flush by app/tickets/counts.py)."""

    __tablename__ = "rollup_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # "rolled" or "dirty"


class DailyHistogram(Base):
    """One Santiago day's clock durations per unit, in log-scale buckets (app/dashboards/
    rollups.py: bucket b > 0 holds minutes in [R^(b-1), R^b) with R = 1.04, bucket 0 holds 0),
    by the day the clock stopped. Medians and p90 read from them are within 2 % of the exact
    ones. ``measure``: "rb"/"rc" resolution business/calendar minutes, "fb"/"fc" first
    response's."""

    __tablename__ = "daily_histograms"

    day: Mapped[date] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    measure: Mapped[str] = mapped_column(String(2), primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    tickets: Mapped[int] = mapped_column(default=0)
