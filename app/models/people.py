"""Residents' contacts (personal data) and staff users."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import Base, append_only, utcnow
from app.models.organization import Department

# privacy: the data protection officer (finds, exports, rectifies and blocks persons' data).
ROLES = ("counter", "agent", "head", "admin", "privacy")


class Contact(Base):
    """A person: the record that joins their tickets. PII: staff only.

    Its identifiers come only from a proof, stamped when it happened: a mobile from an SMS sent
    from it (Twilio proved it), an email from a confirmation link clicked, a RUT from counter
    staff who saw the ID. A value without a stamp (from before proofs existed) links nothing.
    What a resident types on a form stays on that ticket (``TicketContact``) and never changes
    this record; staff change it explicitly, and every change writes a ``ContactChange``.
    """

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    rut: Mapped[str | None] = mapped_column(String(12), unique=True)  # compact: 12345678K
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # lower-case
    # The person's stated preference (prefills the counter form); each ticket has its own.
    consent_notify: Mapped[bool] = mapped_column(default=False)
    rut_verified_at: Mapped[datetime | None]
    mobile_verified_at: Mapped[datetime | None]
    email_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Blocked (Ley 21.719): kept, not processed. No notices go to the person, staff other than
    # the data protection officer and admins read "Datos bloqueados", and exports to third
    # parties leave the data out. When, who and why (app/privacy/blocking.py).
    blocked_at: Mapped[datetime | None]
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    blocked_reason: Mapped[str | None] = mapped_column(String(300))

    blocked_by: Mapped[StaffUser | None] = relationship(foreign_keys=[blocked_by_id])

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None

    # Set when the person was anonymized: the record stays (their tickets and figures keep a
    # person), with no name, RUT, number or email.
    anonymized_at: Mapped[datetime | None]


class ContactChange(Base):
    """One change to a person record: who, when, why, and each field's old and new value.

    Append-only: never updated, never deleted.
    """

    __tablename__ = "contact_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff, resident, system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # created, linked, edited; the proof or the staff action that made it
    action: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(24))  # sms, email_link, rut_attested, staff
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # field -> [old, new]
    reason: Mapped[str | None] = mapped_column(String(300))
    # Set once when the values in ``changes`` were anonymized (the only change allowed).
    redaction_id: Mapped[int | None] = mapped_column(ForeignKey("redactions.id"))

    actor: Mapped[StaffUser | None] = relationship()


def new_session_token() -> str:
    return secrets.token_hex(16)


class StaffUser(UserMixin, Base):
    """A staff member. ``session_token`` is part of every session cookie of this person
    (flask-login's "alternative token"): replacing it ends all their sessions at once."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    # "Modo práctica" switched on: their staff pages show and file practice tickets only.
    practice_mode: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: what the session cookie carries
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every session cookie issued so far stops working (logout, new password, reset)."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


append_only(ContactChange, "person changes", redactable=("changes",))
