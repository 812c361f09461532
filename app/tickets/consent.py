"""Consent to be notified: per ticket, with its instant and the version of the wording shown,
and withdrawn by the person whenever they want.

The wording below is what the forms show next to the checkbox; change it and the version
together, so that every ticket keeps which text its person agreed to. A withdrawal needs proof
of the resident's channel (the signed link each email notice carries, purpose ``notices``); by
SMS, BAJA/STOP puts the number on the suppression list instead. After a withdrawal the outbox
queues no notice of that ticket (``app.notices.outbox``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.models import Ticket, TicketContact, utcnow
from app.tickets.errors import N_
from app.tickets.events import record_event
from app.tickets.permissions import Actor, require
from app.tickets.proof import NOTICES, ResidentProof, trace
from app.tickets.service import _flush

CONSENT_WORDING_VERSION = "2026-11-v2"
# The wording of that version: the web form (the person reads it and answers Sí or No: leaving
# a mobile or an email is not taken as a yes) and the counter (staff ask).
# v1 (until 2026-11): a checkbox "Quiero recibir avisos sobre mi solicitud por SMS o correo."
WEB_CONSENT_TEXT = N_("¿Quiere recibir avisos sobre su solicitud por SMS o correo?")
COUNTER_CONSENT_TEXT = N_("Acepta recibir avisos por SMS o correo")
WITHDRAWAL_HINT = N_(
    "Puede dejar de recibirlos cuando quiera: cada correo trae un enlace para darse de baja, "
    "y por SMS basta responder BAJA."
)

WITHDRAWN = "consent_withdrawn"  # the event's kind


def notices_allowed(contact: TicketContact | None) -> bool:
    """Whether notices of this ticket may still be queued (its person did not withdraw)."""
    return contact is not None and contact.consent_withdrawn_at is None


def withdraw_consent(
    session: Session,
    ticket: Ticket,
    *,
    proof: ResidentProof | None,
    now: datetime | None = None,
) -> bool:
    """The resident stops the notices of this ticket. True if this call withdrew it; False
    when it was already withdrawn (a second click changes nothing). Recorded in the history."""
    require(Actor.resident(proof), NOTICES, ticket)
    contact = ticket.contact
    if contact is None or contact.consent_withdrawn_at is not None:
        return False
    now = now or utcnow()
    contact.consent_withdrawn_at = now
    record_event(session, ticket, Actor.resident(proof), WITHDRAWN, now, data=trace(proof))
    _flush(session)
    return True
