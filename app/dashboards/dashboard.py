"""All the figures of one dashboard view, gathered from the figure modules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.dashboards import breakdowns, figures
from app.dashboards.scope import Scope
from app.tickets.calendar import BusinessCalendar


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    summary: figures.Summary
    aging: list[tuple[str, int]]
    first_response: figures.Clock
    resolution: figures.Clock
    breaches: list[breakdowns.Breaches]
    channels: list[tuple[str, int]]
    categories: list[tuple[int, str, int]]
    weeks: list[breakdowns.Week]
    satisfaction: list[breakdowns.ChannelSatisfaction]
    departments: list[figures.DepartmentRow] | None


def build(
    session: Session,
    scope: Scope,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    compare_departments: bool = False,
    exact: bool = False,
) -> Dashboard:
    """``exact``: medians and p90 from the tickets themselves (the CSV), not the histograms."""
    return Dashboard(
        scope=scope,
        summary=figures.summary(session, scope, now),
        aging=figures.aging(session, scope, calendar, now),
        first_response=figures.clock(session, scope, "first_response", exact=exact),
        resolution=figures.clock(session, scope, "resolution", exact=exact),
        breaches=breakdowns.breaches_by_category(session, scope),
        channels=breakdowns.by_channel(session, scope),
        categories=breakdowns.by_category(session, scope),
        weeks=breakdowns.weekly_trend(session, scope, calendar.timezone, exact=exact),
        satisfaction=breakdowns.satisfaction_by_channel(session, scope),
        departments=(
            figures.departments(session, scope, exact=exact) if compare_departments else None
        ),
    )
