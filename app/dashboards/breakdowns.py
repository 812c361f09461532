"""Breakdowns of the period: volume by channel and category, breaches by category, the weekly
trend and satisfaction per attention channel. Aggregate SQL only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from app.dashboards.figures import MINUTES_PER_HOUR, ratio
from app.dashboards.percentiles import percentiles
from app.dashboards.periods import day_boundaries, week_starts
from app.dashboards.rollups import histogram_percentiles, tally
from app.dashboards.scope import Scope, in_span
from app.models import Category, DailyHistogram, Ticket


def by_channel(session: Session, scope: Scope) -> list[tuple[str, int]]:
    """Received per channel (daily rollups and today's delta), most first."""
    counts = tally(session, scope, ["received"], "channel")
    rows = sorted(((channel, v[0]) for channel, v in counts.items() if v[0]), key=_most_first)
    return [(channel, int(count)) for channel, count in rows]


def _most_first(row) -> tuple:
    return (-row[-1], row[0])


def by_category(session: Session, scope: Scope, limit: int = 15) -> list[tuple[int, str, int]]:
    """Received per category (daily rollups and today's delta), most first, then by name."""
    counts = {
        k: v[0] for k, v in tally(session, scope, ["received"], "category_id").items() if v[0]
    }
    names = _names(session, counts)
    rows = sorted(((names[k], k, n) for k, n in counts.items()), key=lambda r: (-r[2], r[0]))
    return [(category_id, name, int(count)) for name, category_id, count in rows[:limit]]


@dataclass(frozen=True)
class Breaches:
    category_id: int
    name: str
    first_response: int
    resolution: int

    @property
    def total(self) -> int:
        return self.first_response + self.resolution


def breaches_by_category(session: Session, scope: Scope, limit: int = 5) -> list[Breaches]:
    """Clocks that stopped in the period beyond their target, per category, most first (daily
    rollups and today's delta)."""
    counts = {
        key: values
        for key, values in tally(
            session, scope, ["first_breached", "resolved_breached"], "category_id"
        ).items()
        if sum(values)
    }
    names = _names(session, counts)
    rows = sorted(
        (
            Breaches(key, names[key], first, resolution)
            for key, (first, resolution) in counts.items()
        ),
        key=lambda row: (-row.total, row.name),
    )
    return rows[:limit]


def _names(session: Session, ids) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(select(Category.id, Category.name).where(Category.id.in_(ids))).all()
    )


@dataclass(frozen=True)
class Week:
    start: date
    received: int
    resolved: int
    median_hours: float | None  # business hours to resolve, tickets resolved that week


def _week_of(column, boundaries):
    """The index of the weekly bucket an instant falls in (boundaries: bucket starts, ascending)."""
    whens = [(column >= start, index) for index, start in reversed(list(enumerate(boundaries)))]
    return case(*whens, else_=-1)


def weekly_trend(
    session: Session, scope: Scope, timezone: str, *, exact: bool = False
) -> list[Week]:
    starts = week_starts(scope.span)
    boundaries = day_boundaries(starts, timezone)
    conditions = scope.conditions()

    def week(day, instant):
        return _week_of(day, starts) if day is not None else _week_of(instant, boundaries)

    counts = tally(session, scope, ["received", "resolved"], week)
    received = {index: values[0] for index, values in counts.items()}
    resolved = {index: values[1] for index, values in counts.items()}

    medians = None
    if not exact:
        medians = histogram_percentiles(
            session,
            scope,
            ["rb"],
            [0.5],
            rolled_group=_week_of(DailyHistogram.day, starts),
            live_group=_week_of(Ticket.resolved_at, boundaries),
        )
    if medians is None:
        medians = percentiles(
            session,
            select(
                _week_of(Ticket.resolved_at, boundaries).label("group"),
                Ticket.resolution_business_minutes.label("business"),
            ).where(*conditions, *in_span(Ticket.resolved_at, scope.span)),
            ["business"],
            [0.5],
        )
    return [
        Week(
            start=start,
            received=int(received.get(index, 0)),
            resolved=int(resolved.get(index, 0)),
            median_hours=(
                None
                if medians.get(index, [None])[0] is None
                else round(medians[index][0] / MINUTES_PER_HOUR, 1)
            ),
        )
        for index, start in enumerate(starts)
    ]


@dataclass(frozen=True)
class ChannelSatisfaction:
    channel: str
    resolved: int
    ratings: int
    average: float | None

    @property
    def response_rate(self) -> float | None:
        return ratio(self.ratings, self.resolved)


def satisfaction_by_channel(session: Session, scope: Scope) -> list[ChannelSatisfaction]:
    """Per attention channel, over tickets resolved in the period: their ratings' average and
    the share of them that were rated (daily rollups and today's delta)."""
    counts = tally(session, scope, ["resolved", "rated", "rating_sum"], "channel")
    return [
        ChannelSatisfaction(
            channel=channel,
            resolved=resolved,
            ratings=rated,
            average=round(total / rated, 2) if rated else None,
        )
        for channel, (resolved, rated, total) in sorted(counts.items())
        if resolved
    ]
