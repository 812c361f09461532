"""Residents who follow a ticket someone else filed ("Es el mismo: seguir ese").

A follower is told once, when the ticket is resolved, through the outbox like any notice, on
the mobile or email they gave with their consent (the wording's version is kept). Each row has
its own random ``token``: the link ``/dejar-de-seguir/<token>`` in the notice stops it. PII:
staff only; covered by the privacy export, anonymization and retention (app/privacy).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.tickets import Ticket


def new_follower_token() -> str:
    return secrets.token_urlsafe(24)


class TicketFollower(Base):
    __tablename__ = "ticket_followers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), index=True)  # lower-case
    # The version of the consent wording the person was shown (app.tickets.consent).
    consent_wording: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(String(48), unique=True, default=new_follower_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None]  # the resolution notice was queued
    unsubscribed_at: Mapped[datetime | None]
    # Contact details cleared (unsubscribed, anonymized or past retention).
    redacted_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()

    @property
    def active(self) -> bool:
        return self.unsubscribed_at is None and self.redacted_at is None
