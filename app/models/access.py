"""One-time codes that prove a resident's channel (see app/tickets/access_codes.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class ResidentAccessCode(Base):
    """A short numeric code sent to a ticket's contact. Only a keyed hash of it is stored;
    it expires, allows a few attempts and is used once."""

    __tablename__ = "resident_access_codes"
    __table_args__ = (Index("ix_resident_access_codes_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    code_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 keyed with SECRET_KEY
    channel: Mapped[str] = mapped_column(String(8))  # sms, email: where it was sent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
