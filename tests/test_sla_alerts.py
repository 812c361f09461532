"""The SLA sweep, by time travel: warnings at 75 % and breaches at 100 % of each target, once
each, in business time (weekends, Chile's holidays), respecting pauses and reroutes; staff are
told in business hours only."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import Notification, TicketEvent
from app.tickets import Actor, add_comment, assign, reroute, resident_reply, transition
from app.tickets.alerts import crossing, sweep
from tests.support import DAY, TUESDAY_10AM

SANTIAGO = ZoneInfo("America/Santiago")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SANTIAGO)


def alert_events(session, ticket):
    return [
        (e.kind, e.data["clock"])
        for e in session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.like("sla_%"))
            .order_by(TicketEvent.id)
        )
    ]


@pytest.fixture
def desk(session, make_category, make_user):
    """A category with a one-day first response and five-day resolution, its head and agent."""
    category = make_category(first=DAY, resolution=5 * DAY)
    head = make_user("head", department=category.department, email="jefa@test.cl")
    agent = make_user("agent", department=category.department, email="agente@test.cl")
    return category, head, agent


def test_warning_at_75_percent_and_breach_at_100_once_each(session, make_ticket, desk):
    category, head, agent = desk
    ticket = make_ticket(category, now=local(2026, 11, 24, 10, 0))  # Tuesday
    assign(session, ticket, agent, Actor.staff(head), now=local(2026, 11, 24, 10, 5))
    # 405 of 540 business minutes: Tuesday 16:45; the target itself: Wednesday 10:00.
    assert ticket.first_response_warn_at == local(2026, 11, 24, 16, 45)
    assert sweep(session, local(2026, 11, 24, 16, 44)) == 0
    assert sweep(session, local(2026, 11, 24, 16, 45)) == 1
    assert sweep(session, local(2026, 11, 24, 17, 0)) == 0
    assert sweep(session, local(2026, 11, 25, 10, 0)) == 1
    assert sweep(session, local(2026, 11, 25, 11, 0)) == 0
    assert alert_events(session, ticket) == [
        ("sla_warning", "first_response"),
        ("sla_breached", "first_response"),
    ]
    notices = session.scalars(
        select(Notification).where(Notification.template.like("sla_%")).order_by(Notification.id)
    ).all()
    assert [(n.template, n.recipient) for n in notices] == [
        ("sla_warning", "agente@test.cl"),
        ("sla_warning", "jefa@test.cl"),
        ("sla_breached", "agente@test.cl"),
        ("sla_breached", "jefa@test.cl"),
    ]
    assert all(n.next_attempt_at is None for n in notices)  # in business hours: now
    assert "en riesgo" in notices[0].subject and "fuera de plazo" in notices[2].subject


def test_independence_day_weekend_is_not_counted(session, make_ticket, desk):
    category, _, _ = desk
    ticket = make_ticket(category, now=local(2026, 9, 17, 15, 0))  # Thursday before the 18th
    # 150 minutes on Thursday; Friday 18 and Saturday 19 are holidays, then the weekend.
    assert ticket.first_response_warn_at == local(2026, 9, 21, 12, 45)
    assert ticket.first_response_due_at == local(2026, 9, 21, 15, 0)
    assert sweep(session, local(2026, 9, 19, 12, 0)) == 0
    assert sweep(session, local(2026, 9, 21, 12, 45)) == 1


def test_a_holiday_on_saturday_changes_nothing(session, make_ticket, desk):
    category, _, _ = desk
    ticket = make_ticket(category, now=local(2026, 10, 30, 16, 30))  # Friday; the 31st is Sat
    assert ticket.first_response_due_at == local(2026, 11, 2, 16, 30)


def test_a_first_response_stops_the_first_clock(session, make_ticket, desk):
    category, head, _ = desk
    ticket = make_ticket(category, now=local(2026, 11, 24, 10, 0))
    add_comment(session, ticket, Actor.staff(head), "Vamos mañana.", now=local(2026, 11, 24, 11))
    assert sweep(session, local(2026, 11, 25, 12, 0)) == 0
    assert alert_events(session, ticket) == []


def test_waiting_for_the_resident_pauses_and_resumes_the_resolution_alerts(
    session, make_ticket, desk
):
    category, head, _ = desk
    staff = Actor.staff(head)
    ticket = make_ticket(category, now=local(2026, 11, 24, 10, 0))
    transition(session, ticket, "in_progress", staff, now=local(2026, 11, 24, 10, 30))
    warn_before = ticket.resolution_warn_at
    transition(
        session, ticket, "waiting_resident", staff, body="¿Qué número?", now=local(2026, 11, 25, 9)
    )
    assert ticket.sla_next_check_at is None  # nothing pending while paused
    assert sweep(session, local(2026, 12, 31, 12, 0)) == 0
    # The resident answers two business days later: the dues move out by those two days.
    resident_reply(session, ticket, "El 123", proof=None, now=local(2026, 11, 27, 9, 0))
    assert ticket.status == "in_progress"
    assert warn_before == local(2026, 11, 27, 16, 45)
    assert ticket.resolution_warn_at == local(2026, 12, 1, 16, 45)
    assert sweep(session, ticket.resolution_warn_at) == 1
    assert alert_events(session, ticket) == [("sla_warning", "resolution")]


def test_a_reroute_applies_the_new_targets(session, make_ticket, make_category, desk):
    category, head, _ = desk
    urgent = make_category("urgente", department=category.department, first=60, resolution=DAY)
    ticket = make_ticket(category, now=local(2026, 11, 24, 10, 0))
    rerouted_at = local(2026, 11, 24, 10, 10)
    reroute(session, ticket, urgent, Actor.staff(head), reason="Es urgente", now=rerouted_at)
    assert ticket.first_response_warn_at == local(2026, 11, 24, 10, 45)
    # Found already past its breach (say the sweep was down): the breach only, no second message.
    assert sweep(session, local(2026, 11, 24, 11, 0)) == 1
    assert alert_events(session, ticket) == [("sla_breached", "first_response")]
    assert ticket.first_response_warned_at is not None


def test_a_warning_at_closing_time_waits_for_the_next_opening(session, make_ticket, desk):
    category, _, _ = desk
    category.first_response_minutes = 720  # 75 % = 540: exactly Tuesday's closing time
    ticket = make_ticket(category, now=local(2026, 11, 24, 8, 30))
    assert ticket.first_response_warn_at == local(2026, 11, 24, 17, 30)
    assert sweep(session, local(2026, 11, 24, 17, 30)) == 1
    [notice] = session.scalars(select(Notification).where(Notification.template == "sla_warning"))
    assert notice.next_attempt_at == local(2026, 11, 25, 8, 30)


def test_the_sweep_reads_only_the_tickets_crossing(session, make_ticket, desk):
    category, _, _ = desk
    for hour in range(9, 17):
        make_ticket(category, now=local(2026, 11, 24, hour, 0))
    now = local(2026, 11, 25, 9, 30)  # only the 9:00 ticket's target has passed 75 %... and more
    crossing_now = crossing(session, now, limit=1000)
    assert 0 < len(crossing_now) < 8
    sweep(session, now)
    assert crossing(session, now, limit=1000) == []  # handled tickets left the range


def test_an_sla_alert_does_not_make_an_open_staff_form_stale(session, make_ticket, make_user):
    ticket = make_ticket()
    seen = ticket.version
    assert sweep(session, now=TUESDAY_10AM + timedelta(days=3)) >= 1  # warnings and breaches
    assert ticket.version == seen
    admin = Actor.staff(make_user("admin"))
    add_comment(session, ticket, admin, "Vamos en camino", expected_version=seen)
    assert ticket.version == seen + 1


def test_the_sweep_handles_its_crossing_tickets_as_one_batch(app, session, make_ticket, desk):
    """The reads of one sweep do not grow with the tickets crossing (issue 20, item 5):
    tickets, their unit, category and assignee loaded together, the unit's heads read once;
    events, outbox rows and updates written in one flush at the end."""
    from app.tickets import reference
    from tests.test_intake_statements import transaction_statements

    category, head, agent = desk

    def statements_for(crossing_now: int, filed_at: datetime) -> int:
        for _ in range(crossing_now):
            ticket = make_ticket(category, now=filed_at)
            assign(session, ticket, agent, Actor.staff(head), now=filed_at)
        session.commit()
        reference.business_calendar(session)  # this process's copy, as in a running worker
        with transaction_statements(app) as seen:
            raised = sweep(session, filed_at + timedelta(hours=7))
        assert raised >= crossing_now  # (the first batch's breaches come due in the second)
        session.commit()
        return sum(statement.startswith("SELECT") for statement in seen)

    assert statements_for(2, local(2026, 11, 24, 9, 0)) == statements_for(
        12, local(2026, 11, 26, 9, 0)
    )
