"""Anonymizing a person: their personal fields and the text they wrote are replaced by a
placeholder, everywhere; tickets, statuses, dates, categories, channels and figures stay, so
dashboards and /transparencia count exactly what they counted before.

Nothing is deleted. Every anonymization writes one ``Redaction`` (who, when, why, how many rows
of each table), a ``ContactChange`` on the person and an access-trail row. Append-only rows
(ticket events, person changes) accept exactly one change, this one: the redacted column gets
the placeholder and ``redaction_id`` points at the ``Redaction`` (see app/models/base.py).

What it replaces:

- the person record: name (placeholder), RUT, mobile, email (cleared: unique keys are not
  duplicated), proof stamps, consent;
- on each of their tickets (and, for a staff action, each ticket given with one of their
  identifiers): the details given with it, the description, the exact address (kept as its
  street, as public feeds show it) and coordinates (rounded to about 100 m, as public feeds show
  them), the answers to the category's questions, photos' links, the channel's client ids;
- the bodies of ticket events the resident wrote (replies, comments, survey comments);
- survey comments (and the same words kept with the attention survey's scores);
  inbound SMS from their numbers or about their tickets (body and number);
  notifications of their tickets (recipient, subject, bodies, provider error text);
- the values in their change history;
- the mobile and email with which they follow tickets of others (``ticket_followers``).

Kept on purpose: the ticket code and public id, the public summary staff approved, staff text,
the access trail (it names the person by id, never by value), and the SMS opt-out list (it
exists so that their number gets no SMS: removing it would undo their BAJA).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from blinker import Namespace
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    REDACTED,
    AttentionAnswer,
    Contact,
    ContactChange,
    InboundSms,
    Notification,
    Redaction,
    SatisfactionRating,
    Ticket,
    TicketContact,
    TicketEvent,
    TicketFollower,
    utcnow,
)
from app.tickets.access_log import record_access
from app.tickets.errors import N_, InvalidTransition, NotFound, ValidationFailed
from app.tickets.followers import clear
from app.tickets.lifecycle import WITHDRAWN_NOTE
from app.tickets.permissions import Actor, require
from app.tickets.publication import coarse_address, coarse_coordinate
from app.tickets.text import sanitize

MAX_REASON = 300
IDENTITY_FIELDS = ("name", "rut", "mobile", "email")
# Texts the system wrote in the resident's name (kept: they hold nothing of the person).
SYSTEM_TEXTS = frozenset({WITHDRAWN_NOTE})

signals = Namespace()
# Sent with (session, person=..., redaction=...) after a person is anonymized, in the same
# transaction: features holding more of a person's data (consents, blocks) clear theirs.
person_anonymized = signals.signal("person-anonymized")


class AlreadyAnonymized(InvalidTransition):
    message = N_("Esta persona ya fue anonimizada.")


def redact_text(value: Any) -> Any:
    """Every text inside ``value`` (a JSON structure) becomes the placeholder; its shape, its
    empty values and its non-text facts (numbers, yes/no) stay."""
    if isinstance(value, str):
        return REDACTED
    if isinstance(value, dict):
        return {key: redact_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_text(item) for item in value]
    return value


def clean_reason(reason: str | None) -> str:
    reason = sanitize(reason or "").strip()
    if not reason:
        raise ValidationFailed(N_("Indique el motivo de la anonimización."), field="reason")
    return reason[:MAX_REASON]


def start_redaction(
    session: Session,
    actor: Actor,
    scope: str,
    reason: str,
    now: datetime,
    *,
    person: Contact | None = None,
    ticket: Ticket | None = None,
) -> Redaction:
    redaction = Redaction(
        created_at=now,
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        scope=scope,
        person_id=person.id if person is not None else None,
        ticket_id=ticket.id if ticket is not None else None,
        reason=reason,
    )
    session.add(redaction)
    session.flush()  # its id goes on the redacted rows
    return redaction


# --- one ticket ---------------------------------------------------------------------------------


def _redact_given(given: TicketContact | None, counts: Counter) -> None:
    if given is None or (
        given.name in (None, REDACTED) and not (given.rut or given.mobile or given.email)
    ):
        return
    given.name = REDACTED if given.name else None
    given.rut = given.mobile = given.email = None
    given.consent_notify = False
    counts["ticket_contacts"] += 1


def _redact_events(
    session: Session, ticket_ids: list[int], redaction: Redaction, counts: Counter
) -> None:
    events = session.scalars(
        select(TicketEvent).where(
            TicketEvent.ticket_id.in_(ticket_ids),
            TicketEvent.actor_kind == "resident",
            TicketEvent.body.is_not(None),
            TicketEvent.redaction_id.is_(None),
        )
    )
    for event in events:
        if event.body in SYSTEM_TEXTS:
            continue
        event.body = REDACTED
        event.redaction_id = redaction.id
        counts["ticket_events"] += 1


def redact_tickets(
    session: Session, tickets: list[Ticket], redaction: Redaction, now: datetime, counts: Counter
) -> None:
    """Replace what ``tickets`` hold of their resident; keep every fact dashboards count."""
    if not tickets:
        return
    ids = [ticket.id for ticket in tickets]
    for ticket in tickets:
        if ticket.anonymized_at is None:
            counts["tickets"] += 1
        ticket.description = REDACTED
        if ticket.address:
            ticket.address = coarse_address(ticket.address) or REDACTED
        ticket.lat, ticket.lon = coarse_coordinate(ticket.lat), coarse_coordinate(ticket.lon)
        if ticket.attributes:
            ticket.attributes = redact_text(ticket.attributes)
        ticket.media_urls = None
        if ticket.channel_data:
            # The API key's name says which system filed it (not who); device and account ids
            # name the resident's phone and account.
            kept = {k: v for k, v in ticket.channel_data.items() if k == "api_key"}
            ticket.channel_data = kept or None
        ticket.anonymized_at = ticket.anonymized_at or now
        _redact_given(ticket.contact, counts)
    _redact_events(session, ids, redaction, counts)
    # The resident's words in the rating and in the attention survey (external diagnosis):
    # scores stay, text goes.
    _redact_column(session, SatisfactionRating.comment, ids, counts, "satisfaction_ratings")
    _redact_column(session, AttentionAnswer.improve, ids, counts, "attention_answers")
    redact_messages(session, now, counts, ticket_ids=ids)


def _redact_column(session: Session, column, ids, counts: Counter, key: str) -> None:
    model = column.class_
    rows = session.scalars(
        select(model).where(model.ticket_id.in_(ids), column.is_not(None), column != REDACTED)
    )
    for row in rows:
        setattr(row, column.key, REDACTED)
        counts[key] += 1


def redact_messages(
    session: Session,
    now: datetime,
    counts: Counter,
    *,
    ticket_ids: list[int] = (),
    senders: list[str] = (),
) -> None:
    """Inbound SMS about ``ticket_ids`` or from ``senders``, and notifications of
    ``ticket_ids``: bodies and numbers replaced. Notices not yet handed over are not sent."""
    conditions = []
    if ticket_ids:
        conditions.append(InboundSms.ticket_id.in_(ticket_ids))
    if senders:
        conditions.append(InboundSms.sender.in_(senders))
    if conditions:
        for sms in session.scalars(
            select(InboundSms).where(or_(*conditions), InboundSms.redacted_at.is_(None))
        ):
            redact_sms(sms, now)
            counts["inbound_sms"] += 1
    if ticket_ids:
        for notification in session.scalars(
            select(Notification).where(
                Notification.ticket_id.in_(ticket_ids), Notification.redacted_at.is_(None)
            )
        ):
            redact_notification(notification, now)
            counts["notifications"] += 1


def redact_sms(sms: InboundSms, now: datetime) -> None:
    sms.sender = REDACTED
    sms.body = REDACTED
    sms.redacted_at = now


def redact_notification(notification: Notification, now: datetime) -> None:
    if notification.status in {"pending", "sending"}:
        # Nobody left to send it to: it ends here, as a failure staff can read.
        notification.status = "failed"
        notification.error_kind = "rejected"
        notification.next_attempt_at = None
    notification.recipient = REDACTED
    notification.subject = REDACTED if notification.subject else None
    notification.body = REDACTED
    notification.body_html = None
    notification.last_error = REDACTED if notification.last_error else None
    notification.redacted_at = now


# --- a person -----------------------------------------------------------------------------------


def _identifiers(session: Session, person: Contact) -> dict[str, set[str]]:
    """Every RUT, mobile and email the person holds or held (their change history)."""
    known: dict[str, set[str]] = {kind: set() for kind in ("rut", "mobile", "email")}
    for kind, values in known.items():
        if getattr(person, kind):
            values.add(getattr(person, kind))
    for change in session.scalars(
        select(ContactChange.changes).where(ContactChange.contact_id == person.id)
    ):
        for kind, values in known.items():
            for value in (change or {}).get(kind) or ():
                if isinstance(value, str) and value != REDACTED:
                    values.add(value)
    return known


def _their_tickets(
    session: Session, person: Contact, identifiers: dict[str, set[str]], *, include_given: bool
) -> list[Ticket]:
    condition = Ticket.person_id == person.id
    if include_given:
        given = [
            getattr(TicketContact, kind).in_(values)
            for kind, values in identifiers.items()
            if values
        ]
        if given:
            condition = or_(
                condition,
                Ticket.id.in_(select(TicketContact.ticket_id).where(or_(*given))),
            )
    return list(
        session.scalars(
            select(Ticket)
            .where(condition)
            .options(selectinload(Ticket.contact))
            .order_by(Ticket.id)
        )
    )


def forget_followers(
    session: Session, identifiers: dict[str, set[str]], now: datetime, counts: Counter
) -> None:
    """The tickets of others the person follows: their mobile and email are cleared (they are
    told nothing more)."""
    conditions = [
        getattr(TicketFollower, kind).in_(sorted(identifiers[kind]))
        for kind in ("mobile", "email")
        if identifiers[kind]
    ]
    if not conditions:
        return
    for follower in session.scalars(select(TicketFollower).where(or_(*conditions))):
        clear(follower, now)
        counts["ticket_followers"] += 1


def _redact_history(
    session: Session, person: Contact, redaction: Redaction, counts: Counter
) -> None:
    for change in session.scalars(
        select(ContactChange).where(
            ContactChange.contact_id == person.id, ContactChange.redaction_id.is_(None)
        )
    ):
        if change.changes:
            change.changes = redact_text(change.changes)
        change.redaction_id = redaction.id
        counts["contact_changes"] += 1


def anonymize_person(
    session: Session,
    person: Contact,
    actor: Actor,
    reason: str | None,
    now: datetime | None = None,
    *,
    include_given: bool = True,
    source: str = "staff",
) -> Redaction:
    """Anonymize ``person`` (see the module's docstring); flushes, never commits.

    ``include_given``: also the tickets filed with one of the person's identifiers but never
    joined to them (a staff decision; the retention job leaves those to their own clock).
    Refused for an anonymized person (nothing left to do) and without a reason.
    """
    require(actor, "anonymize")
    reason = clean_reason(reason)
    if person.anonymized_at is not None:
        raise AlreadyAnonymized()
    now = now or utcnow()
    identifiers = _identifiers(session, person)
    tickets = _their_tickets(session, person, identifiers, include_given=include_given)
    redaction = start_redaction(session, actor, "person", reason, now, person=person)
    counts: Counter = Counter()
    redact_tickets(session, tickets, redaction, now, counts)
    redact_messages(session, now, counts, senders=sorted(identifiers["mobile"]))
    forget_followers(session, identifiers, now, counts)
    _redact_history(session, person, redaction, counts)
    held = [field for field in IDENTITY_FIELDS if getattr(person, field)]
    person.name = REDACTED if person.name else None
    person.rut = person.mobile = person.email = None
    person.rut_verified_at = person.mobile_verified_at = person.email_verified_at = None
    person.consent_notify = False
    person.anonymized_at = now
    person.updated_at = now
    counts["contacts"] += 1
    redaction.counts = dict(sorted(counts.items()))
    session.add(
        ContactChange(
            contact_id=person.id,
            created_at=now,
            actor_kind=actor.kind,
            actor_id=actor.user_id,
            action="anonymized",
            source=source,
            changes={field: [REDACTED, None] for field in held},
            reason=reason,
        )
    )
    record_access(
        session,
        actor,
        "person_anonymized",
        person=person,
        reason=reason,
        detail={"redaction": redaction.id, "counts": redaction.counts},
        now=now,
    )
    person_anonymized.send(session, person=person, redaction=redaction)
    session.flush()
    return redaction


def anonymize_ticket(
    session: Session, ticket: Ticket, actor: Actor, reason: str, now: datetime | None = None
) -> Redaction:
    """One ticket not joined to a person (its own contact details and text); flushes."""
    require(actor, "anonymize")
    now = now or utcnow()
    redaction = start_redaction(session, actor, "ticket", clean_reason(reason), now, ticket=ticket)
    counts: Counter = Counter()
    redact_tickets(session, [ticket], redaction, now, counts)
    redaction.counts = dict(sorted(counts.items()))
    session.flush()
    return redaction


def person_to_anonymize(session: Session, actor: Actor, person_id: int) -> Contact:
    """The person an officer is about to anonymize (admins and the privacy role)."""
    require(actor, "anonymize")
    person = session.get(Contact, person_id)
    if person is None:
        raise NotFound(N_("No existe esa persona."))
    return person


def tickets_count(session: Session, person: Contact) -> int:
    return session.scalar(select(func.count()).where(Ticket.person_id == person.id)) or 0
