"""Extending a rights request's target: once, by 15 business days, with a public note.

Ley 21.719 gives the municipality a term to answer a data-rights request that it may extend
once, telling the person why. The note is a public event (the resident reads it on the
tracking page and is notified like any public answer); the extension is kept on the ticket, so
every due instant recomputed later (a pause that ends, a reroute) still counts it.
"""

from __future__ import annotations

from datetime import datetime

from app.models import Ticket, utcnow
from app.tickets import rights, sla
from app.tickets.errors import InvalidTransition
from app.tickets.events import record_event
from app.tickets.permissions import Actor, require
from app.tickets.rights import extension_refusal as refusal
from app.tickets.service import _check_version, _clean_text, _flush

EXTENDED = "target_extended"  # the event's kind


def extend_target(
    session,
    ticket: Ticket,
    actor: Actor,
    note: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Staff of the ticket's unit (and admins) extend its resolution target by
    ``rights.EXTENSION_DAYS`` business days, saying why in a public note. A second extension,
    or one on a closed or already overdue request, is refused."""
    require(actor, "extend", ticket)
    _check_version(ticket, expected_version)
    now = now or utcnow()
    reason = refusal(ticket, now)
    if reason is not None:
        raise InvalidTransition(reason)
    text = _clean_text(note, field_name="body", required=True)
    calendar = sla.business_calendar(session)
    previous_due = ticket.resolution_due_at
    ticket.resolution_extension_minutes = rights.EXTENSION_DAYS * calendar.minutes_per_day
    ticket.resolution_extended_at = now
    sla.set_due_instants(ticket, calendar)
    record_event(
        session,
        ticket,
        actor,
        EXTENDED,
        now,
        body=text,
        public=True,
        data={
            "days": rights.EXTENSION_DAYS,
            "from": previous_due.isoformat(),
            "to": ticket.resolution_due_at.isoformat(),
        },
    )
    _flush(session)
    return ticket
