"""Everything held on a person, gathered from every table that can hold it.

A person is a person record (``Contact``): what joins their tickets through identifiers their
channels proved. Their dossier is that record, its change history, the tickets joined to it
(with the details given with each), what they wrote on those tickets, the notices sent to them,
the SMS they sent, their SMS opt-out, their survey answers and the access trail about them.
Only rows that are theirs: a notice to staff, a message from another number or another
person's ticket is never in it. Details typed with a ticket that no proof joined to the person
are listed apart (``unjoined``), for the officer to judge, and never exported with the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    AccessLogEntry,
    Contact,
    ContactChange,
    InboundSms,
    Notification,
    SatisfactionRating,
    SmsSuppression,
    Ticket,
    TicketContact,
    TicketEvent,
    TicketFollower,
)
from app.tickets.access_log import known_identifiers, person_trail, record_access
from app.tickets.errors import NotFound, ValidationFailed
from app.tickets.people import history, search_key
from app.tickets.permissions import Actor, require


@dataclass(frozen=True)
class Found:
    """What a search by RUT, mobile or email finds: person records holding it, and the details
    typed with tickets that no proof joined to those people."""

    people: list[Contact]
    unjoined: list[TicketContact]


def find_people(session: Session, actor: Actor, text: str, limit: int = 50) -> Found:
    """Person records whose RUT, mobile or email (current or former) is ``text``, however
    written. Every search is recorded (the identifier as a keyed hash)."""
    require(actor, "privacy")
    key = search_key(text)
    if key is None:
        raise ValidationFailed(
            "Escriba un RUT, un celular o un correo válido para buscar.", field="query"
        )
    attribute, value = key
    current = select(Contact.id).where(getattr(Contact, attribute) == value)
    # A value the person held before: in a change's JSON text (coarse; ``_held`` is exact).
    # A scan of the change history: this search is rare, and complete matters more.
    former = select(ContactChange.contact_id).where(
        cast(ContactChange.changes, String).contains(value, autoescape=True)
    )
    people = list(
        session.scalars(
            select(Contact)
            .where(or_(Contact.id.in_(current), Contact.id.in_(former)))
            .order_by(Contact.id)
        )
    )
    people = [p for p in people if _held(session, p, attribute, value)]
    found_ids = [p.id for p in people] or [0]
    unjoined = list(
        session.scalars(
            select(TicketContact)
            .join(Ticket, Ticket.id == TicketContact.ticket_id)
            .where(
                getattr(TicketContact, attribute) == value,
                or_(Ticket.person_id.is_(None), Ticket.person_id.not_in(found_ids)),
            )
            .options(selectinload(TicketContact.ticket).selectinload(Ticket.category))
            .order_by(Ticket.created_at.desc())
            .limit(limit)
        )
    )
    record_access(
        session,
        actor,
        "person_searched",
        person=people[0] if len(people) == 1 else None,
        query=key,
        detail={"found": len(people), "tickets": [g.ticket_id for g in unjoined]},
    )
    return Found(people, unjoined)


def _held(session: Session, person: Contact, attribute: str, value: str) -> bool:
    """The JSON text match above is coarse (a substring): keep exact holders only."""
    return (attribute, value) in known_identifiers(session, person)


@dataclass(frozen=True)
class Dossier:
    person: Contact
    changes: list[ContactChange]
    tickets: list[Ticket]
    events: list[TicketEvent]  # what the person wrote or did on their tickets
    notifications: list[Notification]
    inbound_sms: list[InboundSms]
    suppressions: list[SmsSuppression]
    ratings: list[SatisfactionRating]
    trail: list[AccessLogEntry]
    # Tickets of others the person follows (their mobile or email, never the ticket's code).
    followers: list[TicketFollower] = field(default_factory=list)

    @property
    def ticket_contacts(self) -> list[TicketContact]:
        return [t.contact for t in self.tickets if t.contact is not None]


def get_person(session: Session, actor: Actor, person_id: int) -> Contact:
    require(actor, "privacy")
    person = session.get(Contact, person_id)
    if person is None:
        raise NotFound("No existe esa persona.")
    return person


def gather(session: Session, person: Contact) -> Dossier:
    """Every row held on ``person`` (no permission check, no trail: callers do both)."""
    tickets = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.person_id == person.id)
            .options(
                selectinload(Ticket.category),
                selectinload(Ticket.department),
                selectinload(Ticket.contact),
            )
            .order_by(Ticket.created_at, Ticket.id)
        )
    )
    ticket_ids = [t.id for t in tickets] or [0]
    known = known_identifiers(session, person)
    mobiles = sorted(value for kind, value in known if kind == "mobile") or [""]
    addresses = sorted(value for kind, value in known if kind in ("mobile", "email")) or [""]
    events = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.actor_kind == "resident")
        .order_by(TicketEvent.id)
    )
    notifications = session.scalars(
        select(Notification)
        .where(
            Notification.recipient_staff_id.is_(None),
            or_(Notification.ticket_id.in_(ticket_ids), Notification.recipient.in_(addresses)),
        )
        .order_by(Notification.id)
    )
    inbound = session.scalars(
        select(InboundSms).where(InboundSms.sender.in_(mobiles)).order_by(InboundSms.id)
    )
    suppressions = session.scalars(select(SmsSuppression).where(SmsSuppression.mobile.in_(mobiles)))
    ratings = session.scalars(
        select(SatisfactionRating)
        .where(SatisfactionRating.ticket_id.in_(ticket_ids))
        .order_by(SatisfactionRating.id)
    )
    emails = sorted(value for kind, value in known if kind == "email") or [""]
    followers = session.scalars(
        select(TicketFollower)
        .where(or_(TicketFollower.mobile.in_(mobiles), TicketFollower.email.in_(emails)))
        .options(selectinload(TicketFollower.ticket).selectinload(Ticket.category))
        .order_by(TicketFollower.id)
    )
    return Dossier(
        person=person,
        followers=list(followers),
        changes=history(session, person),
        tickets=tickets,
        events=list(events),
        notifications=list(notifications),
        inbound_sms=list(inbound),
        suppressions=list(suppressions),
        ratings=list(ratings),
        trail=person_trail(session, person),
    )


def open_dossier(session: Session, actor: Actor, person: Contact) -> Dossier:
    """The officer's page is about to show everything held on the person: recorded."""
    require(actor, "privacy")
    record_access(session, actor, "person_viewed", person=person)
    return gather(session, person)
