"""Dashboard figures on a small hand-made desk: every expected number is worked out by hand
(see tests/dashboard_fixture.py for the rows)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.dashboard_fixture import NOW, build, local


@pytest.fixture
def desk(session, make_department, make_category, make_ticket):
    return build(session, make_department, make_category, make_ticket)


@pytest.fixture
def calendar(session):
    from app.tickets.sla import business_calendar

    return business_calendar(session)


def november(department=None, **kwargs):
    from app.dashboards.periods import period
    from app.dashboards.scope import Scope

    span = period(date(2026, 11, 1), date(2026, 11, 30), "America/Santiago")
    return Scope(span=span, department_id=department.id if department else None, **kwargs)


def test_counts_backlog_and_overdue(session, desk):
    from app.dashboards.figures import summary

    found = summary(session, november(desk.dop), NOW)
    # 5 resolved + 6 open created in November (one open ticket is from October).
    assert (found.received, found.resolved, found.backlog) == (11, 5, 7)
    # Open, not paused, past the due instant: created 20, 17, 16 Nov and 26 Oct.
    assert found.overdue == 4
    everything = summary(session, november(), NOW)
    assert (everything.received, everything.resolved) == (12, 6)


def test_aging_buckets_in_business_days(session, desk, calendar):
    from app.dashboards.figures import aging
    from app.dashboards.periods import aging_boundaries

    # Ages: 0 (24 Nov 9:00), 2 (Fri 20), 3 exactly (Thu 19), 5 (Tue 17), 6 (Mon 16),
    # 11 (Mon 9), 21 (Mon 26 Oct; 31 Oct and 1 Nov fall on a weekend).
    assert aging(session, november(desk.dop), calendar, NOW) == [
        ("0-2", 2),
        ("3-5", 2),
        ("6-10", 1),
        ("11-20", 1),
        (">20", 1),
    ]
    three, six, eleven, twenty_one = aging_boundaries(calendar, NOW)
    assert three == local(11, 19)  # exactly three working days before Tuesday 10:00
    for boundary, days in ((three, 3), (six, 6), (eleven, 11), (twenty_one, 21)):
        assert calendar.minutes_between(boundary, NOW) == days * calendar.minutes_per_day


def test_first_response_and_resolution_times(session, desk):
    from app.dashboards.figures import clock

    first = clock(session, november(desk.dop), "first_response")
    # Business minutes 30, 90, 300, 540, 900, 1200: median (300+540)/2 = 420 min = 7 h;
    # p90 at rank 0.9*5 = 4.5: 900 + 0.5*300 = 1050 min = 17.5 h. Within 540: 4 of 6.
    # Calendar minutes 30, 90, 1440, 1440, 2000, 2880: median 1440 = 1 day;
    # p90: 2000 + 0.5*880 = 2440 min = 1.69 days.
    assert (first.stopped, first.within_target, first.compliance) == (6, 4, 66.7)
    assert (first.median_hours, first.p90_hours) == (7.0, 17.5)
    assert (first.median_days, first.p90_days) == (1.0, 1.7)
    resolution = clock(session, november(desk.dop), "resolution")
    # Business 60, 120, 600, 2700, 3000: median 600 = 10 h; p90 at 3.6: 2700 + 0.6*300 = 2880
    # = 48 h; within 2700 (equal counts): 4 of 5. Calendar: 1, 2, 3, 7, 10 days: median 3,
    # p90 7 + 0.6*3 = 8.8.
    assert (resolution.stopped, resolution.within_target, resolution.compliance) == (5, 4, 80.0)
    assert (resolution.median_hours, resolution.p90_hours) == (10.0, 48.0)
    assert (resolution.median_days, resolution.p90_days) == (3.0, 8.8)


def test_filters_by_channel_and_category(session, desk):
    from app.dashboards.figures import clock, summary

    web = summary(session, november(desk.dop, channel="web"), NOW)
    assert (web.received, web.resolved) == (8, 2)  # 2 resolved + 6 open from November
    counter = clock(session, november(desk.dop, channel="counter"), "resolution")
    assert (counter.stopped, counter.median_hours) == (2, 27.5)  # (600 + 2700) / 2 / 60
    other = summary(session, november(category_id=desk.ayuda.id), NOW)
    assert (other.received, other.resolved, other.backlog) == (1, 1, 0)


def test_breakdowns(session, desk):
    from app.dashboards.breakdowns import (
        breaches_by_category,
        by_category,
        by_channel,
        satisfaction_by_channel,
        weekly_trend,
    )

    scope = november(desk.dop)
    [breaches] = breaches_by_category(session, scope)
    assert (breaches.name, breaches.first_response, breaches.resolution) == ("Luminaria", 2, 1)
    assert by_channel(session, scope) == [("web", 8), ("counter", 2), ("phone", 1)]
    assert by_category(session, november()) == [
        (desk.luminaria.id, "Luminaria", 11),
        (desk.ayuda.id, "Ayuda", 1),
    ]
    satisfaction = {s.channel: s for s in satisfaction_by_channel(session, scope)}
    assert (satisfaction["web"].average, satisfaction["web"].response_rate) == (4.5, 100.0)
    assert (satisfaction["counter"].average, satisfaction["counter"].response_rate) == (3, 50.0)
    assert (satisfaction["phone"].average, satisfaction["phone"].response_rate) == (None, 0.0)
    weeks = weekly_trend(session, scope, "America/Santiago")
    # November 2026 starts on a Sunday: a one-day first bucket, then Mondays 2, 9, 16, 23, 30.
    assert [w.start.day for w in weeks] == [1, 2, 9, 16, 23, 30]
    assert [w.received for w in weeks] == [0, 5, 1, 4, 1, 0]
    assert [w.resolved for w in weeks] == [0, 0, 3, 2, 0, 0]
    # Resolved the week of the 9th: 60, 120, 600 min (median 2 h); of the 16th: 2700, 3000.
    assert [w.median_hours for w in weeks] == [None, None, 2.0, 47.5, None, None]


def test_department_rows(session, desk):
    from app.dashboards.figures import departments

    rows = departments(session, november())
    assert [r.name for r in rows] == [
        "Dirección de Desarrollo Comunitario",  # highlighted first
        "Dirección de Operaciones",
    ]
    dideco, dop = rows
    assert (dop.received, dop.resolved, dop.compliance) == (11, 5, 80.0)
    assert (dop.median_days, dop.median_hours, dop.rating, dop.ratings) == (3.0, 10.0, 4.0, 3)
    assert (dideco.received, dideco.resolved, dideco.compliance, dideco.rating) == (1, 1, 100, 2)


@pytest.mark.parametrize("fractions", [[0.5], [0.5, 0.9], [0.0, 0.25, 1.0]])
def test_portable_percentiles_equal_percentile_cont(session, desk, fractions):
    """The window-function method gives percentile_cont's answer (checked against Postgres'
    own function when the suite runs on Postgres)."""
    from sqlalchemy import select

    from app.dashboards.percentiles import percentiles
    from app.models import Ticket

    source = select(
        Ticket.department_id.label("group"),
        Ticket.resolution_business_minutes.label("b"),
        Ticket.first_response_calendar_minutes.label("c"),
    )
    portable = percentiles(session, source, ["b", "c"], fractions, native=False)
    values = {
        desk.dop.id: ([60, 120, 600, 2700, 3000], [30, 90, 1440, 1440, 2000, 2880]),
        desk.dideco.id: ([100], [60]),
    }
    for group, (business, calendar_minutes) in values.items():
        expected = [_cont(business, f) for f in fractions] + [
            _cont(calendar_minutes, f) for f in fractions
        ]
        assert portable[group] == pytest.approx(expected)
    if session.get_bind().dialect.name == "postgresql":
        native = percentiles(session, source, ["b", "c"], fractions, native=True)
        assert native.keys() == portable.keys()
        for group, found in native.items():
            assert found == pytest.approx(portable[group])


def _cont(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def test_transparency_shows_the_dashboard_numbers(session, desk, calendar):
    """The public page's current month equals the staff dashboard for that period."""
    from app.dashboards.dashboard import build as build_dashboard
    from app.dashboards.periods import period
    from app.dashboards.scope import Scope
    from app.dashboards.transparency import report

    public = report(session, NOW, "America/Santiago")
    assert (public.month.first, public.month.last) == (date(2026, 11, 1), date(2026, 11, 24))
    assert (public.year.first, public.year.last) == (date(2025, 11, 1), date(2026, 10, 31))
    span = period(date(2026, 11, 1), date(2026, 11, 24), "America/Santiago")
    for year_row, month_row in public.rows:
        staff = build_dashboard(
            session, Scope(span=span, department_id=month_row.department_id), calendar, NOW
        )
        rated = [s for s in staff.satisfaction if s.ratings]
        average = sum(s.average * s.ratings for s in rated) / sum(s.ratings for s in rated)
        assert month_row.received == staff.summary.received
        assert month_row.resolved == staff.summary.resolved
        assert month_row.median_days == staff.resolution.median_days
        assert month_row.compliance == staff.resolution.compliance
        assert month_row.rating == round(average, 1)
        assert year_row.received == (1 if year_row.name == "Dirección de Operaciones" else 0)
    admin = build_dashboard(session, Scope(span=span), calendar, NOW, compare_departments=True)
    assert admin.departments == [month for _, month in public.rows]


def test_business_days_back_skip_weekends_holidays_and_closed_days():
    from app.dashboards.periods import business_days_before
    from app.tickets.calendar import BusinessCalendar

    closed_monday = BusinessCalendar(closed_days=frozenset({date(2026, 11, 23)}))
    assert business_days_before(closed_monday, NOW, 1) == local(11, 20)  # Friday 10:00
    # From Monday 8:00 (before opening), one whole working day back is Friday's opening.
    assert business_days_before(BusinessCalendar(), local(11, 23, 8), 1) == local(11, 20, 8, 30)
    # 18 September (Fiestas Patrias, Friday) and 19 September (Saturday) are not worked.
    assert business_days_before(BusinessCalendar(), local(9, 21, 10), 1) == local(9, 17, 10)
