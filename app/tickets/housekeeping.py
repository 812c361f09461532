"""Closing what nobody will touch again: resolved tickets after N days, and tickets waiting
for a resident who never answered (with a public note saying so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Ticket, utcnow
from app.tickets import lifecycle
from app.tickets.permissions import SYSTEM
from app.tickets.service import transition


@dataclass(frozen=True)
class Closed:
    resolved: int = 0
    unanswered: int = 0


def unanswered_note(days: int) -> str:
    return (
        f"Cerramos esta solicitud porque no recibimos respuesta en {days} días. "
        "Si el problema continúa, puede ingresar una nueva solicitud."
    )


def close_stale(
    session: Session,
    now: datetime | None = None,
    *,
    resolved_days: int = 7,
    waiting_days: int = 15,
    limit: int = 500,
) -> Closed:
    """Flushes, never commits. The status index narrows each query to one status."""
    now = now or utcnow()
    resolved = session.scalars(
        select(Ticket)
        .where(
            Ticket.status == lifecycle.RESOLVED,
            Ticket.resolved_at <= now - timedelta(days=resolved_days),
        )
        .limit(limit)
    ).all()
    for ticket in resolved:
        transition(session, ticket, lifecycle.CLOSED, SYSTEM, now=now)
    waiting = session.scalars(
        select(Ticket)
        .where(
            Ticket.status == lifecycle.WAITING_RESIDENT,
            Ticket.sla_paused_at <= now - timedelta(days=waiting_days),
        )
        .limit(limit)
    ).all()
    for ticket in waiting:
        transition(
            session, ticket, lifecycle.CLOSED, SYSTEM, body=unanswered_note(waiting_days), now=now
        )
    return Closed(resolved=len(resolved), unanswered=len(waiting))
