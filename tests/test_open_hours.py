"""The open tickets' hour rows (``open_ticket_hours``, app/tickets/open_hours.py) stay equal to a
recount of the tickets through a random run of openings, status changes, pauses and resumes,
reroutes, duplicates, moved due instants, rollbacks and practice tickets; and the dashboards'
"now" figures read from them (backlog, overdue now, aging) equal counting the open tickets, at
any instant and in any scope, on SQLite and on Postgres."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import OpenTicketHour, Ticket
from app.models.practice import PRACTICE, scope
from app.tickets import Actor, DomainError, mark_duplicate, reroute, transition
from app.tickets.lifecycle import can_transition
from tests.support import TUESDAY_10AM

STATUSES = ("in_progress", "waiting_resident", "resolved", "closed", "rejected", "new")


def kept(session) -> dict[tuple, int]:
    return {
        (row.kind, row.department_id, row.category_id, row.hour): row.tickets
        for row in session.scalars(select(OpenTicketHour))
        if row.tickets
    }


def recounted(session) -> dict[tuple, int]:
    from app.tickets.open_hours import rebuild

    before = kept(session)
    rebuild(session.connection())
    after = kept(session)
    session.expire_all()
    assert before == after, (sorted(before.items()), sorted(after.items()))
    return after


def check_figures(session, categories, instants, calendar) -> None:
    from app.dashboards import figures
    from app.dashboards.periods import aging_boundaries, period
    from app.dashboards.scope import Scope

    span = period(TUESDAY_10AM.date(), TUESDAY_10AM.date(), "America/Santiago")
    departments = sorted({c.department_id for c in categories})
    scopes = [Scope(span)]
    scopes += [Scope(span, department_id=d) for d in departments]
    scopes += [Scope(span, category_id=categories[0].id)]
    scopes += [Scope(span, department_id=departments[0], category_id=categories[0].id)]
    for now in instants:
        boundaries = aging_boundaries(calendar, now)
        for chosen in scopes:
            assert figures.maintained(chosen)
            found = figures.summary(session, chosen, now)
            assert (found.backlog, found.overdue) == figures.counted_backlog(
                session, chosen, now
            ), (chosen, now)
            assert figures.aging(session, chosen, calendar, now) == figures.counted_aging(
                session, chosen, boundaries
            ), (chosen, now)


def act(session, rng, tickets, categories, admin, make_ticket, now) -> None:
    """One random change, through the domain where it has a function for it."""
    action = rng.random()
    if action < 0.35 or len(tickets) < 3:
        category = rng.choice(categories)
        if rng.random() < 0.1:  # practice: never counted
            with scope(PRACTICE):
                make_ticket(category, channel="counter", actor=admin, now=now)
        else:
            channel = rng.choice(["web", "sms", "counter"])
            tickets.append(make_ticket(category, channel=channel, now=now))
    elif action < 0.75:  # pauses (waiting for the resident) and resumes among them
        ticket = rng.choice(tickets)
        allowed = [s for s in STATUSES if can_transition(ticket.status, s)]
        if allowed:
            transition(session, ticket, rng.choice(allowed), admin, body="Listo", now=now)
    elif action < 0.85:
        ticket = rng.choice(tickets)
        others = [c for c in categories if c.id != ticket.category_id]
        reroute(session, ticket, rng.choice(others), admin, reason="Otra unidad", now=now)
    elif action < 0.9:
        first, second = rng.sample(tickets, 2)
        mark_duplicate(session, first, second, admin, now=now)
    else:  # a due instant moved without a status change (an extension, a recompute)
        ticket = rng.choice(tickets)
        if ticket.next_due_at is not None:
            ticket.next_due_at += timedelta(minutes=rng.randrange(-900, 900))
        session.flush()


@pytest.mark.slow  # a long random run (~4 s)
def test_hour_rows_and_now_figures_stay_exact_through_a_random_run(
    session, make_department, make_category, make_ticket, make_user
):
    from app.tickets.sla import business_calendar

    rng = random.Random(2026)
    dop, dimao = make_department("DOP"), make_department("DIMAO")
    categories = [
        make_category("luminaria", department=dop, first=60, resolution=600),
        make_category("bache", department=dop, first=600, resolution=6000),
        make_category("basura", department=dimao, first=120, resolution=1200),
    ]
    admin = Actor.staff(make_user("admin"))
    calendar = business_calendar(session)
    now = TUESDAY_10AM - timedelta(days=30)
    tickets: list[Ticket] = []
    instants = []
    for step in range(240):
        now += timedelta(minutes=rng.randrange(1, 600))
        try:
            act(session, rng, tickets, categories, admin, make_ticket, now)
        except DomainError:
            session.rollback()  # refused: the counters go back with the change
            tickets = list(session.scalars(select(Ticket)))
        if step % 7 == 0:
            session.commit()
        if rng.random() < 0.02:
            session.rollback()  # a change given up: the counters go back with it
            tickets = list(session.scalars(select(Ticket)))
        if step % 20 == 19:
            recounted(session)
            instants.append(now)
    # The instants the figures are read at: each step's, whole hours, and exactly the filing
    # and due instants of tickets (the edges of the exact part of each hour).
    recounted(session)
    opened = session.scalars(select(Ticket)).all()
    instants += [now, now.replace(minute=0, second=0, microsecond=0)]
    instants += [t.created_at for t in rng.sample(opened, 3)]
    instants += [t.next_due_at for t in rng.sample(opened, 3) if t.next_due_at is not None]
    instants += [now + timedelta(days=d, minutes=rng.randrange(0, 600)) for d in (1, 5, 20)]
    assert sum(t.status in ("new", "in_progress", "waiting_resident") for t in opened) > 20
    assert any(t.sla_paused_at is not None for t in opened if t.status == "waiting_resident")
    check_figures(session, categories, instants, calendar)
