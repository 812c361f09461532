"""Recorded redactions: anonymization never deletes a row, it replaces personal fields and
resident text by a placeholder and writes one ``Redaction`` saying who, when, why and what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, append_only, utcnow
from app.models.people import Contact, StaffUser

REDACTION_SCOPES = (
    "person",  # everything held on one person (staff action or retention)
    "ticket",  # one ticket filed without a person record, past retention
    "sms",  # inbound SMS bodies and numbers past SMS_RETENTION_DAYS
    "notifications",  # notification recipients and bodies past SMS_RETENTION_DAYS
)


class Redaction(Base):
    """One anonymization: who (a staff member or the retention job), when, why, of what, and how
    many rows of each table it replaced. The redacted append-only rows (ticket events, person
    changes) point here through their ``redaction_id``. Never updated, never deleted."""

    __tablename__ = "redactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff, system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    scope: Mapped[str] = mapped_column(String(16))  # see REDACTION_SCOPES
    person_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    reason: Mapped[str] = mapped_column(String(300))
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # table -> rows redacted

    actor: Mapped[StaffUser | None] = relationship()
    person: Mapped[Contact | None] = relationship()


append_only(Redaction, "redactions", completed=("counts",))
