"""SLA bookkeeping on a ticket: due instants, pauses, and the figures stored when clocks stop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case
from sqlalchemy.orm import Session

from app.models import Ticket
from app.tickets import lifecycle, reference
from app.tickets.calendar import BusinessCalendar

# The longest targets an admin may set. A row beyond them (written before the bound, or by
# hand) is read as the bound, so no category can make filing fail.
MAX_TARGET_DAYS = 365  # business days to resolve
MAX_TARGET_HOURS = 2000  # business hours to a first response


def business_calendar(session: Session) -> BusinessCalendar:
    """The calendar in force: environment defaults, an admin's working hours, closed days
    (kept per process: app/tickets/reference.py). Read it, never change it."""
    return reference.business_calendar(session)


def calendar_minutes(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def set_due_instants(ticket: Ticket, calendar: BusinessCalendar) -> None:
    """Due instants from the category's policy, counting only working time while not paused.

    The first-response clock never pauses (asking the resident is itself a response); the
    resolution clock excludes the working minutes spent waiting for the resident, and counts
    an extension the ticket was given.
    """
    category = ticket.category
    first_response = min(category.first_response_minutes, MAX_TARGET_HOURS * 60)
    resolution = resolution_target(ticket, calendar)
    ticket.first_response_due_at = calendar.add_minutes(ticket.created_at, first_response)
    ticket.resolution_due_at = calendar.add_minutes(
        ticket.created_at, resolution + ticket.paused_business_minutes
    )
    ticket.first_response_warn_at = calendar.add_minutes(
        ticket.created_at, warning_minutes(first_response)
    )
    ticket.resolution_warn_at = calendar.add_minutes(
        ticket.created_at, warning_minutes(resolution) + ticket.paused_business_minutes
    )
    refresh_next_due(ticket)
    schedule_alerts(ticket)


def resolution_target(ticket: Ticket, calendar: BusinessCalendar) -> int:
    """The ticket's resolution target in business minutes: its category's, plus an extension
    given to it (app.tickets.extension). Every due instant and alert follows from it."""
    policy = min(ticket.category.resolution_minutes, MAX_TARGET_DAYS * calendar.minutes_per_day)
    return policy + (ticket.resolution_extension_minutes or 0)


def warning_minutes(target_minutes: int) -> int:
    """75 % of a target, in whole business minutes (rounded up: never warn early). Past it a
    clock is "at risk": the one definition for the queue, the ticket page and the alerts."""
    return -(-target_minutes * 3 // 4)


def at_risk(warn_at: datetime | None, due_at: datetime | None, now: datetime) -> bool:
    """A running clock past its warning instant (75 % of the target) and not yet due."""
    return warn_at is not None and due_at is not None and warn_at <= now <= due_at


def at_risk_where(now: datetime) -> ColumnElement[bool]:
    """``at_risk`` of the clock that is running now (first response until answered, then
    resolution), as a condition on ``tickets``; a paused clock is never at risk."""
    warn_at = case(
        (Ticket.first_responded_at.is_(None), Ticket.first_response_warn_at),
        else_=Ticket.resolution_warn_at,
    )
    return and_(
        Ticket.sla_paused_at.is_(None),
        Ticket.next_due_at >= now,
        warn_at <= now,
    )


def pending_alerts(ticket: Ticket) -> list[tuple[str, str, datetime]]:
    """The SLA alerts still to raise: ``(clock, level, instant)``, clock first_response or
    resolution, level warning or breach. A stopped or paused clock raises nothing."""
    if ticket.status in lifecycle.FINAL_STATUSES:
        return []
    alerts: list[tuple[str, str, datetime]] = []
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        if ticket.first_response_warned_at is None and ticket.first_response_warn_at:
            alerts.append(("first_response", "warning", ticket.first_response_warn_at))
        if ticket.first_response_breached_at is None:
            alerts.append(("first_response", "breach", ticket.first_response_due_at))
    running = ticket.resolved_at is None and ticket.sla_paused_at is None
    if running and ticket.resolution_due_at is not None:
        if ticket.resolution_warned_at is None and ticket.resolution_warn_at:
            alerts.append(("resolution", "warning", ticket.resolution_warn_at))
        if ticket.resolution_breached_at is None:
            alerts.append(("resolution", "breach", ticket.resolution_due_at))
    return alerts


def schedule_alerts(ticket: Ticket) -> None:
    """Point ``sla_next_check_at`` at the earliest pending alert (NULL when none): the sweep's
    indexed range query then returns only the tickets crossing a threshold."""
    instants = [instant for _, _, instant in pending_alerts(ticket)]
    ticket.sla_next_check_at = min(instants) if instants else None


def refresh_next_due(ticket: Ticket) -> None:
    ticket.next_due_at = (
        ticket.first_response_due_at
        if ticket.first_responded_at is None
        else ticket.resolution_due_at
    )


def stamp_first_response(ticket: Ticket, now: datetime, calendar: BusinessCalendar) -> None:
    if ticket.first_responded_at is not None:
        return
    ticket.first_responded_at = now
    ticket.first_response_business_minutes = calendar.minutes_between(ticket.created_at, now)
    ticket.first_response_calendar_minutes = calendar_minutes(ticket.created_at, now)
    refresh_next_due(ticket)
    schedule_alerts(ticket)


def pause(ticket: Ticket, now: datetime) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
    schedule_alerts(ticket)


def resume(ticket: Ticket, now: datetime, calendar: BusinessCalendar) -> None:
    """Close the running pause, if any: its working minutes no longer count, dues move out."""
    if ticket.sla_paused_at is None:
        return
    ticket.paused_business_minutes += calendar.minutes_between(ticket.sla_paused_at, now)
    ticket.sla_paused_at = None
    set_due_instants(ticket, calendar)


def stop_resolution_clock(ticket: Ticket, now: datetime, calendar: BusinessCalendar) -> None:
    ticket.resolved_at = now
    elapsed = calendar.minutes_between(ticket.created_at, now)
    ticket.resolution_business_minutes = max(0, elapsed - ticket.paused_business_minutes)
    ticket.resolution_calendar_minutes = calendar_minutes(ticket.created_at, now)
    schedule_alerts(ticket)


def clear_resolution_clock(ticket: Ticket) -> None:
    ticket.resolved_at = None
    ticket.resolution_business_minutes = None
    ticket.resolution_calendar_minutes = None
    schedule_alerts(ticket)
