"""The dashboards' daily rollups (app/dashboards/rollups.py): figures read from the rollups and
today's delta equal the figures counted from the tickets table, on the hand-made desk plus a
seeded spread of tickets over three months; the job is idempotent, catches up, and a change to a
past day is counted exactly before and after the next run."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from tests.dashboard_fixture import NOW, SANTIAGO, build, local

TZ = "America/Santiago"


@pytest.fixture
def desk(session, make_department, make_category, make_ticket):
    from app.models import Ticket

    found = build(session, make_department, make_category, make_ticket)
    rng = random.Random(20)
    channels = ["web", "sms", "counter", "phone", "api"]
    for n in range(240):
        category = found.luminaria if n % 3 else found.ayuda
        created = local(9, 1) + timedelta(hours=rng.randrange(0, 85 * 24))
        ticket = Ticket(
            code=f"R{n:08d}",
            channel=rng.choice(channels),
            category_id=category.id,
            department_id=category.department_id,
            status="new",
            description="Solicitud sembrada",
            created_at=created,
            updated_at=created,
            first_response_due_at=created + timedelta(days=2),
            resolution_due_at=created + timedelta(days=7),
            next_due_at=created + timedelta(days=7),
            version=1,
        )
        fate = rng.random()
        if fate < 0.6:
            first = rng.randrange(20, 4000)
            resolution = rng.randrange(100, 9000)
            ticket.first_responded_at = created + timedelta(minutes=first * 2)
            ticket.first_response_business_minutes = first
            ticket.first_response_calendar_minutes = first * 2
            ticket.resolved_at = created + timedelta(minutes=resolution * 3)
            ticket.resolution_business_minutes = resolution
            ticket.resolution_calendar_minutes = resolution * 3
            ticket.status = "resolved" if ticket.resolved_at < NOW else "in_progress"
            if ticket.resolved_at >= NOW:
                ticket.resolved_at = ticket.resolution_business_minutes = None
                ticket.resolution_calendar_minutes = None
        elif fate < 0.7:
            ticket.status = "duplicate"
        session.add(ticket)
    session.commit()
    return found


def scopes(desk):
    from app.dashboards.periods import period
    from app.dashboards.scope import Scope

    last30 = period(date(2026, 10, 27), date(2026, 11, 25), TZ)
    quarter = period(date(2026, 9, 1), date(2026, 11, 30), TZ)
    return [
        Scope(span=last30),
        Scope(span=quarter),
        Scope(span=last30, department_id=desk.dop.id),
        Scope(span=quarter, department_id=desk.dideco.id, channel="web"),
        Scope(span=quarter, category_id=desk.luminaria.id),
    ]


def figures(session, desk):
    from app.dashboards import dashboard, transparency
    from app.tickets.sla import business_calendar

    calendar = business_calendar(session)
    built = [
        dashboard.build(session, scope, calendar, NOW, compare_departments=True)
        for scope in scopes(desk)
    ]
    return built, transparency.report(session, NOW, TZ)


PERCENTILE_FIELDS = ("median_hours", "p90_hours", "median_days", "p90_days")


def close(found, expected, path="") -> None:
    """Equal, but for medians and p90 (from the histograms): within the stated bound, plus the
    rounding to one decimal the figures carry (0.05 on each side)."""
    from app.dashboards.rollups import ERROR

    if dataclasses.is_dataclass(found):
        assert type(found) is type(expected), path
        for item in dataclasses.fields(found):
            close(getattr(found, item.name), getattr(expected, item.name), f"{path}.{item.name}")
    elif isinstance(found, list | tuple):
        assert len(found) == len(expected), path
        for n, (a, b) in enumerate(zip(found, expected, strict=True)):
            close(a, b, f"{path}[{n}]")
    elif path.rsplit(".", 1)[-1] in PERCENTILE_FIELDS and expected is not None:
        assert found is not None, path
        assert abs(found - expected) <= ERROR * expected + 0.1 + 1e-9, (path, found, expected)
    else:
        assert found == expected, path


def exact(session, desk):
    """The same figures counted from the tickets table alone (no rollup marker)."""
    from app.models import RollupDay

    with session.begin_nested() as nested:
        session.execute(delete(RollupDay))
        found = figures(session, desk)
        nested.rollback()
    return found


def rollup_rows(session):
    from app.models import DailyRollup

    return [
        tuple(row)
        for row in session.execute(
            select(DailyRollup.__table__).order_by(*DailyRollup.__table__.primary_key)
        )
    ]


def test_rollups_give_the_exact_figures_and_the_job_is_idempotent(session, desk):
    from app.dashboards.rollups import refresh, rolled_through
    from app.models import Ticket

    before = exact(session, desk)
    today = date(2026, 11, 26)
    rolled = refresh(session, today, TZ)
    session.commit()
    assert rolled_through(session) == date(2026, 11, 25)
    assert rolled >= 85  # every day since the first ticket (29 Aug) up to yesterday
    rows = rollup_rows(session)
    assert sum(row[4] for row in rows) == session.scalar(
        select(func.count()).where(Ticket.created_at < local(11, 26, 0))
    )
    close(figures(session, desk), before)
    # Idempotent: a second run the same day rolls nothing and changes nothing.
    assert refresh(session, today, TZ) == 0
    session.commit()
    assert rollup_rows(session) == rows


@pytest.mark.slow  # several job runs over a month (~3 s)
def test_a_change_to_a_past_day_is_counted_before_and_after_the_next_run(session, desk, make_user):
    from app.dashboards.rollups import refresh
    from app.models import RollupDay, SatisfactionRating, Ticket
    from app.tickets import Actor, transition

    refresh(session, date(2026, 11, 26), TZ)
    session.commit()
    admin_ticket = session.scalars(
        select(Ticket)
        .where(Ticket.status == "new", Ticket.created_at < local(11, 20))
        .order_by(Ticket.id)
    ).first()
    admin = make_user("admin")
    transition(
        session,
        admin_ticket,
        "rejected",
        Actor.staff(admin),
        body="No corresponde a la municipalidad.",
        now=local(11, 21),
    )
    session.commit()
    dirty = set(session.scalars(select(RollupDay.day).where(RollupDay.kind == "dirty")))
    assert dirty  # the ticket's filing day, marked in the change's own flush
    # A rating arriving for a ticket resolved weeks ago moves that day's satisfaction figures.
    unrated = session.scalars(
        select(Ticket)
        .where(
            Ticket.resolved_at < local(11, 1), ~Ticket.id.in_(select(SatisfactionRating.ticket_id))
        )
        .order_by(Ticket.id)
    ).first()
    session.add(
        SatisfactionRating(
            ticket_id=unrated.id, rating=1, channel="web", ticket_channel=unrated.channel
        )
    )
    session.commit()
    assert session.scalar(
        select(RollupDay.day).where(
            RollupDay.kind == "dirty",
            RollupDay.day == unrated.resolved_at.astimezone(SANTIAGO).date(),
        )
    )
    close(figures(session, desk), exact(session, desk))
    refresh(session, date(2026, 11, 26), TZ)
    session.commit()
    assert not session.scalars(select(RollupDay).where(RollupDay.kind == "dirty")).all()
    close(figures(session, desk), exact(session, desk))


@pytest.mark.slow  # rolls up weeks of days, several job runs (~5 s)
def test_the_job_catches_up_missed_days(session, desk):
    from app.dashboards.rollups import refresh, rolled_through
    from app.models import DailyRollup, RollupDay

    refresh(session, date(2026, 11, 10), TZ)  # the job last ran on 10 November
    session.commit()
    assert rolled_through(session) == date(2026, 11, 9)
    stale = figures(session, desk)
    close(stale, exact(session, desk))  # days after the 9th are read live meanwhile
    assert refresh(session, date(2026, 11, 26), TZ) == 16  # 10 .. 25 November
    session.commit()
    close(figures(session, desk), exact(session, desk))
    # A first run over a long history is spread over several runs: figures stay exact between.
    rows = rollup_rows(session)
    session.execute(delete(RollupDay))
    session.execute(delete(DailyRollup))
    assert refresh(session, date(2026, 11, 26), TZ, limit=30) == 30
    session.commit()
    assert rolled_through(session) < date(2026, 11, 25)
    close(figures(session, desk), exact(session, desk))
    while refresh(session, date(2026, 11, 26), TZ, limit=30):
        session.commit()
    assert rollup_rows(session) == rows
    # Rolled from scratch, the same rows.
    rows = rollup_rows(session)
    session.execute(delete(RollupDay))
    session.execute(delete(DailyRollup))
    refresh(session, date(2026, 11, 26), TZ)
    session.commit()
    assert rollup_rows(session) == rows


def test_the_periodic_job_and_the_csv(app, client, login, session, desk, make_user):
    from workers.jobs import refresh_rollups
    from workers.schedule import PERIODIC

    assert "dashboard-rollups" in {job.name for job in PERIODIC}
    admin = make_user("admin")
    session.commit()
    login(admin)
    url = "/staff/dashboard.csv?desde=2026-09-01&hasta=2026-11-30"
    before = client.get(url).get_data(as_text=True)
    assert refresh_rollups() > 0
    assert client.get(url).get_data(as_text=True) == before


def test_medians_and_p90_from_the_histograms_are_within_two_percent(session, desk):
    """Unrounded, on every unit and the whole desk: the stated bound holds."""

    from app.dashboards.percentiles import percentiles
    from app.dashboards.periods import period
    from app.dashboards.rollups import ERROR, histogram_percentiles, refresh
    from app.dashboards.scope import Scope
    from app.models import DailyHistogram, Ticket

    refresh(session, date(2026, 11, 26), TZ)
    session.commit()
    assert ERROR < 0.02
    span = period(date(2026, 9, 1), date(2026, 11, 30), TZ)
    for department in (None, desk.dop.id, desk.dideco.id):
        scope = Scope(span=span, department_id=department)
        approx = histogram_percentiles(
            session,
            scope,
            ["rb", "rc", "fb", "fc"],
            [0.5, 0.9],
            rolled_group=DailyHistogram.department_id,
            live_group=Ticket.department_id,
        )
        for stopped_at, columns, codes in (
            (
                Ticket.resolved_at,
                ("rb", "rc"),
                (Ticket.resolution_business_minutes, Ticket.resolution_calendar_minutes),
            ),
            (
                Ticket.first_responded_at,
                ("fb", "fc"),
                (Ticket.first_response_business_minutes, Ticket.first_response_calendar_minutes),
            ),
        ):
            expected = percentiles(
                session,
                select(
                    Ticket.department_id.label("group"), codes[0].label("a"), codes[1].label("b")
                ).where(*scope.conditions(), stopped_at >= span.start, stopped_at < span.end),
                ["a", "b"],
                [0.5, 0.9],
            )
            offset = 0 if columns[0] == "rb" else 4
            for group, values in expected.items():
                found = approx[group][offset : offset + 4]
                for a, b in zip(found, values, strict=True):
                    assert abs(a - b) <= ERROR * b + 1e-9, (group, columns, a, b)
