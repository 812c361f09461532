"""Extending a rights request's target: once, by 15 business days, with a public note.

Ley 21.719 gives the municipality a term to answer a data-rights request that it may extend
once, telling the person why. The note is a public event (the resident reads it on the
tracking page and is notified like any public answer); the extension is kept on the ticket, so
every due instant recomputed later (a pause that ends, a reroute) still counts it.
"""

from __future__ import annotations

from datetime import datetime

from app.models import Ticket, utcnow
from app.tickets import lifecycle, rights, sla
from app.tickets.errors import N_, InvalidTransition
from app.tickets.permissions import Actor, require
from app.tickets.service import _check_version, _clean_text, _flush, _record

EXTENDED = "target_extended"  # the event's kind

NOT_A_RIGHTS_REQUEST = N_(
    "Solo las solicitudes sobre datos personales (Protección de datos) admiten prórroga."
)
ALREADY_EXTENDED = N_(
    "El plazo de esta solicitud ya se prorrogó una vez; la ley permite una sola prórroga."
)
NOT_OPEN = N_("Solo se prorroga el plazo de una solicitud que sigue abierta.")
TOO_LATE = N_("El plazo ya venció: la prórroga debe decidirse antes del vencimiento.")


def refusal(ticket: Ticket, now: datetime | None = None) -> str | None:
    """Why the target cannot be extended now (a message for people), or None if it can."""
    if not rights.is_rights_request(ticket):
        return NOT_A_RIGHTS_REQUEST
    if ticket.resolution_extended_at is not None:
        return ALREADY_EXTENDED
    if ticket.status not in lifecycle.OPEN_STATUSES:
        return NOT_OPEN
    running = ticket.sla_paused_at is None
    if running and (now or utcnow()) > ticket.resolution_due_at:
        return TOO_LATE
    return None


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
    _record(
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
