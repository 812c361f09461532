"""Tickets and their append-only history."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, append_only, utcnow
from app.models.organization import Category, Department
from app.models.people import Contact, StaffUser

# Public ids name tickets in public feeds: random, unrelated to the tracking code (which is the
# resident's secret). 12 lower-case Crockford base32 symbols (60 bits), so an id never looks
# like a code (9 upper-case symbols). Drawn by default, bulk inserts included.
PUBLIC_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
PUBLIC_ID_LENGTH = 12


def new_public_id() -> str:
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


# The statuses a ticket can be in: the data's vocabulary. Their rules (transitions, labels) are
# the lifecycle's (app/tickets/lifecycle.py), which takes the names from here.
NEW = "new"
IN_PROGRESS = "in_progress"
WAITING_RESIDENT = "waiting_resident"
RESOLVED = "resolved"
CLOSED = "closed"
REJECTED = "rejected"
DUPLICATE = "duplicate"
STATUSES = (NEW, IN_PROGRESS, WAITING_RESIDENT, RESOLVED, CLOSED, REJECTED, DUPLICATE)
OPEN_STATUSES = (NEW, IN_PROGRESS, WAITING_RESIDENT)
# Written out (not bound parameters) so that Postgres matches the partial indexes on open
# tickets; generated from the list above, in its order (the migrations' indexes use this text).
OPEN_PREDICATE = "status IN ({})".format(", ".join(f"'{status}'" for status in OPEN_STATUSES))
RETENTION_CLOSED = (
    "anonymized_at IS NULL AND retention_held_until IS NULL AND closed_at IS NOT NULL"
)
RETENTION_HELD = "anonymized_at IS NULL AND retention_held_until IS NOT NULL"
CHANNELS = ("web", "sms", "counter", "phone", "api", "open311")


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("channel", "source_ref"),
        Index("ix_tickets_department_status", "department_id", "status"),
        Index("ix_tickets_department_next_due", "department_id", "next_due_at", "id"),
        Index("ix_tickets_next_due", "next_due_at", "id"),
        # Places: tickets of one category near a point (a box of coordinates).
        Index("ix_tickets_category_lat_lon", "category_id", "lat", "lon"),
        # The queue's default view (open tickets, nearest due first) reads these partial
        # indexes: a million closed tickets with old due instants are not in them.
        Index(
            "ix_tickets_open_next_due",
            "next_due_at",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            sqlite_where=text(OPEN_PREDICATE),
        ),
        Index(
            "ix_tickets_open_department_next_due",
            "department_id",
            "next_due_at",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            sqlite_where=text(OPEN_PREDICATE),
        ),
        # Retention: closed tickets whose personal data is still held, by the instant their
        # retention period runs from. Anonymized tickets leave these indexes.
        Index(
            "ix_tickets_retention_closed",
            "closed_at",
            postgresql_where=text(RETENTION_CLOSED),
            sqlite_where=text(RETENTION_CLOSED),
        ),
        Index(
            "ix_tickets_retention_held",
            "retention_held_until",
            postgresql_where=text(RETENTION_HELD),
            sqlite_where=text(RETENTION_HELD),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)  # canonical, without hyphens
    # The name public feeds (Open311, open data) give the ticket: random, unrelated to the code,
    # which is the resident's secret and never appears in a list.
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    channel: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(128))
    # active_history: the open tickets' hours (app/tickets/open_hours.py) need the old value.
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id"), index=True, active_history=True
    )
    # active_history: the counts (app/tickets/counts.py) need the old value of both on change.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), active_history=True)
    status: Mapped[str] = mapped_column(String(20), index=True, active_history=True)
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    media_urls: Mapped[list[str] | None] = mapped_column(JSON)
    # Answers to the category's extra questions, by question code.
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the channel told about its client (Open311: API key name, device_id, account_id).
    # Staff-only, like the contact.
    channel_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The person this ticket is joined to, only through an identifier its channel proved
    # (see Contact). The details given with the ticket are ``contact`` (TicketContact).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    # The API key that filed the ticket (API and Open311 channels): that client may list it.
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    # What public feeds say about the request, written or approved by staff (never the
    # resident's own words unless staff rewrote them). NULL: feeds carry no text.
    public_summary: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # The staff member who filed it (counter, phone, API with a staff session): they took the
    # contact details down, so they may see them again (need to know; see permissions).
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # Retention (app/privacy/retention.py): when its personal data was anonymized, and, for a
    # closed ticket whose person still has newer or open tickets, the instant the retention
    # period is counted from instead of ``closed_at``.
    anonymized_at: Mapped[datetime | None]
    retention_held_until: Mapped[datetime | None]
    # "Modo práctica": filed by staff practising (app/practice). Never notifies anyone, never
    # counted, never in a feed or a public page; every ORM query sees either practice tickets or
    # real ones, never both (app/database.py), and an admin can delete them all.
    practice: Mapped[bool] = mapped_column(default=False, server_default=false())

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True, active_history=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # active_history: the rollups' dirty days (app/tickets/counts.py) need the old instants.
    first_responded_at: Mapped[datetime | None] = mapped_column(active_history=True)
    resolved_at: Mapped[datetime | None] = mapped_column(active_history=True)
    closed_at: Mapped[datetime | None]

    # SLA: due instants (indexed, so "overdue" is a range query), the pause bookkeeping, and
    # the elapsed figures stored when each clock stops (dashboards aggregate these).
    first_response_due_at: Mapped[datetime] = mapped_column(index=True)
    resolution_due_at: Mapped[datetime] = mapped_column(index=True)
    # The due instant that matters now (first response until given, then resolution): the
    # staff queue sorts on it with an index.
    # active_history (both): the open tickets' hours (app/tickets/open_hours.py) need the old.
    next_due_at: Mapped[datetime | None] = mapped_column(active_history=True)
    sla_paused_at: Mapped[datetime | None] = mapped_column(active_history=True)
    paused_business_minutes: Mapped[int] = mapped_column(default=0)
    # Business minutes added to the resolution target by an extension (rights requests: once,
    # 15 business days, with a public note; see app.tickets.extension), and when it was given.
    resolution_extension_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    resolution_extended_at: Mapped[datetime | None]
    first_response_business_minutes: Mapped[int | None]
    first_response_calendar_minutes: Mapped[int | None]
    resolution_business_minutes: Mapped[int | None]
    resolution_calendar_minutes: Mapped[int | None]
    # SLA alerts: when 75 % of each target is reached (indexed: "en riesgo" is a range query),
    # when each warning/breach was raised (once each), and the next instant the sweep must look
    # at this ticket (NULL when nothing is pending), so the sweep reads only tickets crossing.
    first_response_warn_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_warn_at: Mapped[datetime | None] = mapped_column(index=True)
    first_response_warned_at: Mapped[datetime | None]
    first_response_breached_at: Mapped[datetime | None]
    resolution_warned_at: Mapped[datetime | None]
    resolution_breached_at: Mapped[datetime | None]
    sla_next_check_at: Mapped[datetime | None] = mapped_column(index=True)

    version: Mapped[int] = mapped_column(default=1)
    # Optimistic lock. The domain moves the version itself (app/tickets/events.record_event) for
    # every change a person would want to see before acting; bookkeeping by the system (SLA
    # alert flags) keeps it, so an open staff form is not refused for a change it does not care
    # about. Every UPDATE still checks the version it read.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    category: Mapped[Category] = relationship()
    department: Mapped[Department] = relationship()
    person: Mapped[Contact | None] = relationship()
    contact: Mapped[TicketContact | None] = relationship(
        back_populates="ticket", uselist=False, foreign_keys="TicketContact.ticket_id"
    )
    assignee: Mapped[StaffUser | None] = relationship(foreign_keys=[assignee_id])
    filed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[filed_by_id])
    duplicate_of: Mapped[Ticket | None] = relationship(remote_side=[id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", viewonly=True
    )

    def __repr__(self) -> str:
        return f"<Ticket {self.code} {self.status}>"


class TicketContact(Base):
    """The contact details given with one ticket, as given, when and through which channel,
    with that ticket's own consent. Its notifications go here and nowhere else. PII: staff only.

    ``mobile_verified``: the ticket came by SMS from this number (Twilio proved it).
    ``email_confirmed_at``: the confirmation link sent to this email was used.
    ``rut_attested_by_id``: the counter staff member who saw the ID with this RUT.
    """

    __tablename__ = "ticket_contacts"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    rut: Mapped[str | None] = mapped_column(String(12), index=True)
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    consent_notify: Mapped[bool] = mapped_column(default=False)
    # When consent to be notified was given, the version of the wording shown (see
    # app.tickets.consent; NULL before versions were kept, or when the channel said none), and
    # when the person withdrew it (from then on no notice of this ticket is queued).
    consent_at: Mapped[datetime | None]
    consent_wording: Mapped[str | None] = mapped_column(String(32))
    consent_withdrawn_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    mobile_verified: Mapped[bool] = mapped_column(default=False)
    email_confirmed_at: Mapped[datetime | None]
    rut_attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    ticket: Mapped[Ticket] = relationship(back_populates="contact")
    rut_attested_by: Mapped[StaffUser | None] = relationship()


class TicketEvent(Base):
    """One change to a ticket. Append-only: never updated, never deleted."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff, resident, system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set once when the resident's text in ``body`` was anonymized (the only change allowed).
    redaction_id: Mapped[int | None] = mapped_column(ForeignKey("redactions.id"))

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[StaffUser | None] = relationship()


append_only(TicketEvent, "ticket events", redactable=("body",))


class TicketCount(Base):
    """How many tickets each department holds in each status, kept exact by
    ``app.tickets.counts`` in the same flush as every change (the queue reads it instead of
    counting the backlog). Bulk statements that create tickets or change their status or
    department must call ``counts.rebuild`` afterwards."""

    __tablename__ = "ticket_counts"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    tickets: Mapped[int] = mapped_column(default=0)


# The two ways an open ticket is counted by the hour (OpenTicketHour.kind).
FILED = "filed"  # every open ticket, by the hour it was filed (backlog, aging)
DUE = "due"  # open tickets whose clock runs (not paused), by the hour of ``next_due_at``


class OpenTicketHour(Base):
    """How many open tickets (new, in progress, waiting for the resident; never practice ones)
    each unit and category holds per UTC hour: of filing (``filed``: the backlog and its aging)
    and of the due instant that matters now, for those whose clock is not paused (``due``:
    overdue now). Kept exact by ``app.tickets.open_hours`` in the same flush as every change,
    like ``TicketCount``; the dashboards add the rows of whole hours before an instant and count
    the tickets of that instant's own hour. Bulk statements that create tickets or change what
    is counted here must call ``open_hours.rebuild`` afterwards."""

    __tablename__ = "open_ticket_hours"

    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    tickets: Mapped[int] = mapped_column(default=0)
