"""The tickets domain: the only code that changes a ticket.

Each function takes a session, checks permission and lifecycle, changes the ticket, writes its
event(s) through ``record_event`` (app/tickets/events.py) and flushes. The caller (request or
job boundary) commits once. Nothing here knows HTTP, Twilio or SMTP, nor who is told: the notices
listen to each recorded event and write the outbox in the same transaction (app/notices).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.models import CHANNELS, Category, Contact, StaffUser, Ticket, TicketEvent, utcnow
from app.models.practice import in_practice
from app.tickets import codes, lifecycle, reference, rights, sla
from app.tickets.area import check_in_area
from app.tickets.contacts import (
    given_contact,
    normalize_email,
    normalize_mobile,
    normalize_rut,
)
from app.tickets.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleTicket,
    ValidationFailed,
)
from app.tickets.events import record_event
from app.tickets.people import (
    audit_texted_in,
    audit_texted_in_with_ticket,
    join_texted_in,
    link_by_proof,
)
from app.tickets.permissions import RESIDENT, Actor, can_be_assignee, may, require
from app.tickets.proof import REPLY, WITHDRAW, ResidentProof, trace
from app.tickets.text import sanitize

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000
MIN_DESCRIPTION = 3
CODE_ATTEMPTS = 10  # draws of a random code before giving up


@dataclass
class TicketIntake:
    """What any channel hands over to open a ticket."""

    channel: str
    category_id: int
    description: str
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    rut: str | None = None
    mobile: str | None = None
    email: str | None = None
    consent_notify: bool | None = None  # None: the channel did not ask (no notices)
    # The version of the consent wording the person was shown (app.tickets.consent).
    consent_wording: str | None = None
    rut_attested: bool = False  # counter staff saw the ID card with this RUT
    source_ref: str | None = None
    media_urls: list[str] = field(default_factory=list)
    attributes: dict[str, Any] | None = None  # answers to the category's extra questions
    channel_data: dict[str, Any] | None = None  # the channel's own client details (staff-only)
    api_key_id: int | None = None  # the API key that filed it (API and Open311 channels)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleTicket() from exc


def _check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicket(expected=expected_version, actual=ticket.version)


def _clean_text(text: str | None, *, field_name: str, required: bool) -> str | None:
    text = sanitize(text)
    if not text:
        if required:
            raise ValidationFailed("Escriba un texto para continuar.", field=field_name)
        return None
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"El texto es demasiado largo (máximo {MAX_DESCRIPTION} caracteres).", field=field_name
        )
    return text


def find_by_source_ref(session: Session, channel: str, source_ref: str) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(Ticket.channel == channel, Ticket.source_ref == source_ref)
    )


def get_by_code(session: Session, text: str) -> Ticket:
    """The ticket for what a person typed. Raises MalformedCode, MistypedCode or NotFound."""
    code = codes.parse(text)
    ticket = session.scalar(
        select(Ticket)
        .where(Ticket.code == code)
        .options(joinedload(Ticket.category), joinedload(Ticket.department))
    )
    if ticket is None:
        raise NotFound("No existe una solicitud con ese número.", code=code)
    return ticket


def _code_taken(session: Session, code: str) -> bool:
    """After a refused insert only: was it this code that clashed?"""
    return session.scalar(select(Ticket.id).where(Ticket.code == code)) is not None


def _valid_category(session: Session, intake: TicketIntake) -> Category:
    category = reference.category_by_id(session, intake.category_id)
    if category is None or not category.active:
        raise ValidationFailed("Elija una categoría de la lista.", field="category")
    return category


def _valid_description(intake: TicketIntake) -> str:
    description = _clean_text(intake.description, field_name="description", required=True)
    if len(description) < MIN_DESCRIPTION:
        raise ValidationFailed(
            "Describa su solicitud con un poco más de detalle.", field="description"
        )
    return description


def _check_location(intake: TicketIntake) -> None:
    if (intake.lat is None) != (intake.lon is None):
        raise ValidationFailed("La ubicación necesita latitud y longitud.", field="lat")
    if intake.lat is not None and not (-90 <= intake.lat <= 90 and -180 <= intake.lon <= 180):
        raise ValidationFailed("La ubicación no es válida.", field="lat")
    check_in_area(intake.lat, intake.lon)


def _validate_intake(session: Session, intake: TicketIntake) -> tuple[Category, str]:
    category = _valid_category(session, intake)
    description = _valid_description(intake)
    _check_location(intake)
    return category, description


def _collect(problems: list[ValidationFailed], check, *args, **kwargs) -> Any:
    """Run one check; a refusal is added to ``problems`` instead of raised."""
    try:
        return check(*args, **kwargs)
    except ValidationFailed as problem:
        problems.append(problem)
        return None


def intake_problems(session: Session, intake: TicketIntake) -> list[ValidationFailed]:
    """Every reason ``open_ticket`` would refuse this intake, all at once (it raises the first):
    a form shows them together on the first submit instead of one group per try."""
    problems: list[ValidationFailed] = []
    category = _collect(problems, _valid_category, session, intake)
    _collect(problems, _valid_description, intake)
    _collect(problems, _check_location, intake)
    _collect(problems, normalize_rut, intake.rut)
    _collect(problems, normalize_mobile, intake.mobile)
    _collect(problems, normalize_email, intake.email)
    if category is not None:
        _collect(
            problems,
            rights.check_intake,
            category,
            intake.channel,
            mobile=intake.mobile,
            email=intake.email,
            rut_attested=intake.rut_attested,
        )
    return problems


@dataclass(frozen=True)
class Filed:
    ticket: Ticket
    created: bool  # False: the same (channel, source_ref) was filed before, or at this moment
    # The public events this call recorded (the "created" one), for an answer without reloading.
    events: tuple[TicketEvent, ...] | None = None


def open_ticket(
    session: Session, intake: TicketIntake, actor: Actor = RESIDENT, now: datetime | None = None
) -> Ticket:
    """Open a ticket, routed by its category, with its SLA due instants.

    Idempotent by (channel, source_ref): a retried delivery returns the ticket it created.
    """
    return file_ticket(session, intake, actor, now).ticket


def _checked_intake(session: Session, intake: TicketIntake) -> tuple[Category, str] | Filed:
    """The category and description, or the ticket a retry of an accepted delivery filed."""
    try:
        category, description = _validate_intake(session, intake)
        rights.check_intake(
            category,
            intake.channel,
            mobile=intake.mobile,
            email=intake.email,
            rut_attested=intake.rut_attested,
        )
    except ValidationFailed:
        # A retry of a delivery accepted before answers as it did then, whatever changed since.
        existing = intake.source_ref and find_by_source_ref(
            session, intake.channel, intake.source_ref
        )
        if existing:
            return Filed(existing, created=False)
        raise
    return category, description


def file_ticket(
    session: Session, intake: TicketIntake, actor: Actor = RESIDENT, now: datetime | None = None
) -> Filed:
    """``open_ticket``, also telling whether this call created the ticket: of two deliveries of
    one message racing each other, exactly one gets ``created=True``."""
    require(actor, "open")
    now = now or utcnow()
    if intake.channel not in CHANNELS:
        raise ValidationFailed("Canal desconocido.", field="channel")
    # A repeated (channel, source_ref) is not looked up first: the unique index refuses its
    # insert below, and the ticket filed before is returned then (a retry is rare).
    checked = _checked_intake(session, intake)
    if isinstance(checked, Filed):
        return checked
    category, description = checked
    address = sanitize(intake.address)[:300] or None

    if intake.rut_attested and (actor.kind != "staff" or not intake.rut):
        raise ValidationFailed("Para verificar el RUT con la cédula, escríbalo.", field="rut")
    contact = given_contact(
        intake.channel,
        now,
        name=intake.name,
        rut=intake.rut,
        mobile=intake.mobile,
        email=intake.email,
        consent_notify=intake.consent_notify,
        consent_wording=intake.consent_wording,
    )
    if contact is not None and intake.rut_attested:
        contact.rut_attested_by_id = actor.user_id

    practising = in_practice()  # filed in "Modo práctica": a practice ticket
    # The code is drawn at random and inserted straight away (no SELECT first): 40 bits make a
    # clash practically impossible, and one is caught by the unique index and drawn again.
    for _attempt in range(CODE_ATTEMPTS):
        code = codes.generate()
        savepoint = session.begin_nested()
        try:
            ticket = Ticket(
                code=code,
                channel=intake.channel,
                source_ref=intake.source_ref,
                category=category,
                department_id=category.department_id,
                status=lifecycle.NEW,
                description=description,
                address=address,
                lat=intake.lat,
                lon=intake.lon,
                media_urls=list(intake.media_urls) or None,
                attributes=intake.attributes or None,
                channel_data=intake.channel_data or None,
                api_key_id=intake.api_key_id,
                contact=contact,
                filed_by_id=actor.user_id,
                practice=practising,
                created_at=now,
                updated_at=now,
                paused_business_minutes=0,
            )
            sla.set_due_instants(ticket, sla.business_calendar(session))
            # The SMS sender's person, before the INSERT (no UPDATE); never for practice.
            texted = None if practising else _texted_in_person(session, ticket, actor, now)
            session.add(ticket)
            session.flush()
            data = {"channel": intake.channel, "category": category.code}
            data.update(_link_proven_person(session, ticket, actor, now, texted))
            created = record_event(
                session,
                ticket,
                actor,
                "created",
                now,
                public=True,
                to_status=lifecycle.NEW,
                data=data,
            )
            session.flush()
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
            if intake.source_ref:  # the same message, delivered twice at once: the other one won
                existing = find_by_source_ref(session, intake.channel, intake.source_ref)
                if existing is not None:
                    return Filed(existing, created=False)
            if _code_taken(session, code):
                continue  # drawn before: draw again
            raise
        return Filed(ticket, created=True, events=(created,))
    raise RuntimeError("could not draw a free ticket code")  # 40 bits: practically unreachable


def _texted_in_person(
    session: Session, ticket: Ticket, actor: Actor, now: datetime
) -> tuple[Contact | None, bool] | None:
    """The SMS sender's person, joined before the ticket's insert (None: not texted in). A new
    person is audited in the ticket's own flush, once the ticket has its id."""
    given = ticket.contact
    if given is None or not given.mobile_verified:
        return None
    person, created = join_texted_in(session, ticket, now)
    if created and actor.kind != "staff":
        audit_texted_in_with_ticket(session, ticket, person, actor, now)
    return person, created


def _link_proven_person(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    texted: tuple[Contact | None, bool] | None = None,
) -> dict[str, Any]:
    """Join a new ticket to a person only through what its channel proved: the SMS sender, or
    a RUT that counter staff saw on the ID card. Typed details join nobody."""
    given = ticket.contact
    if given is None or ticket.practice:  # practice never touches a real person's record
        return {}
    if texted is not None:  # joined before the insert; a new person audited with it
        person, created = texted
        if created and actor.kind == "staff":
            audit_texted_in(session, ticket, person, actor, now)
        return {"person": person.id, "proof": "sms"} if person is not None else {}
    proof = "sms" if given.mobile_verified else "rut_attested" if given.rut_attested_by_id else None
    person = link_by_proof(session, ticket, proof, actor, now) if proof else None
    return {"person": person.id, "proof": proof} if person is not None else {}


def transition(
    session: Session,
    ticket: Ticket,
    to_status: str,
    actor: Actor,
    *,
    body: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Move a ticket along the lifecycle table; nothing else is allowed.

    Waiting for the resident needs the question, resolving the resolution, rejecting the public
    reason. Marking a duplicate goes through ``mark_duplicate`` (it needs the original).
    """
    require(actor, "close" if to_status == lifecycle.CLOSED else "transition", ticket)
    _check_version(ticket, expected_version)
    if to_status == lifecycle.DUPLICATE:
        raise InvalidTransition("Para marcar como duplicada indique la solicitud original.")
    return _move(session, ticket, to_status, actor, body=body, now=now or utcnow())


def _move(
    session: Session,
    ticket: Ticket,
    to_status: str,
    actor: Actor,
    *,
    body: str | None,
    now: datetime,
    data: dict[str, Any] | None = None,
    withdrawal: bool = False,
) -> Ticket:
    from_status = ticket.status
    if not lifecycle.can_transition(from_status, to_status, withdrawal=withdrawal):
        raise InvalidTransition(from_status=from_status, to_status=to_status)
    body = _clean_text(
        body,
        field_name="body",
        required=to_status in lifecycle.NEEDS_PUBLIC_TEXT and actor.kind == "staff",
    )
    calendar = sla.business_calendar(session)

    sla.resume(ticket, now, calendar)
    if actor.kind == "staff" and from_status == lifecycle.NEW:
        sla.stamp_first_response(ticket, now, calendar)
    if from_status == lifecycle.RESOLVED and to_status == lifecycle.IN_PROGRESS:
        sla.clear_resolution_clock(ticket)
    if to_status == lifecycle.RESOLVED:
        sla.stop_resolution_clock(ticket, now, calendar)
    if to_status in lifecycle.PAUSED_STATUSES:
        sla.pause(ticket, now)
    if to_status in lifecycle.FINAL_STATUSES:
        ticket.closed_at = now

    ticket.status = to_status
    sla.schedule_alerts(ticket)
    record_event(
        session,
        ticket,
        actor,
        "status_changed",
        now,
        body=body,
        public=True,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )
    _flush(session)
    return ticket


def add_comment(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    body: str,
    *,
    public: bool = True,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TicketEvent:
    """A public message to the resident, or an internal note only staff see."""
    require(actor, "comment" if public else "note", ticket)
    _check_version(ticket, expected_version)
    if public and not lifecycle.fits_status("reply", ticket.status):
        raise InvalidTransition(
            "Esta solicitud está cerrada: ya no se escribe al vecino en ella. Puede agregar una "
            "nota interna."
        )
    now = now or utcnow()
    text = _clean_text(body, field_name="body", required=True)
    if public and actor.kind == "staff":
        sla.stamp_first_response(ticket, now, sla.business_calendar(session))
    event = record_event(
        session,
        ticket,
        actor,
        "comment" if public else "internal_note",
        now,
        body=text,
        public=public,
    )
    _flush(session)  # record_event touched updated_at: the version moves, a stale form is refused
    return event


def resident_reply(
    session: Session,
    ticket: Ticket,
    body: str,
    *,
    proof: ResidentProof | None,
    now: datetime | None = None,
) -> TicketEvent:
    """The resident adds information (web or SMS). A ticket waiting for them returns to work.

    ``proof`` is what their channel proved (see ``app.tickets.proof``); the code alone is
    enough only on a ticket filed without a mobile or an email.
    """
    actor = Actor.resident(proof)
    require(actor, REPLY, ticket)
    if ticket.status in lifecycle.FINAL_STATUSES:
        raise InvalidTransition("Esta solicitud ya está cerrada; puede ingresar una nueva.")
    now = now or utcnow()
    text = _clean_text(body, field_name="body", required=True)
    event = record_event(
        session, ticket, actor, "comment", now, body=text, public=True, data=trace(proof)
    )
    if ticket.status == lifecycle.WAITING_RESIDENT:
        _move(session, ticket, lifecycle.IN_PROGRESS, actor, body=None, now=now)
    _flush(session)
    return event


def withdraw(
    session: Session,
    ticket: Ticket,
    *,
    proof: ResidentProof | None,
    now: datetime | None = None,
) -> Ticket:
    """The resident withdraws a request that is still open: it is closed with a public note."""
    actor = Actor.resident(proof)
    require(actor, WITHDRAW, ticket)
    if ticket.status not in lifecycle.WITHDRAWABLE:
        raise InvalidTransition("Esta solicitud ya no está abierta; no se puede retirar.")
    return _move(
        session,
        ticket,
        lifecycle.CLOSED,
        actor,
        body=lifecycle.WITHDRAWN_NOTE,
        now=now or utcnow(),
        data={"withdrawn": True, **trace(proof)},
        withdrawal=True,
    )


def assign(
    session: Session,
    ticket: Ticket,
    assignee: StaffUser | None,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Assign (heads, admins) or take (an agent assigning themself). ``None`` unassigns."""
    taking = assignee is not None and actor.user is not None and assignee.id == actor.user.id
    require(actor, "take" if taking else "assign", ticket)
    _check_version(ticket, expected_version)
    if ticket.status in lifecycle.FINAL_STATUSES:
        raise InvalidTransition("Una solicitud cerrada no se asigna.")
    if assignee is not None and not can_be_assignee(assignee, ticket):
        raise ValidationFailed(
            "Solo se puede asignar a funcionarios de la unidad responsable.", field="assignee"
        )
    now = now or utcnow()
    previous = ticket.assignee_id
    ticket.assignee = assignee
    record_event(
        session,
        ticket,
        actor,
        "assigned",
        now,
        public=False,
        data={"from": previous, "to": assignee.id if assignee else None},
    )
    _flush(session)
    return ticket


def reroute(
    session: Session,
    ticket: Ticket,
    category: Category,
    actor: Actor,
    *,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Send the ticket to another category (and so, maybe, another department).

    The resident's clock keeps running from the filing instant: dues follow the new policy.
    A change of department leaves the ticket unassigned. The reason stays internal; the public
    timeline says where the request went.
    """
    require(actor, "reroute", ticket)
    _check_version(ticket, expected_version)
    if ticket.status in lifecycle.FINAL_STATUSES:
        raise InvalidTransition("Una solicitud cerrada no se deriva.")
    if not category.active or category.id == ticket.category_id:
        raise ValidationFailed("Elija otra categoría activa.", field="category")
    text = _clean_text(reason, field_name="reason", required=True)
    now = now or utcnow()
    old_category, old_department = ticket.category, ticket.department_id
    ticket.category = category
    ticket.department_id = category.department_id
    if ticket.department_id != old_department:
        ticket.assignee = None
    sla.set_due_instants(ticket, sla.business_calendar(session))
    record_event(
        session,
        ticket,
        actor,
        "routed",
        now,
        public=True,
        data={
            "reason": text,
            "from_category": old_category.code,
            "to_category": category.code,
            "from_department": old_department,
            "to_department": category.department_id,
        },
    )
    _flush(session)
    return ticket


def mark_duplicate(
    session: Session,
    ticket: Ticket,
    original: Ticket,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Close ``ticket`` as a duplicate of ``original`` (followed to the root of a chain).

    The original must be a ticket the actor may work too: an agent cannot send a resident's
    follow-up (or a note) to another unit's ticket."""
    require(actor, "mark_duplicate", ticket)
    _check_version(ticket, expected_version)
    while original.duplicate_of is not None:
        original = original.duplicate_of
    if not may(actor, "mark_duplicate", original):
        raise PermissionDenied(
            "Solo puede marcarla como duplicada de una solicitud que usted puede atender."
        )
    if original.id == ticket.id:
        raise ValidationFailed(
            "Una solicitud no puede ser duplicada de sí misma.", field="original"
        )
    now = now or utcnow()
    ticket.duplicate_of = original
    _move(
        session,
        ticket,
        lifecycle.DUPLICATE,
        actor,
        # Not the original's code: it is the other resident's secret.
        body="Esta solicitud es la misma que otra ya ingresada, que la Municipalidad atiende.",
        now=now,
        data={"original": original.code},
    )
    record_event(
        session,
        original,
        actor,
        "merged",
        now,
        public=False,
        data={"duplicate": ticket.code},
    )
    _flush(session)
    return ticket
