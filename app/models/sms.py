"""Inbound SMS, kept once per Twilio MessageSid: a retried webhook gets the same reply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

NOT_REDACTED = "redacted_at IS NULL"


class InboundSms(Base):
    __tablename__ = "inbound_sms"
    __table_args__ = (
        # Retention: messages still holding a body and a number, oldest first.
        Index(
            "ix_inbound_sms_retention",
            "created_at",
            postgresql_where=text(NOT_REDACTED),
            sqlite_where=text(NOT_REDACTED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    body: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(24))
    reply: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When its body and sender were anonymized (retention or a person's anonymization).
    redacted_at: Mapped[datetime | None]
