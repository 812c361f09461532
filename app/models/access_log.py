"""The access trail: who looked at, searched for, changed or exported a person's data, and
which administrative change who made. Append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, append_only, utcnow
from app.models.people import Contact, StaffUser
from app.models.tickets import Ticket


class AccessLogEntry(Base):
    """One access to personal data or one administrative change.

    A searched identifier (RUT, mobile, email) is not stored as typed: ``query_digest`` is a
    keyed hash of its normalised value, so the trail can still answer "who looked this RUT up"
    for whoever holds the value, while the log itself does not become a list of RUTs.
    Never updated, never deleted.
    """

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_person_id_id", "person_id", "id"),
        Index("ix_access_log_actor_id_id", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff, resident, system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    kind: Mapped[str] = mapped_column(String(32))  # see app.tickets.access_log.KINDS
    person_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    query_kind: Mapped[str | None] = mapped_column(String(8))  # rut, mobile, email
    query_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    page: Mapped[str | None] = mapped_column(String(80))  # the endpoint it came from
    reason: Mapped[str | None] = mapped_column(String(300))
    target: Mapped[str | None] = mapped_column(String(200))  # what an admin change was made to
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[StaffUser | None] = relationship()
    person: Mapped[Contact | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()


append_only(AccessLogEntry, "access-log rows")
