"""Practice tickets ("Modo práctica"): the admin's reset, and the guided first exercise.

A practice ticket is filed through the same screens and domain as any other (``file_ticket``
marks it when the unit of work's scope is practice, app/models/practice.py). It notifies nobody
(app/notices/outbox.py), is never counted (app/tickets/counts.py, the rollups) and no query
outside the practice scope sees it (app/database.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import (
    AccessLogEntry,
    AttentionAnswer,
    ContactChange,
    InboundSms,
    Notification,
    Photo,
    Redaction,
    ResidentAccessCode,
    ResponseTemplate,
    SatisfactionRating,
    StaffUser,
    Ticket,
    TicketContact,
    TicketEvent,
    TicketFollower,
)
from app.models.practice import ALL, scope
from app.tickets import lifecycle
from app.tickets.permissions import Actor, require

# Rows that point at a ticket, deleted with the practice tickets (children first).
_CHILDREN = (
    AttentionAnswer,
    InboundSms,
    SatisfactionRating,
    ResidentAccessCode,
    Notification,
    TicketEvent,
    ContactChange,
    AccessLogEntry,
    Redaction,
    Photo,
    TicketContact,
    TicketFollower,
)


def count(session: Session) -> int:
    with scope(ALL):
        return session.scalar(select(func.count()).where(Ticket.practice.is_(True))) or 0


def _chosen(before: datetime | None):
    where = Ticket.practice.is_(True)
    return where if before is None else where & (Ticket.created_at < before)


def photo_keys(session: Session, before: datetime | None = None) -> list[str]:
    """The stored files of practice tickets' photos (the caller deletes them)."""
    with scope(ALL):
        photos = session.scalars(
            select(Photo).join(Ticket, Ticket.id == Photo.ticket_id).where(_chosen(before))
        ).all()
    return [key for p in photos for key in (p.key, p.thumb_key, p.public_key)]


def _delete(session: Session, before: datetime | None) -> int:
    """Bulk statements: practice rows leave the append-only history too (they were never
    real). Nothing is counted, so no counter row moves."""
    where = _chosen(before)
    with scope(ALL):
        gone = session.scalar(select(func.count()).where(where)) or 0
    if not gone:
        return 0
    practice_ids = select(Ticket.id).where(where).scalar_subquery()
    options = {"synchronize_session": False}
    session.execute(
        Ticket.__table__.update().where(where).values(duplicate_of_id=None, person_id=None)
    )
    for model in _CHILDREN:
        session.execute(
            delete(model).where(model.ticket_id.in_(practice_ids)), execution_options=options
        )
    session.execute(delete(Ticket).where(where), execution_options=options)
    session.expunge_all()
    return gone


def reset(session: Session, actor: Actor) -> int:
    """An admin deletes every practice ticket with everything that points at it; how many."""
    require(actor, "configure")
    return _delete(session, None)


def purge(session: Session, before: datetime) -> int:
    """The retention job deletes practice tickets filed before ``before``: what staff typed
    while practising (perhaps a real person's details) is not kept past
    ``PRACTICE_RETENTION_DAYS`` even if nobody resets."""
    return _delete(session, before)


# --- the guided first exercise ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool


COUNTER_STEPS = (
    ("walk_in", _l("Registrar una atención presencial en el mesón")),
    ("receipt", _l("Abrir e imprimir su comprobante")),
    ("found", _l("Encontrar de nuevo a la persona buscando su RUT, celular o correo")),
)
AGENT_STEPS = (
    ("take", _l("Tomar una solicitud de la bandeja")),
    ("ask", _l("Pedir información al vecino o vecina")),
    ("resolve", _l("Resolver una solicitud usando una plantilla de respuesta")),
)


def _mine(session: Session, user: StaffUser):
    return (
        select(TicketEvent.id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.practice.is_(True), TicketEvent.actor_id == user.id)
    )


def _done(session: Session, user: StaffUser, noted: set[str]) -> set[str]:
    """What the user did in practice tickets (and, for what leaves no row, what the staff
    screens noted in their session: the receipt opened, the person found)."""
    with scope(ALL):
        done = set(noted)
        walk_in = session.scalar(
            select(Ticket.id).where(
                Ticket.practice.is_(True),
                Ticket.filed_by_id == user.id,
                Ticket.channel.in_(("counter", "phone")),
            )
        )
        if walk_in is not None:
            done.add("walk_in")
        if session.scalar(_mine(session, user).where(TicketEvent.kind == "assigned")):
            done.add("take")
        status = _mine(session, user).where(TicketEvent.kind == "status_changed")
        if session.scalar(status.where(TicketEvent.to_status == lifecycle.WAITING_RESIDENT)):
            done.add("ask")
        bodies = select(ResponseTemplate.body).where(ResponseTemplate.kind == "resolve")
        resolved = status.where(
            TicketEvent.to_status == lifecycle.RESOLVED, TicketEvent.body.in_(bodies)
        )
        if session.scalar(resolved):
            done.add("resolve")
    return done


def exercise(session: Session, user: StaffUser, noted: set[str]) -> dict[str, list[Step]]:
    """The checklists for the user's role: counter staff the walk-in, agents and heads the
    ticket work, admins both."""
    done = _done(session, user, noted)
    lists = {}
    if user.role in ("counter", "admin"):
        lists["counter"] = [Step(k, str(label), k in done) for k, label in COUNTER_STEPS]
    if user.role in ("agent", "head", "admin"):
        lists["agent"] = [Step(k, str(label), k in done) for k, label in AGENT_STEPS]
    return lists
