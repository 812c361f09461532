"""Retention: what is past its period is anonymized (never deleted), by a periodic job.

- A person whose last ticket closed more than ``RETENTION_YEARS`` ago, with no ticket still
  open (or resolved and not yet closed): the whole person (``anonymize_person``). A closed
  ticket with no person record: its own details and text, on the same clock.
- Inbound SMS older than ``SMS_RETENTION_DAYS``: body and number, once their ticket is closed
  (at once when the message belongs to no ticket).
- Notifications older than ``SMS_RETENTION_DAYS``: recipient, subject and bodies (not one
  still waiting to be sent).

Its cost grows with what it anonymizes, not with the tables: every candidate is read through a
partial index that holds only rows still holding personal data (``anonymized_at`` /
``redacted_at`` IS NULL), by the instant their period ends, so anonymized rows are never read
again. A closed ticket whose person is still active is held (``retention_held_until``: the
instant the person's period runs from) rather than read on every run. Batches of ``batch``;
flushes, never commits (the job commits each round). Running it twice changes nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.models import InboundSms, Notification, Ticket, TicketFollower, utcnow
from app.privacy.anonymize import (
    anonymize_person,
    anonymize_ticket,
    redact_notification,
    redact_sms,
    start_redaction,
)
from app.tickets.followers import clear
from app.tickets.lifecycle import FINAL_STATUSES
from app.tickets.permissions import SYSTEM

log = logging.getLogger(__name__)

PERSON_REASON = "Plazo de conservación cumplido ({years} años desde su última solicitud cerrada)"
TICKET_REASON = "Plazo de conservación cumplido ({years} años desde el cierre de la solicitud)"
SMS_REASON = "Plazo de conservación de SMS cumplido ({days} días)"
FOLLOWER_REASON = "Plazo de conservación de quienes siguen una solicitud cumplido ({days} días)"
NOTIFICATION_REASON = "Plazo de conservación de avisos cumplido ({days} días)"
UNSENT = ("pending", "sending")


@dataclass(frozen=True)
class Swept:
    persons: int = 0
    tickets: int = 0
    held: int = 0
    sms: int = 0
    notifications: int = 0
    followers: int = 0

    @property
    def anonymized(self) -> int:
        return self.persons + self.tickets + self.sms + self.notifications + self.followers

    def __add__(self, other: Swept) -> Swept:
        return Swept(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    def __str__(self) -> str:
        return (
            f"persons={self.persons} tickets={self.tickets} held={self.held} "
            f"sms={self.sms} notifications={self.notifications} followers={self.followers}"
        )


def years_before(now: datetime, years: int) -> datetime:
    """The same calendar instant ``years`` earlier (29 February: the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def due_tickets(session: Session, cutoff: datetime, limit: int) -> list[Ticket]:
    """Closed tickets still holding personal data whose period ran from before ``cutoff``:
    two range reads of the retention partial indexes."""
    closed = (
        select(Ticket.id)
        .where(
            Ticket.anonymized_at.is_(None),
            Ticket.retention_held_until.is_(None),
            Ticket.closed_at.is_not(None),
            Ticket.closed_at < cutoff,
        )
        .order_by(Ticket.closed_at)
        .limit(limit)
    )
    held = (
        select(Ticket.id)
        .where(
            Ticket.anonymized_at.is_(None),
            Ticket.retention_held_until.is_not(None),
            Ticket.retention_held_until < cutoff,
        )
        .order_by(Ticket.retention_held_until)
        .limit(limit)
    )
    ids = list(session.scalars(closed)) + list(session.scalars(held))
    if not ids:
        return []
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.id.in_(ids))
            .options(selectinload(Ticket.person), selectinload(Ticket.contact))
            .order_by(Ticket.id)
        )
    )


def _person_period_start(session: Session, person_id: int, now: datetime) -> datetime:
    """When the person's retention period runs from: their last closing, or ``now`` while a
    ticket is still open (its closing will come later: looking again in a full period is
    early enough)."""
    unfinished = session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.person_id == person_id, Ticket.status.not_in(FINAL_STATUSES))
    )
    if unfinished:
        return now
    return session.scalar(select(func.max(Ticket.closed_at)).where(Ticket.person_id == person_id))


def sweep_people(
    session: Session, now: datetime, cutoff: datetime, years: int, limit: int
) -> Swept:
    persons = tickets = held = 0
    for ticket in due_tickets(session, cutoff, limit):
        if ticket.anonymized_at is not None:
            continue  # went with its person earlier in this batch
        person = ticket.person
        if person is None or person.anonymized_at is not None:
            anonymize_ticket(session, ticket, SYSTEM, TICKET_REASON.format(years=years), now)
            tickets += 1
            continue
        start = _person_period_start(session, person.id, now)
        if start < cutoff:
            anonymize_person(
                session,
                person,
                SYSTEM,
                PERSON_REASON.format(years=years),
                now,
                include_given=False,
                source="retention",
            )
            persons += 1
            continue
        # Still active: every closed ticket of theirs waits for the person's own period.
        result = session.execute(
            update(Ticket)
            .where(
                Ticket.person_id == person.id,
                Ticket.anonymized_at.is_(None),
                Ticket.closed_at.is_not(None),
            )
            .values(retention_held_until=start)
            .execution_options(synchronize_session=False)
        )
        held += result.rowcount
        session.expire(ticket)
    session.flush()
    return Swept(persons=persons, tickets=tickets, held=held)


def sweep_sms(session: Session, now: datetime, cutoff: datetime, days: int, limit: int) -> int:
    """Inbound SMS past their period whose ticket is closed (or that belong to none)."""
    messages = list(
        session.scalars(
            select(InboundSms)
            .outerjoin(Ticket, Ticket.id == InboundSms.ticket_id)
            .where(
                InboundSms.redacted_at.is_(None),
                InboundSms.created_at < cutoff,
                or_(InboundSms.ticket_id.is_(None), Ticket.status.in_(FINAL_STATUSES)),
            )
            .order_by(InboundSms.created_at)
            .limit(limit)
        )
    )
    if messages:
        redaction = start_redaction(session, SYSTEM, "sms", SMS_REASON.format(days=days), now)
        for sms in messages:
            redact_sms(sms, now)
        redaction.counts = {"inbound_sms": len(messages)}
        session.flush()
    return len(messages)


def sweep_notifications(
    session: Session, now: datetime, cutoff: datetime, days: int, limit: int
) -> int:
    notifications = list(
        session.scalars(
            select(Notification)
            .where(
                Notification.redacted_at.is_(None),
                Notification.created_at < cutoff,
                Notification.status.not_in(UNSENT),
            )
            .order_by(Notification.created_at)
            .limit(limit)
        )
    )
    if notifications:
        reason = NOTIFICATION_REASON.format(days=days)
        redaction = start_redaction(session, SYSTEM, "notifications", reason, now)
        for notification in notifications:
            redact_notification(notification, now)
        redaction.counts = {"notifications": len(notifications)}
        session.flush()
    return len(notifications)


def sweep_followers(
    session: Session, now: datetime, cutoff: datetime, days: int, limit: int
) -> int:
    """Followers' contacts (``ticket_followers``) once they were told of the resolution, or
    their ticket closed, ``days`` ago (the period of notices: the same short-lived data)."""
    followers = list(
        session.scalars(
            select(TicketFollower)
            .join(Ticket, Ticket.id == TicketFollower.ticket_id)
            .where(
                TicketFollower.redacted_at.is_(None),
                or_(TicketFollower.notified_at < cutoff, Ticket.closed_at < cutoff),
            )
            .order_by(TicketFollower.id)
            .limit(limit)
        )
    )
    if followers:
        reason = FOLLOWER_REASON.format(days=days)
        redaction = start_redaction(session, SYSTEM, "notifications", reason, now)
        for follower in followers:
            clear(follower, now)
        redaction.counts = {"ticket_followers": len(followers)}
        session.flush()
    return len(followers)


def sweep(
    session: Session,
    now: datetime | None = None,
    *,
    years: int = 5,
    sms_days: int = 180,
    batch: int = 200,
) -> Swept:
    """One round: at most ``batch`` candidates of each kind. Flushes, never commits."""
    now = now or utcnow()
    people = sweep_people(session, now, years_before(now, years), years, batch)
    sms_cutoff = now - timedelta(days=sms_days)
    sms = sweep_sms(session, now, sms_cutoff, sms_days, batch)
    notifications = sweep_notifications(session, now, sms_cutoff, sms_days, batch)
    followers = sweep_followers(session, now, sms_cutoff, sms_days, batch)
    return people + Swept(sms=sms, notifications=notifications, followers=followers)
