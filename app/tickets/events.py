"""The one place a ticket event is written, and the seam other parts of the app listen at.

``record_event`` adds the TicketEvent row, stamps the ticket's ``updated_at``, moves its version
(but for bookkeeping kinds) and then sends ``event_recorded``. Receivers run synchronously, in
the caller's session and transaction: what they add (the notices' outbox rows) is committed with
the change or not at all. Who listens is wired at app start (``app.notices.init_app``); the
domain imports none of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blinker import Namespace
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.models import Ticket, TicketEvent
from app.tickets.errors import StaleTicket
from app.tickets.permissions import Actor

signals = Namespace()
# Sent with the session as sender, and ``ticket`` and ``event``, once the event is added.
event_recorded = signals.signal("ticket-event-recorded")
# Sent when a one-time code was drawn for a ticket (app/tickets/access_codes.py), with
# ``ticket``, ``channel``, ``recipient``, ``digits``, ``minutes`` and ``now``: the message that
# carries it is the notices' to write.
access_code_issued = signals.signal("access-code-issued")

# Events that change nothing a staff member reads before acting: they keep the version.
BOOKKEEPING_KINDS = frozenset(
    {"sla_warning", "sla_breached", "notification", "created", "person_linked", "consent_withdrawn"}
)


def record_event(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    kind: str,
    now: datetime,
    *,
    body: str | None = None,
    public: bool = False,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        created_at=now,
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        kind=kind,
        body=body,
        public=public,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )
    session.add(event)
    ticket.updated_at = now
    if kind not in BOOKKEEPING_KINDS and ticket.version is not None:
        ticket.version += 1
    try:
        event_recorded.send(session, ticket=ticket, event=event)  # same flush, same commit
    except StaleDataError as exc:  # a receiver's reads autoflushed this change: someone else won
        raise StaleTicket() from exc
    return event
