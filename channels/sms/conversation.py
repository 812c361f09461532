"""What the municipality answers to each kind of text message (through the tickets domain)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Select, case, func, or_, select, union
from sqlalchemy.orm import Session

from app.catalog import suggest_category
from app.delivery.state import suppress_number
from app.models import (
    Contact,
    Notification,
    SatisfactionRating,
    SmsSuppression,
    Ticket,
    TicketContact,
    utcnow,
)
from app.photos.service import note_remote
from app.public.presenters import status_label
from app.tickets import (
    RESIDENT,
    InvalidTransition,
    NotFound,
    TicketIntake,
    ValidationFailed,
    get_by_code,
    open_ticket,
    resident_reply,
)
from app.tickets.codes import MalformedCode, MistypedCode
from app.tickets.contacts import normalize_mobile
from app.tickets.lifecycle import OPEN_STATUSES, RESOLVED, WAITING_RESIDENT
from app.tickets.people import waiting_or_texted_in
from app.tickets.proof import ResidentProof
from app.tickets.survey import record_satisfaction
from channels.sms import replies
from channels.sms.commands import Command, rating_form

MAX_MMS_PHOTOS = 3  # Twilio sends up to 10; the web form's limit holds here too

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    reply: str | None
    ticket_id: int | None = None


def _status(session: Session, text: str) -> Outcome:
    try:
        ticket = get_by_code(session, text)
    except MistypedCode:
        return Outcome(replies.mistyped(text))
    except (NotFound, MalformedCode):
        return Outcome(replies.not_found(text))
    is_open = ticket.status in OPEN_STATUSES
    late = is_open and ticket.sla_paused_at is None and utcnow() > ticket.resolution_due_at
    due = ticket.resolution_due_at if is_open else None
    return Outcome(replies.status(ticket.code, status_label(ticket.status), due, late), ticket.id)


def _senders_tickets(session: Session, sender: str, statuses) -> list[Ticket]:
    """The tickets this number proved to be its own: texted in from it, or joined to the person
    whose mobile an SMS proved. A number typed on a form proves nothing."""
    proved_person = select(Contact.id).where(
        Contact.mobile == sender, Contact.mobile_verified_at.is_not(None)
    )
    return list(
        session.scalars(
            select(Ticket)
            .outerjoin(TicketContact, TicketContact.ticket_id == Ticket.id)
            .where(
                or_(
                    (TicketContact.mobile == sender) & TicketContact.mobile_verified.is_(True),
                    Ticket.person_id.in_(proved_person),
                ),
                Ticket.status.in_(statuses),
            )
            .order_by(Ticket.updated_at.desc())
        )
    )


def _waiting_for_this_number(sender: str) -> Select:
    """The ticket a text from this number answers, in one query: the sender's own ticket
    waiting for them (the one updated last), else one waiting for an answer to a question we
    texted to this very number (it went to the number given with that ticket; "Responda a este
    mensaje" is answered here; the question sent last)."""
    proved_person = select(Contact.id).where(
        Contact.mobile == sender, Contact.mobile_verified_at.is_not(None)
    )
    own = or_(
        (TicketContact.mobile == sender) & TicketContact.mobile_verified.is_(True),
        Ticket.person_id.in_(proved_person),
    )
    asked = (
        select(func.max(Notification.id))
        .where(
            Notification.ticket_id == Ticket.id,
            Notification.template == "info_requested",
            Notification.channel == "sms",
            Notification.recipient == sender,
        )
        .scalar_subquery()
    )
    # The same tickets, found from the number through indexes (its ticket contacts, its person's
    # tickets, the questions texted to it): the conditions above alone read every waiting ticket.
    candidates = union(
        select(TicketContact.ticket_id).where(TicketContact.mobile == sender),
        select(Ticket.id).where(Ticket.person_id.in_(proved_person)),
        select(Notification.ticket_id).where(
            Notification.recipient == sender, Notification.template == "info_requested"
        ),
    )
    return (
        select(Ticket)
        .outerjoin(TicketContact, TicketContact.ticket_id == Ticket.id)
        .where(
            Ticket.status == WAITING_RESIDENT,
            Ticket.id.in_(candidates.scalar_subquery()),
            or_(own, asked.is_not(None)),
        )
        .order_by(
            case((own, 0), else_=1),
            case((own, Ticket.updated_at)).desc(),
            asked.desc(),
        )
        .limit(1)
    )


def _my_tickets(session: Session, sender: str) -> Outcome:
    tickets = _senders_tickets(session, sender, OPEN_STATUSES)
    return Outcome(replies.my_tickets([(t.code, status_label(t.status)) for t in tickets]))


def _opt_out(session: Session, sender: str) -> Outcome:
    suppress_number(session, sender, "keyword")
    return Outcome(replies.opted_out())


def _pending_survey(session: Session, sender: str) -> Ticket | None:
    """The latest resolved ticket whose satisfaction question went to this number by SMS and
    has no answer yet."""
    return session.scalar(
        select(Ticket)
        .join(Notification, Notification.ticket_id == Ticket.id)
        .outerjoin(SatisfactionRating, SatisfactionRating.ticket_id == Ticket.id)
        .where(
            Notification.template == "survey",
            Notification.channel == "sms",
            Notification.recipient == sender,
            Ticket.status == RESOLVED,
            SatisfactionRating.id.is_(None),
        )
        .order_by(Notification.id.desc())
        .limit(1)
    )


def _rating(session: Session, sender: str, text: str) -> Outcome | None:
    form = rating_form(text)
    ticket = _pending_survey(session, sender)
    if ticket is None or form is None:
        return None
    scores, improve = form
    overall, kindness, clarity, timeliness = (scores + [None, None, None])[:4]
    # The survey went to this number, and Twilio's signature proves the message came from it.
    record_satisfaction(
        session,
        ticket,
        overall,
        improve,
        "sms",
        proof=ResidentProof.sms(ticket, sender),
        kindness=kindness,
        clarity=clarity,
        timeliness=timeliness,
    )
    return Outcome(replies.thanks_for_rating(overall), ticket.id)


def _opt_in(session: Session, sender: str) -> Outcome:
    suppression = session.get(SmsSuppression, sender)
    if suppression is not None:
        session.delete(suppression)
    return Outcome(replies.opted_in())


def _text(session: Session, sender: str, text: str, media: list[str], sid: str) -> Outcome:
    category = suggest_category(session, text)  # this process's copy of the catalogue
    try:
        mobile = normalize_mobile(sender)
    except ValidationFailed:
        mobile = None  # a short code or an alphanumeric sender: file it without a contact
    now = utcnow()
    # The sender's own tickets first, then one that asked this number a question. On Postgres
    # the same statement finds (or creates) the person the ticket filed below is joined to.
    waiting = _waiting_for_this_number(sender)
    if category is not None and mobile and session.get_bind().dialect.name == "postgresql":
        ticket = waiting_or_texted_in(session, waiting, mobile, now)
    else:
        ticket = session.scalar(waiting)
    if ticket is not None:
        try:
            resident_reply(session, ticket, text, proof=ResidentProof.sms(ticket, sender))
        except InvalidTransition:
            return Outcome(replies.closed_ticket(ticket.code), ticket.id)
        return Outcome(replies.reply_added(ticket.code), ticket.id)
    if category is None:
        # No topic is open at all (a misconfiguration): the text stays in the inbound log,
        # the sender is told, and the error is logged for the administrators.
        log.error("SMS from a resident kept without a ticket: no active category")
        return Outcome(replies.unavailable())
    intake = TicketIntake(
        channel="sms",
        category_id=category.id,
        description=text,
        mobile=mobile,
        source_ref=sid,
        media_urls=media,
    )
    ticket = open_ticket(session, intake, RESIDENT, now)
    if media:  # fetched by a worker after the commit, never in the webhook's request
        note_remote(session, ticket, media[:MAX_MMS_PHOTOS], source="mms")
    return Outcome(
        replies.received(ticket.code, category.name, ticket.resolution_due_at), ticket.id
    )


def respond(session: Session, sender: str, command: Command, media: list[str], sid: str) -> Outcome:
    """Act on the message and say what to answer (the caller commits once)."""
    match command.kind:
        case "status":
            return _status(session, command.argument)
        case "my_tickets":
            return _my_tickets(session, sender)
        case "opt_out":
            return _opt_out(session, sender)
        case "opt_in":
            return _opt_in(session, sender)
        case "help":
            return Outcome(replies.help_text())
        case "rating" if (rated := _rating(session, sender, command.argument)) is not None:
            return rated
        case "too_short" if not media:
            return Outcome(replies.too_short())
        case _:
            # A digit with no survey pending, a photo with a few words, or a real request.
            text = command.argument or "(foto enviada por SMS)"
            if command.kind in ("too_short", "rating") and not media:
                return Outcome(replies.too_short())
            return _text(session, sender, text, media, sid)
