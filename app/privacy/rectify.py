"""Rectification (Ley 21.719): the data protection officer corrects a person's name, RUT,
mobile or email at the person's request (identity checked with the rights request).

The person record changes, and so do the details given with the person's open tickets that
held the old value, so the notices still to come go to the corrected address; notices already
written and not yet handed to a worker are readdressed too. Each corrected ticket gets an
internal event; the person's history gets the old and new value with the reason; the access
trail gets a ``person_changed`` row. A corrected identifier counts as verified: the officer
checked the person's identity before correcting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from app.models import Contact, ContactChange, Notification, Ticket, utcnow
from app.tickets.access_log import record_access
from app.tickets.contacts import clean_name, normalize_email, normalize_mobile, normalize_rut
from app.tickets.errors import ValidationFailed
from app.tickets.lifecycle import OPEN_STATUSES
from app.tickets.people import person_by
from app.tickets.permissions import Actor, require
from app.tickets.service import record_event

NORMALIZERS = {
    "name": clean_name,
    "rut": normalize_rut,
    "mobile": normalize_mobile,
    "email": normalize_email,
}
STAMPS = {"rut": "rut_verified_at", "mobile": "mobile_verified_at", "email": "email_verified_at"}


@dataclass(frozen=True)
class Rectified:
    change: ContactChange
    tickets: list[Ticket]  # open tickets whose given details were corrected
    notifications: int  # pending notices readdressed


def _new_value(session: Session, person: Contact, field: str, value: str | None) -> str:
    if field not in NORMALIZERS:
        raise ValidationFailed("Elija el dato que rectifica.", field="field")
    try:
        new = NORMALIZERS[field](value)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, field="value") from error
    if not new:
        raise ValidationFailed("Escriba el dato correcto.", field="value")
    if new == getattr(person, field):
        raise ValidationFailed("Ese ya es el dato registrado.", field="value")
    if field in STAMPS:
        owner = person_by(session, field, new)
        if owner is not None and owner.id != person.id:
            raise ValidationFailed("Ese dato ya pertenece a otra persona.", field="value")
    return new


def rectify(
    session: Session,
    actor: Actor,
    person: Contact,
    field: str,
    value: str | None,
    reason: str | None,
    now: datetime | None = None,
) -> Rectified:
    require(actor, "privacy")
    new = _new_value(session, person, field, value)
    reason = clean_name(reason)
    if not reason:
        raise ValidationFailed("Indique el motivo de la rectificación.", field="reason")
    now = now or utcnow()
    old = getattr(person, field)
    setattr(person, field, new)
    if field in STAMPS:
        setattr(person, STAMPS[field], now)
    person.updated_at = now
    tickets = _correct_open_tickets(session, actor, person, field, old, new, now)
    readdressed = _readdress(session, person, field, old, new, now)
    change = ContactChange(
        contact_id=person.id,
        created_at=now,
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        action="rectified",
        source="privacy",
        changes={field: [old, new]},
        reason=reason[:300],
    )
    session.add(change)
    detail = {
        "action": "rectified",
        "fields": [field],
        "tickets": [t.id for t in tickets],
        "notifications": readdressed,
    }
    record_access(
        session, actor, "person_changed", person=person, reason=reason, detail=detail, now=now
    )
    session.flush()
    return Rectified(change, tickets, readdressed)


def _correct_open_tickets(
    session: Session,
    actor: Actor,
    person: Contact,
    field: str,
    old: str | None,
    new: str,
    now: datetime,
) -> list[Ticket]:
    """The details given with the person's open tickets that held the old value."""
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.person_id == person.id, Ticket.status.in_(OPEN_STATUSES))
        .options(selectinload(Ticket.contact))
        .order_by(Ticket.id)
    )
    corrected = []
    for ticket in tickets:
        given = ticket.contact
        if given is None or getattr(given, field) != old:
            continue  # another value was given with this ticket: it is that ticket's own
        setattr(given, field, new)
        if field == "mobile":
            given.mobile_verified = False  # no SMS from the new number proved it on this ticket
        elif field == "email":
            given.email_confirmed_at = None
        record_event(session, ticket, actor, "contact_rectified", now, data={"field": field})
        corrected.append(ticket)
    return corrected


def _readdress(
    session: Session, person: Contact, field: str, old: str | None, new: str, now: datetime
) -> int:
    """Notices to the old mobile or email of the person's tickets, not yet handed to a worker,
    go to the corrected one."""
    if field not in ("mobile", "email") or old is None:
        return 0
    tickets = select(Ticket.id).where(Ticket.person_id == person.id).scalar_subquery()
    result = session.execute(
        update(Notification)
        .where(
            Notification.status == "pending",
            Notification.recipient == old,
            Notification.recipient_staff_id.is_(None),
            Notification.ticket_id.in_(tickets),
        )
        .values(recipient=new, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0
