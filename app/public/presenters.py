"""What the public may see of a ticket. Built field by field: no personal data can leak,
because this view does not have it (no contact, no staff names, no internal notes, nothing the
resident wrote: the code alone opens it, and reading is not acting — see app/tickets/proof.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Department,
    Photo,
    SatisfactionRating,
    Ticket,
    TicketContact,
    TicketEvent,
    utcnow,
)
from app.photos.service import published_where
from app.tickets import codes, lifecycle, reference
from app.tickets.errors import N_


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    title: str
    body: str | None = None


@dataclass(frozen=True)
class PublicTicket:
    code: str  # display form, K7M4-QX9P-Z
    public_id: str  # the name public feeds give it
    status: str
    status_label: str
    category: str
    department: str
    channel: str
    created_at: datetime
    expected_at: datetime
    is_open: bool
    is_late: bool
    waiting_for_resident: bool
    timeline: list[TimelineEntry] = field(default_factory=list)
    # What the Municipality asked when it is waiting for the resident (shown with the answer box).
    question: str | None = None
    # A duplicate: the ticket it repeats, told by its facts, never by its code (that code is
    # the other resident's secret); None when there is none or its category is sensitive.
    original: OriginalTicket | None = None


@dataclass(frozen=True)
class OriginalTicket:
    category: str
    department: str
    status: str
    status_label: str
    created_at: datetime


# How each channel a ticket came through is named to people (the codes are internal).
CHANNEL_LABELS = {
    "web": N_("formulario web"),
    "sms": N_("SMS"),
    "counter": N_("mesón"),
    "phone": N_("teléfono"),
    "api": N_("API"),
    "open311": N_("Open311"),
}


def channel_label(channel: str | None) -> str:
    return _(CHANNEL_LABELS[channel]) if channel in CHANNEL_LABELS else (channel or "—")


def status_label(status: str) -> str:
    return _(lifecycle.LABELS[status])


def _entry(event: TicketEvent, departments: dict[int, str]) -> TimelineEntry | None:
    if not event.public:
        return None
    if event.kind == "created":
        return TimelineEntry(event.created_at, _("Solicitud recibida"))
    if event.kind == "status_changed":
        return TimelineEntry(
            event.created_at,
            _("Estado: %(label)s", label=status_label(event.to_status)),
            event.body,
        )
    if event.kind == "comment" and event.actor_kind == "resident":
        # What residents write may carry their details: the fact, never the text.
        day = format_datetime(event.created_at, "dd-MM")
        return TimelineEntry(event.created_at, _("Usted respondió el %(day)s", day=day))
    if event.kind == "comment":
        return TimelineEntry(event.created_at, _("Respuesta de la Municipalidad"), event.body)
    if event.kind == "target_extended":
        # Staff wrote the note for the resident: why the answer needs more time.
        due = datetime.fromisoformat((event.data or {}).get("to") or event.created_at.isoformat())
        day = format_datetime(due, "dd-MM-yyyy")
        return TimelineEntry(
            event.created_at, _("Plazo de respuesta ampliado hasta el %(day)s", day=day), event.body
        )
    if event.kind == "routed":
        name = departments.get((event.data or {}).get("to_department"), "")
        return TimelineEntry(event.created_at, _("Derivada a %(unit)s", unit=name))
    return None


def _department_names(session: Session, ids: set) -> dict[int, str]:
    """Names of the units tickets were routed to, from this process's catalogue copy; a unit
    it does not hold yet (created a moment ago elsewhere) is read."""
    known = {d.id: d.name for d in reference.catalog(session).departments}
    if ids <= known.keys():
        return known
    rows = session.execute(select(Department.id, Department.name).where(Department.id.in_(ids)))
    return known | dict(rows.all())


@dataclass(frozen=True)
class PublicRecord:
    """What the shared tracking page needs, read in one query (no ORM entity): the ticket's
    public columns (``ticket`` quacks like a Ticket for ``present`` and the resident actions),
    its public events, whether its survey was answered and how many photos are published."""

    ticket: SimpleNamespace
    events: list[SimpleNamespace]
    version: int
    rated: bool
    photos: int


def public_record(session: Session, canonical: str) -> PublicRecord | None:
    """The ticket with this code and its public events in one statement; None if none has it.
    Names of its category and unit come from the per-process catalogue."""
    rated = select(SatisfactionRating.id).where(SatisfactionRating.ticket_id == Ticket.id)
    photos = (
        select(func.count(Photo.id))
        .where(Photo.ticket_id == Ticket.id, published_where())
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Ticket.id,
            Ticket.code,
            Ticket.public_id,
            Ticket.version,
            Ticket.status,
            Ticket.channel,
            Ticket.created_at,
            Ticket.resolution_due_at,
            Ticket.sla_paused_at,
            Ticket.category_id,
            Ticket.department_id,
            TicketContact.mobile,
            TicketContact.email,
            rated.exists().label("rated"),
            photos.label("photos"),
            TicketEvent.id.label("event_id"),
            TicketEvent.kind,
            TicketEvent.created_at.label("event_at"),
            TicketEvent.body,
            TicketEvent.to_status,
            TicketEvent.actor_kind,
            TicketEvent.data,
        )
        .outerjoin(TicketContact, TicketContact.ticket_id == Ticket.id)
        .outerjoin(TicketEvent, (TicketEvent.ticket_id == Ticket.id) & TicketEvent.public.is_(True))
        .where(Ticket.code == canonical)
        .order_by(TicketEvent.id)
    ).all()
    if not rows:
        return None
    first = rows[0]
    catalog = reference.catalog(session)
    category = catalog.by_id.get(first.category_id)
    units = {d.id: d for d in catalog.departments}
    if category is None or first.department_id not in units:
        return None  # created a moment ago in another process: the ORM path reads it
    ticket = SimpleNamespace(
        id=first.id,
        code=first.code,
        public_id=first.public_id,
        status=first.status,
        channel=first.channel,
        created_at=first.created_at,
        resolution_due_at=first.resolution_due_at,
        sla_paused_at=first.sla_paused_at,
        category=SimpleNamespace(name=category.name),
        department=SimpleNamespace(name=units[first.department_id].name),
        contact=SimpleNamespace(mobile=first.mobile, email=first.email),
    )
    events = [
        SimpleNamespace(
            public=True,
            kind=row.kind,
            created_at=row.event_at,
            body=row.body,
            to_status=row.to_status,
            actor_kind=row.actor_kind,
            data=row.data,
        )
        for row in rows
        if row.event_id is not None
    ]
    return PublicRecord(ticket, events, first.version, bool(first.rated), first.photos or 0)


def present(
    session: Session,
    ticket: Ticket,
    now: datetime | None = None,
    events: Sequence[TicketEvent] | None = None,
) -> PublicTicket:
    """The public view of a ticket; ``events``: its public events when the caller holds them
    all (a ticket just filed), else read here."""
    now = now or utcnow()
    if events is None:
        events = session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.public.is_(True))
            .order_by(TicketEvent.id)
        ).all()
    routed_to = {(e.data or {}).get("to_department") for e in events if e.kind == "routed"}
    departments = _department_names(session, routed_to) if routed_to else {}
    timeline = [entry for e in events if (entry := _entry(e, departments)) is not None]
    is_open = ticket.status in lifecycle.OPEN_STATUSES
    question = None
    if ticket.status == lifecycle.WAITING_RESIDENT:
        asked = [
            e.body
            for e in events
            if e.body and e.kind == "status_changed" and e.to_status == lifecycle.WAITING_RESIDENT
        ]
        question = asked[-1] if asked else None
    return PublicTicket(
        code=codes.display(ticket.code),
        public_id=ticket.public_id,
        status=ticket.status,
        status_label=status_label(ticket.status),
        category=ticket.category.name,
        department=ticket.department.name,
        channel=ticket.channel,
        created_at=ticket.created_at,
        expected_at=ticket.resolution_due_at,
        is_open=is_open,
        is_late=is_open and ticket.sla_paused_at is None and now > ticket.resolution_due_at,
        waiting_for_resident=ticket.status == lifecycle.WAITING_RESIDENT,
        timeline=timeline,
        question=question,
        original=_original(ticket),
    )


def _original(ticket: Ticket) -> OriginalTicket | None:
    original = ticket.duplicate_of if ticket.status == lifecycle.DUPLICATE else None
    if original is None or original.category.sensitive:
        return None
    return OriginalTicket(
        category=original.category.name,
        department=original.department.name,
        status=original.status,
        status_label=status_label(original.status),
        created_at=original.created_at,
    )
