"""The notification outbox, the SMS suppression list and API keys."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.tickets import Ticket

NOT_REDACTED = "redacted_at IS NULL"
QUESTION = "template = 'info_requested'"


class Notification(Base):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        # Retention: notices still holding a recipient and a body, oldest first.
        Index(
            "ix_notifications_retention",
            "created_at",
            postgresql_where=text(NOT_REDACTED),
            sqlite_where=text(NOT_REDACTED),
        ),
        # An SMS answering a question: which tickets did we ask through this number.
        Index(
            "ix_notifications_question_recipient",
            "recipient",
            postgresql_where=text(QUESTION),
            sqlite_where=text(QUESTION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms, email
    recipient: Mapped[str] = mapped_column(String(254))  # E.164 number or email address
    recipient_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    template: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # pending (written with the change, not yet handed to a worker), sending (claimed by a
    # worker), sent (accepted by the provider), delivered, undelivered (the provider's later
    # word), failed, suppressed (not sent: the number opted out).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    # When a worker claimed the row (status "sending"): a claim older than the job timeout
    # means the worker died, and the relay recovers the row.
    claimed_at: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Why it failed, for staff: opted_out, rejected, unavailable, internal (see DeliveryError).
    error_kind: Mapped[str | None] = mapped_column(String(16))
    # An earlier hand-off to the provider ended without an answer (timeout, dropped connection,
    # worker died, commit lost): the message may be out already. SMS: ask Twilio before sending
    # again. Email: send again with the same Message-ID, and count it in ``resends``.
    outcome_unknown: Mapped[bool] = mapped_column(default=False, server_default=false())
    resends: Mapped[int] = mapped_column(default=0, server_default="0")
    # The key of the email's Message-ID (``<key@domain>``): this row's own, or the one of the
    # row it retries, so the recipient's mail system can tell it is the same message.
    message_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When its recipient and body were anonymized (retention or a person's anonymization).
    redacted_at: Mapped[datetime | None]

    ticket: Mapped[Ticket | None] = relationship()


class SmsSuppression(Base):
    """Numbers that asked for no more SMS (BAJA/STOP, Twilio OptOutType, error 21610)."""

    __tablename__ = "sms_suppressions"

    mobile: Mapped[str] = mapped_column(String(20), primary_key=True)  # E.164
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A key for API writes. Only its SHA-256 is stored; the key is shown once on creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A municipal system (not a third-party app): lists every ticket with its tracking code.
    # Other keys list only the tickets they filed.
    staff_integration: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @staticmethod
    def hash_key(key: str) -> str:
        # API keys are 256-bit random tokens: a fast hash is enough (no dictionary to attack).
        return hashlib.sha256(key.encode()).hexdigest()
