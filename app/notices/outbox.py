"""Writing the outbox: which ticket changes notify whom, through which channel.

Receives every event the tickets domain records (its ``event_recorded`` signal, connected by
``init_app``), in the same transaction: the rows are
committed with the change or not at all. Nothing here sends anything; workers do, after commit.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Notification, StaffUser, Ticket, TicketEvent, TicketFollower
from app.notices import templates
from app.notices.templates import Rendered
from app.tickets import lifecycle, sla
from app.tickets.alerts import BATCH_MEMO
from app.tickets.consent import notices_allowed
from app.tickets.contacts import is_suppressed
from app.tickets.extension import EXTENDED
from app.tickets.followers import active_followers
from app.tickets.people import email_token
from app.tickets.permissions import is_blocked
from app.tickets.publication import coarse_address
from app.tickets.survey import make_token

# Requests filed where the resident did not get their code by SMS get a receipt by email.
RECEIPT_CHANNELS = frozenset({"web", "counter", "phone"})
STATUS_TEMPLATES = {
    lifecycle.WAITING_RESIDENT: "info_requested",
    lifecycle.RESOLVED: "resolved",
    lifecycle.REJECTED: "rejected",
}


def resident_channel(session: Session, ticket: Ticket) -> tuple[str, str] | None:
    """``(channel, recipient)`` to reach the ticket's resident, or None.

    Only the details given with this ticket (``ticket.contact``, a TicketContact) and its own
    consent: never a person record, which a later filing might name differently. SMS when a
    mobile was given that has not opted out, else email. They must have agreed to be
    notified, except on a ticket they texted in: answering in that conversation is expected.
    Once they withdrew consent for the ticket (the link in each email), nothing goes; nobody whose
    data is blocked is notified.
    """
    contact = ticket.contact
    if not notices_allowed(contact) or not (contact.consent_notify or ticket.channel == "sms"):
        return None
    if is_blocked(ticket):
        return None
    if contact.mobile and not is_suppressed(session, contact.mobile):
        return "sms", contact.mobile
    if contact.email:
        return "email", contact.email
    return None


def add(
    session: Session,
    ticket: Ticket | None,
    template: str,
    channel: str,
    recipient: str,
    rendered: Rendered,
    now: datetime,
    *,
    staff_id: int | None = None,
    not_before: datetime | None = None,
) -> Notification | None:
    if ticket is not None and ticket.practice:
        return None  # "Modo práctica": nobody is ever told anything about a practice ticket
    notification = Notification(
        ticket_id=ticket.id if ticket else None,
        channel=channel,
        recipient=recipient,
        recipient_staff_id=staff_id,
        template=template,
        subject=rendered.subject,
        body=rendered.text,
        body_html=rendered.html if channel == "email" else None,
        status="pending",
        attempts=0,
        next_attempt_at=not_before,
        created_at=now,
        updated_at=now,
    )
    session.add(notification)
    return notification


def notify_resident(
    session: Session, ticket: Ticket, template: str, now: datetime, *args
) -> Notification | None:
    target = resident_channel(session, ticket)
    if target is None:
        return None
    channel, recipient = target
    rendered = templates.render(template, ticket, channel, *args)
    return add(session, ticket, template, channel, recipient, rendered, now)


def notify_staff(
    session: Session,
    ticket: Ticket,
    staff: list[StaffUser],
    template: str,
    rendered: Rendered,
    now: datetime,
    not_before: datetime | None = None,
) -> list[Notification]:
    seen: set[int] = set()
    rows = []
    for user in staff:
        if user.id in seen or not user.active or not user.email:
            continue
        seen.add(user.id)
        rows.append(
            add(
                session,
                ticket,
                template,
                "email",
                user.email,
                rendered,
                now,
                staff_id=user.id,
                not_before=not_before,
            )
        )
    return rows


def department_heads(session: Session, department_id: int) -> list[StaffUser]:
    memo = session.info.get(BATCH_MEMO)
    if memo is not None:  # the SLA sweep: once per unit for the whole batch
        key = ("department_heads", department_id)
        if key not in memo:
            memo[key] = _department_heads(session, department_id)
        return memo[key]
    return _department_heads(session, department_id)


def _department_heads(session: Session, department_id: int) -> list[StaffUser]:
    return list(
        session.scalars(
            select(StaffUser)
            .where(
                StaffUser.department_id == department_id,
                StaffUser.role == "head",
                StaffUser.active.is_(True),
            )
            .order_by(StaffUser.id)
        )
    )


def after_event(session: Session, ticket: Ticket, event: TicketEvent) -> None:
    """The outbox rows a freshly recorded ticket event calls for (see the README's table)."""
    if ticket.practice:
        return  # practice tickets notify nobody: no outbox rows at all
    _rows_for(session, ticket, event)


def _rows_for(session: Session, ticket: Ticket, event: TicketEvent) -> None:
    now = event.created_at
    if event.kind == "created":
        target = _receipt_target(session, ticket) if ticket.channel in RECEIPT_CHANNELS else None
        if target is not None:
            channel, recipient = target
            confirm = email_confirmation_link(ticket) if channel == "email" else None
            rendered = templates.render("received", ticket, channel, confirm)
            add(session, ticket, "received", channel, recipient, rendered, now)
        return
    if event.actor_kind == "resident":
        # The resident's own actions are not echoed back to them, but for a withdrawal: its
        # confirmation also tells them if it was not their doing.
        if (event.data or {}).get("withdrawn"):
            notify_resident(session, ticket, "withdrawn", now)
        return
    if event.kind == "status_changed":
        _after_status_change(session, ticket, event, now)
    elif event.kind == "comment" and event.public:
        notify_resident(session, ticket, "public_reply", now, event.body or "")
    elif event.kind == EXTENDED:
        due = ticket.resolution_due_at.astimezone(sla.business_calendar(session).tz)
        notify_resident(session, ticket, EXTENDED, now, event.body or "", due.strftime("%d-%m-%Y"))
    elif event.kind == "assigned":
        _after_assignment(session, ticket, event, now)
    elif event.kind in SLA_LEVELS:
        _after_sla_alert(session, ticket, event, now)


def _receipt_target(session: Session, ticket: Ticket) -> tuple[str, str] | None:
    """Where the receipt goes, with consent: a web request to the email it gave (else its
    mobile); a walk-in or a call by SMS when there is a mobile, else email."""
    contact = ticket.contact
    if not notices_allowed(contact) or not contact.consent_notify or is_blocked(ticket):
        return None
    if ticket.channel == "web" and contact.email:
        return "email", contact.email
    return resident_channel(session, ticket)


def _after_status_change(session: Session, ticket: Ticket, event: TicketEvent, now) -> None:
    template = STATUS_TEMPLATES.get(event.to_status or "")
    if template:
        notify_resident(session, ticket, template, now, event.body or "")
        if template == "resolved":
            request_survey(session, ticket, now)
            notify_followers(session, ticket, now)
    elif event.to_status == lifecycle.DUPLICATE and ticket.duplicate_of is not None:
        notify_resident(session, ticket, "duplicate", now, ticket.duplicate_of)


def follower_stop_link(follower: TicketFollower) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/dejar-de-seguir/{follower.token}"


def notify_followers(session: Session, ticket: Ticket, now: datetime) -> list[Notification]:
    """Each resident following ``ticket`` is told once that it was resolved (SMS when they gave
    a mobile that did not opt out, else email). The row names no ticket (``ticket_id`` empty):
    it is the follower's message, never part of the filer's data (export, ticket page)."""
    rows = []
    street = coarse_address(ticket.address)
    for follower in active_followers(session, ticket):
        if follower.notified_at is not None:
            continue
        if follower.mobile and not is_suppressed(session, follower.mobile):
            channel, recipient = "sms", follower.mobile
        elif follower.email:
            channel, recipient = "email", follower.email
        else:
            continue
        link = follower_stop_link(follower)
        rendered = templates.render("follower_resolved", ticket, channel, street, link)
        rows.append(add(session, None, "follower_resolved", channel, recipient, rendered, now))
        follower.notified_at = now
    return rows


def _after_assignment(session: Session, ticket: Ticket, event: TicketEvent, now) -> None:
    assignee = ticket.assignee
    if assignee is None or assignee.id == event.actor_id:
        return  # unassigned, or they took it themselves: nobody to tell
    rendered = templates.render("assigned", ticket)
    notify_staff(session, ticket, [assignee], "assigned", rendered, now)


SLA_LEVELS = {"sla_warning": "warning", "sla_breached": "breach"}


def _after_sla_alert(session: Session, ticket: Ticket, event: TicketEvent, now) -> None:
    """The assignee and the department's heads, in business hours only: an alert raised at
    night waits for the next opening."""
    clock = (event.data or {}).get("clock", "resolution")
    level = SLA_LEVELS[event.kind]
    calendar = sla.business_calendar(session)
    due = ticket.first_response_due_at if clock == "first_response" else ticket.resolution_due_at
    due_local = due.astimezone(calendar.tz).strftime("%d-%m-%Y a las %H:%M")
    rendered = templates.render(event.kind, ticket, clock, level, due_local)
    staff = ([ticket.assignee] if ticket.assignee else []) + department_heads(
        session, ticket.department_id
    )
    not_before = None if calendar.is_open(now) else calendar.next_opening(now)
    notify_staff(session, ticket, staff, event.kind, rendered, now, not_before)


def email_confirmation_link(ticket: Ticket) -> str:
    """Sent to the ticket's own email only: using it proves the address (app/tickets/people)."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/correo/confirmar/{email_token(ticket)}"


def survey_link(ticket: Ticket) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/encuesta/{make_token(ticket)}"


def request_survey(session: Session, ticket: Ticket, now: datetime) -> Notification | None:
    """Ask once per ticket how satisfied the resident is, through their channel."""
    asked = session.scalar(
        select(Notification.id).where(
            Notification.ticket_id == ticket.id, Notification.template == "survey"
        )
    )
    if asked is not None:
        return None
    target = survey_channel(session, ticket)
    if target is None:
        return None
    channel, recipient = target
    rendered = templates.render("survey", ticket, channel, survey_link(ticket))
    return add(session, ticket, "survey", channel, recipient, rendered, now)


def survey_channel(session: Session, ticket: Ticket) -> tuple[str, str] | None:
    """Through the channel the resident used: a texted request is asked by SMS (reply 1-5),
    others by email (signed link) when they gave one, else as any other notice."""
    target = resident_channel(session, ticket)
    contact = ticket.contact
    if target is None or ticket.channel == "sms" or not contact.email:
        return target
    return "email", contact.email
