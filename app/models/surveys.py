"""Satisfaction survey answers: one per ticket, with the channel it was answered through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.tickets import Ticket

SURVEY_CHANNELS = ("sms", "email", "web")


class SatisfactionRating(Base):
    __tablename__ = "satisfaction_ratings"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    rating: Mapped[int]  # 1 = muy mala ... 5 = muy buena
    comment: Mapped[str | None] = mapped_column(Text)
    # How the answer came in (sms reply, email link, tracking page): dashboards group by it.
    channel: Mapped[str] = mapped_column(String(8), index=True)
    # The attention channel of the ticket, copied so per-channel reports need no join.
    ticket_channel: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship()
