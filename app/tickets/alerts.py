"""The SLA sweep: raise each ticket's 75 % warning and 100 % breach, once each.

Reads only tickets whose ``sla_next_check_at`` has passed (an indexed range), so its cost grows
with the tickets crossing a threshold, not with all tickets. Safe to run in several workers at
once: rows are locked with SKIP LOCKED on Postgres (SQLite has one writer anyway), and the
flags are re-checked on the locked row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Ticket, utcnow
from app.tickets import sla
from app.tickets.events import record_event
from app.tickets.permissions import SYSTEM

FLAGS = {
    ("first_response", "warning"): "first_response_warned_at",
    ("first_response", "breach"): "first_response_breached_at",
    ("resolution", "warning"): "resolution_warned_at",
    ("resolution", "breach"): "resolution_breached_at",
}
EVENT_KINDS = {"warning": "sla_warning", "breach": "sla_breached"}
# While a batch job runs: a dict where the notices keep look-ups repeated per ticket.
BATCH_MEMO = "conectados.batch_memo"


def crossing(session: Session, now: datetime, limit: int) -> list[Ticket]:
    query = (
        select(Ticket)
        .options(  # what the alerts and their notices read, for the whole batch at once
            selectinload(Ticket.assignee),
            selectinload(Ticket.category),
            selectinload(Ticket.department),
        )
        .where(Ticket.sla_next_check_at <= now)
        .order_by(Ticket.sla_next_check_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def raise_alerts(session: Session, ticket: Ticket, now: datetime) -> list[tuple[str, str]]:
    """Mark what this ticket crossed by ``now``; one event (and notices) per clock.

    A clock found past its breach with the warning still pending (the sweep was down) gets the
    breach only: its warning is marked as passed without a second message.
    """
    crossed = [(clock, level) for clock, level, at in sla.pending_alerts(ticket) if at <= now]
    raised = []
    for clock in ("first_response", "resolution"):
        levels = [level for c, level in crossed if c == clock]
        if not levels:
            continue
        for level in levels:
            setattr(ticket, FLAGS[(clock, level)], now)
        level = "breach" if "breach" in levels else "warning"
        due = (
            ticket.first_response_due_at if clock == "first_response" else ticket.resolution_due_at
        )
        record_event(
            session,
            ticket,
            SYSTEM,
            EVENT_KINDS[level],
            now,
            public=False,
            data={"clock": clock, "due_at": due.isoformat()},
        )
        raised.append((clock, level))
    sla.schedule_alerts(ticket)
    return raised


def sweep(session: Session, now: datetime | None = None, limit: int = 500) -> int:
    """One pass of the sweep; returns how many alerts were raised. Flushes, never commits.

    The crossing tickets are handled as one batch: loaded with what their notices read, no
    flush between tickets (their events, outbox rows and updates go out together at the end),
    and the look-ups the notices repeat per ticket (a unit's heads) kept for the batch in
    ``session.info[BATCH_MEMO]``.
    """
    now = now or utcnow()
    count = 0
    session.info[BATCH_MEMO] = {}
    try:
        with session.no_autoflush:
            for ticket in crossing(session, now, limit):
                count += len(raise_alerts(session, ticket, now))
        session.flush()
    finally:
        session.info.pop(BATCH_MEMO, None)
    return count
