"""Photos of a ticket: uploaded on the web form or at the counter, or sent by MMS.

The image itself lives in the photo storage (app/photos/storage.py), re-encoded without any
metadata, under keys named by ``token`` (random): never in the database. Staff-only until a
staff member of the ticket's unit publishes it (``published_at``); then a public copy exists.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.people import StaffUser
from app.models.tickets import Ticket

PHOTO_SOURCES = ("web", "counter", "mms")
# pending: an MMS photo not fetched yet; stored: in storage; failed: could not be fetched or
# was not an image (kept as a row so staff see that a photo was sent).
PHOTO_STATUSES = ("pending", "stored", "failed")
PENDING_PREDICATE = "status = 'pending'"


def new_token() -> str:
    return secrets.token_hex(16)


class Photo(Base):
    __tablename__ = "photos"
    __table_args__ = (
        Index(
            "ix_photos_pending_next_attempt",
            "next_attempt_at",
            postgresql_where=text(PENDING_PREDICATE),
            sqlite_where=text(PENDING_PREDICATE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    source: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="stored")
    width: Mapped[int | None]
    height: Mapped[int | None]
    size_bytes: Mapped[int | None]
    # MMS: the provider's URL (needs its credentials to open). Staff-only channel data.
    source_url: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Published for everyone (a public copy exists) by a staff member of the ticket's unit.
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    ticket: Mapped[Ticket] = relationship()
    published_by: Mapped[StaffUser | None] = relationship()

    @property
    def key(self) -> str:
        return f"photos/{self.token}.jpg"

    @property
    def thumb_key(self) -> str:
        return f"photos/{self.token}-thumb.jpg"

    @property
    def public_key(self) -> str:
        return f"public/{self.token}.jpg"
